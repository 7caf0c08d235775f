package gliner

import (
	"context"
	"fmt"
	"slices"

	"github.com/gliner-go/gliner/span"
)

// Scores are the candidate scores of one text kept by [Model.ScoreBatch]:
// the model's output for the text's batch, which [Scores.Decode] decodes at
// any threshold without running the model again, so that a threshold sweep
// costs one model pass.
//
// The Scores of one ScoreBatch call share their batches' outputs and the
// last decoding of each batch; they are not safe for concurrent use. They
// stay usable after the model is closed.
type Scores struct {
	b *scoredBatch // nil for a blank text or no labels
	j int          // the text's index in its batch
}

// decodeFunc decodes a kept model output into the entities of the batch's
// texts with the batch's options, as the family's runBatch does.
type decodeFunc func(b batch) error

// keeper is a runner that can run a batch and keep its output, returning
// the function that decodes it. Families whose runners are not keepers
// cannot keep scores.
type keeper interface {
	keepBatch(ctx context.Context, b batch) (decodeFunc, error)
}

// keepBatch encodes and scores the batch as runBatch does and keeps the
// logits.
func (u *uniCall) keepBatch(ctx context.Context, b batch) (decodeFunc, error) {
	encs, err := u.m.encodeItems(b, u.prompt)
	if err != nil {
		return nil, err
	}
	logits, err := u.score(ctx, encs, len(b.labels))
	if err != nil {
		return nil, err
	}
	return func(d batch) error { return u.decode(logits, d, encs) }, nil
}

// keepBatch encodes the batch and runs the text graph as runBatch does and
// keeps its output (span rows, logits or the factorised kernel's word
// factors).
func (bc *biCall) keepBatch(ctx context.Context, b batch) (decodeFunc, error) {
	m := bc.m
	encs, err := m.encodeItems(b, nil)
	if err != nil {
		return nil, err
	}
	if bc.factor != nil {
		fs, err := bc.factor.run(ctx, m, encs)
		if err != nil {
			return nil, err
		}
		return func(d batch) error { return bc.decodeFactorised(fs, d, encs) }, nil
	}
	outs, err := bc.text.Run(ctx, append(m.inputTensors(encs), bc.extra...))
	if err != nil {
		return nil, err
	}
	res := outs[0]
	if bc.mode == biMatched {
		return func(d batch) error { return bc.decodeMatched(res, d, encs) }, nil
	}
	return func(d batch) error { return bc.decodeLogits(res, d, encs) }, nil
}

var (
	_ keeper = (*uniCall)(nil)
	_ keeper = (*biCall)(nil)
)

// ScoreBatch runs the model over texts with the labels exactly as
// [Model.ExtractBatch] does (same label checks, same batches, same model
// calls) and keeps the model's output instead of decoding it. Texts the
// long-text policy cuts into windows, and label lists cut into groups, are
// not supported (an error wrapping [ErrUnsupported]). The options apply to
// the call as in ExtractBatch (the long-text policy, a label set); the
// decoding options are those given to Decode. Result i
// decoded with some options ([Scores.Decode]) equals what ExtractBatch with
// those options returns for texts[i].
//
// Uni-encoder and bi-encoder GLiNER models keep scores; fixed-schema token
// classifiers, which have no threshold, give an error wrapping
// [ErrUnsupported].
func (m *Model) ScoreBatch(ctx context.Context, texts, labels []string, opts ...ExtractOption) ([]*Scores, error) {
	if m.closed.Load() {
		return nil, ErrClosed
	}
	c, err := m.newCall(texts, labels, opts)
	if err != nil {
		return nil, err
	}
	out := make([]*Scores, len(texts))
	for i := range out {
		out[i] = &Scores{}
	}
	if len(c.labels) == 0 || len(c.valid) == 0 {
		return out, nil
	}
	run, items, err := m.fam.start(ctx, c)
	if err != nil {
		return nil, err
	}
	k, ok := run.(keeper)
	if !ok {
		return nil, fmt.Errorf("%w: %s models keep no candidate scores", ErrUnsupported, m.fam.name())
	}
	if slices.ContainsFunc(items, func(it item) bool { return it.merge }) {
		return nil, fmt.Errorf("%w: scores are kept for whole texts only, and a text is cut into windows or its labels into groups (shorter texts, fewer labels, or WithLongTexts(TruncateLongTexts))", ErrUnsupported)
	}
	for lo, hi := 0, 0; lo < len(items); lo = hi {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi = batchEnd(items, lo, m.batchSize)
		if err := keepScores(ctx, k, c.batchOf(items[lo:hi]), out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// keepScores runs one batch, checks its output by decoding it once with
// the call's options, and points the batch's Scores at it.
func keepScores(ctx context.Context, k keeper, b batch, out []*Scores) error {
	decode, err := k.keepBatch(ctx, b)
	if err != nil {
		return err
	}
	sb := &scoredBatch{decode: decode, labels: b.labels, texts: make([]string, len(b.items))}
	for j, it := range b.items {
		sb.texts[j] = b.texts[it.text]
		out[it.text] = &Scores{b: sb, j: j}
	}
	_, err = sb.entities(b.opts)
	return err
}

// scoredBatch is one batch's kept output and its last decoding.
type scoredBatch struct {
	decode decodeFunc
	texts  []string // the batch's texts; item j is texts[j]
	labels []string
	last   span.Options
	out    [][]Entity
}

// entities decodes the whole batch with o, or returns the last decoding
// when o is the same, so that decoding every text of a batch at one
// threshold decodes the batch once.
func (s *scoredBatch) entities(o span.Options) ([][]Entity, error) {
	if s.out != nil && slices.Equal(s.last.Thresholds, o.Thresholds) && s.last.Nested == o.Nested && s.last.MultiLabel == o.MultiLabel {
		return s.out, nil
	}
	c := &call{texts: s.texts, labels: s.labels, opts: o, out: make([][]Entity, len(s.texts))}
	for j := range s.texts {
		c.valid = append(c.valid, j)
	}
	if err := s.decode(c.batchOf(wholeTexts(c))); err != nil {
		return nil, err
	}
	s.last, s.out = o, c.out
	return c.out, nil
}

// Decode returns the entities of the text, sorted by start, decoded with
// the options' thresholds, nesting and multi-label setting exactly as
// [Model.ExtractBatch] decodes them ([WithLabelSet] does not apply here).
func (s *Scores) Decode(opts ...ExtractOption) []Entity {
	if s.b == nil {
		return []Entity{}
	}
	ec := newExtractConfig(opts)
	o := span.Options{Thresholds: thresholds(s.b.labels, ec), Nested: ec.nested, MultiLabel: ec.multiLabel}
	ents, err := s.b.entities(o)
	if err != nil {
		// ScoreBatch decoded this output once: its shapes are right, and
		// decoding depends on nothing else that can fail.
		panic("gliner: decoding kept scores: " + err.Error())
	}
	return slices.Clone(ents[s.j])
}
