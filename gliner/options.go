package gliner

import (
	"fmt"
	"log/slog"

	"github.com/gliner-go/gliner/encoder"
)

// Option configures [Open] and [OpenDefault].
type Option func(*openConfig)

type openConfig struct {
	onnxFile    string // relative to the model folder; "" = find by variant
	variant     string // "" = fp32
	longTexts   LongTextPolicy
	overlap     int // words; 0 = 2·max_width
	tokenLimit  int // 0 = DefaultTokenLimit
	logger      *slog.Logger
	batchSize   int
	encoderOpt  []encoder.Option
	spanKernel  SpanKernel // factor.go
	kernelCache string     // factor_file.go; "" = none
	bi          biOptions  // bi-encoder label cache (cache.go)
	bio         bioOptions // token classifiers (bio_options.go)

	outsideLinks bool // folder files may link outside the folder (folder.go)
}

// LongTextPolicy says what happens to a text longer than one model call
// takes: more than the model's max_len words, or more sub-words than the
// tokenizer's limit ([WithTokenLimit]) once the prompt is counted. Set it at
// [Open] with [WithLongTexts] and per call with [WithLongTextPolicy].
type LongTextPolicy int

const (
	// ChunkLongTexts, the default, cuts a long text into overlapping
	// windows of words (see [WithOverlap]), cut preferably at sentence
	// ends, runs each window and merges their entities: a span seen in two
	// windows keeps its best score, a span touching a cut edge of a window
	// is taken from the window that holds it whole, and the flat or nested
	// rules are applied once over the whole text. Offsets are into the
	// original text. A text that fits one window gives exactly the
	// entities of TruncateLongTexts. It also batches the labels of
	// uni-encoder models that do not fit one prompt (see
	// [Model.ExtractResults]).
	ChunkLongTexts LongTextPolicy = iota
	// TruncateLongTexts keeps the first max_len words (and, for
	// tokenizers with a limit, the first sub-words), as the reference
	// does, and logs a warning naming the text's length; entities beyond
	// the cut are not found. Labels always share one prompt, as in the
	// reference. [Result.DroppedWords] counts the words dropped.
	TruncateLongTexts
	// RefuseLongTexts makes the call fail with a *[LimitError] wrapping
	// [ErrTextTooLong], naming the text's size and the limit.
	RefuseLongTexts
)

// String returns "chunk", "truncate" or "refuse".
func (p LongTextPolicy) String() string {
	switch p {
	case ChunkLongTexts:
		return "chunk"
	case TruncateLongTexts:
		return "truncate"
	case RefuseLongTexts:
		return "refuse"
	}
	return fmt.Sprintf("LongTextPolicy(%d)", int(p))
}

// WithLongTexts sets the model's policy for long texts (default
// ChunkLongTexts); [WithLongTextPolicy] overrides it for one call.
// Token-classification (BIO) models always cut long texts into the
// pipeline's strided windows, unless they are refused.
func WithLongTexts(p LongTextPolicy) Option { return func(c *openConfig) { c.longTexts = p } }

// WithOverlap sets how many words consecutive windows of a chunked text
// share (default 2·max_width). Open fails with [ErrBadConfig] unless
// max_width < overlap ≤ max_len/2: with less, an entity cut by a window
// edge may be missed.
func WithOverlap(words int) Option { return func(c *openConfig) { c.overlap = words } }

// WithTokenLimit sets the most sub-words of one sequence (prompt, text and
// special tokens) for tokenizers whose tokenizer_config.json states no
// model_max_length, as DeBERTa-v3's (default [DefaultTokenLimit]); a stated
// limit always applies. Under ChunkLongTexts longer texts are cut into
// windows that fit. Open fails with [ErrBadConfig] if n < 64.
func WithTokenLimit(n int) Option { return func(c *openConfig) { c.tokenLimit = n } }

// WithONNXFile picks the graph file, relative to the model folder (for
// example "onnx/model_quantized.onnx"). By default Open looks for model.onnx
// and then onnx/model.onnx.
func WithONNXFile(rel string) Option { return func(c *openConfig) { c.onnxFile = rel } }

