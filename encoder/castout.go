package encoder

import (
	"google.golang.org/protobuf/encoding/protowire"
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

// Field numbers of the ONNX messages written here (onnx/onnx.proto3).
const (
	graphNode = 1 // GraphProto.node (NodeProto)

	nodeInput     = 1 // NodeProto.input
	nodeOutput    = 2 // NodeProto.output
	nodeName      = 3 // NodeProto.name
	nodeOpType    = 4 // NodeProto.op_type
	nodeAttribute = 5 // NodeProto.attribute (AttributeProto)

	attrName = 1  // AttributeProto.name
	attrInt  = 3  // AttributeProto.i
	attrType = 20 // AttributeProto.type

	attrTypeInt = 2 // AttributeProto.AttributeType.INT
)

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
func withCastOutputs(model []byte, names []string) []byte {
	var graph []byte
	for _, name := range names {
		graph = protowire.AppendTag(graph, graphNode, protowire.BytesType)
		graph = protowire.AppendBytes(graph, castNode(name))
		graph = protowire.AppendTag(graph, graphOutput, protowire.BytesType)
		graph = protowire.AppendBytes(graph, float32ValueInfo(name+castSuffix))
	}
	out := make([]byte, 0, len(model)+len(graph)+16)
	out = append(out, model...)
	out = protowire.AppendTag(out, modelGraph, protowire.BytesType)
	return protowire.AppendBytes(out, graph)
}

// castNode is a NodeProto: Cast(name) to float32, output name+castSuffix.
func castNode(name string) []byte {
	var attr []byte
	attr = protowire.AppendTag(attr, attrName, protowire.BytesType)
	attr = protowire.AppendString(attr, "to")
	attr = protowire.AppendTag(attr, attrInt, protowire.VarintType)
	attr = protowire.AppendVarint(attr, uint64(Float32))
	attr = protowire.AppendTag(attr, attrType, protowire.VarintType)
	attr = protowire.AppendVarint(attr, attrTypeInt)

	var n []byte
	n = protowire.AppendTag(n, nodeInput, protowire.BytesType)
	n = protowire.AppendString(n, name)
	n = protowire.AppendTag(n, nodeOutput, protowire.BytesType)
	n = protowire.AppendString(n, name+castSuffix)
	n = protowire.AppendTag(n, nodeName, protowire.BytesType)
	n = protowire.AppendString(n, name+castSuffix)
	n = protowire.AppendTag(n, nodeOpType, protowire.BytesType)
	n = protowire.AppendString(n, "Cast")
	n = protowire.AppendTag(n, nodeAttribute, protowire.BytesType)
	return protowire.AppendBytes(n, attr)
}

// float32ValueInfo is a ValueInfoProto for a float32 tensor of any shape.
func float32ValueInfo(name string) []byte {
	var tt []byte
	tt = protowire.AppendTag(tt, tensorTypeElem, protowire.VarintType)
	tt = protowire.AppendVarint(tt, uint64(Float32))
	var typ []byte
	typ = protowire.AppendTag(typ, typeTensor, protowire.BytesType)
	typ = protowire.AppendBytes(typ, tt)
	var vi []byte
	vi = protowire.AppendTag(vi, valueInfoName, protowire.BytesType)
	vi = protowire.AppendString(vi, name)
	vi = protowire.AppendTag(vi, valueInfoType, protowire.BytesType)
	return protowire.AppendBytes(vi, typ)
}

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
