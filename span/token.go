package span

import "fmt"

// TokenLayout names the memory layout of a token-level GLiNER model's
// output: three score planes (start, end, inside) over words and classes.
type TokenLayout int

const (
	// LayoutPositionLast is [B, W, C, 3], the layout of GLiNER 0.2.21 and
	// later: the last axis holds start, end and inside logits.
	LayoutPositionLast TokenLayout = iota
	// LayoutPositionFirst is [3, B, W, C], the layout of earlier exports:
	// three planes of start, end and inside logits.
	LayoutPositionFirst
)

// String returns the layout as a shape, e.g. "[B,W,C,3]".
func (l TokenLayout) String() string {
	switch l {
	case LayoutPositionLast:
		return "[B,W,C,3]"
	case LayoutPositionFirst:
		return "[3,B,W,C]"
	}
	return fmt.Sprintf("TokenLayout(%d)", int(l))
}

// tokenView addresses start (j=0), end (1) and inside (2) logits of one
// batch item.
type tokenView struct {
	logits []float32
	base   int // offset of item b, word 0, class 0, plane 0
	wordSt int // stride between words
	clsSt  int // stride between classes
	planeS int // stride between planes
}

func (v tokenView) at(w, c, j int) float32 {
	return v.logits[v.base+w*v.wordSt+c*v.clsSt+j*v.planeS]
}

// newTokenView checks the shape of a token-level output and returns the
// view of item b.
func newTokenView(logits []float32, layout TokenLayout, batch, b, numClasses int) (tokenView, int) {
	if batch < 1 || numClasses < 1 {
		panic(fmt.Sprintf("span: batch %d and numClasses %d must be ≥ 1", batch, numClasses))
	}
	per := 3 * batch * numClasses
	if len(logits)%per != 0 {
		panic(fmt.Sprintf("span: %d logits are not a token-level %v tensor with B=%d, C=%d", len(logits), layout, batch, numClasses))
	}
	w := len(logits) / per
	switch layout {
	case LayoutPositionLast:
		return tokenView{logits, b * w * numClasses * 3, numClasses * 3, 3, 1}, w
	case LayoutPositionFirst:
		return tokenView{logits, b * w * numClasses, numClasses, 1, batch * w * numClasses}, w
	}
	panic(fmt.Sprintf("span: unknown %v", layout))
}

// DecodeTokens decodes the output of a token-level model for a batch of one
// text (B = 1) with numWords words and appends the kept spans to dst.
//
// Following the reference's TokenDecoder (v0.2.17+, docs/reference.md §5.4), with p the
// [SigmoidScalar] of each logit and t_c the class threshold: a span (st, ed, c)
// is a candidate if p_start(st, c) > t_c, p_end(ed, c) > t_c, ed ≥ st and
// p_inside(w, c) ≥ t_c for every st ≤ w ≤ ed; its score is the minimum of
// those inside, start and end probabilities. Only positions < numWords are
// considered (the reference scores padded positions too) and there is no
// width limit. Candidates are enumerated in the reference's (st, c, ed)
// order, which breaks score ties in the greedy search; the search and its
// options are those of [Decoder.DecodeSpans]. A NaN inside probability
// rejects the span (the reference would keep it with a NaN score).
//
// The probabilities come from torch's scalar sigmoid kernel, not the vector
// one of span models: the reference permutes the [B, W, C, 3] output to
// [3, B, W, C] and applies torch.sigmoid to the strided start/end/inside
// views, which torch computes element by element. A position-first output
// is decoded as if it had been transposed to [B, W, C, 3] first, so both
// layouts give identical spans and scores.
//
// W = len(logits)/(3·C). It panics with a "span: ..." message on an
// inconsistent shape.
func (d *Decoder) DecodeTokens(dst []Span, logits []float32, layout TokenLayout, numWords, numClasses int, opts Options) []Span {
	return d.decodeTokensItem(dst, logits, layout, 1, 0, numWords, numClasses, opts)
}

// DecodeTokensBatch decodes a token-level output for B = len(lengths) texts
// with the same options; result b holds the spans of text b (dst[b] is
// reused when dst has room). It panics like [Decoder.DecodeTokens].
func (d *Decoder) DecodeTokensBatch(dst [][]Span, logits []float32, layout TokenLayout, lengths []int, numClasses int, opts Options) [][]Span {
	if len(lengths) == 0 {
		return dst[:0]
	}
	dst = resizeBatch(dst, len(lengths))
	for b, n := range lengths {
		dst[b] = d.decodeTokensItem(dst[b][:0], logits, layout, len(lengths), b, n, numClasses, opts)
	}
	return dst
}

func (d *Decoder) decodeTokensItem(dst []Span, logits []float32, layout TokenLayout, batch, b, numWords, numClasses int, opts Options) []Span {
	v, w := newTokenView(logits, layout, batch, b, numClasses)
	if numWords < 0 || numWords > w {
		panic(fmt.Sprintf("span: numWords %d outside [0, %d]", numWords, w))
	}
	d.prepare(numClasses, opts)
	d.cands = d.cands[:0]
	for st := range numWords {
		for c := range len(opts.Thresholds) {
			ps, ok := d.above(v.at(st, c, 0), c)
			if !ok {
				continue
			}
			d.extendToken(v, st, c, ps, numWords)
		}
	}
	return d.greedy(dst, numWords, opts)
}

// above returns the probability of logit x of class c and whether it is
// strictly above the class threshold.
func (d *Decoder) above(x float32, c int) (float32, bool) {
	if !(x >= d.cut[c]) {
		return 0, false
	}
	p := SigmoidScalar(x)
	return p, p > d.thr[c]
}

// extendToken emits the spans of class c starting at st, in ed order. The
// first inside probability below the threshold ends every longer span too.
func (d *Decoder) extendToken(v tokenView, st, c int, ps float32, numWords int) {
	run := ps
	for ed := st; ed < numWords; ed++ {
		pi := SigmoidScalar(v.at(ed, c, 2))
		if !(pi >= d.thr[c]) {
			return
		}
		run = min(run, pi)
		if pe, ok := d.above(v.at(ed, c, 1), c); ok {
			d.cands = append(d.cands, candidate{Span{st, ed, c, min(run, pe)}, len(d.cands)})
		}
	}
}
