package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

// TestBenchJSON runs gliner bench on the fixture model with each span
// kernel and checks the JSON keys and the kernel reported.
func TestBenchJSON(t *testing.T) {
	model := fixtureModel(t)
	if _, err := openModel(modelFlags{model: model}); err != nil {
		testenv.Missing(t, "fixture model does not open: %v", err)
	}
	texts := filepath.Join(t.TempDir(), "texts.txt")
	body := "Mutations in the BRCA1 gene cause breast cancer.\n\nCisplatin-induced nephrotoxicity was reduced by magnesium.\n"
	if err := os.WriteFile(texts, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, kernel := range []string{"factorised", "graph"} {
		code, stdout, stderr := cli("bench", "--model", model, "--texts", texts, "--reps", "2", "--batch", "2", "--threads", "1", "--span-kernel", kernel, "--json")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("%v: %s", err, stdout)
		}
		for _, k := range []string{"texts_per_s", "words_per_s", "p50_ms", "p95_ms", "peak_rss_mb", "load_peak_rss_mb", "outside_ort_share", "ort_texts_per_s"} {
			if v, ok := r[k].(float64); !ok || v < 0 || (k != "outside_ort_share" && v == 0) {
				t.Errorf("%s: %s = %v", kernel, k, r[k])
			}
		}
		if r["ort_texts_per_s"].(float64) < r["texts_per_s"].(float64) {
			t.Errorf("%s: texts/s inside Run %v below texts/s %v", kernel, r["ort_texts_per_s"], r["texts_per_s"])
		}
		if v, ok := r["run_peak_rss_mb"].(float64); runtime.GOOS == "linux" && (!ok || v <= 0) {
			t.Errorf("%s: run_peak_rss_mb = %v", kernel, r["run_peak_rss_mb"])
		}
		if r["span_kernel"] != kernel || r["texts"] != 2.0 || r["words"] != 14.0 {
			t.Errorf("span_kernel %v texts %v words %v, want %s 2 14", r["span_kernel"], r["texts"], r["words"], kernel)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{{"--span-kernel", "fast"}, {"--batch", "0"}, {"--reps", "0"}, {"extra"}} {
		code, _, stderr := cli(append([]string{"bench"}, args...)...)
		if code != exitUsage || !strings.Contains(stderr, "bench") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestBenchBuiltinTexts(t *testing.T) {
	texts, err := readBenchTexts("")
	if err != nil || len(texts) != 20 {
		t.Fatalf("%d built-in texts, %v", len(texts), err)
	}
}
