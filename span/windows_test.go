package span

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ones(n int) []int {
	c := make([]int, n)
	for i := range c {
		c[i] = 1
	}
	return c
}

func TestPlanWindows(t *testing.T) {
	breaks := make([]bool, 30)
	breaks[13] = true // a sentence ends after word 13
	tests := []struct {
		name                       string
		costs                      []int
		breaks                     []bool
		maxWords, maxCost, overlap int
		want                       []Offset
	}{
		{"empty", nil, nil, 10, 100, 3, nil},
		{"fits", ones(10), nil, 10, 100, 3, []Offset{{0, 10}}},
		{"by words", ones(25), nil, 10, 100, 3, []Offset{{0, 10}, {7, 17}, {14, 24}, {21, 25}}},
		{"by cost", []int{3, 3, 3, 3, 3, 3}, nil, 10, 7, 1, []Offset{{0, 2}, {1, 3}, {2, 4}, {3, 5}, {4, 6}}},
		{"small windows, half overlap", []int{3, 3, 3, 3, 3, 3, 3, 3}, nil, 10, 9, 5, []Offset{{0, 3}, {2, 5}, {4, 7}, {6, 8}}},
		{"costly word alone", []int{1, 9, 1}, nil, 10, 5, 0, []Offset{{0, 1}, {1, 2}, {2, 3}}},
		{"sentence end", ones(30), breaks, 16, 100, 4, []Offset{{0, 14}, {10, 26}, {22, 30}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PlanWindows(nil, tt.costs, tt.breaks, tt.maxWords, tt.maxCost, tt.overlap)
			assert.Equal(t, tt.want, got)
			for k := 1; k < len(got); k++ {
				assert.Greater(t, got[k].Start, got[k-1].Start, "progress")
			}
		})
	}
	assert.Panics(t, func() { PlanWindows(nil, ones(3), nil, 0, 10, 1) })
}

// TestWindowMerge cuts a text of 40 words into windows of 16 with an
// overlap of maxWidth+1 and checks, for every entity position of width up
// to maxWidth, that the merge finds it once, whole, whatever the cuts: each
// window "sees" the entity clipped to the window, as a model would see an
// entity cut by the window's edge.
func TestWindowMerge(t *testing.T) {
	const n, maxWidth = 40, 4
	plan := PlanWindows(nil, ones(n), nil, 16, 1000, maxWidth+1)
	require.Greater(t, len(plan), 2)
	var d Decoder
	for width := 1; width <= maxWidth; width++ {
		for s := 0; s+width <= n; s++ {
			e := s + width - 1
			var cands []Span
			for k, w := range plan {
				lo, hi := max(s, w.Start), min(e, w.End-1)
				if lo > hi {
					continue
				}
				// The window's view: the clipped entity, with a score that
				// differs per window.
				local := []Span{{lo - w.Start, hi - w.Start, 0, 0.9 - float32(k)/100}}
				cands = WindowSpans(cands, local, w, n)
			}
			got := d.Select(nil, BestSpans(cands), n, Options{Thresholds: []float64{0.5}})
			require.Len(t, got, 1, "entity [%d, %d]", s, e)
			assert.Equal(t, s, got[0].Start, "entity [%d, %d]", s, e)
			assert.Equal(t, e, got[0].End, "entity [%d, %d]", s, e)
		}
	}
}

func TestBestSpansKeepsBestScore(t *testing.T) {
	got := BestSpans([]Span{{2, 3, 0, 0.6}, {0, 1, 1, 0.7}, {2, 3, 0, 0.8}, {2, 3, 1, 0.55}})
	assert.Equal(t, []Span{{0, 1, 1, 0.7}, {2, 3, 0, 0.8}, {2, 3, 1, 0.55}}, got)
}

// TestSelectEqualsDecode checks that decoding with KeepAll and then Select
// gives what decoding gives, for every option set, on random logits.
func TestSelectEqualsDecode(t *testing.T) {
	const W, K, C = 9, 3, 2
	logits := make([]float32, W*K*C)
	for i := range logits {
		logits[i] = float32((i*7919)%23)/4 - 3
	}
	var d Decoder
	for _, o := range []Options{{}, {Nested: true}, {MultiLabel: true}, {Nested: true, MultiLabel: true}} {
		o.Thresholds = []float64{0.5, 0.4}
		want := d.DecodeSpans(nil, logits, W, K, C, o)
		all := o
		all.KeepAll = true
		cands := d.DecodeSpans(nil, logits, W, K, C, all)
		assert.GreaterOrEqual(t, len(cands), len(want))
		assert.Equal(t, want, d.Select(nil, BestSpans(cands), W, o), "%+v", o)
	}
}
