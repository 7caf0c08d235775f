package evaluate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

const tol = 1e-9

func near(a, b float64) bool { return math.Abs(a-b) <= tol }

func checkPRF(t *testing.T, what string, got PRF, p, r, f float64) {
	t.Helper()
	if !near(got.Precision, p) || !near(got.Recall, r) || !near(got.F1, f) {
		t.Errorf("%s = P %.6f R %.6f F1 %.6f, want P %.6f R %.6f F1 %.6f", what, got.Precision, got.Recall, got.F1, p, r, f)
	}
}

// The hand-computed case:
//
//	aspirin causes severe liver damage in rats
//	0       8      15     22    28     35 38
//
// gold: aspirin/Chem (1 word), "severe liver damage"/Dis (3), rats/Species (1)
// pred: aspirin/Chem, "liver damage"/Dis (2), rats/Dis, causes/Chem
const handText = "aspirin causes severe liver damage in rats"

var (
	handGold = []Span{{0, 7, "Chem"}, {15, 34, "Dis"}, {38, 42, "Species"}}
	handPred = []Span{{38, 42, "Dis"}, {0, 7, "Chem"}, {22, 34, "Dis"}, {8, 14, "Chem"}}
)

func TestScorerStrictHand(t *testing.T) {
	s := NewScorer(MatchStrict)
	s.Add(handText, handGold, handPred)
	got := s.Scores()
	// Chem: 1 gold, 2 pred, 1 TP; Dis: 1, 2, 0; Species: 1, 0, 0.
	checkPRF(t, "Chem", got.Types[0].PRF, 0.5, 1, 2.0/3)
	checkPRF(t, "Dis", got.Types[1].PRF, 0, 0, 0)
	checkPRF(t, "Species", got.Types[2].PRF, 0, 0, 0)
	// micro: 1 TP of 4 predicted and 3 gold.
	checkPRF(t, "micro", got.Micro, 0.25, 1.0/3, 2*0.25*(1.0/3)/(0.25+1.0/3))
	checkPRF(t, "macro", got.Macro, 0.5/3, 1.0/3, (2.0/3)/3)
	// lengths: gold 1-word {aspirin hit, rats miss}, 3+ {severe liver damage miss};
	// predictions 1-word {aspirin hit, rats miss, causes miss}, 2-word {liver damage miss}.
	wantLen := []Counts{{Gold: 2, GoldMatched: 1, Pred: 3, PredMatched: 1}, {Pred: 1}, {Gold: 1}}
	for i, l := range got.Lengths {
		if l.Counts != wantLen[i] {
			t.Errorf("length %s counts = %+v, want %+v", l.Bucket, l.Counts, wantLen[i])
		}
	}
	checkPRF(t, "length 1", got.Lengths[0].PRF, 1.0/3, 0.5, 0.4)
	if got.Total != (Counts{Gold: 3, Pred: 4, GoldMatched: 1, PredMatched: 1}) {
		t.Errorf("total = %+v", got.Total)
	}
}

func TestScorerOverlapHand(t *testing.T) {
	s := NewScorer(MatchOverlap)
	s.Add(handText, handGold, handPred)
	got := s.Scores()
	checkPRF(t, "Chem", got.Types[0].PRF, 0.5, 1, 2.0/3)
	checkPRF(t, "Dis", got.Types[1].PRF, 0.5, 1, 2.0/3) // "liver damage" overlaps "severe liver damage"
	checkPRF(t, "Species", got.Types[2].PRF, 0, 0, 0)   // "rats" predicted as Dis: wrong type
	checkPRF(t, "micro", got.Micro, 0.5, 2.0/3, 2*0.5*(2.0/3)/(0.5+2.0/3))
	checkPRF(t, "macro", got.Macro, 1.0/3, 2.0/3, (4.0/3)/3)
	wantLen := []Counts{{Gold: 2, GoldMatched: 1, Pred: 3, PredMatched: 1}, {Pred: 1, PredMatched: 1}, {Gold: 1, GoldMatched: 1}}
	for i, l := range got.Lengths {
		if l.Counts != wantLen[i] {
			t.Errorf("length %s counts = %+v, want %+v", l.Bucket, l.Counts, wantLen[i])
		}
	}
}

