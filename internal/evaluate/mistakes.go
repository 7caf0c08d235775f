package evaluate

import (
	"cmp"
	"slices"
)

// ContextChars is the number of code points of text shown on each side of
// an error ([ErrorExample.Before], [ErrorExample.After]).
const ContextChars = 40

// Counterpart is the span nearest to an error on the other side: for a
// false positive the gold span it overlaps (no score), for a false negative
// the highest-scoring prediction that overlaps it.
type Counterpart struct {
	Start int     `json:"start"`
	End   int     `json:"end"`
	Label string  `json:"label"`
	Text  string  `json:"text"`
	Score float64 `json:"score,omitempty"`
}

// ErrorExample is one false positive or false negative in its context.
// Start and End are code points into document Doc (1-based, corpus order);
// Before and After are up to [ContextChars] code points of text around it.
// Score is the prediction's score (false positives only).
type ErrorExample struct {
	Doc    int          `json:"doc"`
	DocID  string       `json:"doc_id,omitempty"`
	Start  int          `json:"start"`
	End    int          `json:"end"`
	Text   string       `json:"text"`
	Before string       `json:"before"`
	After  string       `json:"after"`
	Score  float64      `json:"score,omitempty"`
	Near   *Counterpart `json:"near,omitempty"`
}

// TypeErrors are the errors of one label: how many false positives and
// false negatives there are in all, and up to the requested number of each,
// false positives by descending score (the most confident first), false
// negatives in corpus order.
type TypeErrors struct {
	Type              string         `json:"type"`
	FalsePositives    int            `json:"false_positives"`
	FalseNegatives    int            `json:"false_negatives"`
	FalsePositiveList []ErrorExample `json:"false_positive_examples"`
	FalseNegativeList []ErrorExample `json:"false_negative_examples"`
}

// NoneLabel names the missing side of a [Confusion] cell: a gold span no
// prediction has the boundaries of, or a prediction no gold span has.
const NoneLabel = "(none)"

// Confusion counts gold spans by corpus type (rows) against the labels of
// the predictions with the same boundaries (columns); a gold span without
// such a prediction counts under column [NoneLabel], a prediction without
// such a gold span under row NoneLabel. Counts[i][j] is row Gold[i], column
// Predicted[j].
type Confusion struct {
	Gold      []string `json:"gold"`
	Predicted []string `json:"predicted"`
	Counts    [][]int  `json:"counts"`
}

// errorRecord is an error before its context is cut out.
type errorRecord struct {
	doc   int
	span  Span
	score float64
	near  *Counterpart
}

// mistakes collects errors and confusions over documents.
type mistakes struct {
	limit     int
	fp, fn    map[string][]errorRecord
	confusion map[[2]string]int
}

func newMistakes(limit int) *mistakes {
	return &mistakes{limit: limit, fp: map[string][]errorRecord{}, fn: map[string][]errorRecord{}, confusion: map[[2]string]int{}}
}

// add records the errors of document doc (0-based); typed are its gold
// spans with their corpus types, score the scores of its predictions.
func (e *mistakes) add(doc int, text string, m docMatch, typed []Span, score map[Span]float64) {
	sl := newRuneSlicer(text)
	for i, p := range m.pred {
		if !m.predHit[i] {
			e.fp[p.Label] = append(e.fp[p.Label], errorRecord{doc: doc, span: p, score: score[p], near: nearest(sl, p, m.gold, nil)})
		}
	}
	for i, g := range m.gold {
		if !m.goldHit[i] {
			e.fn[g.Label] = append(e.fn[g.Label], errorRecord{doc: doc, span: g, near: nearest(sl, g, m.pred, score)})
		}
	}
	e.confuse(typed, m.pred)
}

// nearest returns the span of others overlapping s with the highest score
// (the first in text order when scores are nil or tie), or nil.
func nearest(sl runeSlicer, s Span, others []Span, score map[Span]float64) *Counterpart {
	var best *Counterpart
	for _, o := range others {
		if o.Start >= s.End || s.Start >= o.End {
			continue
		}
		if best == nil || score[o] > best.Score {
			best = &Counterpart{Start: o.Start, End: o.End, Label: o.Label, Text: sl.slice(o.Start, o.End), Score: score[o]}
		}
	}
	return best
}

// confuse counts same-boundary pairs of gold spans (corpus types) and
// predictions.
func (e *mistakes) confuse(typed, pred []Span) {
	type bounds struct{ s, e int }
	predAt := map[bounds][]string{}
	for _, p := range pred {
		predAt[bounds{p.Start, p.End}] = append(predAt[bounds{p.Start, p.End}], p.Label)
	}
	goldAt := map[bounds]bool{}
	for _, g := range typed {
		goldAt[bounds{g.Start, g.End}] = true
		labels := predAt[bounds{g.Start, g.End}]
		if len(labels) == 0 {
			e.confusion[[2]string{g.Label, NoneLabel}]++
		}
		for _, l := range labels {
			e.confusion[[2]string{g.Label, l}]++
		}
	}
	for _, p := range pred {
		if !goldAt[bounds{p.Start, p.End}] {
			e.confusion[[2]string{NoneLabel, p.Label}]++
		}
	}
}

// errors returns the errors by label with their context cut from docs.
func (e *mistakes) errors(docs []Document) []TypeErrors {
	labels := map[string]bool{}
	for l := range e.fp {
		labels[l] = true
	}
	for l := range e.fn {
		labels[l] = true
	}
	var out []TypeErrors
	for _, l := range sortedKeys(labels) {
		fp, fn := e.fp[l], e.fn[l]
		slices.SortStableFunc(fp, func(a, b errorRecord) int { return cmp.Compare(b.score, a.score) })
		out = append(out, TypeErrors{Type: l, FalsePositives: len(fp), FalseNegatives: len(fn),
			FalsePositiveList: examples(docs, fp[:min(e.limit, len(fp))]),
			FalseNegativeList: examples(docs, fn[:min(e.limit, len(fn))])})
	}
	return out
}

func examples(docs []Document, recs []errorRecord) []ErrorExample {
	out := make([]ErrorExample, 0, len(recs))
	for _, r := range recs {
		d := docs[r.doc]
		sl := newRuneSlicer(d.Text)
		s := r.span
		out = append(out, ErrorExample{Doc: r.doc + 1, DocID: d.ID, Start: s.Start, End: s.End, Text: sl.slice(s.Start, s.End),
			Before: sl.slice(s.Start-ContextChars, s.Start), After: sl.slice(s.End, s.End+ContextChars), Score: r.score, Near: r.near})
	}
	return out
}

// table returns the confusion counts as a matrix, NoneLabel last on both
// axes.
func (e *mistakes) table() Confusion {
	rows, cols := map[string]bool{}, map[string]bool{}
	for k := range e.confusion {
		rows[k[0]], cols[k[1]] = true, true
	}
	c := Confusion{Gold: noneLast(rows), Predicted: noneLast(cols)}
	for _, g := range c.Gold {
		row := make([]int, len(c.Predicted))
		for j, p := range c.Predicted {
			row[j] = e.confusion[[2]string{g, p}]
		}
		c.Counts = append(c.Counts, row)
	}
	return c
}

func noneLast(set map[string]bool) []string {
	none := set[NoneLabel]
	delete(set, NoneLabel)
	out := sortedKeys(set)
	if none {
		out = append(out, NoneLabel)
	}
	return out
}
