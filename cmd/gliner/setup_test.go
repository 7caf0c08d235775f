package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/internal/testenv"
)

// TestSetupRejectsWrongTarball gives setup a file that is not the pinned
// tarball: it must fail with the checksum error and install nothing. (The
// download path is tested in package encoder against a local server.)
func TestSetupRejectsWrongTarball(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "onnxruntime-node-"+encoder.PinnedRuntimeVersion+".tgz")
	if err := os.WriteFile(file, []byte("not the pinned tarball"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "lib")
	code, stdout, stderr := cli("setup", "--from", file, "--dir", dir)
	if code != exitRuntime || stdout != "" {
		t.Fatalf("exit %d, stdout %q; want exit %d and no path", code, stdout, exitRuntime)
	}
	if !strings.Contains(stderr, "sha256 mismatch") || !strings.Contains(stderr, "nothing was installed") {
		t.Errorf("stderr: %s", stderr)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("%s holds %d files after a failed setup", dir, len(ents))
	}
}

func TestSetupUsage(t *testing.T) {
	if code, _, stderr := cli("setup", "extra"); code != exitUsage || !strings.Contains(stderr, `unexpected argument "extra"`) {
		t.Errorf("setup extra: exit %d, %s", code, stderr)
	}
	if code, _, stderr := cli("setup", "--help"); code != exitOK || !strings.Contains(stderr, "--from") {
		t.Errorf("setup --help: exit %d, %s", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		code, stdout, stderr := cli(arg)
		if code != exitOK || !strings.HasPrefix(stdout, "gliner ") || !strings.Contains(stdout, "ONNX Runtime ") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", arg, code, stdout, stderr)
		}
	}
}

func TestDoctor(t *testing.T) {
	info, err := encoder.LoadRuntime()
	if err != nil {
		testenv.Missing(t, "ONNX Runtime not loadable: %v", err)
	}
	code, stdout, stderr := cli("doctor")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"ONNX Runtime:      " + info.Version, info.Path, "built-in model:", "test extraction:", "everything works"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, stdout)
		}
	}
}
