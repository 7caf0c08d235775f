package gliner

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/internal/spanhead"
	"github.com/gliner-go/gliner/span"
)

// SpanKernel says how a span model computes its span–label logits.
type SpanKernel int

const (
	// SpanKernelAuto uses the factorised kernel when the graph's span head
	// is recognised and the kernel reproduces the graph's logits on a probe
	// input, and the full graph otherwise (the reason is logged at level
	// Debug). It is the default.
	SpanKernelAuto SpanKernel = iota
	// SpanKernelFactorised requires the factorised kernel: Open fails with
	// [ErrSpanKernel] when it is not possible.
	SpanKernelFactorised
	// SpanKernelGraph runs the published graph as it is.
	SpanKernelGraph
)

var spanKernelNames = [...]string{"auto", "factorised", "graph"}

// String returns "auto", "factorised" or "graph".
func (k SpanKernel) String() string {
	if k < 0 || int(k) >= len(spanKernelNames) {
		return fmt.Sprintf("SpanKernel(%d)", int(k))
	}
	return spanKernelNames[k]
}

// ParseSpanKernel parses "auto", "factorised" or "graph".
func ParseSpanKernel(s string) (SpanKernel, error) {
	for i, n := range spanKernelNames {
		if s == n {
			return SpanKernel(i), nil
		}
	}
	return 0, fmt.Errorf("gliner: unknown span kernel %q (want auto, factorised or graph)", s)
}

// ErrSpanKernel is wrapped by Open's error when [SpanKernelFactorised] was
// asked for and the model's span head is not recognised, or the kernel does
// not reproduce the graph's logits.
var ErrSpanKernel = errors.New("gliner: the factorised span kernel cannot run this model")

// WithSpanKernel chooses how span models compute span–label logits (default
// [SpanKernelAuto]).
//
// The factorised kernel computes the logits of the markerV0 span head (the
// head of published GLiNER span models) with far less arithmetic than the
// graph: out_project's first layer is applied per word instead of per span
// and its last layer is folded into the labels, so each of the W·K spans
// costs one sum, one ReLU and one product with the labels (see
// internal/spanhead and [span.FactorLogits]). ONNX Runtime runs the graph
// up to the per-word and per-label products. The logits equal the graph's
// up to float rounding (checked at Open to 1e-4 relative).
//
// Bi-encoder models of the matched shape (text graph ending in span_reps,
// docs/reference.md §6) get the same fold: the text graph is rewritten to
// end at the per-word factors and the label vectors are folded with
// out_project's last layer once per label (kept beside the label cache and
// in a [LabelSet]); with more labels than about 4D/3 (D the embedding
// width) the span representations are computed from the per-word factors
// and matched with the label vectors instead; see [LabelsGraphFile]. The
// check at Open compares the span representations, so the label encoder
// does not run; the full text graph is then closed, as a span model's.
//
// The rewritten graph is loaded from a file: a temporary one, or one kept by
// [WithSpanKernelCache].
// Token-level models, fused and one-graph bi-encoders and fixed-schema
// models ignore the option.
func WithSpanKernel(k SpanKernel) Option { return func(c *openConfig) { c.spanKernel = k } }

// SpanKernel returns the kernel the model computes span logits with:
// [SpanKernelFactorised] or [SpanKernelGraph] (also for models without span
// logits).
func (m *Model) SpanKernel() SpanKernel {
	if m.factor != nil || (m.bi != nil && m.bi.factor != nil) {
		return SpanKernelFactorised
	}
	return SpanKernelGraph
}

// factorOutputs are the outputs of the rewritten graph, in order.
var factorOutputs = [...]string{spanhead.OutputStart, spanhead.OutputEnd, spanhead.OutputLabels, spanhead.OutputLabelBias}

// useFactorised switches a span model whose graph scorer passed the probe
// to the factorised kernel, as c.spanKernel asks. In auto mode a head that
// is not recognised or not verified keeps the graph; the reason is logged.
// eopts are the options the full graph was opened with.
func (u *uniModel) useFactorised(c openConfig, onnxPath string, eopts []encoder.Option) error {
	if u.token || c.spanKernel == SpanKernelGraph {
		return nil
	}
	err := u.switchToFactorised(c, onnxPath, eopts)
	if err != nil && u.m.sess == nil {
		// The full graph could not be opened again: the model has no
		// scorer, whatever the mode.
		return err
	}
	return kernelFallback(c, u.m, onnxPath, err)
}

