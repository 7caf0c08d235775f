package tokenize

import (
	"bufio"
	"bytes"
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
		dir, err := os.MkdirTemp("", "gliner-tokenize-parity")
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
func TestParityWithHuggingFace(t *testing.T) {
	inputs := parityCorpus(t)
	for _, tk := range parityTokenizers() {
		t.Run(tk.name, func(t *testing.T) {
			t.Parallel()
			path := tk.path(t)
			p, err := NewFromFile(path)
			if err != nil {
				t.Fatal(err)
			}
			diffs, tokens := 0, 0
			var e Encoding
			streamHFOracle(t, path, inputs, func(i int, want *oracleEncoding) {
				in := inputs[i]
				if in.isWords {
					p.EncodeWordsTo(&e, in.words, !in.noSpec)
				} else {
					p.EncodeTo(&e, in.text, !in.noSpec)
				}
				tokens += e.Len()
				if d := compareEncoding(in, e, *want); d != "" {
					diffs++
					if diffs <= 10 {
						what := fmt.Sprintf("text %q", in.text)
						if in.isWords {
							what = fmt.Sprintf("words %q", in.words)
						}
						t.Errorf("%s (special %v): %s", trimForLog(what), !in.noSpec, d)
					}
				}
			})
			t.Logf("%s: compared %d inputs (texts and word lists), %d tokens, %d differences", tk.name, len(inputs), tokens, diffs)
			if diffs > 0 {
				t.Errorf("%d of %d inputs differ", diffs, len(inputs))
			}
		})
	}
}

func trimForLog(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

var _ = strings.Cut
