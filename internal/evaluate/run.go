package evaluate

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gliner-go/gliner/gliner"
)

// Extractor is the part of [gliner.Model] that [Run] needs.
type Extractor interface {
	ExtractBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([][]gliner.Entity, error)
}

// Options configures [Run]. The zero value scores strictly with default
// labels, all texts in one extractor call and no limit.
type Options struct {
	// Match is the matching mode; zero means [MatchStrict].
	Match Match
	// Labels maps corpus types to the natural-language labels given to the
	// model. Several types may map to one label (they are then scored as one
	// type). When nil, every corpus type T gets [DefaultLabel](T); when not
	// nil, gold spans of unlisted types are dropped.
	Labels map[string]string
	// ExtraLabels are prompted together with the mapped labels but not
	// scored: predictions with an extra label are dropped before matching.
	// This measures a model the way users prompt it (several types at
	// once) on a corpus that annotates only some of them. An extra label
	// that is also a mapped label is scored as the mapped one.
	ExtraLabels []string
	// Extract are the per-call options passed to the extractor.
	Extract []gliner.ExtractOption
	// Batch is the number of texts per extractor call; zero passes all
	// texts in one call. The model owns batching (gliner.WithBatchSize):
	// give Batch the model's batch size, so that each call is one model
	// call and the latency per text and the progress are per model call.
	Batch int
	// Limit, when positive, evaluates only the first Limit documents.
	Limit int
	// Progress, when set, is called after each batch with the number of
	// documents done and the total.
	Progress func(done, total int)
}

// DefaultLabel turns a corpus type into a label: lower case, underscores as
// spaces ("cell_line" → "cell line", "GENE" → "gene").
func DefaultLabel(typ string) string {
	return strings.ToLower(strings.ReplaceAll(typ, "_", " "))
}

// ParseLabelMap parses "Type=label,Type2=label two" into a map. Whitespace
// around names is trimmed; an entry without "=" maps a type to
// [DefaultLabel] of itself.
func ParseLabelMap(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		typ, label, ok := strings.Cut(item, "=")
		typ, label = strings.TrimSpace(typ), strings.TrimSpace(label)
		if !ok {
			label = DefaultLabel(typ)
		}
		if typ == "" || label == "" {
			return nil, fmt.Errorf("%w: %q (want Type=label)", ErrLabelMap, item)
		}
		if _, dup := m[typ]; dup {
			return nil, fmt.Errorf("%w: type %q given twice", ErrLabelMap, typ)
		}
		m[typ] = label
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%w: no Type=label entries", ErrLabelMap)
	}
	return m, nil
}

// ErrLabelMap is returned by [ParseLabelMap] for a malformed map.
var ErrLabelMap = errors.New("evaluate: bad label map")

// ErrNoLabels is returned by [Run] when no corpus type maps to a label.
var ErrNoLabels = errors.New("evaluate: no entity types to evaluate")

// Cost is what a run cost. Latency per text is the wall time of the batch
// holding the text divided by the batch size. Peak memory: GoHeapPeakBytes
// and GoRuntimePeakBytes are the largest live Go heap and the largest memory
// the Go runtime held from the OS, sampled after each batch; RSSPeakBytes is
// the process's resident-set high-water mark (VmHWM of /proc/self/status,
// which includes memory ONNX Runtime allocates natively and the model
// loading), 0 where unavailable.
type Cost struct {
	Texts              int     `json:"texts"`
	Seconds            float64 `json:"seconds"`
	TextsPerSecond     float64 `json:"texts_per_second"`
	LatencyP50Ms       float64 `json:"latency_p50_ms"`
	LatencyP95Ms       float64 `json:"latency_p95_ms"`
	GoHeapPeakBytes    uint64  `json:"go_heap_peak_bytes"`
	GoRuntimePeakBytes uint64  `json:"go_runtime_peak_bytes"`
	RSSPeakBytes       uint64  `json:"rss_peak_bytes"`
}

