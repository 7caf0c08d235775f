package spanhead

import (
	"encoding/binary"
	"math"

	pb "github.com/gliner-go/gliner/internal/onnxpb"
)

// index answers the matcher's questions about a graph: which node produces a
// tensor, and the value of a constant tensor.
type index struct {
	g        *pb.GraphProto
	producer map[string]*pb.NodeProto
	consts   map[string]*pb.TensorProto // initializers and Constant node values
}

func newIndex(g *pb.GraphProto) *index {
	ix := &index{g: g, producer: map[string]*pb.NodeProto{}, consts: map[string]*pb.TensorProto{}}
	for _, t := range g.GetInitializer() {
		ix.consts[t.GetName()] = t
	}
	for _, n := range g.GetNode() {
		for _, o := range n.GetOutput() {
			ix.producer[o] = n
		}
		if n.GetOpType() == "Constant" && n.GetDomain() == "" && len(n.GetOutput()) == 1 {
			if t := attr(n, "value").GetT(); t != nil {
				ix.consts[n.GetOutput()[0]] = t
			}
		}
	}
	return ix
}

// passThrough lists the ops that do not change values at inference.
var passThrough = map[string]bool{"Identity": true, "Dropout": true}

// node returns the producer of tensor name if it is an op of the given
// type, looking through Identity and Dropout.
func (ix *index) node(name, op string) *pb.NodeProto {
	n := ix.producer[name]
	for n != nil && passThrough[n.GetOpType()] && n.GetDomain() == "" && len(n.GetInput()) > 0 {
		n = ix.producer[n.GetInput()[0]]
	}
	if n == nil || n.GetOpType() != op || n.GetDomain() != "" {
		return nil
	}
	return n
}

// strip follows name back through the given shape-only ops (and Identity,
// Dropout) and returns the first tensor that is not their output.
func (ix *index) strip(name string, ops ...string) string {
	for {
		n := ix.producer[name]
		if n == nil || n.GetDomain() != "" || len(n.GetInput()) == 0 {
			return name
		}
		op := n.GetOpType()
		if !passThrough[op] && !contains(ops, op) {
			return name
		}
		name = n.GetInput()[0]
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// attr returns the node's attribute of that name, or nil.
func attr(n *pb.NodeProto, name string) *pb.AttributeProto {
	for _, a := range n.GetAttribute() {
		if a.GetName() == name {
			return a
		}
	}
	return nil
}

// floats returns the values and shape of a float32 constant tensor; ok is
// false for other types, external data or inconsistent sizes.
func (ix *index) floats(name string) (vals []float32, dims []int64, ok bool) {
	t := ix.consts[name]
	if t == nil || t.GetDataType() != int32(pb.TensorProto_FLOAT) || t.GetDataLocation() == pb.TensorProto_EXTERNAL {
		return nil, nil, false
	}
	n := int64(1)
	for _, d := range t.GetDims() {
		n *= d
	}
	switch raw := t.GetRawData(); {
	case raw != nil:
		if int64(len(raw)) != 4*n {
			return nil, nil, false
		}
		vals = make([]float32, n)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case int64(len(t.GetFloatData())) == n:
		vals = append([]float32(nil), t.GetFloatData()...)
	default:
		return nil, nil, false
	}
	return vals, t.GetDims(), true
}

// ints returns the values of an int64 or int32 constant tensor.
func (ix *index) ints(name string) ([]int64, bool) {
	t := ix.consts[name]
	if t == nil || t.GetDataLocation() == pb.TensorProto_EXTERNAL {
		return nil, false
	}
	raw := t.GetRawData()
	switch t.GetDataType() {
	case int32(pb.TensorProto_INT64):
		if raw == nil {
			return t.GetInt64Data(), true
		}
		out := make([]int64, len(raw)/8)
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
		return out, true
	case int32(pb.TensorProto_INT32):
		if raw == nil {
			out := make([]int64, len(t.GetInt32Data()))
			for i, v := range t.GetInt32Data() {
				out[i] = int64(v)
			}
			return out, true
		}
		out := make([]int64, len(raw)/4)
		for i := range out {
			out[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
		}
		return out, true
	}
	return nil, false
}
