// Package testenv locates what the test suites need: the repository root,
// the real corpora and tokenizer files (testdata/shared/data in the
// repository), and tools installed by the set-up scripts.
//
// Tests that lack a prerequisite (ONNX Runtime, python3-torch, the node
// oracles) skip with a message saying how to get it, except when
// GLINER_REQUIRE_SHARED=1 (set by .ci/run): then nothing may be skipped and
// a missing prerequisite fails the test.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// RequireEnv is the environment variable that turns missing prerequisites
// into failures: with it set to 1, no test may skip for want of data or
// tools.
const RequireEnv = "GLINER_REQUIRE_SHARED"

// SharedEnv overrides the location of the shared folder (the one holding
// data/). By default it is testdata/shared in the repository.
const SharedEnv = "GLINER_SHARED_DIR"

// sharedRel is the shared folder's place in the repository.
const sharedRel = "testdata/shared"

var (
	rootOnce sync.Once
	rootDir  string
)

// Required reports whether missing prerequisites must fail the tests.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// RepoRoot returns the directory holding the module's go.mod, found by
// walking up from the working directory, or "" if there is none.
func RepoRoot() string {
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return
			}
			dir = parent
		}
	})
	return rootDir
}

// Missing skips the test with the given message, or fails it when
// prerequisites are required.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if Required() {
		tb.Fatalf("missing prerequisite ("+RequireEnv+"=1): "+format, args...)
	}
	tb.Skipf("skipping: "+format, args...)
}

// SharedDir returns the shared folder (containing data/): $GLINER_SHARED_DIR
// when set, else testdata/shared of the repository. It skips or fails the
// test when the folder is absent (a copy of the module without its test
// data, such as the module cache's).
func SharedDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv(SharedEnv)
	if dir == "" {
		root := RepoRoot()
		if root == "" {
			Missing(tb, "no go.mod above the working directory")
			return ""
		}
		dir = filepath.Join(root, filepath.FromSlash(sharedRel))
	}
	if st, err := os.Stat(filepath.Join(dir, "data")); err != nil || !st.IsDir() {
		Missing(tb, "shared data not found at %s (it is %s in a clone of the repository; or set %s)", dir, sharedRel, SharedEnv)
		return ""
	}
	return dir
}

// DataFile returns the path of a file below the shared folder's data/, or
// skips or fails the test when it is absent.
func DataFile(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(SharedDir(tb), "data", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		Missing(tb, "shared data file %s not found", rel)
	}
	return p
}

// Python returns the Debian python3 interpreter (which sees python3-torch,
// python3-onnx and python3-sentencepiece), or skips or fails the test.
func Python(tb testing.TB, modules ...string) string {
	tb.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		Missing(tb, "%s not found (run make deps)", py)
		return ""
	}
	for _, m := range modules {
		if err := exec.Command(py, "-c", "import "+m).Run(); err != nil {
			Missing(tb, "python module %s not importable by %s (run make deps)", m, py)
		}
	}
	return py
}

// Node returns the node binary and the oracle folder (tools/oracle) with its
// node_modules installed, or skips or fails the test.
func Node(tb testing.TB) (node, dir string) {
	tb.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		Missing(tb, "node not found")
		return "", ""
	}
	dir = filepath.Join(RepoRoot(), "tools", "oracle")
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		Missing(tb, "node oracles not installed in tools/oracle (run make deps)")
	}
	return node, dir
}
