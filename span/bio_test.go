package span

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

// tok is one token of a hand-written window: its word id (-1: special),
// its text range and its tag probabilities (logits are their logarithms,
// so the softmax gives them back).
type tok struct {
	word       int
	start, end int
	probs      []float64
}

func window(first int, toks ...tok) Window {
	var w Window
	w.FirstToken = first
	for _, t := range toks {
		w.WordIDs = append(w.WordIDs, t.word)
		w.Offsets = append(w.Offsets, Offset{t.start, t.end})
		for _, p := range t.probs {
			w.Logits = append(w.Logits, float32(math.Log(p)))
		}
	}
	return w
}

func special(numTags int) tok {
	p := make([]float64, numTags)
	for i := range p {
		p[i] = 1 / float64(numTags)
	}
	return tok{word: -1, probs: p}
}

// ent is the expected entity: type name, text range, words and score.
type ent struct {
	typ        string
	start, end int
	w0, w1     int
	score      float64
}

func checkEntities(t *testing.T, tags *TagSet, got []BIOEntity, want []ent) {
	t.Helper()
	var g []ent
	for _, e := range got {
		g = append(g, ent{tags.Type(e.Type), e.Start, e.End, e.FirstWord, e.LastWord, float64(e.Score)})
	}
	ok := len(g) == len(want)
	for i := 0; ok && i < len(g); i++ {
		w := want[i]
		ok = g[i].typ == w.typ && g[i].start == w.start && g[i].end == w.end && g[i].w0 == w.w0 && g[i].w1 == w.w1 &&
			math.Abs(g[i].score-w.score) <= 1e-6
	}
	if !ok {
		t.Fatalf("got  %v\nwant %v", g, want)
	}
}

// The running example: "Lung cancer and cisplatin" tokenized as
// [CLS] lung can ##cer and cis ##pla ##tin [SEP].
var (
	exampleTags = []string{"O", "B-DIS", "I-DIS", "B-CHEM", "I-CHEM"}
	exampleToks = []tok{
		special(5),
		{0, 0, 4, []float64{.1, .8, .05, .025, .025}},     // lung: B-DIS .8
		{1, 5, 8, []float64{.1, .05, .8, .025, .025}},     // can: I-DIS .8
		{1, 8, 11, []float64{.9, .025, .025, .025, .025}}, // ##cer: O .9
		{2, 12, 15, []float64{.96, .01, .01, .01, .01}},   // and: O .96
		{3, 16, 19, []float64{.1, .025, .025, .8, .05}},   // cis: B-CHEM .8
		{3, 19, 22, []float64{.1, .1, .05, .05, .7}},      // ##pla: I-CHEM .7
		{3, 22, 25, []float64{.01, .01, .01, .95, .02}},   // ##tin: B-CHEM .95
		special(5),
	}
)

