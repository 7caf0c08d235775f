//go:build cgo

package encoder

import (
	"context"
	"math"
	"testing"
)

// TestFloat16GraphIO runs half.onnx (float16 input and outputs): all
// 65,536 halfs go in (as float32 values, narrowed exactly by Run), come
// back through the float16 output y (widened by Run) and through ONNX
// Runtime's own Cast to float32 (w); both must equal halfToFloat bit for
// bit. The rounding cases go through ONNX Runtime's float32→float16 Cast
// (vh) and must equal floatToHalf's rounding.
func TestFloat16GraphIO(t *testing.T) {
	s := openGraph(t, "half.onnx")
	if got := s.Outputs()[0].Type; got != Float16 {
		t.Fatalf("output y is %v, want float16 as the graph declares", got)
	}
	x := make([]float32, 1<<16)
	for h := range x {
		x[h] = halfToFloat(uint16(h))
	}
	v := halfwayCases()
	out, err := s.Run(context.Background(), []Tensor{
		Float32Tensor("x", []int64{int64(len(x))}, x),
		Float32Tensor("v", []int64{int64(len(v))}, v),
	})
	if err != nil {
		t.Fatal(err)
	}
	y, w, vh := out[0], out[1], out[2]
	if y.Name != "y" || y.Type != Float32 || vh.Name != "vh" || vh.Type != Float32 {
		t.Fatalf("outputs %v %v, want y and vh as float32", y, vh)
	}
	for h, want := range x {
		if want != want {
			if y.Float32[h] == y.Float32[h] || w.Float32[h] == w.Float32[h] {
				t.Fatalf("half %#04x (NaN): y %g, w %g", h, y.Float32[h], w.Float32[h])
			}
			continue
		}
		wb := math.Float32bits(want)
		if math.Float32bits(y.Float32[h]) != wb || math.Float32bits(w.Float32[h]) != wb {
			t.Fatalf("half %#04x: y %#08x, w %#08x, want %#08x", h,
				math.Float32bits(y.Float32[h]), math.Float32bits(w.Float32[h]), wb)
		}
	}
	for i, f := range v {
		want := halfToFloat(floatToHalf(f))
		if f != f {
			if vh.Float32[i] == vh.Float32[i] {
				t.Fatalf("NaN %#08x narrowed to %g", math.Float32bits(f), vh.Float32[i])
			}
			continue
		}
		if math.Float32bits(vh.Float32[i]) != math.Float32bits(want) {
			t.Fatalf("Cast(%g = %#08x) to float16 = %g, floatToHalf gives %g", f, math.Float32bits(f), vh.Float32[i], want)
		}
	}
}

// TestFloat16Contract: a float32 spec accepts a float16 input or output;
// other types still differ.
func TestFloat16Contract(t *testing.T) {
	s := openGraph(t, "half.onnx")
	ok := Contract{
		Inputs:  []TensorSpec{{Name: "x", Type: Float32, Shape: []int64{-1}}, {Name: "v", Type: Float32}},
		Outputs: []TensorSpec{{Name: "y", Type: Float32}, {Name: "w", Type: Float32}, {Name: "vh", Type: Float32}},
	}
	if err := s.Check(ok); err != nil {
		t.Errorf("float32 spec for float16 values: %v", err)
	}
	bad := ok
	bad.Outputs = []TensorSpec{{Name: "y", Type: Int64}, {Name: "w", Type: Float16}, {Name: "vh", Type: Float16}}
	err := s.Check(bad)
	ce, isCE := err.(*ContractError)
	if !isCE || len(ce.Diffs) != 2 || ce.Diffs[0].Name != "y" || ce.Diffs[1].Name != "w" {
		t.Errorf("int64 for float16 and float16 for float32: %v, want two wrong types (y, w)", err)
	}
	if _, err := s.Run(context.Background(), []Tensor{
		Int64Tensor("x", []int64{1}, []int64{1}), Float32Tensor("v", []int64{1}, []float32{1}),
	}); err == nil {
		t.Error("int64 data for a float16 input accepted")
	}
}
