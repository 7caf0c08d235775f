package gliner

import (
	"fmt"
	"math"
	"sync"
)

// The parts of the factorised span kernel shared by uni-encoder span models
// (factor.go) and matched bi-encoder models (bi_factor.go).

// kernelFallback turns the error of switching a model to the factorised
// kernel into Open's error: none when the switch worked; in auto mode none
// either (the model keeps its full graph and the reason is logged at level
// Debug); with [SpanKernelFactorised] a *ModelError wrapping
// [ErrSpanKernel].
func kernelFallback(c openConfig, m *Model, onnxPath string, err error) error {
	if err == nil {
		return nil
	}
	if c.spanKernel == SpanKernelFactorised {
		return &ModelError{Dir: m.dir, File: onnxPath, Err: fmt.Errorf("%w: %v", ErrSpanKernel, err)}
	}
	m.logger.Debug("gliner: span kernel: full graph", "reason", err.Error())
	return nil
}

// closeLogits checks factorised logits against the graph's: |Δ| ≤
// 1e-4·max(1, |graph|) everywhere (NaN fails).
func closeLogits(got, want []float32) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d factorised logits, the graph gives %d", len(got), len(want))
	}
	for i, g := range got {
		w := float64(want[i])
		if d := math.Abs(float64(g) - w); !(d <= 1e-4*max(1, math.Abs(w))) {
			return fmt.Errorf("factorised logit %d is %v, the graph's %v", i, g, w)
		}
	}
	return nil
}

// poolBuffer returns a buffer of n values from pool: a pooled one when it
// is large enough, else a new one. Callers put it back when done.
func poolBuffer(pool *sync.Pool, n int) *[]float32 {
	if p, ok := pool.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n)
	return &s
}
