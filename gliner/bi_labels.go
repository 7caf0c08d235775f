package gliner

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/gliner-go/gliner/encoder"
)

// The label side of bi-encoder models: label tokenization, the label graph,
// the cache in front of it and precomputed label sets.

// labelIDTensors tokenizes labels for the one-graph mode, padded to the
// longest (the reference's padding="longest").
func (b *biEncoder) labelIDTensors(labels []string) []encoder.Tensor {
	seqs := make([][]int, len(labels))
	L := 0
	for i, l := range labels {
		seqs[i] = b.labelIDs(l)
		L = max(L, len(seqs[i]))
	}
	ids := make([]int64, len(labels)*L)
	mask := make([]int64, len(labels)*L)
	for i, s := range seqs {
		for t := range L {
			ids[i*L+t] = b.lpad
			if t < len(s) {
				ids[i*L+t], mask[i*L+t] = int64(s[t]), 1
			}
		}
	}
	shape := []int64{int64(len(labels)), int64(L)}
	return []encoder.Tensor{encoder.Int64Tensor(labelIDsName, shape, ids), encoder.Int64Tensor(labelMaskName, shape, mask)}
}

// labelIDs tokenizes one label as plain text with special tokens, truncated
// to the tokenizer's limit keeping the final special token (truncation=True).
func (b *biEncoder) labelIDs(label string) []int {
	ids := b.ltok.Encode(label, true).IDs
	if b.lmax > 0 && len(ids) > b.lmax {
		ids = append(ids[:b.lmax-1:b.lmax-1], ids[len(ids)-1])
	}
	return ids
}

// encodeLabels runs the label graph on labels and returns their rows
// ([len(labels)·dim] values). Labels of equal token length go together, so
// that no label is ever padded: a label's embedding does not depend on the
// other labels of the call, and cached and fresh embeddings are equal.
func (b *biEncoder) encodeLabels(ctx context.Context, labels []string) ([]float32, error) {
	out := make([]float32, len(labels)*b.dim)
	byLen := map[int][]int{}
	seqs := make([][]int, len(labels))
	for i, l := range labels {
		seqs[i] = b.labelIDs(l)
		byLen[len(seqs[i])] = append(byLen[len(seqs[i])], i)
	}
	lens := make([]int, 0, len(byLen))
	for L := range byLen {
		lens = append(lens, L)
	}
	sort.Ints(lens)
	for _, L := range lens {
		group := byLen[L]
		for lo := 0; lo < len(group); lo += labelBatch {
			part := group[lo:min(lo+labelBatch, len(group))]
			ids := make([]int64, 0, len(part)*L)
			for _, i := range part {
				for _, id := range seqs[i] {
					ids = append(ids, int64(id))
				}
			}
			mask := make([]int64, len(ids))
			for t := range mask {
				mask[t] = 1
			}
			shape := []int64{int64(len(part)), int64(L)}
			b.labelRuns.Add(1)
			outs, err := b.labels.Run(ctx, []encoder.Tensor{
				encoder.Int64Tensor(labelIDsName, shape, ids), encoder.Int64Tensor(labelMaskName, shape, mask)})
			if err != nil {
				return nil, err
			}
			o := outs[0]
			if !equalShape(o.Shape, int64(len(part)), int64(b.dim)) {
				return nil, fmt.Errorf("%w: the label graph gives %s %v for %d labels, want [%d %d]", ErrMismatch, o.Name, o.Shape, len(part), len(part), b.dim)
			}
			for j, i := range part {
				copy(out[i*b.dim:(i+1)*b.dim], o.Float32[j*b.dim:(j+1)*b.dim])
			}
		}
	}
	return out, nil
}

// labelVectors returns the rows of labels, from the cache where possible;
// new rows are computed, cached and, with a disk cache, saved.
func (b *biEncoder) labelVectors(ctx context.Context, labels []string) ([]float32, error) {
	dim := b.dim
	out := make([]float32, len(labels)*dim)
	var miss []int
	var missLabels []string
	for i, l := range labels {
		if v := b.cache.get(l); v != nil {
			copy(out[i*dim:], v)
			continue
		}
		miss = append(miss, i)
		missLabels = append(missLabels, l)
	}
	if len(miss) == 0 {
		return out, nil
	}
	fresh, err := b.encodeLabels(ctx, missLabels)
	if err != nil {
		return nil, err
	}
	for j, i := range miss {
		v := fresh[j*dim : (j+1)*dim : (j+1)*dim]
		copy(out[i*dim:], v)
		b.cache.put(labels[i], v)
	}
	if err := b.cache.save(); err != nil {
		b.m.logger.Warn("gliner: could not save the label cache", "error", err)
	}
	return out, nil
}

// LabelSet is a list of labels with their embeddings, computed once by a
// bi-encoder model with [Model.PrecomputeLabels] and passed to any number of
// extractions with [WithLabelSet]. It is immutable and safe for concurrent
// use.
type LabelSet struct {
	bi     *biEncoder
	labels []string
	vecs   []float32  // [len(labels)·dim]; nil for one-graph folders
	fold   *labelFold // the folded rows of the factorised kernel, or nil
}

// Labels returns the set's labels (de-duplicated, in first-occurrence order).
func (s *LabelSet) Labels() []string { return slices.Clone(s.labels) }

// Len returns the number of labels.
func (s *LabelSet) Len() int { return len(s.labels) }

// PrecomputeLabels runs a bi-encoder model's label encoder on labels (or
// takes them from its label cache) and returns them as a LabelSet for
// [WithLabelSet]. Labels are de-duplicated and checked as in Extract. It
// returns an error wrapping [ErrUnsupported] for models that are not
// bi-encoders.
func (m *Model) PrecomputeLabels(ctx context.Context, labels []string) (*LabelSet, error) {
	if ctx == nil {
		return nil, ErrNilContext
	}
	if m.closed.Load() {
		return nil, ErrClosed
	}
	if m.bi == nil {
		return nil, fmt.Errorf("%w: %s models have no label encoder to precompute", ErrUnsupported, m.kind)
	}
	labels, err := m.checkLabels(labels)
	if err != nil {
		return nil, err
	}
	s := &LabelSet{bi: m.bi, labels: labels}
	if m.bi.mode != biOneGraph && len(labels) > 0 {
		if s.vecs, err = m.bi.labelVectors(ctx, labels); err != nil {
			return nil, err
		}
	}
	if m.bi.factor != nil && len(labels) > 0 && m.bi.factor.folds(len(labels)) {
		s.fold = m.bi.foldLabels(labels, s.vecs)
	}
	return s, nil
}

// WithLabelSet extracts with the labels and embeddings of a LabelSet made by
// the same model: the label encoder does not run. The labels argument of
// Extract may then be nil; if given, it must equal the set's labels (after
// de-duplication), else the call fails with [ErrLabel]. For models that are
// not bi-encoders only the set's labels are used.
func WithLabelSet(s *LabelSet) ExtractOption { return func(c *extractConfig) { c.labelSet = s } }
