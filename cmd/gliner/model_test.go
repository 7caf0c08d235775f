package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/hub/hubtest"
	"github.com/gliner-go/gliner/internal/testenv"
)

const testCommit = "0123456789abcdef0123456789abcdef01234567"

func tinyRepo() hubtest.Repo {
	return hubtest.Repo{Name: "acme/gliner-tiny", Commit: testCommit,
		Files: map[string][]byte{
			"gliner_config.json":   []byte(`{"max_width":12}`),
			"tokenizer.json":       []byte(`{}`),
			"onnx/model.onnx":      []byte(strings.Repeat("onnx", 5000)),
			"onnx/model_int8.onnx": []byte(strings.Repeat("int8", 500)),
			"README.md":            []byte("hello"),
		},
		LFS: map[string]bool{"onnx/model.onnx": true, "onnx/model_int8.onnx": true}}
}

// hubEnv points the hub variables at a fake hub and an empty cache.
func hubEnv(t *testing.T, srv *hubtest.Server) string {
	t.Helper()
	cache := t.TempDir()
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("HF_TOKEN", "tok")
	t.Setenv("HF_HUB_CACHE", cache)
	t.Setenv("HF_HUB_OFFLINE", "")
	return cache
}

func TestResolveModelDirHF(t *testing.T) {
	srv := hubtest.New(t, "tok", tinyRepo())
	cache := hubEnv(t, srv)
	var log strings.Builder
	logOut = &log
	t.Cleanup(func() { logOut = os.Stderr })
	dir, err := resolveModelDir(context.Background(), "hf:acme/gliner-tiny")
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(cache, "models--acme--gliner-tiny", "snapshots", testCommit)
	if dir != want {
		t.Errorf("dir = %s, want %s", dir, want)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "onnx", "model.onnx")); err != nil || len(b) != 20000 {
		t.Errorf("model file: %d bytes, %v", len(b), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); !os.IsNotExist(err) {
		t.Error("README.md fetched")
	}
	if !strings.Contains(log.String(), "downloading acme/gliner-tiny@main") {
		t.Errorf("log = %q", log.String())
	}
	// Second use: straight from the cache, even with the hub gone.
	srv.Close()
	dir2, err := resolveModelDir(context.Background(), "hf:acme/gliner-tiny@main")
	if err != nil || dir2 != dir {
		t.Errorf("cached resolution: %s, %v", dir2, err)
	}
	if d, err := resolveModelDir(context.Background(), "some/folder"); err != nil || d != "some/folder" {
		t.Errorf("folder spec: %s %v", d, err)
	}
	if _, err := resolveModelDir(context.Background(), "hf:not a repo"); err == nil {
		t.Error("bad repo accepted")
	}
}

// TestOpenModelHFFixture serves the fixture model folder from the fake hub
// and opens it with --model hf:..., then extracts with it.
func TestOpenModelHFFixture(t *testing.T) {
	fixture := filepath.Join(testenv.RepoRoot(), "testdata", "models", "span-bert")
	if _, err := os.Stat(filepath.Join(fixture, "gliner_config.json")); err != nil {
		testenv.Missing(t, "fixture model %s not present", fixture)
		return
	}
	srv := hubtest.New(t, "", hubtest.RepoFromDir(t, "fixtures/span-bert", testCommit, fixture))
	hubEnv(t, srv)
	logOut = &strings.Builder{}
	t.Cleanup(func() { logOut = os.Stderr })
	m, err := openModel("hf:fixtures/span-bert")
	if err != nil {
		testenv.Missing(t, "fixture model does not open yet: %v", err)
		return
	}
	defer m.Close()
	ents, err := m.Extract(context.Background(), "Aspirin can cause Reye syndrome in children.", []string{"disease", "chemical"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("entities: %+v", ents)
}
