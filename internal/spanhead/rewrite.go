package spanhead

import (
	"encoding/binary"
	"fmt"
	"math"

	pb "github.com/gliner-go/gliner/internal/onnxpb"
)

// Names of the rewritten graph's outputs.
const (
	OutputStart     = "spanhead_start"      // A = W1a·relu(s), [B, W, H]
	OutputEnd       = "spanhead_end"        // B = W1b·relu(e) + b1, [B, W, H]
	OutputLabels    = "spanhead_labels"     // Q = W2ᵀ·p, [B, C, H]
	OutputLabelBias = "spanhead_label_bias" // c0 = b2·p, [B, C]
)

// logitsOutput is the span model's logits output.
const logitsOutput = "logits"

// Head is a recognised markerV0 span head and the rewritten model: the
// source's inputs, the four Output* outputs. [Head.WriteTo] or [Head.Bytes]
// serializes the rewritten model, once.
type Head struct {
	Form   Form // the form the head was recognised in
	Hidden int  // H, the width of out_project's hidden layer (4D)

	rewritten
}

// Recognise parses a serialized ONNX model, finds its markerV0 span head
// and rewrites the graph. The input bytes are not modified.
func Recognise(model []byte) (*Head, error) {
	m, err := parseModel(model)
	if err != nil {
		return nil, err
	}
	return recognise(m)
}

// RecogniseFile is [Recognise] on the model file at path. It drops the
// file's bytes (and collects them) once they are parsed; with
// [Head.WriteTo], a large model is held in memory twice at most (the file's
// bytes and the parsed model), and once after the parse.
func RecogniseFile(path string) (*Head, error) {
	m, err := readModelFile(path)
	if err != nil {
		return nil, err
	}
	return recognise(m)
}

// recognise finds the span head of a parsed model and rewrites it in place.
func recognise(m *pb.ModelProto) (*Head, error) {
	g := m.GetGraph()
	if g == nil {
		return nil, fmt.Errorf("%w: no graph", ErrInvalidModel)
	}
	if !hasOutput(g, logitsOutput) {
		return nil, notRecognised("the graph has no %q output", logitsOutput)
	}
	ix := newIndex(g)
	p, err := ix.match(logitsOutput)
	if err != nil {
		return nil, err
	}
	if err := p.rewrite(ix); err != nil {
		return nil, err
	}
	prune(g)
	return &Head{Form: p.form, Hidden: p.hidden(), rewritten: rewritten{m}}, nil
}

func hasOutput(g *pb.GraphProto, name string) bool {
	for _, o := range g.GetOutput() {
		if o.GetName() == name {
			return true
		}
	}
	return false
}

// rewrite adds the nodes computing the four outputs to the graph and makes
// them its only outputs.
func (p *parts) rewrite(ix *index) error {
	if err := checkFree(ix, OutputStart, OutputEnd, OutputLabels, OutputLabelBias, "spanhead/b1"); err != nil {
		return err
	}
	g := ix.g
	p.wordNodes(g)
	if p.form == FormEinsum {
		p.einsumLabelNodes(g)
	} else {
		g.Node = append(g.Node,
			node("Identity", "spanhead/labels", []string{p.labelProd}, OutputLabels),
			node("Identity", "spanhead/label_bias", []string{p.labelBias}, OutputLabelBias))
	}
	g.Output = []*pb.ValueInfoProto{
		floatOutput(OutputStart, "batch_size", "num_words", p.hidden()),
		floatOutput(OutputEnd, "batch_size", "num_words", p.hidden()),
		floatOutput(OutputLabels, "batch_size", "num_classes", p.hidden()),
		floatOutput(OutputLabelBias, "batch_size", "num_classes"),
	}
	return nil
}

// einsumLabelNodes adds the per-label products of a reference head, with
// weights in the MatMul orientation ([in, out]): Q = p·W2ᵀ and c0 = p·b2.
func (p *parts) einsumLabelNodes(g *pb.GraphProto) {
	d, h := p.l2.out, p.l1.out
	b2 := p.l2.b
	if b2 == nil {
		b2 = make([]float32, d)
	}
	g.Initializer = append(g.Initializer,
		floatTensor("spanhead/w2t", transpose(p.l2.w, h, d), d, h),
		floatTensor("spanhead/b2", b2, d))
	g.Node = append(g.Node,
		node("MatMul", "spanhead/labels", []string{p.labels, "spanhead/w2t"}, OutputLabels),
		node("MatMul", "spanhead/label_bias", []string{p.labels, "spanhead/b2"}, OutputLabelBias))
}

func node(op, name string, in []string, out string) *pb.NodeProto {
	return &pb.NodeProto{OpType: &op, Name: &name, Input: in, Output: []string{out}}
}

// floatTensor builds a float32 initializer with raw little-endian data.
func floatTensor(name string, vals []float32, dims ...int) *pb.TensorProto {
	raw := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	dt := int32(pb.TensorProto_FLOAT)
	t := &pb.TensorProto{Name: &name, DataType: &dt, RawData: raw}
	for _, d := range dims {
		t.Dims = append(t.Dims, int64(d))
	}
	return t
}

// floatOutput describes a float32 output whose leading axes are symbolic and
// whose optional last axis has the given size.
func floatOutput(name string, axes ...any) *pb.ValueInfoProto {
	shape := &pb.TensorShapeProto{}
	for _, a := range axes {
		d := &pb.TensorShapeProto_Dimension{}
		switch v := a.(type) {
		case string:
			d.Value = &pb.TensorShapeProto_Dimension_DimParam{DimParam: v}
		case int:
			d.Value = &pb.TensorShapeProto_Dimension_DimValue{DimValue: int64(v)}
		}
		shape.Dim = append(shape.Dim, d)
	}
	elem := int32(pb.TensorProto_FLOAT)
	tt := &pb.TypeProto_Tensor{ElemType: &elem, Shape: shape}
	return &pb.ValueInfoProto{Name: &name, Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: tt}}}
}
