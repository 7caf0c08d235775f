package evaluate

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Match is how a prediction is compared with the gold spans.
type Match int

// The matching modes; see the package documentation.
const (
	MatchStrict Match = iota + 1
	MatchOverlap
)

// String returns "strict" or "overlap".
func (m Match) String() string {
	switch m {
	case MatchStrict:
		return "strict"
	case MatchOverlap:
		return "overlap"
	}
	return fmt.Sprintf("Match(%d)", int(m))
}

// ErrUnknownMatch is returned by [ParseMatch] for a name other than strict
// and overlap.
var ErrUnknownMatch = errors.New("evaluate: unknown match mode")

// ParseMatch parses "strict" or "overlap" ("relaxed" and "partial" are
// accepted for overlap).
func ParseMatch(name string) (Match, error) {
	switch strings.ToLower(name) {
	case "strict", "exact":
		return MatchStrict, nil
	case "overlap", "relaxed", "partial":
		return MatchOverlap, nil
	}
	return 0, fmt.Errorf("%w: %q (want strict or overlap)", ErrUnknownMatch, name)
}

// LengthBucket groups entities by length in words ([WordCount]).
type LengthBucket int

// The length buckets: one word, two words, three or more.
const (
	Len1 LengthBucket = iota
	Len2
	Len3Plus
	numBuckets
)

// String returns "1", "2" or "3+".
func (b LengthBucket) String() string { return [...]string{"1", "2", "3+"}[b] }

// BucketOf returns the bucket of an entity of the given word count; zero
// words (a span of spaces only) counts as one.
func BucketOf(words int) LengthBucket {
	switch {
	case words <= 1:
		return Len1
	case words == 2:
		return Len2
	}
	return Len3Plus
}

// Counts are the tallies behind one row of scores. Gold and Pred count the
// gold and predicted spans; GoldMatched and PredMatched count those that were
// matched. Matching is one-to-one, so in a per-type or total row
// GoldMatched == PredMatched (the true positives); in a length row gold spans
// are bucketed by their own length and predictions by theirs, so the two may
// differ.
type Counts struct {
	Gold        int `json:"gold"`
	Pred        int `json:"predicted"`
	GoldMatched int `json:"gold_matched"`
	PredMatched int `json:"predicted_matched"`
}

// PRF is precision, recall and F1, each 0 when its denominator is 0.
type PRF struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// PRF computes precision = PredMatched/Pred, recall = GoldMatched/Gold and
// their harmonic mean.
func (c Counts) PRF() PRF {
	var s PRF
	if c.Pred > 0 {
		s.Precision = float64(c.PredMatched) / float64(c.Pred)
	}
	if c.Gold > 0 {
		s.Recall = float64(c.GoldMatched) / float64(c.Gold)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	return s
}

func (c *Counts) add(o Counts) {
	c.Gold += o.Gold
	c.Pred += o.Pred
	c.GoldMatched += o.GoldMatched
	c.PredMatched += o.PredMatched
}

// TypeScore is the score of one entity type.
type TypeScore struct {
	Type string `json:"type"`
	Counts
	PRF
}

// LengthScore is the score of one length bucket: recall over the gold
// spans of that length, precision over the predictions of that length.
type LengthScore struct {
	Bucket string `json:"bucket"`
	Counts
	PRF
}

// Scores is the outcome of a [Scorer].
type Scores struct {
	Match string `json:"match"`
	// Micro pools the counts of all types.
	Micro PRF    `json:"micro"`
	Total Counts `json:"total"`
	// Macro is the unweighted mean of the per-type precision, recall and F1
	// (the mean of F1s, as seqeval and scikit-learn compute it), over the types
	// that occur in the gold spans or the predictions.
	Macro   PRF           `json:"macro"`
	Types   []TypeScore   `json:"types"`
	Lengths []LengthScore `json:"lengths"`
}

// Scorer accumulates matches over documents.
type Scorer struct {
	match   Match
	types   map[string]*Counts
	lengths [numBuckets]Counts
}

// NewScorer returns a scorer for the given match mode.
func NewScorer(m Match) *Scorer {
	return &Scorer{match: m, types: map[string]*Counts{}}
}

// Add scores the predictions of one text against its gold spans. Offsets
// are code points into text, which is used to count words.
func (s *Scorer) Add(text string, gold, pred []Span) { s.add(text, gold, pred) }

// docMatch is the outcome of matching one text: the gold spans and the
// predictions in text order and which of them were matched.
type docMatch struct {
	gold, pred       []Span
	goldHit, predHit []bool
}

// add is [Scorer.Add], returning the match.
func (s *Scorer) add(text string, gold, pred []Span) docMatch {
	gold, pred = sortedSpans(gold), sortedSpans(pred)
	goldHit, predHit := s.matchSpans(gold, pred)
	s.tally(text, gold, pred, goldHit, predHit)
	return docMatch{gold, pred, goldHit, predHit}
}

func (s *Scorer) tally(text string, gold, pred []Span, goldHit, predHit []bool) {
	sl := newRuneSlicer(text)
	for i, g := range gold {
		c := s.counts(g.Label)
		b := &s.lengths[BucketOf(WordCount(sl.slice(g.Start, g.End)))]
		c.Gold++
		b.Gold++
		if goldHit[i] {
			c.GoldMatched++
			b.GoldMatched++
		}
	}
	for i, p := range pred {
		c := s.counts(p.Label)
		b := &s.lengths[BucketOf(WordCount(sl.slice(p.Start, p.End)))]
		c.Pred++
		b.Pred++
		if predHit[i] {
			c.PredMatched++
			b.PredMatched++
		}
	}
}

func (s *Scorer) counts(label string) *Counts {
	c := s.types[label]
	if c == nil {
		c = &Counts{}
		s.types[label] = c
	}
	return c
}

// matchSpans pairs predictions with gold spans one to one, predictions in
// text order, each taking the first unmatched gold span that matches it.
func (s *Scorer) matchSpans(gold, pred []Span) (goldHit, predHit []bool) {
	goldHit, predHit = make([]bool, len(gold)), make([]bool, len(pred))
	for i, p := range pred {
		for j, g := range gold {
			if goldHit[j] || g.Label != p.Label || !s.matches(g, p) {
				continue
			}
			goldHit[j], predHit[i] = true, true
			break
		}
	}
	return goldHit, predHit
}

func (s *Scorer) matches(g, p Span) bool {
	if s.match == MatchOverlap {
		return g.Start < p.End && p.Start < g.End
	}
	return g.Start == p.Start && g.End == p.End
}

// Scores returns the scores of everything added so far.
func (s *Scorer) Scores() Scores {
	out := Scores{Match: s.match.String()}
	for _, t := range sortedKeys(s.types) {
		c := *s.types[t]
		ts := TypeScore{Type: t, Counts: c, PRF: c.PRF()}
		out.Types = append(out.Types, ts)
		out.Total.add(c)
		out.Macro.Precision += ts.Precision
		out.Macro.Recall += ts.Recall
		out.Macro.F1 += ts.F1
	}
	if n := float64(len(out.Types)); n > 0 {
		out.Macro.Precision /= n
		out.Macro.Recall /= n
		out.Macro.F1 /= n
	}
	out.Micro = out.Total.PRF()
	for b := Len1; b < numBuckets; b++ {
		out.Lengths = append(out.Lengths, LengthScore{Bucket: b.String(), Counts: s.lengths[b], PRF: s.lengths[b].PRF()})
	}
	return out
}

// sortedSpans returns a copy of spans ordered by start, end and label.
func sortedSpans(spans []Span) []Span {
	out := append([]Span(nil), spans...)
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		if a.End != b.End {
			return a.End < b.End
		}
		return a.Label < b.Label
	})
	return out
}
