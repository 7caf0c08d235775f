package encoder

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

const (
	// LibraryPathEnv is the environment variable naming the ONNX Runtime
	// shared library (a file, or a directory holding it).
	LibraryPathEnv = "ONNXRUNTIME_SHARED_LIBRARY_PATH"

	// APILevel is the ONNX Runtime C API level onnxruntime_go v1.27.0 is
	// built against; a library must provide at least this level.
	APILevel = 24

	// MinRuntimeVersion is the oldest ONNX Runtime providing [APILevel].
	MinRuntimeVersion = "1.24.0"

	// PinnedRuntimeVersion is the version [Install] (gliner setup) and
	// scripts/setup-ort.sh install, the one the tests run against.
	PinnedRuntimeVersion = "1.30.0"

	// repoLibDir is where scripts/setup-ort.sh puts the library, relative
	// to the repository root (for developers of this module).
	repoLibDir = "third_party/onnxruntime"
)

// candidate is one place the library may be.
type candidate struct {
	path   string // a file path, or a bare name for the dynamic loader
	source string // where the candidate comes from, for messages
	bare   bool   // hand path to the dynamic loader's own search
}

// search holds everything discovery depends on, so tests can fake it.
type search struct {
	goos, goarch string
	option       string   // WithLibraryPath
	env          string   // $ONNXRUNTIME_SHARED_LIBRARY_PATH
	exeDir       string   // the running executable's folder
	userDir      string   // UserLibraryDir, where Install puts the library
	starts       []string // where to look for a repository root: working directory, executable's folder
	ldPath       string   // $LD_LIBRARY_PATH or $DYLD_LIBRARY_PATH
}

// currentSearch describes this process: its options, environment, working
// directory, executable and per-user cache.
func currentSearch(option string) search {
	s := search{goos: runtime.GOOS, goarch: runtime.GOARCH, option: option, env: os.Getenv(LibraryPathEnv)}
	if wd, err := os.Getwd(); err == nil {
		s.starts = append(s.starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		s.exeDir = filepath.Dir(exe)
		s.starts = append(s.starts, s.exeDir)
	}
	if dir, err := UserLibraryDir(); err == nil {
		s.userDir = dir
	}
	switch s.goos {
	case "darwin":
		s.ldPath = os.Getenv("DYLD_LIBRARY_PATH")
	case "windows":
	default:
		s.ldPath = os.Getenv("LD_LIBRARY_PATH")
	}
	return s
}

// libraryNames lists the file names of the ONNX Runtime library on goos,
// most specific first.
func libraryNames(goos string) []string {
	switch goos {
	case "darwin":
		return []string{"libonnxruntime.dylib", "libonnxruntime.1.dylib", "libonnxruntime." + PinnedRuntimeVersion + ".dylib"}
	case "windows":
		return []string{"onnxruntime.dll"}
	default:
		return []string{"libonnxruntime.so.1", "libonnxruntime.so"}
	}
}

// candidates returns the places to try, in order. An explicit option or
// environment variable is the only candidate when set: a mistake there must
// not silently load another library.
func (s search) candidates() []candidate {
	if s.option != "" {
		return s.explicit(s.option, "option WithLibraryPath")
	}
	if s.env != "" {
		return s.explicit(s.env, "$"+LibraryPathEnv)
	}
	var out []candidate
	seen := map[string]bool{}
	if s.exeDir != "" {
		seen[s.exeDir] = true
		out = append(out, inDir(s.exeDir, s.goos, "executable's directory")...)
	}
	if s.userDir != "" && !seen[s.userDir] {
		seen[s.userDir] = true
		out = append(out, inDir(s.userDir, s.goos, "per-user cache, where gliner setup installs it")...)
	}
	return append(out, s.repoAndSystem(seen)...)
}

// repoAndSystem lists the repository's third_party/onnxruntime folders, the
// system folders and the loader's own search, skipping folders in seen.
func (s search) repoAndSystem(seen map[string]bool) []candidate {
	var out []candidate
	for i, start := range s.starts {
		root := findRoot(start)
		if root == "" {
			continue
		}
		dir := filepath.Join(root, filepath.FromSlash(repoLibDir))
		if seen[dir] {
			continue
		}
		seen[dir] = true
		from := "working directory"
		if i > 0 {
			from = "executable's directory"
		}
		out = append(out, inDir(dir, s.goos, "repository folder, found from the "+from)...)
	}
	for _, dir := range s.systemDirs() {
		if !seen[dir] {
			seen[dir] = true
			out = append(out, inDir(dir, s.goos, "system directory")...)
		}
	}
	for _, name := range libraryNames(s.goos) {
		out = append(out, candidate{path: name, source: "dynamic loader search", bare: true})
	}
	return out
}

// explicit expands a user-given path: a directory means the library names
// inside it.
func (s search) explicit(path, source string) []candidate {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return inDir(path, s.goos, source)
	}
	return []candidate{{path: path, source: source}}
}