// Run extracts entities from every document with the mapped labels, scores
// them against the gold spans and measures the cost. The returned report
// has Scores, Cost, Labels and Texts set; the caller fills in the settings.
func Run(ctx context.Context, ex Extractor, c *Corpus, opts Options) (*Report, error) {
	opts = opts.withDefaults()
	labelOf := opts.Labels
	if labelOf == nil {
		labelOf = map[string]string{}
		for _, t := range c.Types() {
			labelOf[t] = DefaultLabel(t)
		}
	}
	scored := distinctLabels(labelOf)
	if len(scored) == 0 {
		return nil, ErrNoLabels
	}
	labels := promptLabels(scored, opts.ExtraLabels)
	docs := c.Docs
	if opts.Limit > 0 && opts.Limit < len(docs) {
		docs = docs[:opts.Limit]
	}
	scorer := NewScorer(opts.Match)
	var mem memSampler
	latencies := make([]float64, 0, len(docs))
	start := time.Now()
	step := opts.Batch
	if step <= 0 {
		step = max(len(docs), 1)
	}
	for i := 0; i < len(docs); i += step {
		batch := docs[i:min(i+step, len(docs))]
		t0 := time.Now()
		preds, err := ex.ExtractBatch(ctx, docTexts(batch), labels, opts.Extract...)
		elapsed := time.Since(t0)
		if err != nil {
			return nil, fmt.Errorf("evaluate: documents %d-%d: %w", i+1, i+len(batch), err)
		}
		if len(preds) != len(batch) {
			return nil, fmt.Errorf("evaluate: extractor returned %d results for %d texts", len(preds), len(batch))
		}
		for k, d := range batch {
			scorer.Add(d.Text, mapGold(d.Entities, labelOf), predSpans(d.Text, preds[k], scored))
			latencies = append(latencies, elapsed.Seconds()*1000/float64(len(batch)))
		}
		mem.sample()
		if opts.Progress != nil {
			opts.Progress(i+len(batch), len(docs))
		}
	}
	total := time.Since(start).Seconds()
	r := &Report{Scores: scorer.Scores(), Texts: len(docs), Labels: labelMapping(labelOf)}
	r.ExtraLabels = unscored(labels, scored)
	r.Scores.Match = opts.Match.String()
	r.Cost = mem.cost(len(docs), total, latencies)
	return r, nil
}

func (o Options) withDefaults() Options {
	if o.Match == 0 {
		o.Match = MatchStrict
	}
	return o
}

func distinctLabels(m map[string]string) []string {
	seen := map[string]bool{}
	for _, l := range m {
		seen[l] = true
	}
	return sortedKeys(seen)
}

// promptLabels is the scored labels followed by the extra labels that are
// not among them, each once, in the order given.
func promptLabels(scored, extra []string) []string {
	out := append([]string(nil), scored...)
	return append(out, unscored(extra, scored)...)
}

// unscored is the labels of ls that are not in scored, each once.
func unscored(ls, scored []string) []string {
	seen := map[string]bool{}
	for _, l := range scored {
		seen[l] = true
	}
	var out []string
	for _, l := range ls {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

func docTexts(docs []Document) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.Text
	}
	return out
}

func mapGold(gold []Span, labelOf map[string]string) []Span {
	out := make([]Span, 0, len(gold))
	for _, g := range gold {
		if l, ok := labelOf[g.Label]; ok {
			out = append(out, Span{Start: g.Start, End: g.End, Label: l})
		}
	}
	return out
}

// predSpans converts the entities with a scored label to code-point spans.
// The rune offsets are used; an extractor that leaves them zero while
// setting byte offsets gets them converted from the byte offsets.
func predSpans(text string, ents []gliner.Entity, scored []string) []Span {
	out := make([]Span, 0, len(ents))
	for _, e := range ents {
		if !slices.Contains(scored, e.Label) {
			continue
		}
		s, end := e.RuneStart, e.RuneEnd
		if end == 0 && e.End > 0 {
			s, end = byteToRune(text, e.Start), byteToRune(text, e.End)
		}
		out = append(out, Span{Start: s, End: end, Label: e.Label})
	}
	return out
}

// LabelMapping is one label of a run and the corpus types mapped to it.
type LabelMapping struct {
	Label string   `json:"label"`
	Types []string `json:"types"`
}

func labelMapping(labelOf map[string]string) []LabelMapping {
	byLabel := map[string][]string{}
	for t, l := range labelOf {
		byLabel[l] = append(byLabel[l], t)
	}
	var out []LabelMapping
	for _, l := range sortedKeys(byLabel) {
		ts := byLabel[l]
		sort.Strings(ts)
		out = append(out, LabelMapping{Label: l, Types: ts})
	}
	return out
}

// memSampler tracks the Go runtime's peak memory between batches.
type memSampler struct {
	heap, total uint64
	samples     []metrics.Sample
}

func (m *memSampler) sample() {
	if m.samples == nil {
		m.samples = []metrics.Sample{
			{Name: "/memory/classes/heap/objects:bytes"},
			{Name: "/memory/classes/total:bytes"},
		}
	}
	metrics.Read(m.samples)
	if v := m.samples[0].Value; v.Kind() == metrics.KindUint64 {
		m.heap = max(m.heap, v.Uint64())
	}
	if v := m.samples[1].Value; v.Kind() == metrics.KindUint64 {
		m.total = max(m.total, v.Uint64())
	}
}

func (m *memSampler) cost(texts int, seconds float64, latencies []float64) Cost {
	m.sample()
	c := Cost{Texts: texts, Seconds: seconds, GoHeapPeakBytes: m.heap, GoRuntimePeakBytes: m.total, RSSPeakBytes: PeakRSS()}
	if seconds > 0 {
		c.TextsPerSecond = float64(texts) / seconds
	}
	c.LatencyP50Ms = Percentile(latencies, 50)
	c.LatencyP95Ms = Percentile(latencies, 95)
	return c
}

// Percentile returns the p-th percentile of xs by the nearest-rank method
// (the smallest value with at least p% of the values at or below it), or 0
// for no values. xs is not modified.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	rank := int(p/100*float64(len(s)) + 0.999999999)
	return s[max(0, min(rank, len(s))-1)]
}
