package gliner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/internal/testenv"
)

// pubtatorTexts returns the titles and abstracts of a PubTator file of the
// shared corpus, in file order.
func pubtatorTexts(t testing.TB, rel string) (titles, abstracts []string) {
	t.Helper()
	f, err := os.Open(testenv.DataFile(t, rel))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if _, s, ok := strings.Cut(sc.Text(), "|t|"); ok {
			titles = append(titles, s)
		} else if _, s, ok := strings.Cut(sc.Text(), "|a|"); ok {
			abstracts = append(abstracts, s)
		}
	}
	require.NoError(t, sc.Err())
	return titles, abstracts
}

var diseaseChemical = []string{"disease", "chemical"}

// plantable returns a short title in which the model finds an entity
// alone with a score of at least 0.9 and also when the title is planted in
// a one-window context of corpus words (local: at word 200 of them), and
// that entity (offsets in the title).
func plantable(t testing.TB, m *Model, titles, local []string) (string, Entity) {
	t.Helper()
	return plantableAt(t, m, m, titles, local, min(200, len(local)))
}

// plantableAt is plantable with the context checked at each of the given
// word positions of local, by oracle (a model that takes the planted text
// in one window): the entity must be found there whole, and be the only
// entity of its label overlapping it, so that what a test of m then finds
// at a planted position depends on m's windows, not on the words the model
// reads as part of the entity in that context.
func plantableAt(t testing.TB, m, oracle *Model, titles, local []string, positions ...int) (string, Entity) {
	t.Helper()
	ctx := context.Background()
	for _, s := range titles {
		if len(strings.Fields(s)) > 25 {
			continue
		}
		ents, err := m.Extract(ctx, s, diseaseChemical)
		require.NoError(t, err)
		for _, e := range ents {
			if e.Score >= 0.9 && foundWholeAt(t, oracle, s, e, local, positions) {
				return s, e
			}
		}
	}
	t.Fatal("no title with an entity")
	return "", Entity{}
}

// foundWholeAt reports whether oracle finds e, and nothing else of its label
// overlapping it, when s is planted in local at each of the positions.
func foundWholeAt(t testing.TB, oracle *Model, s string, e Entity, local []string, positions []int) bool {
	t.Helper()
	for _, k := range positions {
		doc, at := plant(local, k, s)
		in, err := oracle.Extract(context.Background(), doc, diseaseChemical, WithLongTextPolicy(TruncateLongTexts))
		require.NoError(t, err)
		if got := overlapping(in, e.Label, at+e.Start, at+e.End); len(got) != 1 || got[0].Text != e.Text {
			return false
		}
	}
	return true
}