func TestBIOStrategies(t *testing.T) {
	tags, err := NewTagSet(exampleTags, SchemeIOB)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		agg  Aggregation
		want []ent
	}{
		{AggregateNone, []ent{ // one entity per non-O token, type of its tag
			{"DIS", 0, 4, 0, 0, .8}, {"DIS", 5, 8, 1, 1, .8},
			{"CHEM", 16, 19, 3, 3, .8}, {"CHEM", 19, 22, 3, 3, .7}, {"CHEM", 22, 25, 3, 3, .95}}},
		{AggregateSimple, []ent{ // tokens grouped; the B- on ##tin splits "cisplatin"
			{"DIS", 0, 8, 0, 1, .8}, {"CHEM", 16, 22, 3, 3, .75}, {"CHEM", 22, 25, 3, 3, .95}}},
		{AggregateFirst, []ent{ // cancer takes can's I-DIS, cisplatin takes cis's B-CHEM
			{"DIS", 0, 11, 0, 1, .8}, {"CHEM", 16, 25, 3, 3, .8}}},
		{AggregateMax, []ent{ // cancer takes ##cer's O (.9 > .8); cisplatin ##tin's B-CHEM
			{"DIS", 0, 4, 0, 0, .8}, {"CHEM", 16, 25, 3, 3, .95}}},
		{AggregateAverage, []ent{ // cancer: mean O .5 wins; cisplatin: B-CHEM (.8+.05+.95)/3
			{"DIS", 0, 4, 0, 0, .8}, {"CHEM", 16, 25, 3, 3, .6}}},
	}
	var d BIODecoder
	for _, tc := range cases {
		t.Run(tc.agg.String(), func(t *testing.T) {
			got, err := d.Decode(nil, tags, []Window{window(0, exampleToks...)}, BIOOptions{Aggregation: tc.agg})
			if err != nil {
				t.Fatal(err)
			}
			checkEntities(t, tags, got, tc.want)
			if naive := naiveBIO(exampleTags, []Window{window(0, exampleToks...)}, tc.agg, nil); !sameEntities(tags, got, naive) {
				t.Fatalf("naive pipeline transcription: %v", naive)
			}
		})
	}
	t.Run("none reports tags", func(t *testing.T) {
		got, _ := d.Decode(nil, tags, []Window{window(0, exampleToks...)}, BIOOptions{})
		var names []string
		for _, e := range got {
			names = append(names, tags.Tag(e.Tag))
		}
		if want := []string{"B-DIS", "I-DIS", "B-CHEM", "I-CHEM", "B-CHEM"}; !slices.Equal(names, want) {
			t.Fatalf("tags %v, want %v", names, want)
		}
		if got[0].FirstToken != 1 || got[4].LastToken != 7 {
			t.Fatalf("token indices %+v", got)
		}
	})
}

// seq builds a window of one-token words from tag names: each token has
// probability .9 on its tag.
func seq(tags []string, names ...string) Window {
	toks := []tok{special(len(tags))}
	for i, n := range names {
		p := make([]float64, len(tags))
		for j := range p {
			p[j] = .1 / float64(len(tags)-1)
		}
		p[slices.Index(tags, n)] = .9
		toks = append(toks, tok{i, 10 * i, 10*i + 5, p})
	}
	return window(0, append(toks, special(len(tags)))...)
}

