package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gliner-go/gliner/gliner"
)

// fake finds every occurrence of each label in the text (a label "disease"
// matches the word "disease"), after an optional delay; with block set it
// waits for the context instead and records the context's error.
type fake struct {
	delay   time.Duration
	block   bool
	started chan struct{}
	calls   atomic.Int64
	mu      sync.Mutex
	ctxErrs []error
}

func (f *fake) ExtractBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([][]gliner.Entity, error) {
	f.calls.Add(1)
	if f.block {
		if f.started != nil {
			f.started <- struct{}{}
		}
		<-ctx.Done()
		f.mu.Lock()
		f.ctxErrs = append(f.ctxErrs, ctx.Err())
		f.mu.Unlock()
		return nil, ctx.Err()
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	out := make([][]gliner.Entity, len(texts))
	for i, text := range texts {
		for _, l := range labels {
			if at := strings.Index(text, l); at >= 0 {
				rs := utf8.RuneCountInString(text[:at])
				out[i] = append(out[i], gliner.Entity{Label: l, Score: 0.9, Text: l, Start: at, End: at + len(l), RuneStart: rs, RuneEnd: rs + utf8.RuneCountInString(l)})
			}
		}
	}
	return out, nil
}

// start runs a server on a loopback port; stop shuts it down gracefully and
// returns Serve's error.
func start(t *testing.T, ex Extractor, cfg Config) (s *Server, url string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s = New(ex, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var once sync.Once
	var serr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case serr = <-done:
			case <-time.After(30 * time.Second):
				serr = errors.New("Serve did not return")
			}
		})
		return serr
	}
	t.Cleanup(func() { stop() })
	return s, "http://" + ln.Addr().String(), stop
}

func post(t testing.TB, client *http.Client, url, body string) (int, map[string]any, http.Header) {
	t.Helper()
	resp, err := client.Post(url+"/v1/extract", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("status %d, body not JSON: %q", resp.StatusCode, b)
	}
	return resp.StatusCode, m, resp.Header
}

func TestExtractSingleAndBatch(t *testing.T) {
	_, url, _ := start(t, &fake{}, Config{})
	code, m, _ := post(t, http.DefaultClient, url, `{"text":"breast cancer and aspirin","labels":["cancer","aspirin"],"threshold":0.4,"nested":true,"label_thresholds":{"cancer":0.2}}`)
	if code != 200 {
		t.Fatalf("status %d: %v", code, m)
	}
	ents := m["entities"].([]any)
	if len(ents) != 2 || ents[0].(map[string]any)["label"] != "cancer" || ents[0].(map[string]any)["start"] != 7.0 {
		t.Errorf("entities = %v", ents)
	}
	code, m, _ = post(t, http.DefaultClient, url, `{"texts":["cancer","none here",""],"labels":["cancer"],"multi_label":true}`)
	if code != 200 {
		t.Fatalf("status %d: %v", code, m)
	}
	res := m["results"].([]any)
	if len(res) != 3 || len(res[0].(map[string]any)["entities"].([]any)) != 1 || len(res[1].(map[string]any)["entities"].([]any)) != 0 {
		t.Errorf("results = %v", res)
	}
}

// TestOffsetUnits checks the "offsets" field: code points by default, bytes
// and UTF-16 units on request, as the CLI's --offsets.
func TestOffsetUnits(t *testing.T) {
	_, url, _ := start(t, &fake{}, Config{})
	// "é" is 2 bytes and 1 unit; "😀" is 4 bytes and 2 UTF-16 units.
	for _, tc := range []struct {
		unit       string
		start, end float64
	}{{"", 3, 9}, {"runes", 3, 9}, {"bytes", 7, 13}, {"utf16", 4, 10}} {
		body := `{"text":"é😀 cancer","labels":["cancer"]` + map[bool]string{true: "", false: `,"offsets":"` + tc.unit + `"`}[tc.unit == ""] + `}`
		code, m, _ := post(t, http.DefaultClient, url, body)
		if code != 200 {
			t.Fatalf("%q: status %d: %v", tc.unit, code, m)
		}
		e := m["entities"].([]any)[0].(map[string]any)
		if e["start"] != tc.start || e["end"] != tc.end || e["text"] != "cancer" {
			t.Errorf("offsets %q: entity %v, want start %v end %v", tc.unit, e, tc.start, tc.end)
		}
	}
}

