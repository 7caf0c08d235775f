package gliner

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/internal/spanhead"
	"github.com/gliner-go/gliner/span"
)

// The factorised span kernel of matched bi-encoder models. Their text graph
// ends in span_reps[i, j] = relu(A_i + B_j)·W2 + b2 (the markerV0 head) and
// the logits are span_reps · label_vectorsᵀ. Folding W2 and b2 into each
// label vector p once (Q = W2·p, c0 = b2·p) leaves per span one sum, one
// ReLU and H·C multiply-adds (span.FactorLogits), and the text graph is
// rewritten to stop at the per-word factors A and B (internal/spanhead).
// With many labels (H·C > H·D + D·C, that is C > H·D/(H−D), about 4D/3 for
// published heads) the fold costs more than it saves: the span
// representations are then computed from A and B (relu(A_i + B_j)·W2 + b2,
// H·D per span) and matched with the label vectors (D·C per span), which
// still skips out_project's first layer per span.

// biFactor is the factorised kernel of a matched bi-encoder model.
type biFactor struct {
	sess    *encoder.Session // the rewritten text graph: outputs A and B
	hidden  int              // H, out_project's hidden width
	w2      []float32        // out_project's last weight, [H, D] (span_reps = relu(·)·W2 + b2)
	b2      []float32        // out_project's last bias, [D]
	basis   *labelFold       // the fold of the D unit vectors: Q = W2ᵀ, c0 = b2
	scratch sync.Pool        // *[]float32 of K·H values (span.FactorLogits)
	logits  sync.Pool        // *[]float32 holding one text's logits
	reps    sync.Pool        // *[]float32 holding one text's span representations
}

// labelFold is the label side of the factorised kernel for the C labels of
// a call: Q = W2·p ([C·H]) and c0 = b2·p ([C]) for each label vector p.
type labelFold struct{ q, c0 []float32 }

// wordFactors are the rewritten text graph's outputs for a batch: A and B,
// [B, W, H] each.
type wordFactors struct {
	a, e []float32
	w, h int
}

// rows returns the first n word rows of text j of x (A or B).
func (t *wordFactors) rows(x []float32, j, n int) []float32 { return x[j*t.w*t.h:][:n*t.h] }

// useFactorised gives a matched bi-encoder the factorised kernel as
// c.spanKernel asks, when its text graph's span head is recognised and the
// kernel reproduces the graph on the probe texts (kernelFallback says what
// happens otherwise).
func (b *biEncoder) useFactorised(c openConfig, textPath string) error {
	if b.mode != biMatched || c.spanKernel == SpanKernelGraph {
		return nil
	}
	err := b.switchToFactorised(c, textPath)
	if err != nil && b.text == nil {
		return err // the full text graph could not be opened again
	}
	return kernelFallback(c, b.m, textPath, err)
}

// switchToFactorised runs the full text graph on the probe texts, closes
// it, opens the rewritten graph and checks it against the probe's span
// representations, as the uni-encoder's switch does: the text encoder's
// weights are never held twice. When the kernel cannot be used the full
// text graph is opened again.
func (b *biEncoder) switchToFactorised(c openConfig, textPath string) error {
	probe := make([]encodedText, len(verifyText))
	for i, t := range verifyText {
		probe[i] = b.m.encodeText(t, nil)
	}
	outs, err := b.text.Run(context.Background(), b.m.inputTensors(probe))
	if err != nil {
		return err
	}
	err = b.text.Close()
	b.text = nil
	if err != nil {
		return err
	}
	f, err := openBiFactor(c, textPath, b.dim)
	if err == nil {
		if err = b.verifyFactor(f, probe, outs[0]); err != nil {
			err = errors.Join(err, f.sess.Close())
		}
	}
	if err == nil {
		b.factor = f
		return nil
	}
	text, rerr := openGraph(b.m.dir, textPath, biContract(b.mode, false), c)
	if rerr != nil {
		return errors.Join(err, rerr)
	}
	b.text = text
	return err
}

// openBiFactor recognises the span head of the text graph at textPath and
// opens the rewritten graph.
func openBiFactor(c openConfig, textPath string, dim int) (*biFactor, error) {
	head, err := spanhead.RecogniseRepsFile(textPath)
	if err != nil {
		return nil, err
	}
	if head.Dim != dim {
		return nil, fmt.Errorf("the span head gives rows of %d values, the label graph %d", head.Dim, dim)
	}
	contract := factorContract()
	contract.Outputs = contract.Outputs[:2] // A and B
	f := &biFactor{hidden: head.Hidden, w2: head.W2, b2: head.B2}
	g, err := writeGraph(head, "", "")
	if err != nil {
		return nil, err
	}
	defer g.done()
	if f.sess, err = encoder.Open(g.path, append([]encoder.Option{encoder.WithContract(contract)}, c.encoderOpt...)...); err != nil {
		return nil, err
	}
	basis := make([]float32, dim*dim)
	for d := range dim {
		basis[d*dim+d] = 1
	}
	f.basis = f.fold(basis)
	return f, nil
}

// folds reports whether the logits of C labels cost less through the
// folded labels (H·C multiply-adds per span) than through the span
// representations (H·D + D·C).
func (f *biFactor) folds(C int) bool {
	H, D := f.hidden, len(f.b2)
	return H*C <= H*D+D*C
}

