package gliner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/span"
	"github.com/gliner-go/gliner/tokenize"
)

// bioConfigFile is the Hugging Face model configuration of a token classifier.
const bioConfigFile = "config.json"

// defaultBIOMaxLength is the token limit of a token classifier whose folder
// states none (BERT's 512).
const defaultBIOMaxLength = 512

// bioModel holds a fixed-schema token-classification model (B-/I-/O tags).
type bioModel struct {
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

func (b *bioModel) close() error     { return nil }
func (b *bioModel) labels() []string { return slices.Clone(b.types) }

// bioConfig is the part of config.json a token classifier needs.
type bioConfig struct {
	ModelType             string          `json:"model_type"`
	ID2Label              json.RawMessage `json:"id2label"`
	MaxPositionEmbeddings int             `json:"max_position_embeddings"`
}

// readBIOConfig reads config.json and returns it with the tags in id order.
func readBIOConfig(dir string) (bioConfig, []string, error) {
	path := filepath.Join(dir, bioConfigFile)
	b, err := os.ReadFile(path)
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
// bioModel.checkLabels and runBIOBatch). Thresholds, WithNested and
// WithMultiLabel do not apply: the tags' argmax decides, as in the pipeline.
func openBIO(dir string, c openConfig) (*Model, error) {
	cfg, tagNames, err := readBIOConfig(dir)
	if err != nil {
		return nil, err
	}
	tags, err := span.NewTagSet(tagNames, span.DetectTagScheme(tagNames))
	if err != nil {
		return nil, &ConfigError{Path: filepath.Join(dir, bioConfigFile), Field: "id2label", Err: fmt.Errorf("%w: %w", ErrBadConfig, err)}
	}
	bm := &bioModel{tags: tags, agg: DefaultAggregation}
	if c.bio.aggregationSet {
		bm.agg = c.bio.aggregation
	}
	if bm.agg < span.AggregateNone || bm.agg > span.AggregateMax {
		return nil, fmt.Errorf("gliner: %w: unknown aggregation %v", ErrBadConfig, bm.agg)
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

	m := &Model{dir: dir, kind: KindBIO, logger: c.logger, batchSize: c.batchSize, longTexts: c.longTexts, bio: bm}
	m.cfg.ModelType = cfg.ModelType
	tok, err := tokenize.Load(dir)
	if err != nil {
		return nil, &ModelError{Dir: dir, File: "tokenizer", Err: err}
	}
	m.tok, m.padID, bm.tok = tok, int64(tok.PadID()), tok
	if err := bm.setWindows(dir, cfg, tok, c.bio); err != nil {
		return nil, err
	}
	m.maxTokens = bm.maxLen

	onnxPath, err := findONNX(dir, c)
	if err != nil {
		return nil, err
	}
	m.sess, err = encoder.Open(onnxPath, c.encoderOpt...)
	if err != nil {
		return nil, err
	}
	if err := m.checkBIOGraph(); err != nil {
		m.sess.Close()
		return nil, err
	}
	return m, nil
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
		return fmt.Errorf("gliner: %w: stride %d must be at least 0 and less than the window of %d text tokens", ErrBadConfig, b.stride, b.window)
	}
	return nil
}

// checkBIOGraph checks the graph against the token-classification contract
// (token_type_ids optional) and runs it once to check the number of tags.
func (m *Model) checkBIOGraph() error {
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
			m.bio.typeIDs = true
		}
	}
	if err := m.sess.Check(c); err != nil {
		return &ModelError{Dir: m.dir, Err: err}
	}
	enc := m.tok.Encode("a", false)
	logits, err := m.runBIOWindows(context.Background(), [][]int{m.bio.withSpecials(nil, enc.IDs)})
	if err != nil {
		return &ModelError{Dir: m.dir, Err: fmt.Errorf("%w: test run failed: %v", ErrMismatch, err)}
	}
	if n := int64(m.bio.tags.Len()); logits.Shape[2] != n {
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

// runBIOWindows runs the graph on windows of token ids (special tokens
// included), padded to the longest, and returns logits [len(windows), T, tags].
func (m *Model) runBIOWindows(ctx context.Context, windows [][]int) (encoder.Tensor, error) {
	B, T := len(windows), 0
	for _, w := range windows {
		T = max(T, len(w))
	}
	ids := make([]int64, B*T)
	attn := make([]int64, B*T)
	for b, w := range windows {
		row := ids[b*T : (b+1)*T]
		for t := range row {
			row[t] = m.padID
		}
		for t, id := range w {
			row[t] = int64(id)
			attn[b*T+t] = 1
		}
	}
	shape := []int64{int64(B), int64(T)}
	in := []encoder.Tensor{
		{Name: "input_ids", Type: encoder.Int64, Shape: shape, Int64: ids},
		{Name: "attention_mask", Type: encoder.Int64, Shape: shape, Int64: attn},
	}
	if m.bio.typeIDs {
		in = append(in, encoder.Tensor{Name: "token_type_ids", Type: encoder.Int64, Shape: shape, Int64: make([]int64, B*T)})
	}
	outs, err := m.sess.Run(ctx, in)
	if err != nil {
		return encoder.Tensor{}, err
	}
	for _, o := range outs {
		if o.Name != "logits" {
			continue
		}
		if len(o.Shape) != 3 || o.Shape[0] != int64(B) || o.Shape[1] != int64(T) || o.Shape[2] < 1 {
			return o, fmt.Errorf("%w: logits of %d windows of %d tokens have shape %v", ErrMismatch, B, T, o.Shape)
		}
		return o, nil
	}
	return encoder.Tensor{}, fmt.Errorf("%w: the graph returned no logits", ErrMismatch)
}

// bioText is one text of a batch being decoded.
type bioText struct {
	enc      tokenize.Encoding // text tokens, no special tokens
	runeOf   []int             // byte offset -> code point offset (at rune starts and len)
	byteOf   []int             // code point offset -> byte offset
	wordIDs  []int             // per text token: word id, -1 for special added tokens
	offsets  []span.Offset     // per text token: code-point range
	windows  []span.Window
	spans    []span.Offset // token ranges of the windows
	firstRow int           // index of the text's first window in the batch's windows
}

// runBIOBatch is runBatch for token-classification models, following Hugging
// Face's token-classification pipeline: each text is encoded as plain text
// (special tokens around it); a text with more tokens than fit in
// model_max_length is cut into overlapping windows (the pipeline's stride:
// window = model_max_length minus the special tokens, consecutive windows
// share stride tokens) instead of being truncated, unless long texts are
// refused (ErrTextTooLong). Windows run through the graph at most batchSize
// at a time; each is decoded with the aggregation strategy, entities of
// ignored type O dropped, and the windows' entities merged as the pipeline
// merges strided chunks (span.BIODecoder, in code points). Entities of the
// requested types are kept, labelled with the caller's spelling, with byte
// and code-point offsets and the pipeline's score (the tag probability,
// averaged over grouped tokens or words).
func (m *Model) runBIOBatch(ctx context.Context, texts []string, idx []int, labels, _ []string, _ span.Options, out [][]Entity) error {
	b := m.bio
	want := make(map[int]string, len(labels)) // type index -> caller's label
	for _, l := range labels {
		t, ok := b.typeOf(l)
		if !ok {
			return fmt.Errorf("%w: %q is not an entity type of this token-classification model (its types: %s)", ErrLabel, l, strings.Join(b.types, ", "))
		}
		if _, dup := want[t]; !dup {
			want[t] = l
		}
	}
	items := make([]bioText, len(idx))
	var all [][]int // every window's ids, specials included
	for j, i := range idx {
		it := &items[j]
		b.prepare(it, texts[i])
		if len(it.spans) > 1 && m.longTexts == RefuseLongTexts {
			return fmt.Errorf("%w: text %d has %d tokens, more than the model's %d", ErrTextTooLong, i, it.enc.Len(), b.window)
		}
		it.firstRow = len(all)
		for _, s := range it.spans {
			all = append(all, b.withSpecials(nil, it.enc.IDs[s.Start:s.End]))
		}
	}
	logits := make([][]float32, len(all)) // per window: [len(window), tags]
	n := b.tags.Len()
	for lo := 0; lo < len(all); lo += m.batchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := all[lo:min(lo+m.batchSize, len(all))]
		t, err := m.runBIOWindows(ctx, chunk)
		if err != nil {
			return err
		}
		if t.Shape[2] != int64(n) {
			return fmt.Errorf("%w: the graph gives %d logits per token, want %d", ErrMismatch, t.Shape[2], n)
		}
		T := int(t.Shape[1])
		for k, w := range chunk {
			logits[lo+k] = t.Float32[k*T*n : (k*T+len(w))*n]
		}
	}
	d := b.decoders.Get().(*span.BIODecoder)
	defer b.decoders.Put(d)
	var ents []span.BIOEntity
	for j, i := range idx {
		it := &items[j]
		b.windowsOf(it, logits[it.firstRow:it.firstRow+len(it.spans)])
		var err error
		ents, err = d.Decode(ents[:0], b.tags, it.windows, span.BIOOptions{Aggregation: b.agg})
		if err != nil {
			return fmt.Errorf("gliner: text %d: %w", i, err)
		}
		res := make([]Entity, 0, len(ents))
		for _, e := range ents {
			label, ok := want[e.Type]
			if !ok {
				continue
			}
			bs, be := it.byteOf[e.Start], it.byteOf[e.End]
			res = append(res, Entity{Label: label, Score: float64(e.Score), Text: texts[i][bs:be],
				Start: bs, End: be, RuneStart: e.Start, RuneEnd: e.End})
		}
		sort.SliceStable(res, func(a, c int) bool { return res[a].Start < res[c].Start })
		out[i] = res
	}
	return nil
}

// prepare tokenizes a text and splits its tokens into windows.
func (b *bioModel) prepare(it *bioText, text string) {
	it.runeOf = make([]int, len(text)+1)
	it.byteOf = make([]int, 0, len(text)+1)
	r := 0
	for i := range text {
		it.runeOf[i] = r
		it.byteOf = append(it.byteOf, i)
		r++
	}
	it.runeOf[len(text)] = r
	it.byteOf = append(it.byteOf, len(text))
	// runeOf of a byte inside a rune is that rune's (offsets never fall there).
	for i := 1; i < len(text); i++ {
		if !utf8.RuneStart(text[i]) {
			it.runeOf[i] = it.runeOf[i-1]
		}
	}
	it.enc = b.tok.Encode(text, false)
	it.wordIDs = make([]int, it.enc.Len())
	it.offsets = make([]span.Offset, it.enc.Len())
	for t := range it.enc.IDs {
		it.wordIDs[t] = it.enc.WordIDs[t]
		if it.enc.Special[t] {
			it.wordIDs[t] = -1 // the pipeline skips special tokens
		}
		o := it.enc.Offsets[t]
		it.offsets[t] = span.Offset{Start: it.runeOf[o.Start], End: it.runeOf[o.End]}
	}
	it.spans = span.TokenWindows(nil, it.enc.Len(), b.window, b.stride)
}

// windowsOf builds the decoder windows of a text from its windows' logits:
// the special tokens around each window get word id -1.
func (b *bioModel) windowsOf(it *bioText, logits [][]float32) {
	it.windows = it.windows[:0]
	nl, nt := len(b.lead), len(b.trail)
	for k, s := range it.spans {
		L := nl + (s.End - s.Start) + nt
		w := span.Window{Logits: logits[k], WordIDs: make([]int, L), Offsets: make([]span.Offset, L), FirstToken: s.Start - nl}
		for t := range w.WordIDs {
			w.WordIDs[t] = -1
		}
		copy(w.WordIDs[nl:], it.wordIDs[s.Start:s.End])
		copy(w.Offsets[nl:], it.offsets[s.Start:s.End])
		it.windows = append(it.windows, w)
	}
}