// TestRepeatedLabels checks that repeated labels are accepted and passed on
// (the model keeps the first of each, as for the library and the CLI), and
// count once against MaxLabels.
func TestRepeatedLabels(t *testing.T) {
	_, url, _ := start(t, &fake{}, Config{MaxLabels: 2})
	code, m, _ := post(t, http.DefaultClient, url, `{"text":"cancer and aspirin","labels":["cancer","aspirin","cancer"]}`)
	if code != 200 {
		t.Fatalf("status %d: %v", code, m)
	}
}

func TestBadRequests(t *testing.T) {
	_, url, _ := start(t, &fake{}, Config{MaxBody: 200, MaxLabels: 3, MaxTexts: 2})
	for _, tc := range []struct {
		name, body string
		code       int
		msg        string
	}{
		{"malformed", `{"text": "abc", "labels": [`, 400, "malformed JSON"},
		{"not an object", `[1,2]`, 400, "malformed JSON"},
		{"unknown field", `{"text":"a","labels":["x"],"treshold":0.5}`, 400, "unknown field"},
		{"trailing data", `{"text":"a","labels":["x"]} {}`, 400, "more than one value"},
		{"no text", `{"labels":["x"]}`, 400, "missing"},
		{"both", `{"text":"a","texts":["b"],"labels":["x"]}`, 400, "not both"},
		{"no labels", `{"text":"a","labels":[]}`, 400, "at least one label"},
		{"too many labels", `{"text":"a","labels":["a","b","c","d"]}`, 400, "4 labels exceed the limit of 3"},
		{"empty label", `{"text":"a","labels":["a",""]}`, 400, "empty label"},
		{"offsets", `{"text":"a","labels":["a"],"offsets":"words"}`, 400, `"offsets" must be`},
		{"too many texts", `{"texts":["a","b","c"],"labels":["a"]}`, 400, "3 texts exceed"},
		{"threshold", `{"text":"a","labels":["a"],"threshold":1.5}`, 400, "threshold 1.5: want a number in [0, 1]"},
		{"label threshold", `{"text":"a","labels":["a"],"label_thresholds":{"b":0.5}}`, 400, "label_thresholds"},
		{"oversized", `{"text":"` + strings.Repeat("x", 300) + `","labels":["a"]}`, 413, "exceeds the limit of 200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, m, _ := post(t, http.DefaultClient, url, tc.body)
			if code != tc.code || !strings.Contains(fmt.Sprint(m["error"]), tc.msg) {
				t.Errorf("got %d %v, want %d with %q", code, m, tc.code, tc.msg)
			}
		})
	}
	// Oversized without Content-Length (chunked): still 413.
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(`{"text":"` + strings.Repeat("y", 500) + `","labels":["a"]}`))
		pw.Close()
	}()
	resp, err := http.Post(url+"/v1/extract", "application/json", pr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("chunked oversized body: %d, want 413", resp.StatusCode)
	}
	for _, tc := range []struct {
		method, path, ctype string
		code                int
	}{
		{"GET", "/v1/extract", "", 405},
		{"POST", "/v1/extract", "text/plain", 415},
		{"GET", "/nope", "", 404},
		{"GET", "/healthz", "", 200},
		{"POST", "/v1/extract", "application/x-www-form-urlencoded", 200}, // curl -d
		{"POST", "/v1/extract", "application/json; charset=utf-8", 200},
	} {
		req, _ := http.NewRequest(tc.method, url+tc.path, strings.NewReader(`{"text":"a","labels":["a"]}`))
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if resp.StatusCode != tc.code || m == nil {
			t.Errorf("%s %s: %d %v, want %d with a JSON body", tc.method, tc.path, resp.StatusCode, m, tc.code)
		}
	}
}

func TestTimeout(t *testing.T) {
	f := &fake{block: true}
	_, url, _ := start(t, f, Config{Timeout: 50 * time.Millisecond})
	code, m, _ := post(t, http.DefaultClient, url, `{"text":"a","labels":["a"]}`)
	if code != 504 || !strings.Contains(fmt.Sprint(m["error"]), "longer than 50ms") {
		t.Errorf("got %d %v, want 504", code, m)
	}
	if len(f.ctxErrs) != 1 || !errors.Is(f.ctxErrs[0], context.DeadlineExceeded) {
		t.Errorf("extractor saw %v, want deadline exceeded", f.ctxErrs)
	}
}

