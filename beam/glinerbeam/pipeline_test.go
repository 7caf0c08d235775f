package glinerbeam

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/evaluate"
)

// testLabels are the labels of the pipeline tests (the built-in model's).
const testLabels = "disease,chemical,gene"

// requireModel skips the test when the built-in model cannot run here (no
// ONNX Runtime library).
func requireModel(tb testing.TB) {
	tb.Helper()
	m, err := gliner.OpenDefault()
	if errors.Is(err, encoder.ErrLibraryNotFound) || errors.Is(err, encoder.ErrNoCgo) {
		missing(tb, "ONNX Runtime is not available (run make deps-run in the repository): %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	m.Close()
}

var (
	cliOnce sync.Once
	cliPath string
	cliErr  error
)

// buildCLI builds the main module's gliner command once.
func buildCLI(tb testing.TB) string {
	tb.Helper()
	cliOnce.Do(func() {
		dir, err := os.MkdirTemp("", "glinerbeam-cli")
		if err != nil {
			cliErr = err
			return
		}
		cliPath = filepath.Join(dir, "gliner")
		root, _ := filepath.Abs(repoRoot)
		cmd := exec.Command("go", "build", "-C", root, "-o", cliPath, "./cmd/gliner")
		if out, err := cmd.CombinedOutput(); err != nil {
			cliErr = errors.New(string(out))
		}
	})
	if cliErr != nil {
		tb.Fatalf("building gliner: %v", cliErr)
	}
	return cliPath
}

// runCLI runs `gliner extract` with args over the JSON lines in input and
// returns its output lines. The input goes to stdin: with a file argument
// the CLI adds a newline after the file, and so an empty record.
func runCLI(tb testing.TB, input string, args ...string) []string {
	tb.Helper()
	in, err := os.Open(input)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	cmd := exec.Command(buildCLI(tb), append([]string{"extract"}, args...)...)
	cmd.Stdin = in
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("gliner extract: %v\n%s", err, stderr.String())
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// runPipeline runs c on Prism in this process and returns its metrics.
func runPipeline(tb testing.TB, c Config) metrics.QueryResults {
	tb.Helper()
	p, s := beam.NewPipelineWithRoot()
	if err := Build(s, c); err != nil {
		tb.Fatal(err)
	}
	res, err := prism.Execute(context.Background(), p)
	if err != nil {
		tb.Fatalf("pipeline: %v", err)
	}
	return res.Metrics().AllMetrics()
}

// outputs names the three output files of a pipeline in dir.
func outputs(dir string, in string, f Format, o Options) Config {
	return Config{
		Input: in, Format: f, Options: o,
		Entities:   filepath.Join(dir, "entities.jsonl"),
		Counts:     filepath.Join(dir, "counts.jsonl"),
		DeadLetter: filepath.Join(dir, "dead.jsonl"),
	}
}

// readLines reads a text file's non-empty lines. A missing file has none:
// textio writes no file for an empty collection.
func readLines(tb testing.TB, path string) []string {
	tb.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if sc.Text() != "" {
			out = append(out, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// byID indexes output lines by their "id" value.
func byID(tb testing.TB, lines []string) map[string]string {
	tb.Helper()
	out := make(map[string]string, len(lines))
	for _, l := range lines {
		var rec struct{ ID json.RawMessage }
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			tb.Fatalf("output line %q: %v", l, err)
		}
		if _, dup := out[string(rec.ID)]; dup {
			tb.Fatalf("id %s written twice", rec.ID)
		}
		out[string(rec.ID)] = l
	}
	return out
}

// writePubTatorJSONL writes the PubTator files' documents as JSON lines for
// `gliner extract`, read with the evaluation reader of the main module (not
// the pipeline's), and returns the number of documents.
func writePubTatorJSONL(tb testing.TB, dir, path string) int {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	n := 0
	for _, name := range pubTatorFiles {
		c, err := evaluate.ReadFile(filepath.Join(dir, name), evaluate.FormatPubTator)
		if err != nil {
			tb.Fatal(err)
		}
		for _, d := range c.Docs {
			if err := enc.Encode(map[string]string{"id": d.ID, "text": d.Text}); err != nil {
				tb.Fatal(err)
			}
		}
		n += len(c.Docs)
	}
	return n
}

// counter returns a counter's value summed over the steps that update it.
func counter(res metrics.QueryResults, name string) int64 {
	var n int64
	for _, c := range res.Counters() {
		if c.Key.Namespace == Namespace && c.Key.Name == name {
			n += c.Result()
		}
	}
	return n
}

// TestPubTatorMatchesCLI runs the pipeline on Prism over the PubTator test
// files and checks that every document's line equals `gliner extract`'s for
// the same document and flags.
func TestPubTatorMatchesCLI(t *testing.T) {
	dir := pubTatorPath(t)
	requireModel(t)
	tmp := t.TempDir()
	in := filepath.Join(tmp, "docs.jsonl")
	n := writePubTatorJSONL(t, dir, in)
	want := byID(t, runCLI(t, in, "--labels", testLabels, "--threshold", "0.5", "--offsets", "runes", "--batch", "8"))
	if len(want) != n {
		t.Fatalf("gliner extract wrote %d lines for %d documents", len(want), n)
	}

	c := outputs(tmp, filepath.Join(dir, "*.pubtator.txt"), FormatPubTator, DefaultOptions(strings.Split(testLabels, ",")...))
	res := runPipeline(t, c)
	got := byID(t, readLines(t, c.Entities))
	if len(got) != n {
		t.Errorf("pipeline wrote %d documents, want %d", len(got), n)
	}
	for id, w := range want {
		if g := got[id]; g != w {
			t.Errorf("document %s:\n got %s\nwant %s", id, g, w)
		}
	}
	if dead := readLines(t, c.DeadLetter); len(dead) != 0 {
		t.Errorf("dead letter has %d records, want none; first: %s", len(dead), dead[0])
	}
	checkCounts(t, c.Counts, want, res)
	if d, f := counter(res, "documents"), counter(res, "failures"); d != int64(n) || f != 0 {
		t.Errorf("metrics: documents %d, failures %d; want %d, 0", d, f, n)
	}
}

// checkCounts checks the per-label counts file and metrics against the
// entities of the CLI's lines.
func checkCounts(t *testing.T, path string, lines map[string]string, res metrics.QueryResults) {
	t.Helper()
	want := map[string]int{}
	total := 0
	for _, l := range lines {
		var rec outLine
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		for _, e := range rec.Entities {
			want[e.Label]++
			total++
		}
	}
	got := map[string]int{}
	for _, l := range readLines(t, path) {
		var rec struct {
			Label string
			Count int
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		got[rec.Label] += rec.Count
	}
	labels := make([]string, 0, len(want))
	for l := range want {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		if got[l] != want[l] || counter(res, "entities/"+l) != int64(want[l]) {
			t.Errorf("label %s: counts file %d, metric %d, want %d", l, got[l], counter(res, "entities/"+l), want[l])
		}
	}
	if len(got) != len(want) || counter(res, "entities") != int64(total) {
		t.Errorf("counts: %v, entities metric %d; want %v, %d", got, counter(res, "entities"), want, total)
	}
}

// TestPoisonedDocumentsGoToDeadLetter runs the pipeline over JSON lines
// holding an invalid line, a line without text and a text longer than the
// model accepts (with --long-texts error): those three land in the dead
// letter with their errors, and the good documents are annotated as
// `gliner extract` annotates them with the same flags.
func TestPoisonedDocumentsGoToDeadLetter(t *testing.T) {
	requireModel(t)
	tmp := t.TempDir()
	good := []string{
		`{"id":"a","text":"Metformin is used to treat type 2 diabetes."}`,
		`{"id":2,"text":"Mutations in BRCA1 increase the risk of breast cancer."}`,
		`{"id":"c","text":"Cisplatin-induced nephrotoxicity was reduced."}`,
	}
	long := `{"id":"long","text":"` + strings.Repeat("aspirin ", 2000) + `"}`
	bad := []string{`{"id":"broken","text":`, `{"id":"notext"}`, long}
	in := filepath.Join(tmp, "docs.jsonl")
	writeFile(t, in, append(append([]string{good[0], bad[0], good[1], ""}, bad[1:]...), good[2]))
	goodIn := filepath.Join(tmp, "good.jsonl")
	writeFile(t, goodIn, good)
	want := byID(t, runCLI(t, goodIn, "--labels", testLabels, "--long-texts", "error"))

	o := DefaultOptions(strings.Split(testLabels, ",")...)
	var err error
	if o.LongTexts, err = ParseLongTexts("error"); err != nil {
		t.Fatal(err)
	}
	c := outputs(tmp, in, FormatJSONL, o)
	res := runPipeline(t, c)
	got := byID(t, readLines(t, c.Entities))
	if len(got) != len(want) {
		t.Errorf("pipeline wrote %d documents, want %d", len(got), len(want))
	}
	for id, w := range want {
		if g := got[id]; g != w {
			t.Errorf("document %s:\n got %s\nwant %s", id, g, w)
		}
	}
	checkDead(t, readLines(t, c.DeadLetter), in, long)
	if d, f, b := counter(res, "documents"), counter(res, "failures"), counter(res, "blank_lines"); d != 3 || f != 3 || b != 1 {
		t.Errorf("metrics: documents %d, failures %d, blank lines %d; want 3, 3, 1", d, f, b)
	}
}

// checkDead checks the three dead-letter records of the poisoned input.
func checkDead(t *testing.T, lines []string, source, long string) {
	t.Helper()
	want := map[string]struct{ id, input, err string }{
		"invalid JSON":  {"null", `{"id":"broken","text":`, "invalid JSON"},
		"without text":  {"null", `{"id":"notext"}`, `without "text"`},
		"text too long": {`"long"`, long, gliner.ErrTextTooLong.Error()},
	}
	if len(lines) != len(want) {
		t.Fatalf("dead letter has %d records, want %d: %q", len(lines), len(want), lines)
	}
	for _, l := range lines {
		var d DeadLetter
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatalf("dead letter %q: %v", l, err)
		}
		found := false
		for name, w := range want {
			if strings.Contains(d.Error, w.err) {
				found = true
				if string(d.ID) != w.id || d.Input != w.input || d.Source != source {
					t.Errorf("%s: got id %s, source %q, input %.60q; want %s, %q, %.60q", name, d.ID, d.Source, d.Input, w.id, source, w.input)
				}
			}
		}
		if !found {
			t.Errorf("unexpected dead letter %s", l)
		}
	}
}

// writeFile writes lines to path.
func writeFile(tb testing.TB, path string, lines []string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// TestLongTextsMatchCLI runs a text of 2,000 words (several windows of the
// built-in model) under --long-texts chunk and truncate: the lines, with
// their metadata ("windows", "chunked", "truncated", "dropped_words"),
// equal those of `gliner extract` with the same flag, and nothing is
// dead-lettered.
func TestLongTextsMatchCLI(t *testing.T) {
	requireModel(t)
	long := `{"id":"long","text":"` + strings.Repeat("Aspirin lowers the risk of stroke in diabetes. ", 250) + `"}`
	short := `{"id":"short","text":"Mutations in BRCA1 increase the risk of breast cancer."}`
	for policy, key := range map[string]string{"chunk": `"chunked":true`, "truncate": `"truncated":true`} {
		t.Run(policy, func(t *testing.T) {
			tmp := t.TempDir()
			in := filepath.Join(tmp, "docs.jsonl")
			writeFile(t, in, []string{long, short})
			want := byID(t, runCLI(t, in, "--labels", testLabels, "--long-texts", policy))
			o := DefaultOptions(strings.Split(testLabels, ",")...)
			var err error
			if o.LongTexts, err = ParseLongTexts(policy); err != nil {
				t.Fatal(err)
			}
			c := outputs(tmp, in, FormatJSONL, o)
			runPipeline(t, c)
			got := byID(t, readLines(t, c.Entities))
			if len(got) != len(want) {
				t.Errorf("pipeline wrote %d documents, want %d", len(got), len(want))
			}
			for id, w := range want {
				if g := got[id]; g != w {
					t.Errorf("document %s:\n got %.300s\nwant %.300s", id, g, w)
				}
			}
			if !strings.Contains(got[`"long"`], key) {
				t.Errorf("long document's line has no %s: %.300s", key, got[`"long"`])
			}
			if dead := readLines(t, c.DeadLetter); len(dead) != 0 {
				t.Errorf("dead letter has %d records, want none; first: %.300s", len(dead), dead[0])
			}
		})
	}
}
