package gliner

import (
	"github.com/gliner-go/gliner/internal/builtin"
)

// OpenDefault loads the model built into the module, with the same options
// as [Open]: a small GLiNER span model trained by the project on public
// biomedical corpora (diseases, chemicals, genes; see the README). It is
// not zero-shot beyond its training types: for other entity types use a
// GLiNER-biomed model with [Open].
//
// The model's files are embedded in the program and written once to the
// user's cache directory, where ONNX Runtime reads them.
func OpenDefault(opts ...Option) (*Model, error) {
	dir, err := builtin.Dir()
	if err != nil {
		return nil, &ModelError{Dir: "(built-in)", Err: err}
	}
	return Open(dir, opts...)
}
