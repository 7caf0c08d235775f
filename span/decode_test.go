package span

import (
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"testing"
)

// naiveDecodeSpans is a line-by-line transcription of the reference's
// SpanDecoder._decode_batch_item and BaseDecoder.greedy_search.
func naiveDecodeSpans(logits []float32, numWords, maxWidth, numClasses int, opts Options) []Span {
	return naiveDecodeProbs(torchSigmoid(logits), numWords, maxWidth, numClasses, opts)
}

// torchSigmoid is torch.sigmoid of a contiguous float32 tensor on one
// thread: the vector kernel on 16-element blocks, the scalar kernel on the
// remaining tail.
func torchSigmoid(logits []float32) []float32 {
	probs := make([]float32, len(logits))
	tail := len(logits) - len(logits)%16
	for i, x := range logits {
		if i < tail {
			probs[i] = Sigmoid(x)
		} else {
			probs[i] = SigmoidScalar(x)
		}
	}
	return probs
}

func naiveDecodeProbs(probs []float32, numWords, maxWidth, numClasses int, opts Options) []Span {
	w := len(probs) / (maxWidth * numClasses)
	var spans []Span
	for s := range w {
		for k := range maxWidth {
			for c := range numClasses {
				p := probs[(s*maxWidth+k)*numClasses+c]
				if c >= len(opts.Thresholds) || !(p > float32(opts.Thresholds[c])) {
					continue
				}
				if s+k+1 > numWords {
					continue
				}
				spans = append(spans, Span{s, s + k, c, p})
			}
		}
	}
	return naiveGreedy(spans, opts)
}

func naiveGreedy(spans []Span, opts Options) []Span {
	sorted := slices.Clone(spans)
	sort.SliceStable(sorted, func(i, j int) bool { return -sorted[i].Score < -sorted[j].Score })
	var kept []Span
	for _, sp := range sorted {
		overlap := false
		for _, q := range kept {
			if naiveConflict(sp, q, opts) {
				overlap = true
				break
			}
		}
		if !overlap {
			kept = append(kept, sp)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Start < kept[j].Start })
	return kept
}

func naiveConflict(a, b Span, opts Options) bool {
	if a.Start == b.Start && a.End == b.End {
		return !opts.MultiLabel
	}
	overlap := !(a.Start > b.End || b.Start > a.End)
	if !opts.Nested {
		return overlap
	}
	nested := (a.Start <= b.Start && a.End >= b.End) || (b.Start <= a.Start && b.End >= a.End)
	return overlap && !nested
}

// logitOf returns a float32 logit whose Sigmoid is close to p.
func logitOf(p float64) float32 { return float32(math.Log(p / (1 - p))) }

// grid builds [W, K, C] logits (all far below threshold) with the given
// probabilities set at (s, k, c).
func grid(w, k, c int, set map[[3]int]float64) []float32 {
	l := make([]float32, w*k*c)
	for i := range l {
		l[i] = -10
	}
	for key, p := range set {
		l[(key[0]*k+key[1])*c+key[2]] = logitOf(p)
	}
	return l
}

func thresholds(n int, t float64) []float64 { return SetThresholds(make([]float64, n), t) }

