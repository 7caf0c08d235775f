//go:build !cgo

// This file keeps the package's API when cgo is disabled (CGO_ENABLED=0), so
// that programs importing encoder indirectly still build. ONNX Runtime is a C
// library: every constructor here returns ErrNoCgo, and a nil *Session's
// methods report the same.

package encoder

import "context"

// RuntimeInfo describes the ONNX Runtime library loaded into the process.
type RuntimeInfo struct {
	Version string // as the library reports it, e.g. "1.30.0"
	Path    string // the shared library file ("" if loaded by other code)
	Source  string // how it was found, e.g. "option WithLibraryPath"
}

// LoadRuntime returns ErrNoCgo: this binary was built without cgo.
func LoadRuntime(opts ...Option) (RuntimeInfo, error) { return RuntimeInfo{}, ErrNoCgo }

// Session is a loaded ONNX graph. Without cgo none can be created.
type Session struct{}

// Open returns ErrNoCgo: this binary was built without cgo.
func Open(path string, opts ...Option) (*Session, error) { return nil, ErrNoCgo }

// OpenBytes returns ErrNoCgo: this binary was built without cgo.
func OpenBytes(model []byte, opts ...Option) (*Session, error) { return nil, ErrNoCgo }

// Inputs returns nil: without cgo there is no graph.
func (s *Session) Inputs() []TensorInfo { return nil }

// Outputs returns nil: without cgo there is no graph.
func (s *Session) Outputs() []TensorInfo { return nil }

// Providers returns nil: without cgo there is no session.
func (s *Session) Providers() []Provider { return nil }

// Check returns ErrNoCgo.
func (s *Session) Check(c Contract) error { return ErrNoCgo }

// Run returns ErrNoCgo.
func (s *Session) Run(ctx context.Context, inputs []Tensor) ([]Tensor, error) { return nil, ErrNoCgo }

// Close returns nil.
func (s *Session) Close() error { return nil }
