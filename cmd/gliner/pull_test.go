package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/hub/hubtest"
)

func TestPull(t *testing.T) {
	srv := hubtest.New(t, "tok", tinyRepo())
	cache := hubEnv(t, srv)
	code, stdout, stderr := cli("pull", "acme/gliner-tiny", "--variant", "int8")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	snap := strings.TrimSpace(stdout)
	if snap != filepath.Join(cache, "models--acme--gliner-tiny", "snapshots", testCommit) {
		t.Errorf("stdout = %q", stdout)
	}
	if _, err := os.Stat(filepath.Join(snap, "onnx", "model_int8.onnx")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(snap, "onnx", "model.onnx")); !os.IsNotExist(err) {
		t.Error("fp32 model fetched for --variant int8")
	}
	if !strings.Contains(stderr, "3 files") {
		t.Errorf("stderr = %q", stderr)
	}

	out := filepath.Join(t.TempDir(), "model")
	code, stdout, stderr = cli("pull", "--dir", out, "--revision", testCommit, "acme/gliner-tiny")
	if code != exitOK || strings.TrimSpace(stdout) != out {
		t.Fatalf("--dir: exit %d, %q, %s", code, stdout, stderr)
	}
	if st, err := os.Lstat(filepath.Join(out, "onnx", "model.onnx")); err != nil || !st.Mode().IsRegular() {
		t.Errorf("--dir copy: %v %v", st, err)
	}
	if srv.Gets("acme/gliner-tiny", "gliner_config.json") != 1 {
		t.Errorf("config fetched %d times, want once", srv.Gets("acme/gliner-tiny", "gliner_config.json"))
	}

	// Offline: from the cache, no request.
	srv.Close()
	t.Setenv("HF_HUB_OFFLINE", "1")
	code, stdout, stderr = cli("pull", "acme/gliner-tiny")
	if code != exitOK || !strings.Contains(stderr, "from the cache") {
		t.Errorf("offline: exit %d, %s", code, stderr)
	}
	code, _, stderr = cli("pull", "acme/other")
	if code != exitRuntime || !strings.Contains(stderr, "not in the cache") {
		t.Errorf("offline, uncached: exit %d, %s", code, stderr)
	}
}

func TestPullUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"pull"}, exitUsage, "exactly one repository"},
		{[]string{"pull", "a/b", "c/d"}, exitUsage, "exactly one repository"},
		{[]string{"pull", "not-a-repo"}, exitUsage, "bad repository"},
		{[]string{"pull", "a/b", "--variant", "fp8"}, exitUsage, "unknown variant"},
		{[]string{"pull", "--help"}, exitOK, "Examples:"},
	} {
		code, _, stderr := cli(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%q: exit %d, want %d with %q; stderr:\n%s", tc.args, code, tc.code, tc.msg, stderr)
		}
	}
	srv := hubtest.New(t, "tok", tinyRepo())
	hubEnv(t, srv)
	code, _, stderr := cli("pull", "acme/missing")
	if code != exitRuntime || !strings.Contains(stderr, "404") {
		t.Errorf("missing repo: exit %d, %s", code, stderr)
	}
}
