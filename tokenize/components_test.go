package tokenize

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

// componentVariant is a tokenizer.json derived from a real one by replacing
// some of its sections, to test components the three real tokenizers do not
// use against the Rust library.
type componentVariant struct {
	name string
	base string         // "bert", "deberta" or "bpe"
	set  map[string]any // top-level sections to replace
}

func jsonRaw(s string) json.RawMessage { return json.RawMessage(s) }

func componentVariants() []componentVariant {
	wp := "bert"
	return []componentVariant{
		{"nfc-whitespace", wp, map[string]any{"normalizer": jsonRaw(`{"type":"NFC"}`), "pre_tokenizer": jsonRaw(`{"type":"Whitespace"}`)}},
		{"nfd-whitespacesplit", wp, map[string]any{"normalizer": jsonRaw(`{"type":"NFD"}`), "pre_tokenizer": jsonRaw(`{"type":"WhitespaceSplit"}`)}},
		{"nfkc-lower-punct", wp, map[string]any{"normalizer": jsonRaw(`{"type":"Sequence","normalizers":[{"type":"NFKC"},{"type":"Lowercase"}]}`),
			"pre_tokenizer": jsonRaw(`{"type":"Sequence","pretokenizers":[{"type":"WhitespaceSplit"},{"type":"Punctuation","behavior":"Isolated"}]}`)}},
		{"nfkd-strip-accents-digits", wp, map[string]any{"normalizer": jsonRaw(`{"type":"Sequence","normalizers":[{"type":"NFKD"},{"type":"StripAccents"},{"type":"Lowercase"}]}`),
			"pre_tokenizer": jsonRaw(`{"type":"Sequence","pretokenizers":[{"type":"Whitespace"},{"type":"Digits","individual_digits":true}]}`)}},
		{"replace-strip-prepend", wp, map[string]any{"normalizer": jsonRaw(`{"type":"Sequence","normalizers":[{"type":"Replace","pattern":{"String":"a"},"content":"xy"},{"type":"Replace","pattern":{"Regex":"\\s+"},"content":" "},{"type":"Strip","strip_left":true,"strip_right":false},{"type":"Prepend","prepend":"##"},{"type":"Lowercase"}]}`),
			"pre_tokenizer": jsonRaw(`{"type":"Sequence","pretokenizers":[{"type":"Digits","individual_digits":false},{"type":"Punctuation","behavior":"MergedWithPrevious"},{"type":"WhitespaceSplit"}]}`)}},
		{"nested-sequences", wp, map[string]any{"normalizer": jsonRaw(`{"type":"Sequence","normalizers":[{"type":"Sequence","normalizers":[{"type":"NFD"},{"type":"Lowercase"}]},{"type":"StripAccents"}]}`),
			"pre_tokenizer": jsonRaw(`{"type":"Sequence","pretokenizers":[{"type":"Sequence","pretokenizers":[{"type":"WhitespaceSplit"},{"type":"Digits","individual_digits":true}]},{"type":"Sequence","pretokenizers":[{"type":"Punctuation","behavior":"Contiguous"},{"type":"Split","pattern":{"String":"e"},"behavior":"MergedWithPrevious","invert":false}]}]}`)}},
		{"split-behaviors", wp, map[string]any{"normalizer": jsonRaw(`{"type":"Lowercase"}`),
			"pre_tokenizer": jsonRaw(`{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"String":" "},"behavior":"Removed","invert":false},{"type":"Split","pattern":{"Regex":"[0-9]+"},"behavior":"MergedWithNext","invert":false},{"type":"Split","pattern":{"String":"-"},"behavior":"Contiguous","invert":false},{"type":"Punctuation","behavior":"MergedWithNext"}]}`)}},
		{"split-invert", wp, map[string]any{"normalizer": jsonRaw(`{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":false,"strip_accents":false,"lowercase":true}`),
			"pre_tokenizer": jsonRaw(`{"type":"Split","pattern":{"Regex":"\\w+|[^\\w\\s]+"},"behavior":"Removed","invert":true}`)}},
		{"bert-processing", wp, map[string]any{"post_processor": jsonRaw(`{"type":"BertProcessing","sep":["[SEP]",102],"cls":["[CLS]",101]}`),
			"normalizer": jsonRaw(`{"type":"BertNormalizer","clean_text":false,"handle_chinese_chars":true,"strip_accents":true,"lowercase":false}`)}},
		{"metaspace-first-unsplit", "deberta", map[string]any{"pre_tokenizer": jsonRaw(`{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":false}`)}},
		{"metaspace-never-punct", "deberta", map[string]any{"pre_tokenizer": jsonRaw(`{"type":"Sequence","pretokenizers":[{"type":"Punctuation","behavior":"Isolated"},{"type":"Metaspace","replacement":"▁","prepend_scheme":"never","split":true}]}`),
			"normalizer": jsonRaw(`{"type":"Sequence","normalizers":[{"type":"Lowercase"},{"type":"Strip","strip_left":true,"strip_right":true},{"type":"Replace","pattern":{"Regex":" {2,}"},"content":" "}]}`)}},
		{"metaspace-legacy", "deberta", map[string]any{"pre_tokenizer": jsonRaw(`{"type":"Metaspace","replacement":"▁","add_prefix_space":true}`)}},
		{"added-token-flags", "deberta", map[string]any{"added_tokens_extra": []map[string]any{
			{"id": 128004, "content": "<<ENT>>", "single_word": false, "lstrip": true, "rstrip": true, "normalized": false, "special": true},
			{"id": 128005, "content": "cancer", "single_word": true, "lstrip": false, "rstrip": false, "normalized": true, "special": false},
			{"id": 128006, "content": " ab", "single_word": false, "lstrip": false, "rstrip": true, "normalized": false, "special": false},
			{"id": 128007, "content": "ß", "single_word": true, "lstrip": true, "rstrip": false, "normalized": true, "special": true},
		}}},
		{"unigram-byte-fallback", "deberta", map[string]any{"model_set": map[string]any{"byte_fallback": true}}},
		{"bpe-bytelevel", "bpe", nil},
		{"bpe-chars-prefix-suffix-fallback", "bpechars", nil},
		{"bpe-chars-fuse-unk", "bpechars", map[string]any{"model_set": map[string]any{"byte_fallback": false, "fuse_unk": true}}},
		{"bpe-chars-ignore-merges", "bpechars", map[string]any{"model_set": map[string]any{"byte_fallback": false, "fuse_unk": false, "ignore_merges": true}}},
		{"bpe-bytelevel-noprefix", "bpe", map[string]any{
			"pre_tokenizer":  jsonRaw(`{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true}`),
			"post_processor": jsonRaw(`{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true}`)}},
		{"bpe-roberta", "bpe", map[string]any{
			"post_processor": jsonRaw(`{"type":"RobertaProcessing","sep":["</s>",2],"cls":["<s>",0],"trim_offsets":true,"add_prefix_space":true}`)}},
		{"bpe-template-noregex", "bpe", map[string]any{
			"pre_tokenizer":  jsonRaw(`{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false,"use_regex":false}`),
			"post_processor": jsonRaw(`{"type":"Sequence","processors":[{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false,"use_regex":true},{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"</s>","type_id":0}}],"pair":[],"special_tokens":{"<s>":{"id":"<s>","ids":[0],"tokens":["<s>"]},"</s>":{"id":"</s>","ids":[2],"tokens":["</s>"]}}}]}`)}},
	}
}

