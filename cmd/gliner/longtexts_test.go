package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// longText is about 1,050 words: more than the fixture's max_len of 384.
var longText = strings.TrimSpace(strings.Repeat("Patients with breast cancer were given cisplatin. ", 150))

// TestExtractLongTexts runs the three --long-texts policies on a text
// longer than the fixture model's max_len, with a short text beside it:
// chunk reads it whole in windows, truncate reports the dropped words,
// error fails its line only; each result says how it was run.
func TestExtractLongTexts(t *testing.T) {
	model := fixtureModel(t)
	in := "Ovarian cancer.\n" + longText + "\n"
	args := []string{"--model", model, "--labels", "disease,chemical", "--threshold", "0.2"}
	code, stdout, stderr := extractCLI(in, args...)
	require.Equal(t, exitOK, code, stderr)
	recs := parseMeta(t, stdout)
	assert.Equal(t, server.Meta{Windows: 1, LabelGroups: 1}, recs[0].Meta)
	assert.True(t, recs[1].Chunked && recs[1].Windows > 1 && !recs[1].Truncated, "%+v", recs[1].Meta)
	last := recs[1].Entities[len(recs[1].Entities)-1]
	assert.Greater(t, last.Start, len([]rune(longText))*3/4, "entities found near the end of the text")

	code, stdout, stderr = extractCLI(in, append(args, "--long-texts", "truncate")...)
	require.Equal(t, exitOK, code, stderr)
	recs = parseMeta(t, stdout)
	assert.True(t, recs[1].Truncated && recs[1].DroppedWords > 0 && recs[1].Windows == 1, "%+v", recs[1].Meta)

	code, stdout, _ = extractCLI(in, append(args, "--long-texts", "error")...)
	assert.Equal(t, exitRuntime, code)
	recs = parseMeta(t, stdout)
	require.Len(t, recs, 2)
	assert.Equal(t, server.Meta{Windows: 1, LabelGroups: 1}, recs[0].Meta)
	assert.Contains(t, recs[1].Error, "line 2: text too long:")

	code, _, stderr = extractCLI(in, append(args, "--long-texts", "split")...)
	assert.Equal(t, exitUsage, code, stderr)
}

// metaOut is an output record with its metadata.
type metaOut struct {
	ID       json.RawMessage `json:"id"`
	Entities []outEntity     `json:"entities"`
	Error    string          `json:"error"`
	server.Meta
}

func parseMeta(t *testing.T, stdout string) []metaOut {
	t.Helper()
	var out []metaOut
	for _, l := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		var o metaOut
		require.NoError(t, json.Unmarshal([]byte(l), &o), l)
		out = append(out, o)
	}
	return out
}

// TestServeLongTexts checks the server's "long_texts" field and metadata
// on the fixture model, and serve's --long-texts default.
func TestServeLongTexts(t *testing.T) {
	model := fixtureModel(t)
	m, err := openModel(modelFlags{model: model})
	require.NoError(t, err)
	defer m.Close()
	srv := httptest.NewServer(server.New(m, server.Config{}))
	defer srv.Close()
	for _, tc := range []struct {
		policy string
		code   int
		check  func(server.Meta) bool
	}{
		{"", 200, func(m server.Meta) bool { return m.Chunked && m.Windows > 1 }},
		{"chunk", 200, func(m server.Meta) bool { return m.Chunked && m.Windows > 1 }},
		{"truncate", 200, func(m server.Meta) bool { return m.Truncated && m.DroppedWords > 0 }},
		{"error", 400, nil},
		{"split", 400, nil},
	} {
		body, _ := json.Marshal(map[string]any{"text": longText, "labels": []string{"disease"}, "long_texts": tc.policy})
		resp, err := http.Post(srv.URL+"/v1/extract", "application/json", strings.NewReader(string(body)))
		require.NoError(t, err)
		var got struct {
			server.ExtractResponse
			Error string `json:"error"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
		resp.Body.Close()
		assert.Equal(t, tc.code, resp.StatusCode, "%q: %+v", tc.policy, got)
		if tc.check != nil {
			assert.True(t, tc.check(got.Meta), "%q: %+v", tc.policy, got.Meta)
		}
		if tc.code == 400 {
			assert.NotEmpty(t, got.Error)
			t.Logf("%q: %s", tc.policy, got.Error)
		}
	}
	for _, args := range [][]string{{"serve", "--long-texts", "split"}, {"eval", "--data", "x.jsonl", "--long-texts", "split"}} {
		code, _, stderr := cli(args...)
		assert.Equal(t, exitUsage, code, "%q: %s", args, stderr)
		assert.Contains(t, stderr, "--long-texts")
	}
}
