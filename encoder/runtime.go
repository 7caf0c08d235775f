//go:build cgo

package encoder

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// RuntimeInfo describes the ONNX Runtime library loaded into the process.
type RuntimeInfo struct {
	Version string // as the library reports it, e.g. "1.30.0"
	Path    string // the shared library file ("" if loaded by other code)
	Source  string // how it was found, e.g. "option WithLibraryPath"
}

// The process-wide ONNX Runtime state. onnxruntime_go keeps one global
// environment; it is created at most once, under mu, and never destroyed
// (sessions may outlive any one caller).
var runtimeState struct {
	mu     sync.Mutex
	loaded bool
	info   RuntimeInfo
}

// LoadRuntime finds, checks and loads the ONNX Runtime shared library and
// creates the process's ONNX Runtime environment, once; later calls return
// the same [RuntimeInfo]. Only [WithLibraryPath] and [WithLogger] matter
// here. [Open] and [OpenBytes] call it; call it directly to fail early or to
// report the version.
func LoadRuntime(opts ...Option) (RuntimeInfo, error) {
	return loadRuntime(newConfig(opts))
}

func loadRuntime(cfg *config) (RuntimeInfo, error) {
	st := &runtimeState
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.loaded {
		return st.info, checkSameLibrary(cfg.libraryPath, st.info)
	}
	if ort.IsInitialized() {
		// Other code in the process set onnxruntime_go up; share it.
		info := RuntimeInfo{Version: ort.GetVersion(), Source: "initialized outside package encoder"}
		if err := checkVersion(info.Version, ""); err != nil {
			return RuntimeInfo{}, err
		}
		st.loaded, st.info = true, info
		return info, nil
	}
	info, err := initialize(currentSearch(cfg.libraryPath))
	if err != nil {
		return RuntimeInfo{}, err
	}
	st.loaded, st.info = true, info
	cfg.logger.Info("encoder: loaded ONNX Runtime", "version", info.Version, "path", info.Path, "source", info.Source)
	return info, nil
}

// initialize locates and probes the library, then creates onnxruntime_go's
// environment from it.
func initialize(s search) (RuntimeInfo, error) {
	if err := disableTelemetry(); err != nil {
		return RuntimeInfo{}, err
	}
	c, err := s.locate(resolveBare)
	if err != nil {
		return RuntimeInfo{}, err
	}
	p := probeLibrary(c.path, true)
	switch p.code {
	case probeOK:
	case probeOldAPI:
		return RuntimeInfo{}, &VersionError{Path: c.path, Version: p.version, APILevel: APILevel}
	default:
		return RuntimeInfo{}, &LoadError{Path: c.path, Source: c.source, Err: p.err}
	}
	path := c.path
	if p.path != "" {
		path = p.path
	}
	if err := checkVersion(p.version, path); err != nil {
		return RuntimeInfo{}, err
	}
	ort.SetSharedLibraryPath(path)
	// ONNX Runtime's own log goes to stderr; keep it to fatal messages; the
	// errors it reports come back as Go errors anyway.
	if err := ort.InitializeEnvironment(ort.WithLogLevelFatal()); err != nil {
		return RuntimeInfo{}, &LoadError{Path: path, Source: c.source, Err: err}
	}
	if err := disableTelemetryEvents(); err != nil {
		_ = ort.DestroyEnvironment()
		return RuntimeInfo{}, &LoadError{Path: path, Source: c.source, Err: err}
	}
	version := ort.GetVersion()
	if err := checkVersion(version, path); err != nil {
		_ = ort.DestroyEnvironment()
		return RuntimeInfo{}, err
	}
	return RuntimeInfo{Version: version, Path: path, Source: c.source}, nil
}

// checkVersion rejects versions older than MinRuntimeVersion. An empty or
// unparsable version passes: the API level check is the real test.
func checkVersion(version, path string) error {
	major, minor, ok := parseVersion(version)
	if !ok {
		return nil
	}
	wantMajor, wantMinor, _ := parseVersion(MinRuntimeVersion)
	if major < wantMajor || (major == wantMajor && minor < wantMinor) {
		return &VersionError{Path: path, Version: version, APILevel: APILevel}
	}
	return nil
}

// parseVersion reads "major.minor[.patch...]".
func parseVersion(v string) (major, minor int, ok bool) {
	parts := strings.SplitN(strings.TrimSpace(v), ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return major, minor, err1 == nil && err2 == nil
}

// checkSameLibrary accepts a WithLibraryPath request after loading only if
// it names the library already loaded.
func checkSameLibrary(requested string, info RuntimeInfo) error {
	if requested == "" || info.Path == "" {
		return nil
	}
	loaded := realPath(info.Path)
	for _, c := range (search{goos: runtime.GOOS}).explicit(requested, "") {
		if realPath(c.path) == loaded {
			return nil
		}
	}
	return fmt.Errorf("%w: %s was requested but %s (ONNX Runtime %s) is loaded; a process can load only one",
		ErrLibraryConflict, requested, info.Path, info.Version)
}

func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	if a, err := filepath.Abs(p); err == nil {
		p = a
	}
	return p
}
