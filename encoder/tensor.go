package encoder

import (
	"fmt"
	"strconv"
	"strings"
)

// ElementType is the element type of a tensor. The values are those of ONNX's
// TensorProto.DataType (and ONNX Runtime's ONNXTensorElementDataType).
type ElementType int

// Element types. Only [Float32], [Int64] and [Bool] tensors can be passed to
// or returned by [Session.Run] (a [Float16] graph input or output is given
// and returned as [Float32]); the others appear in [Session.Inputs] and
// [Session.Outputs] of arbitrary graphs.
const (
	Undefined  ElementType = 0 // not a tensor, or unknown
	Float32    ElementType = 1
	Uint8      ElementType = 2
	Int8       ElementType = 3
	Uint16     ElementType = 4
	Int16      ElementType = 5
	Int32      ElementType = 6
	Int64      ElementType = 7
	String     ElementType = 8
	Bool       ElementType = 9
	Float16    ElementType = 10
	Float64    ElementType = 11
	Uint32     ElementType = 12
	Uint64     ElementType = 13
	Complex64  ElementType = 14
	Complex128 ElementType = 15
	BFloat16   ElementType = 16
)

var elementTypeNames = [...]string{
	Undefined: "undefined", Float32: "float32", Uint8: "uint8", Int8: "int8",
	Uint16: "uint16", Int16: "int16", Int32: "int32", Int64: "int64",
	String: "string", Bool: "bool", Float16: "float16", Float64: "float64",
	Uint32: "uint32", Uint64: "uint64", Complex64: "complex64",
	Complex128: "complex128", BFloat16: "bfloat16",
}

// String returns the lowercase Go-like name of the type, e.g. "int64".
func (t ElementType) String() string {
	if t >= 0 && int(t) < len(elementTypeNames) {
		return elementTypeNames[t]
	}
	return "ElementType(" + strconv.Itoa(int(t)) + ")"
}

// TensorInfo describes one input or output of a graph.
type TensorInfo struct {
	Name string
	Type ElementType // Undefined for non-tensor values (sequences, maps)
	// Shape has one entry per dimension: its size, or -1 for a dynamic
	// (symbolic or unknown) dimension.
	Shape []int64
}

// String formats the info as `name int64[-1 2]`.
func (i TensorInfo) String() string {
	return fmt.Sprintf("%s %s%v", i.Name, i.Type, i.Shape)
}

// Tensor is a named, dense, row-major tensor held in Go memory.
//
// Type says which data field is used: Int64 for [Int64], Bool for [Bool],
// Float32 for [Float32]; the other two fields are nil. The number of elements
// is the product of Shape (1 for an empty shape, 0 if any dimension is 0).
// Build tensors with [Int64Tensor], [BoolTensor] and [Float32Tensor].
type Tensor struct {
	Name    string
	Type    ElementType
	Shape   []int64
	Int64   []int64
	Bool    []bool
	Float32 []float32
}

// Int64Tensor returns an int64 tensor over data (not copied).
func Int64Tensor(name string, shape []int64, data []int64) Tensor {
	return Tensor{Name: name, Type: Int64, Shape: shape, Int64: data}
}

// BoolTensor returns a bool tensor over data (not copied).
func BoolTensor(name string, shape []int64, data []bool) Tensor {
	return Tensor{Name: name, Type: Bool, Shape: shape, Bool: data}
}

// Float32Tensor returns a float32 tensor over data (not copied).
func Float32Tensor(name string, shape []int64, data []float32) Tensor {
	return Tensor{Name: name, Type: Float32, Shape: shape, Float32: data}
}

// Len returns the number of elements in the data field Type selects.
func (t Tensor) Len() int {
	switch t.Type {
	case Int64:
		return len(t.Int64)
	case Bool:
		return len(t.Bool)
	case Float32:
		return len(t.Float32)
	}
	return 0
}

// String formats the tensor's name, type and shape (not its data).
func (t Tensor) String() string {
	return fmt.Sprintf("%s %s%v", t.Name, t.Type, t.Shape)
}

// validate checks t on its own: a supported type, only the matching data
// field set, non-negative dimensions and as many elements as the shape says.
func (t Tensor) validate() error {
	switch t.Type {
	case Int64, Bool, Float32:
	default:
		return &InputError{Name: t.Name, Reason: fmt.Sprintf("element type %s is not supported (use float32, int64 or bool)", t.Type)}
	}
	if t.otherFieldsSet() {
		return &InputError{Name: t.Name, Reason: fmt.Sprintf("type is %s but another data field is set", t.Type)}
	}
	if len(t.Shape) == 0 {
		return &InputError{Name: t.Name, Reason: "rank-0 (scalar) tensors are not supported; use shape [1]"}
	}
	want, err := shapeSize(t.Shape)
	if err != nil {
		return &InputError{Name: t.Name, Reason: err.Error()}
	}
	if int64(t.Len()) != want {
		return &InputError{Name: t.Name, Reason: fmt.Sprintf("shape %v needs %d elements, data has %d", t.Shape, want, t.Len())}
	}
	return nil
}

// otherFieldsSet reports whether a data field other than the one Type
// selects is non-nil.
func (t Tensor) otherFieldsSet() bool {
	return (t.Type != Int64 && t.Int64 != nil) ||
		(t.Type != Bool && t.Bool != nil) ||
		(t.Type != Float32 && t.Float32 != nil)
}

// maxElements bounds a tensor's element count so that byte sizes fit in an int.
const maxElements = 1 << 40

// shapeSize returns the product of the dimensions, rejecting negative
// dimensions and overflow.
func shapeSize(shape []int64) (int64, error) {
	n := int64(1)
	for i, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("dimension %d is negative (%d)", i, d)
		}
		if d != 0 && n > maxElements/d {
			return 0, fmt.Errorf("shape %v has more than %d elements", shape, int64(maxElements))
		}
		n *= d
	}
	return n, nil
}

// formatShape prints a shape with "?" for dynamic dimensions.
func formatShape(shape []int64) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		if d < 0 {
			parts[i] = "?"
		} else {
			parts[i] = strconv.FormatInt(d, 10)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}
