package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// VariantFixture is the fixture whose ONNX variants are committed, made by
// testdata/models/gen_variants.py.
const VariantFixture = "span-bert"

// VariantGraphs maps each variant kind of the fixture to its graph file,
// relative to testdata/models/variants/<VariantFixture>. "fp16io" is the
// fp16 graph with a float16 logits output (published fp16 files exist both
// ways); "quantized" reuses the uint8 graph, as older exports name it.
var VariantGraphs = map[string]string{
	"fp16":      "onnx/model_fp16.onnx",
	"fp16io":    "fp16io/model_fp16.onnx",
	"int8":      "onnx/model_int8.onnx",
	"uint8":     "onnx/model_uint8.onnx",
	"quantized": "onnx/model_uint8.onnx",
	"q4":        "onnx/model_q4.onnx",
	"q4f16":     "onnx/model_q4f16.onnx",
	"bnb4":      "onnx/model_bnb4.onnx",
}

// variantFixtureFiles are the fixture's files a model folder needs besides
// its graph.
var variantFixtureFiles = []string{
	"gliner_config.json", "tokenizer.json", "tokenizer_config.json",
	"special_tokens_map.json", "added_tokens.json",
}

// VariantModel assembles, in a temporary folder, a model folder of the
// variant fixture as published folders are laid out: the fixture's config
// and tokenizer, model.onnx (the fp32 graph) when fp32 is set, and
// onnx/<file> → the committed graph of each entry of graphs (file name such
// as "model_q4.onnx" → kind in [VariantGraphs] such as "q4"). Files are
// hard links (copies where the file system cannot link): a model folder's
// symbolic links may not lead outside it (gliner.ErrUnsafeFile). It skips or
// fails the test when the fixture is absent.
func VariantModel(tb testing.TB, fp32 bool, graphs map[string]string) string {
	tb.Helper()
	models := filepath.Join(RepoRoot(), "testdata", "models")
	src := filepath.Join(models, VariantFixture)
	vdir := filepath.Join(models, "variants", VariantFixture)
	dir := tb.TempDir()
	link := func(target, name string) {
		tb.Helper()
		if _, err := os.Stat(target); err != nil {
			Missing(tb, "variant fixture file %s not present (run testdata/models/gen_variants.py)", target)
		}
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := linkOrCopy(target, name); err != nil {
			tb.Fatal(err)
		}
	}
	for _, f := range variantFixtureFiles {
		link(filepath.Join(src, f), filepath.Join(dir, f))
	}
	if fp32 {
		link(filepath.Join(src, "model.onnx"), filepath.Join(dir, "model.onnx"))
	}
	for file, kind := range graphs {
		rel, ok := VariantGraphs[kind]
		if !ok {
			tb.Fatalf("testenv: unknown variant kind %q", kind)
		}
		link(filepath.Join(vdir, filepath.FromSlash(rel)), filepath.Join(dir, "onnx", file))
	}
	return dir
}
