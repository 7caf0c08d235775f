package span

import "fmt"

// MaxLen returns the largest value in lengths, or 0 for an empty slice. It is
// W, the number of word positions of a padded batch.
func MaxLen(lengths []int) int {
	w := 0
	for _, n := range lengths {
		w = max(w, n)
	}
	return w
}

// FillCandidates writes the span candidates of a batch the way the reference
// builds its span_idx and span_mask inputs.
//
// lengths holds the word count n_b of each text; W = [MaxLen](lengths) and K =
// maxWidth. spanIdx is the [B, W·K, 2] int64 tensor in row-major order: row
// s·K+k of item b is (s, s+k), end inclusive, for s < n_b, and (0, 0) for the
// padded starts s ≥ n_b. spanMask is the [B, W·K] bool tensor: true iff
// s < n_b and s+k < n_b. Rows whose end runs past the text keep their (s, s+k)
// indices but are masked, as in the reference.
//
// It panics with a "span: ..." message if len(spanIdx) != 2·B·W·K,
// len(spanMask) != B·W·K, maxWidth < 1 or a length is negative.
func FillCandidates(spanIdx []int64, spanMask []bool, lengths []int, maxWidth int) {
	if maxWidth < 1 {
		panic(fmt.Sprintf("span: maxWidth %d < 1", maxWidth))
	}
	w := MaxLen(lengths)
	rows := len(lengths) * w * maxWidth
	if len(spanIdx) != 2*rows || len(spanMask) != rows {
		panic(fmt.Sprintf("span: FillCandidates needs len(spanIdx)=%d and len(spanMask)=%d for %d texts, W=%d, K=%d; got %d and %d",
			2*rows, rows, len(lengths), w, maxWidth, len(spanIdx), len(spanMask)))
	}
	r := 0
	for _, n := range lengths {
		if n < 0 {
			panic(fmt.Sprintf("span: negative text length %d", n))
		}
		for s := range w {
			for k := range maxWidth {
				if s < n {
					spanIdx[2*r], spanIdx[2*r+1] = int64(s), int64(s+k)
					spanMask[r] = s+k < n
				} else {
					spanIdx[2*r], spanIdx[2*r+1] = 0, 0
					spanMask[r] = false
				}
				r++
			}
		}
	}
}
