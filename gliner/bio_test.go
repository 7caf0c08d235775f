package gliner_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/testenv"
	"github.com/gliner-go/gliner/span"
)

// The fixture testdata/models/bio-bert is written by tools/bio/train.py: a
// small BERT-shaped token classifier (tags O, B-/I-Disease, B-/I-Chemical)
// trained from scratch on the NCBI-disease and BC5CDR training splits.

func bioFixture(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(), "testdata", "models", "bio-bert")
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
		testenv.Missing(t, "BIO fixture %s not found (run /usr/bin/python3 -m tools.bio.train)", dir)
	}
	return dir
}

func openBIOFixture(t testing.TB, opts ...gliner.Option) *gliner.Model {
	t.Helper()
	m, err := gliner.Open(bioFixture(t), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

var bioLabels = []string{"Disease", "Chemical"}

// checkEntities asserts the invariants of Extract's entities.
func checkEntities(t *testing.T, text string, ents []gliner.Entity) {
	t.Helper()
	for i, e := range ents {
		require.True(t, 0 <= e.Start && e.Start < e.End && e.End <= len(text), "entity %d %+v", i, e)
		assert.Equal(t, text[e.Start:e.End], e.Text)
		assert.Equal(t, utf8.RuneCountInString(text[:e.Start]), e.RuneStart)
		assert.Equal(t, utf8.RuneCountInString(text[:e.End]), e.RuneEnd)
		assert.True(t, e.Score > 0 && e.Score <= 1, "score %v", e.Score)
		if i > 0 {
			assert.LessOrEqual(t, ents[i-1].End, e.Start, "entities %d and %d overlap", i-1, i)
		}
	}
}

// sameEntities compares entities exactly except for the scores, which may
// differ in the last bits when ONNX Runtime runs other batch shapes.
func sameEntities(t *testing.T, want, got []gliner.Entity, msgAndArgs ...any) {
	t.Helper()
	require.Len(t, got, len(want), msgAndArgs...)
	for i := range want {
		w, g := want[i], got[i]
		assert.InDelta(t, w.Score, g.Score, 1e-6, msgAndArgs...)
		w.Score, g.Score = 0, 0
		assert.Equal(t, w, g, msgAndArgs...)
	}
}

func TestBIOOpenAndExtract(t *testing.T) {
	m := openBIOFixture(t)
	assert.Equal(t, gliner.KindBIO, m.Kind())
	assert.Equal(t, []string{"Disease", "Chemical"}, m.Labels())
	window, stride := gliner.BIOWindow(m)
	assert.Equal(t, 126, window, "model_max_length 128 minus [CLS] and [SEP]")
	assert.Equal(t, 31, stride, "default stride: a quarter of the window")

	ctx := context.Background()
	text := "Cisplatin-induced nephrotoxicity and ototoxicity in children with neuroblastoma."
	ents, err := m.Extract(ctx, text, bioLabels)
	require.NoError(t, err)
	checkEntities(t, text, ents)
	require.NotEmpty(t, ents)
	t.Logf("%+v", ents)

	// Labels are matched case-insensitively and reported as given; only the
	// requested types are kept.
	lower, err := m.Extract(ctx, text, []string{"disease"})
	require.NoError(t, err)
	var want []gliner.Entity
	for _, e := range ents {
		if e.Label == "Disease" {
			e.Label = "disease"
			want = append(want, e)
		}
	}
	assert.Equal(t, want, lower)
	if want == nil {
		assert.Empty(t, lower)
	}

	_, err = m.Extract(ctx, text, []string{"Disease", "gene"})
	require.ErrorIs(t, err, gliner.ErrLabel)
	assert.Contains(t, err.Error(), `"gene"`)
	assert.Contains(t, err.Error(), "Disease, Chemical")
	_, err = m.Extract(ctx, text, []string{"O"})
	require.ErrorIs(t, err, gliner.ErrLabel, "O is no entity type")
	_, err = m.Extract(ctx, text, []string{" "})
	require.ErrorIs(t, err, gliner.ErrLabel)

	all, err := m.Extract(ctx, text, nil)
	require.NoError(t, err)
	sameEntities(t, ents, all, "no labels: all the schema's types (bioLabels is the whole schema)")
	blank, err := m.Extract(ctx, " \n", bioLabels)
	require.NoError(t, err)
	assert.Empty(t, blank)

	batch, err := m.ExtractBatch(ctx, []string{text, "", text}, bioLabels)
	require.NoError(t, err)
	sameEntities(t, ents, batch[0], "batch")
	assert.Empty(t, batch[1])
	sameEntities(t, ents, batch[2], "batch")
}

// bioFolder makes a model folder with the fixture's tokenizer and graph and
// the given config.json.
func bioFolder(t *testing.T, config string) string {
	t.Helper()
	src := bioFixture(t)
	dir := t.TempDir()
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json", "onnx"} {
		testenv.LinkTree(t, filepath.Join(src, f), filepath.Join(dir, f))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644))
	return dir
}

