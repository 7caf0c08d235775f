package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/server"
	"github.com/gliner-go/gliner/internal/testenv"
)

// The CLI and server rows of the bad-input table (SECURITY.md), with the
// real pipeline on the span-bert fixture.

// TestExtractBadInputLines: empty, blank, invalid UTF-8, NUL and control
// characters each give one JSON line; no entity text holds a replacement
// character (an invalid byte) or NUL, even at threshold 0.
func TestExtractBadInputLines(t *testing.T) {
	model := fixtureModel(t)
	lines := []string{"", "   \t", "Aspirin\xff\xfe causes headache.", "Aspirin\x00causes breast cancer.",
		"\xff", "\x00", "BRCA1\x01\x1b[0m mutations\u2028cause cancer."}
	code, stdout, stderr := extractCLI(strings.Join(lines, "\n")+"\n", "--model", model, "--labels", "disease,chemical,gene", "--threshold", "0", "--offsets", "bytes")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	outs := parseExtractOutput(t, stdout)
	if len(outs) != len(lines) {
		t.Fatalf("%d output lines for %d input lines", len(outs), len(lines))
	}
	found := 0
	for i, o := range outs {
		for _, e := range o.Entities {
			if strings.ContainsAny(e.Text, "\ufffd\x00") || lines[i][e.Start:e.End] != e.Text {
				t.Errorf("line %d %q: entity %+v", i+1, lines[i], e)
			}
			found++
		}
	}
	if found == 0 {
		t.Fatal("no entities at threshold 0")
	}
}

// TestExtractManyLabels: 10,000 labels (about 100 KB of arguments, which
// used to crash ONNX Runtime's start-up when given on the command line) run
// in label groups and give one output line.
func TestExtractManyLabels(t *testing.T) {
	model := fixtureModel(t)
	labels := []string{"disease", "chemical"}
	for i := range 10_000 {
		labels = append(labels, fmt.Sprintf("label%d", i))
	}
	code, stdout, stderr := extractCLI("Aspirin causes headache.\n", "--model", model, "--labels", strings.Join(labels, ","))
	if code != exitOK || len(parseExtractOutput(t, stdout)) != 1 {
		t.Fatalf("exit %d: %s\n%s", code, stdout, stderr)
	}
}

// TestServeBadInput: the server rows the fake extractor of package server
// cannot show: a label too long for the model is 400, invalid bytes and NUL
// never reach an entity.
func TestServeBadInput(t *testing.T) {
	model := fixtureModel(t)
	m, err := openModel(modelFlags{model: model})
	if err != nil {
		testenv.Missing(t, "fixture model does not open: %v", err)
	}
	defer m.Close()
	srv := httptest.NewServer(server.New(m, server.Config{}))
	defer srv.Close()
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"100 KB label", `{"text": "Aspirin causes headache.", "labels": ["disease", "` + strings.Repeat("x y ", 25_000) + `"]}`, 400},
		{"NUL and invalid bytes", "{\"texts\": [\"Aspirin\\u0000causes cancer.\", \"\xff\xfe cancer\", \"\"], \"labels\": [\"disease\", \"chemical\"], \"threshold\": 0}", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL+"/v1/extract", "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body server.BatchResponse
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != tc.code {
				t.Fatalf("status %d, %v", resp.StatusCode, err)
			}
			for _, r := range body.Results {
				for _, e := range r.Entities {
					if strings.ContainsAny(e.Text, "\x00") {
						t.Errorf("entity %+v holds NUL", e)
					}
				}
			}
		})
	}
}
