package tokenize

import (
	"bytes"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/gliner-go/gliner/internal/testenv"
)

// smallSPM returns a small SentencePiece model cut from the real DeBERTa-v3
// one: its first 4 pieces ([PAD] [CLS] [SEP] [UNK]), n more pieces sampled
// with a fixed seed, its trainer_spec and, if charsmap, its normalizer_spec.
// Fuzz seeds need to be small to mutate quickly.
func smallSPM(tb testing.TB, n int, charsmap bool) []byte {
	tb.Helper()
	data := readDebertaSPM(tb)
	var pieces, rest [][]byte
	err := walkProto(data, "spm.model", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			pieces = append(pieces, v)
		case (num == 2 || (num == 3 && charsmap)) && typ == protowire.BytesType:
			rest = append(rest, appendMessage(nil, num, v))
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	keep := pieces[:4]
	for range n {
		keep = append(keep, pieces[4+rng.IntN(len(pieces)-4)])
	}
	var out []byte
	seen := map[string]bool{}
	for _, p := range keep {
		if !seen[string(p)] {
			seen[string(p)] = true
			out = appendMessage(out, 1, p)
		}
	}
	for _, r := range rest {
		out = append(out, r...)
	}
	return out
}

// FuzzNewSentencePiece feeds arbitrary bytes to the spm.model loader: it must
// return a pipeline or an error, never panic, and a pipeline must encode.
func FuzzNewSentencePiece(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x05, 0x0a, 0x03, 'a', 'b', 'c'})
	small := smallSPM(f, 200, false)
	f.Add(small)
	f.Add(small[:len(small)/2])
	f.Add(append(bytes.Clone(small), appendMessage(nil, 2, varintField(3, 2))...))
	withMap := smallSPM(f, 50, true)
	f.Add(withMap[:len(withMap)-1000]) // charsmap cut short
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := NewSentencePiece(bytes.NewReader(data), WithAddedTokens("<<ENT>>"))
		if err != nil {
			return
		}
		checkEncoding(t, p.Encode("BRCA1 naïve  x\u00ad\u200b 東京", true), "BRCA1 naïve  x\u00ad\u200b 東京", nil)
	})
}

// TestNewSentencePieceCorrupted loads the real model cut at many lengths and
// with bytes flipped: each load fails with an error or succeeds and encodes.
func TestNewSentencePieceCorrupted(t *testing.T) {
	data := readDebertaSPM(t)
	rng := rand.New(rand.NewPCG(3, 4))
	cuts := []int{1, 2, 3, 10, 100, 1000}
	for range 6 {
		cuts = append(cuts, rng.IntN(len(data)))
	}
	for _, n := range cuts {
		if p, err := NewSentencePiece(bytes.NewReader(data[:n])); err == nil {
			checkEncoding(t, p.Encode("a b", true), "a b", nil)
		}
	}
	for range 6 {
		b := bytes.Clone(data)
		for range 20 {
			b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		}
		if p, err := NewSentencePiece(bytes.NewReader(b)); err == nil {
			checkEncoding(t, p.Encode("naïve test", true), "naïve test", nil)
		}
	}
}

// checkEncoding checks the invariants of an encoding of text (words nil) or
// of words: parallel slices, word ids in range and non-decreasing, special
// tokens without word (post-processor) or with one, offsets in bounds of the
// text or of the token's word.
func checkEncoding(tb testing.TB, e Encoding, text string, words []string) {
	tb.Helper()
	n := len(e.IDs)
	if len(e.Tokens) != n || len(e.WordIDs) != n || len(e.Offsets) != n || len(e.Special) != n {
		tb.Fatalf("slice lengths differ: ids %d tokens %d words %d offsets %d special %d",
			n, len(e.Tokens), len(e.WordIDs), len(e.Offsets), len(e.Special))
	}
	prevWord := -1
	for i := range n {
		w, o := e.WordIDs[i], e.Offsets[i]
		if w < -1 || (words != nil && w >= len(words)) {
			tb.Fatalf("token %d %q: word id %d out of range", i, e.Tokens[i], w)
		}
		if w == -1 && !e.Special[i] {
			tb.Fatalf("token %d %q: no word but not special", i, e.Tokens[i])
		}
		if words != nil && w >= 0 {
			if w < prevWord {
				tb.Fatalf("token %d %q: word id %d after %d", i, e.Tokens[i], w, prevWord)
			}
			prevWord = w
		}
		src := text
		if words != nil {
			src = ""
			if w >= 0 {
				src = words[w]
			}
		}
		if o.Start < 0 || o.Start > o.End || o.End > len(src) {
			tb.Fatalf("token %d %q: offsets %v outside [0, %d]", i, e.Tokens[i], o, len(src))
		}
		if e.IDs[i] < 0 {
			tb.Fatalf("token %d %q: negative id %d", i, e.Tokens[i], e.IDs[i])
		}
	}
}

