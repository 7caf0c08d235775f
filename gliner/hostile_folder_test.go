package gliner

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/internal/testenv"
	"github.com/gliner-go/gliner/tokenize"
)

// hostileCase is one broken or hostile model folder: a fixture copied into
// a temporary folder, then broken.
type hostileCase struct {
	name    string
	fixture string // default span-bert
	// breakIt breaks the copy in dir and returns the folder to open
	// (usually dir).
	breakIt func(t *testing.T, dir string) string
	opts    []Option
	// want are the errors Open's error must match with errors.Is; none
	// means Open must succeed.
	want []error
	// maxAlloc bounds the bytes the Go heap allocates during Open (0: not
	// measured).
	maxAlloc uint64
}

const mib = 1 << 20

// TestHostileFolders opens every kind of broken or hostile model folder
// and checks that Open fails with a typed error (never a panic or a
// crash), within a stated allocation bound for the big inputs.
func TestHostileFolders(t *testing.T) {
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			fixture := tc.fixture
			if fixture == "" {
				fixture = "span-bert"
			}
			dir := tc.breakIt(t, copyTree(t, fixture))
			err, alloc := openMeasured(t, dir, tc.opts)
			if tc.maxAlloc > 0 {
				assert.LessOrEqual(t, alloc, tc.maxAlloc, "bytes allocated by Open")
			}
			t.Logf("allocated %.1f MiB; error: %v", float64(alloc)/mib, err)
			if len(tc.want) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tc.want {
				assert.ErrorIs(t, err, w)
			}
		})
	}
}

