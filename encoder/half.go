package encoder

import "math"

// IEEE 754 binary16 (float16) conversions. Graphs exported in float16
// (published fp16 and q4f16 variants) take and return float16 tensors; this
// package hands callers float32 only (see [Session.Run]).

// halfToFloat widens an IEEE 754 half-precision value to float32. Every
// half is exactly representable as a float32, so the result is exact:
// zeros and subnormals keep their value and sign, infinities stay
// infinite, and a NaN stays a NaN with its sign and payload (shifted into
// the top of the float32 mantissa, as hardware conversions do).
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0: // signed zero
		return math.Float32frombits(sign)
	}
	// subnormal: mant·2^-24, a normal float32; shift the leading one out
	e := uint32(113) // exponent of 2^-14 in float32 bias, minus the shifts below
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}

// floatToHalf narrows a float32 to the nearest half-precision value, ties
// to even, as ONNX Runtime's Cast does: values beyond the largest half
// (65504) round to infinity, tiny values to subnormals or a signed zero,
// and a NaN stays a (quiet) NaN.
func floatToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff { // infinity or NaN
		if mant == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7e00 | uint16(mant>>13)
	}
	e := exp - 127 + 15 // the half's biased exponent
	if e >= 0x1f {
		return sign | 0x7c00 // overflow
	}
	if e <= 0 { // subnormal half, or zero
		if e < -10 {
			return sign // below half the smallest subnormal
		}
		mant |= 0x800000 // the implicit leading one
		shift := uint32(14 - e)
		return sign | uint16(roundShift(mant, shift))
	}
	// normal: the rounding may carry into the exponent, even to infinity
	return sign | uint16(uint32(e)<<10+roundShift(mant, 13))
}

// roundShift returns m >> s rounded to nearest, ties to even.
func roundShift(m, s uint32) uint32 {
	q := m >> s
	rem := m & (1<<s - 1)
	half := uint32(1) << (s - 1)
	if rem > half || rem == half && q&1 == 1 {
		q++
	}
	return q
}

// narrowHalf converts float32 data to float16 values in little-endian
// bytes, the layout ONNX Runtime reads.
func narrowHalf(src []float32) []byte {
	dst := make([]byte, 2*len(src))
	for i, f := range src {
		h := floatToHalf(f)
		dst[2*i], dst[2*i+1] = byte(h), byte(h>>8)
	}
	return dst
}
