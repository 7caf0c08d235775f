package evaluate

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/gliner"
)

// handModel answers handPred (lower-cased labels) with fixed scores.
func handModel() *scoredModel {
	ents := []gliner.Entity{
		{Label: "dis", Score: 0.9, RuneStart: 38, RuneEnd: 42},
		{Label: "chem", Score: 0.8, RuneStart: 0, RuneEnd: 7},
		{Label: "dis", Score: 0.6, RuneStart: 22, RuneEnd: 34},
		{Label: "chem", Score: 0.7, RuneStart: 8, RuneEnd: 14},
	}
	return &scoredModel{cands: map[string][]gliner.Entity{handText: ents}}
}

func TestRunErrorsAndConfusion(t *testing.T) {
	c := &Corpus{Docs: []Document{{ID: "h1", Text: handText, Entities: handGold}}}
	rep, err := Run(context.Background(), handModel(), c, Options{Errors: 1})
	if err != nil {
		t.Fatal(err)
	}
	byType := map[string]TypeErrors{}
	for _, e := range rep.Errors {
		byType[e.Type] = e
	}
	dis := byType["dis"]
	if dis.FalsePositives != 2 || dis.FalseNegatives != 1 || len(dis.FalsePositiveList) != 1 || len(dis.FalseNegativeList) != 1 {
		t.Fatalf("dis errors = %+v", dis)
	}
	// The most confident false positive comes first, with its context.
	want := ErrorExample{Doc: 1, DocID: "h1", Start: 38, End: 42, Text: "rats", Before: "aspirin causes severe liver damage in ", After: "", Score: 0.9,
		Near: &Counterpart{Start: 38, End: 42, Label: "species", Text: "rats"}}
	if got := dis.FalsePositiveList[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("dis FP = %+v near %+v\nwant %+v", got, got.Near, want)
	}
	// The missed "severe liver damage" was predicted in part.
	fn := dis.FalseNegativeList[0]
	if fn.Text != "severe liver damage" || fn.Before != "aspirin causes " || fn.After != " in rats" || fn.Score != 0 ||
		fn.Near == nil || fn.Near.Text != "liver damage" || fn.Near.Score != 0.6 {
		t.Errorf("dis FN = %+v near %+v", fn, fn.Near)
	}
	if sp := byType["species"]; sp.FalseNegatives != 1 || sp.FalseNegativeList[0].Near.Label != "dis" || sp.FalseNegativeList[0].Near.Score != 0.9 {
		t.Errorf("species errors = %+v", sp)
	}
	if ch := byType["chem"]; ch.FalsePositives != 1 || ch.FalseNegatives != 0 || ch.FalsePositiveList[0].Text != "causes" || ch.FalsePositiveList[0].Near != nil {
		t.Errorf("chem errors = %+v", ch)
	}
	wantConf := &Confusion{
		Gold:      []string{"Chem", "Dis", "Species", NoneLabel},
		Predicted: []string{"chem", "dis", NoneLabel},
		Counts:    [][]int{{1, 0, 0}, {0, 0, 1}, {0, 1, 0}, {1, 1, 0}},
	}
	if !reflect.DeepEqual(rep.Confusion, wantConf) {
		t.Errorf("confusion = %+v", rep.Confusion)
	}
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"FP 0.900 doc 1: …aspirin causes severe liver damage in [rats]…", `FN       doc 1: …aspirin causes [severe liver damage] in rats…  (predicted "liver damage" as dis, 0.600)`, "gold \\ predicted"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, b.String())
		}
	}
}

func TestRunBootstrapKeepsDocuments(t *testing.T) {
	c, m := sweepCorpus(50, 4)
	m.threshold = 0.5
	rep, err := Run(context.Background(), m, c, Options{Bootstrap: 200, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Documents) != 50 || rep.Documents[0].ID != TextID(c.Docs[0].Text) || rep.Bootstrap == nil || rep.Bootstrap.Resamples != 200 {
		t.Fatalf("documents %d, bootstrap %+v", len(rep.Documents), rep.Bootstrap)
	}
	checkContains(t, "micro", rep.Bootstrap.Micro, rep.Scores.Micro)
	for i, ti := range rep.Bootstrap.Types {
		checkContains(t, ti.Type, ti.PRFIntervals, rep.Scores.Types[i].PRF)
	}
	var b strings.Builder
	rep.WriteTable(&b)
	if !strings.Contains(b.String(), "95% bootstrap intervals (200 resamples of the documents, seed 3)") {
		t.Errorf("table:\n%s", b.String())
	}
	plain, _ := Run(context.Background(), m, c, Options{})
	if plain.Documents != nil || plain.Bootstrap != nil || plain.Errors != nil || plain.Sweep != nil {
		t.Errorf("optional parts without options: %+v", plain)
	}
}