func TestBIOSchemes(t *testing.T) {
	iob := []string{"O", "B-DIS", "I-DIS", "B-CHEM", "I-CHEM"}
	bioes := []string{"O", "B-DIS", "I-DIS", "E-DIS", "S-DIS"}
	bilou := []string{"O", "B-DIS", "I-DIS", "L-DIS", "U-DIS"}
	plain := []string{"O", "DIS", "CHEM", "COVID-19"}
	cases := []struct {
		name   string
		tags   []string
		scheme TagScheme
		seq    []string
		ignore []string
		want   []ent // score .9 unless set
	}{
		{"IOB2", iob, SchemeIOB, []string{"B-DIS", "I-DIS", "O", "B-CHEM"}, nil,
			[]ent{{"DIS", 0, 15, 0, 1, .9}, {"CHEM", 30, 35, 3, 3, .9}}},
		{"I after O begins an entity", iob, SchemeIOB, []string{"O", "I-DIS", "I-DIS"}, nil,
			[]ent{{"DIS", 10, 25, 1, 2, .9}}},
		{"type change splits", iob, SchemeIOB, []string{"B-DIS", "I-CHEM", "I-CHEM"}, nil,
			[]ent{{"DIS", 0, 5, 0, 0, .9}, {"CHEM", 10, 25, 1, 2, .9}}},
		{"two B tags give two entities", iob, SchemeIOB, []string{"B-DIS", "B-DIS"}, nil,
			[]ent{{"DIS", 0, 5, 0, 0, .9}, {"DIS", 10, 15, 1, 1, .9}}},
		{"IOB1: B separates adjacent entities", iob, SchemeIOB, []string{"I-DIS", "I-DIS", "B-DIS", "I-DIS"}, nil,
			[]ent{{"DIS", 0, 15, 0, 1, .9}, {"DIS", 20, 35, 2, 3, .9}}},
		{"plain tags", plain, SchemeIOB, []string{"DIS", "DIS", "O", "CHEM"}, nil,
			[]ent{{"DIS", 0, 15, 0, 1, .9}, {"CHEM", 30, 35, 3, 3, .9}}},
		{"plain hyphenated tag reports the pipeline's split type", plain, SchemeIOB, []string{"COVID-19", "COVID-19"}, nil,
			[]ent{{"19", 0, 15, 0, 1, .9}}},
		{"ignore nothing keeps O groups", iob, SchemeIOB, []string{"O", "O", "B-DIS"}, []string{},
			[]ent{{"O", 0, 15, 0, 1, .9}, {"DIS", 20, 25, 2, 2, .9}}},
		{"ignore a type", iob, SchemeIOB, []string{"B-DIS", "O", "B-CHEM"}, []string{"O", "CHEM"},
			[]ent{{"DIS", 0, 5, 0, 0, .9}}},
		{"BIOES", bioes, SchemeBIOES, []string{"B-DIS", "I-DIS", "E-DIS", "S-DIS", "O", "S-DIS"}, nil,
			[]ent{{"DIS", 0, 25, 0, 2, .9}, {"DIS", 30, 35, 3, 3, .9}, {"DIS", 50, 55, 5, 5, .9}}},
		{"BIOES: E closes the entity", bioes, SchemeBIOES, []string{"B-DIS", "E-DIS", "I-DIS", "E-DIS"}, nil,
			[]ent{{"DIS", 0, 15, 0, 1, .9}, {"DIS", 20, 35, 2, 3, .9}}},
		{"BIOES: E after O begins an entity", bioes, SchemeBIOES, []string{"O", "E-DIS"}, nil,
			[]ent{{"DIS", 10, 15, 1, 1, .9}}},
		{"BILOU", bilou, SchemeBIOES, []string{"U-DIS", "B-DIS", "L-DIS", "U-DIS"}, nil,
			[]ent{{"DIS", 0, 5, 0, 0, .9}, {"DIS", 10, 25, 1, 2, .9}, {"DIS", 30, 35, 3, 3, .9}}},
		{"BIOES tags read as the pipeline reads them", bioes, SchemeIOB, []string{"B-DIS", "I-DIS", "E-DIS", "S-DIS"}, nil,
			[]ent{{"DIS", 0, 15, 0, 1, .9}, {"DIS", 20, 25, 2, 2, .9}, {"DIS", 30, 35, 3, 3, .9}}},
	}
	var d BIODecoder
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tags, err := NewTagSet(tc.tags, tc.scheme)
			if err != nil {
				t.Fatal(err)
			}
			w := seq(tc.tags, tc.seq...)
			for _, agg := range []Aggregation{AggregateSimple, AggregateFirst, AggregateAverage, AggregateMax} {
				got, err := d.Decode(nil, tags, []Window{w}, BIOOptions{Aggregation: agg, Ignore: tc.ignore})
				if err != nil {
					t.Fatal(err)
				}
				checkEntities(t, tags, got, tc.want)
			}
		})
	}
}

func TestBIOWordsWithoutTokens(t *testing.T) {
	// Word 2 produced no token (say a lone zero-width character): the
	// entity runs from word 1 to word 3 across it.
	tags, _ := NewTagSet([]string{"O", "B-DIS", "I-DIS"}, SchemeIOB)
	w := window(0, special(3),
		tok{0, 0, 3, []float64{.9, .05, .05}},
		tok{1, 4, 8, []float64{.1, .8, .1}},
		tok{1, 8, 10, []float64{.1, .1, .8}},
		tok{3, 12, 16, []float64{.1, .1, .8}},
		special(3))
	var d BIODecoder
	for _, agg := range []Aggregation{AggregateSimple, AggregateFirst, AggregateAverage, AggregateMax} {
		got, _ := d.Decode(nil, tags, []Window{w}, BIOOptions{Aggregation: agg})
		score := .8
		if agg == AggregateAverage {
			score = (.45 + .8) / 2 // word 1 averages to [.1 .45 .45]: B-DIS .45 (first max)
		}
		checkEntities(t, tags, got, []ent{{"DIS", 4, 16, 1, 3, score}})
	}
}