// openMeasured opens dir and returns Open's error and the bytes the Go heap
// allocated meanwhile (an upper bound of its heap growth). It skips the test
// when the case reaches the graph without ONNX Runtime.
func openMeasured(t *testing.T, dir string, opts []Option) (error, uint64) {
	t.Helper()
	opts = append([]Option{WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := Open(dir, opts...)
	runtime.ReadMemStats(&after)
	if m != nil {
		require.NoError(t, m.Close())
	}
	var nf *encoder.LibraryNotFoundError
	if errors.As(err, &nf) {
		testenv.Missing(t, "ONNX Runtime not found (run scripts/setup-ort.sh): %v", err)
	}
	return err, after.TotalAlloc - before.TotalAlloc
}

func hostileCases() []hostileCase {
	var cases []hostileCase
	for _, group := range [][]hostileCase{
		missingAndExtraCases(), wrongTypeCases(), graphCases(), contradictionCases(),
		linkCases(), enormousCases(),
	} {
		cases = append(cases, group...)
	}
	return cases
}

func missingAndExtraCases() []hostileCase {
	return []hostileCase{
		{name: "missing gliner_config.json", breakIt: remove("gliner_config.json"), want: []error{ErrMissingFile}},
		{name: "missing tokenizer", breakIt: remove("tokenizer.json"), want: []error{tokenize.ErrNoTokenizer}},
		{name: "missing graph", breakIt: remove("model.onnx"), want: []error{ErrMissingFile}},
		{name: "empty folder", breakIt: func(t *testing.T, dir string) string { return t.TempDir() }, want: []error{ErrMissingFile}},
		{name: "no such folder", breakIt: func(t *testing.T, dir string) string { return filepath.Join(dir, "absent") }, want: []error{ErrMissingFile}},
		{name: "bio: missing graph", fixture: "bio-bert", breakIt: remove("onnx/model.onnx"), want: []error{ErrMissingFile}},
		{name: "bio: missing tokenizer", fixture: "bio-bert", breakIt: remove("tokenizer.json"), want: []error{tokenize.ErrNoTokenizer}},
		{name: "tokenizer.json is a folder", breakIt: replaceWithDir("tokenizer.json"), want: []error{tokenize.ErrInvalidConfig}},
		{name: "gliner_config.json is a folder", breakIt: replaceWithDir("gliner_config.json"), want: []error{ErrBadConfig}},
		{name: "model.onnx is a folder", breakIt: replaceWithDir("model.onnx"), want: []error{ErrMissingFile}},
		{name: "extra unrelated files are ignored", breakIt: func(t *testing.T, dir string) string {
			write(t, dir, "README.md", []byte("# a model\n"))
			write(t, dir, "pytorch_model.bin", randomBytes(mib))
			write(t, dir, "checkpoints/step-1/optimizer.pt", randomBytes(1024))
			return dir
		}},
	}
}

func wrongTypeCases() []hostileCase {
	badConfig := func(name string, fields map[string]any) hostileCase {
		return hostileCase{name: name, breakIt: setConfig(fields), want: []error{ErrBadConfig}}
	}
	return []hostileCase{
		{name: "gliner_config.json is an array", breakIt: writeFile("gliner_config.json", `[{"max_width": 12}]`), want: []error{ErrBadConfig}},
		{name: "gliner_config.json is null", breakIt: writeFile("gliner_config.json", `null`), want: []error{ErrBadConfig}},
		{name: "gliner_config.json is empty", breakIt: writeFile("gliner_config.json", ``), want: []error{ErrBadConfig}},
		badConfig("max_width a string", map[string]any{"max_width": "12"}),
		badConfig("max_width a float", map[string]any{"max_width": 12.5}),
		badConfig("max_width negative", map[string]any{"max_width": -3}),
		badConfig("max_width huge", map[string]any{"max_width": 1_000_000_000}),
		badConfig("hidden_size negative", map[string]any{"hidden_size": -1}),
		badConfig("hidden_size huge", map[string]any{"hidden_size": 1 << 40}),
		badConfig("max_len an object", map[string]any{"max_len": map[string]any{"n": 384}}),
		badConfig("ent_token a number", map[string]any{"ent_token": 5}),
		badConfig("span_mode a list", map[string]any{"span_mode": []string{"markerV0"}}),
		badConfig("unknown span_mode", map[string]any{"span_mode": "bogus"}),
		{name: "tokenizer.json is an array", breakIt: writeFile("tokenizer.json", `[1, 2, 3]`), want: []error{tokenize.ErrInvalidConfig}},
		{name: "tokenizer.json truncated", breakIt: truncate("tokenizer.json", 2), want: []error{tokenize.ErrInvalidConfig}},
		{name: "tokenizer.json vocab an array", breakIt: editTokenizer(func(tj map[string]any) {
			tj["model"].(map[string]any)["vocab"] = []any{"[UNK]", "a"}
		}), want: []error{tokenize.ErrInvalidConfig}},
		{name: "tokenizer.json added_tokens an object", breakIt: editTokenizer(func(tj map[string]any) {
			tj["added_tokens"] = map[string]any{"id": 0}
		}), want: []error{tokenize.ErrInvalidConfig}},
		{name: "tokenizer.json negative id", breakIt: editTokenizer(func(tj map[string]any) {
			tj["model"].(map[string]any)["vocab"].(map[string]any)["zz"] = -7
		}), want: []error{tokenize.ErrInvalidConfig}},
		{name: "bio: id2label an array", fixture: "bio-bert", breakIt: editJSON(bioConfigFile, func(c map[string]any) {
			c["id2label"] = []string{"O", "B-Disease"}
		}), want: []error{ErrBadConfig}},
		{name: "bio: config.json a string", fixture: "bio-bert", breakIt: writeFile(bioConfigFile, `"bert"`), want: []error{ErrBadConfig}},
	}
}

func graphCases() []hostileCase {
	return []hostileCase{
		{name: "graph truncated", breakIt: truncate("model.onnx", 3), want: []error{encoder.ErrInvalidModel}},
		{name: "graph empty", breakIt: writeFile("model.onnx", ""), want: []error{encoder.ErrInvalidModel}},
		{name: "graph random bytes", breakIt: func(t *testing.T, dir string) string {
			write(t, dir, "model.onnx", randomBytes(mib))
			return dir
		}, want: []error{encoder.ErrInvalidModel}},
		// ONNX Runtime itself refuses external data outside the graph's
		// folder (a path, not a link, so checkFolder cannot see it).
		{name: "graph's external data leaves the folder", breakIt: func(t *testing.T, dir string) string {
			write(t, dir, "model.onnx", externalDataGraph("../outside.bin"))
			write(t, filepath.Dir(dir), "outside.bin", bytes.Repeat([]byte{1}, 16))
			return dir
		}, want: []error{encoder.ErrInvalidModel}},
		// The same graph with its data inside the folder loads; its test
		// run then gives logits of the wrong shape.
		{name: "graph's external data inside the folder", breakIt: func(t *testing.T, dir string) string {
			write(t, dir, "model.onnx", externalDataGraph("w.bin"))
			write(t, dir, "w.bin", bytes.Repeat([]byte{1}, 16))
			return dir
		}, want: []error{ErrMismatch}},
		{name: "graph is a JSON file", breakIt: func(t *testing.T, dir string) string {
			b, err := os.ReadFile(filepath.Join(dir, "gliner_config.json"))
			require.NoError(t, err)
			write(t, dir, "model.onnx", b)
			return dir
		}, want: []error{encoder.ErrInvalidModel}},
	}
}

func contradictionCases() []hostileCase {
	return []hostileCase{
		{name: "max_width contradicts the graph", breakIt: setConfig(map[string]any{"max_width": 5}), want: []error{ErrMismatch}},
		{name: "class_token_index contradicts the tokenizer", breakIt: setConfig(map[string]any{"class_token_index": 5}), want: []error{ErrMismatch}},
		{name: "vocab_size below the tokenizer's ids", breakIt: setConfig(map[string]any{"vocab_size": 1000}), want: []error{ErrMismatch}},
		{name: "token id beyond the embedding", breakIt: editTokenizer(func(tj map[string]any) {
			tj["model"].(map[string]any)["vocab"].(map[string]any)["zz"] = 1_000_000
		}), want: []error{ErrMismatch}},
		{name: "ent_token not in the tokenizer", breakIt: setConfig(map[string]any{"ent_token": "<<NOPE>>"}), want: []error{ErrMismatch}},
		{name: "token-level config on a span graph", breakIt: setConfig(map[string]any{"span_mode": "token_level"}), want: []error{encoder.ErrContract}},
		{name: "tokenizer of another model", breakIt: func(t *testing.T, dir string) string {
			require.NoError(t, os.Remove(filepath.Join(dir, "tokenizer.json")))
			src := filepath.Join(testenv.RepoRoot(), "testdata", "models", "span-deberta")
			for _, f := range []string{"spm.model", "added_tokens.json"} {
				b, err := os.ReadFile(filepath.Join(src, f))
				require.NoError(t, err)
				write(t, dir, f, b)
			}
			return dir
		}, want: []error{ErrMismatch}},
		// hidden_size, num_rnn_layers and the like describe layers inside the
		// graph: a uni-encoder model never uses them, so a wrong value is
		// harmless.
		{name: "hidden_size is not used by a uni-encoder", breakIt: setConfig(map[string]any{"hidden_size": 4096})},
	}
}

func linkCases() []hostileCase {
	unsafe := []error{ErrUnsafeFile}
	return []hostileCase{
		{name: "gliner_config.json links outside", breakIt: linkOutside("gliner_config.json"), want: unsafe},
		{name: "tokenizer.json links outside", breakIt: linkOutside("tokenizer.json"), want: unsafe},
		{name: "model.onnx links outside", breakIt: linkOutside("model.onnx"), want: unsafe},
		{name: "a sub-folder links outside", breakIt: func(t *testing.T, dir string) string {
			require.NoError(t, os.Symlink(t.TempDir(), filepath.Join(dir, "onnx")))
			return dir
		}, want: unsafe},
		{name: "WithONNXFile leaves the folder", breakIt: keep, opts: []Option{WithONNXFile("../model.onnx")}, want: unsafe},
		{name: "outside links allowed by option", breakIt: linkOutside("model.onnx"), opts: []Option{WithOutsideLinks()}},
		{name: "links inside the folder", breakIt: func(t *testing.T, dir string) string {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "store"), 0o755))
			require.NoError(t, os.Rename(filepath.Join(dir, "model.onnx"), filepath.Join(dir, "store", "graph")))
			require.NoError(t, os.Symlink(filepath.Join("store", "graph"), filepath.Join(dir, "model.onnx")))
			return dir
		}},
		{name: "the folder itself is a link", breakIt: func(t *testing.T, dir string) string {
			link := filepath.Join(t.TempDir(), "current")
			require.NoError(t, os.Symlink(dir, link))
			return link
		}},
		{name: "Hugging Face cache snapshot", breakIt: hfSnapshot},
	}
}

