package spanhead

import (
	pb "github.com/gliner-go/gliner/internal/onnxpb"
)

// linear is a recognised Linear layer y = x·W + b, W stored [in, out] (the
// MatMul orientation, whatever the graph stores).
type linear struct {
	x       string    // input tensor
	w       []float32 // [in, out], row-major
	in, out int
	b       []float32 // [out], nil when the layer has no bias
}

// matchLinear matches y = MatMul(x, W) + b (Add operands in either order,
// bias optional), or Gemm(x, W, b) with transB 0 or 1, W a constant,
// possibly behind a Transpose.
func (ix *index) matchLinear(y string) (linear, error) {
	if g := ix.node(y, "Gemm"); g != nil {
		return ix.matchGemm(g)
	}
	var l linear
	mmOut := y
	if add := ix.node(y, "Add"); add != nil && len(add.GetInput()) == 2 {
		x, b, ok := ix.splitConst(add)
		if !ok {
			return l, notRecognised("Add %q has no constant bias operand", add.GetName())
		}
		l.b, mmOut = b, x
	}
	mm := ix.node(mmOut, "MatMul")
	if mm == nil || len(mm.GetInput()) != 2 {
		return l, notRecognised("no MatMul (or Gemm) producing %q", mmOut)
	}
	w, in, out, ok := ix.weight(mm.GetInput()[1], false)
	if !ok {
		return l, notRecognised("MatMul %q has no constant 2-D float32 weight", mm.GetName())
	}
	l.x, l.w, l.in, l.out = mm.GetInput()[0], w, in, out
	if l.b != nil && len(l.b) != out {
		return l, notRecognised("bias of MatMul %q has %d values, want %d", mm.GetName(), len(l.b), out)
	}
	return l, nil
}

// matchGemm matches a Gemm with alpha = beta = 1, no transA and a constant
// weight and bias.
func (ix *index) matchGemm(g *pb.NodeProto) (linear, error) {
	var l linear
	for _, a := range []string{"alpha", "beta"} {
		if at := attr(g, a); at != nil && at.GetF() != 1 {
			return l, notRecognised("Gemm %q has %s %g", g.GetName(), a, at.GetF())
		}
	}
	if at := attr(g, "transA"); at != nil && at.GetI() != 0 {
		return l, notRecognised("Gemm %q has transA", g.GetName())
	}
	in := g.GetInput()
	w, nin, nout, ok := ix.weight(in[1], attr(g, "transB").GetI() == 1)
	if !ok {
		return l, notRecognised("Gemm %q has no constant 2-D float32 weight", g.GetName())
	}
	l.x, l.w, l.in, l.out = in[0], w, nin, nout
	if len(in) > 2 && in[2] != "" {
		b, _, ok := ix.floats(in[2])
		if !ok || len(b) != nout {
			return l, notRecognised("Gemm %q has no constant bias of %d values", g.GetName(), nout)
		}
		l.b = b
	}
	return l, nil
}

// splitConst returns the non-constant operand of a binary node and the
// values of its constant 1-D operand.
func (ix *index) splitConst(n *pb.NodeProto) (x string, c []float32, ok bool) {
	in := n.GetInput()
	for i := range 2 {
		if v, dims, isConst := ix.floats(in[i]); isConst && len(dims) == 1 {
			if _, other := ix.consts[in[1-i]]; !other {
				return in[1-i], v, true
			}
		}
	}
	return "", nil, false
}

// weight returns a constant 2-D float32 matrix in the [in, out] orientation:
// the tensor itself, or the transpose of the tensor a Transpose node reads.
// trans says the tensor is stored [out, in].
func (ix *index) weight(name string, trans bool) (w []float32, in, out int, ok bool) {
	if tr := ix.node(name, "Transpose"); tr != nil {
		perm := attr(tr, "perm").GetInts()
		if len(perm) != 0 && (len(perm) != 2 || perm[0] != 1 || perm[1] != 0) {
			return nil, 0, 0, false
		}
		name, trans = tr.GetInput()[0], !trans
	}
	v, dims, ok := ix.floats(name)
	if !ok || len(dims) != 2 {
		return nil, 0, 0, false
	}
	r, c := int(dims[0]), int(dims[1])
	if !trans {
		return v, r, c, true
	}
	return transpose(v, r, c), c, r, true
}

// transpose returns the [c, r] transpose of the row-major [r, c] matrix m.
func transpose(m []float32, r, c int) []float32 {
	t := make([]float32, len(m))
	for i := range r {
		for j := range c {
			t[j*r+i] = m[i*c+j]
		}
	}
	return t
}
