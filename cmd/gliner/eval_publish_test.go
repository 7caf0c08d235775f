package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/evaluate"
)

// predCorpus is what the fake model answers for jsonlCorpus: Aspirin is
// found as a disease (a confusion), Reye syndrome is missed, breast cancer
// is found.
const predCorpus = `{"text":"Aspirin can cause Reye syndrome.","entities":[{"start":0,"end":7,"label":"Disease"}]}
{"text":"Ça n'a rien.","entities":[]}
{"text":"Breast cancer genes","entities":[{"start":0,"end":13,"label":"Disease"}]}
`

func TestEvalBootstrapErrorsCompare(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "gold.jsonl")
	preds := filepath.Join(dir, "pred.jsonl")
	os.WriteFile(data, []byte(jsonlCorpus), 0o644)
	os.WriteFile(preds, []byte(predCorpus), 0o644)
	useGoldModel(t, preds, evaluate.DefaultLabel)
	a := filepath.Join(dir, "a.json")
	code, stdout, stderr := cli("eval", "--data", data, "--bootstrap", "300", "--seed", "5", "--errors", "3", "--report", a)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"95% bootstrap intervals (300 resamples of the documents, seed 5)", "FP 0.900 doc 1: …[Aspirin] can cause Reye syndrome.…", "FN       doc 1: …Aspirin can cause [Reye syndrome].…", "gold \\ predicted"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	r, err := evaluate.ReadReport(a)
	if err != nil {
		t.Fatal(err)
	}
	if r.Bootstrap == nil || r.Bootstrap.Resamples != 300 || len(r.Documents) != 3 || len(r.Errors) != 2 || r.Confusion == nil {
		t.Fatalf("report lacks parts: %+v", r)
	}
	if !r.Bootstrap.Micro.F1.Contains(r.Scores.Micro.F1) {
		t.Errorf("micro F1 %.4f outside %+v", r.Scores.Micro.F1, r.Bootstrap.Micro.F1)
	}
	// The same seed gives the same intervals.
	again := filepath.Join(dir, "again.json")
	cli("eval", "--data", data, "--bootstrap=300", "--seed=5", "--report", again)
	if r2, err := evaluate.ReadReport(again); err != nil || !reflect.DeepEqual(r2.Bootstrap, r.Bootstrap) {
		t.Errorf("same seed, different intervals: %+v vs %+v (%v)", r2.Bootstrap, r.Bootstrap, err)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "a.html"))
	for _, want := range []string{"Bootstrap", "Reye syndrome", "Confusions"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}

	// --bootstrap alone means 1000; the same run compared with itself ties.
	b := filepath.Join(dir, "b.json")
	if code, _, stderr := cli("eval", "--data", data, "--bootstrap", "--name", "again", "--report", b); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if r, _ := evaluate.ReadReport(b); r.Bootstrap == nil || r.Bootstrap.Resamples != evaluate.DefaultResamples {
		t.Fatalf("--bootstrap alone: %+v", r.Bootstrap)
	}
	cmpPath := filepath.Join(dir, "cmp.html")
	code, stdout, stderr = cli("eval", "--compare", "--bootstrap=200", "--report", cmpPath, a, b)
	if code != exitOK {
		t.Fatalf("compare: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "paired bootstrap of micro F1 (200 resamples") || !strings.Contains(stdout, "  0.000   0.000   1.000     0.500") {
		t.Errorf("paired table:\n%s", stdout)
	}
	if page, _ := os.ReadFile(cmpPath); !strings.Contains(string(page), "Paired bootstrap") {
		t.Errorf("comparison page lacks the paired bootstrap")
	}

	// A run over other documents, or without per-document counts, is refused.
	other := filepath.Join(dir, "other.jsonl")
	os.WriteFile(other, []byte(predCorpus[:strings.Index(predCorpus, "\n")+1]), 0o644)
	c := filepath.Join(dir, "c.json")
	plain := filepath.Join(dir, "plain.json")
	cli("eval", "--data", other, "--bootstrap", "--report", c)
	cli("eval", "--data", data, "--report", plain)
	for _, tc := range []struct{ other, msg string }{{c, "different documents"}, {plain, "no per-document counts"}} {
		code, _, stderr := cli("eval", "--compare", "--bootstrap", a, tc.other)
		if code != exitRuntime || !strings.Contains(stderr, tc.msg) {
			t.Errorf("compare with %s: exit %d, stderr %s", filepath.Base(tc.other), code, stderr)
		}
	}
	var js map[string]any
	raw, _ := os.ReadFile(a)
	if json.Unmarshal(raw, &js) != nil || js["documents"] == nil || js["confusion"] == nil {
		t.Errorf("JSON keys: %v", js)
	}
}

func TestEvalPublishUsageErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "gold.jsonl")
	os.WriteFile(data, []byte(jsonlCorpus), 0o644)
	useGoldModel(t, data, evaluate.DefaultLabel)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"eval", "--data", data, "--bootstrap=x"}, exitUsage, "not a number of resamples"},
		{[]string{"eval", "--data", data, "--errors", "-1"}, exitUsage, "--errors"},
		{[]string{"eval", "--data", data, "--sweep", "0.9:0.1:0.1"}, exitUsage, "bad sweep range"},
		{[]string{"eval", "--data", data, "--sweep", "0.1:0.9"}, exitUsage, "START:END:STEP"},
		{[]string{"eval", "--data", data, "--sweep", "0.1:0.9:0.1"}, exitRuntime, "cannot keep candidate scores"},
	} {
		code, _, stderr := cli(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%q: exit %d, want %d with %q; stderr:\n%s", tc.args, code, tc.code, tc.msg, stderr)
		}
	}
}
