package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/evaluate"
	"github.com/gliner-go/gliner/internal/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseFlags checks the parser every subcommand shares: flags before,
// between and after positional arguments, "-" kept as a positional
// argument, everything after "--" positional.
func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		labels string
		pos    []string
	}{
		{"flags first", []string{"--labels", "x", "a.txt"}, "x", []string{"a.txt"}},
		{"flags after files", []string{"a.txt", "--labels", "x"}, "x", []string{"a.txt"}},
		{"between", []string{"a.txt", "--labels=x", "b.txt"}, "x", []string{"a.txt", "b.txt"}},
		{"stdin", []string{"-", "--labels", "x"}, "x", []string{"-"}},
		{"double dash", []string{"a.txt", "--", "--labels", "-"}, "", []string{"a.txt", "--labels", "-"}},
		{"none", nil, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			labels := fs.String("labels", "", "")
			pos, code, ok := parseFlags(fs, tc.args)
			require.True(t, ok, "exit %d", code)
			assert.Equal(t, tc.labels, *labels)
			assert.Equal(t, tc.pos, pos)
		})
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	_, code, ok := parseFlags(fs, []string{"a.txt", "--bogus"})
	assert.False(t, ok)
	assert.Equal(t, exitUsage, code)
}

// TestErrorText checks that each layer is named once in printed errors.
func TestErrorText(t *testing.T) {
	missing := &gliner.ModelError{Dir: "m", File: "gliner_config.json", Err: gliner.ErrMissingFile}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{missing, "model m: gliner_config.json: missing model file"},
		{fmt.Errorf("gliner: %w: stride 9", gliner.ErrBadConfig), "bad model config: stride 9"},
		{&gliner.ConfigError{Path: "m/gliner_config.json", Err: gliner.ErrBadConfig}, "m/gliner_config.json: bad model config"},
		{fmt.Errorf("evaluate: documents 1-8: %w", fmt.Errorf("encoder: run: %w", errors.New("encoder: boom"))), "evaluate: documents 1-8: encoder: run: boom"},
		{errors.New(`label "gliner" is empty`), `label "gliner" is empty`},
	} {
		assert.Equal(t, tc.want, errorText(tc.err))
	}
}

// TestExtractMissingModelError checks the printed error of a model folder
// without files: exit 1, and no repeated "gliner: " layer.
func TestExtractMissingModelError(t *testing.T) {
	code, _, stderr := extractCLI("x\n", "--model", t.TempDir(), "--labels", "disease")
	assert.Equal(t, exitRuntime, code)
	assert.True(t, strings.HasPrefix(stderr, "gliner extract: model "), stderr)
	assert.NotContains(t, stderr, "gliner: ")
	assert.Contains(t, stderr, "missing model file")
}

// TestExtractFileArguments runs extract with flags after the file names and
// "-" for stdin, on the fixture model.
func TestExtractFileArguments(t *testing.T) {
	model := fixtureModel(t)
	file := filepath.Join(t.TempDir(), "notes.txt")
	require.NoError(t, os.WriteFile(file, []byte("Patients with breast cancer.\n"), 0o644))
	code, stdout, stderr := extractCLI("Ovarian cancer was treated.\n", file, "-", "--model", model, "--labels", "disease", "--threshold", "0.2")
	require.Equal(t, exitOK, code, stderr)
	outs := parseExtractOutput(t, stdout)
	require.Len(t, outs, 2, "one line from the file, one from stdin")
	assert.Equal(t, "1", string(outs[0].ID))
	assert.Equal(t, "2", string(outs[1].ID))
}

