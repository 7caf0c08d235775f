package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/evaluate"
	"github.com/gliner-go/gliner/internal/server"
	"github.com/gliner-go/gliner/internal/testenv"
)

// fixtureModel returns the span-bert fixture model folder, or skips.
func fixtureModel(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(), "testdata", "models", "span-bert")
	if _, err := os.Stat(filepath.Join(dir, "gliner_config.json")); err != nil {
		testenv.Missing(t, "fixture model %s not present", dir)
	}
	return dir
}

// TestEvalFixtureModel runs gliner eval with the real pipeline on the
// fixture model over the first NCBI-disease and BC5CDR test sentences.
func TestEvalFixtureModel(t *testing.T) {
	model := fixtureModel(t)
	if _, err := openModel(modelFlags{model: model}); err != nil {
		testenv.Missing(t, "fixture model does not open: %v", err)
	}
	for _, tc := range []struct{ data, labels string }{
		{"conll/ncbi-disease/test.tsv", "Disease=disease"},
		{"pubtator/bc5cdr.test.pubtator.txt", "Disease=disease,Chemical=chemical"},
	} {
		t.Run(tc.data, func(t *testing.T) {
			report := filepath.Join(t.TempDir(), "r.json")
			code, stdout, stderr := cli("eval", "--model", model, "--data", testenv.DataFile(t, tc.data), "--labels", tc.labels,
				"--limit", "40", "--match", "overlap", "--report", report)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			t.Logf("\n%s", stdout)
			r, err := evaluate.ReadReport(report)
			if err != nil {
				t.Fatal(err)
			}
			if r.Texts != 40 || r.Scores.Total.Gold == 0 || r.Cost.TextsPerSecond <= 0 {
				t.Errorf("report: texts %d, totals %+v, cost %+v", r.Texts, r.Scores.Total, r.Cost)
			}
			if r.Scores.Total.Pred == 0 {
				t.Errorf("the fixture model found nothing in 40 texts")
			}
		})
	}
}

// TestServeFixtureModel answers one request with the real pipeline.
func TestServeFixtureModel(t *testing.T) {
	model := fixtureModel(t)
	m, err := openModel(modelFlags{model: model})
	if err != nil {
		testenv.Missing(t, "fixture model does not open: %v", err)
	}
	defer m.Close()
	srv := httptest.NewServer(server.New(m, server.Config{}))
	defer srv.Close()
	text := "Aspirin can cause Reye syndrome in children with influenza."
	resp, err := http.Post(srv.URL+"/v1/extract", "application/json",
		strings.NewReader(`{"texts":["`+text+`",""],"labels":["disease","chemical"],"threshold":0.3}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body server.BatchResponse
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	if len(body.Results) != 2 || len(body.Results[1].Entities) != 0 {
		t.Fatalf("results = %+v", body.Results)
	}
	for _, e := range body.Results[0].Entities {
		if text[e.Start:e.End] != e.Text {
			t.Errorf("entity %+v: text[start:end] = %q", e, text[e.Start:e.End])
		}
	}
	t.Logf("entities: %+v", body.Results[0].Entities)
}
