//go:build cgo && windows

package encoder

// probeLibrary on Windows leaves loading and version checks to
// onnxruntime_go (see loadRuntime, which checks the version afterwards).
func probeLibrary(name string, keep bool) probeResult {
	return probeResult{code: probeOK, path: name}
}

type probeCode int

const (
	probeOK probeCode = iota
	probeNoOpen
	probeNoSymbol
	probeNoBase
	probeOldAPI
)

type probeResult struct {
	code    probeCode
	version string
	path    string
	err     error
}

// resolveBare hands bare names to LoadLibrary's own search.
func resolveBare(name string) string { return name }
