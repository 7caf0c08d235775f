package spanhead

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/gliner-go/gliner/internal/onnxpb"
)

// biTextGraph is the bi-encoder fixture's text graph (first layer per word).
const biTextGraph = "../../testdata/models/bi-span/text_encoder.onnx"

// repsCases are the text graphs RecogniseReps must recognise: the fixture
// and the einsum fixture cut at its span representations (the reference's
// out_project on the concatenation), with inputs to run them on.
var repsCases = []struct {
	name   string
	model  func(t *testing.T) []byte
	inputs string
	form   Form
	hidden int
	dim    int
}{
	{"bi-span", func(t *testing.T) []byte { return readModel(t, biTextGraph) }, "../../testdata/models/span-deberta/torch_logits.json", FormFolded, 256, 64},
	{"einsum reps", mutate(cutAtSpanReps), "../../testdata/models/span-bert/torch_logits.json", FormEinsum, 256, 64},
}

func TestRecogniseReps(t *testing.T) {
	for _, c := range repsCases {
		t.Run(c.name, func(t *testing.T) {
			model := c.model(t)
			orig := bytes.Clone(model)
			h, err := RecogniseReps(model)
			if err != nil {
				t.Fatal(err)
			}
			if h.Form != c.form || h.Hidden != c.hidden || h.Dim != c.dim {
				t.Errorf("form %v hidden %d dim %d, want %v %d %d", h.Form, h.Hidden, h.Dim, c.form, c.hidden, c.dim)
			}
			if len(h.W2) != h.Hidden*h.Dim || len(h.B2) != h.Dim {
				t.Errorf("W2 has %d values, B2 %d, want %d and %d", len(h.W2), len(h.B2), h.Hidden*h.Dim, h.Dim)
			}
			if !bytes.Equal(model, orig) {
				t.Error("RecogniseReps changed its input")
			}
			checkRewrittenReps(t, graphBytes(t, h))
		})
	}
}

// checkRewrittenReps checks the rewritten text graph's outputs and inputs
// and that no per-span node is left.
func checkRewrittenReps(t *testing.T, graph []byte) {
	t.Helper()
	m, ins, outs := graphIO(t, graph)
	if want := []string{OutputStart, OutputEnd}; !equal(outs, want) {
		t.Errorf("outputs %v, want %v", outs, want)
	}
	wantIns := []string{"input_ids", "attention_mask", "words_mask", "text_lengths", "span_idx", "span_mask"}
	if !equal(ins, wantIns) {
		t.Errorf("inputs %v, want %v", ins, wantIns)
	}
	for _, n := range m.GetGraph().GetNode() {
		if n.GetOpType() == "GatherElements" {
			t.Errorf("node %s (%s) left in the rewritten graph", n.GetName(), n.GetOpType())
		}
	}
}

// TestRepsFactors runs each text graph and its rewritten graph on span
// fixtures' inputs (a batch of 1 and of 3 texts) and checks that
// relu(A_i + B_j)·W2 + B2 gives the graph's span_reps to 1e-4 relative
// for every span inside its text.
func TestRepsFactors(t *testing.T) {
	for _, c := range repsCases {
		t.Run(c.name, func(t *testing.T) {
			model := c.model(t)
			h, err := RecogniseReps(model)
			if err != nil {
				t.Fatal(err)
			}
			graph := graphBytes(t, h)
			for _, ins := range readCases(t, c.inputs) {
				reps := run(t, model, ins)["span_reps"]
				outs := run(t, graph, ins)
				checkReps(t, h, reps.Float32, reps.Shape, outs[OutputStart].Float32, outs[OutputEnd].Float32, ins[3].Int64)
			}
		})
	}
}

// checkReps compares span_reps [B, W, K, D] with the factors' float64
// value at every span inside its text.
func checkReps(t *testing.T, h *RepsHead, reps []float32, shape []int64, a, b []float32, lengths []int64) {
	t.Helper()
	B, W, K, D, H := int(shape[0]), int(shape[1]), int(shape[2]), int(shape[3]), h.Hidden
	if len(a) != B*W*H || len(b) != B*W*H || D != h.Dim {
		t.Fatalf("factors of %d and %d values, span_reps %v, want [%d %d %d] and D = %d", len(a), len(b), shape, B, W, H, h.Dim)
	}
	hid := make([]float64, H)
	compared := 0
	for n := range B {
		for i := range int(lengths[n]) {
			for k := range min(K, int(lengths[n])-i) {
				for x := range H {
					hid[x] = max(0, float64(a[(n*W+i)*H+x])+float64(b[(n*W+i+k)*H+x]))
				}
				for d := range D {
					want := float64(reps[((n*W+i)*K+k)*D+d])
					got := float64(h.B2[d])
					for x := range H {
						got += hid[x] * float64(h.W2[x*D+d])
					}
					if diff := math.Abs(got - want); !(diff <= 1e-4*max(1, math.Abs(want))) {
						t.Fatalf("text %d span (%d, %d) dim %d: factors give %v, the graph %v", n, i, i+k, d, got, want)
					}
					compared++
				}
			}
		}
	}
	if compared == 0 {
		t.Fatal("no span compared")
	}
}

