package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gliner-go/gliner/internal/testenv"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func extractCLI(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(append([]string{"extract"}, args...), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestExtractUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no labels", nil},
		{"bad offsets", []string{"--labels", "disease", "--offsets", "words"}},
		{"bad label threshold", []string{"--labels", "disease", "--label-threshold", "disease:0.3"}},
		{"bad batch", []string{"--labels", "disease", "--batch", "0"}},
		{"unknown flag", []string{"--labels", "disease", "--flat"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := extractCLI("", tt.args...)
			assert.Equal(t, exitUsage, code, stderr)
		})
	}
	code, _, stderr := extractCLI("", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stderr, "Examples:")
}

type extractOut struct {
	ID       json.RawMessage `json:"id"`
	Entities []outEntity     `json:"entities"`
}

func parseExtractOutput(t *testing.T, stdout string) []extractOut {
	t.Helper()
	var outs []extractOut
	for _, l := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		var o extractOut
		require.NoError(t, json.Unmarshal([]byte(l), &o), l)
		outs = append(outs, o)
	}
	return outs
}

// TestExtractLines runs extraction on the fixture model: one output line per
// input line (an empty line gives no entities), ids from JSON lines or line
// numbers, and offsets in the three units agree with the text.
func TestExtractLines(t *testing.T) {
	model := fixtureModel(t)
	text := "Naïve patients with breast cancer and ovarian cancer were given cisplatin."
	in := strings.Join([]string{
		text,
		"",
		`{"id":"doc-7","text":` + mustJSON(t, text) + `}`,
		`{"text":"Familial hypercholesterolemia is a disease."}`,
	}, "\n") + "\n"
	outsByUnit := map[string][]extractOut{}
	for _, unit := range []string{"runes", "bytes", "utf16"} {
		code, stdout, stderr := extractCLI(in, "--model", model, "--labels", "disease,chemical", "--threshold", "0.2", "--offsets", unit, "--batch", "3")
		require.Equal(t, exitOK, code, stderr)
		outs := parseExtractOutput(t, stdout)
		require.Len(t, outs, 4)
		assert.Equal(t, "1", string(outs[0].ID))
		assert.Empty(t, outs[1].Entities)
		assert.Equal(t, `"doc-7"`, string(outs[2].ID))
		assert.Equal(t, "4", string(outs[3].ID))
		assert.Equal(t, outs[0].Entities, outs[2].Entities, "same text, same entities")
		outsByUnit[unit] = outs
	}
	ents := outsByUnit["runes"][0].Entities
	require.NotEmpty(t, ents, "the fixture finds diseases in %q", text)
	for i, e := range ents {
		b := outsByUnit["bytes"][0].Entities[i]
		assert.Equal(t, e.Text, text[b.Start:b.End])
		assert.Equal(t, e.Start, utf8.RuneCountInString(text[:b.Start]))
		assert.Equal(t, e.Text, string([]rune(text)[e.Start:e.End]))
		// Only ASCII after "Naïve": UTF-16 units equal code points here.
		assert.Equal(t, e.Start, outsByUnit["utf16"][0].Entities[i].Start)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestExtractBadThresholds checks that NaN and out-of-range thresholds, and
// per-label thresholds of labels not asked for, are usage errors.
func TestExtractBadThresholds(t *testing.T) {
	for _, args := range [][]string{
		{"--threshold", "NaN"},
		{"--threshold", "-1"},
		{"--threshold", "2"},
		{"--label-threshold", "disease=NaN"},
		{"--label-threshold", "disease=1.5"},
		{"--label-threshold", "chemical=0.3"},
	} {
		code, _, stderr := extractCLI("x\n", append([]string{"--labels", "disease"}, args...)...)
		assert.Equal(t, exitUsage, code, "%q: %s", args, stderr)
		assert.Contains(t, stderr, "threshold", "%q", args)
	}
}

// TestExtractFilesLineForLine checks that files give exactly one output
// record per input line: no phantom record for a file's end, an empty
// file or a last line without "\n", and empty lines kept.
func TestExtractFilesLineForLine(t *testing.T) {
	model := fixtureModel(t)
	dir := t.TempDir()
	files := map[string]string{
		"a.txt": "Patients with breast cancer.\n\nOvarian cancer.\n",
		"b.txt": "No newline at the end",
		"c.txt": "",
		"d.txt": "\n",
	}
	var args []string
	for _, name := range []string{"a.txt", "b.txt", "c.txt", "d.txt"} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(files[name]), 0o644))
		args = append(args, p)
	}
	code, stdout, stderr := extractCLI("", append(args, "--model", model, "--labels", "disease")...)
	require.Equal(t, exitOK, code, stderr)
	outs := parseExtractOutput(t, stdout)
	require.Len(t, outs, 5, "3 + 1 + 0 + 1 lines")
	for i, o := range outs {
		assert.Equal(t, strconv.Itoa(i+1), string(o.ID))
	}
	assert.Empty(t, outs[1].Entities)
	assert.Empty(t, outs[4].Entities)
}