func TestDecodeSpansCases(t *testing.T) {
	type sp = [3]int // start, end, class
	cases := []struct {
		name    string
		words   int
		set     map[[3]int]float64 // (s, k, c) -> probability
		opts    Options
		want    []sp
		classes int
	}{
		{
			name: "flat keeps the best of overlapping spans", words: 5, classes: 2,
			set:  map[[3]int]float64{{0, 1, 0}: 0.9, {1, 1, 1}: 0.8, {3, 0, 0}: 0.7},
			opts: Options{Thresholds: thresholds(2, 0.5)},
			want: []sp{{0, 1, 0}, {3, 3, 0}},
		},
		{
			name: "strict threshold", words: 3, classes: 1,
			set:  map[[3]int]float64{{0, 0, 0}: 0.5, {1, 0, 0}: 0.51},
			opts: Options{Thresholds: thresholds(1, float64(Sigmoid(logitOf(0.5))))},
			want: []sp{{1, 1, 0}},
		},
		{
			name: "span past the text is skipped", words: 2, classes: 1,
			set:  map[[3]int]float64{{1, 1, 0}: 0.99, {0, 1, 0}: 0.6},
			opts: Options{Thresholds: thresholds(1, 0.5)},
			want: []sp{{0, 1, 0}},
		},
		{
			name: "flat: same span other label conflicts", words: 3, classes: 2,
			set:  map[[3]int]float64{{0, 1, 0}: 0.9, {0, 1, 1}: 0.8},
			opts: Options{Thresholds: thresholds(2, 0.5)},
			want: []sp{{0, 1, 0}},
		},
		{
			name: "flat multi-label: same span several labels, overlap still conflicts", words: 4, classes: 2,
			set:  map[[3]int]float64{{0, 1, 0}: 0.9, {0, 1, 1}: 0.8, {1, 1, 1}: 0.85, {3, 0, 0}: 0.6},
			opts: Options{Thresholds: thresholds(2, 0.5), MultiLabel: true},
			want: []sp{{0, 1, 0}, {0, 1, 1}, {3, 3, 0}},
		},
		{
			name: "nested keeps contained spans, drops crossing", words: 6, classes: 2,
			set:  map[[3]int]float64{{0, 3, 0}: 0.9, {1, 1, 1}: 0.8, {2, 2, 1}: 0.7, {2, 0, 0}: 0.6},
			opts: Options{Thresholds: thresholds(2, 0.5), Nested: true},
			want: []sp{{0, 3, 0}, {1, 2, 1}, {2, 2, 0}},
		},
		{
			name: "nested: identical span conflicts unless multi-label", words: 3, classes: 2,
			set:  map[[3]int]float64{{0, 2, 0}: 0.9, {0, 2, 1}: 0.8},
			opts: Options{Thresholds: thresholds(2, 0.5), Nested: true},
			want: []sp{{0, 2, 0}},
		},
		{
			name: "nested multi-label", words: 3, classes: 2,
			set:  map[[3]int]float64{{0, 2, 0}: 0.9, {0, 2, 1}: 0.8, {1, 0, 1}: 0.7},
			opts: Options{Thresholds: thresholds(2, 0.5), Nested: true, MultiLabel: true},
			want: []sp{{0, 2, 0}, {0, 2, 1}, {1, 1, 1}},
		},
		{
			name: "per-label thresholds", words: 4, classes: 2,
			set:  map[[3]int]float64{{0, 0, 0}: 0.6, {2, 0, 1}: 0.6, {3, 0, 1}: 0.95},
			opts: Options{Thresholds: []float64{0.5, 0.9}},
			want: []sp{{0, 0, 0}, {3, 3, 1}},
		},
		{
			name: "padded class columns are ignored", words: 2, classes: 3,
			set:  map[[3]int]float64{{0, 0, 2}: 0.99, {1, 0, 0}: 0.7},
			opts: Options{Thresholds: thresholds(2, 0.5)},
			want: []sp{{1, 1, 0}},
		},
		{
			name: "ties keep (s, k, c) order", words: 3, classes: 2,
			set:  map[[3]int]float64{{0, 1, 1}: 0.8, {1, 1, 0}: 0.8, {0, 0, 0}: 0.8},
			opts: Options{Thresholds: thresholds(2, 0.5)},
			want: []sp{{0, 0, 0}, {1, 2, 0}},
		},
		{
			name: "start ties keep score order in the output", words: 3, classes: 2,
			set:  map[[3]int]float64{{0, 2, 1}: 0.7, {0, 0, 0}: 0.9},
			opts: Options{Thresholds: thresholds(2, 0.5), Nested: true},
			want: []sp{{0, 0, 0}, {0, 2, 1}},
		},
		{
			name: "no labels, no spans", words: 2, classes: 1,
			set:  map[[3]int]float64{{0, 0, 0}: 0.99},
			opts: Options{},
			want: nil,
		},
	}
	var d Decoder
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const k = 4
			w := tc.words + 1 // one padded word position
			logits := grid(w, k, tc.classes, tc.set)
			got := d.DecodeSpans(nil, logits, tc.words, k, tc.classes, tc.opts)
			var gotT []sp
			for _, s := range got {
				gotT = append(gotT, sp{s.Start, s.End, s.Class})
			}
			if !slices.Equal(gotT, tc.want) {
				t.Fatalf("got %v, want %v", gotT, tc.want)
			}
			if naive := naiveDecodeSpans(logits, tc.words, k, tc.classes, tc.opts); !slices.Equal(naive, got) {
				t.Fatalf("naive %v, fast %v", naive, got)
			}
		})
	}
}

