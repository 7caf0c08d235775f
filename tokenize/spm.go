package tokenize

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// SentencePieceOption configures [NewSentencePiece] and
// [ConvertSentencePiece].
type SentencePieceOption func(*spmConfig)

// spmConfig holds the conversion options; the zero value converts a
// DeBERTa-v3 spm.model as Hugging Face does by default.
type spmConfig struct {
	lowerCase    bool
	splitByPunct bool
	extra        []string
	specs        []AddedTokenSpec
	plainIDs     []AddedTokenSpec // added only when their content is not yet an added token
}

// AddedTokenSpec is an added token with an explicit id and flags, as listed
// in a tokenizer_config.json "added_tokens_decoder". The flags mean what they
// mean in a tokenizer.json "added_tokens" entry.
type AddedTokenSpec struct {
	ID         int
	Content    string
	Special    bool
	Normalized bool
	LStrip     bool
	RStrip     bool
	SingleWord bool
}

// WithAddedTokens appends plain added tokens the way GLiNER's
// tokenizer.add_tokens(["[FLERT]", "<<ENT>>", "<<SEP>>"]) does: not special,
// normalized, with ids continuing after the last id ([MASK] is 128000 for
// DeBERTa-v3, so these get 128001, 128002, 128003). Tokens already present
// are skipped.
func WithAddedTokens(tokens ...string) SentencePieceOption {
	return func(c *spmConfig) { c.extra = append(c.extra, tokens...) }
}

// WithAddedTokenSpecs adds tokens with explicit ids and flags, after the
// tokens of [WithAddedTokens]. A spec whose content is already an added token
// replaces that token's flags; its id must then be the token's id.
func WithAddedTokenSpecs(specs ...AddedTokenSpec) SentencePieceOption {
	return func(c *spmConfig) { c.specs = append(c.specs, specs...) }
}

// withPlainTokenIDs adds tokens at explicit ids, like WithAddedTokenSpecs,
// but leaves tokens that are already added untouched (added_tokens.json lists
// [MASK] next to GLiNER's tokens, without flags).
func withPlainTokenIDs(specs ...AddedTokenSpec) SentencePieceOption {
	return func(c *spmConfig) { c.plainIDs = append(c.plainIDs, specs...) }
}

// WithLowerCase adds the Lowercase normalizer, as DebertaV2Converter does for
// do_lower_case=True.
func WithLowerCase() SentencePieceOption { return func(c *spmConfig) { c.lowerCase = true } }

// WithSplitByPunct adds the Punctuation(isolated) pre-tokenizer, as
// DebertaV2Converter does for split_by_punct=True.
func WithSplitByPunct() SentencePieceOption { return func(c *spmConfig) { c.splitByPunct = true } }

// NewSentencePiece reads a SentencePiece Unigram model (a DeBERTa-v2/v3
// spm.model) and returns the pipeline Hugging Face builds from it: the
// tokenizer.json of [ConvertSentencePiece], loaded with [New]. Encoding with
// it equals encoding with that tokenizer.json.
//
// Errors: a model that is not Unigram (BPE, WORD, CHAR) is an
// *[UnsupportedError]; a malformed protobuf or an unusable vocabulary (no
// pieces, empty or duplicate pieces, unk id out of range, no [CLS] or [SEP]
// piece) is a *[ConfigError].
func NewSentencePiece(r io.Reader, opts ...SentencePieceOption) (*Pipeline, error) {
	b, err := ConvertSentencePiece(r, opts...)
	if err != nil {
		return nil, err
	}
	return New(bytes.NewReader(b))
}

