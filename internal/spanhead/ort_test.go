package spanhead

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"

	"github.com/gliner-go/gliner/encoder"
)

// torchCase is one case of a fixture's torch_logits.json: the span model's
// input tensors.
type torchCase struct {
	Inputs map[string]struct {
		Dtype string  `json:"dtype"`
		Shape []int64 `json:"shape"`
		Data  []int64 `json:"data"`
	} `json:"inputs"`
}

// readCases reads the input tensors of a fixture's torch_logits.json.
func readCases(t *testing.T, path string) [][]encoder.Tensor {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("fixture inputs not found: %v", err)
	}
	var f struct{ Cases []torchCase }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var out [][]encoder.Tensor
	for _, c := range f.Cases {
		var ins []encoder.Tensor
		for _, name := range []string{"input_ids", "attention_mask", "words_mask", "text_lengths", "span_idx", "span_mask"} {
			in := c.Inputs[name]
			tn := encoder.Tensor{Name: name, Type: encoder.Int64, Shape: in.Shape, Int64: in.Data}
			if in.Dtype == "bool" {
				tn.Type, tn.Int64, tn.Bool = encoder.Bool, nil, make([]bool, len(in.Data))
				for i, v := range in.Data {
					tn.Bool[i] = v != 0
				}
			}
			ins = append(ins, tn)
		}
		out = append(out, ins)
	}
	return out
}

// run opens a graph from memory, runs it and returns its outputs by name.
func run(t *testing.T, model []byte, ins []encoder.Tensor) map[string]encoder.Tensor {
	t.Helper()
	s, err := encoder.OpenBytes(model)
	if errors.Is(err, encoder.ErrNoCgo) || errors.Is(err, encoder.ErrLibraryNotFound) {
		t.Skipf("ONNX Runtime not available: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	outs, err := s.Run(context.Background(), ins)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]encoder.Tensor{}
	for _, o := range outs {
		m[o.Name] = o
	}
	return m
}

// TestFactorisedLogits runs each span fixture's full graph and its
// rewritten graph on the fixture's torch inputs (a batch of 1 and of 3
// texts) and checks that span.FactorLogits on the rewritten graph's outputs
// gives the full graph's logits to 1e-4 relative (|Δ| ≤ 1e-4·max(1, |x|)),
// at every position, masked ones included.
func TestFactorisedLogits(t *testing.T) {
	cases := []struct{ name, model, inputs string }{
		{"span-bert", "../../testdata/models/span-bert/model.onnx", "../../testdata/models/span-bert/torch_logits.json"},
		{"span-deberta", "../../testdata/models/span-deberta/model.onnx", "../../testdata/models/span-deberta/torch_logits.json"},
		{"builtin", "../builtin/model/model.onnx", "../../testdata/models/span-deberta/torch_logits.json"},
		{"einsum", "testdata/einsum.onnx", "../../testdata/models/span-bert/torch_logits.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			model := readModel(t, c.model)
			head, err := Recognise(model)
			if err != nil {
				t.Fatal(err)
			}
			graph := graphBytes(t, head)
			for _, ins := range readCases(t, c.inputs) {
				full := run(t, model, ins)["logits"]
				got := factorise(t, run(t, graph, ins), ins[3].Int64, int(full.Shape[2]))
				compareLogits(t, got, full.Float32)
			}
		})
	}
}

// factorise computes the [B, W, K, C] logits from the rewritten graph's
// outputs with span.FactorLogits.
func factorise(t *testing.T, outs map[string]encoder.Tensor, lengths []int64, k int) []float32 {
	t.Helper()
	a, c0 := outs[OutputStart], outs[OutputLabelBias]
	B, W, H, C := int(a.Shape[0]), int(a.Shape[1]), int(a.Shape[2]), int(c0.Shape[1])
	dst := make([]float32, B*W*k*C)
	factoriseInto(dst, make([]float32, k*H), outs, lengths, k)
	return dst
}

func compareLogits(t *testing.T, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d logits, want %d", len(got), len(want))
	}
	worst := 0.0
	for i := range got {
		d := math.Abs(float64(got[i])-float64(want[i])) / max(1, math.Abs(float64(want[i])))
		worst = max(worst, d)
		if !(d <= 1e-4) {
			t.Fatalf("logit %d: factorised %v, graph %v", i, got[i], want[i])
		}
	}
	t.Logf("%d logits, largest relative difference %.2g", len(got), worst)
}