// randomLogits draws logits; with ties, from a small set so that many
// probabilities are exactly equal.
func randomLogits(r *rand.Rand, n int, ties bool) []float32 {
	l := make([]float32, n)
	for i := range l {
		if ties {
			l[i] = float32(r.IntN(9)-5) * 0.5
		} else {
			l[i] = float32(r.NormFloat64()*2 - 1.5)
		}
	}
	return l
}

func randomOptions(r *rand.Rand, classes int) Options {
	n := 1 + r.IntN(classes)
	th := make([]float64, n)
	for i := range th {
		th[i] = []float64{0.5, 0.3, 0.7, 0.1, 0.9, 0}[r.IntN(6)]
	}
	return Options{Thresholds: th, Nested: r.IntN(2) == 0, MultiLabel: r.IntN(2) == 0}
}

func TestDecodeSpansDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var d Decoder
	var dst []Span
	for i := range 3000 {
		w, k, c := 1+r.IntN(12), 1+r.IntN(5), 1+r.IntN(4)
		n := r.IntN(w + 1)
		logits := randomLogits(r, w*k*c, i%2 == 0)
		opts := randomOptions(r, c)
		dst = d.DecodeSpans(dst[:0], logits, n, k, c, opts)
		want := naiveDecodeSpans(logits, n, k, c, opts)
		if !slices.Equal(dst, want) {
			t.Fatalf("case %d (W=%d K=%d C=%d n=%d %+v):\nfast  %v\nnaive %v", i, w, k, c, n, opts, dst, want)
		}
		checkInvariants(t, dst, n, k, c, opts)
	}
}

func checkInvariants(t testing.TB, spans []Span, n, k, numLabels int, opts Options) {
	t.Helper()
	for i, s := range spans {
		if s.Start < 0 || s.End < s.Start || s.End >= n || (k > 0 && s.End-s.Start >= k) {
			t.Fatalf("span %v out of bounds (n=%d, K=%d)", s, n, k)
		}
		if s.Class < 0 || s.Class >= len(opts.Thresholds) || s.Class >= numLabels {
			t.Fatalf("span %v: bad class", s)
		}
		if !(s.Score >= 0 && s.Score <= 1) {
			t.Fatalf("span %v: score outside [0, 1]", s)
		}
		// Token-level scores include inside probabilities, which may equal
		// the threshold (k == 0 marks token-level spans).
		if thr := float32(opts.Thresholds[s.Class]); !(s.Score > thr) && (k > 0 || !(s.Score >= thr)) {
			t.Fatalf("span %v below threshold", s)
		}
		if i > 0 && spans[i-1].Start > s.Start {
			t.Fatalf("spans not sorted by start: %v", spans)
		}
		for _, q := range spans[:i] {
			if naiveConflict(s, q, opts) {
				t.Fatalf("conflicting spans %v and %v with %+v", q, s, opts)
			}
		}
	}
}

func TestDecodeSpansBatch(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	lengths := []int{5, 0, 7, 3}
	const k, c = 3, 2
	w := MaxLen(lengths)
	logits := randomLogits(r, len(lengths)*w*k*c, false)
	opts := Options{Thresholds: thresholds(c, 0.4)}
	var d Decoder
	got := d.DecodeSpansBatch(nil, logits, lengths, k, c, opts)
	if len(got) != len(lengths) {
		t.Fatalf("got %d results", len(got))
	}
	probs := torchSigmoid(logits) // over the whole batch tensor
	for b, n := range lengths {
		want := naiveDecodeProbs(probs[b*w*k*c:(b+1)*w*k*c], n, k, c, opts)
		if !slices.Equal(got[b], want) {
			t.Errorf("text %d: got %v want %v", b, got[b], want)
		}
	}
}