// TestExtractMalformedLineCLI runs a malformed JSON line between good lines
// through the CLI: three records, the middle one an error, exit status 1;
// with --on-error stop, the run ends after the error record.
func TestExtractMalformedLineCLI(t *testing.T) {
	model := fixtureModel(t)
	in := `{"id":"a","text":"Patients with breast cancer."}` + "\n{\"text\": \n" + `{"id":"c","text":"Ovarian cancer."}` + "\n"
	code, stdout, stderr := extractCLI(in, "--model", model, "--labels", "disease", "--input", "jsonl", "--threshold", "0.2")
	assert.Equal(t, exitRuntime, code)
	assert.Contains(t, stderr, "lines failed: 1 (see their error records)")
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	require.Len(t, lines, 3, stdout)
	assert.Contains(t, lines[0], `"id":"a","entities":[{`)
	assert.Contains(t, lines[1], `{"id":2,"error":"line 2: malformed line: not a JSON object`)
	assert.Contains(t, lines[2], `"id":"c","entities":[{`)

	code, stdout, _ = extractCLI(in, "--model", model, "--labels", "disease", "--input", "jsonl", "--on-error", "stop")
	assert.Equal(t, exitRuntime, code)
	assert.Len(t, strings.Split(strings.TrimSuffix(stdout, "\n"), "\n"), 2, stdout)
}

// TestExtractSlowPipeCLI feeds the CLI through a pipe that stays open: the
// first line's result must be written before the input ends.
func TestExtractSlowPipeCLI(t *testing.T) {
	model := fixtureModel(t)
	pr, pw := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"extract", "--model", model, "--labels", "disease"}, pr, outW, io.Discard)
		outW.Close()
	}()
	_, err := io.WriteString(pw, "Patients with breast cancer.\n")
	require.NoError(t, err)
	got := make(chan string, 1)
	go func() { l, _ := bufio.NewReader(outR).ReadString('\n'); got <- l }()
	select {
	case l := <-got:
		assert.True(t, strings.HasPrefix(l, `{"id":1,"entities":`), l)
	case <-time.After(60 * time.Second):
		t.Fatal("no output while the input stays open")
	}
	pw.Close()
	assert.Equal(t, exitOK, <-done)
}

// TestExtractFixedSchema runs a token-classification model without
// --labels: all its types are asked for.
func TestExtractFixedSchema(t *testing.T) {
	model := filepath.Join(testenv.RepoRoot(), "testdata", "models", "bio-bert")
	if _, err := os.Stat(filepath.Join(model, "config.json")); err != nil {
		testenv.Missing(t, "fixture model %s not present", model)
	}
	text := "Cisplatin-induced nephrotoxicity in patients with ovarian cancer."
	code, stdout, stderr := extractCLI(text+"\n", "--model", model)
	require.Equal(t, exitOK, code, stderr)
	all := parseExtractOutput(t, stdout)[0].Entities
	code, stdout, stderr = extractCLI(text+"\n", "--model", model, "--labels", "Disease,Chemical")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, parseExtractOutput(t, stdout)[0].Entities, all)
	labels := map[string]bool{}
	for _, e := range all {
		labels[e.Label] = true
	}
	assert.Equal(t, map[string]bool{"Disease": true, "Chemical": true}, labels, "%+v", all)

	code, _, stderr = extractCLI("x\n", "--model", fixtureModel(t))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--labels is required")
}