// ConvertSentencePiece reads a SentencePiece Unigram model and returns the
// tokenizer.json that Hugging Face's DebertaV2Converter builds from it
// (transformers convert_slow_tokenizer.py; the same output as
// scripts/spm_to_tokenizer_json.py):
//
//   - model: Unigram with every piece and its score, unk_id from the trainer
//     spec, byte_fallback false (the converter does not carry byte fallback
//     over, so unknown characters become [UNK] where sentencepiece would emit
//     byte pieces);
//   - normalizer: Sequence[Lowercase (WithLowerCase only), Strip(both sides),
//     Precompiled(the model's charsmap, when present), Replace(" {2,}" -> " ")];
//   - pre-tokenizer: Sequence[Punctuation (WithSplitByPunct only),
//     Metaspace("▁", prepend_scheme "always", split true)];
//   - post-processor: TemplateProcessing [CLS] $A [SEP] / [CLS] $A [SEP] $B:1 [SEP]:1;
//   - added tokens: the CONTROL pieces (special) and USER_DEFINED pieces (not
//     special), [UNK] (special, normalized), [MASK] (special, id after the
//     vocabulary unless it is a piece), then the options' tokens.
//
// The model's own normalizer flags (add_dummy_prefix,
// remove_extra_whitespaces) are ignored, as the converter ignores them.
func ConvertSentencePiece(r io.Reader, opts ...SentencePieceOption) ([]byte, error) {
	var cfg spmConfig
	for _, o := range opts {
		o(&cfg)
	}
	data, err := readLimited(r, MaxTokenizerBytes, SentencePieceFile)
	if err != nil {
		return nil, err
	}
	m, err := parseSentencePiece(data)
	if err != nil {
		return nil, err
	}
	tj, err := m.tokenizerJSON(&cfg)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<<ENT>>", not "\u003c\u003cENT\u003e\u003e"
	if err := enc.Encode(tj); err != nil {
		return nil, fmt.Errorf("tokenize: encoding tokenizer.json: %w", err)
	}
	return buf.Bytes(), nil
}

// SentencePiece piece types (sentencepiece_model.proto).
const (
	spmNormal      = 1
	spmUnknown     = 2
	spmControl     = 3
	spmUserDefined = 4
	spmUnused      = 5
	spmByte        = 6
)

// SentencePiece model types.
var spmModelTypes = map[uint64]string{1: "UNIGRAM", 2: "BPE", 3: "WORD", 4: "CHAR"}

type spmPiece struct {
	piece string
	score float32
	typ   uint64
}

// spmModel is the part of a ModelProto the conversion uses.
type spmModel struct {
	pieces    []spmPiece
	modelType uint64 // trainer_spec.model_type, default 1 (UNIGRAM)
	unkID     int64  // trainer_spec.unk_id, default 0
	charsmap  []byte // normalizer_spec.precompiled_charsmap
	// Read for completeness; the converter ignores them.
	addDummyPrefix, removeExtraWhitespaces bool
	ids                                    map[string]int // piece → id, set by validate
}

// parseSentencePiece decodes the fields of a ModelProto that the conversion
// needs, skipping all others.
func parseSentencePiece(b []byte) (*spmModel, error) {
	m := &spmModel{modelType: 1, addDummyPrefix: true, removeExtraWhitespaces: true}
	err := walkProto(b, "spm.model", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case 1:
			p, err := parseSpmPiece(v, len(m.pieces))
			if err != nil {
				return err
			}
			m.pieces = append(m.pieces, p)
		case 2:
			return m.parseTrainerSpec(v)
		case 3:
			return m.parseNormalizerSpec(v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, m.validate()
}

func parseSpmPiece(b []byte, i int) (spmPiece, error) {
	p := spmPiece{typ: spmNormal}
	err := walkProto(b, "", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			p.piece = string(v)
		case num == 2 && typ == protowire.Fixed32Type:
			p.score = math.Float32frombits(uint32(x))
		case num == 3 && typ == protowire.VarintType:
			p.typ = x
		}
		return nil
	})
	if err != nil {
		err = invalid(fmt.Sprintf("spm.model pieces[%d]", i), err, "malformed piece")
	}
	return p, err
}

func (m *spmModel) parseTrainerSpec(b []byte) error {
	return walkProto(b, "spm.model trainer_spec", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		if typ != protowire.VarintType {
			return nil
		}
		switch num {
		case 3:
			m.modelType = x
		case 40:
			m.unkID = int64(int32(x)) // int32 field: negative values are sign-extended varints
		}
		return nil
	})
}

