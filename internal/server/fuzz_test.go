package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gliner-go/gliner/gliner"
)

// recorder is an Extractor that remembers its last call and answers with
// every occurrence of each label in each text, at the right offsets.
type recorder struct {
	mu            sync.Mutex
	texts, labels []string
}

func (r *recorder) ExtractBatch(_ context.Context, texts, labels []string, _ ...gliner.ExtractOption) ([][]gliner.Entity, error) {
	r.mu.Lock()
	r.texts, r.labels = texts, labels
	r.mu.Unlock()
	return (&fake{}).ExtractBatch(context.Background(), texts, labels)
}

// fuzzContentTypes are the Content-Type headers FuzzExtractRequest picks from.
var fuzzContentTypes = []string{"", "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "a/b; ;="}

// FuzzExtractRequest posts arbitrary bodies to /v1/extract: the answer is
// 200, 400, 413 or 415 with a JSON body, never a panic; a 200 means the
// extractor saw exactly the request's texts and a valid label list (non-empty,
// distinct, within the limit), and every entity returned lies inside its text.
func FuzzExtractRequest(f *testing.F) {
	for _, s := range []string{
		`{"text": "BRCA1 causes breast cancer", "labels": ["cancer", "gene"]}`,
		`{"texts": ["a b", "", "µ café"], "labels": ["b", "café"], "threshold": 0.5, "nested": true, "multi_label": true}`,
		`{"text": "x", "labels": ["x"], "label_thresholds": {"x": 1}}`,
		`{"text": "x", "labels": ["x", "x"]}`, `{"text": "x", "labels": [""]}`, `{"text": "x", "labels": []}`,
		`{"text": "x", "texts": ["y"], "labels": ["x"]}`, `{"labels": ["x"]}`, `{"text": "x", "labels": ["x"], "threshold": 1.5}`,
		`{"text": "x", "labels": ["x"], "label_thresholds": {"y": 0.2}}`, `{"text": "x", "labels": ["x"], "bogus": 1}`,
		`{"text": "x", "labels": ["x"]} {}`, `{"text": "\u0000\ud800\xff", "labels": ["\u0000"]}`, "", "null", "[]",
		`{"text": "` + strings.Repeat("a", 5000) + `", "labels": ["a"]}`,
	} {
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, body string, ct uint8) {
		ex := &recorder{}
		cfg := Config{MaxBody: 4096, MaxLabels: 8, MaxTexts: 4}
		s := New(ex, cfg)
		req := httptest.NewRequest(http.MethodPost, "/v1/extract", strings.NewReader(body))
		if h := fuzzContentTypes[int(ct)%len(fuzzContentTypes)]; h != "" {
			req.Header.Set("Content-Type", h)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		checkAnswer(t, w, ex, cfg, body)
	})
}

func checkAnswer(t *testing.T, w *httptest.ResponseRecorder, ex *recorder, cfg Config, body string) {
	t.Helper()
	switch w.Code {
	case http.StatusOK:
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		var e errorBody
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
			t.Fatalf("%d with body %q", w.Code, w.Body)
		}
		return
	default:
		t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
	}
	var req ExtractRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatalf("200 for a body that is not a request: %v", err)
	}
	texts := req.Texts
	if req.Text != nil {
		texts = []string{*req.Text}
	}
	if len(ex.texts) != len(texts) || len(texts) > cfg.MaxTexts || strings.Join(ex.texts, "\x00") != strings.Join(texts, "\x00") {
		t.Fatalf("extractor saw texts %q, request has %q", ex.texts, texts)
	}
	checkLabels(t, ex.labels, cfg.MaxLabels)
	checkEntities(t, w.Body.Bytes(), req.Text != nil, texts)
}

func checkLabels(t *testing.T, labels []string, max int) {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range labels {
		if l == "" || seen[l] {
			t.Fatalf("extractor got labels %q", labels)
		}
		seen[l] = true
	}
	if len(labels) == 0 || len(labels) > max {
		t.Fatalf("extractor got %d labels (limit %d)", len(labels), max)
	}
}

func checkEntities(t *testing.T, body []byte, single bool, texts []string) {
	t.Helper()
	var results []ExtractResponse
	if single {
		var r ExtractResponse
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		results = []ExtractResponse{r}
	} else {
		var b BatchResponse
		if err := json.Unmarshal(body, &b); err != nil {
			t.Fatal(err)
		}
		results = b.Results
	}
	if len(results) != len(texts) {
		t.Fatalf("%d results for %d texts", len(results), len(texts))
	}
	for i, r := range results {
		for _, e := range r.Entities {
			if e.Start < 0 || e.End > len(texts[i]) || e.Start >= e.End || texts[i][e.Start:e.End] != e.Text {
				t.Fatalf("entity %+v outside text %q", e, texts[i])
			}
		}
	}
}
