package encoder

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

// halfReference computes a half's value with float64 arithmetic (sign,
// exponent and significand as IEEE 754 defines them), independently of
// halfToFloat's bit manipulation. For NaNs it returns the expected float32
// bits: the sign and payload moved into place with the exponent all ones.
func halfReference(h uint16) (bits uint32) {
	sign, exp, mant := h>>15, int(h>>10)&0x1f, float64(h&0x3ff)
	var v float64
	switch {
	case exp == 0x1f && mant != 0:
		return uint32(sign)<<31 | 0x7f800000 | uint32(h&0x3ff)<<13
	case exp == 0x1f:
		v = math.Inf(1)
	case exp == 0:
		v = math.Ldexp(mant, -24)
	default:
		v = math.Ldexp(1024+mant, exp-25)
	}
	if sign == 1 {
		v = -v
	}
	return math.Float32bits(float32(v))
}

// TestHalfToFloatExhaustive widens every one of the 65,536 halfs and
// compares the bits with the float64 reference: zeros keep their sign,
// subnormals their value, infinities and NaN payloads survive.
func TestHalfToFloatExhaustive(t *testing.T) {
	for h := range 1 << 16 {
		got := math.Float32bits(halfToFloat(uint16(h)))
		if want := halfReference(uint16(h)); got != want {
			t.Fatalf("halfToFloat(%#04x) = %#08x, want %#08x", h, got, want)
		}
	}
}

// TestFloatToHalfRoundTrip checks that every non-NaN half survives
// float32 and back, and that NaNs stay NaNs with their sign.
func TestFloatToHalfRoundTrip(t *testing.T) {
	for h := range 1 << 16 {
		f := halfToFloat(uint16(h))
		got := floatToHalf(f)
		if f != f {
			if got&0x7c00 != 0x7c00 || got&0x3ff == 0 || got>>15 != uint16(h)>>15 {
				t.Fatalf("floatToHalf(NaN from %#04x) = %#04x, not a NaN of the same sign", h, got)
			}
			continue
		}
		if got != uint16(h) {
			t.Fatalf("floatToHalf(halfToFloat(%#04x)) = %#04x", h, got)
		}
	}
}

// halfwayCases returns float32 values that test rounding: for each pair of
// adjacent finite halfs of the same sign, their exact midpoint (a tie) and
// the float32 values just below and above it; plus values past the largest
// half, below the smallest subnormal, and random bit patterns.
func halfwayCases() []float32 {
	var vs []float32
	for h := range 0x7c00 { // positive finite halfs; 0x7bff pairs with infinity
		a, b := float64(halfToFloat(uint16(h))), float64(halfToFloat(uint16(h+1)))
		if h+1 == 0x7c00 {
			b = 65536 // where infinity begins for rounding
		}
		mid := float32((a + b) / 2)
		for _, m := range []float32{mid, math.Nextafter32(mid, 0), math.Nextafter32(mid, float32(math.Inf(1)))} {
			vs = append(vs, m, -m)
		}
	}
	vs = append(vs, 1e10, -1e10, 1e-10, -1e-10, 5.960464477539063e-8, 2.9802322387695312e-8, 65519.996, 65520)
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		vs = append(vs, math.Float32frombits(r.Uint32()))
	}
	return vs
}

// TestFloatToHalfTies checks rounding to nearest, ties to even, at every
// midpoint between halfs (the reference is exact arithmetic in float64).
func TestFloatToHalfTies(t *testing.T) {
	for _, v := range halfwayCases() {
		if v != v {
			continue
		}
		got := floatToHalf(v)
		if want := nearestHalf(float64(v)); got != want {
			t.Fatalf("floatToHalf(%g, bits %#08x) = %#04x, want %#04x", v, math.Float32bits(v), got, want)
		}
	}
}

// nearestHalf finds the nearest half to v by searching the ordered
// positive halfs (ties to the even significand), with the IEEE rule that
// values at or past 65520 round to infinity.
func nearestHalf(v float64) uint16 {
	sign := uint16(0)
	if math.Signbit(v) {
		sign, v = 0x8000, -v
	}
	if v >= 65520 {
		return sign | 0x7c00
	}
	lo, hi := 0, 0x7bff // largest half <= v by binary search
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if float64(halfToFloat(uint16(mid))) <= v {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	a := float64(halfToFloat(uint16(lo)))
	if a == v || lo == 0x7bff {
		return sign | uint16(lo)
	}
	b := float64(halfToFloat(uint16(lo + 1)))
	switch {
	case v-a < b-v:
		return sign | uint16(lo)
	case v-a > b-v:
		return sign | uint16(lo+1)
	case lo%2 == 0:
		return sign | uint16(lo)
	}
	return sign | uint16(lo+1)
}

// TestHalfNumpy compares both conversions with numpy's (IEEE 754
// float16, round to nearest even) when the Debian python3-numpy is
// installed: all 65,536 halfs widened, and the rounding cases narrowed.
func TestHalfNumpy(t *testing.T) {
	py := testenv.Python(t, "numpy")
	script := `import sys, numpy as np
d = sys.stdin.buffer.read()
w = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32)
n = np.frombuffer(d, dtype="<f4").astype(np.float16)
sys.stdout.buffer.write(w.astype("<f4").tobytes() + n.view("<u2").tobytes())`
	cases := halfwayCases()
	in := make([]byte, 4*len(cases))
	for i, v := range cases {
		binary.LittleEndian.PutUint32(in[4*i:], math.Float32bits(v))
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("numpy: %v", err)
	}
	if len(out) != 4*65536+2*len(cases) {
		t.Fatalf("numpy wrote %d bytes", len(out))
	}
	for h := range 1 << 16 {
		if got, want := math.Float32bits(halfToFloat(uint16(h))), binary.LittleEndian.Uint32(out[4*h:]); got != want {
			t.Fatalf("halfToFloat(%#04x) = %#08x, numpy %#08x", h, got, want)
		}
	}
	narrowed := out[4*65536:]
	for i, v := range cases {
		want := binary.LittleEndian.Uint16(narrowed[2*i:])
		if got := floatToHalf(v); got != want && !(v != v && got&0x7c00 == 0x7c00) {
			t.Fatalf("floatToHalf(%#08x) = %#04x, numpy %#04x", math.Float32bits(v), got, want)
		}
	}
}
