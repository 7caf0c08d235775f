package encoder

import (
	"errors"
	"strings"
	"testing"
)

// basicInfo is what basic.onnx declares (see testdata/gen_graphs.py).
var (
	basicInputs = []TensorInfo{
		{Name: "a", Type: Int64, Shape: []int64{-1, -1}},
		{Name: "b", Type: Int64, Shape: []int64{-1, -1}},
		{Name: "mask", Type: Bool, Shape: []int64{-1, -1}},
		{Name: "x", Type: Float32, Shape: []int64{-1, 4}},
	}
	basicOutputs = []TensorInfo{
		{Name: "sum", Type: Int64, Shape: []int64{-1, -1}},
		{Name: "inverted", Type: Bool, Shape: []int64{-1, -1}},
		{Name: "count", Type: Int64, Shape: []int64{-1}},
		{Name: "proj", Type: Float32, Shape: []int64{-1, 3}},
	}
)

// basicContract matches basic.onnx exactly.
func basicContract() Contract {
	return Contract{
		Inputs: []TensorSpec{
			{Name: "a", Type: Int64, Shape: []int64{-1, -1}},
			{Name: "b", Type: Int64, Shape: []int64{-1, -1}},
			{Name: "mask", Type: Bool, Shape: []int64{-1, -1}},
			{Name: "x", Type: Float32, Shape: []int64{-1, 4}},
		},
		Outputs: []TensorSpec{
			{Name: "sum", Type: Int64, Shape: []int64{-1, -1}},
			{Name: "inverted", Type: Bool},
			{Name: "count", Type: Int64, Shape: []int64{-1}},
			{Name: "proj", Type: Float32, Shape: []int64{-1, 3}},
		},
	}
}

// mismatchedContract differs from basic.onnx in every way a contract can.
func mismatchedContract() (Contract, []Difference) {
	c := Contract{
		Inputs: []TensorSpec{
			{Name: "a", Type: Int64, Shape: []int64{-1, -1}},           // ok
			{Name: "b", Type: Float32, Shape: []int64{-1, -1}},         // wrong type
			{Name: "mask", Type: Bool, Shape: []int64{-1, -1, -1}},     // wrong rank
			{Name: "x", Type: Int32, Shape: []int64{2, 5}},             // wrong type, dim 1 (dim 0 is dynamic: fine)
			{Name: "span_idx", Type: Int64, Shape: []int64{-1, -1, 2}}, // missing
		},
		Outputs: []TensorSpec{
			{Name: "sum", Type: Int64, Shape: []int64{-1, -1}}, // ok
			{Name: "logits", Type: Float32, Shape: []int64{-1, -1, -1, -1}},
			{Name: "proj", Type: Float32, Shape: []int64{-1, 3}}, // ok
		},
	}
	want := []Difference{
		{Kind: WrongType, Name: "b", Dim: -1, Want: "float32", Got: "int64"},
		{Kind: WrongRank, Name: "mask", Dim: -1, Want: "rank 3 [? ? ?]", Got: "rank 2 [? ?]"},
		{Kind: WrongType, Name: "x", Dim: -1, Want: "int32", Got: "float32"},
		{Kind: WrongDim, Name: "x", Dim: 1, Want: "5", Got: "4"},
		{Kind: MissingInput, Name: "span_idx", Dim: -1, Want: "span_idx int64[? ? 2]"},
		{Kind: MissingOutput, Output: true, Name: "logits", Dim: -1, Want: "logits float32[? ? ? ?]"},
		{Kind: ExtraOutput, Output: true, Name: "inverted", Dim: -1, Got: "bool[? ?]"},
		{Kind: ExtraOutput, Output: true, Name: "count", Dim: -1, Got: "int64[?]"},
	}
	return c, want
}

func checkDiffs(tb testing.TB, err error, want []Difference) {
	tb.Helper()
	var ce *ContractError
	if !errors.As(err, &ce) || !errors.Is(err, ErrContract) {
		tb.Fatalf("got %v, want *ContractError", err)
	}
	if len(ce.Diffs) != len(want) {
		tb.Fatalf("got %d differences, want %d:\n%s", len(ce.Diffs), len(want), err)
	}
	for i := range want {
		if ce.Diffs[i] != want[i] {
			tb.Errorf("difference %d = %+v, want %+v", i, ce.Diffs[i], want[i])
		}
	}
}

func TestCheckContract(t *testing.T) {
	if err := checkContract(basicContract(), basicInputs, basicOutputs); err != nil {
		t.Fatalf("exact contract: %v", err)
	}
	c, want := mismatchedContract()
	err := checkContract(c, basicInputs, basicOutputs)
	checkDiffs(t, err, want)
	msg := err.Error()
	for _, phrase := range []string{
		`input "b" has wrong type int64, want float32`,
		`input "mask" has wrong rank rank 2 [? ?], want rank 3 [? ? ?]`,
		`input "x" dimension 1 is 4, want 5`,
		`input "span_idx" missing (want span_idx int64[? ? 2])`,
		`output "logits" missing`,
		`unexpected output "count" (int64[?])`,
	} {
		if !strings.Contains(msg, phrase) {
			t.Errorf("error lacks %q:\n%s", phrase, msg)
		}
	}
}