func TestScorerOverlapOneToOne(t *testing.T) {
	text := strings.Repeat("w ", 20)
	for _, tc := range []struct {
		name       string
		gold, pred []Span
		want       Counts
	}{
		{"two predictions in one gold", []Span{{0, 20, "X"}}, []Span{{6, 20, "X"}, {0, 5, "X"}}, Counts{Gold: 1, Pred: 2, GoldMatched: 1, PredMatched: 1}},
		{"one prediction over two gold", []Span{{0, 5, "X"}, {6, 10, "X"}}, []Span{{0, 10, "X"}}, Counts{Gold: 2, Pred: 1, GoldMatched: 1, PredMatched: 1}},
		{"touching is not overlapping", []Span{{0, 5, "X"}}, []Span{{5, 9, "X"}}, Counts{Gold: 1, Pred: 1}},
		{"greedy in text order", []Span{{0, 4, "X"}, {4, 10, "X"}}, []Span{{2, 6, "X"}, {3, 5, "X"}}, Counts{Gold: 2, Pred: 2, GoldMatched: 2, PredMatched: 2}},
		{"duplicate predictions", []Span{{0, 4, "X"}}, []Span{{0, 4, "X"}, {0, 4, "X"}}, Counts{Gold: 1, Pred: 2, GoldMatched: 1, PredMatched: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewScorer(MatchOverlap)
			s.Add(text, tc.gold, tc.pred)
			if got := s.Scores().Total; got != tc.want {
				t.Errorf("total = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestScorerEmpty(t *testing.T) {
	got := NewScorer(MatchStrict).Scores()
	checkPRF(t, "micro", got.Micro, 0, 0, 0)
	checkPRF(t, "macro", got.Macro, 0, 0, 0)
	if len(got.Types) != 0 || len(got.Lengths) != 3 {
		t.Errorf("types %v lengths %v", got.Types, got.Lengths)
	}
}

func TestWordCount(t *testing.T) {
	for s, want := range map[string]int{
		"":                               0,
		"cancer":                         1,
		"breast cancer":                  2,
		"H2-receptor":                    1,
		"non-Indian childhood cirrhosis": 3,
		"IL-2 ( p55 )":                   4,
		"3.14":                           3,
		"Café au lait":                   3,
	} {
		if got := WordCount(s); got != want {
			t.Errorf("WordCount(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestPercentile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for p, want := range map[float64]float64{50: 5, 95: 10, 90: 9, 10: 1, 100: 10, 0: 1} {
		if got := Percentile(xs, p); got != want {
			t.Errorf("Percentile(%v) = %v, want %v", p, got, want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty percentile not 0")
	}
}

// seqevalEntity is an entity as seqeval's strict IOB2 mode finds it.
type seqevalEntity struct {
	sent, start, end int
	typ              string
}

// seqevalStrict is an independent implementation of seqeval's strict mode
// (mode="strict", scheme=IOB2, seqeval/scheme.py): a token starts an entity
// when its prefix is B; the entity extends over following tokens whose
// prefix is I and whose type equals the previous token's; I tokens that are
// not inside an entity are ignored. Scores: precision = correct/predicted,
// recall = correct/true per type, micro over all, macro = mean over the
// sorted union of the types of true and predicted entities.
func seqevalStrict(trueTags, predTags [][]string) (perType map[string]PRF, micro, macro PRF) {
	entities := func(seqs [][]string) map[seqevalEntity]bool {
		out := map[seqevalEntity]bool{}
		for si, seq := range seqs {
			prefix := func(i int) byte { return seq[i][0] }
			typ := func(i int) string {
				if seq[i] == "O" {
					return ""
				}
				return seq[i][2:]
			}
			for i := 0; i < len(seq); i++ {
				if prefix(i) != 'B' {
					continue
				}
				end := i + 1
				for end < len(seq) && prefix(end) == 'I' && typ(end) == typ(end-1) {
					end++
				}
				out[seqevalEntity{si, i, end, typ(i)}] = true
			}
		}
		return out
	}
	te, pe := entities(trueTags), entities(predTags)
	nTrue, nPred, nCorrect := map[string]float64{}, map[string]float64{}, map[string]float64{}
	types := map[string]bool{}
	for e := range te {
		nTrue[e.typ]++
		types[e.typ] = true
		if pe[e] {
			nCorrect[e.typ]++
		}
	}
	for e := range pe {
		nPred[e.typ]++
		types[e.typ] = true
	}
	prf := func(c, p, t float64) PRF {
		var s PRF
		if p > 0 {
			s.Precision = c / p
		}
		if t > 0 {
			s.Recall = c / t
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		return s
	}
	perType = map[string]PRF{}
	var c, p, tr float64
	names := make([]string, 0, len(types))
	for k := range types {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		s := prf(nCorrect[k], nPred[k], nTrue[k])
		perType[k] = s
		macro.Precision += s.Precision / float64(len(names))
		macro.Recall += s.Recall / float64(len(names))
		macro.F1 += s.F1 / float64(len(names))
		c, p, tr = c+nCorrect[k], p+nPred[k], tr+nTrue[k]
	}
	return perType, prf(c, p, tr), macro
}

func randomTags(r *rand.Rand, n int) []string {
	types := []string{"Disease", "Chemical", "GENE"}
	tags := make([]string, n)
	for i := range tags {
		switch x := r.IntN(10); {
		case x < 5:
			tags[i] = "O"
		case x < 7:
			tags[i] = "B-" + types[r.IntN(len(types))]
		default:
			// mostly continuing the previous type, sometimes stray
			if i > 0 && tags[i-1] != "O" && r.IntN(4) > 0 {
				tags[i] = "I-" + tags[i-1][2:]
			} else {
				tags[i] = "I-" + types[r.IntN(len(types))]
			}
		}
	}
	return tags
}

// TestScorerMatchesSeqeval reads random gold and predicted IOB2 sequences
// through ReadCoNLL and scores them strictly, and compares every number with
// the independent seqeval implementation above.
func TestScorerMatchesSeqeval(t *testing.T) {
	words := []string{"aspirin", "µg", "Café", "x-ray", "(", "2,3", "IL-2", "cancer", "of", "the", "β-catenin"}
	for seed := uint64(1); seed <= 40; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		var trueTags, predTags [][]string
		var gold, pred strings.Builder
		for s := 0; s < 1+r.IntN(12); s++ {
			n := 1 + r.IntN(15)
			tt, pt := randomTags(r, n), randomTags(r, n)
			if r.IntN(3) == 0 { // predictions close to the gold
				copy(pt, tt)
				pt[r.IntN(n)] = "O"
			}
			trueTags, predTags = append(trueTags, tt), append(predTags, pt)
			for i := 0; i < n; i++ {
				w := words[r.IntN(len(words))]
				fmt.Fprintf(&gold, "%s\t%s\n", w, tt[i])
				fmt.Fprintf(&pred, "%s\t%s\n", w, pt[i])
			}
			gold.WriteString("\n")
			pred.WriteString("\n")
		}
		gc, err := ReadCoNLL(strings.NewReader(gold.String()))
		if err != nil {
			t.Fatal(err)
		}
		pc, err := ReadCoNLL(strings.NewReader(pred.String()))
		if err != nil {
			t.Fatal(err)
		}
		sc := NewScorer(MatchStrict)
		for i := range gc.Docs {
			if gc.Docs[i].Text != pc.Docs[i].Text {
				t.Fatalf("seed %d: texts differ", seed)
			}
			sc.Add(gc.Docs[i].Text, gc.Docs[i].Entities, pc.Docs[i].Entities)
		}
		got := sc.Scores()
		perType, micro, macro := seqevalStrict(trueTags, predTags)
		checkPRF(t, fmt.Sprintf("seed %d micro", seed), got.Micro, micro.Precision, micro.Recall, micro.F1)
		checkPRF(t, fmt.Sprintf("seed %d macro", seed), got.Macro, macro.Precision, macro.Recall, macro.F1)
		if len(got.Types) != len(perType) {
			t.Errorf("seed %d: %d types, seqeval %d", seed, len(got.Types), len(perType))
		}
		for _, ts := range got.Types {
			want := perType[ts.Type]
			checkPRF(t, fmt.Sprintf("seed %d %s", seed, ts.Type), ts.PRF, want.Precision, want.Recall, want.F1)
		}
	}
}

// biomedRelaxed transcribes the relaxed span evaluation of the GLiNER-biomed
// evaluator (NEREvaluator._calculate_metrics with span_based=True): spans are
// (start, end, label) word indices with inclusive ends; per text, each
// prediction in order takes the first unmatched gold span of its label with
// p_start <= t_end and t_start <= p_end. Macro averages over the labels
// that received any count.
func biomedRelaxed(golds, preds [][]Span) (perType map[string]PRF, micro, macro PRF) {
	type counts struct{ tp, fp, fn float64 }
	metrics := map[string]*counts{}
	get := func(l string) *counts {
		if metrics[l] == nil {
			metrics[l] = &counts{}
		}
		return metrics[l]
	}
	var g counts
	for i := range golds {
		matched := make([]bool, len(golds[i]))
		for _, p := range preds[i] {
			found := false
			for j, t := range golds[i] {
				if !matched[j] && p.Label == t.Label && p.Start <= t.End && t.Start <= p.End {
					matched[j], found = true, true
					get(p.Label).tp++
					g.tp++
					break
				}
			}
			if !found {
				get(p.Label).fp++
				g.fp++
			}
		}
		for j, t := range golds[i] {
			if !matched[j] {
				get(t.Label).fn++
				g.fn++
			}
		}
	}
	prf := func(c counts) PRF {
		var s PRF
		if c.tp+c.fp > 0 {
			s.Precision = c.tp / (c.tp + c.fp)
		}
		if c.tp+c.fn > 0 {
			s.Recall = c.tp / (c.tp + c.fn)
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		return s
	}
	perType = map[string]PRF{}
	for l, c := range metrics {
		s := prf(*c)
		perType[l] = s
		macro.Precision += s.Precision / float64(len(metrics))
		macro.Recall += s.Recall / float64(len(metrics))
		macro.F1 += s.F1 / float64(len(metrics))
	}
	return perType, prf(g), macro
}

// TestScorerMatchesBiomedRelaxed compares MatchOverlap with the transcribed
// GLiNER-biomed evaluator on random word-aligned spans, overlapping and
// nested included. Texts are words of one letter joined by spaces, so word i
// covers characters [2i, 2i+1).
func TestScorerMatchesBiomedRelaxed(t *testing.T) {
	labels := []string{"disease", "chemical", "gene"}
	randSpans := func(r *rand.Rand, words int) []Span {
		var out []Span
		for k := r.IntN(6); k > 0; k-- {
			s := r.IntN(words)
			e := min(words-1, s+r.IntN(4)) // inclusive end word
			out = append(out, Span{Start: s, End: e, Label: labels[r.IntN(len(labels))]})
		}
		return sortedSpans(out)
	}
	toChars := func(ws []Span) []Span {
		out := make([]Span, len(ws))
		for i, w := range ws {
			out[i] = Span{Start: 2 * w.Start, End: 2*w.End + 1, Label: w.Label}
		}
		return out
	}
	for seed := uint64(1); seed <= 200; seed++ {
		r := rand.New(rand.NewPCG(seed, 11))
		sc := NewScorer(MatchOverlap)
		var golds, preds [][]Span
		for d := 0; d < 1+r.IntN(5); d++ {
			words := 1 + r.IntN(12)
			text := strings.TrimSpace(strings.Repeat("w ", words))
			gw, pw := randSpans(r, words), randSpans(r, words)
			golds, preds = append(golds, gw), append(preds, pw)
			sc.Add(text, toChars(gw), toChars(pw))
		}
		got := sc.Scores()
		perType, micro, macro := biomedRelaxed(golds, preds)
		checkPRF(t, fmt.Sprintf("seed %d micro", seed), got.Micro, micro.Precision, micro.Recall, micro.F1)
		checkPRF(t, fmt.Sprintf("seed %d macro", seed), got.Macro, macro.Precision, macro.Recall, macro.F1)
		if len(got.Types) != len(perType) {
			t.Fatalf("seed %d: %d types, evaluator %d", seed, len(got.Types), len(perType))
		}
		for _, ts := range got.Types {
			want := perType[ts.Type]
			checkPRF(t, fmt.Sprintf("seed %d %s", seed, ts.Type), ts.PRF, want.Precision, want.Recall, want.F1)
		}
	}
}
