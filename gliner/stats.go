package gliner

import (
	"sync/atomic"
	"time"
)

// Stats counts a model's text graph runs since Open: the calls of ONNX
// Runtime's Run for batches of texts of uni-encoder models (span and token
// level), with the time spent inside them. Benchmarks use it for the share
// of time spent outside ONNX Runtime.
type Stats struct {
	Runs    int64         // batches run
	RunTime time.Duration // wall time inside Run
}

// runStats is the atomic form of Stats kept by a Model.
type runStats struct {
	runs, nanos atomic.Int64
}

// add records one Run that started at start.
func (s *runStats) add(start time.Time) {
	s.runs.Add(1)
	s.nanos.Add(int64(time.Since(start)))
}

// Stats returns the model's run counters. It is safe to call concurrently
// with extraction.
func (m *Model) Stats() Stats {
	return Stats{Runs: m.stats.runs.Load(), RunTime: time.Duration(m.stats.nanos.Load())}
}
