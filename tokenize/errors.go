package tokenize

import (
	"errors"
	"fmt"
)

// Errors returned when loading a tokenizer.json. Every load error wraps one
// of them; test with errors.Is.
var (
	// ErrUnsupported reports a component type or an option value that this
	// package does not implement. The error is an *UnsupportedError naming it.
	ErrUnsupported = errors.New("tokenize: unsupported tokenizer component")
	// ErrInvalidConfig reports a tokenizer.json that is malformed or
	// inconsistent (bad JSON, missing fields, unknown tokens, broken
	// precompiled charsmap). The error is a *ConfigError saying where.
	ErrInvalidConfig = errors.New("tokenize: invalid tokenizer configuration")
)

// UnsupportedError names a tokenizer.json component or option value that
// the pipeline does not implement. It unwraps to [ErrUnsupported].
type UnsupportedError struct {
	// Path locates the component in the JSON, e.g. "normalizer.normalizers[1]".
	Path string
	// What is the unsupported type, field or value, e.g. `type "Lowercase2"`.
	What string
}

// Error implements error.
func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("tokenize: unsupported %s at %s", e.What, e.Path)
}

// Unwrap returns [ErrUnsupported].
func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }

// ConfigError is a malformed or inconsistent tokenizer.json. It unwraps to
// [ErrInvalidConfig] and to the underlying error, if any.
type ConfigError struct {
	// Path locates the offending value in the JSON.
	Path string
	// Msg says what is wrong.
	Msg string
	// Err is the underlying error, or nil.
	Err error
}

// Error implements error.
func (e *ConfigError) Error() string {
	s := "tokenize: invalid tokenizer configuration"
	if e.Path != "" {
		s += " at " + e.Path
	}
	s += ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns [ErrInvalidConfig] and the underlying error.
func (e *ConfigError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidConfig, e.Err}
	}
	return []error{ErrInvalidConfig}
}

func unsupported(path, format string, args ...any) error {
	return &UnsupportedError{Path: path, What: fmt.Sprintf(format, args...)}
}

func invalid(path string, err error, format string, args ...any) error {
	return &ConfigError{Path: path, Msg: fmt.Sprintf(format, args...), Err: err}
}
