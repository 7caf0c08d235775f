package span

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

func randomMatrix(r *rand.Rand, n int) []float32 {
	m := make([]float32, n)
	for i := range m {
		m[i] = float32(r.NormFloat64())
	}
	return m
}

// TestMatchLogits compares MatchLogits with a float64 triple loop. The
// tolerance is 1e-6·Σ|a_d·b_d| + 1e-30 per entry: float32 accumulation over
// D ≤ 1000 terms errs by at most about D·2⁻²⁴ ≈ 6e-5 of that sum in the
// worst case and by ~1e-7 in practice.
func TestMatchLogits(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, sz := range [][3]int{{1, 1, 1}, {7, 3, 5}, {16, 192, 8}, {17, 193, 33}, {100, 500, 64}, {37, 2, 768}, {0, 4, 8}, {5, 0, 8}} {
		n, c, dim := sz[0], sz[1], sz[2]
		t.Run(fmt.Sprintf("N=%d/C=%d/D=%d", n, c, dim), func(t *testing.T) {
			a, b := randomMatrix(r, n*dim), randomMatrix(r, c*dim)
			dst := make([]float32, n*c)
			for i := range dst {
				dst[i] = float32(math.NaN()) // must be overwritten
			}
			MatchLogits(dst, a, b, dim)
			for i := range n {
				for j := range c {
					var sum, mag float64
					for k := range dim {
						p := float64(a[i*dim+k]) * float64(b[j*dim+k])
						sum += p
						mag += math.Abs(p)
					}
					if got := float64(dst[i*c+j]); !(math.Abs(got-sum) <= 1e-6*mag+1e-30) {
						t.Fatalf("[%d,%d] = %v, want %v (±%g)", i, j, got, sum, 1e-6*mag)
					}
				}
			}
			if a := testing.AllocsPerRun(5, func() { MatchLogits(dst, a, b, dim) }); a != 0 {
				t.Errorf("%v allocations per call", a)
			}
		})
	}
}

func TestDecodeMatched(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	const w, k, c, dim = 9, 4, 3, 16
	reps, labels := randomMatrix(r, w*k*dim), randomMatrix(r, c*dim)
	logits := make([]float32, w*k*c)
	MatchLogits(logits, reps, labels, dim)
	opts := Options{Thresholds: thresholds(c, 0.5), Nested: true}
	var d Decoder
	got := d.DecodeMatched(nil, reps, labels, dim, 7, k, opts)
	want := naiveDecodeSpans(logits, 7, k, c, opts)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if a := testing.AllocsPerRun(5, func() { got = d.DecodeMatched(got[:0], reps, labels, dim, 7, k, opts) }); a != 0 {
		t.Errorf("%v allocations per call", a)
	}
}

func gflops(b *testing.B, n, c, dim int) {
	b.ReportMetric(2*float64(n)*float64(c)*float64(dim)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkMatch measures MatchLogits and, in the same family and sizes,
// gonum's own Sgemm and Dgemm called once on the whole product (parallel,
// as gonum chooses), for the ratio. Sizes: 384 words × K=12 span rows,
// D = 512 and 768 (GLiNER-biomed hidden sizes), 5 to 500 labels.
func BenchmarkMatch(b *testing.B) {
	const words, k = 384, 12
	r := rand.New(rand.NewPCG(15, 16))
	for _, dim := range []int{512, 768} {
		for _, c := range []int{5, 50, 500} {
			n := words * k
			a, l := randomMatrix(r, n*dim), randomMatrix(r, c*dim)
			dst := make([]float32, n*c)
			name := fmt.Sprintf("words=%d/K=%d/D=%d/labels=%d", words, k, dim, c)
			b.Run("kernel/"+name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					MatchLogits(dst, a, l, dim)
				}
				gflops(b, n, c, dim)
			})
			b.Run("gonum-sgemm/"+name, func(b *testing.B) {
				ga := blas32.General{Rows: n, Cols: dim, Stride: dim, Data: a}
				gl := blas32.General{Rows: c, Cols: dim, Stride: dim, Data: l}
				gc := blas32.General{Rows: n, Cols: c, Stride: c, Data: dst}
				b.ReportAllocs()
				for b.Loop() {
					blas32.Gemm(blas.NoTrans, blas.Trans, 1, ga, gl, 0, gc)
				}
				gflops(b, n, c, dim)
			})
			b.Run("gonum-dgemm/"+name, func(b *testing.B) {
				a64, l64, c64 := make([]float64, len(a)), make([]float64, len(l)), make([]float64, len(dst))
				for i, v := range a {
					a64[i] = float64(v)
				}
				for i, v := range l {
					l64[i] = float64(v)
				}
				ga := blas64.General{Rows: n, Cols: dim, Stride: dim, Data: a64}
				gl := blas64.General{Rows: c, Cols: dim, Stride: dim, Data: l64}
				gc := blas64.General{Rows: n, Cols: c, Stride: c, Data: c64}
				b.ReportAllocs()
				for b.Loop() {
					blas64.Gemm(blas.NoTrans, blas.Trans, 1, ga, gl, 0, gc)
				}
				gflops(b, n, c, dim)
			})
		}
	}
}