func inDir(dir, goos, source string) []candidate {
	names := libraryNames(goos)
	out := make([]candidate, len(names))
	for i, n := range names {
		out[i] = candidate{path: filepath.Join(dir, n), source: source}
	}
	return out
}

// systemDirs lists the loader path entries and the usual install folders.
func (s search) systemDirs() []string {
	var dirs []string
	for _, d := range filepath.SplitList(s.ldPath) {
		if d != "" {
			dirs = append(dirs, filepath.Clean(d))
		}
	}
	switch s.goos {
	case "windows":
		return dirs
	case "darwin":
		return append(dirs, "/opt/homebrew/lib", "/usr/local/lib", "/opt/onnxruntime/lib")
	}
	dirs = append(dirs, "/usr/local/lib", "/usr/local/lib64")
	if t := multiarch(s.goarch); t != "" {
		dirs = append(dirs, "/usr/lib/"+t, "/lib/"+t)
	}
	return append(dirs, "/usr/lib64", "/usr/lib", "/opt/onnxruntime/lib")
}

// multiarch returns Debian's multiarch triplet for goarch.
func multiarch(goarch string) string {
	switch goarch {
	case "amd64":
		return "x86_64-linux-gnu"
	case "arm64":
		return "aarch64-linux-gnu"
	}
	return ""
}

// findRoot walks up from dir to the first folder holding go.mod or
// third_party/onnxruntime, or returns "".
func findRoot(dir string) string {
	if dir == "" {
		return ""
	}
	dir = filepath.Clean(dir)
	for {
		if exists(filepath.Join(dir, filepath.FromSlash(repoLibDir))) || exists(filepath.Join(dir, "go.mod")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// isFile reports whether path names a regular file (following symlinks).
func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// locate returns the first candidate that exists: a file on disk, or a bare
// name the dynamic loader resolves (resolve returns its real path, or "").
// Otherwise it returns a *LibraryNotFoundError naming every place tried.
func (s search) locate(resolve func(name string) string) (candidate, error) {
	cands := s.candidates()
	for _, c := range cands {
		if !c.bare {
			if isFile(c.path) {
				return c, nil
			}
			continue
		}
		if resolve != nil {
			if p := resolve(c.path); p != "" {
				return candidate{path: p, source: c.source + " for " + c.path}, nil
			}
		}
	}
	return candidate{}, &LibraryNotFoundError{Tried: describe(cands)}
}

// describe groups candidates by folder and source into readable lines, e.g.
// "/usr/lib/{libonnxruntime.so.1,libonnxruntime.so} (system directory)".
func describe(cands []candidate) []string {
	var lines []string
	for i := 0; i < len(cands); {
		c := cands[i]
		if c.bare {
			lines = append(lines, c.path+" ("+c.source+")")
			i++
			continue
		}
		dir := filepath.Dir(c.path)
		names := []string{filepath.Base(c.path)}
		j := i + 1
		for ; j < len(cands) && !cands[j].bare && cands[j].source == c.source && filepath.Dir(cands[j].path) == dir; j++ {
			names = append(names, filepath.Base(cands[j].path))
		}
		p := c.path
		if len(names) > 1 {
			p = filepath.Join(dir, "{"+strings.Join(names, ",")+"}")
		}
		lines = append(lines, p+" ("+c.source+")")
		i = j
	}
	return lines
}
