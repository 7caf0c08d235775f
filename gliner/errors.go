package gliner

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Errors returned by this package wrap one of them; test
// with errors.Is.
var (
	// ErrBadConfig reports a malformed gliner_config.json or config.json.
	ErrBadConfig = errors.New("gliner: bad model config")
	// ErrUnsupported reports a model kind or option this library cannot run.
	ErrUnsupported = errors.New("gliner: unsupported model")
	// ErrMissingFile reports a model folder without a required file.
	ErrMissingFile = errors.New("gliner: missing model file")
	// ErrMismatch reports files of a model folder that do not agree with each
	// other (tokenizer, config and graph).
	ErrMismatch = errors.New("gliner: model files do not match")
	// ErrClosed reports use of a closed model.
	ErrClosed = errors.New("gliner: model is closed")
	// ErrTextTooLong reports a text longer than the model's max_len words
	// when long texts are refused (see [WithLongTexts]).
	ErrTextTooLong = errors.New("gliner: text too long")
	// ErrLabel reports a label the model cannot take (an empty label, or a
	// type outside a fixed-schema model's schema).
	ErrLabel = errors.New("gliner: bad label")
)

// ConfigError is a problem with a model's configuration file.
type ConfigError struct {
	Path  string // the file, when known
	Field string // the offending field, when known
	Err   error  // wraps ErrBadConfig or ErrUnsupported
}

// Error implements error.
func (e *ConfigError) Error() string {
	msg := unprefixed(e.Err)
	if e.Field != "" {
		msg = fmt.Sprintf("%s (field %s)", msg, e.Field)
	}
	if e.Path != "" {
		msg = fmt.Sprintf("%s: %s", e.Path, msg)
	}
	return "gliner: " + msg
}

// Unwrap returns the underlying error.
func (e *ConfigError) Unwrap() error { return e.Err }

// ModelError is a problem with a model folder: a missing, unreadable or
// inconsistent file.
type ModelError struct {
	Dir  string // the model folder
	File string // the file concerned, relative to Dir, when known
	Err  error
}

// Error implements error.
func (e *ModelError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("gliner: model %s: %s: %s", e.Dir, e.File, unprefixed(e.Err))
	}
	return fmt.Sprintf("gliner: model %s: %s", e.Dir, unprefixed(e.Err))
}

// unprefixed is err's message without this package's "gliner: " prefix, so
// that a wrapping error names the package once.
func unprefixed(err error) string {
	return strings.TrimPrefix(err.Error(), "gliner: ")
}

// Unwrap returns the underlying error.
func (e *ModelError) Unwrap() error { return e.Err }
