package gliner_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/evaluate"
	"github.com/gliner-go/gliner/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The variant fixtures (testdata/models/gen_variants.py) are the span-bert
// fixture's graph turned into each kind of published variant. Their
// tolerances against the fp32 graph were set from measurements (see
// README, "ONNX variants"), with a margin:
//   - maxLogit, maxProb: largest |Δ| of a logit and of its sigmoid over the
//     fixture's torch_logits.json inputs (4 texts, 2–3 labels);
//   - maxF1Drop: strict F1 on the NCBI-disease test split may fall by at
//     most this much below fp32's;
//   - minAgree: the entities found must agree with fp32's (F1 of one entity
//     set against the other, same start, end and label) at least this much.
type variantCase struct {
	name, kind                             string // WithVariant name; testenv.VariantGraphs kind
	maxLogit, maxProb, maxF1Drop, minAgree float64
}

var variantCases = []variantCase{
	// measured: |Δlogit| 0.0048, |Δprob| 0.0002, ΔF1 0, agreement 1
	{"fp16", "fp16", 0.02, 0.002, 0.005, 0.99},
	{"fp16", "fp16io", 0.02, 0.002, 0.005, 0.99},
	// measured: |Δlogit| 0.058, |Δprob| 0.005, ΔF1 -0.0001 / +0.0009, agreement 0.995 / 0.992
	{"int8", "int8", 0.2, 0.02, 0.01, 0.97},
	{"uint8", "uint8", 0.2, 0.02, 0.01, 0.97},
	{"quantized", "quantized", 0.2, 0.02, 0.01, 0.97},
	// measured: |Δlogit| 0.28 / 0.33, |Δprob| 0.018 / 0.016, ΔF1 -0.0085 / -0.0019, agreement 0.979 / 0.977
	{"q4", "q4", 0.6, 0.05, 0.02, 0.95},
	{"q4f16", "q4f16", 0.6, 0.05, 0.02, 0.95},
	{"bnb4", "bnb4", 0.6, 0.05, 0.02, 0.95},
}

// variantFile names the graph file of a variant in a published folder.
func variantFile(name string) string { return "model_" + name + ".onnx" }

