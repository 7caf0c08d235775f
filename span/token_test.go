package span

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// naiveDecodeTokens transcribes TokenDecoder.decode for one item of a
// [B, W, C, 3] output: starts and ends above threshold in row-major order,
// nested loops, inside scores rejected when < threshold, min score.
func naiveDecodeTokens(logits []float32, batch, b, numWords, numClasses int, opts Options) []Span {
	w := len(logits) / (3 * batch * numClasses)
	at := func(pos, c, j int) float32 {
		return SigmoidScalar(logits[((b*w+pos)*numClasses+c)*3+j])
	}
	type pc struct{ pos, c int }
	var starts, ends []pc
	for pos := range numWords {
		for c := range len(opts.Thresholds) {
			thr := float32(opts.Thresholds[c])
			if at(pos, c, 0) > thr {
				starts = append(starts, pc{pos, c})
			}
			if at(pos, c, 1) > thr {
				ends = append(ends, pc{pos, c})
			}
		}
	}
	var spans []Span
	for _, st := range starts {
		for _, ed := range ends {
			if ed.pos < st.pos || ed.c != st.c {
				continue
			}
			thr := float32(opts.Thresholds[st.c])
			score := min(at(st.pos, st.c, 0), at(ed.pos, st.c, 1))
			ok := true
			for p := st.pos; p <= ed.pos; p++ {
				ins := at(p, st.c, 2)
				// The reference tests ins < thr; a NaN inside score would pass
				// and give a NaN score. DecodeTokens documents that it rejects
				// NaN instead, hence !(ins >= thr).
				if !(ins >= thr) {
					ok = false
				}
				score = min(score, ins)
			}
			if ok {
				spans = append(spans, Span{st.pos, ed.pos, st.c, score})
			}
		}
	}
	return naiveGreedy(spans, opts)
}

// toPositionFirst permutes [B, W, C, 3] logits into [3, B, W, C].
func toPositionFirst(last []float32, batch, numClasses int) []float32 {
	w := len(last) / (3 * batch * numClasses)
	first := make([]float32, len(last))
	for b := range batch {
		for p := range w {
			for c := range numClasses {
				for j := range 3 {
					first[((j*batch+b)*w+p)*numClasses+c] = last[((b*w+p)*numClasses+c)*3+j]
				}
			}
		}
	}
	return first
}

func TestDecodeTokensCases(t *testing.T) {
	const hi, lo = 3, -3 // logits: p≈0.95 and p≈0.05
	// One class, five words; rows are words, columns start/end/inside.
	cases := []struct {
		name string
		rows [][3]float32
		opts Options
		want [][2]int
	}{
		{
			name: "start, inside, end",
			rows: [][3]float32{{lo, lo, lo}, {hi, lo, hi}, {lo, lo, hi}, {lo, hi, hi}, {lo, lo, lo}},
			opts: Options{Thresholds: thresholds(1, 0.5)},
			want: [][2]int{{1, 3}},
		},
		{
			name: "inside gap breaks the span",
			rows: [][3]float32{{hi, lo, hi}, {lo, lo, lo}, {lo, hi, hi}, {lo, lo, lo}, {lo, lo, lo}},
			opts: Options{Thresholds: thresholds(1, 0.5)},
			want: nil,
		},
		{
			name: "inside equal to the threshold passes (>=)",
			rows: [][3]float32{{hi, lo, hi}, {lo, hi, 0}, {lo, lo, lo}, {lo, lo, lo}, {lo, lo, lo}},
			opts: Options{Thresholds: thresholds(1, 0.5)},
			want: [][2]int{{0, 1}},
		},
		{
			name: "start equal to the threshold fails (>)",
			rows: [][3]float32{{0, hi, hi}, {lo, lo, lo}, {lo, lo, lo}, {lo, lo, lo}, {lo, lo, lo}},
			opts: Options{Thresholds: thresholds(1, 0.5)},
			want: nil,
		},
		{
			name: "single-word span and a longer one, flat keeps the better",
			rows: [][3]float32{{hi, 1, 4}, {lo, hi, hi}, {lo, lo, lo}, {lo, lo, lo}, {lo, lo, lo}},
			opts: Options{Thresholds: thresholds(1, 0.5)},
			want: [][2]int{{0, 1}},
		},
		{
			name: "nested keeps both",
			rows: [][3]float32{{hi, 1, 4}, {lo, hi, hi}, {lo, lo, lo}, {lo, lo, lo}, {lo, lo, lo}},
			opts: Options{Thresholds: thresholds(1, 0.5), Nested: true},
			want: [][2]int{{0, 1}, {0, 0}},
		},
		{
			name: "no width limit",
			rows: [][3]float32{{hi, lo, hi}, {lo, lo, hi}, {lo, lo, hi}, {lo, lo, hi}, {lo, hi, hi}},
			opts: Options{Thresholds: thresholds(1, 0.5)},
			want: [][2]int{{0, 4}},
		},
	}
	var d Decoder
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := len(tc.rows) + 1 // a padded position that fires everything
			last := make([]float32, w*3)
			for p, r := range tc.rows {
				copy(last[p*3:], r[:])
			}
			copy(last[len(tc.rows)*3:], []float32{hi, hi, hi})
			for _, layout := range []TokenLayout{LayoutPositionLast, LayoutPositionFirst} {
				l := last
				if layout == LayoutPositionFirst {
					l = toPositionFirst(last, 1, 1)
				}
				got := d.DecodeTokens(nil, l, layout, len(tc.rows), 1, tc.opts)
				var gotT [][2]int
				for _, s := range got {
					gotT = append(gotT, [2]int{s.Start, s.End})
				}
				if !slices.Equal(gotT, tc.want) {
					t.Fatalf("%v: got %v, want %v", layout, gotT, tc.want)
				}
			}
		})
	}
}

func TestDecodeTokensDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var d Decoder
	var got, gotFirst [][]Span
	for i := range 1500 {
		batch, w, c := 1+r.IntN(3), 1+r.IntN(10), 1+r.IntN(4)
		lengths := make([]int, batch)
		for b := range lengths {
			lengths[b] = r.IntN(w + 1)
		}
		last := randomLogits(r, batch*w*c*3, i%2 == 0)
		for j := range last { // favour firing positions
			last[j] += 1.5
		}
		opts := randomOptions(r, c)
		got = d.DecodeTokensBatch(got, last, LayoutPositionLast, lengths, c, opts)
		gotFirst = d.DecodeTokensBatch(gotFirst, toPositionFirst(last, batch, c), LayoutPositionFirst, lengths, c, opts)
		for b, n := range lengths {
			want := naiveDecodeTokens(last, batch, b, n, c, opts)
			if !slices.Equal(got[b], want) {
				t.Fatalf("case %d item %d (%+v):\nfast  %v\nnaive %v", i, b, opts, got[b], want)
			}
			if !slices.Equal(gotFirst[b], want) {
				t.Fatalf("case %d item %d: position-first %v, want %v", i, b, gotFirst[b], want)
			}
			checkInvariants(t, got[b], n, 0, c, opts)
		}
	}
}

func TestTokenLayoutString(t *testing.T) {
	for l, want := range map[TokenLayout]string{LayoutPositionLast: "[B,W,C,3]", LayoutPositionFirst: "[3,B,W,C]", 7: "TokenLayout(7)"} {
		if got := l.String(); got != want {
			t.Errorf("%d: %q, want %q", int(l), got, want)
		}
	}
}
