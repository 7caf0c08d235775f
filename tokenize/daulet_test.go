//go:build daulet

package tokenize

import (
	"bytes"
	"os"
	"reflect"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

// TestDauletMatchesPipeline compares the Rust backend with the pure-Go
// pipeline on the corpus texts, for the three real tokenizers: ids, tokens,
// offsets and special flags of Encode, and the whole encoding of
// EncodeWords. It needs libtokenizers.a (go test -tags daulet).
func TestDauletMatchesPipeline(t *testing.T) {
	texts := parityTexts(t)
	deberta, err := ConvertSentencePiece(bytes.NewReader(readDebertaSPM(t)), WithAddedTokens("[FLERT]", "<<ENT>>", "<<SEP>>"))
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]func() ([]byte, error){
		"deberta-v3": func() ([]byte, error) { return deberta, nil },
		"bert-base-uncased": func() ([]byte, error) {
			return readFile(testenv.DataFile(t, "tokenizers/bert-base-uncased.tokenizer.json"))
		},
		"all-minilm-l6-v2": func() ([]byte, error) {
			return readFile(testenv.DataFile(t, "tokenizers/all-minilm-l6-v2.tokenizer.json"))
		},
	}
	for name, src := range sources {
		t.Run(name, func(t *testing.T) {
			data, err := src()
			if err != nil {
				t.Fatal(err)
			}
			p, err := New(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			d, err := NewDaulet(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if d.PadID() != p.PadID() {
				t.Errorf("PadID %d, pipeline %d", d.PadID(), p.PadID())
			}
			var ws []Word
			for i, text := range texts {
				a, b := p.Encode(text, true), d.Encode(text, true)
				a.WordIDs, b.WordIDs = nil, nil // see Daulet: not from the Rust library
				if !reflect.DeepEqual(a, b) {
					t.Fatalf("text %d %q:\npipeline %+v\n    rust %+v", i, text, a, b)
				}
				ws = SplitWords(ws[:0], text)
				words := make([]string, len(ws))
				for j, w := range ws {
					words[j] = text[w.Start:w.End]
				}
				if a, b := p.EncodeWords(words, true), d.EncodeWords(words, true); !reflect.DeepEqual(a, b) {
					t.Fatalf("words of text %d %q:\npipeline %+v\n    rust %+v", i, words, a, b)
				}
			}
		})
	}
}

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }
