package evaluate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gliner-go/gliner/gliner"
)

// SpanScorer is what a threshold sweep needs from a model: one run over a
// batch of texts that keeps the score of every candidate span, so that the
// texts can then be decoded at any threshold without running the model
// again. The options are the run's extract options ([Options.Extract]);
// their decoding settings are overridden by [Scored.Decode]'s arguments.
type SpanScorer interface {
	ScoreBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([]Scored, error)
}

// Scored holds the candidate scores of one text.
type Scored interface {
	// Decode returns the entities of the text whose score exceeds threshold,
	// decoded with the flat or nested and the multi-label rules of an
	// extraction: exactly what the model's extraction with that threshold,
	// nesting and multi-label setting returns.
	Decode(threshold float64, nested, multiLabel bool) []gliner.Entity
}

// Sweep configures a threshold sweep ([Options.Sweep]). With thresholds,
// [Run] needs an extractor that is also a [SpanScorer], or a
// [gliner.Model] (whose ScoreBatch it adapts): it runs the model
// once, decodes the report's main scores at Threshold with Nested and
// MultiLabel (the extract options are then not used), and scores every
// threshold of Thresholds with the same rules.
type Sweep struct {
	Thresholds []float64
	Threshold  float64
	Nested     bool
	MultiLabel bool
}

// SweepPoint is the score at one threshold of a sweep: micro precision,
// recall and F1, the pooled counts and the scores by label.
type SweepPoint struct {
	Threshold float64 `json:"threshold"`
	PRF
	Total Counts      `json:"total"`
	Types []TypeScore `json:"types"`
}

// BestThreshold is the threshold of a sweep with the highest F1 (the lowest
// such threshold when several tie) for the micro scores or one label.
type BestThreshold struct {
	Type      string  `json:"type,omitempty"`
	Threshold float64 `json:"threshold"`
	PRF
}

// SweepBest is the best micro threshold and the best threshold per label.
type SweepBest struct {
	BestThreshold
	Types []BestThreshold `json:"types"`
}

// ErrSweep is returned by [ParseSweep] for a malformed range.
var ErrSweep = errors.New("evaluate: bad sweep range")

// ErrNotScorer is returned by [Run] for a sweep with an extractor that is
// not a [SpanScorer].
var ErrNotScorer = errors.New("evaluate: the model cannot keep candidate scores for a sweep")

// maxSweepPoints bounds the number of thresholds of one sweep.
const maxSweepPoints = 1000

// ParseSweep parses "START:END:STEP" (for example "0.05:0.95:0.05") into
// the thresholds START, START+STEP, ... up to END included, each rounded to
// the decimals written in the range so that 0.05+2·0.05 is 0.15, not
// 0.15000000000000002. Thresholds must lie in [0, 1], STEP be positive and
// the range hold at most 1000 thresholds.
func ParseSweep(s string) ([]float64, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: %q (want START:END:STEP)", ErrSweep, s)
	}
	var v [3]float64
	decimals := 0
	for i, p := range parts {
		p = strings.TrimSpace(p)
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%w: %q is not a number", ErrSweep, p)
		}
		v[i], decimals = f, max(decimals, decimalsOf(p))
	}
	start, end, step := v[0], v[1], v[2]
	switch {
	case start < 0 || end > 1 || start > end:
		return nil, fmt.Errorf("%w: %q (want 0 <= START <= END <= 1)", ErrSweep, s)
	case step <= 0:
		return nil, fmt.Errorf("%w: %q (want STEP > 0)", ErrSweep, s)
	case (end-start)/step >= maxSweepPoints:
		return nil, fmt.Errorf("%w: %q has more than %d thresholds", ErrSweep, s, maxSweepPoints)
	}
	scale := math.Pow(10, float64(decimals))
	var out []float64
	for i := 0; ; i++ {
		t := math.Round((start+float64(i)*step)*scale) / scale
		if t > end+step*1e-9 {
			return out, nil
		}
		out = append(out, t)
	}
}

