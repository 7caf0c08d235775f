package server

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// durationBuckets are the upper bounds of the latency histogram, seconds.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; last is +Inf
	sum    float64
	n      uint64
}

type metrics struct {
	inFlight atomic.Int64
	texts    atomic.Int64

	mu        sync.Mutex
	requests  map[string]map[int]uint64 // path → code → count
	durations map[string]*histogram
}

func newMetrics() *metrics {
	return &metrics{requests: map[string]map[int]uint64{}, durations: map[string]*histogram{}}
}

func (m *metrics) observe(path string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.requests[path] == nil {
		m.requests[path] = map[int]uint64{}
	}
	m.requests[path][code]++
	h := m.durations[path]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets)+1)}
		m.durations[path] = h
	}
	sec := d.Seconds()
	i := sort.SearchFloat64s(durationBuckets, sec)
	h.counts[i]++
	h.sum += sec
	h.n++
}

// Requests returns the number of requests answered so far by path and
// status code.
func (s *Server) Requests() map[string]map[int]uint64 {
	m := s.metrics
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]map[int]uint64{}
	for p, codes := range m.requests {
		out[p] = map[int]uint64{}
		for c, n := range codes {
			out[p][c] = n
		}
	}
	return out
}

// InFlight returns the number of requests being handled.
func (s *Server) InFlight() int64 { return s.metrics.inFlight.Load() }

// write renders the Prometheus text exposition format.
func (m *metrics) write(w io.Writer, slots int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP gliner_http_requests_total HTTP requests answered, by path and status code.")
	fmt.Fprintln(w, "# TYPE gliner_http_requests_total counter")
	paths := make([]string, 0, len(m.requests))
	for p := range m.requests {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		codes := make([]int, 0, len(m.requests[p]))
		for c := range m.requests[p] {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		for _, c := range codes {
			fmt.Fprintf(w, "gliner_http_requests_total{path=%q,code=\"%d\"} %d\n", p, c, m.requests[p][c])
		}
	}
	fmt.Fprintln(w, "# HELP gliner_http_request_duration_seconds Time to answer HTTP requests.")
	fmt.Fprintln(w, "# TYPE gliner_http_request_duration_seconds histogram")
	for _, p := range paths {
		h := m.durations[p]
		var cum uint64
		for i, ub := range durationBuckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "gliner_http_request_duration_seconds_bucket{path=%q,le=%q} %d\n", p, strconv.FormatFloat(ub, 'g', -1, 64), cum)
		}
		fmt.Fprintf(w, "gliner_http_request_duration_seconds_bucket{path=%q,le=\"+Inf\"} %d\n", p, h.n)
		fmt.Fprintf(w, "gliner_http_request_duration_seconds_sum{path=%q} %s\n", p, strconv.FormatFloat(h.sum, 'g', -1, 64))
		fmt.Fprintf(w, "gliner_http_request_duration_seconds_count{path=%q} %d\n", p, h.n)
	}
	fmt.Fprintln(w, "# HELP gliner_http_in_flight_requests HTTP requests being handled.")
	fmt.Fprintln(w, "# TYPE gliner_http_in_flight_requests gauge")
	fmt.Fprintf(w, "gliner_http_in_flight_requests %d\n", m.inFlight.Load())
	fmt.Fprintln(w, "# HELP gliner_extract_texts_total Texts processed by successful extractions.")
	fmt.Fprintln(w, "# TYPE gliner_extract_texts_total counter")
	fmt.Fprintf(w, "gliner_extract_texts_total %d\n", m.texts.Load())
	fmt.Fprintln(w, "# HELP gliner_extract_slots Extractions that may run at once.")
	fmt.Fprintln(w, "# TYPE gliner_extract_slots gauge")
	fmt.Fprintf(w, "gliner_extract_slots %d\n", slots)
}
