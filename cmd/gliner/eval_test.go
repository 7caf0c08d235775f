package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/evaluate"
	"github.com/gliner-go/gliner/internal/testenv"
)

// goldModel is a fake model that answers with the gold entities of a
// corpus (types mapped to labels by evaluate.DefaultLabel or labelOf).
type goldModel struct {
	gold    map[string][]evaluate.Span
	labelOf func(string) string
	delay   time.Duration
	closed  bool
}

func (g *goldModel) ExtractBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([][]gliner.Entity, error) {
	time.Sleep(g.delay)
	want := map[string]bool{}
	for _, l := range labels {
		want[l] = true
	}
	out := make([][]gliner.Entity, len(texts))
	for i, text := range texts {
		runes := []rune(text)
		for _, s := range g.gold[text] {
			l := g.labelOf(s.Label)
			if !want[l] {
				continue
			}
			b0 := len(string(runes[:s.Start]))
			b1 := b0 + len(string(runes[s.Start:s.End]))
			out[i] = append(out[i], gliner.Entity{Label: l, Score: 0.9, Text: text[b0:b1], Start: b0, End: b1, RuneStart: s.Start, RuneEnd: s.End})
		}
	}
	return out, nil
}

func (g *goldModel) Close() error { g.closed = true; return nil }

// useGoldModel makes openExtractor return a gold model for the corpus file.
func useGoldModel(t *testing.T, corpus string, labelOf func(string) string) *goldModel {
	t.Helper()
	c, err := evaluate.ReadFile(corpus, 0)
	if err != nil {
		t.Fatal(err)
	}
	g := &goldModel{gold: map[string][]evaluate.Span{}, labelOf: labelOf}
	for _, d := range c.Docs {
		g.gold[d.Text] = d.Entities
	}
	old := openExtractor
	openExtractor = func(modelFlags) (extractorModel, error) { return g, nil }
	t.Cleanup(func() { openExtractor = old })
	return g
}

