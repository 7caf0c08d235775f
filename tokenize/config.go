package tokenize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// obj is one JSON object of a tokenizer.json being read: fields are consumed
// by the getters, and done reports any field left unread, so that options
// this package does not know are errors rather than silently ignored.
type obj struct {
	path   string
	fields map[string]json.RawMessage
	used   map[string]bool
	err    error
}

func parseObj(path string, raw json.RawMessage) (*obj, error) {
	o := &obj{path: path, used: map[string]bool{}}
	if err := json.Unmarshal(raw, &o.fields); err != nil {
		return nil, invalid(path, err, "not a JSON object")
	}
	if o.fields == nil {
		return nil, invalid(path, nil, "null where an object is required")
	}
	return o, nil
}

func (o *obj) has(key string) bool {
	v, ok := o.fields[key]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// get decodes field key into v when present and not null; it reports
// whether it did.
func (o *obj) get(key string, v any) bool {
	o.used[key] = true
	raw, ok := o.fields[key]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return false
	}
	if err := json.Unmarshal(raw, v); err != nil && o.err == nil {
		o.err = invalid(o.path+"."+key, err, "wrong type")
	}
	return true
}

func (o *obj) str(key, def string) string {
	s := def
	o.get(key, &s)
	return s
}

func (o *obj) boolean(key string, def bool) bool {
	b := def
	o.get(key, &b)
	return b
}

// ignore marks fields that have no effect on encoding.
func (o *obj) ignore(keys ...string) {
	for _, k := range keys {
		o.used[k] = true
	}
}

