package main

import (
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/gliner-go/gliner/internal/evaluate"
	"github.com/gliner-go/gliner/internal/testenv"
)

// TestEvalSweepEqualsSeparateRuns runs gliner eval --sweep with the real
// pipeline on fixture models over NCBI-disease (CoNLL) and BC5CDR
// (PubTator), and checks that the sweep's points at 0.35, 0.45 and 0.55 equal
// separate runs with --threshold at those values exactly: same counts and
// scores, micro and per type.
func TestEvalSweepEqualsSeparateRuns(t *testing.T) {
	for _, tc := range []struct {
		model, data, labels, limit string
		extra                      []string
	}{
		{"span-bert", "conll/ncbi-disease/test.tsv", "Disease=disease", "60", nil},
		// Abstracts are longer than the fixture's limit: scores are kept for
		// whole texts only, so both runs truncate them.
		{"span-bert", "pubtator/bc5cdr.test.pubtator.txt", "Disease=disease,Chemical=chemical", "16", []string{"--long-texts", "truncate"}},
		{"token-deberta-new", "conll/ncbi-disease/test.tsv", "Disease=disease", "60", []string{"--nested"}},
	} {
		t.Run(tc.model+"/"+filepath.Base(tc.data), func(t *testing.T) {
			model := filepath.Join(testenv.RepoRoot(), "testdata", "models", tc.model)
			if _, err := openModel(modelFlags{model: model}); err != nil {
				testenv.Missing(t, "fixture model %s does not open: %v", tc.model, err)
			}
			data := testenv.DataFile(t, tc.data)
			dir := t.TempDir()
			run := func(name string, args ...string) *evaluate.Report {
				t.Helper()
				report := filepath.Join(dir, name+".json")
				args = append([]string{"eval", "--model", model, "--data", data, "--labels", tc.labels, "--limit", tc.limit, "--batch", "4", "--report", report}, append(tc.extra, args...)...)
				if code, _, stderr := cli(args...); code != exitOK {
					t.Fatalf("%q: exit %d: %s", args, code, stderr)
				}
				r, err := evaluate.ReadReport(report)
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			sweep := run("sweep", "--sweep", "0.35:0.55:0.1", "--threshold", "0.45")
			if len(sweep.Sweep) != 3 {
				t.Fatalf("sweep has %d points", len(sweep.Sweep))
			}
			preds := map[int]bool{}
			for _, p := range sweep.Sweep {
				one := run("t"+strconv.FormatFloat(p.Threshold, 'f', -1, 64), "--threshold", strconv.FormatFloat(p.Threshold, 'f', -1, 64))
				got := evaluate.SweepPoint{Threshold: p.Threshold, PRF: one.Scores.Micro, Total: one.Scores.Total, Types: one.Scores.Types}
				if !reflect.DeepEqual(p, got) {
					t.Errorf("threshold %g: sweep %+v\nseparate run %+v", p.Threshold, p, got)
				}
				if p.Threshold == 0.45 && !reflect.DeepEqual(sweep.Scores, one.Scores) {
					t.Errorf("main scores of the sweep run (--threshold 0.45) differ from a run at 0.45")
				}
				if p.Total.Pred == 0 {
					t.Errorf("threshold %g predicts nothing: the comparison shows little", p.Threshold)
				}
				preds[p.Total.Pred] = true
				t.Logf("threshold %g: %d predicted, %d matched of %d gold, F1 %.4f", p.Threshold, p.Total.Pred, p.Total.PredMatched, p.Total.Gold, p.F1)
			}
			if len(preds) < 2 {
				t.Errorf("the three thresholds predict the same number of entities: the test shows nothing")
			}
		})
	}
}