func TestBIOOpenErrors(t *testing.T) {
	bioFixture(t)
	cases := []struct {
		name, config string
		field        string
		want         error
	}{
		{"malformed json", `{"id2label": `, "", gliner.ErrBadConfig},
		{"no id2label", `{"model_type": "bert"}`, "id2label", gliner.ErrBadConfig},
		{"null id2label", `{"id2label": null}`, "id2label", gliner.ErrBadConfig},
		{"empty id2label", `{"id2label": {}}`, "id2label", gliner.ErrBadConfig},
		{"id2label not an object", `{"id2label": ["O"]}`, "id2label", gliner.ErrBadConfig},
		{"non-integer id", `{"id2label": {"0": "O", "x": "B-Disease"}}`, "id2label", gliner.ErrBadConfig},
		{"id gap", `{"id2label": {"0": "O", "2": "B-Disease"}}`, "id2label", gliner.ErrBadConfig},
		{"only O", `{"id2label": {"0": "O"}}`, "id2label", gliner.ErrBadConfig},
		{"empty tag", `{"id2label": {"0": "O", "1": ""}}`, "id2label", span.ErrTagSet},
		{"tags differ from the graph", `{"id2label": {"0": "O", "1": "B-Disease", "2": "I-Disease"}}`, "", gliner.ErrMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := gliner.Open(bioFolder(t, c.config))
			if m != nil {
				m.Close()
			}
			require.ErrorIs(t, err, c.want)
			if c.field != "" {
				var ce *gliner.ConfigError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, c.field, ce.Field)
				assert.Equal(t, "config.json", filepath.Base(ce.Path))
			}
		})
	}
	t.Run("no config", func(t *testing.T) {
		_, err := gliner.Open(t.TempDir())
		require.ErrorIs(t, err, gliner.ErrMissingFile)
	})
	t.Run("stride", func(t *testing.T) {
		for _, s := range []int{-1, 126, 500} {
			_, err := gliner.Open(bioFixture(t), gliner.WithStride(s))
			require.ErrorIs(t, err, gliner.ErrBadConfig, "stride %d", s)
		}
		m, err := gliner.Open(bioFixture(t), gliner.WithStride(0))
		require.NoError(t, err)
		m.Close()
	})
	t.Run("aggregation", func(t *testing.T) {
		_, err := gliner.Open(bioFixture(t), gliner.WithAggregation(span.Aggregation(9)))
		require.ErrorIs(t, err, gliner.ErrBadConfig)
	})
}

// conllSentence is one sentence of a CoNLL file: words and IOB2 tags.
type conllSentence struct{ words, tags []string }

func readCoNLLTags(t testing.TB, path string) []conllSentence {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []conllSentence
	var cur conllSentence
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			if len(cur.words) > 0 {
				out = append(out, cur)
			}
			cur = conllSentence{}
			continue
		}
		fields := strings.Split(line, "\t")
		cur.words = append(cur.words, fields[0])
		cur.tags = append(cur.tags, strings.TrimSpace(fields[len(fields)-1]))
	}
	require.NoError(t, sc.Err())
	if len(cur.words) > 0 {
		out = append(out, cur)
	}
	return out
}

// tjsResult is one text's answer of tools/oracle/tjs_token_classify.mjs.
type tjsResult struct {
	IDs      []int     `json:"ids"`
	Dims     []int     `json:"dims"`
	Logits   []float64 `json:"logits"`
	Pipeline []struct {
		Entity string  `json:"entity"`
		Score  float64 `json:"score"`
		Index  int     `json:"index"`
		Word   string  `json:"word"`
	} `json:"pipeline"`
}

