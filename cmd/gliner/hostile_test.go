package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/server"
	"github.com/gliner-go/gliner/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// builtinModel opens the built-in model with the options, or skips.
func builtinModel(t *testing.T, opts ...gliner.Option) *gliner.Model {
	t.Helper()
	m, err := openModel(modelFlags{}, opts...)
	if err != nil {
		testenv.Missing(t, "built-in model does not open: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// procStatus returns a field of /proc/self/status in bytes (VmRSS, VmHWM),
// or -1 where there is none.
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return -1
}

// peakGrowth runs f and returns how far the peak RSS rose above the RSS
// before it, or -1 where the kernel does not report it.
func peakGrowth(f func()) int64 {
	debug.FreeOSMemory()
	resetPeakRSS()
	before := procStatus("VmRSS")
	f()
	peak := procStatus("VmHWM")
	if before < 0 || peak < 0 {
		return -1
	}
	return peak - before
}

// hostileLabel is one label of 20,000 words.
var hostileLabel = strings.TrimSpace(strings.Repeat("disease ", 20000))

// maxHostileGrowth bounds the memory a rejected hostile input may take.
const maxHostileGrowth = 256 << 20

// TestServeHostileLabel sends one request with a 20,000-word label to a
// server over the built-in model, then one with a 600-word label (under
// the label byte limit, over the sub-word limit): each answer must be a
// 400 naming the label limit, before the server's timeout, with a bounded
// peak RSS.
func TestServeHostileLabel(t *testing.T) {
	m := builtinModel(t)
	srv := httptest.NewServer(server.New(m, server.Config{Timeout: 20 * time.Second}))
	defer srv.Close()
	for _, label := range []string{hostileLabel, strings.TrimSpace(strings.Repeat("disease ", 600))} {
		body, err := json.Marshal(map[string]any{"text": "Aspirin can cause Reye syndrome.", "labels": []string{"chemical", label}})
		require.NoError(t, err)
		var code int
		var answer map[string]any
		start := time.Now()
		growth := peakGrowth(func() {
			resp, err := http.Post(srv.URL+"/v1/extract", "application/json", bytes.NewReader(body))
			require.NoError(t, err)
			defer resp.Body.Close()
			code = resp.StatusCode
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&answer))
		})
		words := strings.Count(label, " ") + 1
		t.Logf("%d-word label: %d %v in %v, peak RSS growth %d MiB", words, code, answer["error"], time.Since(start), growth>>20)
		assert.Equal(t, http.StatusBadRequest, code, "%d words", words)
		assert.Contains(t, answer["error"], "more than the limit of", "%d words", words)
		assert.Less(t, growth, int64(maxHostileGrowth), "%d words", words)
	}
}

// TestExtractHostileLabel runs the CLI with a 20,000-word label: a usage
// error naming the label limit, with a bounded peak RSS.
func TestExtractHostileLabel(t *testing.T) {
	builtinModel(t) // skips without ONNX Runtime
	var code int
	var stderr string
	growth := peakGrowth(func() {
		code, _, stderr = extractCLI("Aspirin can cause Reye syndrome.\n", "--labels", "chemical,"+hostileLabel)
	})
	t.Logf("20,000-word label: exit %d, peak RSS growth %d MiB: %s", code, growth>>20, stderr)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "label")
	assert.Less(t, growth, int64(maxHostileGrowth))
}

// TestServeTimeoutCancels sends a request far longer than the server's
// timeout: the answer is a 504 soon after the timeout, the model makes no
// call after it (the extraction was cancelled, not left running), and the
// RSS after it is reported.
func TestServeTimeoutCancels(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the built-in model for several seconds")
	}
	rec := &callRecorder{}
	m := builtinModel(t, gliner.WithLogger(slog.New(rec)))
	const timeout = 500 * time.Millisecond
	srv := httptest.NewServer(server.New(m, server.Config{Timeout: timeout, MaxBody: 8 << 20}))
	defer srv.Close()
	text := strings.Repeat("Patients with breast cancer were given cisplatin and tamoxifen. ", 200) // 1,800 words
	texts := make([]string, 64)
	for i := range texts {
		texts[i] = text
	}
	body, err := json.Marshal(map[string]any{"texts": texts, "labels": []string{"disease", "chemical"}})
	require.NoError(t, err)
	rssBefore := procStatus("VmRSS")
	start := time.Now()
	resp, err := http.Post(srv.URL+"/v1/extract", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	elapsed := time.Since(start)
	rec.mu.Lock()
	calls := len(rec.texts)
	rec.mu.Unlock()
	time.Sleep(time.Second)
	rec.mu.Lock()
	after := len(rec.texts)
	rec.mu.Unlock()
	debug.FreeOSMemory()
	t.Logf("answered %d after %v (timeout %v), %d model calls, RSS %d MiB before, %d MiB after",
		resp.StatusCode, elapsed, timeout, calls, rssBefore>>20, procStatus("VmRSS")>>20)
	assert.Equal(t, http.StatusGatewayTimeout, resp.StatusCode)
	assert.Equal(t, calls, after, "no model call after the answer")
	assert.Less(t, elapsed, timeout+10*time.Second, "the run stops at the timeout, not at the end of the work")
}

// TestExtractHugeWord runs the CLI on a line holding a 1 MB "word" (a DNA
// string) between two sentences: the word is cut (reported as
// "cut_words"), the entities around it are still found, and the peak RSS
// stays bounded.
func TestExtractHugeWord(t *testing.T) {
	model := fixtureModel(t)
	line := "Patients with breast cancer. " + strings.Repeat("ACGT", 1<<18) + " Ovarian cancer was treated.\n"
	var code int
	var stdout, stderr string
	growth := peakGrowth(func() {
		code, stdout, stderr = extractCLI(line, "--model", model, "--labels", "disease", "--threshold", "0.2")
	})
	require.Equal(t, exitOK, code, stderr)
	recs := parseMeta(t, stdout)
	require.Len(t, recs, 1)
	t.Logf("1 MB word: %+v, %d entities, peak RSS growth %d MiB", recs[0].Meta, len(recs[0].Entities), growth>>20)
	assert.Equal(t, 1, recs[0].CutWords)
	require.NotEmpty(t, recs[0].Entities)
	assert.Equal(t, "breast cancer", recs[0].Entities[0].Text)
	assert.Equal(t, "Ovarian cancer", recs[0].Entities[len(recs[0].Entities)-1].Text)
	assert.Less(t, growth, int64(1<<30))
}
