package evaluate

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
)

// randomDocs makes n documents with random counts of two labels; label
// "b" is found better than "a".
func randomDocs(n int, seed uint64) []DocCounts {
	r := rand.New(rand.NewPCG(seed, 1))
	docs := make([]DocCounts, n)
	for i := range docs {
		docs[i] = DocCounts{ID: TextID(string(rune('a'+i%26)) + itoa(i)), Types: map[string][3]int{}}
		for _, l := range []string{"a", "b"} {
			gold := r.IntN(4)
			hit := 0
			for range gold {
				if r.Float64() < map[string]float64{"a": 0.5, "b": 0.8}[l] {
					hit++
				}
			}
			docs[i].Types[l] = [3]int{gold, hit + r.IntN(2), hit}
		}
	}
	return docs
}

// pointScores pools all documents' counts as the scorer does.
func pointScores(docs []DocCounts) (micro PRF, byType map[string]PRF) {
	t := newCountTable(docs)
	sum := make([]Counts, len(t.types))
	var total Counts
	for _, row := range t.rows {
		for k, c := range row {
			sum[k].add(c)
			total.add(c)
		}
	}
	byType = map[string]PRF{}
	for k, name := range t.types {
		byType[name] = sum[k].PRF()
	}
	return total.PRF(), byType
}

func checkContains(t *testing.T, what string, iv PRFIntervals, p PRF) {
	t.Helper()
	for _, c := range []struct {
		name string
		iv   Interval
		v    float64
	}{{"precision", iv.Precision, p.Precision}, {"recall", iv.Recall, p.Recall}, {"f1", iv.F1, p.F1}} {
		if !c.iv.Contains(c.v) || c.iv.High-c.iv.Low <= 0 || c.iv.High-c.iv.Low > 0.5 {
			t.Errorf("%s %s: interval %+v, point %.4f", what, c.name, c.iv, c.v)
		}
	}
}

func TestBootstrapReproducibleAndContainsPoint(t *testing.T) {
	docs := randomDocs(300, 7)
	a, err := BootstrapScores(docs, DefaultResamples, 42)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := BootstrapScores(docs, DefaultResamples, 42)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed, different intervals:\n%+v\n%+v", a, b)
	}
	c, _ := BootstrapScores(docs, DefaultResamples, 43)
	if reflect.DeepEqual(a.Micro, c.Micro) {
		t.Errorf("seeds 42 and 43 give the same micro intervals %+v", a.Micro)
	}
	micro, byType := pointScores(docs)
	checkContains(t, "micro", a.Micro, micro)
	if len(a.Types) != 2 || a.Types[0].Type != "a" || a.Types[1].Type != "b" {
		t.Fatalf("types = %+v", a.Types)
	}
	for _, ti := range a.Types {
		checkContains(t, ti.Type, ti.PRFIntervals, byType[ti.Type])
	}
	t.Logf("micro F1 %.4f in [%.4f, %.4f]", micro.F1, a.Micro.F1.Low, a.Micro.F1.High)
	if a.Resamples != DefaultResamples || a.Seed != 42 || a.Level != 0.95 {
		t.Errorf("settings %d %d %v", a.Resamples, a.Seed, a.Level)
	}
}

func TestBootstrapErrors(t *testing.T) {
	if _, err := BootstrapScores(randomDocs(3, 1), 0, 1); !errors.Is(err, ErrResamples) {
		t.Errorf("0 resamples: %v", err)
	}
	if _, err := BootstrapScores(nil, 10, 1); !errors.Is(err, ErrNoDocuments) {
		t.Errorf("no documents: %v", err)
	}
}

func TestPairedBootstrap(t *testing.T) {
	docs := randomDocs(200, 3)
	a := &Report{Name: "a", Documents: docs}
	self, err := PairedBootstrap(a, a, 500, 9)
	if err != nil {
		t.Fatal(err)
	}
	if self.Ties != 1 || self.AWins != 0 || self.BWins != 0 || self.PAWins != 0.5 || self.DeltaF1 != 0 || self.Delta != (Interval{}) {
		t.Errorf("run against itself: %+v", self)
	}
	// b misses one more entity in every tenth document: a wins or ties.
	worse := make([]DocCounts, len(docs))
	for i, d := range docs {
		worse[i] = DocCounts{ID: d.ID, Types: map[string][3]int{}}
		for l, c := range d.Types {
			if i%10 == 0 && c[2] > 0 {
				c[2]--
			}
			worse[i].Types[l] = c
		}
	}
	b := &Report{Name: "b", Documents: worse}
	p, err := PairedBootstrap(a, b, 500, 9)
	if err != nil {
		t.Fatal(err)
	}
	if p.AWins < 0.9 || p.BWins != 0 || p.DeltaF1 <= 0 || !p.Delta.Contains(p.DeltaF1) || p.Delta.Low < 0 {
		t.Errorf("a better than b: %+v", p)
	}
	q, _ := PairedBootstrap(a, b, 500, 9)
	if *q != *p {
		t.Errorf("not reproducible: %+v vs %+v", q, p)
	}
	t.Logf("a vs b: %+v", p)
}

func TestPairedBootstrapRefuses(t *testing.T) {
	docs := randomDocs(20, 3)
	a := &Report{Name: "a", Documents: docs}
	other := append([]DocCounts(nil), docs...)
	other[5].ID = TextID("something else")
	for name, b := range map[string]*Report{
		"different text": {Name: "b", Documents: other},
		"fewer":          {Name: "b", Documents: docs[:19]},
	} {
		_, err := PairedBootstrap(a, b, 10, 1)
		var de *DocumentsError
		if !errors.Is(err, ErrDifferentDocuments) || !errors.As(err, &de) {
			t.Errorf("%s: err = %v", name, err)
			continue
		}
		t.Logf("%s: %v", name, err)
	}
	if _, err := PairedBootstrap(a, &Report{Name: "old"}, 10, 1); !errors.Is(err, ErrNoDocuments) {
		t.Errorf("no documents: %v", err)
	}
}