func runTransformersJS(t *testing.T, dir string, texts []string) []tjsResult {
	t.Helper()
	node, oracle := testenv.Node(t)
	if _, err := os.Stat(filepath.Join(oracle, "node_modules", "@huggingface", "transformers")); err != nil {
		testenv.Missing(t, "transformers.js not installed in tools/oracle (run make deps)")
	}
	req, err := json.Marshal(map[string]any{"texts": texts})
	require.NoError(t, err)
	cmd := exec.Command(node, filepath.Join(oracle, "tjs_token_classify.mjs"), dir)
	cmd.Dir = oracle
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "transformers.js: %s", stderr.String())
	var resp struct {
		Results []tjsResult `json:"results"`
	}
	require.NoError(t, json.Unmarshal(out, &resp))
	require.Len(t, resp.Results, len(texts))
	return resp.Results
}

// TestBIOTransformersJS compares the Go path with transformers.js (which
// runs the same ONNX graph through onnxruntime-node) on NCBI-disease test
// sentences and a few hand-written texts: token ids, raw logits, and the
// token-classification pipeline's default output (aggregation none,
// ignoring O) against Extract with WithAggregation(AggregateNone).
func TestBIOTransformersJS(t *testing.T) {
	dir := bioFixture(t)
	m := openBIOFixture(t)
	mNone := openBIOFixture(t, gliner.WithAggregation(span.AggregateNone))
	window, _ := gliner.BIOWindow(m)
	var texts []string
	for _, s := range readCoNLLTags(t, testenv.DataFile(t, "conll/ncbi-disease/test.tsv")) {
		if len(texts) == 60 {
			break
		}
		texts = append(texts, strings.Join(s.words, " "))
	}
	texts = append(texts,
		"Café naïve Ärger: 5-fluorouracil (5-FU) induced cardiotoxicity in 3 patients.",
		"Doxorubicin [MASK] cardiomyopathy\tand  HIV-1 infection—rare?",
		"ÉTUDE: l'hépatite C chronique et la cirrhose.",
	)
	res := runTransformersJS(t, dir, texts)
	ctx := context.Background()
	var maxDiff, maxScoreDiff float64
	tokens := 0
	for i, text := range texts {
		run, err := gliner.RunBIO(m, text)
		require.NoError(t, err)
		require.Len(t, run.IDs, 1, "text %d must fit one window of %d tokens", i, window)
		r := res[i]
		require.Equal(t, r.IDs, run.IDs[0], "text %d: token ids", i)
		n := len(run.Tags)
		require.Equal(t, []int{1, len(r.IDs), n}, r.Dims)
		for k, v := range run.Logits[0] {
			maxDiff = max(maxDiff, math.Abs(float64(v)-r.Logits[k]))
		}
		tokens += len(r.IDs)

		ents, err := mNone.Extract(ctx, text, bioLabels)
		require.NoError(t, err)
		require.Len(t, ents, len(r.Pipeline), "text %d: token entities (Go %+v, transformers.js %+v)", i, ents, r.Pipeline)
		for k, p := range r.Pipeline {
			e := ents[k]
			typ := p.Entity[2:] // B-X, I-X
			assert.Equal(t, typ, e.Label, "text %d entity %d", i, k)
			tok := p.Index - run.Lead
			off := run.Offsets[tok]
			assert.Equal(t, [2]int{off.Start, off.End}, [2]int{e.RuneStart, e.RuneEnd}, "text %d entity %d (%q)", i, k, p.Word)
			maxScoreDiff = max(maxScoreDiff, math.Abs(p.Score-e.Score))
		}
	}
	t.Logf("%d texts, %d tokens: max |Go − transformers.js| logit %.3g, pipeline score %.3g", len(texts), tokens, maxDiff, maxScoreDiff)
	assert.LessOrEqual(t, maxDiff, 1e-5, "logits")
	assert.LessOrEqual(t, maxScoreDiff, 1e-6, "pipeline scores")
}