// TestBIOStride decodes a text of 14 one-token words in three windows of 6
// tokens overlapping by 2 ([0,6) [4,10) [8,14)), each window with its own
// predictions for the shared tokens, and checks the pipeline's merge:
// stable sort by start, then among overlapping entities the longer wins,
// at equal length the higher score, at equal score the earlier window.
func TestBIOStride(t *testing.T) {
	names := []string{"O", "B-DIS", "I-DIS", "B-CHEM", "I-CHEM"}
	tags, _ := NewTagSet(names, SchemeIOB)
	ranges := TokenWindows(nil, 14, 6, 2)
	if want := []Offset{{0, 6}, {4, 10}, {8, 14}}; !slices.Equal(ranges, want) {
		t.Fatalf("windows %v, want %v", ranges, want)
	}
	// Predicted tag (and probability) of each token, per window.
	pred := []map[int][2]any{
		{1: {"B-DIS", .9}, 2: {"I-DIS", .9}, 4: {"B-DIS", .9}}, // w0: token 5 is O
		{4: {"B-DIS", .8}, 5: {"I-DIS", .8}, 6: {"B-CHEM", .9}, 7: {"I-CHEM", .9}, 8: {"B-CHEM", .7}, 9: {"I-CHEM", .7}},
		{8: {"B-CHEM", .9}, 9: {"I-CHEM", .9}, 12: {"B-DIS", .6}, 13: {"I-DIS", .6}},
	}
	var windows []Window
	for wi, r := range ranges {
		toks := []tok{special(5)}
		for i := r.Start; i < r.End; i++ {
			tag, p := "O", .9
			if v, ok := pred[wi][i]; ok {
				tag, p = v[0].(string), v[1].(float64)
			}
			probs := make([]float64, 5)
			for j := range probs {
				probs[j] = (1 - p) / 4
			}
			probs[slices.Index(names, tag)] = p
			toks = append(toks, tok{i, 10 * i, 10*i + 5, probs})
		}
		windows = append(windows, window(r.Start-1, append(toks, special(5))...))
	}
	want := []ent{
		{"DIS", 10, 25, 1, 2, .9},  // only in window 0
		{"DIS", 40, 55, 4, 5, .8},  // window 1's longer entity beats window 0's [40,45)
		{"CHEM", 60, 75, 6, 7, .9}, // only in window 1
		{"CHEM", 80, 95, 8, 9, .9}, // equal length: window 2's higher score wins
		{"DIS", 120, 135, 12, 13, .6},
	}
	var d BIODecoder
	for _, agg := range []Aggregation{AggregateSimple, AggregateFirst, AggregateAverage, AggregateMax} {
		got, err := d.Decode(nil, tags, windows, BIOOptions{Aggregation: agg})
		if err != nil {
			t.Fatal(err)
		}
		checkEntities(t, tags, got, want)
		if got[1].FirstToken != 4 || got[1].LastToken != 5 {
			t.Fatalf("token indices of %+v", got[1])
		}
		if naive := naiveBIO(names, windows, agg, nil); !sameEntities(tags, got, naive) {
			t.Fatalf("naive pipeline transcription: %v", naive)
		}
	}
	if _, err := d.Decode(nil, tags, windows, BIOOptions{Aggregation: AggregateNone}); !errors.Is(err, ErrAggregation) {
		t.Fatalf("none over windows: %v, want ErrAggregation", err)
	}
}

func TestMergeOverlappingTies(t *testing.T) {
	// Equal start, length and score: the first (earlier window) stays.
	es := []BIOEntity{{Type: 0, Start: 5, End: 9, Score: .5}, {Type: 1, Start: 5, End: 9, Score: .5}, {Type: 2, Start: 7, End: 8, Score: .99}}
	got := mergeOverlapping(es)
	if len(got) != 1 || got[0].Type != 0 {
		t.Fatalf("got %+v", got)
	}
}

