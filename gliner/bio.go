package gliner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/span"
	"github.com/gliner-go/gliner/tokenize"
)

// bioConfigFile is the Hugging Face model configuration of a token classifier.
const bioConfigFile = "config.json"

// defaultBIOMaxLength is the token limit of a token classifier whose folder
// states none (BERT's 512).
const defaultBIOMaxLength = 512

// bioModel is the family of fixed-schema token-classification models
// (B-/I-/O tags). Its graph is the Model's.
type bioModel struct {
	m        *Model
	tok      tokenize.Tokenizer
	tags     *span.TagSet
	types    []string // entity types of the schema, in id2label order, without "O"
	typeIdx  []int    // tags.Type index of types[i]
	agg      span.Aggregation
	maxLen   int   // tokens per window, special tokens included
	window   int   // text tokens per window
	stride   int   // overlap of consecutive windows, in tokens
	lead     []int // special token ids before a window's text tokens ([CLS])
	trail    []int // special token ids after them ([SEP])
	typeIDs  bool  // the graph takes token_type_ids
	decoders sync.Pool
}

var _ family = (*bioModel)(nil)

func (b *bioModel) name() string     { return "bio" }
func (b *bioModel) close() error     { return nil } // the Model owns the graph
func (b *bioModel) schema() []string { return slices.Clone(b.types) }

// bioConfig is the part of config.json a token classifier needs.
type bioConfig struct {
	ModelType             string          `json:"model_type"`
	ID2Label              json.RawMessage `json:"id2label"`
	MaxPositionEmbeddings int             `json:"max_position_embeddings"`
}

// readBIOConfig reads config.json and returns it with the tags in id order.
func readBIOConfig(dir string) (bioConfig, []string, error) {
	path := filepath.Join(dir, bioConfigFile)
	b, err := readConfigFile(path)
	var ce *ConfigError
	if errors.As(err, &ce) {
		return bioConfig{}, nil, ce
	}
	if err != nil {
		return bioConfig{}, nil, &ModelError{Dir: dir, File: bioConfigFile, Err: err}
	}
	var c bioConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return c, nil, &ConfigError{Path: path, Err: fmt.Errorf("%w: %v", ErrBadConfig, err)}
	}
	bad := func(format string, args ...any) error {
		return &ConfigError{Path: path, Field: "id2label", Err: fmt.Errorf("%w: "+format, append([]any{ErrBadConfig}, args...)...)}
	}
	if len(c.ID2Label) == 0 || string(c.ID2Label) == "null" {
		return c, nil, bad("a token-classification config.json needs id2label (the model's tags)")
	}
	var m map[string]string
	if err := json.Unmarshal(c.ID2Label, &m); err != nil {
		return c, nil, bad("want an object of id → tag name: %v", err)
	}
	if len(m) == 0 {
		return c, nil, bad("no tags")
	}
	tags := make([]string, len(m))
	for k, v := range m {
		id, err := strconv.Atoi(k)
		if err != nil || id < 0 || id >= len(m) {
			return c, nil, bad("key %q is not an id in 0..%d", k, len(m)-1)
		}
		tags[id] = v
	}
	return c, tags, nil
}

// openBIO loads a fixed-schema token-classification model folder as Hugging
// Face tools export it (Open calls it for a folder with config.json and no
// gliner_config.json):
//
//   - config.json: id2label gives the tags ("0": "O", "1": "B-Disease", ...);
//     the tag scheme is detected (IOB2, IOB1 and plain tags; BIOES/BILOU if a
//     tag starts with S-, E-, U- or L-). A missing or malformed id2label is a
//     *ConfigError (Field "id2label") wrapping ErrBadConfig.
//   - the tokenizer (tokenize.Load: tokenizer.json, or spm.model); its token
//     limit is tokenizer_config.json's model_max_length, capped at
//     config.json's max_position_embeddings (minus 2 for RoBERTa-like
//     models), 512 if neither is given.
//   - the graph (model.onnx or onnx/model.onnx; WithVariant and WithONNXFile
//     apply): inputs input_ids, attention_mask and, if the graph has it,
//     token_type_ids (all int64 [batch, tokens]; token types are 0), output
//     logits float32 [batch, tokens, tags]. Other inputs are a contract
//     error; a test run checks the number of tags (ErrMismatch).
//
// Extract then keeps the entities of the requested types (see
// bioModel.checkLabels and bioCall.runBatch). Thresholds, WithNested and
// WithMultiLabel do not apply: the tags' argmax decides, as in the pipeline.
func openBIO(m *Model, c openConfig) (family, error) {
	dir := m.dir
	cfg, tagNames, err := readBIOConfig(dir)
	if err != nil {
		return nil, err
	}
	tags, err := span.NewTagSet(tagNames, span.DetectTagScheme(tagNames))
	if err != nil {
		return nil, &ConfigError{Path: filepath.Join(dir, bioConfigFile), Field: "id2label", Err: fmt.Errorf("%w: %w", ErrBadConfig, err)}
	}
	bm := &bioModel{m: m, tags: tags, agg: DefaultAggregation}
	if c.bio.aggregationSet {
		bm.agg = c.bio.aggregation
	}
	if bm.agg < span.AggregateNone || bm.agg > span.AggregateMax {
		return nil, fmt.Errorf("%w: unknown aggregation %v", ErrBadConfig, bm.agg)
	}
	bm.decoders.New = func() any { return new(span.BIODecoder) }
	for i := range tags.NumTypes() {
		if t := tags.Type(i); t != "O" {
			bm.types = append(bm.types, t)
			bm.typeIdx = append(bm.typeIdx, i)
		}
	}
	if len(bm.types) == 0 {
		return nil, &ConfigError{Path: filepath.Join(dir, bioConfigFile), Field: "id2label", Err: fmt.Errorf("%w: no entity type besides O", ErrBadConfig)}
	}
	m.cfg.ModelType = cfg.ModelType
	if err := m.loadTokenizer(); err != nil {
		return nil, err
	}
	bm.tok = m.tok
	if err := bm.setWindows(dir, cfg, m.tok, c.bio); err != nil {
		return nil, err
	}
	m.maxTokens = bm.maxLen

	onnxPath, err := findONNX(dir, c)
	if err != nil {
		return nil, err
	}
	if m.sess, err = encoder.Open(onnxPath, c.encoderOpt...); err != nil {
		return nil, err
	}
	if err := bm.checkGraph(); err != nil {
		m.sess.Close()
		m.sess = nil
		return nil, err
	}
	m.bio = bm
	return bm, nil
}