func (m *spmModel) parseNormalizerSpec(b []byte) error {
	return walkProto(b, "spm.model normalizer_spec", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 2 && typ == protowire.BytesType:
			m.charsmap = slices.Clone(v)
		case num == 3 && typ == protowire.VarintType:
			m.addDummyPrefix = x != 0
		case num == 4 && typ == protowire.VarintType:
			m.removeExtraWhitespaces = x != 0
		}
		return nil
	})
}

// walkProto calls fn for every field of the protobuf message b: v holds the
// bytes of a length-delimited field, x the value of a varint or fixed field.
// Groups are skipped. Malformed input is a *ConfigError at path.
func walkProto(b []byte, path string, fn func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return invalid(path, protowire.ParseError(n), "malformed protobuf")
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var x32 uint32
			x32, n = protowire.ConsumeFixed32(b)
			x = uint64(x32)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return invalid(path, protowire.ParseError(n), "malformed protobuf field %d", num)
		}
		b = b[n:]
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

func (m *spmModel) validate() error {
	if name, ok := spmModelTypes[m.modelType]; !ok || m.modelType != 1 {
		if !ok {
			name = fmt.Sprint(m.modelType)
		}
		return unsupported("spm.model trainer_spec.model_type", "SentencePiece model type %s (only UNIGRAM converts to a Unigram tokenizer)", name)
	}
	if len(m.pieces) == 0 {
		return invalid("spm.model pieces", nil, "no pieces")
	}
	seen := make(map[string]int, len(m.pieces))
	for i, p := range m.pieces {
		if err := p.check(); err != nil {
			return invalid(fmt.Sprintf("spm.model pieces[%d]", i), nil, "%s", err)
		}
		if j, dup := seen[p.piece]; dup {
			return invalid(fmt.Sprintf("spm.model pieces[%d]", i), nil, "piece %q repeats pieces[%d]", p.piece, j)
		}
		seen[p.piece] = i
	}
	if m.unkID < 0 || m.unkID >= int64(len(m.pieces)) {
		return invalid("spm.model trainer_spec.unk_id", nil, "unk id %d outside the %d pieces", m.unkID, len(m.pieces))
	}
	m.ids = seen
	return nil
}

// check reports what is wrong with a piece, or nil.
func (p *spmPiece) check() error {
	switch {
	case p.piece == "":
		return errors.New("empty piece")
	case !utf8.ValidString(p.piece):
		return fmt.Errorf("piece %q is not valid UTF-8", p.piece)
	case math.IsNaN(float64(p.score)) || math.IsInf(float64(p.score), 0):
		return fmt.Errorf("piece %q has score %v", p.piece, p.score)
	case p.typ < spmNormal || p.typ > spmByte:
		return fmt.Errorf("piece %q has unknown type %d", p.piece, p.typ)
	}
	return nil
}

// Serialised tokenizer.json, with fields in the order the Rust tokenizers
// library writes them.
type (
	tjFile struct {
		Version       string         `json:"version"`
		Truncation    *struct{}      `json:"truncation"`
		Padding       *struct{}      `json:"padding"`
		AddedTokens   []tjAddedToken `json:"added_tokens"`
		Normalizer    tjSequence     `json:"normalizer"`
		PreTokenizer  tjPreSequence  `json:"pre_tokenizer"`
		PostProcessor tjTemplate     `json:"post_processor"`
		Decoder       tjMetaspace    `json:"decoder"`
		Model         tjUnigram      `json:"model"`
	}
	tjAddedToken struct {
		ID         int    `json:"id"`
		Content    string `json:"content"`
		SingleWord bool   `json:"single_word"`
		LStrip     bool   `json:"lstrip"`
		RStrip     bool   `json:"rstrip"`
		Normalized bool   `json:"normalized"`
		Special    bool   `json:"special"`
	}
	tjSequence struct {
		Type        string `json:"type"`
		Normalizers []any  `json:"normalizers"`
	}
	tjPreSequence struct {
		Type          string `json:"type"`
		PreTokenizers []any  `json:"pretokenizers"`
	}
	tjMetaspace struct {
		Type          string `json:"type"`
		Replacement   string `json:"replacement"`
		PrependScheme string `json:"prepend_scheme"`
		Split         bool   `json:"split"`
	}
	tjTemplate struct {
		Type          string                     `json:"type"`
		Single        []map[string]tjTemplateRef `json:"single"`
		Pair          []map[string]tjTemplateRef `json:"pair"`
		SpecialTokens map[string]tjTemplateSpec  `json:"special_tokens"`
	}
	tjTemplateRef struct {
		ID     string `json:"id"`
		TypeID int    `json:"type_id"`
	}
	tjTemplateSpec struct {
		ID     string   `json:"id"`
		IDs    []int    `json:"ids"`
		Tokens []string `json:"tokens"`
	}
	tjUnigram struct {
		Type         string          `json:"type"`
		UnkID        int             `json:"unk_id"`
		Vocab        json.RawMessage `json:"vocab"`
		ByteFallback bool            `json:"byte_fallback"`
	}
)

