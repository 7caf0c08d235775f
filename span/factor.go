package span

import "fmt"

// FactorLogits computes the [W, K, C] logits of one text of a markerV0 span
// model from the factors of its head (internal/spanhead rewrites a published
// graph to output them): per-word start and end products A = W1a·relu(s)
// and B = W1b·relu(e) + b1, label factors Q = W2ᵀ·p and label biases
// c0 = b2·p. For the span of words w..w+k,
//
//	dst[(w·K + k)·C + c] = Σ_h relu(start[w·H + h] + end[(w+k)·H + h]) · labels[c·H + h] + bias[c]
//
// which is out_project(relu([s_w; e_{w+k}])) · p_c, the graph's logit, up
// to float rounding. Positions the graph masks (w+k ≥ numWords, including
// the padded starts w ≥ numWords) get the logits of the span (0, 0), as
// the graph gives them (it gathers masked spans at index 0); the decoder
// does not read them.
//
// start and end are [W, H], labels [C, H] with C = len(bias), dst [W, K, C]
// with K = maxWidth; scratch holds at least K·H values and is overwritten.
// Per word, the K hidden rows relu(A_w + B_{w+k}) are built in scratch and
// multiplied with the labels by [MatchLogits] (gonum's float32 BLAS), so
// FactorLogits does not allocate and runs on the calling goroutine. dst
// must not overlap the other slices.
//
// It panics with a "span: ..." message if the slices' lengths do not agree
// or numWords is outside [0, W].
func FactorLogits(dst, start, end, labels, bias, scratch []float32, numWords, maxWidth int) {
	c := len(bias)
	if c == 0 || maxWidth < 1 || len(labels)%c != 0 || len(labels) == 0 {
		panic(fmt.Sprintf("span: FactorLogits: %d label values are not %d rows, or maxWidth %d < 1", len(labels), c, maxWidth))
	}
	h := len(labels) / c
	w := len(start) / h
	switch {
	case len(start) != w*h || len(end) != len(start):
		panic(fmt.Sprintf("span: FactorLogits: start (%d) and end (%d) are not the same [W, %d]", len(start), len(end), h))
	case len(dst) != w*maxWidth*c:
		panic(fmt.Sprintf("span: FactorLogits: len(dst) = %d, want %d×%d×%d", len(dst), w, maxWidth, c))
	case len(scratch) < maxWidth*h:
		panic(fmt.Sprintf("span: FactorLogits: scratch holds %d values, want at least %d×%d", len(scratch), maxWidth, h))
	case numWords < 0 || numWords > w:
		panic(fmt.Sprintf("span: FactorLogits: numWords %d outside [0, %d]", numWords, w))
	case w == 0:
		return
	}
	f := factors{start: start, end: end, labels: labels, bias: bias, scratch: scratch, h: h, k: maxWidth}
	f.spans(dst[:c], 0, 1) // span (0, 0): the value of masked positions
	for i := range numWords {
		f.spans(dst[i*maxWidth*c:], i, min(maxWidth, numWords-i))
	}
	fillMasked(dst, w, numWords, maxWidth, c)
}

// factors are FactorLogits' operands.
type factors struct {
	start, end, labels, bias, scratch []float32
	h, k                              int
}

// spans writes the logits of the spans (i, i), ..., (i, i+n-1) to
// dst[0 : n·C].
func (f *factors) spans(dst []float32, i, n int) {
	h, c := f.h, len(f.bias)
	rows := f.scratch[:n*h]
	a := f.start[i*h : (i+1)*h]
	for k := range n {
		reluSum(rows[k*h:(k+1)*h], a, f.end[(i+k)*h:(i+k+1)*h])
	}
	out := dst[:n*c]
	MatchLogits(out, rows, f.labels, h)
	for r := 0; r < len(out); r += c {
		row := out[r : r+c]
		for j, b := range f.bias[:len(row)] {
			row[j] += b
		}
	}
}

// reluSum sets dst[i] = max(a[i] + b[i], 0), keeping NaN as torch's ReLU
// does.
func reluSum(dst, a, b []float32) {
	b = b[:len(a)]
	dst = dst[:len(a)]
	for i, x := range a {
		dst[i] = max(x+b[i], 0)
	}
}

// fillMasked copies the logits of span (0, 0), dst[0:c], to every position
// of a [W, K, C] tensor whose span the graph masks.
func fillMasked(dst []float32, w, numWords, maxWidth, c int) {
	for i := range w {
		for k := range maxWidth {
			if i+k >= numWords {
				copy(dst[(i*maxWidth+k)*c:(i*maxWidth+k+1)*c], dst[:c])
			}
		}
	}
}
