package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/offsets"
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
// extractor saw exactly the request's texts and labels (each non-empty, at
// most the limit of distinct ones), and every entity returned lies inside
// its text in the request's offset unit.
func FuzzExtractRequest(f *testing.F) {
	for _, s := range []string{
		`{"text": "BRCA1 causes breast cancer", "labels": ["cancer", "gene"]}`,
		`{"texts": ["a b", "", "µ café"], "labels": ["b", "café"], "threshold": 0.5, "nested": true, "multi_label": true}`,
		`{"texts": ["µ café 👍 x"], "labels": ["café", "x"], "offsets": "utf16"}`,
		`{"text": "µ café", "labels": ["café"], "offsets": "bytes"}`, `{"text": "x", "labels": ["x"], "offsets": "words"}`,
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
	if len(texts) > cfg.MaxTexts || !slices.Equal(ex.texts, texts) {
		t.Fatalf("extractor saw texts %q, request has %q", ex.texts, texts)
	}
	if !slices.Equal(ex.labels, req.Labels) {
		t.Fatalf("extractor saw labels %q, request has %q", ex.labels, req.Labels)
	}
	checkLabels(t, ex.labels, cfg.MaxLabels)
	unit, err := offsets.Parse(req.Offsets)
	if err != nil {
		t.Fatalf("200 for offsets %q", req.Offsets)
	}
	checkEntities(t, w.Body.Bytes(), req.Text != nil, texts, unit)
}

// checkLabels checks what the server lets through: non-empty labels, at
// most max distinct ones.
func checkLabels(t *testing.T, labels []string, max int) {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range labels {
		if l == "" {
			t.Fatalf("extractor got labels %q", labels)
		}
		seen[l] = true
	}
	if len(seen) == 0 || len(seen) > max {
		t.Fatalf("extractor got %d distinct labels (limit %d)", len(seen), max)
	}
}

func checkEntities(t *testing.T, body []byte, single bool, texts []string, unit offsets.Unit) {
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
		units := unitSlice(texts[i], unit)
		for _, e := range r.Entities {
			if e.Start < 0 || e.End > len(units) || e.Start >= e.End || !slices.Equal(units[e.Start:e.End], unitSlice(e.Text, unit)) {
				t.Fatalf("entity %+v outside text %q (%v)", e, texts[i], unit)
			}
		}
	}
}

// unitSlice returns text as one element per offset unit (a byte, a code
// point or a UTF-16 code unit), so that offsets index it.
func unitSlice(text string, u offsets.Unit) []rune {
	switch u {
	case offsets.Bytes:
		r := make([]rune, len(text))
		for i := range len(text) {
			r[i] = rune(text[i])
		}
		return r
	case offsets.UTF16:
		var r []rune
		for _, u := range utf16.Encode([]rune(text)) {
			r = append(r, rune(u))
		}
		return r
	}
	return []rune(text)
}