func cli(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

const jsonlCorpus = `{"text":"Aspirin can cause Reye syndrome.","entities":[{"start":0,"end":7,"label":"Chemical"},{"start":18,"end":31,"label":"Disease"}]}
{"text":"Ça n'a rien.","entities":[]}
{"text":"Breast cancer genes","entities":[{"start":0,"end":13,"label":"Disease"}]}
`

func TestEvalPerfectReport(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "gold.jsonl")
	os.WriteFile(data, []byte(jsonlCorpus), 0o644)
	g := useGoldModel(t, data, evaluate.DefaultLabel)
	report := filepath.Join(dir, "run.json")
	code, stdout, stderr := cli("eval", "--model", "fake", "--data", data, "--report", report, "--batch", "2")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !g.closed {
		t.Error("model not closed")
	}
	for _, want := range []string{"chemical", "disease", "micro", "macro", "1.0000", "3+", "texts/s"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	r, err := evaluate.ReadReport(report)
	if err != nil {
		t.Fatal(err)
	}
	if r.Scores.Micro.F1 != 1 || r.Texts != 3 || r.Format != "jsonl" || r.Name != "fake" || r.Batch != 2 || r.Scores.Total.Gold != 3 {
		t.Errorf("report = %+v", r)
	}
	page, err := os.ReadFile(filepath.Join(dir, "run.html"))
	if err != nil || !bytes.Contains(page, []byte(`id="chart-type"`)) {
		t.Errorf("HTML report: %v", err)
	}
	if strings.Contains(stderr, "\r") {
		t.Errorf("progress bar drawn on a non-terminal stderr: %q", stderr)
	}

	// --labels restricts and renames; --compare reads the reports back.
	report2 := filepath.Join(dir, "run2.json")
	g.labelOf = func(string) string { return "chemical compound" }
	code, stdout, stderr = cli("eval", "--data", data, "--labels", "Chemical=chemical compound", "--name", "second", "--match", "overlap", "--report", report2)
	if code != exitOK || !strings.Contains(stdout, "chemical compound") || strings.Contains(stdout, "disease") {
		t.Fatalf("exit %d, stdout:\n%s\nstderr: %s", code, stdout, stderr)
	}
	cmpPath := filepath.Join(dir, "cmp.html")
	code, stdout, stderr = cli("eval", "--compare", report, report2, "--report", cmpPath)
	if code != exitOK || !strings.Contains(stdout, "second") || !strings.Contains(stdout, "fake") {
		t.Fatalf("compare: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if page, err := os.ReadFile(cmpPath); err != nil || !bytes.Contains(page, []byte(`id="chart-scatter"`)) {
		t.Errorf("comparison page: %v", err)
	}
}

// TestEvalExtraLabels prompts chemical and gene besides the scored
// disease: the gold model answers chemical too, and those answers are not
// counted, so disease alone is scored, perfectly.
func TestEvalExtraLabels(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "gold.jsonl")
	os.WriteFile(data, []byte(jsonlCorpus), 0o644)
	useGoldModel(t, data, evaluate.DefaultLabel)
	report := filepath.Join(dir, "run.json")
	code, stdout, stderr := cli("eval", "--data", data, "--labels", "Disease=disease", "--extra-labels", " chemical, gene", "--report", report)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r, err := evaluate.ReadReport(report)
	if err != nil {
		t.Fatal(err)
	}
	if r.Scores.Micro.F1 != 1 || r.Scores.Total.Gold != 2 || r.Scores.Total.Pred != 2 || strings.Join(r.ExtraLabels, ",") != "chemical,gene" {
		t.Errorf("report = %+v\n%s", r, stdout)
	}
	if strings.Contains(stdout, "chemical") {
		t.Errorf("the table scores an extra label:\n%s", stdout)
	}
}

func TestEvalUsageAndRuntimeErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "gold.jsonl")
	os.WriteFile(data, []byte(jsonlCorpus), 0o644)
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"text":"x","entities":[{"start":0,"end":5,"label":"X"}]}`), 0o644)
	useGoldModel(t, data, evaluate.DefaultLabel)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"eval"}, exitUsage, "--data is required"},
		{[]string{"eval", "--data", data, "--match", "fuzzy"}, exitUsage, "unknown match"},
		{[]string{"eval", "--data", data, "--format", "xml"}, exitUsage, "unknown corpus format"},
		{[]string{"eval", "--data", filepath.Join(dir, "x.txt")}, exitUsage, "cannot infer"},
		{[]string{"eval", "--data", data, "--labels", "=x"}, exitUsage, "bad label map"},
		{[]string{"eval", "--data", data, "--threshold", "2"}, exitUsage, "threshold 2: want a number in [0, 1]"},
		{[]string{"eval", "--data", data, "--extra-labels", "gene,,x"}, exitUsage, "empty label"},
		{[]string{"eval", "--data", data, "--bogus"}, exitUsage, "flag provided but not defined"},
		{[]string{"eval", "--data", data, "extra"}, exitUsage, "unexpected arguments"},
		{[]string{"eval", "--compare"}, exitUsage, "at least one"},
		{[]string{"eval", "--data", filepath.Join(dir, "missing.jsonl")}, exitRuntime, "no such file"},
		{[]string{"eval", "--data", bad}, exitRuntime, "outside the text"},
		{[]string{"eval", "--compare", data}, exitRuntime, "report"},
		{[]string{"eval", "--help"}, exitOK, "Examples:"},
	} {
		code, _, stderr := cli(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%q: exit %d, want %d with %q; stderr:\n%s", tc.args, code, tc.code, tc.msg, stderr)
		}
	}
}

// TestEvalSharedCoNLL runs eval over the real NCBI-disease test set with a
// model that answers the gold spans: every mention must be found again, so
// the reader, the label mapping and the scoring agree end to end.
func TestEvalSharedCoNLL(t *testing.T) {
	data := testenv.DataFile(t, "conll/ncbi-disease/test.tsv")
	useGoldModel(t, data, evaluate.DefaultLabel)
	report := filepath.Join(t.TempDir(), "ncbi.json")
	code, stdout, stderr := cli("eval", "--data", data, "--labels", "Disease=disease", "--report", report)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r, err := evaluate.ReadReport(report)
	if err != nil {
		t.Fatal(err)
	}
	if r.Scores.Total.Gold != 960 || r.Scores.Micro.F1 != 1 {
		t.Errorf("gold %d, F1 %v\n%s", r.Scores.Total.Gold, r.Scores.Micro.F1, stdout)
	}
	var lengths []int
	for _, l := range r.Scores.Lengths {
		lengths = append(lengths, l.Gold)
	}
	t.Logf("NCBI-disease test mentions by length in words (1, 2, 3+): %v\n%s", lengths, stdout)
	b, _ := json.Marshal(r.Scores.Lengths)
	if !utf8.Valid(b) || lengths[0]+lengths[1]+lengths[2] != 960 {
		t.Errorf("length buckets %v", lengths)
	}
}

// TestEvalProgressOnTerminal runs gliner eval (in a child test process)
// with stderr on a pseudo-terminal made by util-linux script(1), and checks
// that the progress bar with rate and ETA is drawn there.
func TestEvalProgressOnTerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) from util-linux not installed")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "gold.jsonl")
	var corpus strings.Builder
	for i := 0; i < 60; i++ {
		corpus.WriteString(`{"text":"Aspirin can cause Reye syndrome.","entities":[{"start":0,"end":7,"label":"Chemical"}]}` + "\n")
	}
	os.WriteFile(data, []byte(corpus.String()), 0o644)
	typescript := filepath.Join(dir, "typescript")
	cmd := exec.Command(script, "-qec", os.Args[0]+" -test.run=^TestEvalProgressHelper$", typescript)
	cmd.Env = append(os.Environ(), "GLINER_PROGRESS_HELPER="+data)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("script: %v\n%s", err, out)
	}
	b, err := os.ReadFile(typescript)
	if err != nil {
		t.Fatal(err)
	}
	screen := strings.ReplaceAll(string(b), "\r", "\n")
	for _, want := range []string{"eval ", "/60, ", "texts/s)", "%", "micro"} {
		if !strings.Contains(screen, want) {
			t.Errorf("terminal output lacks %q:\n%s", want, screen)
		}
	}
}

// TestEvalProgressHelper is the child process of TestEvalProgressOnTerminal.
func TestEvalProgressHelper(t *testing.T) {
	data := os.Getenv("GLINER_PROGRESS_HELPER")
	if data == "" {
		t.Skip("helper process of TestEvalProgressOnTerminal")
	}
	g := useGoldModel(t, data, evaluate.DefaultLabel)
	g.delay = 15 * time.Millisecond
	if code := run([]string{"eval", "--data", data, "--batch", "1"}, os.Stdin, os.Stdout, os.Stderr); code != exitOK {
		t.Fatalf("exit %d", code)
	}
}

// TestEvalNaNThreshold checks that eval rejects a NaN threshold, as
// extract and the server do.
func TestEvalNaNThreshold(t *testing.T) {
	data := filepath.Join(t.TempDir(), "gold.jsonl")
	if err := os.WriteFile(data, []byte(jsonlCorpus), 0o644); err != nil {
		t.Fatal(err)
	}
	useGoldModel(t, data, evaluate.DefaultLabel)
	for _, v := range []string{"NaN", "-0.5", "1.5"} {
		if code, _, stderr := cli("eval", "--data", data, "--threshold", v); code != exitUsage || !strings.Contains(stderr, "want a number in [0, 1]") {
			t.Errorf("--threshold %s: exit %d, want %d; stderr:\n%s", v, code, exitUsage, stderr)
		}
	}
}