func TestTokenWindows(t *testing.T) {
	cases := []struct {
		n, size, stride int
		want            []Offset
	}{
		{0, 4, 1, []Offset{{0, 0}}},
		{4, 4, 1, []Offset{{0, 4}}},
		{5, 4, 1, []Offset{{0, 4}, {3, 5}}},
		{10, 4, 0, []Offset{{0, 4}, {4, 8}, {8, 10}}},
		{7, 4, 2, []Offset{{0, 4}, {2, 6}, {4, 7}}},
	}
	for _, tc := range cases {
		if got := TokenWindows(nil, tc.n, tc.size, tc.stride); !slices.Equal(got, tc.want) {
			t.Errorf("TokenWindows(%d, %d, %d) = %v, want %v", tc.n, tc.size, tc.stride, got, tc.want)
		}
	}
}

func TestTagSet(t *testing.T) {
	if _, err := NewTagSet(nil, SchemeIOB); !errors.Is(err, ErrTagSet) {
		t.Errorf("empty: %v", err)
	}
	if _, err := NewTagSet([]string{"O", ""}, SchemeIOB); !errors.Is(err, ErrTagSet) {
		t.Errorf("empty name: %v", err)
	}
	if _, err := NewTagSet([]string{"O"}, TagScheme(9)); !errors.Is(err, ErrTagSet) {
		t.Errorf("bad scheme: %v", err)
	}
	ts, _ := NewTagSet([]string{"O", "B-DIS", "I-DIS", "B-CHEM", "I-CHEM"}, SchemeIOB)
	if ts.NumTypes() != 3 || ts.Type(ts.TagType(2)) != "DIS" {
		t.Errorf("types %d, tag 2 type %q", ts.NumTypes(), ts.Type(ts.TagType(2)))
	}
	if i, ok := ts.TypeIndex("CHEM"); !ok || ts.Type(i) != "CHEM" {
		t.Errorf("TypeIndex(CHEM) = %d, %v", i, ok)
	}
	for tags, want := range map[string]TagScheme{"O,B-X,I-X": SchemeIOB, "O,B-X,E-X,S-X": SchemeBIOES, "O,U-X": SchemeBIOES, "X,Y": SchemeIOB} {
		if got := DetectTagScheme(strings.Split(tags, ",")); got != want {
			t.Errorf("DetectTagScheme(%s) = %v, want %v", tags, got, want)
		}
	}
	for _, a := range []Aggregation{AggregateNone, AggregateSimple, AggregateFirst, AggregateAverage, AggregateMax} {
		if b, err := ParseAggregation(strings.ToUpper(a.String())); err != nil || b != a {
			t.Errorf("ParseAggregation(%v) = %v, %v", a, b, err)
		}
	}
	if _, err := ParseAggregation("mean"); !errors.Is(err, ErrAggregation) {
		t.Errorf("ParseAggregation(mean): %v", err)
	}
}

// naiveBIO transcribes the pipeline's postprocess (transformers
// token_classification.py: softmax, gather_pre_entities, aggregate,
// aggregate_words, aggregate_word, group_entities, get_tag,
// group_sub_entities, the ignore filter and aggregate_overlapping_entities)
// with NumPy's float32 arithmetic, sub-words decided from word ids.
type naiveEnt struct {
	entity      string // tag (none, word level) or group type
	score       float32
	start, end  int
	w0, w1      int
	isSubword   bool
	scores      []float32
	tokenIdx    int
	firstTokIdx int
}

