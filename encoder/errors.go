package encoder

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Typed errors below unwrap to one of them, so callers can
// test the category with errors.Is and get details with errors.As.
var (
	// ErrNoCgo is returned by every constructor of a binary built without
	// cgo (CGO_ENABLED=0): ONNX Runtime is a C library.
	ErrNoCgo = errors.New("encoder: built without cgo; ONNX Runtime needs CGO_ENABLED=1 and a C compiler")

	// ErrLibraryNotFound means no ONNX Runtime shared library was found;
	// the error is a *LibraryNotFoundError listing every place tried.
	ErrLibraryNotFound = errors.New("encoder: ONNX Runtime shared library not found")

	// ErrLibraryLoad means a shared library was found but could not be
	// loaded or is not ONNX Runtime; the error is a *LoadError.
	ErrLibraryLoad = errors.New("encoder: cannot load ONNX Runtime shared library")

	// ErrLibraryVersion means the loaded ONNX Runtime is too old for the
	// C API this package is built against; the error is a *VersionError.
	ErrLibraryVersion = errors.New("encoder: unsupported ONNX Runtime version")

	// ErrLibraryConflict means a library path was requested after another
	// ONNX Runtime library had been loaded into the process; one process
	// can hold only one.
	ErrLibraryConflict = errors.New("encoder: another ONNX Runtime library is already loaded")

	// ErrInvalidModel means ONNX Runtime rejected the model (missing file,
	// truncated or corrupt .onnx, unsupported operator); the error is a
	// *ModelError.
	ErrInvalidModel = errors.New("encoder: invalid model")

	// ErrContract means the graph's inputs or outputs differ from what the
	// caller expects; the error is a *ContractError.
	ErrContract = errors.New("encoder: model does not match the expected inputs and outputs")

	// ErrInvalidInput means the tensors given to [Session.Run] do not fit
	// the graph; the error is an *InputError.
	ErrInvalidInput = errors.New("encoder: invalid input tensor")

	// ErrRun means ONNX Runtime failed while running the graph; the error
	// is a *RunError.
	ErrRun = errors.New("encoder: run failed")

	// ErrUnsupportedType means a graph output has an element type this
	// package cannot return as a Go slice (only float32, int64 and bool
	// are supported, and float16, returned as float32).
	ErrUnsupportedType = errors.New("encoder: unsupported tensor element type")

	// ErrInvalidOption means an [Option] has an invalid value (a negative
	// thread count, an unknown provider).
	ErrInvalidOption = errors.New("encoder: invalid option")

	// ErrClosed is returned by [Session.Run] after [Session.Close].
	ErrClosed = errors.New("encoder: session is closed")

	// ErrUnsupportedPlatform means [Install] has no pinned ONNX Runtime
	// build for the running OS and architecture.
	ErrUnsupportedPlatform = errors.New("encoder: no pinned ONNX Runtime build for this platform")

	// ErrDownload means [Install] could not download the tarball; the
	// error is a *DownloadError.
	ErrDownload = errors.New("encoder: download failed")

	// ErrChecksum means a file [Install] read does not match its pinned
	// sha256; the error is a *ChecksumError.
	ErrChecksum = errors.New("encoder: sha256 mismatch")

	// ErrArchive means the tarball given to [Install] is not a readable
	// gzip-compressed tar holding the platform's library.
	ErrArchive = errors.New("encoder: bad ONNX Runtime tarball")
)

// DownloadError reports a failed or interrupted download.
type DownloadError struct {
	URL    string
	Status int   // the HTTP status when the server refused, else 0
	Err    error // the transfer error when Status is 0
}

// Error implements error.
func (e *DownloadError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%v: %s: HTTP status %d", ErrDownload, e.URL, e.Status)
	}
	return fmt.Sprintf("%v: %s: %v", ErrDownload, e.URL, e.Err)
}

// Unwrap returns [ErrDownload] and the transfer error, if any.
func (e *DownloadError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrDownload}
	}
	return []error{ErrDownload, e.Err}
}

// ChecksumError reports a file whose sha256 is not the pinned one.
type ChecksumError struct {
	File      string // the file, or "tarball:member" for a library inside it
	Got, Want string // hex sha256 sums
}

// Error implements error.
func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%v for %s: got %s, want %s; nothing was installed", ErrChecksum, e.File, e.Got, e.Want)
}

// Unwrap returns [ErrChecksum].
func (e *ChecksumError) Unwrap() error { return ErrChecksum }

