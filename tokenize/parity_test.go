package tokenize

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/gliner-go/gliner/internal/testenv"
)

// oracleEncoding is one output line of tools/oracle/hf_encode.js.
type oracleEncoding struct {
	IDs     []int    `json:"ids"`
	Tokens  []string `json:"tokens"`
	WordIDs []*int   `json:"word_ids"`
	Offsets [][2]int `json:"offsets"`
	Special []int    `json:"special"`
}

// streamHFOracle encodes every input with the Rust tokenizers library in
// one node process and calls fn with each result, in input order, while the
// process still runs.
func streamHFOracle(tb testing.TB, tokenizerJSON string, inputs []parityInput, fn func(i int, want *oracleEncoding)) {
	tb.Helper()
	node, dir := testenv.Node(tb)
	cmd := exec.Command(node, filepath.Join(dir, "hf_encode.js"), tokenizerJSON)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() {
		w := bufio.NewWriterSize(stdin, 1<<16)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, p := range inputs {
			rec := map[string]any{}
			if p.isWords {
				words := p.words
				if words == nil {
					words = []string{}
				}
				rec["words"] = words
			} else {
				rec["text"] = p.text
			}
			if p.noSpec {
				rec["special"] = false
			}
			if enc.Encode(rec) != nil {
				break
			}
		}
		w.Flush()
		stdin.Close()
	}()
	r := bufio.NewReaderSize(stdout, 1<<20)
	n := 0
	var decErr error
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 && decErr == nil {
			var e oracleEncoding
			if decErr = json.Unmarshal(line, &e); decErr == nil && n < len(inputs) {
				fn(n, &e)
			}
			n++
		}
		if err != nil {
			break
		}
	}
	if err := cmd.Wait(); err != nil {
		tb.Fatalf("hf_encode.js: %v\n%s", err, stderr.String())
	}
	if decErr != nil {
		tb.Fatalf("hf_encode.js output: %v", decErr)
	}
	if n != len(inputs) {
		tb.Fatalf("hf_encode.js returned %d encodings for %d inputs", n, len(inputs))
	}
}

// runeOffset converts a byte offset of s to a code point offset.
func runeOffset(s string, b int) int {
	if b > len(s) {
		return utf8.RuneCountInString(s) + b - len(s)
	}
	return utf8.RuneCountInString(s[:b])
}

// compareEncoding returns a description of the first difference between
// the Go encoding and the oracle's, or "".
func compareEncoding(p parityInput, got Encoding, want oracleEncoding) string {
	n := got.Len()
	if len(got.Tokens) != n || len(got.WordIDs) != n || len(got.Offsets) != n || len(got.Special) != n {
		return "inconsistent Go encoding lengths"
	}
	if n != len(want.IDs) {
		return fmt.Sprintf("%d tokens, want %d:\n got  %q\n want %q", n, len(want.IDs), got.Tokens, want.Tokens)
	}
	for i := 0; i < n; i++ {
		w := -1
		if want.WordIDs[i] != nil {
			w = *want.WordIDs[i]
		}
		src := p.text
		if p.isWords && got.WordIDs[i] >= 0 && got.WordIDs[i] < len(p.words) {
			src = p.words[got.WordIDs[i]]
		}
		gs, ge := runeOffset(src, got.Offsets[i].Start), runeOffset(src, got.Offsets[i].End)
		switch {
		case got.IDs[i] != want.IDs[i]:
		case got.Tokens[i] != want.Tokens[i]:
		case got.WordIDs[i] != w:
		case gs != want.Offsets[i][0] || ge != want.Offsets[i][1]:
		case got.Special[i] != (want.Special[i] == 1):
		default:
			continue
		}
		return fmt.Sprintf("token %d: got id %d %q word %d offsets [%d,%d] special %v; want id %d %q word %d offsets %v special %d\n got  %q\n want %q",
			i, got.IDs[i], got.Tokens[i], got.WordIDs[i], gs, ge, got.Special[i],
			want.IDs[i], want.Tokens[i], w, want.Offsets[i], want.Special[i], got.Tokens, want.Tokens)
	}
	return ""
}

// parityTokenizers lists the tokenizers of the suite and how to get their
// tokenizer.json.
func parityTokenizers() []struct {
	name string
	path func(testing.TB) string
} {
	return []struct {
		name string
		path func(testing.TB) string
	}{
		{"bert-base-uncased", func(tb testing.TB) string { return testenv.DataFile(tb, "tokenizers/bert-base-uncased.tokenizer.json") }},
		{"all-MiniLM-L6-v2", func(tb testing.TB) string { return testenv.DataFile(tb, "tokenizers/all-minilm-l6-v2.tokenizer.json") }},
		{"deberta-v3", debertaTokenizerJSON},
	}
}