func TestCheckContractExtras(t *testing.T) {
	c := Contract{Inputs: []TensorSpec{{Name: "a", Type: Int64}}, Outputs: []TensorSpec{{Name: "sum", Type: Int64}}}
	checkDiffs(t, checkContract(c, basicInputs, basicOutputs), []Difference{
		{Kind: ExtraInput, Name: "b", Dim: -1, Got: "int64[? ?]"},
		{Kind: ExtraInput, Name: "mask", Dim: -1, Got: "bool[? ?]"},
		{Kind: ExtraInput, Name: "x", Dim: -1, Got: "float32[? 4]"},
		{Kind: ExtraOutput, Output: true, Name: "inverted", Dim: -1, Got: "bool[? ?]"},
		{Kind: ExtraOutput, Output: true, Name: "count", Dim: -1, Got: "int64[?]"},
		{Kind: ExtraOutput, Output: true, Name: "proj", Dim: -1, Got: "float32[? 3]"},
	})
	c.AllowExtraInputs, c.AllowExtraOutputs = true, true
	if err := checkContract(c, basicInputs, basicOutputs); err != nil {
		t.Fatalf("extras allowed: %v", err)
	}
	// A fixed size in the contract accepts a dynamic graph dimension.
	c = Contract{Inputs: []TensorSpec{{Name: "a", Type: Int64, Shape: []int64{1, 7}}}, AllowExtraInputs: true, AllowExtraOutputs: true}
	if err := checkContract(c, basicInputs, basicOutputs); err != nil {
		t.Fatalf("fixed spec on dynamic dims: %v", err)
	}
}

func TestTensorValidate(t *testing.T) {
	tests := []struct {
		name   string
		t      Tensor
		reason string // "" = valid
	}{
		{"int64", Int64Tensor("a", []int64{2, 3}, make([]int64, 6)), ""},
		{"bool", BoolTensor("m", []int64{1, 2}, []bool{true, false}), ""},
		{"float32", Float32Tensor("x", []int64{4}, make([]float32, 4)), ""},
		{"zero elements nil data", Int64Tensor("a", []int64{0, 3}, nil), ""},
		{"too few", Int64Tensor("a", []int64{2, 3}, make([]int64, 5)), "needs 6 elements, data has 5"},
		{"too many", Float32Tensor("x", []int64{1}, make([]float32, 2)), "needs 1 elements, data has 2"},
		{"negative dim", Int64Tensor("a", []int64{2, -3}, nil), "dimension 1 is negative"},
		{"overflow", Int64Tensor("a", []int64{1 << 30, 1 << 30, 1 << 30}, nil), "more than"},
		{"scalar", Int64Tensor("a", nil, []int64{1}), "rank-0"},
		{"unsupported type", Tensor{Name: "s", Type: Int32, Shape: []int64{1}}, "element type int32 is not supported"},
		{"two fields", Tensor{Name: "a", Type: Int64, Shape: []int64{1}, Int64: []int64{1}, Bool: []bool{true}}, "another data field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.t.validate()
			if tt.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("got %v, want *InputError with %q", err, tt.reason)
			}
			if ie.Name != tt.t.Name {
				t.Errorf("Name = %q, want %q", ie.Name, tt.t.Name)
			}
		})
	}
}

func TestEnumStrings(t *testing.T) {
	tests := []struct{ got, want string }{
		{Int64.String(), "int64"},
		{Bool.String(), "bool"},
		{Float32.String(), "float32"},
		{BFloat16.String(), "bfloat16"},
		{ElementType(99).String(), "ElementType(99)"},
		{OptimizeAll.String(), "all"},
		{OptimizeDisabled.String(), "disabled"},
		{OptimizationLevel(-1).String(), "OptimizationLevel(-1)"},
		{CUDA.String(), "CUDA"},
		{Provider(42).String(), "Provider(42)"},
		{WrongDim.String(), "wrong dimension"},
		{DiffKind(9).String(), "DiffKind(9)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Provider{"cpu": CPU, "CUDAExecutionProvider": CUDA, " TensorRT ": TensorRT, "coreml": CoreML, "OpenVINO": OpenVINO, "dml": -1, "": -1} {
		p, err := ParseProvider(in)
		if want < 0 {
			if !errors.Is(err, ErrInvalidOption) {
				t.Errorf("ParseProvider(%q) = %v, %v; want ErrInvalidOption", in, p, err)
			}
			continue
		}
		if err != nil || p != want {
			t.Errorf("ParseProvider(%q) = %v, %v; want %v", in, p, err, want)
		}
	}
	for in, want := range map[string]OptimizationLevel{"all": OptimizeAll, "Basic": OptimizeBasic, "EXTENDED": OptimizeExtended, "disabled": OptimizeDisabled} {
		if l, err := ParseOptimizationLevel(in); err != nil || l != want {
			t.Errorf("ParseOptimizationLevel(%q) = %v, %v", in, l, err)
		}
	}
	if _, err := ParseOptimizationLevel("max"); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("ParseOptimizationLevel(max) = %v", err)
	}
}

func TestInvalidOptions(t *testing.T) {
	for name, opt := range map[string]Option{
		"intra":     WithIntraOpThreads(-1),
		"inter":     WithInterOpThreads(-2),
		"level":     WithOptimization(OptimizationLevel(7)),
		"providers": WithProviders(CUDA, Provider(12)),
	} {
		cfg := newConfig([]Option{opt})
		if err := errors.Join(cfg.errs...); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("%s: errs = %v, want ErrInvalidOption", name, err)
		}
	}
}