// switchToFactorised runs the full graph on a probe input, closes it,
// recognises and rewrites the span head, opens the rewritten graph and
// checks that the factorised kernel gives the full graph's logits. The full
// graph is closed before the rewrite, and the rewritten graph is loaded
// from a file (factor_file.go), so that the model's weights are never held
// twice by ONNX Runtime, nor beside ONNX Runtime's copy by the rewrite.
// When the kernel cannot be used the full graph is opened again, so that
// the model is left as it was.
func (u *uniModel) switchToFactorised(c openConfig, onnxPath string, eopts []encoder.Option) error {
	if mode := u.m.cfg.SpanMode; mode != "markerV0" {
		return fmt.Errorf("span mode %q: the factorised kernel computes markerV0 heads only", mode)
	}
	probe := u.verifyTexts()
	want, err := u.m.run(context.Background(), probe)
	if err != nil {
		return err
	}
	err = u.m.sess.Close()
	u.m.sess = nil
	if err != nil {
		return err
	}
	f, err := u.openVerified(c, onnxPath, probe, want)
	if err == nil {
		u.m.factor = f
		return nil
	}
	sess, rerr := encoder.Open(onnxPath, eopts...)
	if rerr != nil {
		return errors.Join(err, rerr)
	}
	u.m.sess = sess
	return err
}

// openVerified opens the rewritten graph of onnxPath and checks it on the
// probe. A cached graph that fails is rewritten from the source, once.
func (u *uniModel) openVerified(c openConfig, onnxPath string, probe []encodedText, want encoder.Tensor) (*factorScorer, error) {
	f, cached, err := openFactorised(c, onnxPath, u.m, probe, want, false)
	if err != nil && cached {
		u.m.logger.Debug("gliner: span kernel: cached rewritten graph unusable; rewriting it", "error", err.Error())
		f, _, err = openFactorised(c, onnxPath, u.m, probe, want, true)
	}
	return f, err
}

// openFactorised opens the rewritten graph of onnxPath (from the cache
// unless fresh) and verifies it. It reports whether the graph came from the
// cache. A graph written for this Open that fails the check is replaced in
// the cache by a note of the reason.
func openFactorised(c openConfig, onnxPath string, m *Model, probe []encodedText, want encoder.Tensor, fresh bool) (*factorScorer, bool, error) {
	g, err := rewriteGraph(c.kernelCache, onnxPath, fresh)
	if err != nil {
		return nil, false, err
	}
	defer g.done()
	f, err := openRewritten(c, g.path, m)
	if err == nil {
		if err = f.verify(probe, want); err != nil {
			err = errors.Join(err, f.sess.Close())
		}
	}
	if err != nil {
		g.drop(err)
		return nil, g.cached, err
	}
	return f, g.cached, nil
}

// openRewritten opens a rewritten graph and reads H from its outputs.
func openRewritten(c openConfig, path string, m *Model) (*factorScorer, error) {
	sess, err := encoder.Open(path, append([]encoder.Option{encoder.WithContract(factorContract())}, c.encoderOpt...)...)
	if err != nil {
		return nil, err
	}
	for _, o := range sess.Outputs() {
		if o.Name == spanhead.OutputStart && len(o.Shape) == 3 && o.Shape[2] > 0 {
			return &factorScorer{m: m, sess: sess, hidden: int(o.Shape[2])}, nil
		}
	}
	return nil, errors.Join(fmt.Errorf("%w: rewritten graph without a fixed hidden width", ErrMismatch), sess.Close())
}

// verifyLabels and verifyText are the probe input of the factorised kernel:
// two texts of different lengths (so that padding and masked spans are
// compared too) with three labels.
var (
	verifyLabels = []string{"disease", "gene", "chemical"}
	verifyText   = []string{
		"Mutations in the BRCA1 gene cause hereditary breast and ovarian cancer in many families .",
		"Aspirin lowered the fever .",
	}
)

func (u *uniModel) verifyTexts() []encodedText {
	prompt := promptWords(u.m.cfg, verifyLabels)
	encs := make([]encodedText, len(verifyText))
	for i, t := range verifyText {
		encs[i] = u.m.encodeText(t, prompt)
	}
	return encs
}

// factorContract is the contract of a rewritten span graph: the span
// model's inputs and the factors as outputs.
func factorContract() encoder.Contract {
	c := textContract(true)
	c.Outputs = []encoder.TensorSpec{
		{Name: spanhead.OutputStart, Type: encoder.Float32, Shape: anyShape(3)},
		{Name: spanhead.OutputEnd, Type: encoder.Float32, Shape: anyShape(3)},
		{Name: spanhead.OutputLabels, Type: encoder.Float32, Shape: anyShape(3)},
		{Name: spanhead.OutputLabelBias, Type: encoder.Float32, Shape: anyShape(2)},
	}
	return c
}

