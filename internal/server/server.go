package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gliner-go/gliner/gliner"
)

// Extractor is the part of [gliner.Model] the server needs.
type Extractor interface {
	ExtractBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([][]gliner.Entity, error)
}

// Config sets the server's limits. Zero fields take the defaults shown.
type Config struct {
	// MaxBody is the largest request body in bytes (default 1 MiB).
	MaxBody int64
	// MaxLabels is the most labels per request (default 64).
	MaxLabels int
	// MaxTexts is the most texts per request (default 64).
	MaxTexts int
	// Timeout bounds each extraction (default 30 s).
	Timeout time.Duration
	// Concurrency is the number of extractions that may run at once
	// (default 4); a request arriving when all are busy gets 429.
	Concurrency int
	// ShutdownTimeout bounds the wait for requests in flight at shutdown
	// (default 60 s).
	ShutdownTimeout time.Duration
	// Logger receives one line per failed request; nil discards.
	Logger *slog.Logger
	// LongTexts is the policy for long texts of requests without
	// "long_texts" (default [gliner.ChunkLongTexts]).
	LongTexts gliner.LongTextPolicy
}

func (c Config) withDefaults() Config {
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if c.MaxLabels <= 0 {
		c.MaxLabels = 64
	}
	if c.MaxTexts <= 0 {
		c.MaxTexts = 64
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 60 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// ErrShutdownTimeout is returned by [Server.Serve] when requests were still
// running after [Config.ShutdownTimeout].
var ErrShutdownTimeout = errors.New("server: shutdown timed out with requests in flight")

// Server is the HTTP API over one extractor. It is an [http.Handler].
type Server struct {
	ex      Extractor
	cfg     Config
	slots   chan struct{}
	mux     *http.ServeMux
	metrics *metrics
}

// New returns a server for ex with the given limits.
func New(ex Extractor, cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{ex: ex, cfg: cfg, slots: make(chan struct{}, cfg.Concurrency), mux: http.NewServeMux(), metrics: newMetrics()}
	s.mux.HandleFunc("/v1/extract", s.handleExtract)
	s.mux.HandleFunc("/healthz", s.handleHealth)
	s.mux.HandleFunc("/metrics", s.handleMetrics)
	return s
}

// ServeHTTP routes a request and records its metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if path != "/v1/extract" && path != "/healthz" && path != "/metrics" {
		path = "other"
	}
	start := time.Now()
	s.metrics.inFlight.Add(1)
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		s.metrics.inFlight.Add(-1)
		code := rec.status
		if r.Context().Err() != nil && path == "/v1/extract" && code != http.StatusOK {
			code = statusClientClosed
		}
		if code == 0 {
			code = http.StatusOK
		}
		s.metrics.observe(path, code, time.Since(start))
	}()
	if path == "other" {
		writeError(rec, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// statusClientClosed is the code recorded for requests whose client went
// away before the answer (nginx's convention).
const statusClientClosed = 499

type statusRecorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the first status code and passes it on.
func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and passes the bytes on.
func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Serve answers requests on ln until ctx is done, then shuts down
// gracefully: no new connections, requests in flight are answered. As with
// [http.Server.Shutdown], a connection that was opened but has sent no
// request delays the shutdown by up to 5 seconds.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.Timeout + 30*time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	<-errc // http.ErrServerClosed
	if errors.Is(err, context.DeadlineExceeded) {
		return ErrShutdownTimeout
	}
	return err
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET")
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(w, cap(s.slots))
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "method not allowed; use "+allow)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"cannot encode the response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// errorBody is the JSON body of every error response.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{Error: msg})
}

// jsonTypes are the Content-Types accepted for a JSON body. curl -d sends
// application/x-www-form-urlencoded unless told otherwise; the body is
// still parsed as JSON.
var jsonTypes = map[string]bool{"application/json": true, "text/json": true, "application/x-www-form-urlencoded": true}

// readBody reads at most max bytes, reporting whether the body was larger.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, int, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !jsonTypes[mt] {
			return nil, http.StatusUnsupportedMediaType, fmt.Errorf("content type %q is not application/json", ct)
		}
	}
	if r.ContentLength > max {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body of %d bytes exceeds the limit of %d", r.ContentLength, max)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body exceeds the limit of %d bytes", max)
	}
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("reading the body: %v", err)
	}
	return b, 0, nil
}
