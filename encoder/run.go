//go:build cgo

package encoder

import (
	"context"
	"errors"
	"fmt"
	"slices"

	ort "github.com/yalue/onnxruntime_go"
)

// Run runs the graph on inputs and returns every graph output, in the order
// of [Session.Outputs], each named and holding its own Go memory.
//
// inputs must hold exactly one tensor per graph input, in any order, matched
// by name; each must have the input's element type, rank and fixed
// dimensions, and as many elements as its shape says. Run reads the input
// data during the call only (it is neither modified nor retained). Invalid
// inputs give an *[InputError] before anything runs.
//
// Float16 graph inputs and outputs are float32 tensors here: input data is
// rounded to the nearest float16 (ties to even), and float16 outputs are
// widened to float32 exactly, keeping the graph's output names.
//
// Cancelling ctx stops a run in progress: Run asks ONNX Runtime to terminate,
// waits for it to return, frees everything, and returns an error wrapping
// ctx.Err(). ONNX Runtime checks for termination between operators, so a
// single long operator delays the return until it finishes.
func (s *Session) Run(ctx context.Context, inputs []Tensor) (_ []Tensor, err error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("encoder: run not started: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sess == nil {
		return nil, ErrClosed
	}
	ordered, err := s.arrange(inputs)
	if err != nil {
		return nil, err
	}
	in, err := toValues(ordered, s.inputs)
	defer func() { err = errors.Join(err, destroyAll(in)) }()
	if err != nil {
		return nil, err
	}
	out := make([]ort.Value, len(s.outputs))
	defer func() { err = errors.Join(err, destroyAll(out)) }()
	if err := s.runORT(ctx, in, out); err != nil {
		return nil, err
	}
	return s.fromValues(out)
}

// arrange validates inputs against the graph and puts them in graph order.
func (s *Session) arrange(inputs []Tensor) ([]Tensor, error) {
	ordered := make([]Tensor, len(s.inputs))
	seen := make([]bool, len(s.inputs))
	for _, t := range inputs {
		i, ok := s.inIndex[t.Name]
		if !ok {
			return nil, &InputError{Name: t.Name, Reason: fmt.Sprintf("the graph has no such input (inputs: %v)", names(s.inputs))}
		}
		if seen[i] {
			return nil, &InputError{Name: t.Name, Reason: "given twice"}
		}
		seen[i] = true
		if err := t.validate(); err != nil {
			return nil, err
		}
		if err := fits(t, s.inputs[i]); err != nil {
			return nil, err
		}
		ordered[i] = t
	}
	for i, ok := range seen {
		if !ok {
			return nil, &InputError{Name: s.inputs[i].Name, Reason: "missing (every graph input needs a tensor)"}
		}
	}
	return ordered, nil
}

// fits checks a tensor's type, rank and fixed dimensions against the graph.
func fits(t Tensor, info TensorInfo) error {
	if t.Type != info.Type && !(t.Type == Float32 && info.Type == Float16) {
		return &InputError{Name: t.Name, Reason: fmt.Sprintf("type %s, the graph wants %s", t.Type, info.Type)}
	}
	if len(t.Shape) != len(info.Shape) {
		return &InputError{Name: t.Name, Reason: fmt.Sprintf("shape %v has rank %d, the graph wants %s", t.Shape, len(t.Shape), formatShape(info.Shape))}
	}
	for i, d := range info.Shape {
		if d >= 0 && t.Shape[i] != d {
			return &InputError{Name: t.Name, Reason: fmt.Sprintf("shape %v, the graph wants %s", t.Shape, formatShape(info.Shape))}
		}
	}
	return nil
}

// toValues wraps the tensors' Go memory as ONNX Runtime values (no copy),
// except for float16 graph inputs, whose float32 data is narrowed into a
// new buffer. infos are the graph's inputs, in the order of ts. On error
// the values made so far are in the result, for the caller to free.
func toValues(ts []Tensor, infos []TensorInfo) ([]ort.Value, error) {
	vals := make([]ort.Value, 0, len(ts))
	for i, t := range ts {
		var v ort.Value
		var err error
		switch {
		case infos[i].Type == Float16:
			v, err = newHalfValue(t.Shape, t.Float32)
		case t.Type == Int64:
			v, err = newValue(t.Shape, t.Int64)
		case t.Type == Bool:
			v, err = newValue(t.Shape, t.Bool)
		case t.Type == Float32:
			v, err = newValue(t.Shape, t.Float32)
		}
		if err != nil {
			return vals, &InputError{Name: t.Name, Reason: err.Error()}
		}
		vals = append(vals, v)
	}
	return vals, nil
}

func newValue[T int64 | bool | float32](shape []int64, data []T) (ort.Value, error) {
	if data == nil {
		data = []T{} // zero-element tensor
	}
	return ort.NewTensor(ort.NewShape(slices.Clone(shape)...), data)
}

// newHalfValue makes a float16 tensor holding data narrowed to float16.
func newHalfValue(shape []int64, data []float32) (ort.Value, error) {
	if len(data) == 0 {
		return nil, errors.New("a zero-element float16 input is not supported")
	}
	return ort.NewCustomDataTensor(ort.NewShape(slices.Clone(shape)...), narrowHalf(data), ort.TensorElementDataTypeFloat16)
}

// runORT runs the session, terminating the run when ctx is cancelled. It
// returns only once ONNX Runtime has returned and the cancellation callback,
// if it started, has finished with the run options.
func (s *Session) runORT(ctx context.Context, in, out []ort.Value) (err error) {
	ro, err := ort.NewRunOptions()
	if err != nil {
		return &RunError{Err: err}
	}
	defer func() { err = errors.Join(err, ro.Destroy()) }()
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(done)
		_ = ro.Terminate() // only fails on a destroyed RunOptions, which cannot happen here
	})
	runErr := s.sess.RunWithOptions(in, out, ro)
	if !stop() {
		<-done // the callback started: wait before ro is destroyed
	}
	if runErr == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("encoder: run terminated: %w", ctxErr)
	}
	return &RunError{Err: runErr}
}

// fromValues copies the outputs ONNX Runtime allocated into Go tensors.
func (s *Session) fromValues(out []ort.Value) ([]Tensor, error) {
	res := make([]Tensor, len(out))
	for i, v := range out {
		name := s.outputs[i].Name
		switch t := v.(type) {
		case *ort.Tensor[float32]:
			res[i] = Float32Tensor(name, t.GetShape(), slices.Clone(t.GetData()))
		case *ort.Tensor[int64]:
			res[i] = Int64Tensor(name, t.GetShape(), slices.Clone(t.GetData()))
		case *ort.Tensor[bool]:
			res[i] = BoolTensor(name, t.GetShape(), slices.Clone(t.GetData()))
		default:
			return nil, fmt.Errorf("%w: output %q is %s (supported: float32, int64, bool)",
				ErrUnsupportedType, name, s.outputs[i].Type)
		}
		if res[i].Len() == 0 {
			res[i] = emptyData(res[i])
		}
	}
	return res, nil
}

// emptyData makes the data field of a zero-element tensor non-nil, so that
// Type and the data field agree.
func emptyData(t Tensor) Tensor {
	switch t.Type {
	case Int64:
		t.Int64 = []int64{}
	case Bool:
		t.Bool = []bool{}
	case Float32:
		t.Float32 = []float32{}
	}
	return t
}

// destroyAll releases every non-nil value.
func destroyAll(vals []ort.Value) error {
	var errs []error
	for _, v := range vals {
		if v != nil {
			errs = append(errs, v.Destroy())
		}
	}
	return errors.Join(errs...)
}
