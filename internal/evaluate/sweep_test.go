package evaluate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/gliner"
)

// scoredModel is a fake model with fixed candidate entities (with scores)
// per text. ExtractBatch decodes them at the model's own threshold;
// ScoreBatch keeps them for a sweep.
type scoredModel struct {
	cands            map[string][]gliner.Entity
	threshold        float64
	nested           bool
	scores, extracts int
}

func (m *scoredModel) ExtractBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([][]gliner.Entity, error) {
	m.extracts++
	out := make([][]gliner.Entity, len(texts))
	for i, text := range texts {
		out[i] = fakeScored(m.of(text, labels)).Decode(m.threshold, m.nested, false)
	}
	return out, nil
}

func (m *scoredModel) ScoreBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([]Scored, error) {
	m.scores++
	out := make([]Scored, len(texts))
	for i, text := range texts {
		out[i] = fakeScored(m.of(text, labels))
	}
	return out, nil
}

func (m *scoredModel) of(text string, labels []string) []gliner.Entity {
	var out []gliner.Entity
	for _, e := range m.cands[text] {
		if slices.Contains(labels, e.Label) {
			out = append(out, e)
		}
	}
	return out
}

// fakeScored decodes greedily: by descending score, keeping a candidate
// above the threshold that overlaps (flat) or crosses (nested) no kept one.
type fakeScored []gliner.Entity