func enormousCases() []hostileCase {
	return []hostileCase{
		{name: "tokenizer.json beyond the size limit", breakIt: sparse("tokenizer.json", tokenize.MaxTokenizerBytes+1),
			want: []error{tokenize.ErrLimit}, maxAlloc: mib},
		// A 42 MB tokenizer.json: refused before its vocabulary is built,
		// after about 3× its size is allocated (read, top-level split, model
		// split).
		{name: "vocabulary of 2.2 million entries", breakIt: hugeVocab(2_200_000),
			want: []error{tokenize.ErrLimit, tokenize.ErrInvalidConfig}, maxAlloc: 160 * mib},
		{name: "token id of 2 billion", breakIt: editTokenizer(func(tj map[string]any) {
			tj["model"].(map[string]any)["vocab"].(map[string]any)["zz"] = 2_000_000_000
		}), want: []error{tokenize.ErrLimit}, maxAlloc: 64 * mib},
		{name: "tokenizer.json nested 100,000 arrays deep", breakIt: tokenizerPart("normalizer", nestedArrays(100_000)),
			want: []error{tokenize.ErrInvalidConfig}, maxAlloc: 32 * mib},
		{name: "Sequence normalizers nested 1,000 deep", breakIt: tokenizerPart("normalizer", nestedSequences(1000)),
			want: []error{tokenize.ErrLimit}, maxAlloc: 64 * mib},
		{name: "gliner_config.json nested 100,000 arrays deep",
			breakIt: writeFile("gliner_config.json", `{"max_width": 12, "x": `+string(nestedArrays(100_000))+`}`),
			want:    []error{ErrBadConfig}, maxAlloc: 8 * mib},
		{name: "gliner_config.json of 20 MiB", breakIt: writeFile("gliner_config.json", `{"name": "`+strings.Repeat("a", 20*mib)+`"}`),
			want: []error{ErrBadConfig}, maxAlloc: 64 * mib},
		{name: "bio: config.json of 20 MiB", fixture: "bio-bert", breakIt: writeFile(bioConfigFile, `{"_comment": "`+strings.Repeat("a", 20*mib)+`"}`),
			want: []error{ErrBadConfig}, maxAlloc: 64 * mib},
		{name: "spm.model beyond the size limit", fixture: "span-deberta", breakIt: sparse("spm.model", tokenize.MaxTokenizerBytes+1),
			want: []error{tokenize.ErrLimit}, maxAlloc: mib},
		{name: "tokenizer_config.json beyond the size limit", fixture: "span-deberta", breakIt: sparse("tokenizer_config.json", tokenize.MaxSideFileBytes+1),
			want: []error{tokenize.ErrLimit}, maxAlloc: mib},
	}
}

