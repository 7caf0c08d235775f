package span

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveFactor is FactorLogits' definition as a float64 loop over every
// position: masked positions take the span (0, 0). It returns the logits
// and, per logit, Σ|terms| for the tolerance.
func naiveFactor(start, end, labels, bias []float32, w, numWords, k, h int) (want, mag []float64) {
	c := len(bias)
	want, mag = make([]float64, w*k*c), make([]float64, w*k*c)
	for i := range w {
		for kk := range k {
			s, e := i, i+kk
			if e >= numWords {
				s, e = 0, 0
			}
			for j := range c {
				sum, m := float64(bias[j]), math.Abs(float64(bias[j]))
				for x := range h {
					v := max(float64(start[s*h+x])+float64(end[e*h+x]), 0)
					sum += v * float64(labels[j*h+x])
					m += math.Abs(v * float64(labels[j*h+x]))
				}
				want[(i*k+kk)*c+j], mag[(i*k+kk)*c+j] = sum, m
			}
		}
	}
	return want, mag
}

// TestFactorLogits compares FactorLogits with naiveFactor. The tolerance is
// 1e-6·Σ|terms| per logit (float32 accumulation; see TestMatchLogits), and
// the masked positions must equal the span (0, 0) exactly.
func TestFactorLogits(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, sz := range []struct{ w, n, k, c, h int }{
		{1, 1, 1, 1, 1}, {5, 5, 3, 2, 7}, {9, 4, 12, 3, 33}, {30, 30, 12, 50, 64}, {20, 17, 12, 193, 16},
		{6, 0, 4, 3, 8}, {3, 3, 12, 1, 256}, {40, 25, 12, 3, 3072},
	} {
		t.Run(fmt.Sprintf("W=%d/n=%d/K=%d/C=%d/H=%d", sz.w, sz.n, sz.k, sz.c, sz.h), func(t *testing.T) {
			start, end := randomMatrix(r, sz.w*sz.h), randomMatrix(r, sz.w*sz.h)
			labels, bias := randomMatrix(r, sz.c*sz.h), randomMatrix(r, sz.c)
			dst := make([]float32, sz.w*sz.k*sz.c)
			for i := range dst {
				dst[i] = float32(math.NaN()) // must be overwritten
			}
			scratch := make([]float32, sz.k*sz.h)
			FactorLogits(dst, start, end, labels, bias, scratch, sz.n, sz.k)
			want, mag := naiveFactor(start, end, labels, bias, sz.w, sz.n, sz.k, sz.h)
			for i, got := range dst {
				if !(math.Abs(float64(got)-want[i]) <= 1e-6*mag[i]+1e-30) {
					t.Fatalf("logit %d = %v, want %v (±%g)", i, got, want[i], 1e-6*mag[i])
				}
			}
			checkMaskedCopies(t, dst, sz.w, sz.n, sz.k, sz.c)
			if a := testing.AllocsPerRun(5, func() { FactorLogits(dst, start, end, labels, bias, scratch, sz.n, sz.k) }); a != 0 {
				t.Errorf("%v allocations per call", a)
			}
		})
	}
}

// checkMaskedCopies checks that masked positions hold exactly the logits of
// span (0, 0).
func checkMaskedCopies(t *testing.T, dst []float32, w, n, k, c int) {
	t.Helper()
	for i := range w {
		for kk := range k {
			if i+kk < n {
				continue
			}
			for j := range c {
				if got, want := dst[(i*k+kk)*c+j], dst[j]; math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("masked [%d,%d,%d] = %v, want the (0,0) logit %v", i, kk, j, got, want)
				}
			}
		}
	}
}

func TestFactorLogitsNaN(t *testing.T) {
	start := []float32{float32(math.NaN()), 1}
	end := []float32{1, 1}
	dst := make([]float32, 1)
	FactorLogits(dst, start, end, []float32{1, 1}, []float32{0}, make([]float32, 2), 1, 1)
	if !math.IsNaN(float64(dst[0])) {
		t.Errorf("ReLU dropped a NaN: %v", dst[0])
	}
}

func TestFactorLogitsPanics(t *testing.T) {
	ok := func() (dst, start, end, labels, bias, scratch []float32) {
		return make([]float32, 2*3*2), make([]float32, 2*4), make([]float32, 2*4), make([]float32, 2*4), make([]float32, 2), make([]float32, 3*4)
	}
	cases := map[string]func(){
		"short dst":      func() { d, s, e, l, b, sc := ok(); FactorLogits(d[1:], s, e, l, b, sc, 2, 3) },
		"end length":     func() { d, s, e, l, b, sc := ok(); FactorLogits(d, s, e[1:], l, b, sc, 2, 3) },
		"labels ragged":  func() { d, s, e, l, b, sc := ok(); FactorLogits(d, s, e, l[1:], b, sc, 2, 3) },
		"no labels":      func() { d, s, e, l, _, sc := ok(); FactorLogits(d, s, e, l, nil, sc, 2, 3) },
		"small scratch":  func() { d, s, e, l, b, sc := ok(); FactorLogits(d, s, e, l, b, sc[1:], 2, 3) },
		"too many words": func() { d, s, e, l, b, sc := ok(); FactorLogits(d, s, e, l, b, sc, 3, 3) },
		"zero width":     func() { d, s, e, l, b, sc := ok(); FactorLogits(d, s, e, l, b, sc, 2, 0) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || fmt.Sprint(r)[:6] != "span: " {
					t.Errorf("panic %v, want a \"span: ...\" panic", r)
				}
			}()
			f()
		})
	}
}

// BenchmarkFactorLogits: words × labels × maxWidth at the hidden sizes of
// the fixtures (H = 4·64) and of gliner_small (H = 4·768). Metrics: ns/span
// and the multiply-adds per second of the label product.
func BenchmarkFactorLogits(b *testing.B) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, h := range []int{256, 3072} {
		for _, words := range []int{64, 256} {
			for _, labels := range []int{3, 50} {
				const k = 12
				start, end := randomMatrix(r, words*h), randomMatrix(r, words*h)
				lab, bias := randomMatrix(r, labels*h), randomMatrix(r, labels)
				dst, scratch := make([]float32, words*k*labels), make([]float32, k*h)
				b.Run(fmt.Sprintf("H=%d/words=%d/labels=%d/K=%d", h, words, labels, k), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						FactorLogits(dst, start, end, lab, bias, scratch, words, k)
					}
					spans := float64(words*k - k*(k-1)/2)
					b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/spans, "ns/span")
					b.ReportMetric(spans*float64(h*labels)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
				})
			}
		}
	}
}
