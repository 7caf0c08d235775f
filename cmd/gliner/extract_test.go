package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

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
		{"threshold above 1", []string{"--labels", "disease", "--threshold", "1.5"}},
		{"negative threshold", []string{"--labels", "disease", "--threshold", "-1"}},
		{"NaN threshold", []string{"--labels", "disease", "--threshold", "NaN"}},
		{"label threshold above 1", []string{"--labels", "disease", "--label-threshold", "disease=2"}},
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
