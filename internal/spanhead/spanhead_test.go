package spanhead

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/gliner-go/gliner/internal/onnxpb"
)

// readModel reads a model file of the repository, skipping when absent.
func readModel(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(rel))
	if err != nil {
		t.Skipf("model not found: %v", err)
	}
	return b
}

func TestRecogniseFixtures(t *testing.T) {
	cases := []struct {
		name, path string
		form       Form
		hidden     int
	}{
		{"span-bert", "../../testdata/models/span-bert/model.onnx", FormFolded, 256},
		{"span-deberta", "../../testdata/models/span-deberta/model.onnx", FormFolded, 256},
		{"builtin", "../builtin/model/model.onnx", FormFolded, 512},
		{"einsum", "testdata/einsum.onnx", FormEinsum, 256},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			model := readModel(t, c.path)
			orig := bytes.Clone(model)
			h, err := Recognise(model)
			if err != nil {
				t.Fatal(err)
			}
			if h.Form != c.form || h.Hidden != c.hidden {
				t.Errorf("form %v hidden %d, want %v %d", h.Form, h.Hidden, c.form, c.hidden)
			}
			if !bytes.Equal(model, orig) {
				t.Error("Recognise changed its input")
			}
			checkRewritten(t, graphBytes(t, h))
		})
	}
}

// graphIO parses a serialized model and returns it with the names of its
// graph's inputs and outputs.
func graphIO(t *testing.T, graph []byte) (m *pb.ModelProto, ins, outs []string) {
	t.Helper()
	m = new(pb.ModelProto)
	if err := proto.Unmarshal(graph, m); err != nil {
		t.Fatal(err)
	}
	for _, o := range m.GetGraph().GetOutput() {
		outs = append(outs, o.GetName())
	}
	for _, i := range m.GetGraph().GetInput() {
		ins = append(ins, i.GetName())
	}
	return m, ins, outs
}

// checkRewritten checks the rewritten graph's outputs and inputs and that
// the span head's last layers are gone.
func checkRewritten(t *testing.T, graph []byte) {
	t.Helper()
	m, ins, outs := graphIO(t, graph)
	wantOuts := []string{OutputStart, OutputEnd, OutputLabels, OutputLabelBias}
	if !equal(outs, wantOuts) {
		t.Errorf("outputs %v, want %v", outs, wantOuts)
	}
	wantIns := []string{"input_ids", "attention_mask", "words_mask", "text_lengths", "span_idx", "span_mask"}
	if !equal(ins, wantIns) {
		t.Errorf("inputs %v, want %v", ins, wantIns)
	}
	for _, n := range m.GetGraph().GetNode() {
		if n.GetOpType() == "GatherElements" || n.GetOpType() == "Einsum" {
			t.Errorf("node %s (%s) left in the rewritten graph", n.GetName(), n.GetOpType())
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestNotRecognised checks heads the pattern must refuse: hand-made changes
// of the reference head and a token-level model.
func TestNotRecognised(t *testing.T) {
	cases := []struct {
		name   string
		model  func(t *testing.T) []byte
		reason string
	}{
		{"concat without ReLU", mutate(dropConcatReLU), "out_project's input is not a ReLU"},
		{"end before start", mutate(swapConcat), "want the start then the end"},
		{"three-way concat", mutate(widenConcat), "not a Concat of two tensors"},
		{"token model", func(t *testing.T) []byte { return readModel(t, "../../testdata/models/token-deberta-new/model.onnx") }, "logits come from neither"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Recognise(c.model(t))
			var nr *NotRecognisedError
			if !errors.As(err, &nr) || !errors.Is(err, ErrNotRecognised) {
				t.Fatalf("err = %v, want a *NotRecognisedError", err)
			}
			if !bytes.Contains([]byte(nr.Reason), []byte(c.reason)) {
				t.Errorf("reason %q does not say %q", nr.Reason, c.reason)
			}
		})
	}
}

func TestInvalidModel(t *testing.T) {
	for _, b := range [][]byte{[]byte("not a model"), {}} {
		if _, err := Recognise(b); !errors.Is(err, ErrInvalidModel) {
			t.Errorf("Recognise(%q) = %v, want ErrInvalidModel", b, err)
		}
	}
}

// mutate returns the einsum fixture with one change made to its graph.
func mutate(change func(t *testing.T, g *pb.GraphProto)) func(t *testing.T) []byte {
	return mutateFile("testdata/einsum.onnx", change)
}

// concatOf returns the head's Concat node and the ReLU node reading it.
func concatOf(t *testing.T, g *pb.GraphProto) (cat, relu *pb.NodeProto) {
	t.Helper()
	for _, n := range g.GetNode() {
		if n.GetOpType() == "Concat" && len(n.GetInput()) == 2 && attr(n, "axis").GetI() == -1 {
			cat = n
		}
	}
	for _, n := range g.GetNode() {
		if cat != nil && n.GetOpType() == "Relu" && n.GetInput()[0] == cat.GetOutput()[0] {
			relu = n
		}
	}
	if cat == nil || relu == nil {
		t.Fatal("the einsum fixture has no Concat + ReLU")
	}
	return cat, relu
}

func dropConcatReLU(t *testing.T, g *pb.GraphProto) {
	cat, relu := concatOf(t, g)
	for _, n := range g.GetNode() {
		for i, in := range n.GetInput() {
			if in == relu.GetOutput()[0] {
				n.Input[i] = cat.GetOutput()[0]
			}
		}
	}
}

func swapConcat(t *testing.T, g *pb.GraphProto) {
	cat, _ := concatOf(t, g)
	cat.Input[0], cat.Input[1] = cat.Input[1], cat.Input[0]
}

func widenConcat(t *testing.T, g *pb.GraphProto) {
	cat, _ := concatOf(t, g)
	cat.Input = append(cat.Input, cat.Input[0])
}

func TestLabelEquation(t *testing.T) {
	for eq, want := range map[string]bool{
		"BLKD,BCD->BLKC": true, "blkd,bcd->blkc": true, "abcd, aed -> abce": true,
		"BLKD,BCD->BLCK": false, "BLKD,BDC->BLKC": false, "BLKB,BCB->BLKC": false, "BLK,BC->BLKC": false,
	} {
		if got := labelEquation(eq); got != want {
			t.Errorf("labelEquation(%q) = %v, want %v", eq, got, want)
		}
	}
}
