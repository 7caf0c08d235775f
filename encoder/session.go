//go:build cgo

package encoder

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// Session is a loaded ONNX graph. It is safe for concurrent use: any number
// of goroutines may call [Session.Run] at once (ONNX Runtime sessions allow
// concurrent runs), and [Session.Close] waits for runs in progress.
type Session struct {
	mu        sync.RWMutex                // Run holds it shared, Close exclusive
	sess      *ort.DynamicAdvancedSession // nil once closed
	inputs    []TensorInfo
	outputs   []TensorInfo
	inIndex   map[string]int // input name → position in inputs
	providers []Provider
}

// Open loads the ONNX graph in the file at path. It loads ONNX Runtime first
// if needed (see [LoadRuntime]). Errors: the library errors of
// [LoadRuntime], [ErrInvalidOption], *[ModelError] for a missing or
// unloadable file, *[ContractError] with [WithContract].
func Open(path string, opts ...Option) (*Session, error) {
	return open(newConfig(opts), path, nil)
}

// OpenBytes loads an ONNX graph from memory, as [Open] does from a file. The
// bytes are not retained after OpenBytes returns.
func OpenBytes(model []byte, opts ...Option) (*Session, error) {
	if len(model) == 0 {
		return nil, &ModelError{Err: errors.New("empty model data")}
	}
	return open(newConfig(opts), "", model)
}

func open(cfg *config, path string, data []byte) (*Session, error) {
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	if data == nil {
		if _, err := os.Stat(path); err != nil {
			return nil, &ModelError{Path: path, Err: err}
		}
	}
	if _, err := loadRuntime(cfg); err != nil {
		return nil, err
	}
	ins, outs, err := graphInfo(path, data)
	if err != nil {
		return nil, &ModelError{Path: path, Err: err}
	}
	if cfg.contract != nil {
		if err := checkContract(*cfg.contract, ins, outs); err != nil {
			return nil, err
		}
	}
	s := &Session{inputs: ins, outputs: outs, inIndex: make(map[string]int, len(ins))}
	for i, in := range ins {
		s.inIndex[in.Name] = i
	}
	half := float16Outputs(outs)
	if half != nil {
		if data, err = modelBytes(path, data); err != nil {
			return nil, &ModelError{Path: path, Err: err}
		}
		if data, err = withCastOutputs(data, halfNames(outs, half)); err != nil {
			return nil, &ModelError{Path: path, Err: err}
		}
	}
	s.sess, s.providers, err = createSession(cfg, path, data, names(ins), runOutputNames(outs, half))
	if err != nil {
		return nil, &ModelError{Path: path, Err: err}
	}
	return s, nil
}

// modelBytes returns data, or the file's contents when data is nil. Graphs
// with float16 outputs are loaded from memory (see castout.go): the whole
// file is read once, and released once the session is created.
func modelBytes(path string, data []byte) ([]byte, error) {
	if data != nil {
		return data, nil
	}
	return os.ReadFile(path)
}

// graphInfo reads the graph's inputs and outputs from the model's protobuf
// framing (readGraphIO). If that fails, it asks ONNX Runtime, which either
// explains what is wrong with the model or reads what readGraphIO could not.
func graphInfo(path string, data []byte) (ins, outs []TensorInfo, err error) {
	if ins, outs, err = readModelIO(path, data); err == nil {
		return ins, outs, nil
	}
	return ortGraphInfo(path, data)
}

func readModelIO(path string, data []byte) (ins, outs []TensorInfo, err error) {
	if data != nil {
		return readGraphIO(bytes.NewReader(data), int64(len(data)))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is not a regular file", path)
	}
	return readGraphIO(f, st.Size())
}

// ortGraphInfo reads the inputs and outputs through a temporary ONNX Runtime
// session (for files: without graph optimisations, one thread).
func ortGraphInfo(path string, data []byte) (ins, outs []TensorInfo, err error) {
	var oi, oo []ort.InputOutputInfo
	if data != nil {
		oi, oo, err = ort.GetInputOutputInfoWithONNXData(data)
	} else {
		var so *ort.SessionOptions
		if so, err = cheapOptions(); err != nil {
			return nil, nil, err
		}
		oi, oo, err = ort.GetInputOutputInfoWithOptions(path, so)
		err = errors.Join(err, so.Destroy())
	}
	if err != nil {
		return nil, nil, err
	}
	return convertInfo(oi), convertInfo(oo), nil
}

func cheapOptions() (*ort.SessionOptions, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	err = errors.Join(
		so.SetGraphOptimizationLevel(ort.GraphOptimizationLevelDisableAll),
		so.SetIntraOpNumThreads(1),
		so.SetInterOpNumThreads(1),
	)
	if err != nil {
		return nil, errors.Join(err, so.Destroy())
	}
	return so, nil
}

func convertInfo(in []ort.InputOutputInfo) []TensorInfo {
	out := make([]TensorInfo, len(in))
	for i, v := range in {
		out[i] = TensorInfo{Name: v.Name}
		if v.OrtValueType != ort.ONNXTypeTensor {
			out[i].Type = Undefined
			continue
		}
		out[i].Type = ElementType(v.DataType)
		out[i].Shape = make([]int64, len(v.Dimensions))
		for j, d := range v.Dimensions {
			if d < 0 {
				d = -1
			}
			out[i].Shape[j] = d
		}
	}
	return out
}

func names(infos []TensorInfo) []string {
	out := make([]string, len(infos))
	for i, v := range infos {
		out[i] = v.Name
	}
	return out
}

// Inputs returns the graph's inputs in the graph's order.
func (s *Session) Inputs() []TensorInfo { return cloneInfo(s.inputs) }

// Outputs returns the graph's outputs in the graph's order, the order of
// [Session.Run]'s results. Shapes are as the file declares them: a dimension
// the file leaves symbolic is -1 even where ONNX Runtime's shape inference
// would fix it.
func (s *Session) Outputs() []TensorInfo { return cloneInfo(s.outputs) }

// Providers returns the execution providers the session was created with,
// in order of preference, ending with [CPU].
func (s *Session) Providers() []Provider { return slices.Clone(s.providers) }

// Check compares the graph's inputs and outputs with c and returns nil or a
// *[ContractError] listing every difference (missing or extra inputs and
// outputs, wrong element types, ranks or fixed dimensions).
func (s *Session) Check(c Contract) error {
	return checkContract(c, s.inputs, s.outputs)
}

func cloneInfo(in []TensorInfo) []TensorInfo {
	out := make([]TensorInfo, len(in))
	for i, v := range in {
		out[i] = TensorInfo{Name: v.Name, Type: v.Type, Shape: slices.Clone(v.Shape)}
	}
	return out
}

// Close releases the ONNX Runtime session, after waiting for runs in
// progress to return (cancel their contexts to make that quick). It is
// idempotent; Run after Close returns [ErrClosed].
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return nil
	}
	err := s.sess.Destroy()
	s.sess = nil
	if err != nil {
		return fmt.Errorf("encoder: close session: %w", err)
	}
	return nil
}
