package spanhead

import (
	"fmt"
	"os"
	"runtime"

	"google.golang.org/protobuf/proto"

	pb "github.com/gliner-go/gliner/internal/onnxpb"
)

// spanRepsOutput is the span representation output of a bi-encoder text
// graph (matched shape).
const spanRepsOutput = "span_reps"

// RepsHead is a recognised markerV0 head of a bi-encoder text graph, which
// ends in the span representations
//
//	span_reps[i, j] = relu(A_i + B_j)·W2 + B2
//
// instead of logits. The caller folds W2 and B2 into its label vectors p:
// span_reps[i, j]·p = relu(A_i + B_j)·(W2·p) + B2·p.
type RepsHead struct {
	Form   Form      // the form the head was recognised in
	Hidden int       // H, the width of out_project's hidden layer
	Dim    int       // D, the width of the span representations
	W2     []float32 // out_project's last weight, [H, D] row-major (MatMul orientation)
	B2     []float32 // out_project's last bias, [D] (zeros when the graph has none)

	// The rewritten model: same inputs, outputs [OutputStart] and
	// [OutputEnd]; written once by WriteTo or Bytes.
	rewritten
}

// RecogniseReps parses a serialized bi-encoder text graph whose output
// span_reps comes from a markerV0 head, and returns the head with the graph
// rewritten to output the per-word factors A and B ([B, W, H] each, b1
// included in B). Both forms are recognised: out_project on the ReLU of the
// concatenated start and end gathers ([FormEinsum], as the reference
// computes it) and a first layer already applied per word ([FormFolded]).
// The input bytes are not modified.
func RecogniseReps(model []byte) (*RepsHead, error) {
	m, err := parseModel(model)
	if err != nil {
		return nil, err
	}
	return recogniseReps(m)
}

// RecogniseRepsFile is [RecogniseReps] on the model file at path; like
// [RecogniseFile] it drops the file's bytes once they are parsed.
func RecogniseRepsFile(path string) (*RepsHead, error) {
	m, err := readModelFile(path)
	if err != nil {
		return nil, err
	}
	return recogniseReps(m)
}

// readModelFile parses the model file at path and collects its bytes.
func readModelFile(path string) (*pb.ModelProto, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := parseModel(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	data = nil
	runtime.GC()
	return m, nil
}

// parseModel parses a serialized ONNX model.
func parseModel(model []byte) (*pb.ModelProto, error) {
	var m pb.ModelProto
	if err := proto.Unmarshal(model, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidModel, err)
	}
	return &m, nil
}

// recogniseReps finds the span head of a parsed text graph and rewrites it
// in place.
func recogniseReps(m *pb.ModelProto) (*RepsHead, error) {
	g := m.GetGraph()
	if g == nil {
		return nil, fmt.Errorf("%w: no graph", ErrInvalidModel)
	}
	if !hasOutput(g, spanRepsOutput) {
		return nil, notRecognised("the graph has no %q output", spanRepsOutput)
	}
	ix := newIndex(g)
	p, err := ix.matchReps(spanRepsOutput)
	if err != nil {
		return nil, err
	}
	if err := checkFree(ix, OutputStart, OutputEnd, "spanhead/b1"); err != nil {
		return nil, err
	}
	p.wordNodes(g)
	g.Output = []*pb.ValueInfoProto{
		floatOutput(OutputStart, "batch_size", "num_words", p.hidden()),
		floatOutput(OutputEnd, "batch_size", "num_words", p.hidden()),
	}
	prune(g)
	b2 := p.l2.b
	if b2 == nil {
		b2 = make([]float32, p.l2.out)
	}
	return &RepsHead{Form: p.form, Hidden: p.hidden(), Dim: p.l2.out, W2: p.l2.w, B2: b2, rewritten: rewritten{m}}, nil
}

// matchReps matches reshape(out_project(...)) behind the span_reps tensor:
// the last Linear, a ReLU, then either out_project's first layer on the
// concatenated gathers (FormEinsum) or gather(A) + gather(B) + b1
// (FormFolded).
func (ix *index) matchReps(reps string) (*parts, error) {
	l2, err := ix.matchLinear(ix.strip(reps, "Reshape"))
	if err != nil {
		return nil, err
	}
	r := ix.node(l2.x, "Relu")
	if r == nil {
		return nil, notRecognised("no ReLU before out_project's last layer")
	}
	hidden := r.GetInput()[0]
	p := &parts{form: FormEinsum, l2: l2}
	errE := ix.matchFirstLayer(p, hidden)
	if errE == nil {
		return p, nil
	}
	p = &parts{form: FormFolded, l2: l2}
	errF := ix.matchFoldedSum(p, hidden)
	if errF == nil && len(p.b1) != l2.in {
		errF = notRecognised("the span hidden layer has %d values, out_project's last layer takes %d", len(p.b1), l2.in)
	}
	if errF == nil {
		return p, nil
	}
	return nil, notRecognised("not the reference first layer (%s), not a per-word first layer (%s)", reason(errE), reason(errF))
}

// checkFree fails if the graph already has a tensor of one of the names the
// rewrite adds.
func checkFree(ix *index, names ...string) error {
	for _, name := range names {
		if _, taken := ix.producer[name]; taken {
			return notRecognised("the graph already has a tensor %q", name)
		}
	}
	return nil
}

// wordNodes adds the nodes of the per-word factors [OutputStart] and
// [OutputEnd]. For a reference head, with weights in the MatMul orientation
// ([in, out]): A = relu(s)·W1a and B = relu(e)·W1b + b1; for a folded head
// the graph's own per-word products, b1 added to the end's.
func (p *parts) wordNodes(g *pb.GraphProto) {
	if p.form != FormEinsum {
		g.Initializer = append(g.Initializer, floatTensor("spanhead/b1", p.b1, len(p.b1)))
		g.Node = append(g.Node,
			node("Identity", "spanhead/start", []string{p.startProd}, OutputStart),
			node("Add", "spanhead/end", []string{p.endProd, "spanhead/b1"}, OutputEnd))
		return
	}
	d, h := p.l1.in/2, p.l1.out
	g.Initializer = append(g.Initializer,
		floatTensor("spanhead/w1a", p.l1.w[:d*h], d, h),
		floatTensor("spanhead/w1b", p.l1.w[d*h:], d, h),
		floatTensor("spanhead/b1", p.l1.b, h))
	g.Node = append(g.Node,
		node("Relu", "spanhead/relu_start", []string{p.start}, "spanhead/relu_start"),
		node("MatMul", "spanhead/start", []string{"spanhead/relu_start", "spanhead/w1a"}, OutputStart),
		node("Relu", "spanhead/relu_end", []string{p.end}, "spanhead/relu_end"),
		node("MatMul", "spanhead/end_w", []string{"spanhead/relu_end", "spanhead/w1b"}, "spanhead/end_w"),
		node("Add", "spanhead/end", []string{"spanhead/end_w", "spanhead/b1"}, OutputEnd))
}
