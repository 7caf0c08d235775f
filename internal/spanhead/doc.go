// Package spanhead recognises the markerV0 span head of a GLiNER span
// model's ONNX graph and rewrites the graph so that the per-span part of the
// head can be computed outside ONNX Runtime, factorised (see
// [span.FactorLogits]).
//
// # Overview
//
// The markerV0 head (the reference's SpanMarkerV0 followed by the label
// product) computes, for the span of words i..j and label c,
//
//	logit = out_project(relu([s_i; e_j])) · p_c
//	out_project(x) = W2 · relu(W1·x + b1) + b2
//
// with s and e the per-word start and end projections, p_c the label
// representation after prompt_rep_layer, W1 of shape [4D, 2D] and W2 of
// shape [D, 4D]. Splitting W1 into its start and end halves and folding W2
// into the labels gives the same logit as
//
//	relu(A_i + B_j) · Q_c + c0_c
//	A = W1a·relu(s), B = W1b·relu(e) + b1, Q = W2ᵀ·p, c0 = b2·p
//
// where A, B are per word (W rows, not W·K) and Q, c0 per label.
// [Recognise] finds the head by the graph's structure, whatever the
// initializers are called, and returns a [Head] whose rewritten graph has
// the outputs [OutputStart] (A, [B, W, H]), [OutputEnd] (B, [B, W, H]),
// [OutputLabels] (Q, [B, C, H]) and [OutputLabelBias] (c0, [B, C]), H = 4D.
// The dense products stay in ONNX Runtime; only the per-span sum, ReLU and
// label product are left to the caller.
//
// Two forms of the head are recognised:
//
//   - [FormEinsum], the reference export: Einsum("BLKD,BCD->BLKC") (or
//     MatMul with the transposed labels) of the reshaped out_project output,
//     out_project as MatMul/Gemm + Add, ReLU, MatMul/Gemm + Add, on the ReLU
//     of the Concat of the start and end GatherElements;
//   - [FormFolded], graphs that already apply W1 per word and fold W2 into
//     the labels but still build the [B, W·K, 4D] hidden layer (this
//     project's fixture and built-in models).
//
// The text graph of a matched bi-encoder ends in span_reps =
// out_project(relu([s_i; e_j])) instead of logits; the label vectors are
// multiplied in by the caller. [RecogniseReps] finds the same head there (in
// both forms) and returns a [RepsHead]: the graph rewritten to output only
// A and B, and out_project's last layer W2, b2 for the caller to fold into
// its label vectors (Q = W2·p, c0 = b2·p).
//
// The caller's file is never changed: the rewritten graph is new bytes.
//
// # Errors
//
// A graph whose head does not match gives a *[NotRecognisedError] (wrapping
// [ErrNotRecognised]) saying which step failed; a file that is not an ONNX
// model gives [ErrInvalidModel].
package spanhead