func TestDecodeSpansPanics(t *testing.T) {
	var d Decoder
	cases := []struct {
		name string
		f    func()
	}{
		{"bad shape", func() { d.DecodeSpans(nil, make([]float32, 7), 1, 2, 2, Options{}) }},
		{"too many words", func() { d.DecodeSpans(nil, make([]float32, 8), 3, 2, 2, Options{}) }},
		{"too many thresholds", func() { d.DecodeSpans(nil, make([]float32, 8), 1, 2, 2, Options{Thresholds: thresholds(3, .5)}) }},
		{"zero width", func() { d.DecodeSpans(nil, nil, 0, 0, 2, Options{}) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || len(s) < 6 || s[:6] != "span: " {
					t.Fatalf("panic %v, want a \"span: ...\" message", r)
				}
			}()
			tc.f()
		})
	}
}

func TestDecodeSpansAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const w, k, c = 64, 12, 10
	logits := randomLogits(r, w*k*c, false)
	opts := Options{Thresholds: thresholds(c, 0.3)}
	var d Decoder
	dst := d.DecodeSpans(nil, logits, w, k, c, opts)
	for _, o := range []Options{opts, {Thresholds: opts.Thresholds, Nested: true}, {Thresholds: opts.Thresholds, MultiLabel: true}} {
		if a := testing.AllocsPerRun(20, func() { dst = d.DecodeSpans(dst[:0], logits, w, k, c, o) }); a != 0 {
			t.Errorf("%+v: %v allocations per call", o, a)
		}
	}
}

func TestFillCandidates(t *testing.T) {
	lengths := []int{2, 3}
	const k = 2
	idx := make([]int64, 2*len(lengths)*3*k)
	mask := make([]bool, len(lengths)*3*k)
	for i := range idx {
		idx[i] = 99
	}
	FillCandidates(idx, mask, lengths, k)
	wantIdx := []int64{
		0, 0, 0, 1, 1, 1, 1, 2, 0, 0, 0, 0, // text 0: n=2, row 2 (s=2) padded
		0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3,
	}
	wantMask := []bool{
		true, true, true, false, false, false,
		true, true, true, true, true, false,
	}
	if !slices.Equal(idx, wantIdx) || !slices.Equal(mask, wantMask) {
		t.Fatalf("got %v %v\nwant %v %v", idx, mask, wantIdx, wantMask)
	}
	if a := testing.AllocsPerRun(10, func() { FillCandidates(idx, mask, lengths, k) }); a != 0 {
		t.Errorf("%v allocations", a)
	}
}

func TestCutoff(t *testing.T) {
	r := rand.New(rand.NewPCG(37, 38))
	thrs := []float32{0, 1e-31, 1e-30, 1e-10, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999, 0.9999999, 1, 2, -1, float32(math.NaN())}
	for range 200 {
		thrs = append(thrs, float32(r.Float64()))
	}
	for _, thr := range thrs {
		x := cutoff(thr)
		// No logit below the cut-off may pass; probe just below it and
		// further down.
		probes := []float32{math.Nextafter32(x, float32(math.Inf(-1))), x - 1e-3, x - 1, x - 10}
		for k := orderedKey(x) - 1; k > orderedKey(x)-20000 && !math.IsInf(float64(x), 0); k -= 97 {
			probes = append(probes, fromOrderedKey(k))
		}
		for _, y := range probes {
			if y < x && (Sigmoid(y) > thr || SigmoidScalar(y) > thr) {
				t.Fatalf("thr %v: sigmoid(%v) = %v / %v above it, below the cut-off %v", thr, y, Sigmoid(y), SigmoidScalar(y), x)
			}
		}
	}
}

func TestExp2fTable(t *testing.T) {
	for i := range 32 {
		x := new(big.Float).SetPrec(300).SetMantExp(big.NewFloat(1).SetPrec(300), i)
		for range 5 {
			x.Sqrt(x) // 2^(i/32) = (2^i)^(1/32)
		}
		f, _ := x.Float64()
		if want := math.Float64bits(f) - uint64(i)<<47; exp2fTable[i] != want {
			t.Errorf("entry %d: %#x, want %#x", i, exp2fTable[i], want)
		}
	}
}

