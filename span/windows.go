package span

import (
	"cmp"
	"fmt"
	"slices"
)

// Long texts are cut into overlapping windows of words, each window is
// decoded with [Options.KeepAll], and the candidates of all windows are
// merged and resolved once:
//
//	plan := PlanWindows(nil, costs, breaks, maxWords, maxCost, overlap)
//	for each window w: cands = WindowSpans(cands, spansOf(w), plan[w], n)
//	kept := d.Select(nil, BestSpans(cands), n, opts)
//
// A span is taken only from windows that hold it away from a cut edge: a
// span touching the edge of a window inside the text may be an entity cut
// in two. With an overlap of at least maxWidth+1 words, every span of at
// most maxWidth words lies inside some window away from its cut edges, so
// an entity straddling a cut is found once, whole, from the window that
// holds it.

// PlanWindows cuts a text of len(costs) words into windows of words and
// appends them to dst as half-open word ranges, in order. costs[i] is the
// cost of word i (its sub-word count); a window has at most maxWords words
// and a total cost of at most maxCost, except that a word costing more
// than maxCost gets a window of its own. Consecutive windows share overlap
// words. A window ends preferably after a word i with breaks[i] set (a
// sentence end) in its second half; breaks may be nil. A window of fewer
// than 2·overlap words (words of high cost) shares only half its words with
// the next, so that every window advances by at least half a window. A text
// that fits gives one window [0, n); an empty text gives none.
//
// It panics with a "span: ..." message if maxWords < 1, overlap < 0 or
// breaks is neither nil nor as long as costs.
func PlanWindows(dst []Offset, costs []int, breaks []bool, maxWords, maxCost, overlap int) []Offset {
	n := len(costs)
	if maxWords < 1 || overlap < 0 || (breaks != nil && len(breaks) != n) {
		panic(fmt.Sprintf("span: PlanWindows: maxWords %d, overlap %d, %d breaks for %d words", maxWords, overlap, len(breaks), n))
	}
	for start := 0; start < n; {
		end := fitWords(costs, start, maxWords, maxCost)
		if end == n {
			return append(dst, Offset{start, n})
		}
		end = sentenceCut(breaks, start, end)
		dst = append(dst, Offset{start, end})
		start = max(end-min(overlap, (end-start)/2), start+1)
	}
	return dst
}

// fitWords returns the end of the longest window starting at start within
// the limits (at least one word).
func fitWords(costs []int, start, maxWords, maxCost int) int {
	end, sum := start, 0
	for end < len(costs) && end-start < maxWords && sum+costs[end] <= maxCost {
		sum += costs[end]
		end++
	}
	return max(end, start+1)
}

// sentenceCut moves the end of a window [start, end) back to the last
// sentence break of its second half, if any.
func sentenceCut(breaks []bool, start, end int) int {
	if breaks == nil {
		return end
	}
	for i := end; i > start+(end-start)/2; i-- {
		if breaks[i-1] {
			return i
		}
	}
	return end
}

// WindowSpans appends to dst the spans of window w of a text of numWords
// words, shifted from window word indices to text word indices, leaving out
// those that touch an edge of w inside the text (see PlanWindows).
func WindowSpans(dst, spans []Span, w Offset, numWords int) []Span {
	for _, s := range spans {
		s.Start += w.Start
		s.End += w.Start
		if (w.Start > 0 && s.Start == w.Start) || (w.End < numWords && s.End == w.End-1) {
			continue
		}
		dst = append(dst, s)
	}
	return dst
}

// BestSpans sorts spans by (Start, End, Class) and keeps one span per
// (Start, End, Class), the one with the highest score. It works in place
// and returns the shortened slice.
func BestSpans(spans []Span) []Span {
	slices.SortFunc(spans, func(a, b Span) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		if c := cmp.Compare(a.End, b.End); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Class, b.Class); c != 0 {
			return c
		}
		return cmp.Compare(b.Score, a.Score) // best first
	})
	return slices.CompactFunc(spans, func(a, b Span) bool {
		return a.Start == b.Start && a.End == b.End && a.Class == b.Class
	})
}

// Select runs the conflict resolution of decoding (flat or nested, with or
// without MultiLabel, as opts says; thresholds are not applied again) over
// candidates of a text of numWords words and appends the kept spans to
// dst, sorted by start. Candidates of equal score are taken in (Start, End,
// Class) order, the enumeration order of span models. It panics with a
// "span: ..." message if a candidate lies outside [0, numWords).
func (d *Decoder) Select(dst, cands []Span, numWords int, opts Options) []Span {
	d.cands = d.cands[:0]
	for _, s := range cands {
		if s.Start < 0 || s.End < s.Start || s.End >= numWords {
			panic(fmt.Sprintf("span: Select: span [%d, %d] outside %d words", s.Start, s.End, numWords))
		}
		d.cands = append(d.cands, candidate{s, 0})
	}
	slices.SortFunc(d.cands, func(a, b candidate) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		if c := cmp.Compare(a.End, b.End); c != 0 {
			return c
		}
		return cmp.Compare(a.Class, b.Class)
	})
	for i := range d.cands {
		d.cands[i].ord = i
	}
	opts.KeepAll = false
	return d.greedy(dst, numWords, opts)
}
