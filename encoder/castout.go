package encoder

import (
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	pb "github.com/gliner-go/gliner/internal/onnxpb"
)

// Graphs with float16 outputs (the fp16 and q4f16 variants of published
// models) are run with one Cast to float32 added per such output: ONNX
// Runtime widens the values exactly, and Run returns float32 tensors under
// the graph's own output names. The Cast nodes and their outputs are
// appended to the serialized model as a second GraphProto field, which a
// protobuf parser merges into the first (repeated fields are appended), so
// nothing of the original file is rewritten.

// castSuffix names the float32 output added for a float16 output.
const castSuffix = "__gliner_float32"

// float16Outputs reports which outputs are float16.
func float16Outputs(outs []TensorInfo) []bool {
	var found bool
	half := make([]bool, len(outs))
	for i, o := range outs {
		half[i] = o.Type == Float16
		found = found || half[i]
	}
	if !found {
		return nil
	}
	return half
}

// withCastOutputs returns model with a float32 Cast output appended for
// each float16 output named in names. model is not modified.
func withCastOutputs(model []byte, names []string) ([]byte, error) {
	to, intType := "to", pb.AttributeProto_INT
	f32 := int32(pb.TensorProto_FLOAT)
	var g pb.GraphProto
	for _, name := range names {
		out, op := name+castSuffix, "Cast"
		g.Node = append(g.Node, &pb.NodeProto{Input: []string{name}, Output: []string{out}, Name: &out, OpType: &op,
			Attribute: []*pb.AttributeProto{{Name: &to, I: proto.Int64(int64(pb.TensorProto_FLOAT)), Type: &intType}}})
		g.Output = append(g.Output, &pb.ValueInfoProto{Name: &out,
			Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{ElemType: &f32}}}})
	}
	graph, err := proto.Marshal(&g)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(model)+len(graph)+16)
	out = append(out, model...)
	out = protowire.AppendTag(out, modelGraphField, protowire.BytesType)
	return protowire.AppendBytes(out, graph), nil
}

// modelGraphField is ModelProto.graph's field number.
var modelGraphField = (&pb.ModelProto{}).ProtoReflect().Descriptor().Fields().ByName("graph").Number()

// runOutputNames returns the names to ask ONNX Runtime for: a float16
// output's Cast output instead of the output itself.
func runOutputNames(outs []TensorInfo, half []bool) []string {
	n := make([]string, len(outs))
	for i, o := range outs {
		n[i] = o.Name
		if half != nil && half[i] {
			n[i] += castSuffix
		}
	}
	return n
}

// halfNames lists the float16 outputs' names.
func halfNames(outs []TensorInfo, half []bool) []string {
	var n []string
	for i, o := range outs {
		if half[i] {
			n = append(n, o.Name)
		}
	}
	return n
}