// decimalsOf is the number of digits after the decimal point of a number
// as written (9 for exponent notation).
func decimalsOf(s string) int {
	if strings.ContainsAny(s, "eE") {
		return 9
	}
	_, frac, ok := strings.Cut(s, ".")
	if !ok {
		return 0
	}
	return len(frac)
}

// sweeper scores every document at every threshold of a sweep.
type sweeper struct {
	cfg     Sweep
	scored  []string
	scorers []*Scorer
}

func newSweeper(cfg Sweep, m Match, scored []string) *sweeper {
	s := &sweeper{cfg: cfg, scored: scored}
	for range cfg.Thresholds {
		s.scorers = append(s.scorers, NewScorer(m))
	}
	return s
}

// add decodes a batch of documents at every threshold and scores them,
// threshold by threshold (a model's scores may decode a whole batch at
// once and keep the result for its other texts).
func (s *sweeper) add(docs []Document, gold [][]Span, kept []Scored) {
	for i, t := range s.cfg.Thresholds {
		for k, d := range docs {
			pred, _ := predSpans(d.Text, kept[k].Decode(t, s.cfg.Nested, s.cfg.MultiLabel), s.scored)
			s.scorers[i].Add(d.Text, gold[k], pred)
		}
	}
}

// points returns the sweep's scores and best thresholds.
func (s *sweeper) points() ([]SweepPoint, *SweepBest) {
	out := make([]SweepPoint, len(s.scorers))
	for i, sc := range s.scorers {
		r := sc.Scores()
		out[i] = SweepPoint{Threshold: s.cfg.Thresholds[i], PRF: r.Micro, Total: r.Total, Types: r.Types}
	}
	return out, bestOf(out)
}

// bestOf finds the best micro threshold and the best threshold per label.
func bestOf(points []SweepPoint) *SweepBest {
	if len(points) == 0 {
		return nil
	}
	best := &SweepBest{BestThreshold: BestThreshold{Threshold: points[0].Threshold, PRF: points[0].PRF}}
	byType := map[string]*BestThreshold{}
	for _, p := range points {
		if p.F1 > best.F1 {
			best.BestThreshold = BestThreshold{Threshold: p.Threshold, PRF: p.PRF}
		}
		for _, t := range p.Types {
			b := byType[t.Type]
			if b == nil {
				b = &BestThreshold{Type: t.Type, Threshold: p.Threshold, PRF: t.PRF}
				byType[t.Type] = b
			} else if t.F1 > b.F1 {
				*b = BestThreshold{Type: t.Type, Threshold: p.Threshold, PRF: t.PRF}
			}
		}
	}
	for _, t := range sortedKeys(byType) {
		best.Types = append(best.Types, *byType[t])
	}
	return best
}

// modelScorer is the [gliner.Model] method that keeps candidate scores;
// [Run] adapts it to [SpanScorer] with glinerScorer.
type modelScorer interface {
	ScoreBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([]*gliner.Scores, error)
}

// glinerScorer adapts a [gliner.Model] to [SpanScorer].
type glinerScorer struct{ m modelScorer }

func (g glinerScorer) ScoreBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([]Scored, error) {
	s, err := g.m.ScoreBatch(ctx, texts, labels, opts...)
	if err != nil {
		return nil, err
	}
	out := make([]Scored, len(s))
	for i, x := range s {
		out[i] = glinerScored{x}
	}
	return out, nil
}

type glinerScored struct{ s *gliner.Scores }

func (g glinerScored) Decode(threshold float64, nested, multiLabel bool) []gliner.Entity {
	opts := []gliner.ExtractOption{gliner.WithThreshold(threshold)}
	if nested {
		opts = append(opts, gliner.WithNested())
	}
	if multiLabel {
		opts = append(opts, gliner.WithMultiLabel())
	}
	return g.s.Decode(opts...)
}
