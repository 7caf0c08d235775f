package encoder

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// Option configures [Open], [OpenBytes] and [LoadRuntime]. The zero
// configuration (no options) is: library found by the discovery order in the
// package documentation, ONNX Runtime's default thread pools, all graph
// optimisations, the CPU execution provider, no logging, no contract check.
type Option func(*config)

type config struct {
	libraryPath  string
	intraThreads int
	interThreads int
	optimization OptimizationLevel
	providers    []Provider
	logger       *slog.Logger
	contract     *Contract
	errs         []error // invalid option values, reported by Open
}

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.logger == nil {
		c.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

// WithLibraryPath sets the ONNX Runtime shared library to load: a file, or a
// directory holding libonnxruntime.so / .so.1 (libonnxruntime.dylib on
// macOS, onnxruntime.dll on Windows). When set, no other place is searched.
// It only matters for the first successful load in the process; asking for
// another library afterwards gives [ErrLibraryConflict].
func WithLibraryPath(path string) Option {
	return func(c *config) { c.libraryPath = path }
}

// WithIntraOpThreads sets the number of threads ONNX Runtime uses inside one
// operator (0, the default, lets ONNX Runtime choose: one per physical core).
func WithIntraOpThreads(n int) Option {
	return func(c *config) {
		if n < 0 {
			c.errs = append(c.errs, fmt.Errorf("%w: intra-op threads %d < 0", ErrInvalidOption, n))
		}
		c.intraThreads = n
	}
}

// WithInterOpThreads sets the number of threads ONNX Runtime uses to run
// independent operators in parallel (0, the default, lets ONNX Runtime
// choose; it only matters with parallel execution, which this package does
// not enable, so it mostly has no effect).
func WithInterOpThreads(n int) Option {
	return func(c *config) {
		if n < 0 {
			c.errs = append(c.errs, fmt.Errorf("%w: inter-op threads %d < 0", ErrInvalidOption, n))
		}
		c.interThreads = n
	}
}

// WithOptimization sets the graph optimisation level (default [OptimizeAll]).
func WithOptimization(level OptimizationLevel) Option {
	return func(c *config) {
		if level < OptimizeAll || level > OptimizeDisabled {
			c.errs = append(c.errs, fmt.Errorf("%w: optimisation level %v", ErrInvalidOption, level))
		}
		c.optimization = level
	}
}

// WithProviders sets the execution providers in order of preference. Each
// provider the library cannot enable (not compiled in, no device, missing
// driver) is skipped with a warning on the logger; the CPU provider always
// runs whatever the others do not take. The default is CPU only.
func WithProviders(providers ...Provider) Option {
	return func(c *config) {
		for _, p := range providers {
			if p < CPU || p > DirectML {
				c.errs = append(c.errs, fmt.Errorf("%w: provider %v", ErrInvalidOption, p))
			}
		}
		c.providers = append([]Provider(nil), providers...)
	}
}

// WithLogger sets the logger for library loading, provider fallback and
// session creation messages (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithContract makes [Open] and [OpenBytes] check the graph against c and
// fail with a *[ContractError] when it differs (see [Session.Check]).
func WithContract(c Contract) Option {
	return func(cfg *config) { cfg.contract = &c }
}

// OptimizationLevel is ONNX Runtime's graph optimisation level. The zero
// value, [OptimizeAll], is the default, as in ONNX Runtime and in GLiNER's
// Python loader.
type OptimizationLevel int

// Optimisation levels, from most to least optimised.
const (
	OptimizeAll      OptimizationLevel = iota // all optimisations, including layout changes
	OptimizeExtended                          // basic plus complex node fusions
	OptimizeBasic                             // semantics-preserving rewrites such as constant folding
	OptimizeDisabled                          // run the graph as written
)

var optimizationNames = [...]string{"all", "extended", "basic", "disabled"}

// String returns "all", "extended", "basic" or "disabled".
func (l OptimizationLevel) String() string {
	if l >= 0 && int(l) < len(optimizationNames) {
		return optimizationNames[l]
	}
	return "OptimizationLevel(" + strconv.Itoa(int(l)) + ")"
}

// ParseOptimizationLevel returns the level named by s (case-insensitive), as
// printed by [OptimizationLevel.String].
func ParseOptimizationLevel(s string) (OptimizationLevel, error) {
	for i, n := range optimizationNames {
		if strings.EqualFold(s, n) {
			return OptimizationLevel(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown optimisation level %q (want one of %s)",
		ErrInvalidOption, s, strings.Join(optimizationNames[:], ", "))
}

// Provider is an ONNX Runtime execution provider.
type Provider int

// Execution providers. Which ones work depends on how the loaded ONNX
// Runtime library was built; the pinned library of scripts/setup-ort.sh has
// CPU only (and CoreML on macOS).
const (
	CPU Provider = iota
	CUDA
	TensorRT
	CoreML
	OpenVINO
	DirectML
)

var providerNames = [...]string{"CPU", "CUDA", "TensorRT", "CoreML", "OpenVINO", "DirectML"}

// String returns the provider's short name, e.g. "CUDA".
func (p Provider) String() string {
	if p >= 0 && int(p) < len(providerNames) {
		return providerNames[p]
	}
	return "Provider(" + strconv.Itoa(int(p)) + ")"
}

// ParseProvider returns the provider named by s, case-insensitive, either
// short ("cuda") or as ONNX Runtime names it ("CUDAExecutionProvider").
func ParseProvider(s string) (Provider, error) {
	name := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "executionprovider")
	for i, n := range providerNames {
		if name == strings.ToLower(n) {
			return Provider(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown execution provider %q (want one of %s)",
		ErrInvalidOption, s, strings.Join(providerNames[:], ", "))
}
