package span

import "math"

// Sigmoid returns the logistic function of x exactly as PyTorch's
// vectorized CPU float32 kernel computes it on x86-64 machines with AVX2 or
// AVX-512, the kernel the reference applies to contiguous logits (span
// models' [B, W, K, C] output):
//
//	a = 0 - x;  a = expf(a);  a = a + 1;  a = 1 / a
//
// every step rounded to float32, with expf being SLEEF's Sleef_expf8_u10
// (a degree-5 polynomial after Cody–Waite range reduction, evaluated with
// fused multiply-adds; reproduced here by [sleefExpf]). Checked against
// torch 1.13 on 4.1 million logits in [-110, 110]: bit-identical on every
// element torch computed with its vector kernel. torch computes the last
// numel mod 16 elements of a tensor, and strided views, with its scalar
// kernel ([SigmoidScalar]), which can differ by 1 ulp. For a span model's
// output those last elements are spans running past the last word (for
// C ≥ 2 classes and K = 12), never decoded.
//
// Sigmoid is non-decreasing in x: checked over every one of the 2.24e9
// float32 values in [-105, 105] (TestSigmoidMonotoneExhaustive, run with
// SPAN_EXHAUSTIVE=1; a few CPU minutes); outside that range it is constant
// (0 below, 1 above). It is NaN for NaN. The decoders do not rely on
// monotonicity (see cutoff).
func Sigmoid(x float32) float32 {
	a := 0 - x
	a = sleefExpf(a)
	a = a + 1
	return 1 / a
}

// sleefExpf is SLEEF's xexpf (src/libm/sleefsimdsp.c) for one lane, as
// compiled for AVX2 with FMA: q = rint(d/ln2); s = d - q·ln2 in two FMA
// steps (ln2 split as L2U + L2L); u = Horner polynomial in s by FMA;
// u = 1 + (s·s·u + s); scale by 2^q in two steps; 0 below -104 and +Inf
// above 100. A float32 FMA is a float64 FMA rounded to float32 (the
// float64 product of two float32 is exact; the double rounding it can
// cause was never observed in the comparison with torch).
func sleefExpf(d float32) float32 {
	const (
		rln2 = float32(1.442695040888963407359924681001892137426645954152985934135449406931)
		l2u  = float32(0.693145751953125)
		l2l  = float32(1.428606765330187045e-06)
	)
	if d < -104 { // NaN fails both tests and stays NaN through the polynomial
		return 0
	}
	if d > 100 {
		return float32(math.Inf(1))
	}
	q := int32(math.MinInt32) // what cvtps_epi32 gives for NaN
	if qf := d * rln2; qf == qf {
		q = int32(math.RoundToEven(float64(qf)))
	}
	fq := float32(q)
	s := fma32(fq, -l2u, d)
	s = fma32(fq, -l2l, s)
	u := float32(0.000198527617612853646278381)
	u = fma32(u, s, 0.00139304355252534151077271)
	u = fma32(u, s, 0.00833336077630519866943359)
	u = fma32(u, s, 0.0416664853692054748535156)
	u = fma32(u, s, 0.166666671633720397949219)
	u = fma32(u, s, 0.5)
	u = 1 + fma32(s*s, u, s)
	h := q >> 1
	return u * pow2i(h) * pow2i(q-h)
}

// fma32 is x·y+z with one float64 rounding, then rounded to float32.
func fma32(x, y, z float32) float32 {
	return float32(math.FMA(float64(x), float64(y), float64(z)))
}

// pow2i returns 2^q for q in the normal exponent range.
func pow2i(q int32) float32 { return math.Float32frombits(uint32(q+0x7f) << 23) }

// SigmoidScalar returns the logistic function of x as PyTorch's scalar CPU
// float32 kernel computes it, 1/(1+expf(-x)) in float32 with glibc's expf
// ([glibcExpf]). torch uses it for the last elements of a tensor and for
// strided views, such as the start/end/inside planes the reference's
// TokenDecoder slices out of a [B, W, C, 3] output. Checked against torch
// 1.13 on 2 million logits: bit-identical (a correctly rounded exp differs
// on 0.03 % of them).
func SigmoidScalar(x float32) float32 {
	return 1 / (1 + glibcExpf(-x))
}

// glibcExpf is glibc's expf (sysdeps/ieee754/flt-32/e_expf.c, from Arm's
// optimized-routines): x·32/ln2 = k + r with k rounded to nearest by the
// 1.5·2^52 shift, 2^(k/32) from a 32-entry table, 2^(r/32) by a cubic, all
// in float64, rounded once to float32. (The FMA build of glibc gives the
// same float32 results.)
func glibcExpf(x float32) float32 {
	const (
		n       = 32
		invLn2N = 0x1.71547652b82fep+0 * n
		shift   = 0x1.8p+52
		c0      = 0x1.c6af84b912394p-5 / n / n / n
		c1      = 0x1.ebfce50fac4f3p-3 / n / n
		c2      = 0x1.62e42ff0c52d6p-1 / n
	)
	switch {
	case x != x:
		return x
	case x > 0x1.62e42ep6:
		return float32(math.Inf(1))
	case x < -0x1.9fe368p6:
		return 0
	}
	z := invLn2N * float64(x)
	kd := z + shift
	ki := math.Float64bits(kd)
	kd -= shift
	r := z - kd
	s := math.Float64frombits(exp2fTable[ki%n] + ki<<47)
	p := c0*r + c1
	y := c2*r + 1
	y = p*(r*r) + y
	return float32(y * s)
}

// exp2fTable[i] is the bit pattern of 2^(i/32), correctly rounded, minus
// i<<47 (glibc's __exp2f_data.tab; TestExp2fTable recomputes it).
var exp2fTable = [32]uint64{
	0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
	0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
	0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
	0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
	0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
	0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
	0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
	0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
}

// cutoff returns a logit below which neither [Sigmoid] nor [SigmoidScalar]
// exceeds thr, used to skip the sigmoid on most logits; scanning code still
// compares the exact sigmoid with thr for every logit at or above it. Both
// kernels are within 1e-6 (relative) of the true logistic function above
// 1e-30, so any x with a float32 sigmoid above thr has a true sigmoid above
// thr·(1−1e-5), that is x > logit(thr·(1−1e-5)); the cut-off is that logit,
// rounded down. It is -Inf for thresholds below 1e-30 (no filtering) and
// +Inf for thresholds ≥ 1 (no float32 sigmoid exceeds 1).
func cutoff(thr float32) float32 {
	switch {
	case !(thr >= 1e-30): // NaN too: nothing passes the exact test anyway
		return float32(math.Inf(-1))
	case thr >= 1:
		return float32(math.Inf(1))
	}
	p := float64(thr) * (1 - 1e-5)
	x := math.Log(p / (1 - p))
	f := float32(x)
	if float64(f) > x {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

// orderedKey maps a non-NaN float32 to an int64 that sorts like the float.
func orderedKey(f float32) int64 {
	b := int64(math.Float32bits(f))
	if b&(1<<31) != 0 {
		return -(b &^ (1 << 31))
	}
	return b
}

// fromOrderedKey inverts orderedKey.
func fromOrderedKey(k int64) float32 {
	if k < 0 {
		return math.Float32frombits(uint32(-k) | 1<<31)
	}
	return math.Float32frombits(uint32(k))
}