// TestRepeatedLabelsAgree checks that the library, the CLI and the server
// treat a repeated label alike: dropped, keeping the first occurrence.
func TestRepeatedLabelsAgree(t *testing.T) {
	model := fixtureModel(t)
	text := "Aspirin can cause Reye syndrome in children with influenza."
	m, err := openModel(modelFlags{model: model})
	if err != nil {
		t.Skipf("fixture model does not open: %v", err)
	}
	defer m.Close()
	want, err := m.Extract(context.Background(), text, []string{"disease", "chemical"}, gliner.WithThreshold(0.2))
	require.NoError(t, err)
	lib, err := m.Extract(context.Background(), text, []string{"disease", "chemical", "disease"}, gliner.WithThreshold(0.2))
	require.NoError(t, err)
	assert.Equal(t, want, lib, "library")

	code, stdout, stderr := extractCLI(text+"\n", "--model", model, "--labels", "disease,chemical,disease", "--threshold", "0.2")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, entitiesOf(text, want), parseExtractOutput(t, stdout)[0].Entities, "CLI")

	srv := httptest.NewServer(server.New(m, server.Config{}))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/v1/extract", "application/json",
		strings.NewReader(`{"text":"`+text+`","labels":["disease","chemical","disease"],"threshold":0.2}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body server.ExtractResponse
	require.NoError(t, jsonDecode(resp.Body, &body))
	assert.Equal(t, entitiesOf(text, want), body.Entities, "server")
}

// entitiesOf converts library entities to the CLI's and server's default
// offsets (code points).
func entitiesOf(text string, ents []gliner.Entity) []outEntity {
	out := make([]outEntity, len(ents))
	for i, e := range ents {
		out[i] = outEntity{Start: e.RuneStart, End: e.RuneEnd, Text: e.Text, Label: e.Label, Score: e.Score}
	}
	return out
}

// callRecorder is a slog handler keeping the "texts" attribute of every
// "gliner: model call" record.
type callRecorder struct {
	mu    sync.Mutex
	texts []int64
}

func (r *callRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *callRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *callRecorder) WithGroup(string) slog.Handler            { return r }

func (r *callRecorder) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message != "gliner: model call" {
		return nil
	}
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "texts" {
			r.mu.Lock()
			r.texts = append(r.texts, a.Value.Int64())
			r.mu.Unlock()
		}
		return true
	})
	return nil
}

// TestExtractBatchReachesModel checks that --batch is the model's batch
// size: 32 texts make 32 model calls of 1 text with --batch 1 and 2 calls
// of 16 with --batch 16, as the model's debug records report them.
func TestExtractBatchReachesModel(t *testing.T) {
	model := fixtureModel(t)
	in := strings.Repeat("Patients with breast cancer were given cisplatin.\n", 32)
	for _, tc := range []struct {
		batch string
		want  []int64
	}{
		{"1", repeatInt(1, 32)},
		{"16", []int64{16, 16}},
	} {
		t.Run("batch "+tc.batch, func(t *testing.T) {
			rec := &callRecorder{}
			old := slog.Default()
			slog.SetDefault(slog.New(rec))
			t.Cleanup(func() { slog.SetDefault(old) })
			code, stdout, stderr := extractCLI(in, "--model", model, "--labels", "disease", "--batch", tc.batch)
			require.Equal(t, exitOK, code, stderr)
			require.Len(t, parseExtractOutput(t, stdout), 32)
			assert.Equal(t, tc.want, rec.texts, "texts per model call")
		})
	}
}

func repeatInt(v int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

// TestEvalStdin reads the gold corpus from stdin with --data -.
func TestEvalStdin(t *testing.T) {
	data := filepath.Join(t.TempDir(), "gold.jsonl")
	require.NoError(t, os.WriteFile(data, []byte(jsonlCorpus), 0o644))
	useGoldModel(t, data, evaluate.DefaultLabel)
	var out, errb bytes.Buffer
	code := run([]string{"eval", "--data", "-", "--format", "jsonl"}, strings.NewReader(jsonlCorpus), &out, &errb)
	require.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, out.String(), "micro")
	errb.Reset()
	code = run([]string{"eval", "--data", "-"}, strings.NewReader(jsonlCorpus), &out, &errb)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errb.String(), "needs --format")
}