// copyTree copies a fixture model folder, sub-folders included, into a
// temporary folder.
func copyTree(t *testing.T, fixture string) string {
	t.Helper()
	src := filepath.Join(testenv.RepoRoot(), "testdata", "models", fixture)
	dst := t.TempDir()
	require.NoError(t, filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".pt") {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		write(t, dst, rel, b)
		return nil
	}))
	return dst
}

func write(t *testing.T, dir, rel string, b []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, b, 0o644))
}

func keep(t *testing.T, dir string) string { return dir }

func remove(rel string) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		require.NoError(t, os.Remove(filepath.Join(dir, filepath.FromSlash(rel))))
		return dir
	}
}

func replaceWithDir(rel string) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		p := filepath.Join(dir, rel)
		require.NoError(t, os.Remove(p))
		require.NoError(t, os.Mkdir(p, 0o755))
		return dir
	}
}

func writeFile(rel, content string) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		write(t, dir, rel, []byte(content))
		return dir
	}
}

// truncate keeps the first 1/frac of a file.
func truncate(rel string, frac int) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		editFile(t, filepath.Join(dir, rel), func(b []byte) []byte { return b[:len(b)/frac] })
		return dir
	}
}

// sparse replaces a file by one of size bytes, '{' then zero bytes, without
// writing them.
func sparse(rel string, size int64) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		p := filepath.Join(dir, rel)
		write(t, dir, rel, []byte("{"))
		require.NoError(t, os.Truncate(p, size))
		return dir
	}
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func editJSON(rel string, edit func(map[string]any)) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		editFile(t, filepath.Join(dir, rel), func(b []byte) []byte {
			var v map[string]any
			require.NoError(t, json.Unmarshal(b, &v))
			edit(v)
			out, err := json.Marshal(v)
			require.NoError(t, err)
			return out
		})
		return dir
	}
}

func setConfig(fields map[string]any) func(*testing.T, string) string {
	return editJSON("gliner_config.json", func(c map[string]any) {
		for k, v := range fields {
			c[k] = v
		}
	})
}

func editTokenizer(edit func(map[string]any)) func(*testing.T, string) string {
	return editJSON("tokenizer.json", edit)
}

// tokenizerPart replaces one top-level part of tokenizer.json by raw bytes
// (which may be too deep for encoding/json to write).
func tokenizerPart(key string, raw []byte) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		editFile(t, filepath.Join(dir, "tokenizer.json"), func(b []byte) []byte {
			var parts map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(b, &parts))
			var out bytes.Buffer
			out.WriteString("{")
			for k, v := range parts {
				if k != key {
					out.WriteString(`"` + k + `": `)
					out.Write(v)
					out.WriteString(", ")
				}
			}
			out.WriteString(`"` + key + `": `)
			out.Write(raw)
			out.WriteString("}")
			return out.Bytes()
		})
		return dir
	}
}