// TestRepsNotRecognised checks text graphs the pattern must refuse.
func TestRepsNotRecognised(t *testing.T) {
	cases := []struct {
		name   string
		model  func(t *testing.T) []byte
		reason string
	}{
		{"no ReLU in out_project", mutateFile(biTextGraph, dropHiddenReLU), "no ReLU before out_project's last layer"},
		{"sigmoid for ReLU", mutateFile(biTextGraph, sigmoidHidden), "no ReLU before out_project's last layer"},
		{"per-word sum without bias", mutateFile(biTextGraph, dropHiddenBias), "not a per-word first layer"},
		{"concat without ReLU", mutate(func(t *testing.T, g *pb.GraphProto) { cutAtSpanReps(t, g); dropConcatReLU(t, g) }), "out_project's input is not a ReLU"},
		{"span model", func(t *testing.T) []byte { return readModel(t, "testdata/einsum.onnx") }, `no "span_reps" output`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := RecogniseReps(c.model(t))
			var nr *NotRecognisedError
			if !errors.As(err, &nr) || !errors.Is(err, ErrNotRecognised) {
				t.Fatalf("err = %v, want a *NotRecognisedError", err)
			}
			if !strings.Contains(nr.Reason, c.reason) {
				t.Errorf("reason %q does not say %q", nr.Reason, c.reason)
			}
		})
	}
	if _, err := RecogniseReps([]byte("not a model")); !errors.Is(err, ErrInvalidModel) {
		t.Errorf("RecogniseReps(garbage) = %v, want ErrInvalidModel", err)
	}
}

// mutateFile returns the model at path with one change made to its graph.
func mutateFile(path string, change func(t *testing.T, g *pb.GraphProto)) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		var m pb.ModelProto
		if err := proto.Unmarshal(readModel(t, path), &m); err != nil {
			t.Fatal(err)
		}
		change(t, m.GetGraph())
		b, err := proto.Marshal(&m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

// cutAtSpanReps makes the einsum fixture a text graph of the matched
// bi-encoder shape: the Einsum's span operand becomes the output span_reps.
func cutAtSpanReps(t *testing.T, g *pb.GraphProto) {
	var reps string
	for _, n := range g.GetNode() {
		if n.GetOpType() == "Einsum" {
			reps = n.GetInput()[0]
		}
	}
	if reps == "" {
		t.Fatal("the einsum fixture has no Einsum")
	}
	renameTensor(g, reps, "span_reps")
	g.Output = []*pb.ValueInfoProto{{Name: proto.String("span_reps")}}
	prune(g)
}

// renameTensor renames a tensor wherever nodes produce or read it.
func renameTensor(g *pb.GraphProto, from, to string) {
	for _, n := range g.GetNode() {
		for i, s := range n.GetInput() {
			if s == from {
				n.Input[i] = to
			}
		}
		for i, s := range n.GetOutput() {
			if s == from {
				n.Output[i] = to
			}
		}
	}
}

// hiddenReLU returns the ReLU of the span hidden layer of the fixture's
// text graph: the one feeding out_project's last MatMul.
func hiddenReLU(t *testing.T, g *pb.GraphProto) *pb.NodeProto {
	t.Helper()
	ix := newIndex(g)
	l2, err := ix.matchLinear(ix.strip(spanRepsOutput, "Reshape"))
	if err != nil {
		t.Fatal(err)
	}
	r := ix.node(l2.x, "Relu")
	if r == nil {
		t.Fatal("the fixture's text graph has no hidden ReLU")
	}
	return r
}

func dropHiddenReLU(t *testing.T, g *pb.GraphProto) {
	r := hiddenReLU(t, g)
	renameTensor(g, r.GetOutput()[0], r.GetInput()[0])
	r.Output[0] = "spanhead_test/unused"
}

func sigmoidHidden(t *testing.T, g *pb.GraphProto) {
	hiddenReLU(t, g).OpType = proto.String("Sigmoid")
}

// dropHiddenBias removes b1: the ReLU reads the sum of the two gathers.
func dropHiddenBias(t *testing.T, g *pb.GraphProto) {
	r := hiddenReLU(t, g)
	ix := newIndex(g)
	add := ix.node(r.GetInput()[0], "Add")
	if add == nil {
		t.Fatal("the fixture's hidden layer is not an Add")
	}
	sum, _, ok := ix.splitConst(add)
	if !ok {
		t.Fatal("the fixture's hidden layer has no constant bias")
	}
	r.Input[0] = sum
}
