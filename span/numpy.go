package span

import "math"

// numpyExpf is NumPy's float32 exp (simd_exp_FLOAT in
// numpy/core/src/umath/loops_exponent_log.dispatch.c.src, the AVX2/AVX-512
// kernel NumPy uses on x86-64; NumPy 2's universal-intrinsics kernel has
// the same steps and constants): Cody–Waite reduction by k·ln2 with
// k = rint(x·log2e), a P5/Q2 rational approximation evaluated with fused
// multiply-adds, then scaling by 2^k. Its error is up to 2.52 ulp, which is
// why the pipeline's softmax is reproduced with it rather than with a
// correctly rounded exp.
func numpyExpf(x float32) float32 {
	const (
		xmax  = float32(88.72283935546875)
		xmin  = float32(-103.97208404541015625)
		log2e = float32(math.Log2E)
		magic = float32(0x1.8p23)
		c1    = float32(-6.93145752e-1)
		c2    = float32(-1.42860677e-6)
		p0    = float32(9.999999999980870924916e-01)
		p1    = float32(7.257664613233124478488e-01)
		p2    = float32(2.473615434895520810817e-01)
		p3    = float32(5.114512081637298353406e-02)
		p4    = float32(6.757896990527504603057e-03)
		p5    = float32(5.082762527590693718096e-04)
		q0    = float32(1)
		q1    = float32(-2.742335390411667452936e-01)
		q2    = float32(2.159509375685829852307e-02)
	)
	switch {
	case x != x:
		return x
	case x >= xmax:
		return float32(math.Inf(1))
	case x <= xmin:
		return 0
	}
	k := x * log2e
	k = (k + magic) - magic // round to nearest even
	y := fma32(k, c1, x)
	y = fma32(k, c2, y)
	num := fma32(p5, y, p4)
	num = fma32(num, y, p3)
	num = fma32(num, y, p2)
	num = fma32(num, y, p1)
	num = fma32(num, y, p0)
	den := fma32(q2, y, q1)
	den = fma32(den, y, q0)
	// scalef: poly·2^k with a single rounding; k ∈ [-150, 128], so 2^k and
	// the product are exact in float64.
	return float32(float64(num/den) * math.Float64frombits(uint64(int64(k)+1023)<<52))
}
