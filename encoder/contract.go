package encoder

import (
	"fmt"
	"strconv"
	"strings"
)

// Contract is what a caller expects of a graph's inputs and outputs; see
// [Session.Check]. The encoder package knows no particular contract: callers
// such as package gliner pass their own.
type Contract struct {
	Inputs  []TensorSpec
	Outputs []TensorSpec
	// AllowExtraInputs accepts graph inputs the contract does not list
	// (Run must still be given a tensor for each). By default they are
	// differences of kind [ExtraInput].
	AllowExtraInputs bool
	// AllowExtraOutputs accepts graph outputs the contract does not list.
	// By default they are differences of kind [ExtraOutput].
	AllowExtraOutputs bool
}

// TensorSpec is the expected name, element type and shape of one input or
// output.
type TensorSpec struct {
	Name string
	// Type is the element type. A float16 graph input or output satisfies
	// [Float32]: [Session.Run] takes and returns float32 data for it.
	Type ElementType
	// Shape gives the expected rank (its length) and dimensions: -1 accepts
	// any size; a size >= 0 must equal the graph's dimension unless the
	// graph's is dynamic. A nil Shape checks neither rank nor dimensions.
	Shape []int64
}

// String formats the spec as `name int64[? 2]`.
func (s TensorSpec) String() string {
	if s.Shape == nil {
		return fmt.Sprintf("%s %s", s.Name, s.Type)
	}
	return fmt.Sprintf("%s %s%s", s.Name, s.Type, formatShape(s.Shape))
}

// DiffKind classifies a [Difference].
type DiffKind int

// Kinds of difference between a graph and a [Contract].
const (
	MissingInput  DiffKind = iota // the contract's input is not in the graph
	ExtraInput                    // the graph's input is not in the contract
	MissingOutput                 // the contract's output is not in the graph
	ExtraOutput                   // the graph's output is not in the contract
	WrongType                     // same name, other element type
	WrongRank                     // same name, other number of dimensions
	WrongDim                      // same name and rank, a fixed dimension differs
)

var diffKindNames = [...]string{
	"missing input", "extra input", "missing output", "extra output",
	"wrong type", "wrong rank", "wrong dimension",
}

// String returns the kind in words, e.g. "missing input".
func (k DiffKind) String() string {
	if k >= 0 && int(k) < len(diffKindNames) {
		return diffKindNames[k]
	}
	return "DiffKind(" + strconv.Itoa(int(k)) + ")"
}

// Difference is one way in which a graph departs from a [Contract].
type Difference struct {
	Kind   DiffKind
	Output bool   // the difference concerns an output (else an input)
	Name   string // the input or output
	Dim    int    // for WrongDim, the dimension index; else -1
	Want   string // what the contract expects, e.g. "int64" or "rank 3"
	Got    string // what the graph has
}

// String describes the difference in one phrase.
func (d Difference) String() string {
	what := "input"
	if d.Output {
		what = "output"
	}
	switch d.Kind {
	case MissingInput, MissingOutput:
		return fmt.Sprintf("%s %q missing (want %s)", what, d.Name, d.Want)
	case ExtraInput, ExtraOutput:
		return fmt.Sprintf("unexpected %s %q (%s)", what, d.Name, d.Got)
	case WrongDim:
		return fmt.Sprintf("%s %q dimension %d is %s, want %s", what, d.Name, d.Dim, d.Got, d.Want)
	default:
		return fmt.Sprintf("%s %q has %s %s, want %s", what, d.Name, d.Kind, d.Got, d.Want)
	}
}

// ContractError lists every difference between a graph and a [Contract].
type ContractError struct {
	Diffs []Difference
}

// Error implements error.
func (e *ContractError) Error() string {
	parts := make([]string, len(e.Diffs))
	for i, d := range e.Diffs {
		parts[i] = d.String()
	}
	return ErrContract.Error() + ": " + strings.Join(parts, "; ")
}

// Unwrap returns [ErrContract].
func (e *ContractError) Unwrap() error { return ErrContract }

// checkContract compares a graph's inputs and outputs with c; it returns
// nil or a *ContractError with the differences, inputs before outputs, each
// side in the contract's order then the graph's.
func checkContract(c Contract, inputs, outputs []TensorInfo) error {
	var diffs []Difference
	diffs = compareSide(diffs, c.Inputs, inputs, c.AllowExtraInputs, false)
	diffs = compareSide(diffs, c.Outputs, outputs, c.AllowExtraOutputs, true)
	if len(diffs) == 0 {
		return nil
	}
	return &ContractError{Diffs: diffs}
}

func compareSide(diffs []Difference, want []TensorSpec, got []TensorInfo, allowExtra, output bool) []Difference {
	missing, extra := MissingInput, ExtraInput
	if output {
		missing, extra = MissingOutput, ExtraOutput
	}
	byName := make(map[string]TensorInfo, len(got))
	for _, g := range got {
		byName[g.Name] = g
	}
	expected := make(map[string]bool, len(want))
	for _, w := range want {
		expected[w.Name] = true
		g, ok := byName[w.Name]
		if !ok {
			diffs = append(diffs, Difference{Kind: missing, Output: output, Name: w.Name, Dim: -1, Want: w.String()})
			continue
		}
		diffs = compareOne(diffs, w, g, output)
	}
	if allowExtra {
		return diffs
	}
	for _, g := range got {
		if !expected[g.Name] {
			diffs = append(diffs, Difference{Kind: extra, Output: output, Name: g.Name, Dim: -1,
				Got: g.Type.String() + formatShape(g.Shape)})
		}
	}
	return diffs
}

func compareOne(diffs []Difference, w TensorSpec, g TensorInfo, output bool) []Difference {
	d := Difference{Output: output, Name: w.Name, Dim: -1}
	if w.Type != g.Type && !(w.Type == Float32 && g.Type == Float16) {
		d.Kind, d.Want, d.Got = WrongType, w.Type.String(), g.Type.String()
		diffs = append(diffs, d)
	}
	if w.Shape == nil {
		return diffs
	}
	if len(w.Shape) != len(g.Shape) {
		d.Kind = WrongRank
		d.Want = fmt.Sprintf("rank %d %s", len(w.Shape), formatShape(w.Shape))
		d.Got = fmt.Sprintf("rank %d %s", len(g.Shape), formatShape(g.Shape))
		return append(diffs, d)
	}
	for i, want := range w.Shape {
		got := g.Shape[i]
		if want >= 0 && got >= 0 && want != got {
			d.Kind, d.Dim = WrongDim, i
			d.Want, d.Got = strconv.FormatInt(want, 10), strconv.FormatInt(got, 10)
			diffs = append(diffs, d)
		}
	}
	return diffs
}