// pipelineEntity is an entity of the transcription of Hugging Face's
// token-classification pipeline below.
type pipelineEntity struct {
	group      string
	score      float64
	start, end int
}

// pipelineSimple transcribes the pipeline's postprocess for one window with
// aggregation_strategy="simple" (gather_pre_entities, softmax, argmax,
// group_entities, group_sub_entities, ignore_labels=["O"]), in float64.
// wordIDs of -1 are special tokens.
func pipelineSimple(tags []string, logits []float32, wordIDs []int, offsets []span.Offset) []pipelineEntity {
	n := len(tags)
	type pre struct {
		entity     string
		score      float64
		start, end int
	}
	var pres []pre
	for t, w := range wordIDs {
		if w < 0 {
			continue
		}
		row := logits[t*n : (t+1)*n]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = max(mx, float64(v))
		}
		sum, best := 0.0, 0
		for c, v := range row {
			sum += math.Exp(float64(v) - mx)
			if v > row[best] {
				best = c
			}
		}
		pres = append(pres, pre{tags[best], math.Exp(float64(row[best])-mx) / sum, offsets[t].Start, offsets[t].End})
	}
	getTag := func(e string) (string, string) {
		switch {
		case strings.HasPrefix(e, "B-"):
			return "B", e[2:]
		case strings.HasPrefix(e, "I-"):
			return "I", e[2:]
		}
		return "I", e
	}
	var out []pipelineEntity
	flush := func(g []pre) {
		if len(g) == 0 {
			return
		}
		e := g[0].entity
		if _, after, ok := strings.Cut(e, "-"); ok {
			e = after
		}
		s := 0.0
		for _, p := range g {
			s += p.score
		}
		if e != "O" {
			out = append(out, pipelineEntity{e, s / float64(len(g)), g[0].start, g[len(g)-1].end})
		}
	}
	var group []pre
	for _, p := range pres {
		if len(group) == 0 {
			group = append(group, p)
			continue
		}
		bi, tag := getTag(p.entity)
		_, lastTag := getTag(group[len(group)-1].entity)
		if tag == lastTag && bi != "B" {
			group = append(group, p)
		} else {
			flush(group)
			group = []pre{p}
		}
	}
	flush(group)
	return out
}

