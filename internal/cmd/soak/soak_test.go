package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/internal/testenv"
)

// TestSoakShort is the short soak of the normal test suite: 20,000
// extractions over the mixed inputs from 8 goroutines on the span-bert
// fixture, with 2 HTTP clients on the server meanwhile. It asserts bounded
// resources (see checkBounds), not speed.
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("soak skipped in -short mode")
	}
	model := filepath.Join(testenv.RepoRoot(), "testdata", "models", "span-bert")
	if _, err := os.Stat(filepath.Join(model, "gliner_config.json")); err != nil {
		testenv.Missing(t, "fixture model %s not present", model)
	}
	if _, err := encoder.LoadRuntime(); errors.Is(err, encoder.ErrLibraryNotFound) {
		testenv.Missing(t, "ONNX Runtime library not found (run scripts/setup-ort.sh): %v", err)
	}
	var out bytes.Buffer
	cfg := config{model: model, n: 20_000, every: 2_000, workers: 8, clients: 2}
	samples, err := soakModel(context.Background(), cfg, &out)
	t.Logf("\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 11 {
		t.Fatalf("%d samples, want 11 (before, 9 checkpoints, after)", len(samples))
	}
	if last := samples[len(samples)-1]; last.requests == 0 || last.done != cfg.n {
		t.Errorf("last sample %+v: want %d extractions and some HTTP requests", last, cfg.n)
	}
}

func TestSoakFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-n", "10", "-every", "10"}, &out, &errb); code != 2 {
		t.Errorf("-n 10 -every 10: exit %d, want 2; %s", code, errb.String())
	}
	if code := run([]string{"-bogus"}, &out, &errb); code != 2 {
		t.Errorf("-bogus: exit %d, want 2", code)
	}
}
