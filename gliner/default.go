package gliner

import "fmt"

// OpenDefault loads the model built into the module (see README: the
// built-in biomedical model), with the same options as [Open].
func OpenDefault(opts ...Option) (*Model, error) {
	return nil, &ModelError{Dir: "(built-in)", Err: fmt.Errorf("%w: the built-in model is not embedded yet", ErrMissingFile)}
}
