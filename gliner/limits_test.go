package gliner

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// manyLabels returns n labels, with "disease" at index 40 and "chemical"
// at index 200 (different label groups), and fillers without either word.
func manyLabels(n int) []string {
	var out []string
	for _, l := range benchLabels(2 * n) {
		if !strings.Contains(l, "disease") && !strings.Contains(l, "chemical") && !strings.Contains(l, "drug") {
			out = append(out, l)
		}
	}
	out = slices.Insert(out[:n-2], 40, "disease")
	return slices.Insert(out, 200, "chemical")
}

// TestLabelGroups runs 300 labels, disease and chemical among them, on
// BC5CDR abstracts: they are split into groups of max_types, and disease and
// chemical are still found in (at least 80% of) the texts where they are
// found alone (multi-label decoding). Up to
// max_types labels are one group and one run, equal to the reference's
// single run.
func TestLabelGroups(t *testing.T) {
	m := openBuiltin(t)
	_, abstracts := pubtatorTexts(t, "pubtator/bc5cdr.test.pubtator.txt")
	texts := abstracts[:24]
	if testing.Short() {
		texts = abstracts[:8]
	}
	ctx := context.Background()
	labels := manyLabels(300)
	require.Len(t, labels, 300)

	// The built-in model is not zero-shot beyond its training types: it
	// gives any label to its entities, so with flat decoding another label
	// takes their spans; multi-label decoding keeps every label of a span.
	multi := []ExtractOption{WithMultiLabel(), WithNested()}
	alone, err := m.ExtractResults(ctx, texts, diseaseChemical, multi...)
	require.NoError(t, err)
	many, err := m.ExtractResults(ctx, texts, labels, multi...)
	require.NoError(t, err)
	var found, kept [2]int
	for i := range texts {
		assert.Equal(t, 12, many[i].LabelGroups, "300 labels in groups of max_types 25")
		for k, l := range diseaseChemical {
			if hasLabel(alone[i].Entities, l) {
				found[k]++
				if hasLabel(many[i].Entities, l) {
					kept[k]++
				}
			}
		}
	}
	t.Logf("texts with disease: %d alone, %d among 300 labels; with chemical: %d alone, %d among 300", found[0], kept[0], found[1], kept[1])
	// A label's scores depend on the other labels of its prompt (in the
	// reference too): a weak entity may fall below the threshold in a
	// prompt of 25 labels (one BC5CDR text in 8 here, "peripheral
	// neuropathy" as disease).
	for k, l := range diseaseChemical {
		assert.GreaterOrEqual(t, 5*kept[k], 4*found[k], "%s: found among 300 labels in at least 80%% of the texts where found alone", l)
	}

	// max_types labels fit one prompt: one group, the reference's run.
	fit := labels[25:50]
	one, err := m.ExtractResults(ctx, texts, fit)
	require.NoError(t, err)
	ref, err := m.ExtractResults(ctx, texts, fit, WithLongTextPolicy(TruncateLongTexts))
	require.NoError(t, err)
	for i := range texts {
		assert.Equal(t, 1, one[i].LabelGroups)
		assert.Equal(t, ref[i].Entities, one[i].Entities, "text %d", i)
	}
	two, err := m.ExtractResults(ctx, texts[:1], labels[25:51])
	require.NoError(t, err)
	assert.Equal(t, 2, two[0].LabelGroups, "max_types+1 labels")
}

func hasLabel(ents []Entity, label string) bool {
	return slices.ContainsFunc(ents, func(e Entity) bool { return e.Label == label })
}

// dna returns n random bases.
func dna(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = "ACGT"[r.IntN(4)]
	}
	return string(b)
}

// TestHostileInputs sends the inputs that had no cost bound: a 1 MB word,
// a 20,000-base DNA string between two sentences, and huge labels. Each
// returns in bounded time with a warning (split words) or a typed error;
// the entities around the DNA string are still found.
func TestHostileInputs(t *testing.T) {
	m := openBuiltin(t)
	ctx := context.Background()
	titles, abstracts := pubtatorTexts(t, "pubtator/bc5cdr.test.pubtator.txt")
	sentence, e := plantable(t, m, titles, strings.Fields(abstracts[0]))

	t.Run("1 MB word", func(t *testing.T) {
		word := dna(1 << 20)
		for _, p := range []LongTextPolicy{TruncateLongTexts, ChunkLongTexts} {
			start := time.Now()
			res, err := m.ExtractResults(ctx, []string{word}, diseaseChemical, WithLongTextPolicy(p))
			require.NoError(t, err)
			assert.Equal(t, 1, res[0].CutWords, p)
			t.Logf("%s: %d windows, truncated %v, %d entities, %v", p, res[0].Windows, res[0].Truncated, len(res[0].Entities), time.Since(start))
		}
	})
	t.Run("DNA in a sentence", func(t *testing.T) {
		text := sentence + " The sequence " + dna(20000) + " was read. " + sentence
		start := time.Now()
		res, err := m.ExtractResults(ctx, []string{text}, diseaseChemical)
		require.NoError(t, err)
		r := res[0]
		assert.Equal(t, 1, r.CutWords)
		second := len(text) - len(sentence)
		for _, at := range []int{0, second} {
			got := overlapping(r.Entities, e.Label, at+e.Start, at+e.End)
			if assert.Len(t, got, 1, "the entity at byte %d", at) {
				assert.Equal(t, e.Text, got[0].Text)
			}
		}
		t.Logf("%d windows, %d entities, %v", r.Windows, len(r.Entities), time.Since(start))
	})
	t.Run("long labels", func(t *testing.T) {
		for _, n := range []int{600, 20000} {
			label := strings.Repeat("word ", n)
			start := time.Now()
			_, err := m.Extract(ctx, sentence, []string{"disease", label})
			var le *LimitError
			require.ErrorAs(t, err, &le)
			assert.ErrorIs(t, err, ErrLabel)
			assert.Equal(t, "label", le.What)
			assert.Equal(t, 1, le.Index)
			assert.Contains(t, err.Error(), "gliner: bad label: label 1 has")
			t.Logf("%d-word label: %v (%v)", n, err, time.Since(start))
		}
		label := dna(300)
		_, err := m.Extract(ctx, sentence, []string{label})
		assert.ErrorIs(t, err, ErrLabel, "a label of more than MaxLabelTokens sub-words")
	})
}

// BenchmarkLongTextPolicy measures ExtractBatch on 16 NCBI-disease
// abstracts (all fit one window) with the built-in model under each policy:
// the cost of planning windows (a second tokenization) under chunking.
func BenchmarkLongTextPolicy(b *testing.B) {
	m := openBuiltin(b)
	texts := benchTexts(b, 16)
	for _, p := range []LongTextPolicy{TruncateLongTexts, ChunkLongTexts} {
		b.Run(p.String(), func(b *testing.B) {
			for b.Loop() {
				if _, err := m.ExtractBatch(context.Background(), texts, diseaseChemical, WithLongTextPolicy(p)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "texts/s")
		})
	}
}