func TestSigmoidMonotone(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	xs := make([]float32, 200000)
	for i := range xs {
		xs[i] = float32(r.NormFloat64() * 20)
	}
	slices.Sort(xs)
	for i := 1; i < len(xs); i++ {
		if Sigmoid(xs[i]) < Sigmoid(xs[i-1]) {
			t.Fatalf("sigmoid(%v)=%v < sigmoid(%v)=%v", xs[i], Sigmoid(xs[i]), xs[i-1], Sigmoid(xs[i-1]))
		}
	}
	// Dense sweep around 0, where the result changes fastest.
	prev := Sigmoid(-8)
	for k := orderedKey(-8); k < orderedKey(8); k += 997 {
		s := Sigmoid(fromOrderedKey(k))
		if s < prev {
			t.Fatalf("not monotone at %v", fromOrderedKey(k))
		}
		prev = s
	}
}

func TestSpanTextRange(t *testing.T) {
	words := []Offset{{0, 4}, {5, 11}, {12, 15}}
	if got := (Span{Start: 1, End: 2}).TextRange(words); got != (Offset{5, 15}) {
		t.Fatalf("got %v", got)
	}
}

// TestNestedWideSpans exercises the nested conflict test at the 64-word
// boundary of its end masks and the fallback beyond it: random span logits
// with K = 64 and token-level logits over 90 words whose spans grow wider
// than 64 words.
func TestNestedWideSpans(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	var d Decoder
	for i := range 40 {
		const w, k, c = 70, 64, 2
		logits := randomLogits(r, w*k*c, i%2 == 0)
		for j := range logits {
			logits[j] += 1
		}
		for _, ml := range []bool{false, true} {
			opts := Options{Thresholds: thresholds(c, 0.5), Nested: true, MultiLabel: ml}
			got := d.DecodeSpans(nil, logits, w, k, c, opts)
			if want := naiveDecodeSpans(logits, w, k, c, opts); !slices.Equal(got, want) {
				t.Fatalf("span case %d: fast %v\nnaive %v", i, got, want)
			}
		}
		const tw = 90
		last := make([]float32, tw*c*3)
		for p := range tw {
			for cl := range c {
				base := (p*c + cl) * 3
				last[base] = float32(r.NormFloat64()*2 - 2)   // start
				last[base+1] = float32(r.NormFloat64()*2 - 2) // end
				last[base+2] = float32(r.NormFloat64() + 4)   // inside: nearly always on
			}
		}
		opts := Options{Thresholds: thresholds(c, 0.5), Nested: true}
		got := d.DecodeTokens(nil, last, LayoutPositionLast, tw, c, opts)
		if want := naiveDecodeTokens(last, 1, 0, tw, c, opts); !slices.Equal(got, want) {
			t.Fatalf("token case %d: fast %v\nnaive %v", i, got, want)
		}
	}
}

// TestSigmoidMonotoneExhaustive checks every float32 in [-105, 105]
// (outside, Sigmoid is constant). It takes a few CPU minutes, so it runs
// only with SPAN_EXHAUSTIVE=1.
func TestSigmoidMonotoneExhaustive(t *testing.T) {
	if os.Getenv("SPAN_EXHAUSTIVE") != "1" {
		t.Skip("set SPAN_EXHAUSTIVE=1 to check all 2.24e9 float32 values")
	}
	lo, hi := orderedKey(-105), orderedKey(105)
	prevE, prevS := sleefExpf(fromOrderedKey(lo)), Sigmoid(fromOrderedKey(lo))
	for k := lo + 1; k <= hi; k++ {
		x := fromOrderedKey(k)
		e, s := sleefExpf(x), Sigmoid(x)
		if e < prevE || s < prevS {
			t.Fatalf("not monotone at %v: exp %v after %v, sigmoid %v after %v", x, e, prevE, s, prevS)
		}
		prevE, prevS = e, s
	}
	if Sigmoid(-105) != 0 || Sigmoid(105) != 1 {
		t.Fatalf("sigmoid(±105) = %v, %v", Sigmoid(-105), Sigmoid(105))
	}
}
