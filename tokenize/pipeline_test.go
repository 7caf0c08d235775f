package tokenize

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// tinyWordPiece is a small BERT-like tokenizer.json for hermetic tests.
const tinyWordPiece = `{
  "version": "1.0",
  "truncation": null,
  "padding": null,
  "added_tokens": [
    {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 11, "content": "<<ENT>>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": false}
  ],
  "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
  "pre_tokenizer": {"type": "BertPreTokenizer"},
  "post_processor": {"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
    "pair": [],
    "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]}, "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
  "decoder": null,
  "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
    "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "aspirin": 4, "causes": 5, "ul": 6, "##cers": 7, ".": 8, "cafe": 9, "disease": 10}}
}`

func mustNew(tb testing.TB, js string) *Pipeline {
	tb.Helper()
	p, err := New(strings.NewReader(js))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestPipelineTiny(t *testing.T) {
	p := mustNew(t, tinyWordPiece)
	tests := []struct {
		name    string
		text    string
		words   []string
		special bool
		tokens  string
		wordIDs []int
		offsets []Offset
	}{
		{name: "text", text: "Aspirin causes ulcers.", special: true,
			tokens: "[CLS] aspirin causes ul ##cers . [SEP]", wordIDs: []int{-1, 0, 1, 2, 2, 3, -1},
			offsets: []Offset{{0, 0}, {0, 7}, {8, 14}, {15, 17}, {17, 21}, {21, 22}, {0, 0}}},
		{name: "accent and unknown", text: "Café x", tokens: "cafe [UNK]", wordIDs: []int{0, 1},
			offsets: []Offset{{0, 5}, {6, 7}}},
		// A normalized added token matches the normalized text, and its token
		// is the normalized text, as in the Rust library.
		{name: "added token", text: "<<ENT>> disease<<ENT>>", tokens: "<<ent>> disease <<ent>>", wordIDs: []int{0, 1, 2},
			offsets: []Offset{{0, 7}, {8, 15}, {15, 22}}},
		{name: "words", words: []string{"Aspirin", "ulcers."}, special: true,
			tokens: "[CLS] aspirin ul ##cers . [SEP]", wordIDs: []int{-1, 0, 1, 1, 1, -1},
			offsets: []Offset{{0, 0}, {0, 7}, {0, 2}, {2, 6}, {6, 7}, {0, 0}}},
		{name: "empty", text: "", special: true, tokens: "[CLS] [SEP]", wordIDs: []int{-1, -1},
			offsets: []Offset{{0, 0}, {0, 0}}},
		{name: "invalid UTF-8", text: "cafe\xff.", tokens: "cafe .", wordIDs: []int{0, 1},
			offsets: []Offset{{0, 4}, {5, 6}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e Encoding
			if tt.words != nil {
				e = p.EncodeWords(tt.words, tt.special)
			} else {
				e = p.Encode(tt.text, tt.special)
			}
			if got := strings.Join(e.Tokens, " "); got != tt.tokens {
				t.Fatalf("tokens %q, want %q", got, tt.tokens)
			}
			for i, tok := range e.Tokens {
				if id, ok := p.TokenID(tok); ok && tok != "[UNK]" && id != e.IDs[i] {
					t.Errorf("token %q has id %d, TokenID says %d", tok, e.IDs[i], id)
				}
				if e.Special[i] != (e.WordIDs[i] < 0) {
					t.Errorf("token %d: special %v with word id %d", i, e.Special[i], e.WordIDs[i])
				}
			}
			if fmt.Sprint(e.WordIDs) != fmt.Sprint(tt.wordIDs) {
				t.Errorf("word ids %v, want %v", e.WordIDs, tt.wordIDs)
			}
			if fmt.Sprint(e.Offsets) != fmt.Sprint(tt.offsets) {
				t.Errorf("offsets %v, want %v", e.Offsets, tt.offsets)
			}
		})
	}
}

func TestPadID(t *testing.T) {
	base := tinyWordPiece
	tests := []struct {
		name string
		js   string
		want int
	}{
		{"[PAD] token", base, 0},
		{"padding section", strings.Replace(base, `"padding": null`, `"padding": {"strategy": "BatchLongest", "pad_id": 7, "pad_token": "x"}`, 1), 7},
		{"<pad> token", strings.Replace(strings.ReplaceAll(base, `"[PAD]"`, `"<pad>"`), `"[PAD]": 0`, `"<pad>": 0`, 1), 0},
		{"no pad token", strings.Replace(strings.ReplaceAll(base, `"[PAD]"`, `"[NOPE]"`), `"[UNK]": 1`, `"[UNK]": 1, "<pad>": 9`, 1), 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustNew(t, tt.js).PadID(); got != tt.want {
				t.Errorf("PadID = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		old     string
		new     string
		want    error
		mention string
	}{
		{"not JSON", tinyWordPiece, "{", ErrInvalidConfig, ""},
		{"unknown normalizer", `"type": "BertNormalizer"`, `"type": "Fancy"`, ErrUnsupported, `normalizer type "Fancy"`},
		{"unknown option", `"lowercase": true}`, `"lowercase": true, "shout": true}`, ErrUnsupported, `"shout"`},
		{"unknown pre-tokenizer", `{"type": "BertPreTokenizer"}`, `{"type": "UnicodeScripts"}`, ErrUnsupported, `UnicodeScripts`},
		{"unknown model", `"type": "WordPiece"`, `"type": "WordLevel"`, ErrUnsupported, `WordLevel`},
		{"bad behavior", `{"type": "BertPreTokenizer"}`, `{"type": "Punctuation", "behavior": "Sideways"}`, ErrUnsupported, `Sideways`},
		{"bad prepend scheme", `{"type": "BertPreTokenizer"}`, `{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "sometimes"}`, ErrUnsupported, `sometimes`},
		{"look-ahead regex", `{"type": "BertPreTokenizer"}`, `{"type": "Split", "pattern": {"Regex": "a(?=b)"}, "behavior": "Isolated", "invert": false}`, ErrUnsupported, `regex`},
		{"unknown post-processor", `"type": "TemplateProcessing"`, `"type": "Magic"`, ErrUnsupported, `Magic`},
		{"missing unk", `"unk_token": "[UNK]"`, `"unk_token": "[NOPE]"`, ErrInvalidConfig, `[NOPE]`},
		{"template token missing", `"special_tokens": {"[CLS]"`, `"special_tokens": {"[CLX]"`, ErrInvalidConfig, `[CLS]`},
		{"BPE dropout", `"model": {"type": "WordPiece"`, `"model": {"type": "BPE", "dropout": 0.1, "merges": [], "unk_token": "[UNK]"`, ErrUnsupported, `dropout`},
		{"charsmap", `{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}`,
			`{"type": "Precompiled", "precompiled_charsmap": "AAAA"}`, ErrInvalidConfig, `precompiled_charsmap`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js := strings.Replace(tinyWordPiece, tt.old, tt.new, 1)
			if js == tinyWordPiece && tt.old != tinyWordPiece {
				t.Fatalf("test case does not change the file")
			}
			_, err := New(strings.NewReader(js))
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
			var ue *UnsupportedError
			var ce *ConfigError
			if errors.Is(tt.want, ErrUnsupported) && !errors.As(err, &ue) || errors.Is(tt.want, ErrInvalidConfig) && !errors.As(err, &ce) {
				t.Errorf("error %T is not the typed error", err)
			}
		})
	}
}

func TestUnigramWithoutUnkIsUnsupported(t *testing.T) {
	js := `{"version":"1.0","added_tokens":[],"normalizer":null,"pre_tokenizer":null,"post_processor":null,"decoder":null,
	  "model":{"type":"Unigram","vocab":[["a",-1.0],["b",-2.0]]}}`
	if _, err := New(strings.NewReader(js)); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("error %v, want ErrUnsupported", err)
	}
}

// TestEncodeInvariants checks offsets and lengths on the adversarial set,
// including invalid UTF-8, for the tiny tokenizer.
func TestEncodeInvariants(t *testing.T) {
	p := mustNew(t, tinyWordPiece)
	texts := append(adversarialTexts(), "\xff", "a\xc3", "\xe2\x82", "ok\x80ok <<ENT>>\xff")
	for _, text := range texts {
		e := p.Encode(text, true)
		checkPipelineEncoding(t, e, func(int) string { return text })
		ws := strings.Fields(text)
		e = p.EncodeWords(ws, true)
		checkPipelineEncoding(t, e, func(i int) string { return ws[e.WordIDs[i]] })
	}
}

func checkPipelineEncoding(t *testing.T, e Encoding, src func(i int) string) {
	t.Helper()
	n := e.Len()
	if len(e.Tokens) != n || len(e.WordIDs) != n || len(e.Offsets) != n || len(e.Special) != n {
		t.Fatalf("lengths differ: %d %d %d %d %d", n, len(e.Tokens), len(e.WordIDs), len(e.Offsets), len(e.Special))
	}
	for i, o := range e.Offsets {
		if e.Special[i] {
			continue
		}
		s := src(i)
		if o.Start < 0 || o.Start >= o.End || o.End > len(s) {
			t.Fatalf("token %d %q: offsets %v out of range of %q", i, e.Tokens[i], o, s)
		}
		if !utf8.RuneStart(s[o.Start]) && utf8.ValidString(s) {
			t.Errorf("token %d: offsets %v not on a character boundary of %q", i, o, s)
		}
	}
}

func TestEncodeToReusesWithoutAllocating(t *testing.T) {
	p := mustNew(t, tinyWordPiece)
	var e Encoding
	words := []string{"Aspirin", "causes"}
	p.EncodeTo(&e, "Aspirin causes ulcers.", true)
	allocs := testing.AllocsPerRun(100, func() {
		p.EncodeTo(&e, "Aspirin causes ulcers.", true)
		p.EncodeWordsTo(&e, words, true)
	})
	if allocs != 0 {
		t.Errorf("EncodeTo allocates %v times per run", allocs)
	}
}

// ExampleNew loads a tokenizer.json and encodes pre-split words as GLiNER
// does.
func ExampleNew() {
	p, err := New(strings.NewReader(tinyWordPiece))
	if err != nil {
		fmt.Println(err)
		return
	}
	e := p.EncodeWords([]string{"<<ENT>>", "disease", "Aspirin", "ulcers"}, true)
	fmt.Println(e.Tokens)
	fmt.Println(e.IDs)
	fmt.Println(e.WordIDs)
	// Output:
	// [[CLS] <<ent>> disease aspirin ul ##cers [SEP]]
	// [2 11 10 4 6 7 3]
	// [-1 0 1 2 3 3 -1]
}

// tinyUnigram is a small Metaspace + Unigram tokenizer.json (the DeBERTa-v3
// layout) for hermetic tests.
const tinyUnigram = `{
  "version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [
    {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 1, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 2, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 3, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": true}
  ],
  "normalizer": {"type": "Sequence", "normalizers": [{"type": "Strip", "strip_left": true, "strip_right": true}, {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
  "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
  "post_processor": {"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
    "pair": [],
    "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [1], "tokens": ["[CLS]"]}, "[SEP]": {"id": "[SEP]", "ids": [2], "tokens": ["[SEP]"]}}},
  "decoder": null,
  "model": {"type": "Unigram", "unk_id": 3, "byte_fallback": false, "vocab": [
    ["[PAD]", 0.0], ["[CLS]", 0.0], ["[SEP]", 0.0], ["[UNK]", 0.0],
    ["▁", -2.0], ["▁as", -3.0], ["pirin", -4.0], ["▁aspirin", -5.0], ["a", -3.5], ["s", -3.5], ["▁ulcer", -6.0], ["s", -3.0], ["▁cause", -5.5]]}
}`

func TestUnigramTiny(t *testing.T) {
	p := mustNew(t, tinyUnigram)
	e := p.EncodeWords([]string{"aspirin", "causes", "ulcers", "zz"}, true)
	if got, want := strings.Join(e.Tokens, " "), "[CLS] ▁aspirin ▁cause s ▁ulcer s ▁ zz [SEP]"; got != want {
		t.Errorf("tokens %q, want %q", got, want)
	}
	if got, want := fmt.Sprint(e.IDs), "[1 7 12 11 10 11 4 3 2]"; got != want {
		t.Errorf("ids %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(e.Offsets), "[{0 0} {0 7} {0 5} {5 6} {0 5} {5 6} {0 1} {0 2} {0 0}]"; got != want {
		t.Errorf("offsets %s, want %s", got, want)
	}
}

// TestConcurrentEncode encodes from many goroutines at once (the Unigram
// token cache is shared); run with -race.
func TestConcurrentEncode(t *testing.T) {
	for _, js := range []string{tinyWordPiece, tinyUnigram} {
		p := mustNew(t, js)
		texts := adversarialTexts()
		want := make([]string, len(texts))
		for i, s := range texts {
			want[i] = fmt.Sprint(p.Encode(s, true))
		}
		var wg sync.WaitGroup
		errs := make(chan string, 8)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				var e Encoding
				for k := range texts {
					i := (k + g*31) % len(texts)
					p.EncodeTo(&e, texts[i], true)
					if got := fmt.Sprint(e); got != want[i] {
						errs <- fmt.Sprintf("goroutine %d, text %q: %s, want %s", g, texts[i], got, want[i])
						return
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}
