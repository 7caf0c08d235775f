package encoder

import (
	"bytes"
	"slices"
	"testing"
)

// FuzzCheckContract reads the inputs and outputs of arbitrary .onnx bytes
// (pure Go: no ONNX Runtime session, so it runs at thousands of inputs per
// second) and checks the contract comparison on them: a contract made from
// the graph's own declarations has no difference; changing one spec's type,
// rank or name gives exactly the difference expected for that tensor; every
// difference names a tensor of the contract or of the graph.
func FuzzCheckContract(f *testing.F) {
	for _, name := range []string{"basic.onnx", "slow.onnx", "iface.onnx", "int32out.onnx"} {
		f.Add(readTestGraph(f, name), uint8(0), uint8(0))
		f.Add(readTestGraph(f, name), uint8(3), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, pick, change uint8) {
		ins, outs, err := readGraphIO(bytes.NewReader(data), int64(len(data)))
		if err != nil || !uniqueNames(ins) || !uniqueNames(outs) {
			return
		}
		c := contractOf(ins, outs)
		if err := checkContract(c, ins, outs); err != nil {
			t.Fatalf("contract made from the graph: %v", err)
		}
		specs := append(slices.Clone(c.Inputs), c.Outputs...)
		if len(specs) == 0 {
			return
		}
		i := int(pick) % len(specs)
		want := mutateSpec(&specs[i], change)
		c.Inputs, c.Outputs = specs[:len(c.Inputs)], specs[len(c.Inputs):]
		checkMutation(t, checkContract(c, ins, outs), specs[i], i >= len(c.Inputs), want)
	})
}

func uniqueNames(infos []TensorInfo) bool {
	seen := map[string]bool{}
	for _, i := range infos {
		if seen[i.Name] {
			return false
		}
		seen[i.Name] = true
	}
	return true
}

func contractOf(ins, outs []TensorInfo) Contract {
	var c Contract
	for _, i := range ins {
		c.Inputs = append(c.Inputs, TensorSpec{Name: i.Name, Type: i.Type, Shape: slices.Clone(i.Shape)})
	}
	for _, o := range outs {
		c.Outputs = append(c.Outputs, TensorSpec{Name: o.Name, Type: o.Type, Shape: slices.Clone(o.Shape)})
	}
	return c
}

// mutateSpec changes s in one way and returns the difference kinds it must
// cause (for a rename: the missing tensor then the extra one).
func mutateSpec(s *TensorSpec, change uint8) []DiffKind {
	switch change % 3 {
	case 0:
		s.Type = s.Type%16 + 1 // another element type
		return []DiffKind{WrongType}
	case 1:
		s.Shape = append(s.Shape, -1)
		return []DiffKind{WrongRank}
	}
	s.Name += "\x00renamed"
	return []DiffKind{MissingInput, ExtraInput}
}

func checkMutation(t *testing.T, err error, s TensorSpec, output bool, want []DiffKind) {
	t.Helper()
	if err == nil {
		t.Fatalf("no difference after changing %v", s)
	}
	ce := err.(*ContractError)
	var got []DiffKind
	for _, d := range ce.Diffs {
		if d.Output != output || d.String() == "" {
			t.Fatalf("difference %+v for a change of %v (output %v)", d, s, output)
		}
		got = append(got, d.Kind)
	}
	if output && len(want) == 2 {
		want = []DiffKind{MissingOutput, ExtraOutput}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("changing %v gave %v, want %v", s, ce, want)
	}
}
