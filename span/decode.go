package span

import (
	"cmp"
	"fmt"
	"slices"
)

// Span is one decoded entity candidate: words Start..End (both inclusive, as
// in the reference's Span, whose docstring wrongly calls End exclusive), the
// class (label column) and the score.
//
// Score is the float32 probability itself, exactly the value torch produces;
// the reference's Python float is that value widened, so float64(Score)
// reproduces it.
type Span struct {
	Start, End int
	Class      int
	Score      float32
}

// TextRange returns the text range of the span from the ranges of the
// text's words (docs/reference.md §5.3): the start of word Start to the end of word End.
// It panics (index out of range) if words has fewer than End+1 entries.
func (s Span) TextRange(words []Offset) Offset {
	return Offset{words[s.Start].Start, words[s.End].End}
}

// Options control decoding. The zero value decodes nothing (no labels).
type Options struct {
	// Thresholds holds one threshold per label; its length is the number of
	// labels. A span of class c is kept if its probability is strictly above
	// Thresholds[c] (inside scores of token-level models need ≥, see
	// [Decoder.DecodeTokens]). Logit columns c ≥ len(Thresholds) (padded
	// classes of a batch) are ignored. Thresholds are rounded to float32
	// before the comparison, as torch does when it compares a float32 tensor
	// with a Python float.
	Thresholds []float64
	// Nested allows nested spans (the reference's flat_ner=False); crossing
	// spans still conflict.
	Nested bool
	// MultiLabel allows several classes on the same (Start, End).
	MultiLabel bool
	// KeepAll skips the conflict resolution: every candidate above its
	// threshold is returned, sorted by start, for a later [Decoder.Select]
	// over the candidates of several windows or label groups.
	KeepAll bool
}

// candidate is a span with its enumeration ordinal, the tie-breaker of the
// reference's stable sort.
type candidate struct {
	Span
	ord int
}

// Decoder decodes logits into spans, reusing its buffers across calls so
// that the steady state allocates nothing. The zero value is ready to use.
// A Decoder is not safe for concurrent use; use one per goroutine.
type Decoder struct {
	cands  []candidate
	kept   []candidate
	owner  []int32  // flat mode: kept span covering each word
	ends   []uint64 // nested mode: ends of the kept spans starting at each word
	thr    []float32
	cut    []float32 // per class: logits below cannot pass the threshold
	logits []float32 // DecodeMatched
}

// SetThresholds fills dst (length = number of labels) with the same
// threshold t and returns it, a helper for [Options.Thresholds].
func SetThresholds(dst []float64, t float64) []float64 {
	for i := range dst {
		dst[i] = t
	}
	return dst
}

// DecodeSpans decodes the span logits of one text and appends the kept spans
// to dst, sorted by start, returning the extended slice.
//
// logits is the [W, K, C] output of a batch of one text (W = len(logits)/(K·C)
// padded word positions, K = maxWidth, C = numClasses), numWords the text's
// word count n ≤ W. Following the reference (docs/reference.md §5.1–5.2): p =
// sigmoid(logit); a span (s, s+k, c) is a candidate if p > threshold_c,
// s+k < n and c < len(opts.Thresholds); candidates are sorted by descending
// score, ties in (s, k, c) order; a candidate is kept unless it conflicts
// with a kept one (flat: overlapping; nested: crossing; identical (Start,
// End): unless MultiLabel); the kept spans are stably sorted by Start.
//
// The probabilities are torch's, bit for bit: torch.sigmoid over the whole
// tensor computes all elements but the last len(logits) mod 16 with its
// vector kernel ([Sigmoid]) and those last ones with its scalar kernel
// ([SigmoidScalar]); DecodeSpans does the same. (A torch running the
// sigmoid on several threads has such a tail at the end of each thread's
// chunk too; those elements may then differ by 1 ulp.)
//
// It panics with a "span: ..." message on inconsistent shapes: maxWidth or
// numClasses < 1, len(logits) not a multiple of K·C, numWords outside
// [0, W], or more thresholds than classes.
func (d *Decoder) DecodeSpans(dst []Span, logits []float32, numWords, maxWidth, numClasses int, opts Options) []Span {
	return d.decodeSpansItem(dst, logits, numWords, maxWidth, numClasses, opts, len(logits)-len(logits)%16)
}