// openVariant opens a model folder, skipping (failing in CI) without ONNX
// Runtime.
func openVariant(t testing.TB, dir string, opts ...gliner.Option) *gliner.Model {
	t.Helper()
	m, err := gliner.Open(dir, opts...)
	if errors.Is(err, encoder.ErrLibraryNotFound) {
		testenv.Missing(t, "ONNX Runtime library not found (run scripts/setup-ort.sh): %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// TestVariantOpenExtract opens each variant from a published-style folder
// (fp32 model.onnx plus onnx/model_<variant>.onnx) and extracts with it.
func TestVariantOpenExtract(t *testing.T) {
	text := "Mutations in the BRCA1 gene cause hereditary breast and ovarian cancer."
	labels := []string{"disease", "gene"}
	for _, tc := range variantCases {
		t.Run(tc.kind, func(t *testing.T) {
			dir := testenv.VariantModel(t, true, map[string]string{variantFile(tc.name): tc.kind})
			m := openVariant(t, dir, gliner.WithVariant(tc.name))
			ents, err := m.Extract(context.Background(), text, labels, gliner.WithThreshold(0.3))
			require.NoError(t, err)
			for _, e := range ents {
				assert.Equal(t, text[e.Start:e.End], e.Text)
				assert.True(t, e.Score > 0.3 && e.Score <= 1, "score %v", e.Score)
			}
			t.Logf("%s: %d entities %v", tc.kind, len(ents), ents)
		})
	}
}

// torchCase is one batch of torch_logits.json: the graph inputs.
type torchCase struct {
	Inputs map[string]struct {
		Dtype string          `json:"dtype"`
		Shape []int64         `json:"shape"`
		Data  json.RawMessage `json:"data"`
	} `json:"inputs"`
}

// torchInputs reads the fixture's recorded input batches as tensors.
func torchInputs(t *testing.T) [][]encoder.Tensor {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "models", testenv.VariantFixture, "torch_logits.json"))
	require.NoError(t, err)
	var f struct{ Cases []torchCase }
	require.NoError(t, json.Unmarshal(b, &f))
	var out [][]encoder.Tensor
	for _, c := range f.Cases {
		var ts []encoder.Tensor
		for name, in := range c.Inputs {
			var d []int64 // bools are written as 0 and 1
			require.NoError(t, json.Unmarshal(in.Data, &d), name)
			if in.Dtype != "bool" {
				ts = append(ts, encoder.Int64Tensor(name, in.Shape, d))
				continue
			}
			bs := make([]bool, len(d))
			for i, v := range d {
				bs[i] = v != 0
			}
			ts = append(ts, encoder.BoolTensor(name, in.Shape, bs))
		}
		out = append(out, ts)
	}
	return out
}

// runGraph runs a graph file on each input batch and returns the logits.
func runGraph(t *testing.T, path string, batches [][]encoder.Tensor) [][]float32 {
	t.Helper()
	s, err := encoder.Open(path)
	if errors.Is(err, encoder.ErrLibraryNotFound) {
		testenv.Missing(t, "ONNX Runtime library not found: %v", err)
	}
	require.NoError(t, err)
	defer s.Close()
	var out [][]float32
	for _, in := range batches {
		res, err := s.Run(context.Background(), in)
		require.NoError(t, err)
		require.Equal(t, encoder.Float32, res[0].Type)
		out = append(out, res[0].Float32)
	}
	return out
}

func sigmoid(x float32) float64 { return 1 / (1 + math.Exp(-float64(x))) }

// TestVariantLogits compares each variant graph's logits with the fp32
// graph's on the fixture's recorded inputs, within the stated tolerances.
func TestVariantLogits(t *testing.T) {
	batches := torchInputs(t)
	fp32 := runGraph(t, filepath.Join(testenv.RepoRoot(), "testdata", "models", testenv.VariantFixture, "model.onnx"), batches)
	vdir := filepath.Join(testenv.RepoRoot(), "testdata", "models", "variants", testenv.VariantFixture)
	for _, tc := range variantCases {
		t.Run(tc.kind, func(t *testing.T) {
			got := runGraph(t, filepath.Join(vdir, filepath.FromSlash(testenv.VariantGraphs[tc.kind])), batches)
			var dl, dp float64
			for i := range got {
				require.Len(t, got[i], len(fp32[i]))
				for j, v := range got[i] {
					dl = max(dl, math.Abs(float64(v-fp32[i][j])))
					dp = max(dp, math.Abs(sigmoid(v)-sigmoid(fp32[i][j])))
				}
			}
			t.Logf("%s: max |Δlogit| %.4f, max |Δprob| %.4f", tc.kind, dl, dp)
			assert.LessOrEqual(t, dl, tc.maxLogit, "logits")
			assert.LessOrEqual(t, dp, tc.maxProb, "probabilities")
		})
	}
}

// recorder keeps the entities of every ExtractBatch call, in order.
type recorder struct {
	m    *gliner.Model
	ents [][]gliner.Entity
}

func (r *recorder) ExtractBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([][]gliner.Entity, error) {
	out, err := r.m.ExtractBatch(ctx, texts, labels, opts...)
	r.ents = append(r.ents, out...)
	return out, err
}

// evalNCBI scores a model folder's variant on the NCBI-disease test split.
func evalNCBI(t *testing.T, corpus *evaluate.Corpus, dir, variant string) (*evaluate.Report, [][]gliner.Entity) {
	t.Helper()
	r := &recorder{m: openVariant(t, dir, gliner.WithVariant(variant))}
	rep, err := evaluate.Run(context.Background(), r, corpus, evaluate.Options{Labels: map[string]string{"Disease": "disease"}, Batch: 16})
	require.NoError(t, err)
	return rep, r.ents
}

// agreement is the F1 of entity set b against a (same start, end, label).
func agreement(a, b [][]gliner.Entity) float64 {
	var na, nb, both int
	for i := range a {
		seen := map[string]bool{}
		for _, e := range a[i] {
			seen[fmt.Sprint(e.Start, e.End, e.Label)] = true
		}
		for _, e := range b[i] {
			if seen[fmt.Sprint(e.Start, e.End, e.Label)] {
				both++
			}
		}
		na, nb = na+len(a[i]), nb+len(b[i])
	}
	if na+nb == 0 {
		return 1
	}
	return 2 * float64(both) / float64(na+nb)
}

// TestVariantNCBI extracts with every variant on the NCBI-disease test
// split and compares with fp32: strict F1 against the gold entities, and
// agreement with fp32's entities.
func TestVariantNCBI(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the NCBI-disease run of every variant in -short mode")
	}
	corpus, err := evaluate.ReadFile(testenv.DataFile(t, "conll/ncbi-disease/test.tsv"), evaluate.FormatCoNLL)
	require.NoError(t, err)
	base, baseEnts := evalNCBI(t, corpus, testenv.VariantModel(t, true, nil), "fp32")
	t.Logf("fp32: strict F1 %.4f (P %.4f R %.4f, %d predicted) on %d texts", base.Scores.Micro.F1,
		base.Scores.Micro.Precision, base.Scores.Micro.Recall, base.Scores.Total.Pred, base.Texts)
	for _, tc := range variantCases {
		t.Run(tc.kind, func(t *testing.T) {
			dir := testenv.VariantModel(t, false, map[string]string{variantFile(tc.name): tc.kind})
			rep, ents := evalNCBI(t, corpus, dir, tc.name)
			f1, agree := rep.Scores.Micro.F1, agreement(baseEnts, ents)
			t.Logf("%s: strict F1 %.4f (Δ %+.4f vs fp32), agreement with fp32 %.4f, %d predicted",
				tc.kind, f1, f1-base.Scores.Micro.F1, agree, rep.Scores.Total.Pred)
			assert.GreaterOrEqual(t, f1, base.Scores.Micro.F1-tc.maxF1Drop, "F1 drop")
			assert.GreaterOrEqual(t, agree, tc.minAgree, "agreement with fp32")
		})
	}
}

