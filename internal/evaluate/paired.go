package evaluate

import "fmt"

// Paired is a paired bootstrap comparison of the micro F1 of two runs over
// the same documents: every resample draws the same documents for both.
// AWins, BWins and Ties are the shares of resamples in which A's F1 is
// higher, lower or equal; PAWins = AWins + Ties/2 (0.5 for a run compared
// with itself). DeltaF1 is F1(A) − F1(B) on all documents and Delta its
// 95% percentile interval.
type Paired struct {
	A         string   `json:"a"`
	B         string   `json:"b"`
	Resamples int      `json:"resamples"`
	Seed      uint64   `json:"seed"`
	DeltaF1   float64  `json:"delta_f1"`
	Delta     Interval `json:"delta_interval"`
	AWins     float64  `json:"a_wins"`
	BWins     float64  `json:"b_wins"`
	Ties      float64  `json:"ties"`
	PAWins    float64  `json:"p_a_wins"`
}

// PairedBootstrap compares two reports that kept their per-document counts
// ([Report.Documents]). It returns an error wrapping [ErrNoDocuments] when
// either has none and a [*DocumentsError] when their documents differ.
func PairedBootstrap(a, b *Report, resamples int, seed uint64) (*Paired, error) {
	if resamples < 1 {
		return nil, ErrResamples
	}
	for _, r := range []*Report{a, b} {
		if len(r.Documents) == 0 {
			return nil, fmt.Errorf("%w: report %q (rerun gliner eval with --bootstrap)", ErrNoDocuments, r.Name)
		}
	}
	if i := sameDocuments(a.Documents, b.Documents); i >= 0 {
		return nil, &DocumentsError{A: a.Name, B: b.Name, Index: i}
	}
	ta, tb := newCountTable(a.Documents), newCountTable(b.Documents)
	out := &Paired{A: a.Name, B: b.Name, Resamples: resamples, Seed: seed}
	out.DeltaF1 = ta.microF1(ta.all()) - tb.microF1(tb.all())
	rng := newRand(seed)
	idx := make([]int, len(a.Documents))
	deltas := make([]float64, 0, resamples)
	for range resamples {
		for i := range idx {
			idx[i] = rng.IntN(len(idx))
		}
		fa, fb := ta.microF1(idx), tb.microF1(idx)
		switch {
		case fa > fb:
			out.AWins++
		case fa < fb:
			out.BWins++
		default:
			out.Ties++
		}
		deltas = append(deltas, fa-fb)
	}
	n := float64(resamples)
	out.AWins, out.BWins, out.Ties = out.AWins/n, out.BWins/n, out.Ties/n
	out.PAWins = out.AWins + out.Ties/2
	out.Delta = percentileInterval(deltas)
	return out, nil
}

// all returns the indices of every document.
func (t countTable) all() []int {
	idx := make([]int, len(t.rows))
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// microF1 pools the counts of the documents idx (with repeats) and returns
// their micro F1.
func (t countTable) microF1(idx []int) float64 {
	var total Counts
	for _, i := range idx {
		for _, c := range t.rows[i] {
			total.add(c)
		}
	}
	return total.PRF().F1
}