// appendVocabJSON writes the Unigram vocabulary, [[piece, score], ...],
// directly: 128,000 entries through encoding/json would take most of the
// conversion time.
func appendVocabJSON(b []byte, pieces []spmPiece) []byte {
	b = append(b, '[')
	for i, p := range pieces {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = appendJSONString(b, p.piece)
		b = append(b, ',')
		b = appendJSONFloat(b, float64(p.score))
		b = append(b, ']')
	}
	return append(b, ']')
}

// appendJSONString quotes s, which is valid UTF-8, as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// appendJSONFloat writes a finite float the way encoding/json does.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, 64)
}

// tokenizerJSON builds the converter's tokenizer.json (see ConvertSentencePiece).
func (m *spmModel) tokenizerJSON(cfg *spmConfig) (*tjFile, error) {
	ids := m.ids
	vocab := appendVocabJSON(make([]byte, 0, 40*len(m.pieces)), m.pieces)
	cls, okC := ids["[CLS]"]
	sep, okS := ids["[SEP]"]
	if !okC || !okS {
		return nil, invalid("spm.model pieces", nil, "no [CLS] or [SEP] piece for the DeBERTa template")
	}
	added, err := m.addedTokens(cfg, ids)
	if err != nil {
		return nil, err
	}
	metaspace := tjMetaspace{Type: "Metaspace", Replacement: "\u2581", PrependScheme: "always", Split: true}
	tj := &tjFile{
		Version:       "1.0",
		AddedTokens:   added,
		Normalizer:    tjSequence{Type: "Sequence", Normalizers: m.normalizers(cfg)},
		PreTokenizer:  tjPreSequence{Type: "Sequence"},
		PostProcessor: debertaTemplate(cls, sep),
		Decoder:       metaspace,
		Model:         tjUnigram{Type: "Unigram", UnkID: int(m.unkID), Vocab: vocab},
	}
	if cfg.splitByPunct {
		tj.PreTokenizer.PreTokenizers = append(tj.PreTokenizer.PreTokenizers, map[string]string{"type": "Punctuation", "behavior": "Isolated"})
	}
	tj.PreTokenizer.PreTokenizers = append(tj.PreTokenizer.PreTokenizers, metaspace)
	return tj, nil
}

func (m *spmModel) normalizers(cfg *spmConfig) []any {
	var ns []any
	if cfg.lowerCase {
		ns = append(ns, map[string]string{"type": "Lowercase"})
	}
	ns = append(ns, map[string]any{"type": "Strip", "strip_left": true, "strip_right": true})
	if len(m.charsmap) > 0 {
		ns = append(ns, map[string]string{"type": "Precompiled", "precompiled_charsmap": base64.StdEncoding.EncodeToString(m.charsmap)})
	}
	return append(ns, map[string]any{"type": "Replace", "pattern": map[string]string{"Regex": " {2,}"}, "content": " "})
}