// openBuiltin opens the built-in model with a silent logger, skipping (or
// failing under GLINER_REQUIRE_SHARED=1) when ONNX Runtime is missing.
func openBuiltin(t testing.TB, opts ...Option) *Model {
	t.Helper()
	opts = append([]Option{WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	m, err := OpenDefault(opts...)
	var nf *encoder.LibraryNotFoundError
	if errors.As(err, &nf) {
		testenv.Missing(t, "ONNX Runtime not found (run scripts/setup-ort.sh): %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// plant returns doc's first n words, the sentence, and the rest of doc, and
// the byte offset of the sentence.
func plant(words []string, n int, sentence string) (string, int) {
	head := strings.Join(words[:n], " ") + " "
	return head + sentence + " " + strings.Join(words[n:], " "), len(head)
}

// findAt returns the entities with e's label overlapping [start, end).
func overlapping(ents []Entity, label string, start, end int) []Entity {
	var out []Entity
	for _, g := range ents {
		if g.Label == label && g.Start < end && start < g.End {
			out = append(out, g)
		}
	}
	return out
}

// TestChunkPlantedEntity joins the BC5CDR test abstracts into a document of
// 5,000 words and plants, after word 3,000, a title in which the model finds
// an entity: with the default policy the entity is found once at its offsets
// in the document; truncation (the reference) loses it.
func TestChunkPlantedEntity(t *testing.T) {
	m := openBuiltin(t)
	titles, abstracts := pubtatorTexts(t, "pubtator/bc5cdr.test.pubtator.txt")
	words := strings.Fields(strings.Join(abstracts, "\n"))
	require.Greater(t, len(words), 5000)
	sentence, e := plantable(t, m, titles, words[2800:3150])
	doc, at := plant(words[:5000], 3000, sentence)
	ctx := context.Background()

	res, err := m.ExtractResults(ctx, []string{doc}, diseaseChemical)
	require.NoError(t, err)
	r := res[0]
	assert.True(t, r.Chunked)
	assert.False(t, r.Truncated)
	assert.Greater(t, r.Windows, 5000/m.cfg.MaxLen)
	got := overlapping(r.Entities, e.Label, at+e.Start, at+e.End)
	require.Len(t, got, 1, "the planted %q once", e.Text)
	assert.Equal(t, []int{at + e.Start, at + e.End}, []int{got[0].Start, got[0].End})
	assert.Equal(t, e.Text, got[0].Text)
	runeAt := len([]rune(doc[:at]))
	assert.Equal(t, []int{runeAt + e.RuneStart, runeAt + e.RuneEnd}, []int{got[0].RuneStart, got[0].RuneEnd})
	checkSorted(t, doc, r.Entities)
	t.Logf("%d words, %d windows, %d entities; planted %q (%s) at byte %d: score %.3f alone, %.3f in the document",
		len(strings.Fields(doc)), r.Windows, len(r.Entities), e.Text, e.Label, at+e.Start, e.Score, got[0].Score)

	trunc, err := m.ExtractResults(ctx, []string{doc}, diseaseChemical, WithLongTextPolicy(TruncateLongTexts))
	require.NoError(t, err)
	assert.True(t, trunc[0].Truncated)
	assert.Equal(t, len(m.split(nil, doc))-m.cfg.MaxLen, trunc[0].DroppedWords)
	assert.Empty(t, overlapping(trunc[0].Entities, e.Label, at+e.Start, at+e.End), "truncation loses the tail")

	_, err = m.ExtractResults(ctx, []string{"short", doc}, diseaseChemical, WithLongTextPolicy(RefuseLongTexts))
	var le *LimitError
	require.ErrorAs(t, err, &le)
	assert.ErrorIs(t, err, ErrTextTooLong)
	assert.Equal(t, LimitError{What: "text", Index: 1, Unit: "words", Size: len(m.split(nil, doc)), Limit: m.cfg.MaxLen, Err: ErrTextTooLong}, *le)
}

// checkSorted asserts that entities are sorted, within the text and
// consistent with it, and pairwise disjoint (flat decoding).
func checkSorted(t *testing.T, text string, ents []Entity) {
	t.Helper()
	for i, e := range ents {
		require.Equal(t, text[e.Start:e.End], e.Text)
		if i > 0 {
			require.LessOrEqual(t, ents[i-1].End, e.Start, "flat entities overlap: %+v %+v", ents[i-1], e)
		}
	}
}

// TestChunkStraddlingEntity plants an entity at every position of a text
// cut into small windows (a token limit of 64 sub-words): wherever the cuts
// fall, the entity is never found cut or twice, and it is found whole at
// most positions (the model's score depends on the window's context; the
// exact property is span.TestWindowMerge's). The entity is one the model
// finds whole at every position when the text is one window: planted
// mid-sentence, some entities merge with the word before them ("a histamine
// Indomethacin ..."), in one window as in many, which says nothing of the
// windows.
func TestChunkStraddlingEntity(t *testing.T) {
	m := openBuiltin(t, WithTokenLimit(64))
	titles, abstracts := pubtatorTexts(t, "pubtator/bc5cdr.test.pubtator.txt")
	words := strings.Fields(abstracts[0])
	n := min(len(words), 100)
	if testing.Short() {
		n = 50
	}
	positions := make([]int, n)
	for k := range positions {
		positions[k] = k
	}
	// The entity must be found whole at every position when the text is
	// one window (default token limit), so that a cut or a second copy can
	// only come from the 64-sub-word windows.
	sentence, e := plantableAt(t, m, openBuiltin(t), titles, words[:n], positions...)
	texts, ats := make([]string, 0, n), make([]int, 0, n)
	for k := range n {
		doc, at := plant(words[:n], k, sentence)
		texts, ats = append(texts, doc), append(ats, at)
	}
	res, err := m.ExtractResults(context.Background(), texts, diseaseChemical)
	require.NoError(t, err)
	whole := 0
	for k, r := range res {
		require.Greater(t, r.Windows, 2, "position %d", k)
		got := overlapping(r.Entities, e.Label, ats[k]+e.Start, ats[k]+e.End)
		require.LessOrEqual(t, len(got), 1, "position %d: %+v", k, got)
		if len(got) == 1 {
			require.Equal(t, e.Text, got[0].Text, "position %d: a cut entity", k)
			whole++
		}
		checkSorted(t, texts[k], r.Entities)
	}
	t.Logf("%q found whole at %d of %d positions in texts of %d windows, never cut or twice", e.Text, whole, len(res), res[0].Windows)
	assert.GreaterOrEqual(t, whole, 3*len(res)/4)
}

// TestChunkFitsIsReference runs the golden texts through the default policy:
// every text that fits one window (all but the longest) gives the
// reference's entities for every setting.
func TestChunkFitsIsReference(t *testing.T) {
	for _, fx := range []string{"span-deberta", "span-bert", "token-deberta-new"} {
		t.Run(fx, func(t *testing.T) {
			h, lines := readGolden(t, goldenFile(fx, ".jsonl.gz"))
			m := openFixture(t, fx, WithBatchSize(8))
			var texts []string
			var golds []goldenText
			for _, raw := range lines {
				var g goldenText
				require.NoError(t, json.Unmarshal(raw, &g))
				if g.Valid && g.Labels == nil {
					texts, golds = append(texts, g.Text), append(golds, g)
				}
			}
			// The first texts and every text that does not fit (the run
			// takes several minutes over all 1,210 texts).
			keep := 100
			if testing.Short() {
				keep = 40
			}
			texts, golds = firstAndLong(m, texts, golds, keep)
			fit := 0
			for _, s := range h.Settings {
				res, err := m.ExtractResults(context.Background(), texts, h.DefaultLabels, s.options(t, h.DefaultLabels)...)
				require.NoError(t, err)
				fit = 0
				for i, r := range res {
					if r.Windows != 1 {
						continue
					}
					fit++
					assert.Equal(t, 1, r.LabelGroups)
					assertEntities(t, withText(texts[i], golds[i].Entities[s.Name]), r.Entities, "%s %s", golds[i].ID, s.Name)
				}
			}
			t.Logf("%s: %d of %d texts fit one window; %d settings equal to the reference", fx, fit, len(texts), len(h.Settings))
			require.Greater(t, fit, len(texts)/2)
			require.Less(t, fit, len(texts), "some texts do not fit")
		})
	}
}

// firstAndLong returns the first n texts and the texts of more than
// max_len words after them.
func firstAndLong(m *Model, texts []string, golds []goldenText, n int) ([]string, []goldenText) {
	n = min(n, len(texts))
	for i := n; i < len(texts); i++ {
		if len(m.split(nil, texts[i])) > m.cfg.MaxLen {
			texts[n], golds[n] = texts[i], golds[i]
			n++
		}
	}
	return texts[:n], golds[:n]
}

// TestBadOptions checks that bad thresholds and policies are typed errors.
func TestBadOptions(t *testing.T) {
	m := openFixture(t, "span-deberta")
	ctx := context.Background()
	for name, opts := range map[string][]ExtractOption{
		"NaN":                 {WithThreshold(math.NaN())},
		"negative":            {WithThreshold(-1)},
		"above 1":             {WithThreshold(2)},
		"label NaN":           {WithLabelThreshold("disease", math.NaN())},
		"label +Inf":          {WithLabelThreshold("disease", math.Inf(1))},
		"label not requested": {WithLabelThreshold("gene", 0.5)},
		"policy":              {WithLongTextPolicy(LongTextPolicy(7))},
	} {
		_, err := m.Extract(ctx, "Breast cancer.", diseaseChemical, opts...)
		assert.ErrorIs(t, err, ErrBadOption, name)
		var oe *OptionError
		assert.ErrorAs(t, err, &oe, name)
		assert.True(t, strings.HasPrefix(err.Error(), "gliner: bad option: "), err.Error())
	}
	_, err := m.Extract(ctx, "Breast cancer.", diseaseChemical, WithThreshold(0), WithLabelThreshold("chemical", 1))
	assert.NoError(t, err, "0 and 1 are thresholds")
	_, err = Open(fixtureDir("span-deberta"), WithOverlap(5))
	assert.ErrorIs(t, err, ErrBadConfig, "overlap below max_width")
	_, err = Open(fixtureDir("span-deberta"), WithTokenLimit(10))
	assert.ErrorIs(t, err, ErrBadConfig)
}

// TestPolicyNames checks the policies' names.
func TestPolicyNames(t *testing.T) {
	assert.Equal(t, "chunk", ChunkLongTexts.String())
	assert.Equal(t, "truncate", TruncateLongTexts.String())
	assert.Equal(t, "refuse", RefuseLongTexts.String())
	assert.Equal(t, "LongTextPolicy(9)", LongTextPolicy(9).String())
	var zero LongTextPolicy
	assert.Equal(t, ChunkLongTexts, zero, "chunking is the default")
}

func fixtureDir(name string) string {
	return filepath.Join(testenv.RepoRoot(), "testdata", "models", name)
}

// TestChunkFamilies runs a 1,500-word document through the chunking path
// of the other word-level families (token-level uni-encoder, bi-encoder with
// its parallel decoding), batched with short texts: the long text is cut,
// its entities are valid and flat, and the short texts' entities equal
// those of a call without the long text.
func TestChunkFamilies(t *testing.T) {
	titles, abstracts := pubtatorTexts(t, "pubtator/ncbi-disease.test.pubtator.txt")
	doc := strings.Join(strings.Fields(strings.Join(abstracts, " "))[:1500], " ")
	for _, fx := range []string{"token-deberta-new", biFixture} {
		t.Run(fx, func(t *testing.T) {
			m := openFixture(t, fx, WithBatchSize(4))
			ctx := context.Background()
			short := titles[:5]
			want, err := m.ExtractBatch(ctx, short, diseaseChemical)
			require.NoError(t, err)
			res, err := m.ExtractResults(ctx, append([]string{doc}, short...), diseaseChemical)
			require.NoError(t, err)
			assert.True(t, res[0].Chunked)
			assert.Greater(t, res[0].Windows, 3)
			checkSorted(t, doc, res[0].Entities)
			for i := range short {
				assert.Equal(t, want[i], res[i+1].Entities, "short text %d", i)
				assert.Equal(t, 1, res[i+1].Windows)
			}
			t.Logf("%s: %d windows, %d entities", fx, res[0].Windows, len(res[0].Entities))
		})
	}
}
