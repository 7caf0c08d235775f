//go:build cgo

package encoder

import (
	"errors"
	"fmt"

	ort "github.com/yalue/onnxruntime_go"
)

var ortLevels = [...]ort.GraphOptimizationLevel{
	OptimizeAll:      ort.GraphOptimizationLevelEnableAll,
	OptimizeExtended: ort.GraphOptimizationLevelEnableExtended,
	OptimizeBasic:    ort.GraphOptimizationLevelEnableBasic,
	OptimizeDisabled: ort.GraphOptimizationLevelDisableAll,
}

// createSession builds the ONNX Runtime session with the configured
// providers. Providers that cannot be appended are skipped; if the session
// cannot be created with the remaining ones, it is created again on CPU
// only. Each fallback is logged at warning level.
func createSession(cfg *config, path string, data []byte, in, out []string) (*ort.DynamicAdvancedSession, []Provider, error) {
	wanted := cfg.providers
	sess, used, err := trySession(cfg, wanted, path, data, in, out)
	if err == nil || len(used) <= 1 {
		return sess, used, err
	}
	cfg.logger.Warn("encoder: session creation failed with execution providers; falling back to CPU",
		"providers", used, "error", err)
	return trySession(cfg, nil, path, data, in, out)
}

func trySession(cfg *config, providers []Provider, path string, data []byte, in, out []string) (*ort.DynamicAdvancedSession, []Provider, error) {
	so, used, err := sessionOptions(cfg, providers)
	if err != nil {
		return nil, nil, err
	}
	var sess *ort.DynamicAdvancedSession
	if data != nil {
		sess, err = ort.NewDynamicAdvancedSessionWithONNXData(data, in, out, so)
	} else {
		sess, err = ort.NewDynamicAdvancedSession(path, in, out, so)
	}
	// The session keeps what it needs; the options can go now.
	if derr := so.Destroy(); derr != nil {
		err = errors.Join(err, derr)
		if sess != nil {
			err = errors.Join(err, sess.Destroy())
			sess = nil
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return sess, used, nil
}

// sessionOptions returns session options for cfg with the given providers
// appended in order; used lists those that could be, then CPU.
func sessionOptions(cfg *config, providers []Provider) (*ort.SessionOptions, []Provider, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, nil, err
	}
	err = setThreads(so, cfg)
	if err == nil {
		err = so.SetGraphOptimizationLevel(ortLevels[cfg.optimization])
	}
	if err == nil {
		// ONNX Runtime would also print every failure it returns (including
		// a terminated run) to stderr; the returned errors carry the text.
		err = so.SetLogSeverityLevel(ort.LoggingLevel(ort.LoggingLevelFatal))
	}
	if err != nil {
		return nil, nil, errors.Join(err, so.Destroy())
	}
	var used []Provider
	for _, p := range providers {
		if p == CPU || containsProvider(used, p) {
			continue
		}
		if err := appendProvider(so, p); err != nil {
			cfg.logger.Warn("encoder: execution provider unavailable; skipping it", "provider", p, "error", err)
			continue
		}
		used = append(used, p)
	}
	if len(providers) > 0 && providers[0] != CPU && len(used) == 0 {
		cfg.logger.Warn("encoder: no requested execution provider is available; falling back to CPU", "requested", providers)
	}
	return so, append(used, CPU), nil
}

func setThreads(so *ort.SessionOptions, cfg *config) error {
	var err error
	if cfg.intraThreads > 0 {
		err = so.SetIntraOpNumThreads(cfg.intraThreads)
	}
	if err == nil && cfg.interThreads > 0 {
		err = so.SetInterOpNumThreads(cfg.interThreads)
	}
	return err
}

func containsProvider(ps []Provider, p Provider) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// appendProvider asks ONNX Runtime for one execution provider with its
// default options. Libraries built without it return an error.
func appendProvider(so *ort.SessionOptions, p Provider) error {
	switch p {
	case CUDA:
		o, err := ort.NewCUDAProviderOptions()
		if err != nil {
			return err
		}
		return errors.Join(so.AppendExecutionProviderCUDA(o), o.Destroy())
	case TensorRT:
		o, err := ort.NewTensorRTProviderOptions()
		if err != nil {
			return err
		}
		return errors.Join(so.AppendExecutionProviderTensorRT(o), o.Destroy())
	case CoreML:
		return so.AppendExecutionProviderCoreMLV2(map[string]string{})
	case OpenVINO:
		return so.AppendExecutionProviderOpenVINO(map[string]string{})
	case DirectML:
		return so.AppendExecutionProviderDirectML(0)
	}
	return fmt.Errorf("%w: provider %v", ErrInvalidOption, p)
}