// TestVariantFormats checks that the 4-bit graphs use ONNX Runtime's
// contrib operators as their documentation describes: MatMulNBits (q4)
// and MatMulBnb4 (bnb4) must compute what float32 MatMuls with the
// weights dequantized in numpy by gen_variants.py compute, up to float
// rounding. A wrong nibble order, block layout or codebook would not.
func TestVariantFormats(t *testing.T) {
	py := testenv.Python(t, "onnx", "numpy")
	tmp := t.TempDir()
	gen := filepath.Join(testenv.RepoRoot(), "testdata", "models", "gen_variants.py")
	if out, err := exec.Command(py, gen, "--dequantized", tmp).CombinedOutput(); err != nil {
		t.Fatalf("gen_variants.py --dequantized: %v\n%s", err, out)
	}
	batches := torchInputs(t)
	vdir := filepath.Join(testenv.RepoRoot(), "testdata", "models", "variants", testenv.VariantFixture)
	for _, kind := range []string{"q4", "bnb4"} {
		got := runGraph(t, filepath.Join(vdir, filepath.FromSlash(testenv.VariantGraphs[kind])), batches)
		want := runGraph(t, filepath.Join(tmp, "model_"+kind+"_dequantized.onnx"), batches)
		var d float64
		for i := range got {
			for j := range got[i] {
				d = max(d, math.Abs(float64(got[i][j]-want[i][j])))
			}
		}
		t.Logf("%s: max |Δlogit| against the dequantized float32 graph %.2g", kind, d)
		assert.Less(t, d, 1e-3, kind)
	}
}
