package tokenize

import (
	"encoding/json"
	"fmt"
	"io"
)

// model is a sub-word model: it splits one pre-tokenized piece into tokens.
type model interface {
	tokenize(ws *workspace, dst []token, b []byte) []token
	tokenID(s string) (int, bool)
	vocabSize() int
	idBound() int // one more than the largest id of the vocabulary
}

// Pipeline is a tokenizer loaded from a Hugging Face tokenizer.json: added
// tokens, normalizer, pre-tokenizer, model and post-processor, applied as
// the Rust tokenizers library applies them. It implements [Tokenizer].
//
// A Pipeline is immutable after loading and safe for concurrent use.
type Pipeline struct {
	added    *addedVocab
	norm     normalizer   // nil: none
	pre      preTokenizer // nil: none
	model    model
	post     postProcessor // nil: none
	padID    int
	addedStr map[int32]string // content of added tokens by id
}

var _ Tokenizer = (*Pipeline)(nil)

// New reads a tokenizer.json from r and validates every component.
//
// Supported: models WordPiece, Unigram and BPE; normalizers BertNormalizer,
// Precompiled, NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Replace, Strip,
// Prepend and Sequence; pre-tokenizers BertPreTokenizer, Whitespace,
// WhitespaceSplit, Metaspace, ByteLevel, Punctuation, Digits, Split and
// Sequence; post-processors TemplateProcessing, BertProcessing,
// RobertaProcessing, ByteLevel and Sequence; added tokens with all their
// flags. The decoder is ignored, and so are the truncation and padding
// sections (encoding never truncates or pads), except that padding gives
// [Pipeline.PadID].
//
// Errors: an unknown component type, option or option value is an
// *[UnsupportedError] (errors.Is [ErrUnsupported]); malformed or
// inconsistent JSON is a *[ConfigError] (errors.Is [ErrInvalidConfig]).
func New(r io.Reader) (*Pipeline, error) {
	data, err := readLimited(r, MaxTokenizerBytes, TokenizerJSONFile)
	if err != nil {
		return nil, err
	}
	return newFromBytes(data)
}

// newFromBytes is [New] over the bytes of a tokenizer.json. Like the Rust
// library (serde_json), it refuses data after the JSON object.
func newFromBytes(data []byte) (*Pipeline, error) {
	var raw rawConfig
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, invalid("", err, "not a tokenizer.json")
	}
	if raw.Version != "" && raw.Version != "1.0" {
		return nil, unsupported("version", "tokenizer.json version %q", raw.Version)
	}
	p := &Pipeline{}
	if isNull(raw.Model) {
		return nil, invalid("model", nil, "missing model")
	}
	m, err := parseModel("model", raw.Model)
	if err != nil {
		return nil, err
	}
	p.model = m
	if !isNull(raw.Normalizer) {
		if p.norm, err = parseNormalizer("normalizer", raw.Normalizer); err != nil {
			return nil, err
		}
	}
	if !isNull(raw.PreTokenizer) {
		if p.pre, err = parsePreTokenizer("pre_tokenizer", raw.PreTokenizer); err != nil {
			return nil, err
		}
	}
	if p.added, err = buildAdded(raw.AddedTokens, p.model.tokenID, p.model.vocabSize(), p.norm); err != nil {
		return nil, err
	}
	p.addedStr = make(map[int32]string, len(p.added.byID))
	for id, t := range p.added.byID {
		p.addedStr[id] = t.Content
	}
	if !isNull(raw.PostProcessor) {
		if p.post, err = parsePostProcessor("post_processor", raw.PostProcessor, p.TokenID); err != nil {
			return nil, err
		}
	}
	if p.padID, err = padID(raw.Padding, p.TokenID); err != nil {
		return nil, err
	}
	return p, nil
}

// padID reads padding.pad_id, else the id of [PAD] or <pad>, else 0.
func padID(raw json.RawMessage, tokenID func(string) (int, bool)) (int, error) {
	if !isNull(raw) {
		var pad struct {
			PadID *int `json:"pad_id"`
		}
		if err := json.Unmarshal(raw, &pad); err != nil {
			return 0, invalid("padding", err, "bad padding section")
		}
		if pad.PadID != nil {
			return *pad.PadID, nil
		}
	}
	for _, t := range []string{"[PAD]", "<pad>"} {
		if id, ok := tokenID(t); ok {
			return id, nil
		}
	}
	return 0, nil
}