// aggregateOverlapping transcribes the pipeline's
// aggregate_overlapping_entities (stable sort by start, then keep the longer
// or, at equal length, the higher-scored of overlapping entities).
func aggregateOverlapping(ents []pipelineEntity) []pipelineEntity {
	if len(ents) == 0 {
		return ents
	}
	sorted := append([]pipelineEntity(nil), ents...)
	for i := 1; i < len(sorted); i++ { // insertion sort: stable
		for j := i; j > 0 && sorted[j].start < sorted[j-1].start; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	var out []pipelineEntity
	prev := sorted[0]
	for _, e := range sorted {
		if prev.start <= e.start && e.start < prev.end {
			cl, pl := e.end-e.start, prev.end-prev.start
			if cl > pl || cl == pl && e.score > prev.score {
				prev = e
			}
			continue
		}
		out = append(out, prev)
		prev = e
	}
	return append(out, prev)
}

// threeWindowText joins consecutive sentences, from the first, into a text
// that the model cuts into exactly three windows; ok is false if the
// sentences run out first.
func threeWindowText(t *testing.T, m *gliner.Model, sents []conllSentence) (text string, run gliner.BIORun, ok bool) {
	window, stride := gliner.BIOWindow(m)
	step := window - stride
	var parts []string
	for _, s := range sents {
		cand := append(parts, strings.Join(s.words, " "))
		r, err := gliner.RunBIO(m, strings.Join(cand, " "))
		require.NoError(t, err)
		if len(r.WordIDs) > 2*step+window {
			continue // this sentence would make it four windows
		}
		parts, run = cand, r
		if len(r.WordIDs) > step+window {
			return strings.Join(parts, " "), run, true
		}
	}
	return "", run, false
}

// windowEntities applies the pipeline transcription to each window of a run.
func windowEntities(run gliner.BIORun) [][]pipelineEntity {
	var out [][]pipelineEntity
	for k, s := range run.Windows {
		L := len(run.IDs[k])
		wids := make([]int, L)
		offs := make([]span.Offset, L)
		for i := range wids {
			wids[i] = -1
		}
		copy(wids[run.Lead:], run.WordIDs[s.Start:s.End])
		copy(offs[run.Lead:], run.Offsets[s.Start:s.End])
		out = append(out, pipelineSimple(run.Tags, run.Logits[k], wids, offs))
	}
	return out
}

// crossWindowOverlaps counts pairs of entities of different windows that
// overlap, which the merge must resolve.
func crossWindowOverlaps(perWindow [][]pipelineEntity) int {
	n := 0
	for k := range perWindow {
		for _, a := range perWindow[k] {
			for _, other := range perWindow[k+1:] {
				for _, b := range other {
					if a.start < b.end && b.start < a.end {
						n++
					}
				}
			}
		}
	}
	return n
}

// TestBIOStrideThreeWindows runs texts three windows long through Extract
// and compares their entities with the transcription of the pipeline's
// per-window simple aggregation and overlap merge applied to the same
// windows' logits. The texts are consecutive NCBI-disease test sentences;
// the test uses the first one on which windows disagree or repeat
// entities in their overlaps, so that the merge has work to do.
func TestBIOStrideThreeWindows(t *testing.T) {
	m := openBIOFixture(t)
	sents := readCoNLLTags(t, testenv.DataFile(t, "conll/ncbi-disease/test.tsv"))
	var text string
	var run gliner.BIORun
	var perWindow [][]pipelineEntity
	for from := 0; ; from += 5 {
		var ok bool
		text, run, ok = threeWindowText(t, m, sents[from:])
		require.True(t, ok, "no three-window text whose windows overlap in their entities")
		require.Len(t, run.Windows, 3)
		if perWindow = windowEntities(run); crossWindowOverlaps(perWindow) > 0 {
			t.Logf("sentences from %d: %d runes, %d tokens, windows %v, %d overlapping pairs across windows",
				from, utf8.RuneCountInString(text), len(run.WordIDs), run.Windows, crossWindowOverlaps(perWindow))
			break
		}
	}
	var all []pipelineEntity
	for _, w := range perWindow {
		all = append(all, w...)
	}
	want := aggregateOverlapping(all)
	ents, err := m.Extract(context.Background(), text, bioLabels)
	require.NoError(t, err)
	checkEntities(t, text, ents)
	require.Len(t, ents, len(want), "Go %+v\npipeline %+v", ents, want)
	for i, w := range want {
		e := ents[i]
		assert.Equal(t, w.group, e.Label, "entity %d", i)
		assert.Equal(t, [2]int{w.start, w.end}, [2]int{e.RuneStart, e.RuneEnd}, "entity %d", i)
		assert.InDelta(t, w.score, e.Score, 1e-6, "entity %d", i)
	}
	t.Logf("%d entities from %d window entities", len(want), len(all))
	assert.Less(t, len(want), len(all), "the merge removes overlapping entities")

	_, err = openBIOFixture(t, gliner.WithAggregation(span.AggregateNone)).Extract(context.Background(), text, bioLabels)
	require.ErrorIs(t, err, span.ErrAggregation, "strategy none cannot merge windows")
	_, err = openBIOFixture(t, gliner.WithLongTexts(gliner.RefuseLongTexts)).Extract(context.Background(), text, bioLabels)
	require.ErrorIs(t, err, gliner.ErrTextTooLong)
	first := strings.Join(sents[0].words, " ")
	short, err := openBIOFixture(t, gliner.WithLongTexts(gliner.RefuseLongTexts)).Extract(context.Background(), first, bioLabels)
	require.NoError(t, err)
	checkEntities(t, first, short)
}

// bioF1Floor is a regression guard a little below the fixture's measured seqeval
// strict F1 on the NCBI-disease test split (see the test log).
const bioF1Floor = 0.60

// TestBIOConcurrent runs Extract from several goroutines on one model.
func TestBIOConcurrent(t *testing.T) {
	m := openBIOFixture(t, gliner.WithBatchSize(2))
	var texts []string
	for _, s := range readCoNLLTags(t, testenv.DataFile(t, "conll/ncbi-disease/test.tsv"))[:24] {
		texts = append(texts, strings.Join(s.words, " "))
	}
	ctx := context.Background()
	want, err := m.ExtractBatch(ctx, texts, bioLabels)
	require.NoError(t, err)
	got := make([][][]gliner.Entity, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[g] = make([][]gliner.Entity, len(texts))
			for i, text := range texts {
				if got[g][i], errs[g] = m.Extract(ctx, text, bioLabels); errs[g] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	for g := range got {
		require.NoError(t, errs[g])
		for i := range texts {
			sameEntities(t, want[i], got[g][i], "goroutine %d, text %d", g, i)
		}
	}
}

// graphEditScript derives variants of the fixture's graph with python3-onnx:
// "no-token-types" replaces the token_type_ids input by zeros computed in
// the graph (as DeBERTa/RoBERTa exports have no such input), "extra-input"
// adds an int64 position_ids input the contract does not know.
const graphEditScript = `
import sys, onnx
from onnx import helper, TensorProto
mode, src, dst = sys.argv[1:4]
m = onnx.load(src)
g = m.graph
if mode == "no-token-types":
    g.input.remove([i for i in g.input if i.name == "token_type_ids"][0])
    g.node.insert(0, helper.make_node("ConstantOfShape", ["tt_shape"], ["token_type_ids"],
                                      value=helper.make_tensor("zero", TensorProto.INT64, [1], [0])))
    g.node.insert(0, helper.make_node("Shape", ["input_ids"], ["tt_shape"]))
else:
    g.input.append(helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["batch", "sequence"]))
onnx.checker.check_model(m)
onnx.save(m, dst)
`

// bioGraphVariant writes a model folder with the fixture's config and
// tokenizer and a graph derived by graphEditScript.
func bioGraphVariant(t *testing.T, mode string) string {
	t.Helper()
	py := testenv.Python(t, "onnx")
	src := bioFixture(t)
	dir := t.TempDir()
	for _, f := range []string{"config.json", "tokenizer.json", "tokenizer_config.json"} {
		testenv.LinkTree(t, filepath.Join(src, f), filepath.Join(dir, f))
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, "onnx"), 0o755))
	script := filepath.Join(t.TempDir(), "edit.py")
	require.NoError(t, os.WriteFile(script, []byte(graphEditScript), 0o644))
	out, err := exec.Command(py, script, mode, filepath.Join(src, "onnx", "model.onnx"), filepath.Join(dir, "onnx", "model.onnx")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return dir
}

func TestBIOGraphVariants(t *testing.T) {
	var texts []string
	for _, s := range readCoNLLTags(t, testenv.DataFile(t, "conll/ncbi-disease/test.tsv"))[:16] {
		texts = append(texts, strings.Join(s.words, " "))
	}
	ctx := context.Background()
	want, err := openBIOFixture(t).ExtractBatch(ctx, texts, bioLabels)
	require.NoError(t, err)

	t.Run("no token_type_ids", func(t *testing.T) {
		m, err := gliner.Open(bioGraphVariant(t, "no-token-types"))
		require.NoError(t, err)
		defer m.Close()
		got, err := m.ExtractBatch(ctx, texts, bioLabels)
		require.NoError(t, err)
		for i := range texts {
			sameEntities(t, want[i], got[i], "text %d", i)
		}
	})
	t.Run("unknown input", func(t *testing.T) {
		_, err := gliner.Open(bioGraphVariant(t, "extra-input"))
		require.ErrorIs(t, err, encoder.ErrContract)
		assert.Contains(t, err.Error(), "position_ids")
	})
	t.Run("BIOES tags", func(t *testing.T) {
		dir := bioFolder(t, `{"id2label": {"0": "O", "1": "B-Disease", "2": "I-Disease", "3": "S-Disease", "4": "E-Disease"}}`)
		m, err := gliner.Open(dir)
		require.NoError(t, err)
		defer m.Close()
		assert.Equal(t, []string{"Disease"}, m.Labels())
		got, err := m.ExtractBatch(ctx, texts, []string{"disease"})
		require.NoError(t, err)
		for i, text := range texts {
			checkEntities(t, text, got[i])
		}
		_, err = m.Extract(ctx, texts[0], []string{"Chemical"})
		require.ErrorIs(t, err, gliner.ErrLabel)
	})
}