func nestedArrays(depth int) []byte {
	return []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
}

func nestedSequences(depth int) []byte {
	open := `{"type": "Sequence", "normalizers": [`
	return []byte(strings.Repeat(open, depth) + `{"type": "Lowercase"}` + strings.Repeat("]}", depth))
}

// hugeVocab replaces the tokenizer by a WordPiece one of n entries.
func hugeVocab(n int) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		var b bytes.Buffer
		b.WriteString(`{"version": "1.0", "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0`)
		for i := 1; i < n; i++ {
			b.WriteString(`, "t`)
			b.WriteString(strconv.Itoa(i))
			b.WriteString(`": `)
			b.WriteString(strconv.Itoa(i))
		}
		b.WriteString("}}}")
		write(t, dir, "tokenizer.json", b.Bytes())
		return dir
	}
}

// linkOutside moves a file out of the folder and leaves a link to it.
func linkOutside(rel string) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		out := filepath.Join(t.TempDir(), rel)
		require.NoError(t, os.Rename(filepath.Join(dir, rel), out))
		return linkTo(rel, out)(t, dir)
	}
}

func linkTo(rel, target string) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		p := filepath.Join(dir, rel)
		if err := os.Remove(p); !errors.Is(err, fs.ErrNotExist) {
			require.NoError(t, err)
		}
		require.NoError(t, os.Symlink(target, p))
		return dir
	}
}

// hfSnapshot lays the folder out as a Hugging Face cache does:
// snapshots/<commit>/<file> are relative links to blobs/<name>.
func hfSnapshot(t *testing.T, dir string) string {
	repo := filepath.Join(t.TempDir(), "models--acme--gliner")
	snap := filepath.Join(repo, "snapshots", "0123456789abcdef0123456789abcdef01234567")
	require.NoError(t, os.MkdirAll(filepath.Join(repo, "blobs"), 0o755))
	require.NoError(t, os.MkdirAll(snap, 0o755))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for i, e := range entries {
		blob := "blob" + strconv.Itoa(i)
		require.NoError(t, os.Rename(filepath.Join(dir, e.Name()), filepath.Join(repo, "blobs", blob)))
		require.NoError(t, os.Symlink(filepath.Join("..", "..", "blobs", blob), filepath.Join(snap, e.Name())))
	}
	return snap
}

// externalDataGraph returns an ONNX model with the inputs and output of a
// span model whose logits are an initializer stored as external data at
// location, relative to the graph's folder.
func externalDataGraph(location string) []byte {
	msg := func(field protowire.Number, parts ...[]byte) []byte {
		b := protowire.AppendTag(nil, field, protowire.BytesType)
		return protowire.AppendBytes(b, bytes.Join(parts, nil))
	}
	str := func(field protowire.Number, s string) []byte { return msg(field, []byte(s)) }
	varint := func(field protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, field, protowire.VarintType), v)
	}
	// ValueInfoProto: name, type.tensor_type{elem_type, shape{dim{1}...}}.
	const float32, int64, boolean = 1, 7, 9
	value := func(field protowire.Number, name string, elem uint64, rank int) []byte {
		dims := bytes.Repeat(msg(1, varint(1, 1)), rank)
		return msg(field, str(1, name), msg(2, msg(1, varint(1, elem), msg(2, dims))))
	}
	entry := func(k, v string) []byte { return msg(13, str(1, k), str(2, v)) }
	w := msg(5, varint(1, 1), varint(1, 1), varint(1, 1), varint(1, 4), varint(2, float32), str(8, "w"),
		entry("location", location), entry("offset", "0"), entry("length", "16"), varint(14, 1))
	graph := [][]byte{msg(1, str(1, "w"), str(2, "logits"), str(4, "Identity")), str(2, "g"), w}
	for _, in := range []string{"input_ids", "attention_mask", "words_mask", "text_lengths"} {
		graph = append(graph, value(11, in, int64, 2))
	}
	graph = append(graph, value(11, "span_idx", int64, 3), value(11, "span_mask", boolean, 2),
		value(12, "logits", float32, 4))
	return bytes.Join([][]byte{varint(1, 8), msg(7, graph...), msg(8, varint(2, 14))}, nil)
}