func debertaTemplate(cls, sep int) tjTemplate {
	sp := func(tok string, typeID int) map[string]tjTemplateRef {
		return map[string]tjTemplateRef{"SpecialToken": {tok, typeID}}
	}
	seq := func(id string, typeID int) map[string]tjTemplateRef {
		return map[string]tjTemplateRef{"Sequence": {id, typeID}}
	}
	return tjTemplate{
		Type:   "TemplateProcessing",
		Single: []map[string]tjTemplateRef{sp("[CLS]", 0), seq("A", 0), sp("[SEP]", 0)},
		Pair:   []map[string]tjTemplateRef{sp("[CLS]", 0), seq("A", 0), sp("[SEP]", 0), seq("B", 1), sp("[SEP]", 1)},
		SpecialTokens: map[string]tjTemplateSpec{
			"[CLS]": {"[CLS]", []int{cls}, []string{"[CLS]"}},
			"[SEP]": {"[SEP]", []int{sep}, []string{"[SEP]"}},
		},
	}
}

// addedTokens lists the added tokens in id order: the converter's, then the
// options'.
func (m *spmModel) addedTokens(cfg *spmConfig, ids map[string]int) ([]tjAddedToken, error) {
	var out []tjAddedToken
	byContent := map[string]int{} // index in out
	byID := map[int]string{}
	next := len(m.pieces)
	add := func(t tjAddedToken) {
		byContent[t.Content] = len(out)
		byID[t.ID] = t.Content
		out = append(out, t)
	}
	for i, p := range m.pieces {
		if p.typ == spmControl || p.typ == spmUserDefined {
			add(tjAddedToken{ID: i, Content: p.piece, Special: p.typ == spmControl})
		}
	}
	if id, ok := ids["[UNK]"]; ok {
		if _, dup := byContent["[UNK]"]; !dup {
			add(tjAddedToken{ID: id, Content: "[UNK]", Special: true, Normalized: true})
		}
	}
	plain := func(tok string, special, normalized bool) {
		if _, dup := byContent[tok]; dup {
			return
		}
		id, ok := ids[tok]
		if !ok {
			id = next
			next++
		}
		add(tjAddedToken{ID: id, Content: tok, Special: special, Normalized: normalized})
	}
	plain("[MASK]", true, false)
	for _, tok := range cfg.extra {
		if tok == "" {
			return nil, invalid("added tokens", nil, "empty added token")
		}
		plain(tok, false, true)
	}
	for _, s := range cfg.specs {
		if err := applySpec(&out, byContent, byID, ids, s); err != nil {
			return nil, err
		}
	}
	for _, s := range cfg.plainIDs {
		if _, dup := byContent[s.Content]; dup {
			continue
		}
		if err := applySpec(&out, byContent, byID, ids, s); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(out, func(a, b tjAddedToken) int { return a.ID - b.ID })
	return out, nil
}

// applySpec adds an explicit added token or updates the flags of an existing
// one, checking that ids and contents agree.
func applySpec(out *[]tjAddedToken, byContent map[string]int, byID map[int]string, ids map[string]int, s AddedTokenSpec) error {
	path := fmt.Sprintf("added token %q (id %d)", s.Content, s.ID)
	if s.Content == "" || s.ID < 0 {
		return invalid(path, nil, "empty content or negative id")
	}
	if id, ok := ids[s.Content]; ok && id != s.ID {
		return invalid(path, nil, "the vocabulary has it at id %d", id)
	}
	if c, ok := byID[s.ID]; ok && c != s.Content {
		return invalid(path, nil, "id already used by %q", c)
	}
	if s.ID < len(ids) && s.ID >= 0 {
		// An id inside the vocabulary must name that piece (checked above via
		// ids when the content is a piece).
		if _, ok := ids[s.Content]; !ok {
			return invalid(path, nil, "id is a vocabulary piece with other content")
		}
	}
	t := tjAddedToken{ID: s.ID, Content: s.Content, SingleWord: s.SingleWord, LStrip: s.LStrip, RStrip: s.RStrip, Normalized: s.Normalized, Special: s.Special}
	if i, ok := byContent[s.Content]; ok {
		if (*out)[i].ID != s.ID {
			return invalid(path, nil, "already added with id %d", (*out)[i].ID)
		}
		(*out)[i] = t
		return nil
	}
	byContent[s.Content] = len(*out)
	byID[s.ID] = s.Content
	*out = append(*out, t)
	return nil
}
