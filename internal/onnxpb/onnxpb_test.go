package onnxpb

import (
	"os"
	"testing"

	"google.golang.org/protobuf/proto"
)

// TestRoundTrip reads a fixture model, writes it again and reads the copy:
// the two messages are equal and the graph's names survive.
func TestRoundTrip(t *testing.T) {
	b, err := os.ReadFile("../../testdata/models/span-bert/model.onnx")
	if err != nil {
		t.Skipf("fixture not found: %v", err)
	}
	var m ModelProto
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	g := m.GetGraph()
	if len(g.GetOutput()) != 1 || g.GetOutput()[0].GetName() != "logits" {
		t.Fatalf("outputs %v, want [logits]", g.GetOutput())
	}
	if len(g.GetNode()) == 0 || len(g.GetInitializer()) == 0 {
		t.Fatalf("%d nodes, %d initializers", len(g.GetNode()), len(g.GetInitializer()))
	}
	out, err := proto.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	var m2 ModelProto
	if err := proto.Unmarshal(out, &m2); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(&m, &m2) {
		t.Fatal("the model read back differs")
	}
}