func naiveBIO(id2label []string, windows []Window, agg Aggregation, ignore []string) []naiveEnt {
	if ignore == nil {
		ignore = []string{"O"}
	}
	n := len(id2label)
	var all []naiveEnt
	for _, w := range windows {
		var pre []naiveEnt
		for idx, wid := range w.WordIDs {
			if wid < 0 {
				continue
			}
			// maxes = np.max(logits); shifted_exp = np.exp(logits - maxes);
			// scores = shifted_exp / shifted_exp.sum(), all float32.
			row := w.Logits[idx*n : (idx+1)*n]
			m := row[0]
			for _, x := range row {
				m = max(m, x)
			}
			e := make([]float32, n)
			for i, x := range row {
				e[i] = numpyExpf(x - m)
			}
			sum := pairwiseSum(e)
			sc := make([]float32, n)
			for i := range sc {
				sc[i] = e[i] / sum
			}
			pre = append(pre, naiveEnt{scores: sc, start: w.Offsets[idx].Start, end: w.Offsets[idx].End, w0: wid, w1: wid,
				isSubword: idx > 0 && w.WordIDs[idx-1] == wid, tokenIdx: idx})
		}
		var ents []naiveEnt
		if agg == AggregateNone || agg == AggregateSimple {
			for _, p := range pre {
				i := naiveArgmax(p.scores)
				p.entity, p.score = id2label[i], p.scores[i]
				ents = append(ents, p)
			}
		} else {
			var group []naiveEnt
			for _, p := range pre {
				if group == nil {
					group = []naiveEnt{p}
				} else if p.isSubword {
					group = append(group, p)
				} else {
					ents = append(ents, naiveAggregateWord(id2label, group, agg))
					group = []naiveEnt{p}
				}
			}
			if group != nil {
				ents = append(ents, naiveAggregateWord(id2label, group, agg))
			}
		}
		if agg != AggregateNone {
			ents = naiveGroupEntities(ents)
		}
		for _, e := range ents {
			if !slices.Contains(ignore, e.entity) {
				all = append(all, e)
			}
		}
	}
	if len(windows) > 1 && len(all) > 0 {
		sort.SliceStable(all, func(i, j int) bool { return all[i].start < all[j].start })
		var out []naiveEnt
		prev := all[0]
		for _, e := range all {
			if prev.start <= e.start && e.start < prev.end {
				cl, pl := e.end-e.start, prev.end-prev.start
				if cl > pl || cl == pl && e.score > prev.score {
					prev = e
				}
			} else {
				out = append(out, prev)
				prev = e
			}
		}
		all = append(out, prev)
	}
	return all
}

func naiveArgmax(s []float32) int {
	best := 0
	for i := range s {
		if s[i] > s[best] {
			best = i
		}
	}
	return best
}

func naiveAggregateWord(id2label []string, ents []naiveEnt, agg Aggregation) naiveEnt {
	var scores []float32
	switch agg {
	case AggregateFirst:
		scores = ents[0].scores
	case AggregateMax:
		best := ents[0]
		for _, e := range ents[1:] {
			if slices.Max(e.scores) > slices.Max(best.scores) {
				best = e
			}
		}
		scores = best.scores
	case AggregateAverage:
		// np.nanmean(np.stack(scores), axis=0): float32 sums down the
		// token axis, divided as float64 and stored as float32.
		scores = make([]float32, len(ents[0].scores))
		for _, e := range ents {
			for i, s := range e.scores {
				scores[i] += s
			}
		}
		for i := range scores {
			scores[i] = float32(float64(scores[i]) / float64(len(ents)))
		}
	}
	i := naiveArgmax(scores)
	return naiveEnt{entity: id2label[i], score: scores[i], start: ents[0].start, end: ents[len(ents)-1].end,
		w0: ents[0].w0, w1: ents[len(ents)-1].w1}
}

func naiveGetTag(name string) (string, string) {
	if strings.HasPrefix(name, "B-") {
		return "B", name[2:]
	}
	if strings.HasPrefix(name, "I-") {
		return "I", name[2:]
	}
	return "I", name
}

