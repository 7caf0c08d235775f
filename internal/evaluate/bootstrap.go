package evaluate

import (
	"errors"
	"fmt"
	"math/rand/v2"
)

// DefaultResamples is the number of bootstrap resamples the command line
// uses when --bootstrap is given without a number.
const DefaultResamples = 1000

// ConfidenceLevel is the coverage of the reported intervals: 95%, the
// 2.5th to the 97.5th percentile of the resampled values.
const ConfidenceLevel = 0.95

// ErrResamples is returned for a bootstrap with fewer than one resample.
var ErrResamples = errors.New("evaluate: bootstrap needs at least one resample")

// ErrNoDocuments is returned for a bootstrap over no documents, or over a
// report that kept no per-document counts.
var ErrNoDocuments = errors.New("evaluate: no per-document counts to resample")

// ErrDifferentDocuments is wrapped by [*DocumentsError].
var ErrDifferentDocuments = errors.New("evaluate: runs are over different documents")

// DocumentsError refuses to pair two runs whose documents differ: Index is
// the first position (0-based) where the document lists disagree.
type DocumentsError struct {
	A, B  string
	Index int
}

// Error names both runs and the first differing document.
func (e *DocumentsError) Error() string {
	return fmt.Sprintf("evaluate: runs %q and %q are over different documents (first difference at document %d); a paired comparison needs the same corpus and --limit", e.A, e.B, e.Index+1)
}

// Unwrap returns [ErrDifferentDocuments].
func (e *DocumentsError) Unwrap() error { return ErrDifferentDocuments }

// Interval is a confidence interval [Low, High].
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Contains reports whether Low <= v <= High.
func (i Interval) Contains(v float64) bool { return i.Low <= v && v <= i.High }

// PRFIntervals are the intervals of precision, recall and F1.
type PRFIntervals struct {
	Precision Interval `json:"precision"`
	Recall    Interval `json:"recall"`
	F1        Interval `json:"f1"`
}

// TypeIntervals are the intervals of one label.
type TypeIntervals struct {
	Type string `json:"type"`
	PRFIntervals
}

// Bootstrap holds percentile bootstrap intervals over documents.
type Bootstrap struct {
	Resamples int             `json:"resamples"`
	Seed      uint64          `json:"seed"`
	Level     float64         `json:"level"`
	Micro     PRFIntervals    `json:"micro"`
	Types     []TypeIntervals `json:"types"`
}

// BootstrapScores resamples the documents with replacement resamples times
// (each resample as many documents as there are), recomputes micro and
// per-label precision, recall and F1 from the pooled counts of each
// resample, and returns their 95% percentile intervals. The same documents,
// resamples and seed give the same intervals.
func BootstrapScores(docs []DocCounts, resamples int, seed uint64) (*Bootstrap, error) {
	if resamples < 1 {
		return nil, ErrResamples
	}
	if len(docs) == 0 {
		return nil, ErrNoDocuments
	}
	t := newCountTable(docs)
	var micro prfSamples
	perType := make([]prfSamples, len(t.types))
	rng := newRand(seed)
	sum := make([]Counts, len(t.types))
	for range resamples {
		t.resample(rng, sum)
		var total Counts
		for k, c := range sum {
			perType[k].add(c.PRF())
			total.add(c)
		}
		micro.add(total.PRF())
	}
	b := &Bootstrap{Resamples: resamples, Seed: seed, Level: ConfidenceLevel, Micro: micro.intervals()}
	for k, name := range t.types {
		b.Types = append(b.Types, TypeIntervals{Type: name, PRFIntervals: perType[k].intervals()})
	}
	return b, nil
}

// newRand is the generator of every resampling: PCG seeded with seed.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
}

// countTable holds the documents' counts densely: row i, label k.
type countTable struct {
	types []string
	rows  [][]Counts
}

func newCountTable(docs []DocCounts) countTable {
	seen := map[string]int{}
	for _, d := range docs {
		for l := range d.Types {
			seen[l] = 0
		}
	}
	t := countTable{types: sortedKeys(seen), rows: make([][]Counts, len(docs))}
	for k, l := range t.types {
		seen[l] = k
	}
	for i, d := range docs {
		t.rows[i] = make([]Counts, len(t.types))
		for l, c := range d.Types {
			t.rows[i][seen[l]] = Counts{Gold: c[0], Pred: c[1], GoldMatched: c[2], PredMatched: c[2]}
		}
	}
	return t
}

// resample draws len(rows) documents with replacement and writes the
// pooled counts by label into sum.
func (t countTable) resample(rng *rand.Rand, sum []Counts) {
	clear(sum)
	n := len(t.rows)
	for range n {
		for k, c := range t.rows[rng.IntN(n)] {
			sum[k].add(c)
		}
	}
}

// prfSamples collects resampled precision, recall and F1 values.
type prfSamples struct{ p, r, f []float64 }

func (s *prfSamples) add(v PRF) {
	s.p, s.r, s.f = append(s.p, v.Precision), append(s.r, v.Recall), append(s.f, v.F1)
}

func (s *prfSamples) intervals() PRFIntervals {
	return PRFIntervals{Precision: percentileInterval(s.p), Recall: percentileInterval(s.r), F1: percentileInterval(s.f)}
}

// percentileInterval is the central [ConfidenceLevel] range of xs by the
// nearest-rank [Percentile].
func percentileInterval(xs []float64) Interval {
	tail := (1 - ConfidenceLevel) / 2 * 100
	return Interval{Low: Percentile(xs, tail), High: Percentile(xs, 100-tail)}
}
