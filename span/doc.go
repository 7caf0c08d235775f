// Package span turns model outputs into entity spans: it builds the span
// candidates GLiNER span models take as input, decodes span-level and
// token-level GLiNER logits exactly as the reference Python package does,
// computes bi-encoder span–label logits with a BLAS kernel, and decodes
// per-token logits of fixed-schema (BIO) token classifiers the way Hugging
// Face's token-classification pipeline does.
//
// It is pure Go (it builds with CGO_ENABLED=0) and knows nothing of ONNX,
// tokenizers or the label strings of zero-shot models: classes are column
// indices, words are indices, and the caller maps them back to text.
//
// # Overview
//
// Span models (GLiNER span_mode "markerV0"):
//
//   - [FillCandidates] writes the span_idx / span_mask inputs.
//   - [Decoder.DecodeSpans] and [Decoder.DecodeSpansBatch] decode [B, W, K, C]
//     logits: sigmoid, strict per-class thresholds, the reference's greedy
//     search for flat, nested and multi-label decoding. [Span.TextRange]
//     maps a span to text offsets.
//   - [FactorLogits] computes the [W, K, C] logits of the markerV0 span head
//     from per-word and per-label factors (the factorised kernel that
//     internal/spanhead prepares graphs for): one sum, ReLU and label
//     product per span instead of out_project's two layers.
//
// Token-level models (span_mode "token_level"):
//
//   - [Decoder.DecodeTokens] and [Decoder.DecodeTokensBatch] decode start /
//     end / inside logits in either published layout ([TokenLayout]) with the
//     v0.2.17+ scoring (minimum of inside, start and end probabilities).
//
// Bi-encoder models:
//
//   - [MatchLogits] computes span–label logits, span representations times
//     label embeddings transposed, with gonum's float32 BLAS;
//     [Decoder.DecodeMatched] does that and decodes the result.
//
// Fixed-schema token classifiers:
//
//   - [NewTagSet] parses the model's id2label tags ([TagScheme]);
//     [BIODecoder.Decode] applies one of the pipeline's [Aggregation]
//     strategies over one or several overlapping [Window]s of tokens, which
//     [TokenWindows] lays out the way Hugging Face tokenizers split long
//     inputs with a stride.
//
// Numerics follow the reference implementations bit for bit where that
// was checkable: [Sigmoid] reproduces torch's vectorized float32 kernel
// (SLEEF's expf), which the reference applies to span logits;
// [SigmoidScalar] its scalar kernel (glibc's expf), which it applies to the
// strided start/end/inside views of token-level outputs; thresholds are
// compared in float32 as torch does; the BIO decoder's softmax, sums and
// means reproduce NumPy's float32 results.
// Scores are float32; widening them to float64 gives the Python floats the
// references report.
//
// # Concurrency
//
// Functions without a receiver are safe for concurrent use as long as their
// destination slices are not shared. [Decoder] and [BIODecoder] hold reusable
// scratch buffers and are not safe for concurrent use: give each goroutine
// its own (the zero value is ready to use). A [TagSet] is immutable and safe
// for concurrent use. MatchLogits and FactorLogits run on the calling
// goroutine only.
//
// # Invariants
//
// Destination-first functions write into, or append to, their first
// argument and retain neither it nor any input after returning.
//
//   - FillCandidates and MatchLogits write into slices that must have exactly
//     the documented length and must not overlap any input.
//   - Decode methods append to dst and return the extended slice, as append
//     does; dst must not overlap the logits or other inputs. Batch variants
//     reuse dst[b], truncated to length 0, for result b.
//   - In steady state (scratch grown by earlier calls, dst with room) the
//     decoders and MatchLogits allocate nothing (checked by the tests).
//
// Spans are word indices with End inclusive, as the reference's Span; they
// are sorted by Start, ties in selection order (higher score first). BIO
// entities of one window come in text order; after a multi-window merge they
// are sorted by Start.
//
// # Errors
//
// Shape mismatches are programmer errors: the functions panic with a
// message starting with "span: " that names the expected and actual sizes
// (as gonum's floats package does). Data values never cause a panic: NaN or
// infinite logits give no span or a score of 0 or 1. Invalid inputs that can
// come from a model folder or a user (an unusable tag list, an unknown
// aggregation name, strategy "none" over several windows) are returned as
// errors wrapping the sentinels [ErrTagSet] and [ErrAggregation].
package span
