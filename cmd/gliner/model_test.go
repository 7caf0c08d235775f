package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/hub"
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
	snap, err := resolveModelDir(context.Background(), "hf:acme/gliner-tiny", hub.FP32)
	if err != nil {
		t.Fatal(err)
	}
	dir := snap.Dir
	want := filepath.Join(cache, "models--acme--gliner-tiny", "snapshots", testCommit)
	if dir != want {
		t.Errorf("dir = %s, want %s", dir, want)
	}
	if snap.ONNXFile() != "onnx/model.onnx" {
		t.Errorf("ONNX file = %q", snap.ONNXFile())
	}
	if b, err := os.ReadFile(filepath.Join(dir, "onnx", "model.onnx")); err != nil || len(b) != 20000 {
		t.Errorf("model file: %d bytes, %v", len(b), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); !os.IsNotExist(err) {
		t.Error("README.md fetched")
	}
	if !strings.Contains(log.String(), "downloading acme/gliner-tiny@main (fp32)") {
		t.Errorf("log = %q", log.String())
	}
	// The int8 variant: only its graph is added to the snapshot.
	snap8, err := resolveModelDir(context.Background(), "hf:acme/gliner-tiny", hub.INT8)
	if err != nil {
		t.Fatal(err)
	}
	if snap8.Dir != dir || snap8.ONNXFile() != "onnx/model_int8.onnx" {
		t.Errorf("int8 snapshot: %s %q", snap8.Dir, snap8.ONNXFile())
	}
	if b, err := os.ReadFile(filepath.Join(dir, "onnx", "model_int8.onnx")); err != nil || len(b) != 2000 {
		t.Errorf("int8 model file: %d bytes, %v", len(b), err)
	}
	// Second use: straight from the cache, even with the hub gone.
	srv.Close()
	for _, v := range []hub.Variant{hub.FP32, hub.INT8} {
		snap2, err := resolveModelDir(context.Background(), "hf:acme/gliner-tiny@main", v)
		if err != nil || snap2.Dir != dir || !snap2.FromCache {
			t.Errorf("cached resolution of %s: %+v, %v", v, snap2, err)
		}
	}
	if _, err := resolveModelDir(context.Background(), "hf:acme/gliner-tiny", hub.FP16); err == nil {
		t.Error("fp16 resolved from a cache (and a hub) without it")
	}
	if _, err := resolveModelDir(context.Background(), "some/folder", hub.FP32); err == nil {
		t.Error("folder spec resolved as a hub model")
	}
	if _, err := resolveModelDir(context.Background(), "hf:not a repo", hub.FP32); err == nil {
		t.Error("bad repo accepted")
	}
}

// TestOpenModelVariant checks --variant on the built-in model and on a
// folder without that variant: clear errors, no silent fp32.
func TestOpenModelVariant(t *testing.T) {
	if _, err := openModel(modelFlags{variant: "int8"}); !errors.Is(err, errBuiltinVariant) {
		t.Errorf("built-in model with int8: %v", err)
	}
	dir := fixtureModel(t)
	if _, err := openModel(modelFlags{model: dir, variant: "int8"}); !errors.Is(err, gliner.ErrMissingFile) ||
		!strings.Contains(err.Error(), "model_int8.onnx") {
		t.Errorf("folder without int8: %v", err)
	}
	if _, err := openModel(modelFlags{model: "hf:acme/gliner-tiny", variant: "fp8"}); !errors.Is(err, hub.ErrBadVariant) {
		t.Errorf("hf model with fp8: %v", err)
	}
	data := filepath.Join(t.TempDir(), "tiny.tsv")
	if err := os.WriteFile(data, []byte("Fever\tB-Disease\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := cli("eval", "--variant", "fp16", "--data", data, "--labels", "Disease=disease")
	if code == exitOK || !strings.Contains(stderr, "fp32") {
		t.Errorf("eval --variant fp16 on the built-in model: exit %d, %s", code, stderr)
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
	m, err := openModel(modelFlags{model: "hf:fixtures/span-bert"})
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