// DecodeSpansBatch decodes a [B, W, K, C] logits tensor, B = len(lengths),
// with the same options for every text. Result b (dst[b], reused when dst
// has room) holds the spans of text b. The sigmoid kernels are chosen as
// torch chooses them for the whole tensor (see [Decoder.DecodeSpans]). It
// panics like DecodeSpans.
func (d *Decoder) DecodeSpansBatch(dst [][]Span, logits []float32, lengths []int, maxWidth, numClasses int, opts Options) [][]Span {
	b := len(lengths)
	if b == 0 {
		return dst[:0]
	}
	if len(logits)%b != 0 {
		panic(fmt.Sprintf("span: %d logits do not split into %d texts", len(logits), b))
	}
	per := len(logits) / b
	tail := len(logits) - len(logits)%16
	dst = resizeBatch(dst, b)
	for i, n := range lengths {
		dst[i] = d.decodeSpansItem(dst[i][:0], logits[i*per:(i+1)*per], n, maxWidth, numClasses, opts, tail-i*per)
	}
	return dst
}

// decodeSpansItem is DecodeSpans for one item of a batch; logits from
// index scalarFrom on get torch's scalar sigmoid kernel.
func (d *Decoder) decodeSpansItem(dst []Span, logits []float32, numWords, maxWidth, numClasses int, opts Options, scalarFrom int) []Span {
	w := spanWords(len(logits), maxWidth, numClasses)
	if numWords < 0 || numWords > w {
		panic(fmt.Sprintf("span: numWords %d outside [0, %d]", numWords, w))
	}
	d.prepare(numClasses, opts)
	d.cands = d.cands[:0]
	numLabels := len(opts.Thresholds)
	cut, thr := d.cut[:numLabels], d.thr[:numLabels]
	for s := range numWords {
		for k := range min(maxWidth, numWords-s) {
			base := (s*maxWidth + k) * numClasses
			for c, x := range logits[base:][:numLabels] {
				if !(x >= cut[c]) { // cut is +Inf when nothing can pass; NaN fails
					continue
				}
				p := Sigmoid(x)
				if base+c >= scalarFrom {
					p = SigmoidScalar(x)
				}
				if p > thr[c] {
					d.cands = append(d.cands, candidate{Span{s, s + k, c, p}, len(d.cands)})
				}
			}
		}
	}
	return d.greedy(dst, numWords, opts)
}

// resizeBatch returns dst with length b, keeping the inner slices it has.
func resizeBatch(dst [][]Span, b int) [][]Span {
	if cap(dst) < b {
		dst = append(dst[:cap(dst)], make([][]Span, b-cap(dst))...)
	}
	return dst[:b]
}

// spanWords checks the [W, K, C] shape and returns W.
func spanWords(n, maxWidth, numClasses int) int {
	if maxWidth < 1 || numClasses < 1 {
		panic(fmt.Sprintf("span: maxWidth %d and numClasses %d must be ≥ 1", maxWidth, numClasses))
	}
	if n%(maxWidth*numClasses) != 0 {
		panic(fmt.Sprintf("span: %d logits are not a [W, %d, %d] tensor", n, maxWidth, numClasses))
	}
	return n / (maxWidth * numClasses)
}

// prepare converts the thresholds to float32 and precomputes their logit
// cut-offs.
func (d *Decoder) prepare(numClasses int, opts Options) {
	n := len(opts.Thresholds)
	if n > numClasses {
		panic(fmt.Sprintf("span: %d thresholds for %d classes", n, numClasses))
	}
	d.thr = slices.Grow(d.thr[:0], n)[:n]
	d.cut = slices.Grow(d.cut[:0], n)[:n]
	for c, t := range opts.Thresholds {
		d.thr[c] = float32(t)
		if c > 0 && d.thr[c] == d.thr[c-1] {
			d.cut[c] = d.cut[c-1]
			continue
		}
		d.cut[c] = cutoff(d.thr[c]) // +Inf when no logit can pass
	}
}

