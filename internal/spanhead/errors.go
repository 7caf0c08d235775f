package spanhead

import (
	"errors"
	"fmt"
)

var (
	// ErrNotRecognised is wrapped by the errors of graphs whose span head is
	// not a markerV0 head of a recognised form.
	ErrNotRecognised = errors.New("spanhead: span head not recognised")
	// ErrInvalidModel is wrapped by the errors of files that do not parse as
	// an ONNX model.
	ErrInvalidModel = errors.New("spanhead: invalid ONNX model")
)

// NotRecognisedError says why a graph's span head was not recognised.
type NotRecognisedError struct {
	Reason string // the step of the pattern that failed
}

func (e *NotRecognisedError) Error() string {
	return fmt.Sprintf("%v: %s", ErrNotRecognised, e.Reason)
}

// Unwrap returns [ErrNotRecognised].
func (e *NotRecognisedError) Unwrap() error { return ErrNotRecognised }

// notRecognised builds a *NotRecognisedError from a format string.
func notRecognised(format string, args ...any) error {
	return &NotRecognisedError{Reason: fmt.Sprintf(format, args...)}
}