// setWindows sets the token limit, the window and stride sizes and the
// special tokens around each window.
func (b *bioModel) setWindows(dir string, cfg bioConfig, tok tokenize.Tokenizer, o bioOptions) error {
	b.maxLen = modelMaxLength(dir)
	if pos := cfg.MaxPositionEmbeddings; pos > 0 {
		switch cfg.ModelType {
		case "roberta", "xlm-roberta", "camembert":
			pos -= 2 // positions start after the padding index
		}
		if b.maxLen == 0 || b.maxLen > pos {
			b.maxLen = pos
		}
	}
	if b.maxLen <= 0 {
		b.maxLen = defaultBIOMaxLength
	}
	// The special tokens the post-processor puts around a single sequence.
	enc := tok.Encode("a", true)
	first, last := -1, -1
	for i := range enc.IDs {
		if !enc.Special[i] {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return &ModelError{Dir: dir, File: "tokenizer", Err: fmt.Errorf("%w: the tokenizer gives no token for %q", ErrMismatch, "a")}
	}
	b.lead, b.trail = slices.Clone(enc.IDs[:first]), slices.Clone(enc.IDs[last+1:])
	b.window = b.maxLen - len(b.lead) - len(b.trail)
	if b.window < 1 {
		return &ModelError{Dir: dir, File: tokenize.TokenizerConfigFile, Err: fmt.Errorf("%w: model_max_length %d leaves no room for text between %d special tokens", ErrBadConfig, b.maxLen, len(b.lead)+len(b.trail))}
	}
	b.stride = b.window / 4
	if o.strideSet {
		b.stride = o.stride
	}
	if b.stride < 0 || b.stride >= b.window {
		return fmt.Errorf("%w: stride %d must be at least 0 and less than the window of %d text tokens", ErrBadConfig, b.stride, b.window)
	}
	return nil
}

// checkBIOGraph checks the graph against the token-classification contract
// (token_type_ids optional) and runs it once to check the number of tags.
func (b *bioModel) checkGraph() error {
	m := b.m
	i64 := func(name string) encoder.TensorSpec {
		return encoder.TensorSpec{Name: name, Type: encoder.Int64, Shape: anyShape(2)}
	}
	c := encoder.Contract{
		Inputs:            []encoder.TensorSpec{i64("input_ids"), i64("attention_mask")},
		Outputs:           []encoder.TensorSpec{{Name: "logits", Type: encoder.Float32, Shape: anyShape(3)}},
		AllowExtraOutputs: true,
	}
	for _, in := range m.sess.Inputs() {
		if in.Name == "token_type_ids" {
			c.Inputs = append(c.Inputs, i64("token_type_ids"))
			b.typeIDs = true
		}
	}
	if err := m.sess.Check(c); err != nil {
		return &ModelError{Dir: m.dir, Err: err}
	}
	enc := m.tok.Encode("a", false)
	logits, err := b.runWindows(context.Background(), [][]int{b.withSpecials(nil, enc.IDs)})
	if err != nil {
		return &ModelError{Dir: m.dir, Err: fmt.Errorf("%w: test run failed: %v", ErrMismatch, err)}
	}
	if n := int64(b.tags.Len()); logits.Shape[2] != n {
		return &ModelError{Dir: m.dir, Err: fmt.Errorf("%w: the graph gives %d logits per token but config.json's id2label has %d tags", ErrMismatch, logits.Shape[2], n)}
	}
	return nil
}

// withSpecials appends lead + ids + trail to dst.
func (b *bioModel) withSpecials(dst, ids []int) []int {
	dst = append(dst, b.lead...)
	dst = append(dst, ids...)
	return append(dst, b.trail...)
}

// checkLabels maps requested labels to the model's entity types, case
// insensitively (an exact match wins), dropping repeats. A label that is
// no type of the schema is an error wrapping ErrLabel.
func (b *bioModel) checkLabels(labels []string) ([]string, error) {
	out := make([]string, 0, len(labels))
	for _, l := range labels {
		if tokenize.IsBlank(l) {
			return nil, fmt.Errorf("%w: empty label", ErrLabel)
		}
		if _, ok := b.typeOf(l); !ok {
			return nil, fmt.Errorf("%w: %q is not an entity type of this token-classification model (its types: %s)", ErrLabel, l, strings.Join(b.types, ", "))
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out, nil
}

// typeOf returns the TagSet type index of a label.
func (b *bioModel) typeOf(label string) (int, bool) {
	for i, t := range b.types {
		if t == label {
			return b.typeIdx[i], true
		}
	}
	for i, t := range b.types {
		if strings.EqualFold(t, label) {
			return b.typeIdx[i], true
		}
	}
	return 0, false
}