// setupHint tells users how to get a library; it ends every discovery error.
const setupHint = "to fix: run 'gliner setup' (or: go run github.com/gliner-go/gliner/cmd/gliner@latest setup), " +
	"which installs ONNX Runtime " + PinnedRuntimeVersion + " into the per-user cache where it is found; " +
	"or install ONNX Runtime >= " + MinRuntimeVersion + " (https://github.com/microsoft/onnxruntime/releases) " +
	"and set " + LibraryPathEnv + " to its shared library, or pass encoder.WithLibraryPath " +
	"(in the gliner repository, make deps puts it in third_party/onnxruntime)"

// LibraryNotFoundError lists every place searched for the ONNX Runtime
// shared library, in order.
type LibraryNotFoundError struct {
	// Tried holds one line per place: a file, a directory with the names
	// looked for, or a bare name handed to the dynamic loader.
	Tried []string
}

// Error implements error.
func (e *LibraryNotFoundError) Error() string {
	var b strings.Builder
	b.WriteString(ErrLibraryNotFound.Error())
	b.WriteString("; tried:")
	for _, t := range e.Tried {
		b.WriteString("\n  - ")
		b.WriteString(t)
	}
	b.WriteString("\n")
	b.WriteString(setupHint)
	return b.String()
}

// Unwrap returns [ErrLibraryNotFound].
func (e *LibraryNotFoundError) Unwrap() error { return ErrLibraryNotFound }

// LoadError reports a library file that exists but cannot be used.
type LoadError struct {
	Path   string // the file handed to the dynamic loader
	Source string // where the path came from, e.g. "option WithLibraryPath"
	Err    error  // the loader's or ONNX Runtime's message
}

// Error implements error.
func (e *LoadError) Error() string {
	return fmt.Sprintf("%v %s (from %s): %v; %s", ErrLibraryLoad, e.Path, e.Source, e.Err, setupHint)
}

// Unwrap returns [ErrLibraryLoad] and the underlying error.
func (e *LoadError) Unwrap() []error { return []error{ErrLibraryLoad, e.Err} }

// VersionError reports an ONNX Runtime library older than the C API level
// this package needs.
type VersionError struct {
	Path     string // the library file
	Version  string // the version it reports, e.g. "1.16.3"
	APILevel int    // the C API level required ([APILevel])
}

// Error implements error.
func (e *VersionError) Error() string {
	return fmt.Sprintf("%v: %s reports version %s, but onnxruntime_go needs C API level %d "+
		"(ONNX Runtime >= %s); install a newer library ('gliner setup' installs %s) "+
		"or point %s at one",
		ErrLibraryVersion, e.Path, e.Version, e.APILevel, MinRuntimeVersion, PinnedRuntimeVersion, LibraryPathEnv)
}

// Unwrap returns [ErrLibraryVersion].
func (e *VersionError) Unwrap() error { return ErrLibraryVersion }

// ModelError reports a model ONNX Runtime could not load.
type ModelError struct {
	Path string // the .onnx file, or "" for a model given as bytes
	Err  error  // ONNX Runtime's message
}

// Error implements error.
func (e *ModelError) Error() string {
	src := e.Path
	if src == "" {
		src = "(bytes)"
	}
	return fmt.Sprintf("%v %s: %v", ErrInvalidModel, src, e.Err)
}

// Unwrap returns [ErrInvalidModel] and the underlying error.
func (e *ModelError) Unwrap() []error { return []error{ErrInvalidModel, e.Err} }

// InputError reports a tensor given to [Session.Run] that does not fit.
type InputError struct {
	Name   string // the tensor's name ("" when the name itself is the problem)
	Reason string // what is wrong
}

// Error implements error.
func (e *InputError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("%v: %s", ErrInvalidInput, e.Reason)
	}
	return fmt.Sprintf("%v %q: %s", ErrInvalidInput, e.Name, e.Reason)
}

// Unwrap returns [ErrInvalidInput].
func (e *InputError) Unwrap() error { return ErrInvalidInput }

// RunError reports a failure inside ONNX Runtime during [Session.Run].
type RunError struct {
	Err error // ONNX Runtime's message
}

// Error implements error.
func (e *RunError) Error() string { return fmt.Sprintf("%v: %v", ErrRun, e.Err) }

// Unwrap returns [ErrRun] and the underlying error.
func (e *RunError) Unwrap() []error { return []error{ErrRun, e.Err} }