// TestComponentsParity compares tokenizer.json variants exercising the
// remaining components with the Rust library, on the adversarial set and a
// sample of the corpora.
func TestComponentsParity(t *testing.T) {
	all := parityCorpus(t)
	var inputs []parityInput
	nAdv := len(adversarialInputs())
	step := 200
	if testing.Short() {
		step = 25 // the short corpus is already every 8th sentence
	}
	for i, in := range all {
		// A sample of the corpus inputs plus all adversarial ones (at the end).
		if i%step == 0 || i >= len(all)-nAdv {
			inputs = append(inputs, in)
		}
	}
	bases := map[string]func(testing.TB) string{
		"bert":     func(tb testing.TB) string { return testenv.DataFile(tb, "tokenizers/bert-base-uncased.tokenizer.json") },
		"deberta":  debertaTokenizerJSON,
		"bpe":      onceFile(func(tb testing.TB) string { return toyBPETokenizerJSON(tb, all) }),
		"bpechars": onceFile(func(tb testing.TB) string { return toyCharBPETokenizerJSON(tb, all) }),
	}
	for _, v := range componentVariants() {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			path := writeVariant(t, bases[v.base](t), v.set)
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
					if diffs <= 5 {
						what := fmt.Sprintf("text %q", in.text)
						if in.isWords {
							what = fmt.Sprintf("words %q", in.words)
						}
						t.Errorf("%s (special %v): %s", trimForLog(what), !in.noSpec, d)
					}
				}
			})
			t.Logf("%s: compared %d inputs, %d tokens, %d differences", v.name, len(inputs), tokens, diffs)
		})
	}
}

// onceFile memoizes a function that writes a file into a directory that
// outlives the subtests.
func onceFile(f func(testing.TB) string) func(testing.TB) string {
	var once sync.Once
	var path string
	return func(tb testing.TB) string {
		once.Do(func() { path = f(tb) })
		if path == "" {
			tb.Fatal("fixture failed in another subtest")
		}
		return path
	}
}