// TestClientDisconnect: a client that goes away mid-request cancels the
// extraction's context, the slot is freed and the request is counted as 499.
func TestClientDisconnect(t *testing.T) {
	f := &fake{block: true, started: make(chan struct{}, 1)}
	s, url, _ := start(t, f, Config{Concurrency: 1})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", url+"/v1/extract", strings.NewReader(`{"text":"a","labels":["a"]}`))
		_, err := http.DefaultClient.Do(req)
		errc <- err
	}()
	select {
	case <-f.started:
	case <-time.After(10 * time.Second):
		t.Fatal("extractor not called")
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client error = %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.InFlight() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	f.mu.Lock()
	errs := append([]error(nil), f.ctxErrs...)
	f.mu.Unlock()
	if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Fatalf("extractor saw %v, want context.Canceled", errs)
	}
	if n := s.Requests()["/v1/extract"][499]; n != 1 {
		t.Errorf("499 count = %d (%v)", n, s.Requests())
	}
	// The slot is free again: a request is served (not 429).
	f.block = false
	if code, m, _ := post(t, http.DefaultClient, url, `{"text":"a","labels":["a"]}`); code != 200 {
		t.Errorf("after disconnect: %d %v", code, m)
	}
}

// loadClient sends n requests, recording the status codes and errors.
type loadStats struct {
	mu     sync.Mutex
	codes  map[int]int
	errs   []error
	badErr []string
}

func (ls *loadStats) run(client *http.Client, url string, n int, stop <-chan struct{}) {
	for i := 0; i < n; i++ {
		select {
		case <-stop:
			return
		default:
		}
		resp, err := client.Post(url+"/v1/extract", "application/json", strings.NewReader(`{"texts":["aspirin and cancer","cancer"],"labels":["cancer","aspirin"]}`))
		ls.mu.Lock()
		if err != nil {
			ls.errs = append(ls.errs, err)
			ls.mu.Unlock()
			continue
		}
		ls.codes[resp.StatusCode]++
		var m map[string]any
		derr := json.NewDecoder(resp.Body).Decode(&m)
		switch {
		case derr != nil:
			ls.badErr = append(ls.badErr, fmt.Sprintf("%d: undecodable body: %v", resp.StatusCode, derr))
		case resp.StatusCode == 429 && (resp.Header.Get("Retry-After") != "1" || m["error"] == nil):
			ls.badErr = append(ls.badErr, "429 without Retry-After or error body")
		case resp.StatusCode == 200 && len(m["results"].([]any)) != 2:
			ls.badErr = append(ls.badErr, "200 with wrong results")
		}
		ls.mu.Unlock()
		resp.Body.Close()
	}
}

// TestConcurrentLoad: 50 clients over loopback, 20 requests each, against 4
// extraction slots: every answer is 200 or the documented 429.
func TestConcurrentLoad(t *testing.T) {
	f := &fake{delay: 2 * time.Millisecond}
	s, url, stop := start(t, f, Config{Concurrency: 4})
	// Each client has its own connection, as 50 separate programs would.
	newClient := func() *http.Client { return &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second} }
	ls := &loadStats{codes: map[int]int{}}
	var wg sync.WaitGroup
	t0 := time.Now()
	for c := 0; c < 50; c++ {
		wg.Add(1)
		go func() { defer wg.Done(); ls.run(newClient(), url, 20, nil) }()
	}
	wg.Wait()
	t.Logf("50 clients × 20 requests, 4 slots: %v, %d extractor calls, %v", ls.codes, f.calls.Load(), time.Since(t0))
	if len(ls.errs) != 0 || len(ls.badErr) != 0 {
		t.Fatalf("errors: %v %v", ls.errs, ls.badErr)
	}
	if ls.codes[200]+ls.codes[429] != 1000 || ls.codes[200] == 0 {
		t.Errorf("codes = %v, want 1000 answers of 200 or 429", ls.codes)
	}
	if int64(ls.codes[200]) != f.calls.Load() {
		t.Errorf("%d successes but %d extractor calls", ls.codes[200], f.calls.Load())
	}
	// Metrics agree with what the clients saw.
	got := s.Requests()["/v1/extract"]
	if int(got[200]) != ls.codes[200] || int(got[429]) != ls.codes[429] {
		t.Errorf("metrics %v, clients %v", got, ls.codes)
	}
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		fmt.Sprintf(`gliner_http_requests_total{path="/v1/extract",code="200"} %d`, ls.codes[200]),
		`gliner_http_request_duration_seconds_bucket{path="/v1/extract",le="+Inf"} 1000`,
		"# TYPE gliner_http_request_duration_seconds histogram",
		"gliner_http_in_flight_requests 1", // the /metrics request itself
		fmt.Sprintf("gliner_extract_texts_total %d", 2*ls.codes[200]),
		"gliner_extract_slots 4",
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	t1 := time.Now()
	if err := stop(); err != nil {
		t.Errorf("Serve: %v", err)
	}
	t.Logf("stop: %v", time.Since(t1))

	// With as many slots as clients nobody is turned away.
	f2 := &fake{delay: 2 * time.Millisecond}
	_, url2, _ := start(t, f2, Config{Concurrency: 50})
	ls2 := &loadStats{codes: map[int]int{}}
	for c := 0; c < 50; c++ {
		wg.Add(1)
		go func() { defer wg.Done(); ls2.run(newClient(), url2, 10, nil) }()
	}
	wg.Wait()
	t.Logf("50 clients × 10 requests, 50 slots: %v", ls2.codes)
	if ls2.codes[200] != 500 || len(ls2.errs) != 0 {
		t.Errorf("codes %v errors %v, want 500 × 200", ls2.codes, ls2.errs)
	}
}

