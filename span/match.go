package span

import (
	"fmt"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Panel sizes of MatchLogits. gonum's Sgemm runs serially, without
// allocating, when an operand spans fewer than 4 of its 64×64 blocks; panels
// of 16 span rows × 192 labels stay below that and keep the label panel
// (192×D floats) in L2 cache while 16 span rows stream past it.
const (
	panelRows   = 16
	panelLabels = 192
)

// MatchLogits computes the bi-encoder span–label logits
//
//	dst[i·C + c] = Σ_d spanReps[i·D + d] · labels[c·D + d]
//
// that is dst = spanReps · labelsᵀ for spanReps [N, D] (N = W·K span
// representations, D = dim) and labels [C, D] (label embeddings after the
// prompt MLP), giving dst [N, C], the [W, K, C] logits [Decoder.DecodeSpans]
// takes.
//
// The products run on gonum's float32 BLAS (blas32.Gemm, A·Bᵀ, whose inner
// loop is a SIMD dot product), in panels small enough for gonum to run
// them on the calling goroutine without allocating. float32 accumulation is
// what the reference's torch einsum does; the result differs from an exact
// sum by about 1e-7·Σ|products| (checked in the tests against a float64
// loop). MatchLogits is single-threaded: callers parallelize across texts.
//
// It panics with a "span: ..." message if dim < 1, len(spanReps) or
// len(labels) is not a multiple of dim, or len(dst) != N·C.
func MatchLogits(dst, spanReps, labels []float32, dim int) {
	if dim < 1 || len(spanReps)%dim != 0 || len(labels)%dim != 0 {
		panic(fmt.Sprintf("span: MatchLogits: %d span and %d label values are not rows of dim %d", len(spanReps), len(labels), dim))
	}
	n, c := len(spanReps)/dim, len(labels)/dim
	if len(dst) != n*c {
		panic(fmt.Sprintf("span: MatchLogits: len(dst) = %d, want %d×%d = %d", len(dst), n, c, n*c))
	}
	for i := 0; i < n; i += panelRows {
		r := min(panelRows, n-i)
		a := blas32.General{Rows: r, Cols: dim, Stride: dim, Data: spanReps[i*dim : (i+r)*dim]}
		for j := 0; j < c; j += panelLabels {
			m := min(panelLabels, c-j)
			b := blas32.General{Rows: m, Cols: dim, Stride: dim, Data: labels[j*dim : (j+m)*dim]}
			out := blas32.General{Rows: r, Cols: m, Stride: c, Data: dst[i*c+j : (i+r-1)*c+j+m]}
			blas32.Gemm(blas.NoTrans, blas.Trans, 1, a, b, 0, out)
		}
	}
}

// DecodeMatched computes the logits of one text with [MatchLogits] into a
// buffer the Decoder owns and decodes them with [Decoder.DecodeSpans]:
// spanReps is [W·K, D] (W = len(spanReps)/(maxWidth·dim)), labels [C, D].
// The number of labels C must be at least len(opts.Thresholds). It panics
// like MatchLogits and DecodeSpans.
func (d *Decoder) DecodeMatched(dst []Span, spanReps, labels []float32, dim, numWords, maxWidth int, opts Options) []Span {
	if dim < 1 || len(spanReps)%dim != 0 || len(labels)%dim != 0 || len(labels) == 0 {
		panic(fmt.Sprintf("span: DecodeMatched: %d span and %d label values are not rows of dim %d", len(spanReps), len(labels), dim))
	}
	n := len(spanReps) / dim * (len(labels) / dim)
	d.logits = slices.Grow(d.logits[:0], n)[:n]
	MatchLogits(d.logits, spanReps, labels, dim)
	return d.DecodeSpans(dst, d.logits, numWords, maxWidth, len(labels)/dim, opts)
}