func naiveGroupEntities(ents []naiveEnt) []naiveEnt {
	var groups []naiveEnt
	var disagg []naiveEnt
	flush := func() {
		label := disagg[0].entity
		if i := strings.Index(label, "-"); i >= 0 {
			label = label[i+1:]
		}
		var scores []float32
		for _, e := range disagg {
			scores = append(scores, e.score)
		}
		// np.nanmean of a float32 list: pairwise float32 sum / count.
		groups = append(groups, naiveEnt{entity: label, score: float32(float64(pairwiseSum(scores)) / float64(len(scores))),
			start: disagg[0].start, end: disagg[len(disagg)-1].end, w0: disagg[0].w0, w1: disagg[len(disagg)-1].w1})
	}
	for _, e := range ents {
		if len(disagg) == 0 {
			disagg = append(disagg, e)
			continue
		}
		bi, tag := naiveGetTag(e.entity)
		_, lastTag := naiveGetTag(disagg[len(disagg)-1].entity)
		if tag == lastTag && bi != "B" {
			disagg = append(disagg, e)
		} else {
			flush()
			disagg = []naiveEnt{e}
		}
	}
	if len(disagg) > 0 {
		flush()
	}
	return groups
}

// sameEntities compares decoded entities with the transcription: labels
// (tag for none, type otherwise), ranges, words and scores exactly.
func sameEntities(tags *TagSet, got []BIOEntity, naive []naiveEnt) bool {
	if len(got) != len(naive) {
		return false
	}
	for i, e := range got {
		nv := naive[i]
		label := tags.Type(e.Type)
		if nv.scores != nil { // none: token entities keep their scores; compare the tag
			label = tags.Tag(e.Tag)
		}
		if label != nv.entity || e.Start != nv.start || e.End != nv.end || e.FirstWord != nv.w0 || e.LastWord != nv.w1 ||
			e.Score != nv.score {
			return false
		}
	}
	return true
}

func TestBIODifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	tagSets := [][]string{
		{"O", "B-DIS", "I-DIS", "B-CHEM", "I-CHEM"},
		{"O", "DIS", "CHEM"},
		{"O", "B-A", "I-A", "B-B", "I-B", "B-C", "I-C", "B-D", "I-D", "B-E", "I-E"},
	}
	var d BIODecoder
	var got []BIOEntity
	for i := range 3000 {
		names := tagSets[r.IntN(len(tagSets))]
		tags, _ := NewTagSet(names, SchemeIOB)
		agg := Aggregation(r.IntN(5))
		nw := 1
		if agg != AggregateNone {
			nw = 1 + r.IntN(3)
		}
		windows := randomWindows(r, len(names), nw)
		var err error
		got, err = d.Decode(got[:0], tags, windows, BIOOptions{Aggregation: agg})
		if err != nil {
			t.Fatal(err)
		}
		naive := naiveBIO(names, windows, agg, nil)
		if !sameEntities(tags, got, naive) {
			t.Fatalf("case %d (%v, %d windows):\ngot   %+v\nnaive %+v", i, agg, nw, got, naive)
		}
	}
}

// randomWindows makes nw windows over a random token sequence: words of 1-3
// tokens, windows of 8 tokens overlapping by 3, [CLS]/[SEP] around each,
// independent random logits per window (so overlaps disagree).
func randomWindows(r *rand.Rand, numTags, nw int) []Window {
	const size, stride = 8, 3
	numTokens := size + (nw-1)*(size-stride)
	if nw == 1 {
		numTokens = 1 + r.IntN(size)
	}
	wordIDs := make([]int, numTokens)
	offs := make([]Offset, numTokens)
	word, pos := 0, 0
	for i := range wordIDs {
		if i > 0 && r.IntN(3) != 0 {
			word++
			pos++ // a space
			if r.IntN(6) == 0 {
				word++ // a word without tokens
			}
		}
		wordIDs[i] = word
		l := 1 + r.IntN(4)
		offs[i] = Offset{pos, pos + l}
		pos += l
	}
	var ws []Window
	for _, rg := range TokenWindows(nil, numTokens, size, stride) {
		w := Window{FirstToken: rg.Start - 1}
		w.WordIDs = append(append(append(w.WordIDs, -1), wordIDs[rg.Start:rg.End]...), -1)
		w.Offsets = append(append(append(w.Offsets, Offset{}), offs[rg.Start:rg.End]...), Offset{})
		for range w.WordIDs {
			for range numTags {
				w.Logits = append(w.Logits, float32(r.NormFloat64()*2))
			}
		}
		ws = append(ws, w)
	}
	return ws
}

