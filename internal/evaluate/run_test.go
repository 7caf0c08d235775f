package evaluate

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/gliner"
)

// oracle is a fake extractor that returns the gold spans of each text whose
// type maps to a requested label, optionally dropping the entities of one
// label, in byte and rune offsets.
type oracle struct {
	gold  map[string][]Span // by text, corpus types
	label map[string]string
	drop  string
	calls int
	err   error
	asked []string // the labels of the last call
}

func (o *oracle) ExtractBatch(ctx context.Context, texts, labels []string, opts ...gliner.ExtractOption) ([][]gliner.Entity, error) {
	o.calls++
	o.asked = labels
	if o.err != nil {
		return nil, o.err
	}
	want := map[string]bool{}
	for _, l := range labels {
		want[l] = true
	}
	out := make([][]gliner.Entity, len(texts))
	for i, text := range texts {
		sl := newRuneSlicer(text)
		for _, g := range o.gold[text] {
			l := o.label[g.Label]
			if !want[l] || l == o.drop {
				continue
			}
			out[i] = append(out[i], gliner.Entity{Label: l, Score: 0.9, Text: sl.slice(g.Start, g.End),
				Start: sl.bytes[g.Start], End: sl.bytes[g.End], RuneStart: g.Start, RuneEnd: g.End})
		}
	}
	return out, nil
}

func newOracle(c *Corpus, label map[string]string) *oracle {
	o := &oracle{gold: map[string][]Span{}, label: label}
	for _, d := range c.Docs {
		o.gold[d.Text] = d.Entities
	}
	return o
}

func TestRunPerfectAndMerged(t *testing.T) {
	c, err := ReadPubTator(strings.NewReader(pubSample))
	if err != nil {
		t.Fatal(err)
	}
	// Default labels: one per type, lower-cased.
	o := newOracle(c, map[string]string{"Chemical": "chemical", "Disease": "disease"})
	rep, err := Run(context.Background(), o, c, Options{Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkPRF(t, "micro", rep.Scores.Micro, 1, 1, 1)
	checkPRF(t, "macro", rep.Scores.Macro, 1, 1, 1)
	if o.calls != 2 || rep.Texts != 2 || rep.Cost.Texts != 2 {
		t.Errorf("calls %d texts %d cost texts %d", o.calls, rep.Texts, rep.Cost.Texts)
	}
	if rep.Cost.LatencyP95Ms < rep.Cost.LatencyP50Ms || rep.Cost.TextsPerSecond <= 0 || rep.Cost.GoHeapPeakBytes == 0 {
		t.Errorf("cost = %+v", rep.Cost)
	}
	if PeakRSS() == 0 {
		t.Log("no /proc/self/status: RSS peak not measured")
	}

	// Both types mapped to one label are scored as one type; dropping the
	// label's entities gives recall 0.
	o = newOracle(c, map[string]string{"Chemical": "entity", "Disease": "entity"})
	o.drop = "entity"
	rep, err = Run(context.Background(), o, c, Options{Labels: map[string]string{"Chemical": "entity", "Disease": "entity"}, Match: MatchOverlap})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Scores.Types) != 1 || rep.Scores.Types[0].Type != "entity" || rep.Scores.Types[0].Gold != 5 || rep.Scores.Micro.Recall != 0 {
		t.Errorf("merged scores = %+v", rep.Scores)
	}
	if rep.Scores.Match != "overlap" || len(rep.Labels) != 1 || strings.Join(rep.Labels[0].Types, ",") != "Chemical,Disease" {
		t.Errorf("match %s labels %+v", rep.Scores.Match, rep.Labels)
	}
}

// TestRunExtraLabels prompts labels that are not scored: the model sees
// them, their predictions are dropped, and the scores are those of the
// mapped labels alone.
func TestRunExtraLabels(t *testing.T) {
	c, err := ReadPubTator(strings.NewReader(pubSample))
	if err != nil {
		t.Fatal(err)
	}
	o := newOracle(c, map[string]string{"Chemical": "chemical", "Disease": "disease"})
	opts := Options{Labels: map[string]string{"Disease": "disease"}, ExtraLabels: []string{"gene", "disease", "chemical", "gene"}}
	rep, err := Run(context.Background(), o, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(o.asked, ","); got != "disease,gene,chemical" {
		t.Errorf("prompted labels %q, want disease,gene,chemical", got)
	}
	checkPRF(t, "micro", rep.Scores.Micro, 1, 1, 1)
	if len(rep.Scores.Types) != 1 || rep.Scores.Types[0].Type != "disease" || rep.Scores.Total.Pred != rep.Scores.Total.Gold {
		t.Errorf("scores = %+v", rep.Scores)
	}
	if got := strings.Join(rep.ExtraLabels, ","); got != "gene,chemical" {
		t.Errorf("report extra labels %q, want gene,chemical", got)
	}
}

func TestRunLimitAndErrors(t *testing.T) {
	c, _ := ReadPubTator(strings.NewReader(pubSample))
	o := newOracle(c, map[string]string{"Chemical": "chemical"})
	rep, err := Run(context.Background(), o, c, Options{Labels: map[string]string{"Chemical": "chemical"}, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Texts != 1 || rep.Scores.Total.Gold != 2 || rep.Scores.Micro.F1 != 1 {
		t.Errorf("limit 1: texts %d total %+v", rep.Texts, rep.Scores.Total)
	}
	boom := errors.New("boom")
	o.err = boom
	if _, err := Run(context.Background(), o, c, Options{}); !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
	if _, err := Run(context.Background(), o, &Corpus{}, Options{}); !errors.Is(err, ErrNoLabels) {
		t.Errorf("empty corpus: err = %v, want ErrNoLabels", err)
	}
}

func TestParseLabelMap(t *testing.T) {
	m, err := ParseLabelMap(" Disease=disease , Chemical = chemical compound,cell_line")
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 3 || m["Disease"] != "disease" || m["Chemical"] != "chemical compound" || m["cell_line"] != "cell line" {
		t.Errorf("map = %v", m)
	}
	for _, bad := range []string{"", "=x", "A=", "A=x,A=y", ","} {
		if _, err := ParseLabelMap(bad); !errors.Is(err, ErrLabelMap) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func sampleReport(t testing.TB) *Report {
	t.Helper()
	s := NewScorer(MatchStrict)
	s.Add(handText, handGold, handPred)
	s.Add(handText, handGold, handGold)
	return &Report{Name: "fixture <b>", Model: "testdata/models/span-bert", Data: "hand.jsonl", Format: "jsonl",
		Threshold: 0.5, Batch: 8, Texts: 2, Scores: s.Scores(),
		Labels: []LabelMapping{{Label: "Chem", Types: []string{"Chem"}}},
		Cost:   Cost{Texts: 2, Seconds: 0.5, TextsPerSecond: 4, LatencyP50Ms: 200, LatencyP95Ms: 300, RSSPeakBytes: 200 << 20}}
}

func TestReportJSONAndTable(t *testing.T) {
	r := sampleReport(t)
	path := filepath.Join(t.TempDir(), "r.json")
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(path, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Scores.Micro != r.Scores.Micro || back.Cost != r.Cost || len(back.Scores.Types) != 3 || back.Scores.Lengths[2] != r.Scores.Lengths[2] {
		t.Errorf("round trip differs: %+v", back)
	}
	buf.Reset()
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"Chem", "micro", "macro", "3+", "texts/s", "p95", "200.0 MiB"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