// verifyFactor checks the factorised kernel against the full text graph's
// span representations reps of the probe texts, with the D unit label
// vectors, whose logits are the span
// representations themselves: every span_reps value of each text (masked
// spans included) must agree to |Δ| ≤ 1e-4·max(1, |graph|), which bounds the
// logits of any label vector, folded or matched with the span
// representations. The label graph does not run.
func (b *biEncoder) verifyFactor(f *biFactor, probe []encodedText, reps encoder.Tensor) error {
	ctx := context.Background()
	fs, err := f.run(ctx, b.m, probe)
	if err != nil {
		return err
	}
	K, D := b.m.cfg.MaxWidth, b.dim
	if !equalShape(reps.Shape, int64(len(probe)), int64(fs.w), int64(K), int64(D)) {
		return fmt.Errorf("the text graph gives %s %v", reps.Name, reps.Shape)
	}
	for j, n := range wordCounts(probe) {
		got := make([]float32, n*K*D)
		f.textLogits(got, fs, j, n, f.basis, nil, K)
		if err := closeLogits(got, reps.Float32[j*fs.w*K*D:][:n*K*D]); err != nil {
			return fmt.Errorf("probe text %d: %w", j, err)
		}
	}
	return nil
}

// fold computes the fold of label vectors ([C·D] values).
func (f *biFactor) fold(vecs []float32) *labelFold {
	D := len(f.b2)
	C := len(vecs) / D
	lf := &labelFold{q: make([]float32, C*f.hidden), c0: make([]float32, C)}
	if C > 0 {
		span.MatchLogits(lf.q, vecs, f.w2, D)
		span.MatchLogits(lf.c0, vecs, f.b2, D)
	}
	return lf
}

// foldLabels returns the fold of a call's label vectors: each label's from
// the label cache, where it is kept beside the label's vector, or computed
// and cached.
func (b *biEncoder) foldLabels(labels []string, vecs []float32) *labelFold {
	H := b.factor.hidden
	out := &labelFold{q: make([]float32, len(labels)*H), c0: make([]float32, len(labels))}
	var miss []int
	for i, l := range labels {
		if v := b.cache.getFold(l); v != nil {
			copy(out.q[i*H:(i+1)*H], v[:H])
			out.c0[i] = v[H]
			continue
		}
		miss = append(miss, i)
	}
	if len(miss) == 0 {
		return out
	}
	mv := make([]float32, 0, len(miss)*b.dim)
	for _, i := range miss {
		mv = append(mv, vecs[i*b.dim:(i+1)*b.dim]...)
	}
	fresh := b.factor.fold(mv)
	for j, i := range miss {
		v := make([]float32, H+1)
		copy(v, fresh.q[j*H:(j+1)*H])
		v[H] = fresh.c0[j]
		copy(out.q[i*H:(i+1)*H], v[:H])
		out.c0[i] = v[H]
		b.cache.putFold(labels[i], v)
	}
	return out
}

// run runs the rewritten text graph on a batch and checks its outputs:
// [B, W, H] twice, W the batch's longest text in words.
func (f *biFactor) run(ctx context.Context, m *Model, encs []encodedText) (*wordFactors, error) {
	outs, err := f.sess.Run(ctx, m.inputTensors(encs))
	if err != nil {
		return nil, err
	}
	var a, e encoder.Tensor
	for _, o := range outs {
		switch o.Name {
		case spanhead.OutputStart:
			a = o
		case spanhead.OutputEnd:
			e = o
		}
	}
	B, W := len(encs), span.MaxLen(wordCounts(encs))
	if !equalShape(a.Shape, int64(B), int64(W), int64(f.hidden)) || !equalShape(e.Shape, a.Shape...) {
		return nil, fmt.Errorf("%w: factorised text graph outputs of shapes %v and %v, want [%d %d %d]", ErrMismatch, a.Shape, e.Shape, B, W, f.hidden)
	}
	return &wordFactors{a: a.Float32, e: e.Float32, w: W, h: f.hidden}, nil
}

// textLogits computes the [n, K, C] logits of text j (n words) of a batch:
// with the folded labels, or when fold is nil from the span representations
// and the label vectors vecs ([C·D]).
func (f *biFactor) textLogits(dst []float32, t *wordFactors, j, n int, fold *labelFold, vecs []float32, K int) {
	sc := poolBuffer(&f.scratch, K*f.hidden)
	defer f.scratch.Put(sc)
	a, e := t.rows(t.a, j, n), t.rows(t.e, j, n)
	if fold != nil {
		span.FactorLogits(dst, a, e, fold.q, fold.c0, *sc, n, K)
		return
	}
	D := len(f.b2)
	reps := poolBuffer(&f.reps, n*K*D)
	defer f.reps.Put(reps)
	span.FactorLogits(*reps, a, e, f.basis.q, f.basis.c0, *sc, n, K)
	span.MatchLogits(dst, *reps, vecs, D)
}

// decodeFactorised computes each text's logits from the batch's factors and
// decodes them, texts in parallel.
func (bc *biCall) decodeFactorised(t *wordFactors, b batch, encs []encodedText) error {
	f := bc.factor
	lengths := wordCounts(encs)
	K, C := bc.m.cfg.MaxWidth, len(b.labels)
	if len(bc.vecs) != C*bc.dim || (bc.fold != nil && len(bc.fold.c0) != C) || len(b.items) != len(encs) {
		return fmt.Errorf("%w: %d labels and %d texts in the batch, %d label values and %d encodings", ErrMismatch, C, len(b.items), len(bc.vecs), len(encs))
	}
	parallel(len(b.items), func(j int) {
		n := lengths[j]
		buf := poolBuffer(&f.logits, n*K*C)
		defer f.logits.Put(buf)
		logits := *buf
		f.textLogits(logits, t, j, n, bc.fold, bc.vecs, K)
		if bad := badWords(b.texts[b.items[j].text], encs[j].words); bad != nil {
			maskSpanItem(logits, K, C, bad)
		}
		d := bc.m.decoders.Get().(*span.Decoder)
		defer bc.m.decoders.Put(d)
		b.emit(b.items[j], encs[j], d.DecodeSpans(nil, logits, n, K, C, b.opts))
	})
	return nil
}