// factorScorer is the scorer of span models with a rewritten graph: ONNX
// Runtime computes the per-word and per-label factors, span.FactorLogits
// the logits.
type factorScorer struct {
	m       *Model
	sess    *encoder.Session
	hidden  int       // H, out_project's hidden width
	scratch sync.Pool // *[]float32 of K·H values
}

// verify checks the factorised logits of the probe against the graph's:
// |Δ| ≤ 1e-4·max(1, |graph|) everywhere, masked positions included.
func (f *factorScorer) verify(probe []encodedText, want encoder.Tensor) error {
	got, err := f.score(context.Background(), probe, len(verifyLabels))
	if err != nil {
		return err
	}
	if !equalShape(got.Shape, want.Shape...) {
		return fmt.Errorf("factorised logits have shape %v, the graph's %v", got.Shape, want.Shape)
	}
	return closeLogits(got.Float32, want.Float32)
}

// score runs the rewritten graph on a batch and computes its [B, W, K, C]
// logits, the texts spread over up to GOMAXPROCS goroutines.
func (f *factorScorer) score(ctx context.Context, encs []encodedText, _ int) (encoder.Tensor, error) {
	ins := f.m.inputTensors(encs)
	start := time.Now()
	outs, err := f.sess.Run(ctx, ins)
	f.m.stats.add(start)
	if err != nil {
		return encoder.Tensor{}, err
	}
	fs, err := f.factors(outs, len(encs))
	if err != nil {
		return encoder.Tensor{}, err
	}
	lengths := wordCounts(encs)
	K := f.m.cfg.MaxWidth
	B, W, C := len(encs), fs.w, fs.c
	dst := make([]float32, B*W*K*C)
	f.parallel(B, func(b int, scratch []float32) {
		span.FactorLogits(dst[b*W*K*C:(b+1)*W*K*C], fs.item(fs.start, b, W), fs.item(fs.end, b, W),
			fs.item(fs.labels, b, C), fs.bias[b*C:(b+1)*C], scratch, lengths[b], K)
	})
	return encoder.Tensor{Name: "logits", Type: encoder.Float32, Shape: []int64{int64(B), int64(W), int64(K), int64(C)}, Float32: dst}, nil
}

// parallel calls fn(b, scratch) for b in [0, n) on up to GOMAXPROCS
// goroutines, each with its own K·H scratch buffer.
func (f *factorScorer) parallel(n int, fn func(b int, scratch []float32)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	next := make(chan int, n)
	for b := range n {
		next <- b
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := f.buffer()
			defer f.scratch.Put(buf)
			for b := range next {
				fn(b, *buf)
			}
		}()
	}
	wg.Wait()
}

func (f *factorScorer) buffer() *[]float32 {
	return poolBuffer(&f.scratch, f.m.cfg.MaxWidth*f.hidden)
}

// factorTensors are the rewritten graph's outputs of one batch.
type factorTensors struct {
	start, end, labels, bias []float32
	w, c, h                  int
}

// item returns item b of a [B, rows, H] tensor.
func (t *factorTensors) item(x []float32, b, rows int) []float32 {
	return x[b*rows*t.h : (b+1)*rows*t.h]
}

// factors checks the shapes of the rewritten graph's outputs for a batch of
// B texts: [B, W, H] twice, [B, C, H], [B, C].
func (f *factorScorer) factors(outs []encoder.Tensor, B int) (*factorTensors, error) {
	by := map[string]encoder.Tensor{}
	for _, o := range outs {
		by[o.Name] = o
	}
	a, e, q, c0 := by[factorOutputs[0]], by[factorOutputs[1]], by[factorOutputs[2]], by[factorOutputs[3]]
	if len(a.Shape) != 3 || len(q.Shape) != 3 {
		return nil, fmt.Errorf("%w: factorised span head outputs of shapes %v and %v", ErrMismatch, a.Shape, q.Shape)
	}
	t := &factorTensors{start: a.Float32, end: e.Float32, labels: q.Float32, bias: c0.Float32, w: int(a.Shape[1]), c: int(q.Shape[1]), h: int(a.Shape[2])}
	ok := equalShape(a.Shape, int64(B), int64(t.w), int64(t.h)) && equalShape(e.Shape, a.Shape...) &&
		equalShape(q.Shape, int64(B), int64(t.c), int64(t.h)) && equalShape(c0.Shape, int64(B), int64(t.c)) &&
		t.h == f.hidden && t.c > 0
	if !ok {
		return nil, fmt.Errorf("%w: factorised span head outputs of shapes %v %v %v %v", ErrMismatch, a.Shape, e.Shape, q.Shape, c0.Shape)
	}
	return t, nil
}
