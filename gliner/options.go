package gliner

import (
	"log/slog"

	"github.com/gliner-go/gliner/encoder"
)

// Option configures [Open] and [OpenDefault].
type Option func(*openConfig)

type openConfig struct {
	onnxFile   string // relative to the model folder; "" = find by variant
	variant    string // "" = fp32
	longTexts  LongTextPolicy
	logger     *slog.Logger
	batchSize  int
	encoderOpt []encoder.Option
	spanKernel SpanKernel // factor.go
	bi         biOptions  // bi-encoder label cache (cache.go)
	bio        bioOptions // token classifiers (bio_options.go)
}

// LongTextPolicy says what happens to a text longer than the model's
// max_len words (or, for encoders with a token limit, longer than that).
type LongTextPolicy int

const (
	// TruncateLongTexts keeps the first max_len words, as the reference
	// does, and logs a warning naming the text's length. Entities beyond the
	// cut are not found.
	TruncateLongTexts LongTextPolicy = iota
	// RefuseLongTexts makes Extract fail with [ErrTextTooLong].
	RefuseLongTexts
)

// String returns "truncate" or "refuse".
func (p LongTextPolicy) String() string {
	if p == RefuseLongTexts {
		return "refuse"
	}
	return "truncate"
}

// WithLongTexts sets the policy for texts longer than the model's limit
// (default TruncateLongTexts, the reference's behaviour).
func WithLongTexts(p LongTextPolicy) Option { return func(c *openConfig) { c.longTexts = p } }

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

// WithBatchSize sets how many texts ExtractBatch sends to the model at once
// (default 8, as the reference's inference). Token-classification (BIO)
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
}

func newExtractConfig(opts []ExtractOption) extractConfig {
	c := extractConfig{threshold: 0.5}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithThreshold sets the score a span must exceed to be kept (default 0.5).
func WithThreshold(t float64) ExtractOption { return func(c *extractConfig) { c.threshold = t } }

// WithLabelThreshold sets the threshold of one label, overriding
// WithThreshold for it.
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