func (f fakeScored) Decode(threshold float64, nested, multiLabel bool) []gliner.Entity {
	c := slices.Clone([]gliner.Entity(f))
	slices.SortStableFunc(c, func(a, b gliner.Entity) int { return -cmpFloat(a.Score, b.Score) })
	var kept []gliner.Entity
	for _, e := range c {
		if e.Score <= threshold || slices.ContainsFunc(kept, func(k gliner.Entity) bool { return conflicts(k, e, nested) }) {
			continue
		}
		kept = append(kept, e)
	}
	slices.SortStableFunc(kept, func(a, b gliner.Entity) int { return a.RuneStart - b.RuneStart })
	return kept
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func conflicts(a, b gliner.Entity, nested bool) bool {
	overlap := a.RuneStart < b.RuneEnd && b.RuneStart < a.RuneEnd
	if !nested {
		return overlap
	}
	inside := (a.RuneStart <= b.RuneStart && b.RuneEnd <= a.RuneEnd) || (b.RuneStart <= a.RuneStart && a.RuneEnd <= b.RuneEnd)
	return overlap && !inside
}

// sweepCorpus makes n random texts of words "w0".."w9" with gold spans of
// one to three words of types A and B and candidates around them with random scores.
func sweepCorpus(n int, seed uint64) (*Corpus, *scoredModel) {
	r := rand.New(rand.NewPCG(seed, 2))
	c := &Corpus{}
	m := &scoredModel{cands: map[string][]gliner.Entity{}}
	for i := range n {
		words := make([]string, 12)
		for k := range words {
			words[k] = fmt.Sprintf("w%d", r.IntN(10))
		}
		text := fmt.Sprintf("d%d ", i) + strings.Join(words, " ")
		runes := []rune(text)
		var gold []Span
		for s := 3; s+8 < len(runes); s += 9 {
			if r.IntN(2) == 0 {
				gold = append(gold, Span{Start: s, End: s + []int{2, 5, 8}[r.IntN(3)], Label: []string{"A", "B"}[r.IntN(2)]})
			}
		}
		for s := 3; s+2 < len(runes); s += 3 {
			for _, w := range []int{2, 5, 8} {
				if s+w <= len(runes) && r.IntN(3) == 0 {
					label := []string{"a", "b"}[r.IntN(2)]
					score := math.Round(r.Float64()*1000) / 1000
					m.cands[text] = append(m.cands[text], gliner.Entity{Label: label, Score: score, RuneStart: s, RuneEnd: s + w})
				}
			}
		}
		for _, g := range gold {
			m.cands[text] = append(m.cands[text], gliner.Entity{Label: DefaultLabel(g.Label), Score: 0.3 + 0.7*r.Float64(), RuneStart: g.Start, RuneEnd: g.End})
		}
		c.Docs = append(c.Docs, Document{ID: fmt.Sprint(i), Text: text, Entities: gold})
	}
	return c, m
}

// TestSweepEqualsSeparateRuns checks that every point of a sweep equals a
// separate run at that threshold, flat and nested, strict and overlap.
func TestSweepEqualsSeparateRuns(t *testing.T) {
	c, m := sweepCorpus(40, 5)
	thresholds, err := ParseSweep("0.1:0.9:0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, nested := range []bool{false, true} {
		for _, match := range []Match{MatchStrict, MatchOverlap} {
			m.scores, m.extracts, m.nested = 0, 0, nested
			sw := Sweep{Thresholds: thresholds, Threshold: 0.5, Nested: nested}
			rep, err := Run(context.Background(), m, c, Options{Match: match, Batch: 7, Sweep: sw})
			if err != nil {
				t.Fatal(err)
			}
			if m.scores != 6 || m.extracts != 0 || len(rep.Sweep) != 9 {
				t.Fatalf("%d ScoreBatch calls, %d ExtractBatch calls, %d points", m.scores, m.extracts, len(rep.Sweep))
			}
			for _, p := range rep.Sweep {
				m.threshold = p.Threshold
				one, err := Run(context.Background(), m, c, Options{Match: match, Batch: 7})
				if err != nil {
					t.Fatal(err)
				}
				got := SweepPoint{Threshold: p.Threshold, PRF: one.Scores.Micro, Total: one.Scores.Total, Types: one.Scores.Types}
				if !reflect.DeepEqual(p, got) {
					t.Errorf("nested %v %v threshold %g: sweep %+v, separate run %+v", nested, match, p.Threshold, p, got)
				}
				if p.Threshold == 0.5 && !reflect.DeepEqual(rep.Scores, one.Scores) {
					t.Errorf("main scores at 0.5 differ from a run at 0.5")
				}
			}
		}
	}
}

func TestSweepBestAndErrors(t *testing.T) {
	c, m := sweepCorpus(30, 8)
	rep, err := Run(context.Background(), m, c, Options{Sweep: Sweep{Thresholds: []float64{0.2, 0.4, 0.6, 0.8}, Threshold: 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	best := rep.SweepBest
	for _, p := range rep.Sweep {
		if p.F1 > best.F1 {
			t.Errorf("point %g has F1 %.4f above the best %.4f", p.Threshold, p.F1, best.F1)
		}
	}
	if len(best.Types) != 2 || best.Types[0].Type != "a" || rep.Cost.SweepSeconds <= 0 {
		t.Errorf("best = %+v, sweep seconds %v", best, rep.Cost.SweepSeconds)
	}
	_, err = Run(context.Background(), newOracle(c, nil), c, Options{Sweep: Sweep{Thresholds: []float64{0.5}}})
	if !errors.Is(err, ErrNotScorer) {
		t.Errorf("sweep with an extractor only: %v", err)
	}
}

func TestParseSweep(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []float64
	}{
		{"0.05:0.95:0.05", []float64{0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95}},
		{"0.1:0.3:0.1", []float64{0.1, 0.2, 0.3}},
		{"0.5:0.5:0.1", []float64{0.5}},
		{"0:1:0.25", []float64{0, 0.25, 0.5, 0.75, 1}},
		{"0.3:0.9:0.25", []float64{0.3, 0.55, 0.8}},
	} {
		got, err := ParseSweep(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%q: %v %v, want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "0.1:0.2", "a:0.5:0.1", "0.5:0.1:0.1", "0:1:0", "0:1:-0.1", "-0.1:0.5:0.1", "0:1.5:0.1", "0:1:0.0001", "0:1:NaN"} {
		if _, err := ParseSweep(bad); !errors.Is(err, ErrSweep) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}