// TestShutdownDuringLoad: the server is shut down (what SIGTERM does in
// gliner serve) while 50 clients send requests. Every request the handler
// accepted is answered; client-side failures are only connections refused
// or closed before the server read the request.
func TestShutdownDuringLoad(t *testing.T) {
	f := &fake{delay: 20 * time.Millisecond}
	s, url, stop := start(t, f, Config{Concurrency: 8})
	ls := &loadStats{codes: map[int]int{}}
	halt := make(chan struct{})
	var wg sync.WaitGroup
	for c := 0; c < 50; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}
			ls.run(client, url, 1000, halt)
		}()
	}
	// Let the load run, then shut down while requests are in flight.
	time.Sleep(200 * time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	for s.InFlight() < 8 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	inFlight := s.InFlight()
	if err := stop(); err != nil {
		t.Errorf("Serve: %v", err)
	}
	close(halt)
	wg.Wait()
	answered := s.Requests()["/v1/extract"]
	t.Logf("in flight at shutdown: %d; clients got %v and %d connection errors; server answered %v", inFlight, ls.codes, len(ls.errs), answered)
	if inFlight == 0 {
		t.Error("no request in flight at shutdown")
	}
	if len(ls.badErr) != 0 {
		t.Errorf("bad answers: %v", ls.badErr)
	}
	if s.InFlight() != 0 {
		t.Errorf("%d requests still in flight after Serve returned", s.InFlight())
	}
	// Every request the server handled reached its client with its status.
	if int(answered[200]) != ls.codes[200] || int(answered[429]) != ls.codes[429] || len(answered) > 2 {
		t.Errorf("server answered %v but clients received %v", answered, ls.codes)
	}
	for _, err := range ls.errs {
		if !isConnError(err) {
			t.Errorf("client error not a refused/closed connection: %v", err)
		}
	}
}

// isConnError reports an error of a request the server never read: the
// connection was refused, reset or closed.
func isConnError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"connection refused", "connection reset", "EOF", "server closed idle connection", "broken pipe"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// failing is an extractor that fails every call with err.
type failing struct{ err error }

func (f failing) ExtractBatch(context.Context, []string, []string, ...gliner.ExtractOption) ([][]gliner.Entity, error) {
	return nil, f.err
}

// TestRejectedInput checks that input the library rejects (a bad label, a
// refused text) is a 400 with the library's message, other failures 500.
func TestRejectedInput(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
	}{
		{fmt.Errorf("%w: label 0 is too long", gliner.ErrLabel), 400},
		{fmt.Errorf("%w: text 0 has 900 words", gliner.ErrTextTooLong), 400},
		{errors.New("encoder: run: out of memory"), 500},
	} {
		_, url, _ := start(t, failing{tc.err}, Config{})
		code, m, _ := post(t, http.DefaultClient, url, `{"text":"a","labels":["a"]}`)
		if code != tc.code || !strings.Contains(fmt.Sprint(m["error"]), tc.err.Error()) {
			t.Errorf("%v: got %d %v, want %d with the error", tc.err, code, m, tc.code)
		}
	}
}

// TestBadThresholds checks NaN (not JSON: a malformed body) and values
// outside [0, 1], overall and per label.
func TestBadThresholds(t *testing.T) {
	_, url, _ := start(t, &fake{}, Config{})
	for _, body := range []string{
		`{"text":"a","labels":["a"],"threshold":NaN}`,
		`{"text":"a","labels":["a"],"threshold":-0.1}`,
		`{"text":"a","labels":["a"],"threshold":1.01}`,
		`{"text":"a","labels":["a"],"label_thresholds":{"a":2}}`,
		`{"text":"a","labels":["a"],"label_thresholds":{"a":-1}}`,
		`{"text":"a","labels":["a"],"label_thresholds":{"b":0.5}}`,
	} {
		if code, m, _ := post(t, http.DefaultClient, url, body); code != 400 {
			t.Errorf("%s: got %d %v, want 400", body, code, m)
		}
	}
}