var (
	debertaOnce sync.Once
	debertaPath string
	debertaErr  error
)

// debertaTokenizerJSON builds the DeBERTa-v3 tokenizer.json from the shared
// spm.model with scripts/spm_to_tokenizer_json.py, adding GLiNER's tokens
// [FLERT], <<ENT>> and <<SEP>> as GLiNER does (tokenizer.add_tokens).
func debertaTokenizerJSON(tb testing.TB) string {
	tb.Helper()
	spm := testenv.DataFile(tb, "tokenizers/deberta-v3.spm.model")
	py := testenv.Python(tb, "sentencepiece")
	debertaOnce.Do(func() {
		dir, err := sharedTempDir("gliner-tokenize-parity")
		if err != nil {
			debertaErr = err
			return
		}
		debertaPath = filepath.Join(dir, "deberta-v3.tokenizer.json")
		script := filepath.Join(testenv.RepoRoot(), "scripts", "spm_to_tokenizer_json.py")
		out, err := exec.Command(py, script, spm, debertaPath, "--add-tokens", "[FLERT],<<ENT>>,<<SEP>>").CombinedOutput()
		if err != nil {
			debertaErr = fmt.Errorf("%s: %v\n%s", script, err, out)
		}
	})
	if debertaErr != nil {
		tb.Fatal(debertaErr)
	}
	return debertaPath
}

// TestParityWithHuggingFace compares the Go pipeline with the Rust
// tokenizers library on the shared corpora and the adversarial set, as
// plain text and as pre-split words, with and without special tokens.
// Tokenizer files that differ only in their truncation and padding sections
// (which the oracle disables, as the Go pipeline ignores them) share one
// oracle run: bert-base-uncased and all-MiniLM-L6-v2 are such a pair.
func TestParityWithHuggingFace(t *testing.T) {
	inputs := parityCorpus(t)
	type member struct {
		name, path string
	}
	var keys []string
	groups := map[string][]member{}
	for _, tk := range parityTokenizers() {
		path := tk.path(t)
		key := oracleKey(t, path)
		if _, ok := groups[key]; !ok {
			keys = append(keys, key)
		}
		groups[key] = append(groups[key], member{tk.name, path})
	}
	for _, key := range keys {
		ms := groups[key]
		var names []string
		for _, m := range ms {
			names = append(names, m.name)
		}
		t.Run(strings.Join(names, "+"), func(t *testing.T) {
			t.Parallel()
			pipes := make([]*Pipeline, len(ms))
			for k, m := range ms {
				p, err := NewFromFile(m.path)
				if err != nil {
					t.Fatal(err)
				}
				pipes[k] = p
			}
			diffs := make([]int, len(ms))
			tokens := make([]int, len(ms))
			var e Encoding
			streamHFOracle(t, ms[0].path, inputs, func(i int, want *oracleEncoding) {
				in := inputs[i]
				for k, p := range pipes {
					if in.isWords {
						p.EncodeWordsTo(&e, in.words, !in.noSpec)
					} else {
						p.EncodeTo(&e, in.text, !in.noSpec)
					}
					tokens[k] += e.Len()
					if d := compareEncoding(in, e, *want); d != "" {
						diffs[k]++
						if diffs[k] <= 10 {
							what := fmt.Sprintf("text %q", in.text)
							if in.isWords {
								what = fmt.Sprintf("words %q", in.words)
							}
							t.Errorf("%s: %s (special %v): %s", ms[k].name, trimForLog(what), !in.noSpec, d)
						}
					}
				}
			})
			for k, m := range ms {
				t.Logf("%s: compared %d inputs (texts and word lists), %d tokens, %d differences", m.name, len(inputs), tokens[k], diffs[k])
				if diffs[k] > 0 {
					t.Errorf("%s: %d of %d inputs differ", m.name, diffs[k], len(inputs))
				}
			}
		})
	}
}

// oracleKey identifies what the oracle computes from a tokenizer.json: the
// file without its truncation and padding sections.
func oracleKey(tb testing.TB, path string) string {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		tb.Fatal(err)
	}
	delete(doc, "truncation")
	delete(doc, "padding")
	canon := map[string]any{}
	for k, v := range doc {
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			tb.Fatal(err)
		}
		canon[k] = x
	}
	// Old files omit the model type of a WordPiece model, which the Rust
	// library infers from its fields.
	if m, ok := canon["model"].(map[string]any); ok && m["type"] == nil && m["continuing_subword_prefix"] != nil && m["merges"] == nil {
		m["type"] = "WordPiece"
	}
	b, err := json.Marshal(canon) // map keys are sorted: a canonical form
	if err != nil {
		tb.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func trimForLog(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

var _ = strings.Cut