// fuzzPipelineFiles returns the files of the real tokenizers FuzzEncode
// runs: DeBERTa-v3's spm.model, bert-base-uncased and all-MiniLM-L6-v2
// (skipping when the shared data is absent).
func fuzzPipelineFiles(tb testing.TB) []string {
	tb.Helper()
	files := []string{testenv.DataFile(tb, debertaSPM)}
	for _, name := range []string{"tokenizers/bert-base-uncased.tokenizer.json", "tokenizers/all-minilm-l6-v2.tokenizer.json"} {
		files = append(files, testenv.DataFile(tb, name))
	}
	return files
}

// loadFuzzPipelines loads the tokenizers of fuzzPipelineFiles, DeBERTa with
// GLiNER's tokens.
func loadFuzzPipelines(files []string) ([]*Pipeline, error) {
	spm, err := os.ReadFile(files[0])
	if err != nil {
		return nil, err
	}
	p, err := NewSentencePiece(bytes.NewReader(spm), WithAddedTokens("[FLERT]", "<<ENT>>", "<<SEP>>"))
	if err != nil {
		return nil, err
	}
	ps := []*Pipeline{p}
	for _, name := range files[1:] {
		p, err := NewFromFile(name)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// FuzzEncode encodes arbitrary text, and the same text cut into words at
// '|', with every real tokenizer, checking the encoding invariants and that
// encoding is deterministic.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{
		"", " ", "BRCA1 mutations cause breast cancer.", "naïve café", "nai\u0308ve", "東京都|は", "हिन्दी",
		"👍🏽|x", "a\u200bb\ufeffc\u00ad", "\t\n\r\x0b\x0c\x1c\u0085\u00a0\u1680\u2000\u2028\u3000",
		"<<ENT>>|disease|<<SEP>>|x", "[CLS] [MASK] [UNK]", "\xff\xfe|a\xe2\x82", strings.Repeat("a", 300),
		"e-mail||co-op_x", "  a   b  ",
	} {
		f.Add(s)
	}
	addCorpusSeeds(f)
	// Loaded on first use, in the fuzz workers only: the coordinator
	// process never encodes, and loading costs seconds when instrumented.
	files := fuzzPipelineFiles(f)
	pipelines := sync.OnceValues(func() ([]*Pipeline, error) { return loadFuzzPipelines(files) })
	f.Fuzz(func(t *testing.T, s string) {
		words := strings.Split(s, "|")
		ps, err := pipelines()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			e := p.Encode(s, true)
			checkEncoding(t, e, s, nil)
			if e2 := p.Encode(s, true); !equalEncodings(e, e2) {
				t.Fatalf("%q: two encodings differ", s)
			}
			checkEncoding(t, p.Encode(s, false), s, nil)
			checkEncoding(t, p.EncodeWords(words, true), "", words)
			checkEncoding(t, p.EncodeWords(words, false), "", words)
		}
		if utf8.ValidString(s) {
			checkWordInvariants(t, s, SplitWords(nil, s))
		}
	})
}

func equalEncodings(a, b Encoding) bool {
	if len(a.IDs) != len(b.IDs) {
		return false
	}
	for i := range a.IDs {
		if a.IDs[i] != b.IDs[i] || a.Tokens[i] != b.Tokens[i] || a.WordIDs[i] != b.WordIDs[i] ||
			a.Offsets[i] != b.Offsets[i] || a.Special[i] != b.Special[i] {
			return false
		}
	}
	return true
}

// FuzzNew feeds mutated tokenizer.json documents to New: it must return a
// pipeline or an error, never panic, and a pipeline must encode.
func FuzzNew(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 1, "##b": 2}, "unk_token": "[UNK]"}}`))
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}, "pre_tokenizer": {"type": "ByteLevel"}}`))
	f.Add([]byte(`{"normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}]},` +
		`"pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false},` +
		`"added_tokens": [{"id": 3, "content": "<x>", "lstrip": true, "rstrip": true, "single_word": true, "normalized": true, "special": false}],` +
		`"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["▁a", -1], ["b", -2]]}}`))
	b, err := ConvertSentencePiece(bytes.NewReader(smallSPM(f, 100, false)), WithAddedTokens("<<ENT>>"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := New(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, s := range []string{"", "ab a b", "naïve  <x> 東京\u00ad"} {
			checkEncoding(t, p.Encode(s, true), s, nil)
			w := strings.Fields(s)
			checkEncoding(t, p.EncodeWords(w, true), "", w)
		}
	})
}
