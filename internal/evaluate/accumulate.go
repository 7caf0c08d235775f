package evaluate

import (
	"time"

	"github.com/gliner-go/gliner/gliner"
)

// accumulator scores documents as they come and keeps what the report's
// optional parts need.
type accumulator struct {
	labelOf map[string]string
	scored  []string
	scorer  *Scorer
	docs    []DocCounts
	keep    bool
	errs    *mistakes
	sweep   *sweeper
	sweepT  time.Duration
}

func newAccumulator(opts Options, labelOf map[string]string, scored []string) *accumulator {
	a := &accumulator{labelOf: labelOf, scored: scored, scorer: NewScorer(opts.Match), keep: opts.Bootstrap > 0}
	if opts.Errors > 0 {
		a.errs = newMistakes(opts.Errors)
	}
	if len(opts.Sweep.Thresholds) > 0 {
		a.sweep = newSweeper(opts.Sweep, opts.Match, scored)
	}
	return a
}

// add scores document i (0-based) with its predictions.
func (a *accumulator) add(i int, d Document, pred []gliner.Entity) {
	gold := mapGold(d.Entities, a.labelOf)
	spans, score := predSpans(d.Text, pred, a.scored)
	m := a.scorer.add(d.Text, gold, spans)
	if a.keep {
		a.docs = append(a.docs, docCounts(d.Text, m))
	}
	if a.errs != nil {
		a.errs.add(i, d.Text, m, typedGold(d.Entities, a.labelOf), score)
	}
}

// addSweep scores a batch of documents at every threshold of the sweep
// from their candidate scores.
func (a *accumulator) addSweep(docs []Document, scored []Scored) {
	if a.sweep == nil {
		return
	}
	t0 := time.Now()
	gold := make([][]Span, len(docs))
	for k, d := range docs {
		gold[k] = mapGold(d.Entities, a.labelOf)
	}
	a.sweep.add(docs, gold, scored)
	a.sweepT += time.Since(t0)
}

// finish fills in the report's scores and optional parts.
func (a *accumulator) finish(r *Report, docs []Document, opts Options) error {
	r.Scores = a.scorer.Scores()
	r.Scores.Match = opts.Match.String()
	if a.keep {
		r.Documents = a.docs
		b, err := BootstrapScores(a.docs, opts.Bootstrap, opts.Seed)
		if err != nil && len(docs) > 0 {
			return err
		}
		r.Bootstrap = b
	}
	if a.errs != nil {
		r.Errors = a.errs.errors(docs)
		c := a.errs.table()
		r.Confusion = &c
	}
	if a.sweep != nil {
		r.Sweep, r.SweepBest = a.sweep.points()
		r.Cost.SweepSeconds = a.sweepT.Seconds()
	}
	return nil
}

// typedGold keeps the gold spans of the evaluated corpus types, with those
// types.
func typedGold(gold []Span, labelOf map[string]string) []Span {
	out := make([]Span, 0, len(gold))
	for _, g := range gold {
		if _, ok := labelOf[g.Label]; ok {
			out = append(out, g)
		}
	}
	return out
}