// WithVariant picks a published ONNX variant by name, one of [Variants]:
// "fp32" (the default: model.onnx or onnx/model.onnx), or "fp16", "int8",
// "uint8", "quantized", "q4", "q4f16", "bnb4", for which Open looks for
// model_<variant>.onnx and onnx/model_<variant>.onnx. An unknown name, or a
// folder without the variant, is a *[VariantError]. Quantized variants
// change scores (spec §10); float16 outputs are widened to float32.
func WithVariant(v string) Option { return func(c *openConfig) { c.variant = v } }

// WithLogger sets the logger for warnings (truncated texts, execution
// provider fallback). The default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *openConfig) {
		c.logger = l
		c.encoderOpt = append(c.encoderOpt, encoder.WithLogger(l))
	}
}

// DefaultBatchSize is the number of texts per model call when
// [WithBatchSize] is not given, and the default of the CLI's --batch and the
// Beam pipeline. It is 1, not the reference's 8: on 2 CPU cores one text
// per call was the fastest measured, for the built-in model (129 against
// 100 texts/s at 8 on abstracts, 919 against 785 on CoNLL sentences) and
// for a gliner_small-sized model with the factorised span kernel (6.17
// against 4.76 abstracts/s), with its lowest latency and memory (README,
// Benchmarks). Many cores or a GPU may favour larger batches; measure with
// `gliner bench --batch N`.
const DefaultBatchSize = 1

// WithBatchSize sets how many texts ExtractBatch sends to the model at once
// (default [DefaultBatchSize]). Texts are grouped by length, so a batch pads
// little. Token-classification (BIO)
// models cut texts longer than their token limit into windows; each window
// then counts as a text. Every model call is logged at level Debug (see
// [Model.ExtractBatch]).
func WithBatchSize(n int) Option { return func(c *openConfig) { c.batchSize = n } }

// WithEncoderOptions passes options to the ONNX Runtime session: threads,
// graph optimisation level, execution providers, the shared library path
// (see package encoder).
func WithEncoderOptions(opts ...encoder.Option) Option {
	return func(c *openConfig) { c.encoderOpt = append(c.encoderOpt, opts...) }
}

// ExtractOption configures one call of [Model.Extract] or [Model.ExtractBatch].
type ExtractOption func(*extractConfig)

type extractConfig struct {
	threshold  float64
	perLabel   map[string]float64
	nested     bool
	multiLabel bool
	labelSet   *LabelSet // bi.go
	longTexts  LongTextPolicy
	policySet  bool // longTexts overrides the model's policy
}

func newExtractConfig(opts []ExtractOption) extractConfig {
	c := extractConfig{threshold: 0.5}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithLongTextPolicy sets the long-text policy of one call, overriding
// the model's (see [WithLongTexts]).
func WithLongTextPolicy(p LongTextPolicy) ExtractOption {
	return func(c *extractConfig) { c.longTexts, c.policySet = p, true }
}

// WithThreshold sets the score a span must exceed to be kept (default
// 0.5). A threshold outside [0, 1] (or NaN) makes the call fail with an
// *[OptionError].
func WithThreshold(t float64) ExtractOption { return func(c *extractConfig) { c.threshold = t } }

// WithLabelThreshold sets the threshold of one label, overriding
// WithThreshold for it. The label must be one of the call's labels, and
// the threshold in [0, 1]; otherwise the call fails with an
// *[OptionError].
func WithLabelThreshold(label string, t float64) ExtractOption {
	return func(c *extractConfig) {
		if c.perLabel == nil {
			c.perLabel = map[string]float64{}
		}
		c.perLabel[label] = t
	}
}

// WithNested allows nested entities (the reference's flat_ner=False):
// an entity may contain another, but crossing entities still exclude each
// other.
func WithNested() ExtractOption { return func(c *extractConfig) { c.nested = true } }

// WithMultiLabel allows several labels on the same span.
func WithMultiLabel() ExtractOption { return func(c *extractConfig) { c.multiLabel = true } }
