package daulet

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
	"github.com/gliner-go/gliner/tokenize"
)

// corpusFiles are CoNLL files whose sentences (tokens joined by single
// spaces) are the test texts.
var corpusFiles = []string{"conll/ncbi-disease/test.tsv", "conll/bc5cdr/test.tsv", "conll/bc2gm/test.tsv"}

// corpusTexts returns the sentences of corpusFiles; with -short every 25th.
func corpusTexts(t *testing.T) []string {
	t.Helper()
	var texts []string
	for _, rel := range corpusFiles {
		b, err := os.ReadFile(testenv.DataFile(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		texts = appendSentences(texts, string(b))
	}
	if !testing.Short() {
		return texts
	}
	var out []string
	for i := 0; i < len(texts); i += 25 {
		out = append(out, texts[i])
	}
	return out
}

// appendSentences appends the sentences of a token<TAB>tag file.
func appendSentences(dst []string, conll string) []string {
	var words []string
	for _, line := range strings.Split(conll, "\n") {
		tok, _, _ := strings.Cut(strings.TrimRight(line, "\r"), "\t")
		if tok != "" {
			words = append(words, tok)
			continue
		}
		if len(words) > 0 {
			dst = append(dst, strings.Join(words, " "))
			words = words[:0]
		}
	}
	if len(words) > 0 {
		dst = append(dst, strings.Join(words, " "))
	}
	return dst
}

// TestMatchesPipeline compares the Rust backend with the pure-Go pipeline
// on the corpus texts, for the three real tokenizers: ids, tokens, offsets
// and special flags of Encode, and the whole encoding of EncodeWords. It
// needs libtokenizers.a (see scripts/vet-daulet.sh).
func TestMatchesPipeline(t *testing.T) {
	texts := corpusTexts(t)
	spm, err := os.ReadFile(testenv.DataFile(t, "tokenizers/deberta-v3.spm.model"))
	if err != nil {
		t.Fatal(err)
	}
	deberta, err := tokenize.ConvertSentencePiece(bytes.NewReader(spm), tokenize.WithAddedTokens("[FLERT]", "<<ENT>>", "<<SEP>>"))
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]func() ([]byte, error){
		"deberta-v3": func() ([]byte, error) { return deberta, nil },
		"bert-base-uncased": func() ([]byte, error) {
			return os.ReadFile(testenv.DataFile(t, "tokenizers/bert-base-uncased.tokenizer.json"))
		},
		"all-minilm-l6-v2": func() ([]byte, error) {
			return os.ReadFile(testenv.DataFile(t, "tokenizers/all-minilm-l6-v2.tokenizer.json"))
		},
	}
	for name, src := range sources {
		t.Run(name, func(t *testing.T) {
			data, err := src()
			if err != nil {
				t.Fatal(err)
			}
			compare(t, data, texts)
		})
	}
}

// compare checks the Rust backend against the pipeline on texts.
func compare(t *testing.T, data []byte, texts []string) {
	p, err := tokenize.New(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.PadID() != p.PadID() {
		t.Errorf("PadID %d, pipeline %d", d.PadID(), p.PadID())
	}
	var ws []tokenize.Word
	for i, text := range texts {
		a, b := p.Encode(text, true), d.Encode(text, true)
		a.WordIDs, b.WordIDs = nil, nil // see Tokenizer: not from the Rust library
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("text %d %q:\npipeline %+v\n    rust %+v", i, text, a, b)
		}
		ws = tokenize.SplitWords(ws[:0], text)
		words := make([]string, len(ws))
		for j, w := range ws {
			words[j] = text[w.Start:w.End]
		}
		if a, b := p.EncodeWords(words, true), d.EncodeWords(words, true); !reflect.DeepEqual(a, b) {
			t.Fatalf("words of text %d %q:\npipeline %+v\n    rust %+v", i, words, a, b)
		}
	}
}