func TestBIOPanicsOnShape(t *testing.T) {
	tags, _ := NewTagSet([]string{"O", "B-X"}, SchemeIOB)
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "span: ") {
			t.Fatalf("panic %v", r)
		}
	}()
	var d BIODecoder
	d.Decode(nil, tags, []Window{{Logits: make([]float32, 3), WordIDs: []int{0, 1}, Offsets: make([]Offset, 2)}}, BIOOptions{})
}

func TestBIOAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	names := []string{"O", "B-DIS", "I-DIS", "B-CHEM", "I-CHEM"}
	tags, _ := NewTagSet(names, SchemeIOB)
	windows := randomWindows(r, len(names), 3)
	var d BIODecoder
	for _, agg := range []Aggregation{AggregateSimple, AggregateFirst, AggregateAverage, AggregateMax} {
		dst, _ := d.Decode(nil, tags, windows, BIOOptions{Aggregation: agg})
		if a := testing.AllocsPerRun(20, func() { dst, _ = d.Decode(dst[:0], tags, windows, BIOOptions{Aggregation: agg}) }); a != 0 {
			t.Errorf("%v: %v allocations per call", agg, a)
		}
	}
}

// TestBIOSubwordsBIOES runs every strategy on a BIOES tag set with words
// split into sub-words: "cisplatin and lungs" as
// [CLS] cis ##pla ##tin and lung ##s [SEP].
func TestBIOSubwordsBIOES(t *testing.T) {
	names := []string{"O", "B-CHEM", "I-CHEM", "E-CHEM", "S-CHEM"}
	tags, err := NewTagSet(names, SchemeBIOES)
	if err != nil {
		t.Fatal(err)
	}
	w := window(0, special(5),
		tok{0, 0, 3, []float64{.05, .8, .05, .05, .05}},       // cis: B .8
		tok{0, 3, 6, []float64{.1, .1, .7, .05, .05}},         // ##pla: I .7
		tok{0, 6, 9, []float64{.025, .025, .025, .9, .025}},   // ##tin: E .9
		tok{1, 10, 13, []float64{.9, .025, .025, .025, .025}}, // and: O .9
		tok{2, 14, 18, []float64{.1, .1, .1, .1, .6}},         // lung: S .6
		tok{2, 18, 20, []float64{.7, .1, .1, .05, .05}},       // ##s: O .7
		special(5))
	cases := []struct {
		agg  Aggregation
		want []ent
	}{
		{AggregateNone, []ent{{"CHEM", 0, 3, 0, 0, .8}, {"CHEM", 3, 6, 0, 0, .7}, {"CHEM", 6, 9, 0, 0, .9}, {"CHEM", 14, 18, 2, 2, .6}}},
		// B I E is one entity (E closes it); S is a one-token entity.
		{AggregateSimple, []ent{{"CHEM", 0, 9, 0, 0, .8}, {"CHEM", 14, 18, 2, 2, .6}}},
		// Words take their first token's tag: cisplatin B, lungs S.
		{AggregateFirst, []ent{{"CHEM", 0, 9, 0, 0, .8}, {"CHEM", 14, 20, 2, 2, .6}}},
		// cisplatin takes ##tin's E .9; lungs takes ##s's O .7.
		{AggregateMax, []ent{{"CHEM", 0, 9, 0, 0, .9}}},
		// cisplatin averages to E (.05+.05+.9)/3; lungs averages to O .4.
		{AggregateAverage, []ent{{"CHEM", 0, 9, 0, 0, 1.0 / 3}}},
	}
	var d BIODecoder
	for _, tc := range cases {
		t.Run(tc.agg.String(), func(t *testing.T) {
			got, err := d.Decode(nil, tags, []Window{w}, BIOOptions{Aggregation: tc.agg})
			if err != nil {
				t.Fatal(err)
			}
			checkEntities(t, tags, got, tc.want)
		})
	}
}