// done returns the first decoding error, or an *UnsupportedError for a
// field that was never read.
func (o *obj) done() error {
	if o.err != nil {
		return o.err
	}
	var extra []string
	for k := range o.fields {
		if !o.used[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return unsupported(o.path, "option %q", extra[0])
	}
	return nil
}

// rawConfig is the top level of a tokenizer.json.
type rawConfig struct {
	Version       string            `json:"version"`
	Truncation    json.RawMessage   `json:"truncation"`
	Padding       json.RawMessage   `json:"padding"`
	AddedTokens   []json.RawMessage `json:"added_tokens"`
	Normalizer    json.RawMessage   `json:"normalizer"`
	PreTokenizer  json.RawMessage   `json:"pre_tokenizer"`
	PostProcessor json.RawMessage   `json:"post_processor"`
	Decoder       json.RawMessage   `json:"decoder"`
	Model         json.RawMessage   `json:"model"`
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// parseSequence parses the components listed in field key of a Sequence
// component with parse, naming each one's path for errors.
func parseSequence[T any](o *obj, path, key string, parse func(string, json.RawMessage) (T, error)) ([]T, error) {
	var subs []json.RawMessage
	o.get(key, &subs)
	seq := make([]T, 0, len(subs))
	for i, s := range subs {
		subPath := fmt.Sprintf("%s.%s[%d]", path, key, i)
		if err := checkDepth(subPath); err != nil {
			return nil, err
		}
		sub, err := parse(subPath, s)
		if err != nil {
			return nil, err
		}
		seq = append(seq, sub)
	}
	return seq, nil
}

// typeOf reads the "type" field of a component.
func typeOf(o *obj) string {
	return o.str("type", "")
}

func parseNormalizer(path string, raw json.RawMessage) (normalizer, error) {
	o, err := parseObj(path, raw)
	if err != nil {
		return nil, err
	}
	var n normalizer
	switch t := typeOf(o); t {
	case "Sequence":
		seq, err := parseSequence(o, path, "normalizers", parseNormalizer)
		if err != nil {
			return nil, err
		}
		n = sequenceNormalizer(seq)
	case "BertNormalizer":
		b := &bertNormalizer{
			cleanText: o.boolean("clean_text", true),
			chinese:   o.boolean("handle_chinese_chars", true),
			lowercase: o.boolean("lowercase", true),
		}
		b.stripAccents = b.lowercase
		o.get("strip_accents", &b.stripAccents)
		n = b
	case "Lowercase":
		n = lowercaseNormalizer{}
	case "StripAccents":
		n = stripAccentsNormalizer{}
	case "NFC":
		n = normForm{form: norm.NFC, compose: true}
	case "NFKC":
		n = normForm{form: norm.NFKC, compose: true}
	case "NFD":
		n = normForm{form: norm.NFD}
	case "NFKD":
		n = normForm{form: norm.NFKD}
	case "Strip":
		n = stripNormalizer{left: o.boolean("strip_left", true), right: o.boolean("strip_right", true)}
	case "Prepend":
		n = prependNormalizer{s: []rune(o.str("prepend", ""))}
	case "Replace":
		r, err := parseReplace(o)
		if err != nil {
			return nil, err
		}
		n = r
	case "Precompiled":
		var data []byte
		if !o.get("precompiled_charsmap", &data) || len(data) == 0 {
			n = sequenceNormalizer{} // an empty charsmap normalizes nothing
			break
		}
		pc, err := newPrecompiled(data)
		if err != nil {
			return nil, invalid(path+".precompiled_charsmap", err, "cannot read the charsmap")
		}
		n = pc
	case "":
		return nil, invalid(path, nil, "component without a type")
	default:
		return nil, unsupported(path, "normalizer type %q", t)
	}
	return n, o.done()
}

// parseReplace reads a Replace normalizer's pattern and content.
func parseReplace(o *obj) (*replaceNormalizer, error) {
	r := &replaceNormalizer{}
	lit, re, err := parsePattern(o, "pattern")
	if err != nil {
		return nil, err
	}
	r.lit, r.re = lit, re
	if re != nil {
		p, _ := re.LiteralPrefix()
		r.prefix = []byte(p)
	}
	r.content = []rune(o.str("content", ""))
	return r, nil
}

// parsePattern reads {"String": s} or {"Regex": r}.
func parsePattern(o *obj, key string) ([]byte, *regexp.Regexp, error) {
	var pat struct {
		String *string
		Regex  *string
	}
	if !o.get(key, &pat) {
		return nil, nil, invalid(o.path+"."+key, nil, "missing pattern")
	}
	switch {
	case pat.String != nil:
		if *pat.String == "" {
			return nil, nil, unsupported(o.path+"."+key, "empty string pattern")
		}
		return []byte(*pat.String), nil, nil
	case pat.Regex != nil:
		re, err := compileOnig(*pat.Regex)
		if err != nil {
			return nil, nil, unsupported(o.path+"."+key, "regex %q (%v)", *pat.Regex, err)
		}
		return nil, re, nil
	}
	return nil, nil, invalid(o.path+"."+key, nil, "pattern is neither String nor Regex")
}

func parsePreTokenizer(path string, raw json.RawMessage) (preTokenizer, error) {
	o, err := parseObj(path, raw)
	if err != nil {
		return nil, err
	}
	var t preTokenizer
	switch typ := typeOf(o); typ {
	case "Sequence":
		seq, err := parseSequence(o, path, "pretokenizers", parsePreTokenizer)
		if err != nil {
			return nil, err
		}
		if len(seq) == 0 {
			return nil, unsupported(path, "empty pre-tokenizer Sequence")
		}
		t = sequencePreTokenizer(seq)
	case "BertPreTokenizer":
		t = bertPreTokenizer{}
	case "Whitespace":
		t = whitespacePreTokenizer{}
	case "WhitespaceSplit":
		t = whitespaceSplit{}
	case "Metaspace":
		m, err := parseMetaspace(o)
		if err != nil {
			return nil, err
		}
		t = m
	case "ByteLevel":
		o.ignore("trim_offsets")
		t = &byteLevelPreTokenizer{addPrefixSpace: o.boolean("add_prefix_space", true), useRegex: o.boolean("use_regex", true)}
	case "Punctuation":
		bh, err := parseBehavior(o, "Isolated")
		if err != nil {
			return nil, err
		}
		t = punctuationPreTokenizer{bh: bh}
	case "Digits":
		t = digitsPreTokenizer{individual: o.boolean("individual_digits", false)}
	case "Split":
		s := &splitPreTokenizer{}
		lit, re, err := parsePattern(o, "pattern")
		if err != nil {
			return nil, err
		}
		s.pat.lit, s.pat.re = lit, re
		if s.bh, err = parseBehavior(o, ""); err != nil {
			return nil, err
		}
		s.invert = o.boolean("invert", false)
		t = s
	case "":
		return nil, invalid(path, nil, "component without a type")
	default:
		return nil, unsupported(path, "pre-tokenizer type %q", typ)
	}
	return t, o.done()
}

func parseBehavior(o *obj, def string) (behavior, error) {
	name := o.str("behavior", def)
	bh, ok := behaviorNames[name]
	if !ok {
		return 0, unsupported(o.path+".behavior", "split behavior %q", name)
	}
	return bh, nil
}

func parseMetaspace(o *obj) (*metaspacePreTokenizer, error) {
	repl := o.str("replacement", "▁")
	o.ignore("str_rep")
	r, n := utf8.DecodeRuneInString(repl)
	if n == 0 || n != len(repl) {
		return nil, unsupported(o.path+".replacement", "replacement %q (must be one character)", repl)
	}
	m := &metaspacePreTokenizer{repl: r, replR: []rune{r}, replB: []byte(repl), split_: o.boolean("split", true)}
	var scheme string
	switch {
	case o.get("prepend_scheme", &scheme):
		switch scheme {
		case "always":
			m.scheme = prependAlways
		case "first":
			m.scheme = prependFirst
		case "never":
			m.scheme = prependNever
		default:
			return nil, unsupported(o.path+".prepend_scheme", "prepend_scheme %q", scheme)
		}
		o.ignore("add_prefix_space")
	default:
		if !o.boolean("add_prefix_space", true) {
			m.scheme = prependNever
		}
	}
	return m, nil
}

// parseModel reads the model section of a tokenizer.json: WordPiece,
// Unigram or BPE, the type inferred from the fields when absent.
func parseModel(path string, raw json.RawMessage) (model, error) {
	o, err := parseObj(path, raw)
	if err != nil {
		return nil, err
	}
	typ := typeOf(o)
	if typ == "" {
		// Old files omit the type: infer it like serde's untagged enum.
		var first []byte
		if v, ok := o.fields["vocab"]; ok {
			first = bytes.TrimSpace(v)
		}
		switch {
		case len(first) > 0 && first[0] == '[':
			typ = "Unigram"
		case o.has("merges"):
			typ = "BPE"
		case o.has("continuing_subword_prefix") || o.has("max_input_chars_per_word"):
			typ = "WordPiece"
		default:
			return nil, unsupported(path, "model without a type")
		}
	}
	var m model
	switch typ {
	case "WordPiece":
		m, err = parseWordPiece(o)
	case "Unigram":
		m, err = parseUnigram(o)
	case "BPE":
		m, err = parseBPE(o)
	default:
		return nil, unsupported(path, "model type %q", typ)
	}
	if err != nil {
		return nil, err
	}
	return m, o.done()
}

func parseWordPiece(o *obj) (*wordPiece, error) {
	vocab, err := vocabMap(o)
	if err != nil {
		return nil, err
	}
	m := &wordPiece{
		vocab:    make(map[string]int32, len(vocab)),
		cont:     map[string]int32{},
		prefix:   o.str("continuing_subword_prefix", "##"),
		unk:      o.str("unk_token", "[UNK]"),
		maxChars: 100,
	}
	o.get("max_input_chars_per_word", &m.maxChars)
	m.strs = make([]string, maxID(vocab)+1)
	for tok, id := range vocab {
		if id < 0 || id > math.MaxInt32 {
			return nil, invalid(o.path+".vocab", nil, "id %d of %q out of range", id, tok)
		}
		m.vocab[tok] = int32(id)
		m.strs[id] = tok
		if rest, ok := strings.CutPrefix(tok, m.prefix); ok {
			m.cont[rest] = int32(id)
		}
	}
	var ok1, ok2 bool
	m.first, ok1 = buildTrie(m.vocab)
	m.rest, ok2 = buildTrie(m.cont)
	if !ok1 || !ok2 {
		return nil, unsupported(o.path+".vocab", "vocabulary too large for the trie")
	}
	unk, ok := m.vocab[m.unk]
	if !ok {
		return nil, invalid(o.path+".unk_token", nil, "unknown token %q is not in the vocabulary", m.unk)
	}
	m.unkID = unk
	return m, nil
}

// vocabMap reads the token → id vocabulary of a WordPiece or BPE model,
// refusing one beyond MaxVocabSize (entries or ids) before building it.
func vocabMap(o *obj) (map[string]int, error) {
	if err := checkVocab(o); err != nil {
		return nil, err
	}
	var vocab map[string]int
	if !o.get("vocab", &vocab) {
		return nil, invalid(o.path+".vocab", nil, "missing vocabulary")
	}
	if o.err != nil {
		return nil, o.err
	}
	if mx := maxID(vocab); mx >= MaxVocabSize {
		return nil, overLimit(o.path+".vocab", "token id %d (ids must be below %d)", mx, MaxVocabSize)
	}
	return vocab, nil
}

func maxID(vocab map[string]int) int {
	mx := -1
	for _, id := range vocab {
		mx = max(mx, id)
	}
	return mx
}

func parseUnigram(o *obj) (*unigram, error) {
	if err := checkVocab(o); err != nil {
		return nil, err
	}
	var vocab [][2]any
	if !o.get("vocab", &vocab) || len(vocab) == 0 {
		return nil, invalid(o.path+".vocab", nil, "missing or empty vocabulary")
	}
	pieces := make([]string, len(vocab))
	scores := make([]float64, len(vocab))
	for i, e := range vocab {
		p, ok1 := e[0].(string)
		sc, ok2 := e[1].(float64)
		if !ok1 || !ok2 {
			return nil, invalid(fmt.Sprintf("%s.vocab[%d]", o.path, i), nil, "expected [piece, score]")
		}
		pieces[i], scores[i] = p, sc
	}
	unkID := -1
	if !o.get("unk_id", &unkID) {
		// The Rust model fails at encoding time on characters outside the
		// vocabulary; encoding here never fails, so refuse the model.
		return nil, unsupported(o.path+".unk_id", "Unigram model without unk_id")
	}
	if unkID < 0 || unkID >= len(pieces) {
		return nil, invalid(o.path+".unk_id", nil, "unk_id %d out of range", unkID)
	}
	byteFB := o.boolean("byte_fallback", false)
	m := newUnigram(pieces, scores, unkID, byteFB)
	if m == nil {
		return nil, unsupported(o.path+".vocab", "vocabulary too large for the trie")
	}
	return m, nil
}

func parseBPE(o *obj) (*bpe, error) {
	var dropout *float64
	o.get("dropout", &dropout)
	if dropout != nil && *dropout != 0 {
		return nil, unsupported(o.path+".dropout", "BPE dropout %v", *dropout)
	}
	vocab, err := vocabMap(o)
	if err != nil {
		return nil, err
	}
	m := &bpe{
		vocab:      make(map[string]int32, len(vocab)),
		merges:     map[[2]int32]bpeMerge{},
		unkID:      -1,
		contPrefix: o.str("continuing_subword_prefix", ""),
		eowSuffix:  o.str("end_of_word_suffix", ""),
		fuseUnk:    o.boolean("fuse_unk", false),
		byteFB:     o.boolean("byte_fallback", false),
		ignoreMrg:  o.boolean("ignore_merges", false),
		cache:      newTokenCache(),
	}
	m.strs = make([]string, maxID(vocab)+1)
	for tok, id := range vocab {
		if id < 0 || id > math.MaxInt32 {
			return nil, invalid(o.path+".vocab", nil, "id %d of %q out of range", id, tok)
		}
		m.vocab[tok] = int32(id)
		m.strs[id] = tok
	}
	var unk string
	if o.get("unk_token", &unk) {
		id, ok := m.vocab[unk]
		if !ok {
			return nil, invalid(o.path+".unk_token", nil, "unknown token %q is not in the vocabulary", unk)
		}
		m.unkID = id
	}
	for c := range m.byteIDs {
		m.byteIDs[c] = -1
		if id, ok := m.vocab[fmt.Sprintf("<0x%02X>", c)]; ok {
			m.byteIDs[c] = id
		}
	}
	var merges []json.RawMessage
	o.get("merges", &merges)
	for rank, raw := range merges {
		var a, b string
		var pair []string
		if err := json.Unmarshal(raw, &pair); err == nil && len(pair) == 2 {
			a, b = pair[0], pair[1]
		} else {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, invalid(fmt.Sprintf("%s.merges[%d]", o.path, rank), err, "bad merge")
			}
			var ok bool
			a, b, ok = strings.Cut(s, " ")
			if !ok {
				return nil, invalid(fmt.Sprintf("%s.merges[%d]", o.path, rank), nil, "merge %q is not a pair", s)
			}
		}
		ia, oka := m.vocab[a]
		ib, okb := m.vocab[b]
		if !oka || !okb {
			return nil, invalid(fmt.Sprintf("%s.merges[%d]", o.path, rank), nil, "merge %q %q uses a token outside the vocabulary", a, b)
		}
		nb := b
		if m.contPrefix != "" {
			// Rust strips the prefix length whether or not b has the prefix.
			if len(b) < len(m.contPrefix) || !utf8.ValidString(b[len(m.contPrefix):]) {
				return nil, invalid(fmt.Sprintf("%s.merges[%d]", o.path, rank), nil, "merge %q %q is shorter than the continuing prefix", a, b)
			}
			nb = b[len(m.contPrefix):]
		}
		nid, ok := m.vocab[a+nb]
		if !ok {
			return nil, invalid(fmt.Sprintf("%s.merges[%d]", o.path, rank), nil, "merge result %q is not in the vocabulary", a+nb)
		}
		m.merges[[2]int32{ia, ib}] = bpeMerge{rank: int32(rank), newID: nid} // the last duplicate wins
	}
	return m, nil
}
