package gliner

import "github.com/gliner-go/gliner/span"

// bioOptions are the [Open] settings of fixed-schema token classifiers
// (ignored for GLiNER models).
type bioOptions struct {
	aggregation    span.Aggregation
	aggregationSet bool
	stride         int // overlap in tokens, when strideSet
	strideSet      bool
}

// DefaultAggregation is the aggregation strategy of token-classification
// (BIO) models unless [WithAggregation] says otherwise: "simple", the
// strategy Hugging Face's examples and model cards use with the
// token-classification pipeline.
const DefaultAggregation = span.AggregateSimple

// WithAggregation sets how a token-classification (BIO) model's per-token
// tags become entities, with the semantics of Hugging Face's
// token-classification pipeline (see [span.Aggregation]): none (one entity per
// tagged token), simple (the default), first, average or max. Strategy none
// cannot merge the overlapping windows of a text longer than the model's
// token limit, so Extract then fails with an error wrapping
// [span.ErrAggregation], as the pipeline does. GLiNER models ignore it.
func WithAggregation(a span.Aggregation) Option {
	return func(c *openConfig) { c.bio.aggregation, c.bio.aggregationSet = a, true }
}

// WithStride sets the overlap, in tokens, between consecutive windows of a
// text longer than a token-classification (BIO) model's limit
// (model_max_length), the pipeline's stride. The default is a quarter of the
// window. Open fails with [ErrBadConfig] unless 0 ≤ stride < the window size
// (model_max_length minus the special tokens). GLiNER models ignore it.
func WithStride(tokens int) Option {
	return func(c *openConfig) { c.bio.stride, c.bio.strideSet = tokens, true }
}