// writeVariant writes base with the given top-level sections replaced;
// "added_tokens_extra" appends to added_tokens.
func writeVariant(tb testing.TB, base string, set map[string]any) string {
	tb.Helper()
	data, err := os.ReadFile(base)
	if err != nil {
		tb.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		tb.Fatal(err)
	}
	for k, v := range set {
		if k == "model_set" {
			var model map[string]any
			json.Unmarshal(doc["model"], &model)
			for mk, mv := range v.(map[string]any) {
				model[mk] = mv
			}
			b, _ := json.Marshal(model)
			doc["model"] = b
			continue
		}
		if k == "added_tokens_extra" {
			var added []any
			json.Unmarshal(doc["added_tokens"], &added)
			for _, x := range v.([]map[string]any) {
				added = append(added, x)
			}
			b, _ := json.Marshal(added)
			doc["added_tokens"] = b
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		doc[k] = b
	}
	return writeJSON(tb, filepath.Join(tb.TempDir(), "tokenizer.json"), doc)
}

// writeJSON writes v as JSON to path and returns path.
func writeJSON(tb testing.TB, path string, v any) string {
	tb.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// toyBPETokenizerJSON trains a small byte-level BPE (GPT-2 style: 256 byte
// characters, then the most frequent pairs) on corpus texts and returns a
// RoBERTa-like tokenizer.json for it.
func toyBPETokenizerJSON(tb testing.TB, inputs []parityInput) string {
	tb.Helper()
	// Word frequencies over byte-level pre-tokenized corpus texts.
	freq := map[string]int{}
	for i, in := range inputs {
		if in.isWords || i%7 != 0 {
			continue
		}
		for _, g := range gpt2Segs(nil, []byte(" "+in.text)) {
			var sb strings.Builder
			for _, c := range []byte(" " + in.text)[g.s:g.e] {
				sb.WriteRune(byteToRune[c])
			}
			freq[sb.String()]++
		}
	}
	vocab := map[string]int{"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
	for b := 0; b < 256; b++ {
		vocab[string(byteToRune[b])] = len(vocab)
	}
	words := make([][]string, 0, len(freq))
	counts := make([]int, 0, len(freq))
	keys := make([]string, 0, len(freq))
	for w := range freq {
		keys = append(keys, w)
	}
	sort.Strings(keys)
	for _, w := range keys {
		var syms []string
		for _, r := range w {
			syms = append(syms, string(r))
		}
		words = append(words, syms)
		counts = append(counts, freq[w])
	}
	var merges [][2]string
	for len(merges) < 250 {
		pairs := map[[2]string]int{}
		for i, syms := range words {
			for k := 0; k+1 < len(syms); k++ {
				pairs[[2]string{syms[k], syms[k+1]}] += counts[i]
			}
		}
		best, bestN := mostFrequentPair(pairs)
		if bestN < 2 {
			break
		}
		merges = append(merges, best)
		if _, ok := vocab[best[0]+best[1]]; !ok {
			vocab[best[0]+best[1]] = len(vocab)
		}
		for i, syms := range words {
			var out []string
			for k := 0; k < len(syms); k++ {
				if k+1 < len(syms) && syms[k] == best[0] && syms[k+1] == best[1] {
					out = append(out, best[0]+best[1])
					k++
				} else {
					out = append(out, syms[k])
				}
			}
			words[i] = out
		}
	}
	mergeStrs := make([]string, len(merges))
	for i, m := range merges {
		mergeStrs[i] = m[0] + " " + m[1]
	}
	doc := map[string]any{
		"version":    "1.0",
		"truncation": nil,
		"padding":    nil,
		"added_tokens": []map[string]any{
			{"id": 0, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": true},
			{"id": 1, "content": "<pad>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": true},
			{"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": true},
			{"id": 3, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": true},
			{"id": len(vocab), "content": "<mask>", "single_word": false, "lstrip": true, "rstrip": false, "normalized": false, "special": true},
		},
		"normalizer":     nil,
		"pre_tokenizer":  jsonRaw(`{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true}`),
		"post_processor": jsonRaw(`{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true}`),
		"decoder":        jsonRaw(`{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true}`),
		"model": map[string]any{"type": "BPE", "dropout": nil, "unk_token": nil, "continuing_subword_prefix": nil,
			"end_of_word_suffix": nil, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
			"vocab": vocab, "merges": mergeStrs},
	}
	return writeJSON(tb, filepath.Join(fixtureDir(tb), "bpe.tokenizer.json"), doc)
}

// toyCharBPETokenizerJSON trains a small character-level BPE with a
// continuing-subword prefix "##" and an end-of-word suffix "</w>" (merges
// join a symbol with the next one minus its prefix, as the Rust library
// does), byte-fallback tokens for a few bytes, and an unknown token.
func toyCharBPETokenizerJSON(tb testing.TB, inputs []parityInput) string {
	tb.Helper()
	const prefix, suffix = "##", "</w>"
	freq := map[string]int{}
	for i, in := range inputs {
		if in.isWords || i%5 != 0 {
			continue
		}
		for _, w := range strings.Fields(strings.ToLower(in.text)) {
			freq[w]++
		}
	}
	vocab := map[string]int{"<unk>": 0, "<s>": 1, "</s>": 2}
	add := func(s string) {
		if _, ok := vocab[s]; !ok {
			vocab[s] = len(vocab)
		}
	}
	for _, c := range []byte("abcdefghijklmnopqrstuvwxyz0123456789") {
		for _, tok := range []string{string(c), prefix + string(c), string(c) + suffix, prefix + string(c) + suffix} {
			add(tok)
		}
	}
	for _, c := range []byte{0xC3, 0xA9, 0xE2, 0x80, 0x99, '.', ',', '-'} {
		add(fmt.Sprintf("<0x%02X>", c))
	}
	symbolize := func(w string) []string {
		rs := []rune(w)
		out := make([]string, len(rs))
		for i, r := range rs {
			s := string(r)
			if i > 0 {
				s = prefix + s
			}
			if i == len(rs)-1 {
				s += suffix
			}
			out[i] = s
		}
		return out
	}
	keys := make([]string, 0, len(freq))
	for w := range freq {
		keys = append(keys, w)
	}
	sort.Strings(keys)
	words := make([][]string, len(keys))
	for i, w := range keys {
		words[i] = symbolize(w)
	}
	var merges []string
	for len(merges) < 300 {
		pairs := map[[2]string]int{}
		for i, syms := range words {
			for k := 0; k+1 < len(syms); k++ {
				if _, ok1 := vocab[syms[k]]; !ok1 {
					continue
				}
				if _, ok2 := vocab[syms[k+1]]; !ok2 {
					continue
				}
				pairs[[2]string{syms[k], syms[k+1]}] += freq[keys[i]]
			}
		}
		best, bestN := mostFrequentPair(pairs)
		if bestN < 2 {
			break
		}
		merged := best[0] + strings.TrimPrefix(best[1], prefix)
		merges = append(merges, best[0]+" "+best[1])
		add(merged)
		for i, syms := range words {
			var out []string
			for k := 0; k < len(syms); k++ {
				if k+1 < len(syms) && syms[k] == best[0] && syms[k+1] == best[1] {
					out = append(out, merged)
					k++
				} else {
					out = append(out, syms[k])
				}
			}
			words[i] = out
		}
	}
	doc := map[string]any{
		"version": "1.0", "truncation": nil, "padding": nil,
		"added_tokens": []map[string]any{
			{"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
			{"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
			{"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
		},
		"normalizer":     jsonRaw(`{"type":"Lowercase"}`),
		"pre_tokenizer":  jsonRaw(`{"type":"Whitespace"}`),
		"post_processor": jsonRaw(`{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"</s>","type_id":0}}],"pair":[],"special_tokens":{"<s>":{"id":"<s>","ids":[1],"tokens":["<s>"]},"</s>":{"id":"</s>","ids":[2],"tokens":["</s>"]}}}`),
		"decoder":        nil,
		"model": map[string]any{"type": "BPE", "dropout": nil, "unk_token": "<unk>", "continuing_subword_prefix": prefix,
			"end_of_word_suffix": suffix, "fuse_unk": false, "byte_fallback": true, "ignore_merges": false,
			"vocab": vocab, "merges": merges},
	}
	return writeJSON(tb, filepath.Join(fixtureDir(tb), "bpe-chars.tokenizer.json"), doc)
}

var (
	fixtureOnce sync.Once
	fixturePath string
)

// fixtureDir is a temporary directory shared by the tests of the package.
func fixtureDir(tb testing.TB) string {
	fixtureOnce.Do(func() {
		dir, err := sharedTempDir("gliner-tokenize-fixtures")
		if err == nil {
			fixturePath = dir
		}
	})
	if fixturePath == "" {
		tb.Fatal("cannot create a temporary directory")
	}
	return fixturePath
}

// mostFrequentPair returns the most frequent symbol pair, ties broken by the
// smaller "a b" string, so toy BPE training is deterministic.
func mostFrequentPair(pairs map[[2]string]int) (best [2]string, bestN int) {
	for p, n := range pairs {
		if n > bestN || n == bestN && (p[0]+" "+p[1]) < (best[0]+" "+best[1]) {
			best, bestN = p, n
		}
	}
	return best, bestN
}