// greedy runs the reference's greedy search over d.cands and appends the
// kept spans to dst, sorted by start (ties: selection order).
func (d *Decoder) greedy(dst []Span, numWords int, opts Options) []Span {
	// 1. Stable sort by descending score: the ordinal breaks ties.
	slices.SortFunc(d.cands, func(a, b candidate) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.ord, b.ord)
	})
	// 2. Keep each candidate that conflicts with no kept span.
	d.kept = d.kept[:0]
	switch {
	case opts.KeepAll:
		d.kept = append(d.kept, d.cands...)
	case opts.Nested:
		d.keepNested(numWords, opts.MultiLabel)
	default:
		d.keepFlat(numWords, opts.MultiLabel)
	}
	// 3. Stable sort of the kept spans by start.
	for i := range d.kept {
		d.kept[i].ord = i
	}
	slices.SortFunc(d.kept, func(a, b candidate) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ord, b.ord)
	})
	for _, c := range d.kept {
		dst = append(dst, c.Span)
	}
	return dst
}

// keepFlat is step 2 of greedy for flat decoding. Kept spans are pairwise
// disjoint or identical, so owner[w] (the index of a kept span covering word
// w, or -1) decides conflicts in O(width): a candidate conflicts iff it
// covers an owned word whose span differs from it, or any owned word when
// MultiLabel is off.
func (d *Decoder) keepFlat(numWords int, multiLabel bool) {
	d.owner = slices.Grow(d.owner[:0], numWords)[:numWords]
	for i := range d.owner {
		d.owner[i] = -1
	}
	for _, c := range d.cands {
		if d.overlapsOwned(c.Span, multiLabel) {
			continue
		}
		for w := c.Start; w <= c.End; w++ {
			d.owner[w] = int32(len(d.kept))
		}
		d.kept = append(d.kept, c)
	}
}

func (d *Decoder) overlapsOwned(sp Span, multiLabel bool) bool {
	for w := sp.Start; w <= sp.End; w++ {
		o := d.owner[w]
		if o < 0 {
			continue
		}
		q := d.kept[o]
		if !multiLabel || q.Start != sp.Start || q.End != sp.End {
			return true
		}
	}
	return false
}

// keepNested is step 2 of greedy for nested decoding. When no candidate is
// wider than 64 words (always for span models), ends[q] has bit j set iff
// the span (q, q+j) is kept, and a candidate (s, e) conflicts iff the same
// span is kept (without MultiLabel), a span starting in [s-63, s) ends in
// [s, e), or a span starting in (s, e] ends after e; that is O(width) word
// masks per candidate. Wider candidates (token-level spans) fall back to
// comparing with every kept span.
func (d *Decoder) keepNested(numWords int, multiLabel bool) {
	widest := 0
	for _, c := range d.cands {
		widest = max(widest, c.End-c.Start+1)
	}
	if widest > 64 {
		for _, c := range d.cands {
			if !d.crossesKept(c.Span, multiLabel) {
				d.kept = append(d.kept, c)
			}
		}
		return
	}
	d.ends = slices.Grow(d.ends[:0], numWords)[:numWords]
	clear(d.ends)
	for _, c := range d.cands {
		if d.crossesEnds(c.Span, widest, multiLabel) {
			continue
		}
		d.ends[c.Start] |= 1 << (c.End - c.Start)
		d.kept = append(d.kept, c)
	}
}

// crossesEnds is the conflict test of keepNested on the end masks; spans
// are at most widest ≤ 64 words wide.
func (d *Decoder) crossesEnds(sp Span, widest int, multiLabel bool) bool {
	s, e := sp.Start, sp.End
	if !multiLabel && d.ends[s]&(1<<(e-s)) != 0 {
		return true
	}
	if e > s { // spans starting before s and ending in [s, e)
		for q := max(0, s-widest+1); q < s; q++ {
			lo, hi := s-q, min(e-1-q, 63) // bits lo..hi
			if lo <= hi && d.ends[q]&(^uint64(0)>>(63-hi))>>lo != 0 {
				return true
			}
		}
	}
	for q := s + 1; q <= e; q++ { // spans starting in (s, e] and ending after e
		if d.ends[q]>>(e+1-q) != 0 {
			return true
		}
	}
	return false
}

// crossesKept reports whether sp conflicts with a kept span in nested mode
// (has_overlapping_nested).
func (d *Decoder) crossesKept(sp Span, multiLabel bool) bool {
	for _, q := range d.kept {
		if q.Start == sp.Start && q.End == sp.End {
			if !multiLabel {
				return true
			}
			continue
		}
		disjoint := sp.Start > q.End || q.Start > sp.End
		nested := (sp.Start <= q.Start && sp.End >= q.End) || (q.Start <= sp.Start && q.End >= sp.End)
		if !disjoint && !nested {
			return true
		}
	}
	return false
}
