//go:build cgo && linux

package encoder

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeOldORT is an ONNX Runtime 1.16.3 look-alike: OrtGetApiBase works, but
// API levels above 16 are refused, as real old libraries do.
const fakeOldORT = `
#include <stddef.h>
#include <stdint.h>
typedef struct {
	const void *(*GetApi)(uint32_t version);
	const char *(*GetVersionString)(void);
} base_t;
static int api_table;
static const void *get_api(uint32_t v) { return v <= 16 ? (const void *)&api_table : NULL; }
static const char *version(void) { return "1.16.3"; }
static const base_t base = { get_api, version };
const base_t *OrtGetApiBase(void) { return &base; }
`

// fakeNotORT is a shared library without OrtGetApiBase.
const fakeNotORT = `int something_else(void) { return 42; }`

// buildSharedLib compiles C source into dir/name with the C compiler cgo
// uses, or skips the test when there is none.
func buildSharedLib(tb testing.TB, dir, name, src string) string {
	tb.Helper()
	cc := ""
	for _, name := range []string{os.Getenv("CC"), "gcc", "cc"} {
		if p, err := exec.LookPath(name); name != "" && err == nil {
			cc = p
			break
		}
	}
	if cc == "" {
		tb.Skip("no C compiler to build a fake library")
	}
	c := filepath.Join(dir, strings.TrimSuffix(name, filepath.Ext(name))+".c")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(dir, name)
	if b, err := exec.Command(cc, "-shared", "-fPIC", "-o", out, c).CombinedOutput(); err != nil {
		tb.Fatalf("%s: %v\n%s", cc, err, b)
	}
	return out
}

// These tests call initialize directly with a fake library: each fails
// before onnxruntime_go is touched, so they need no real ONNX Runtime and
// do not disturb a runtime loaded by other tests.

func TestInitializeOldVersion(t *testing.T) {
	dir := t.TempDir()
	lib := buildSharedLib(t, dir, "libonnxruntime.so.1", fakeOldORT)
	for _, s := range []search{
		{goos: runtime.GOOS, option: lib},
		{goos: runtime.GOOS, env: dir}, // a folder holding the library
	} {
		_, err := initialize(s)
		var ve *VersionError
		if !errors.As(err, &ve) || !errors.Is(err, ErrLibraryVersion) {
			t.Fatalf("got %v, want *VersionError", err)
		}
		if ve.Version != "1.16.3" || ve.Path != lib || ve.APILevel != APILevel {
			t.Errorf("VersionError = %+v", ve)
		}
		for _, want := range []string{"1.16.3", "API level 24", MinRuntimeVersion, "gliner setup", LibraryPathEnv, lib} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error text lacks %q: %s", want, err)
			}
		}
	}
}

func TestInitializeNotORT(t *testing.T) {
	dir := t.TempDir()
	notORT := buildSharedLib(t, dir, "libother.so", fakeNotORT)
	text := filepath.Join(dir, "libonnxruntime.so")
	if err := os.WriteFile(text, []byte(strings.Repeat("this is not an ELF file\n", 20)), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path, want string }{
		{"no OrtGetApiBase", notORT, "OrtGetApiBase"},
		{"not a shared object", text, text + ":"}, // the loader's message names the file
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := initialize(search{goos: runtime.GOOS, option: tt.path})
			var le *LoadError
			if !errors.As(err, &le) || !errors.Is(err, ErrLibraryLoad) {
				t.Fatalf("got %v, want *LoadError", err)
			}
			if le.Path != tt.path || le.Source != "option WithLibraryPath" || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadError = %+v (%v), want path %s and %q", le, err, tt.path, tt.want)
			}
		})
	}
}

func TestProbeRealLibrary(t *testing.T) {
	info := requireRuntime(t)
	p := probeLibrary(info.Path, false)
	if p.code != probeOK || p.version != info.Version || realPath(p.path) != realPath(info.Path) {
		t.Fatalf("probe = %+v, want OK %s at %s", p, info.Version, info.Path)
	}
	if got := resolveBare(filepath.Join(t.TempDir(), "libnothing.so")); got != "" {
		t.Errorf("resolveBare(missing) = %q", got)
	}
}

// TestLoadRuntimeFromEnv runs the test binary again with
// ONNXRUNTIME_SHARED_LIBRARY_PATH set, so LoadRuntime starts from a fresh
// process: a missing file there is the only place tried.
func TestLoadRuntimeFromEnv(t *testing.T) {
	if child := os.Getenv("ENCODER_TEST_CHILD"); child != "" {
		_, err := LoadRuntime()
		var nf *LibraryNotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("LoadRuntime = %v, want *LibraryNotFoundError", err)
		}
		want := os.Getenv(LibraryPathEnv) + " ($" + LibraryPathEnv + ")"
		if len(nf.Tried) != 1 || nf.Tried[0] != want {
			t.Fatalf("Tried = %q, want [%q]", nf.Tried, want)
		}
		// A failed load can be retried with a working library.
		if info := os.Getenv("ENCODER_TEST_LIB"); info != "" {
			if _, err := LoadRuntime(WithLibraryPath(info)); err != nil {
				t.Fatalf("retry with %s: %v", info, err)
			}
		}
		return
	}
	if testing.Short() {
		t.Skip("runs a child process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	lib := ""
	if info, err := LoadRuntime(); err == nil {
		lib = info.Path
	}
	cmd := exec.Command(exe, "-test.run=^TestLoadRuntimeFromEnv$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(),
		"ENCODER_TEST_CHILD=1",
		LibraryPathEnv+"="+filepath.Join(t.TempDir(), "missing", "libonnxruntime.so.1"),
		"ENCODER_TEST_LIB="+lib,
	)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "--- PASS: TestLoadRuntimeFromEnv") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
