package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gliner-go/gliner/gliner"
)

// slowModel finds each label in the text after a delay.
type slowModel struct {
	delay  time.Duration
	mu     sync.Mutex
	closed bool
}

func (s *slowModel) ExtractBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([][]gliner.Entity, error) {
	time.Sleep(s.delay)
	out := make([][]gliner.Entity, len(texts))
	for i, t := range texts {
		for _, l := range labels {
			if at := strings.Index(t, l); at >= 0 {
				out[i] = append(out[i], gliner.Entity{Label: l, Score: 1, Text: l, Start: at, End: at + len(l)})
			}
		}
	}
	return out, nil
}

func (s *slowModel) Close() error { s.mu.Lock(); s.closed = true; s.mu.Unlock(); return nil }

// TestServeSIGTERM runs gliner serve in the test process, sends requests,
// then a real SIGTERM while requests are in flight: the command must
// answer them, exit 0 and close the model.
func TestServeSIGTERM(t *testing.T) {
	m := &slowModel{delay: 300 * time.Millisecond}
	old := openExtractor
	openExtractor = func(modelFlags) (extractorModel, error) { return m, nil }
	t.Cleanup(func() { openExtractor = old })

	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"serve", "--addr", "127.0.0.1:0", "--concurrency", "8"}, strings.NewReader(""), io.Discard, pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var url string
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "gliner serve: listening on "); ok {
			url = u
			break
		}
	}
	if url == "" {
		t.Fatal("no listening line")
	}
	go io.Copy(io.Discard, pr)

	resp, err := http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	var wg sync.WaitGroup
	results := make(chan string, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(url+"/v1/extract", "application/json", strings.NewReader(`{"text":"aspirin and cancer","labels":["cancer"]}`))
			if err != nil {
				results <- "error: " + err.Error()
				return
			}
			defer resp.Body.Close()
			var body map[string]any
			json.NewDecoder(resp.Body).Decode(&body)
			results <- resp.Status + " " + strings.TrimSpace(func() string { b, _ := json.Marshal(body); return string(b) }())
		}()
	}
	time.Sleep(100 * time.Millisecond) // the requests are now in the model
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(results)
	for r := range results {
		if !strings.HasPrefix(r, "200 OK") || !strings.Contains(r, `"label":"cancer"`) {
			t.Errorf("in-flight request at SIGTERM: %s", r)
		}
	}
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.closed {
		t.Error("model not closed")
	}
}

func TestServeUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"serve", "--concurrency", "0"}, exitUsage, "must be positive"},
		{[]string{"serve", "extra"}, exitUsage, "unexpected arguments"},
		{[]string{"serve", "--help"}, exitOK, "POST /v1/extract"},
	} {
		code, _, stderr := cli(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%q: exit %d, want %d with %q; stderr:\n%s", tc.args, code, tc.code, tc.msg, stderr)
		}
	}
	old := openExtractor
	openExtractor = func(modelFlags) (extractorModel, error) { return &slowModel{}, nil }
	t.Cleanup(func() { openExtractor = old })
	code, _, stderr := cli("serve", "--addr", "256.0.0.1:1")
	if code != exitRuntime {
		t.Errorf("bad address: exit %d, %s", code, stderr)
	}
}
