package span

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

func writeFloats(tb testing.TB, path string, xs []float32) {
	tb.Helper()
	b := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

func readFloats(tb testing.TB, path string) []float32 {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	xs := make([]float32, len(b)/4)
	for i := range xs {
		xs[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return xs
}

func runPython(tb testing.TB, py, script string, args ...string) {
	tb.Helper()
	cmd := exec.Command(py, append([]string{"-c", script}, args...)...)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("python: %v\n%s", err, out)
	}
}

func ulps(a, b float32) int64 { return max(orderedKey(a)-orderedKey(b), orderedKey(b)-orderedKey(a)) }

// TestSigmoidTorch compares Sigmoid with torch.sigmoid on a float32 tensor
// whose length is a multiple of 16, so that torch computes every element
// with its vector kernel (the one that handles all but the last few logits
// of a model output), requiring bit-identical results on machines where
// torch uses AVX2 or AVX-512 and at most 1 ulp elsewhere; and
// SigmoidScalar with torch.sigmoid on the strided planes the reference's
// TokenDecoder uses, bit for bit.
func TestSigmoidTorch(t *testing.T) {
	py := testenv.Python(t, "torch", "numpy")
	r := rand.New(rand.NewPCG(31, 32))
	xs := make([]float32, 6<<15) // a multiple of 16 (vector kernel) and of 6 ([1, W, 2, 3])
	for i := range xs {
		switch i % 3 {
		case 0:
			xs[i] = float32(r.NormFloat64() * 4)
		case 1:
			xs[i] = float32(r.Float64()*220 - 110)
		default:
			xs[i] = float32(r.Float64()*40 - 20)
		}
	}
	xs[0], xs[1], xs[2] = float32(math.Inf(1)), float32(math.Inf(-1)), 0
	dir := t.TempDir()
	in, out, outTok, capf := filepath.Join(dir, "x.bin"), filepath.Join(dir, "y.bin"), filepath.Join(dir, "t.bin"), filepath.Join(dir, "cap.txt")
	writeFloats(t, in, xs)
	// y.bin: sigmoid of the contiguous tensor (span models). t.bin: the
	// reference TokenDecoder's way, the tensor seen as a [1, W, 2, 3]
	// output, permuted to [3, 1, W, 2], sigmoid per strided plane.
	runPython(t, py, `
import sys, numpy as np, torch
torch.set_num_threads(1)
x = np.fromfile(sys.argv[1], dtype=np.float32)
torch.sigmoid(torch.from_numpy(x)).numpy().tofile(sys.argv[2])
planes = torch.from_numpy(x).reshape(1, -1, 2, 3).permute(3, 0, 1, 2)
np.stack([torch.sigmoid(planes[j][0]).numpy() for j in range(3)], axis=-1).tofile(sys.argv[3])
open(sys.argv[4], "w").write(torch.__config__.show())
`, in, out, outTok, capf)
	got := readFloats(t, out)
	gotTok := readFloats(t, outTok)
	for i, x := range xs {
		if SigmoidScalar(x) != gotTok[i] {
			t.Fatalf("token-level sigmoid(%v): go %v, torch %v", x, SigmoidScalar(x), gotTok[i])
		}
	}
	cfg, _ := os.ReadFile(capf)
	vector := containsAny(string(cfg), "CPU capability usage: AVX2", "CPU capability usage: AVX512")
	var diff int
	var worst int64
	for i, x := range xs {
		if u := ulps(Sigmoid(x), got[i]); u != 0 {
			diff++
			worst = max(worst, u)
			if diff <= 5 {
				t.Logf("sigmoid(%v): go %v, torch %v (%d ulp)", x, Sigmoid(x), got[i], u)
			}
		}
	}
	t.Logf("%d of %d differ (worst %d ulp); torch vector kernel: %v", diff, len(xs), worst, vector)
	if (vector && diff != 0) || worst > 1 {
		t.Fatalf("%d differences, worst %d ulp", diff, worst)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if len(sub) <= len(s) {
			for i := 0; i+len(sub) <= len(s); i++ {
				if s[i:i+len(sub)] == sub {
					return true
				}
			}
		}
	}
	return false
}

// TestNumpyFloat32 checks the BIO decoder's NumPy numerics against NumPy:
// float32 sums (pairwise summation), exp and the pipeline's softmax, all
// bit for bit. (NumPy builds without AVX2 use the C library's expf
// instead, which the test then reports as up to a few ulp apart.)
func TestNumpyFloat32(t *testing.T) {
	py := testenv.Python(t, "numpy")
	r := rand.New(rand.NewPCG(33, 34))
	const rows = 400
	var xs []float32
	var lens []int
	for i := range rows {
		n := 1 + i%300
		lens = append(lens, n)
		for range n {
			xs = append(xs, float32(r.NormFloat64()*3))
		}
	}
	dir := t.TempDir()
	in, sums, soft, exps, simdf := filepath.Join(dir, "x.bin"), filepath.Join(dir, "s.bin"), filepath.Join(dir, "p.bin"), filepath.Join(dir, "e.bin"), filepath.Join(dir, "simd.txt")
	writeFloats(t, in, xs)
	lensArg := make([]byte, 0, 4*rows)
	for _, n := range lens {
		lensArg = append(lensArg, []byte(itoa(n)+",")...)
	}
	runPython(t, py, `
import sys, numpy as np
x = np.fromfile(sys.argv[1], dtype=np.float32)
lens = [int(v) for v in sys.argv[4].strip(",").split(",")]
sums, probs, i = [], [], 0
for n in lens:
    row = x[i:i+n]; i += n
    sums.append(row.sum())
    logits = row[None, :]
    maxes = np.max(logits, axis=-1, keepdims=True)
    shifted_exp = np.exp(logits - maxes)
    probs.append((shifted_exp / shifted_exp.sum(axis=-1, keepdims=True))[0])
np.array(sums, dtype=np.float32).tofile(sys.argv[2])
np.concatenate(probs).astype(np.float32).tofile(sys.argv[3])
rng = np.random.default_rng(5)
e = np.concatenate([rng.uniform(-110, 90, 200000), rng.normal(0, 5, 200000)]).astype(np.float32)
np.stack([e, np.exp(e)]).tofile(sys.argv[5])
try:
    from numpy.core._multiarray_umath import __cpu_features__ as f
except ImportError:
    from numpy._core._multiarray_umath import __cpu_features__ as f
open(sys.argv[6], "w").write("simd" if f.get("AVX512F") or (f.get("AVX2") and f.get("FMA3")) else "scalar")
`, in, sums, soft, string(lensArg), exps, simdf)
	wantSums, wantProbs, ex := readFloats(t, sums), readFloats(t, soft), readFloats(t, exps)
	var expDiff int
	var expWorst int64
	for i, x := range ex[:len(ex)/2] {
		if u := ulps(numpyExpf(x), ex[len(ex)/2+i]); u != 0 {
			expDiff++
			expWorst = max(expWorst, u)
		}
	}
	t.Logf("exp: %d of %d differ from numpy (worst %d ulp)", expDiff, len(ex)/2, expWorst)
	var d BIODecoder
	off := 0
	var worst int64
	for i, n := range lens {
		row := xs[off : off+n]
		if got := pairwiseSum(row); got != wantSums[i] {
			t.Fatalf("row %d (n=%d): sum %v, numpy %v", i, n, got, wantSums[i])
		}
		d.softmax(row, n)
		for j, p := range d.probs {
			worst = max(worst, ulps(p, wantProbs[off+j]))
		}
		off += n
	}
	mode, _ := os.ReadFile(simdf)
	t.Logf("softmax: worst difference from numpy %d ulp (numpy exp kernel: %s)", worst, mode)
	// NumPy uses its SIMD expf on x86-64 with AVX2+FMA3 or AVX-512F; without
	// them it calls the C library's expf, which numpyExpf only approximates.
	if limit := map[bool]int64{true: 0, false: 3}[string(mode) == "simd"]; expWorst > limit || worst > limit {
		t.Fatalf("exp (%d values, worst %d ulp) or softmax (worst %d ulp) differ from numpy by more than %d ulp", expDiff, expWorst, worst, limit)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
