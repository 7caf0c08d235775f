package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gliner-go/gliner/internal/server"
)

// requestBodies are the bodies the HTTP clients post in turn: valid
// requests, and ones the server must refuse (400) without running anything.
var requestBodies = []string{
	`{"text": "BRCA1 mutations cause breast cancer.", "labels": ["disease", "gene"]}`,
	`{"texts": ["Aspirin and Reye syndrome.", "", "Cisplatin\u0000 nephrotoxicity"], "labels": ["chemical", "disease"], "threshold": 0.3}`,
	`{"text": "x", "labels": []}`,
	`{"text": "unterminated`,
	`{"text": "Tamoxifen", "labels": ["drug"], "nested": true, "multi_label": true}`,
}

// load is the HTTP server on the soaked model and its clients: each client
// posts one request after the other (a bounded load: at most one request in
// flight per client) until stop.
type load struct {
	cancel   context.CancelFunc
	served   chan error
	wg       sync.WaitGroup
	client   *http.Client
	total    atomic.Int64
	mu       sync.Mutex
	statuses map[int]int
	errs     []error
}

// startLoad starts the server on a loopback port and the clients; with no
// clients there is no server.
func startLoad(ex server.Extractor, clients int) (*load, error) {
	ld := &load{statuses: map[int]int{}}
	if clients == 0 {
		return ld, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := server.New(ex, server.Config{Concurrency: clients, Timeout: 10 * time.Second, ShutdownTimeout: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	ld.cancel, ld.served = cancel, make(chan error, 1)
	go func() { ld.served <- srv.Serve(ctx, ln) }()
	ld.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	url := "http://" + ln.Addr().String() + "/v1/extract"
	for c := range clients {
		ld.wg.Go(func() { ld.post(ctx, url, c) })
	}
	return ld, nil
}

// post sends requests until ctx is done.
func (ld *load) post(ctx context.Context, url string, c int) {
	for i := c; ctx.Err() == nil; i++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(requestBodies[i%len(requestBodies)]))
		req.Header.Set("Content-Type", "application/json")
		resp, err := ld.client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				ld.record(0, err)
			}
			return
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ld.record(resp.StatusCode, err)
	}
}

// record counts an answer; statuses other than 200, 400 and 429 are errors.
func (ld *load) record(status int, err error) {
	ld.total.Add(1)
	ld.mu.Lock()
	defer ld.mu.Unlock()
	ld.statuses[status]++
	if err == nil && status != http.StatusOK && status != http.StatusBadRequest && status != http.StatusTooManyRequests {
		err = fmt.Errorf("status %d", status)
	}
	if err != nil && len(ld.errs) < 10 {
		ld.errs = append(ld.errs, err)
	}
}

func (ld *load) requests() int64 { return ld.total.Load() }

// stop stops the clients and the server and returns the first errors.
func (ld *load) stop() error {
	if ld.cancel == nil {
		return nil
	}
	ld.cancel()
	ld.wg.Wait()
	err := <-ld.served
	ld.client.CloseIdleConnections()
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return errors.Join(append(ld.errs, err)...)
}

// summary is one line of request counts by status.
func (ld *load) summary() string {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	codes := make([]int, 0, len(ld.statuses))
	for c := range ld.statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var b bytes.Buffer
	fmt.Fprintf(&b, "http requests: %d;", ld.total.Load())
	for _, c := range codes {
		fmt.Fprintf(&b, " %d: %d", c, ld.statuses[c])
	}
	return b.String()
}