// NewFromFile loads a tokenizer.json file, see [New].
func NewFromFile(path string) (*Pipeline, error) {
	f, err := openLimited(path, MaxTokenizerBytes)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := New(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// MaxID returns the largest token id the pipeline can emit: of its
// vocabulary or of its added tokens. A model's embedding must have a row
// for every id up to it.
func (p *Pipeline) MaxID() int {
	mx := p.model.idBound() - 1
	for id := range p.addedStr {
		mx = max(mx, int(id))
	}
	return mx
}

// TokenID returns the id of an added token or of a vocabulary token.
func (p *Pipeline) TokenID(token string) (int, bool) {
	if id, ok := p.added.byContent[token]; ok {
		return int(id), true
	}
	return p.model.tokenID(token)
}

// PadID returns the padding id: padding.pad_id of the tokenizer.json when it
// has a padding section, else the id of "[PAD]" or "<pad>", else 0.
func (p *Pipeline) PadID() int { return p.padID }

// Encode encodes plain text. Offsets are byte offsets into text; word ids
// number the pieces the pre-tokenizer produced (added tokens count as one
// piece each), as Hugging Face's word_ids do.
func (p *Pipeline) Encode(text string, addSpecial bool) Encoding {
	var e Encoding
	p.EncodeTo(&e, text, addSpecial)
	return e
}

// EncodeWords encodes pre-split words like Hugging Face with
// is_split_into_words=True: each word is encoded as its own sequence (so a
// Metaspace or add_prefix_space pre-tokenizer marks every word as
// word-initial), word ids are indexes into words, and offsets are byte
// offsets relative to the word each token comes from.
func (p *Pipeline) EncodeWords(words []string, addSpecial bool) Encoding {
	var e Encoding
	p.EncodeWordsTo(&e, words, addSpecial)
	return e
}

// EncodeTo is [Pipeline.Encode] writing into dst, reusing its slices: with
// a dst reused across calls, encoding allocates nothing in the steady state
// except the strings of unknown or added tokens that differ from their
// vocabulary spelling.
func (p *Pipeline) EncodeTo(dst *Encoding, text string, addSpecial bool) {
	dst.reset()
	ws := getWorkspace()
	p.encodeSequence(ws, dst, text, -1)
	if p.post != nil {
		ws.src = offsetSource{text: text}
		p.post.process(dst, addSpecial, &ws.src)
		ws.src = offsetSource{}
	}
	putWorkspace(ws)
}

// EncodeWordsTo is [Pipeline.EncodeWords] writing into dst, see
// [Pipeline.EncodeTo].
func (p *Pipeline) EncodeWordsTo(dst *Encoding, words []string, addSpecial bool) {
	dst.reset()
	ws := getWorkspace()
	for i, w := range words {
		ws.ar.reset()
		p.encodeSequence(ws, dst, w, i)
	}
	if p.post != nil {
		ws.src = offsetSource{words: words}
		if words == nil {
			ws.src.words = []string{}
		}
		p.post.process(dst, addSpecial, &ws.src)
		ws.src = offsetSource{}
	}
	putWorkspace(ws)
}

func (e *Encoding) reset() {
	e.IDs = e.IDs[:0]
	e.Tokens = e.Tokens[:0]
	e.WordIDs = e.WordIDs[:0]
	e.Offsets = e.Offsets[:0]
	e.Special = e.Special[:0]
}

func (e *Encoding) appendToken(id int, tok string, word int, start, end int) {
	e.IDs = append(e.IDs, id)
	e.Tokens = append(e.Tokens, tok)
	e.WordIDs = append(e.WordIDs, word)
	e.Offsets = append(e.Offsets, Offset{start, end})
	e.Special = append(e.Special, false)
}

// encodeSequence runs one sequence through the pipeline and appends its
// tokens to dst. word is the word id of every token, or -1 to number the
// pre-tokenized pieces.
func (p *Pipeline) encodeSequence(ws *workspace, dst *Encoding, text string, word int) {
	if text == "" {
		return
	}
	// 1. Added tokens that match the raw text.
	whole := ws.ar.fresh(text, 0)
	ws.pieces = p.added.split(ws.pieces[:0], whole, &p.added.raw)
	// 2. Normalize the rest, then split out added tokens matching the
	// normalized text.
	ws.splits = ws.splits[:0]
	for i := range ws.pieces {
		q := &ws.pieces[i]
		if q.added >= 0 {
			ws.splits = append(ws.splits, *q)
			continue
		}
		if p.norm != nil {
			p.norm.normalize(ws, q)
		}
		ws.splits = p.added.split(ws.splits, *q, &p.added.norm)
	}
	// 3. Pre-tokenize.
	words := ws.splits
	if p.pre != nil {
		ws.words = ws.words[:0]
		for _, q := range ws.splits {
			if q.added >= 0 {
				ws.words = append(ws.words, q)
				continue
			}
			ws.words = p.pre.split(ws, q, ws.words)
		}
		words = ws.words
	}
	// 4. Model.
	for idx, q := range words {
		w := word
		if w < 0 {
			w = idx
		}
		if q.added >= 0 {
			s, e := q.origin(0, len(q.b))
			str := p.addedStr[q.added]
			if string(q.b) != str {
				str = string(q.b)
			}
			dst.appendToken(int(q.added), str, w, s, e)
			continue
		}
		ws.toks = p.model.tokenize(ws, ws.toks[:0], q.b)
		for _, t := range ws.toks {
			s, e := q.origin(int(t.s), int(t.e))
			dst.appendToken(int(t.id), t.str, w, s, e)
		}
	}
}
