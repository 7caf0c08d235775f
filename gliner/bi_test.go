package gliner

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/internal/testenv"
	"github.com/gliner-go/gliner/span"
)

// The bi-encoder fixture testdata/models/bi-span is written by
// tools/biencoder (train.py, then scripts/export_biencoder.py --one-graph);
// its fused-shape graphs are in its fused/ subfolder; the goldens
// testdata/golden/bi-span.jsonl.gz by tools/biencoder/gen_goldens.py (torch
// forward of the same checkpoint).

const biFixture = "bi-span"

type biHeader struct {
	goldenHeader
	LabelInputIDs [][]int      `json:"label_input_ids"`
	LabelVectors  goldenLogits `json:"label_vectors"`
}

func readBiGolden(t testing.TB) (biHeader, []goldenText) {
	t.Helper()
	path := filepath.Join(testenv.RepoRoot(), "testdata", "golden", biFixture+".jsonl.gz")
	_, lines := readGolden(t, path)
	bh := readBiHeader(t)
	texts := make([]goldenText, len(lines))
	for i, l := range lines {
		require.NoError(t, json.Unmarshal(l, &texts[i]))
	}
	return bh, texts
}

// readBiHeader re-reads the header line with the bi-encoder fields.
func readBiHeader(t testing.TB) biHeader {
	t.Helper()
	path := filepath.Join(testenv.RepoRoot(), "testdata", "golden", biFixture+".jsonl.gz")
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	var h biHeader
	require.NoError(t, json.NewDecoder(zr).Decode(&h))
	return h
}

func maxAbsDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestBiGolden checks the two-graph (matched) path against the torch
// reference of the same checkpoint: label token ids, label vectors, text
// tensors, logits (span_reps · label_vectorsᵀ by span.MatchLogits) and the
// entities of four decoding settings on the NCBI-disease and BC5CDR test
// texts and the edge cases; scores to 1e-5.
func TestBiGolden(t *testing.T) {
	h, texts := readBiGolden(t)
	if testing.Short() {
		texts = texts[len(texts)-40:] // the edge cases and some BC5CDR texts
	}
	m := openFixture(t, biFixture, WithBatchSize(1), WithLongTexts(TruncateLongTexts))
	require.Equal(t, KindBiSpan, m.Kind())
	require.Equal(t, biMatched, m.bi.mode)
	ctx := context.Background()

	for i, l := range h.DefaultLabels {
		assert.Equal(t, h.LabelInputIDs[i], m.bi.labelIDs(l), "label %q ids", l)
	}
	lv, err := m.labelVectors(ctx, h.DefaultLabels)
	require.NoError(t, err)
	wantLV := decodeF32(t, &h.LabelVectors)
	require.Len(t, lv, len(wantLV))
	lvDiff := maxAbsDiff(lv, wantLV)
	assert.Less(t, lvDiff, 1e-5, "label vectors: max |torch - ORT|")

	var nTexts, nEnts, nLogits int
	logitDiff := 0.0
	for _, g := range texts {
		labels := g.Labels
		if labels == nil {
			labels = h.DefaultLabels
		}
		if g.Valid {
			et := m.encodeText(g.Text, nil)
			assert.Equal(t, g.NWords, len(et.words), "%s n_words", g.ID)
			assert.Equal(t, g.InputIDs, et.ids, "%s input_ids", g.ID)
			assert.Equal(t, g.WordsMask, et.wordsMask, "%s words_mask", g.ID)
			if g.Logits != nil {
				logitDiff = math.Max(logitDiff, biLogitsDiff(t, m, g, labels, et))
				nLogits++
			}
		}
		for _, s := range h.Settings {
			got, err := m.Extract(ctx, g.Text, labels, s.options(t, labels)...)
			require.NoError(t, err, g.ID)
			assertEntities(t, g.Entities[s.Name], got, "%s %s", g.ID, s.Name)
			nEnts += len(got)
		}
		nTexts++
	}
	assert.Less(t, logitDiff, 1e-4, "max |torch - Go| logit difference")
	t.Logf("%d texts × %d settings: %d entities equal to the torch reference; label vectors max diff %.2g; %d logit tensors, max diff %.2g",
		nTexts, len(h.Settings), nEnts, lvDiff, nLogits, logitDiff)
}

// biLogitsDiff computes one text's logits the way the model's batches do
// (the factorised kernel when the model uses it, else the text graph's span
// rows matched with the label vectors) and returns the largest difference
// from the golden ones.
func biLogitsDiff(t *testing.T, m *Model, g goldenText, labels []string, et encodedText) float64 {
	t.Helper()
	ctx := context.Background()
	labels, err := m.checkLabels(labels)
	require.NoError(t, err)
	vecs, err := m.labelVectors(ctx, labels)
	require.NoError(t, err)
	W, K, C := len(et.words), m.cfg.MaxWidth, len(labels)
	require.Equal(t, g.Logits.Dims, []int64{1, int64(W), int64(K), int64(C)})
	got := make([]float32, W*K*C)
	if f := m.bi.factor; f != nil {
		fs, err := f.run(ctx, m, []encodedText{et})
		require.NoError(t, err)
		f.textLogits(got, fs, 0, W, f.fold(vecs), nil, K)
		return maxAbsDiff(got, decodeF32(t, g.Logits))
	}
	outs, err := m.bi.text.Run(ctx, m.inputTensors([]encodedText{et}))
	require.NoError(t, err)
	require.Equal(t, []int64{1, int64(W), int64(K), int64(m.bi.dim)}, outs[0].Shape)
	span.MatchLogits(got, outs[0].Float32, vecs, m.bi.dim)
	return maxAbsDiff(got, decodeF32(t, g.Logits))
}

// biShapeFolder builds a temporary folder holding the fixture with its
// graphs replaced: "fused" takes fused/*.onnx, "one-graph" drops the
// two-graph files so that model.onnx is used.
func biShapeFolder(t testing.TB, shape string) string {
	t.Helper()
	src := filepath.Join(testenv.RepoRoot(), "testdata", "models", biFixture)
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range ents {
		n := e.Name()
		if n == "fused" || n == "checkpoint" || (shape == "one-graph" && (n == TextGraphFile || n == LabelsGraphFile)) {
			continue
		}
		from := filepath.Join(src, n)
		if shape == "fused" && (n == TextGraphFile || n == LabelsGraphFile) {
			from = filepath.Join(src, "fused", n)
		}
		testenv.LinkTree(t, from, filepath.Join(dst, n))
	}
	return dst
}

// openBiDir opens a model folder with a silent logger, skipping (or failing
// under GLINER_REQUIRE_SHARED=1) when ONNX Runtime is missing; the model is
// closed when the test ends.
func openBiDir(t testing.TB, dir string, opts ...Option) *Model {
	t.Helper()
	opts = append([]Option{WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	m, err := Open(dir, opts...)
	var nf *encoder.LibraryNotFoundError
	if errors.As(err, &nf) {
		testenv.Missing(t, "ONNX Runtime not found (run scripts/setup-ort.sh): %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// TestBiShapes checks that the three ways to run the fixture give the
// reference's entities in padded batches of 8 (every text at threshold 0.3
// multi-label, the first 100 texts with the other settings): the matched
// two-graph folder
// (Go matching kernel), the fused two-graph export (label embeddings fed to
// the text graph) and the reference's one-graph export (both encoders in
// one graph, labels encoded on every call).
func TestBiShapes(t *testing.T) {
	h, texts := readBiGolden(t)
	if testing.Short() {
		texts = texts[:60]
	}
	models := map[string]*Model{
		"matched":   openFixture(t, biFixture, WithBatchSize(8), WithLongTexts(TruncateLongTexts)),
		"fused":     openBiDir(t, biShapeFolder(t, "fused"), WithBatchSize(8), WithLongTexts(TruncateLongTexts)),
		"one-graph": openBiDir(t, biShapeFolder(t, "one-graph"), WithBatchSize(8), WithLongTexts(TruncateLongTexts)),
	}
	assert.Equal(t, biFused, models["fused"].bi.mode)
	assert.Equal(t, biOneGraph, models["one-graph"].bi.mode)
	var batch []goldenText
	for _, g := range texts {
		if g.Labels == nil {
			batch = append(batch, g)
		}
	}
	in := make([]string, len(batch))
	for i, g := range batch {
		in[i] = g.Text
	}
	for name, m := range models {
		for _, s := range h.Settings {
			// The first 300 texts (NCBI-disease titles and abstracts) with
			// the setting that keeps the most spans (threshold 0.3,
			// multi-label); the first 100 with the others. TestBiGolden
			// covers every text on the two-graph path; this test shows the
			// three folder shapes agree, within the suite's time budget.
			n := min(len(batch), 300)
			if s.Name != "flat_multi_0.3" {
				n = min(n, 100)
			}
			got, err := m.ExtractBatch(context.Background(), in[:n], h.DefaultLabels, s.options(t, h.DefaultLabels)...)
			require.NoError(t, err, name)
			for i, g := range batch[:n] {
				assertEntities(t, g.Entities[s.Name], got[i], "%s: %s %s", name, g.ID, s.Name)
			}
		}
	}
	// The one-graph export returns the logits themselves: compare them.
	og := models["one-graph"]
	for _, g := range texts {
		if g.Logits == nil || g.Labels != nil {
			continue
		}
		et := og.encodeText(g.Text, nil)
		in := append(og.inputTensors([]encodedText{et}), og.bi.labelIDTensors(h.DefaultLabels)...)
		outs, err := og.bi.text.Run(context.Background(), in)
		require.NoError(t, err)
		assert.Less(t, maxAbsDiff(outs[0].Float32, decodeF32(t, g.Logits)), 1e-4, "%s one-graph logits", g.ID)
	}
}

// TestBiLabelCache checks that extraction with cached label embeddings
// (in memory, on disk, or a LabelSet) equals extraction without any cache,
// and that a warm disk cache means no label-encoder run at all.
func TestBiLabelCache(t *testing.T) {
	_, texts := readBiGolden(t)
	var in []string
	for _, g := range texts[:12] {
		in = append(in, g.Text)
	}
	labels := []string{"disease", "chemical", "gene", "gene or protein", "drug", "person", "cell line"}
	ctx := context.Background()
	opts := []ExtractOption{WithThreshold(0.3), WithNested()}

	nocache := openFixture(t, biFixture, WithLabelCacheSize(0))
	want, err := nocache.ExtractBatch(ctx, in, labels, opts...)
	require.NoError(t, err)
	_, err = nocache.ExtractBatch(ctx, in, labels, opts...)
	require.NoError(t, err)
	lengths := map[int]bool{}
	for _, l := range labels {
		lengths[len(nocache.bi.labelIDs(l))] = true
	}
	assert.Equal(t, int64(2*len(lengths)), nocache.biLabelRuns(), "without a cache every call encodes the labels (one run per token length)")

	dir := t.TempDir()
	cold := openFixture(t, biFixture, WithLabelCache(dir))
	got, err := cold.ExtractBatch(ctx, in, labels, opts...)
	require.NoError(t, err)
	assert.Equal(t, want, got, "cold cache")
	runs := cold.biLabelRuns()
	assert.Positive(t, runs)
	got, err = cold.ExtractBatch(ctx, in, labels, opts...)
	require.NoError(t, err)
	assert.Equal(t, want, got, "warm memory cache")
	assert.Equal(t, runs, cold.biLabelRuns(), "a warm memory cache runs no label encoder")
	ls, err := cold.PrecomputeLabels(ctx, append(labels, "disease"))
	require.NoError(t, err)
	assert.Equal(t, labels, ls.Labels())
	got, err = cold.ExtractBatch(ctx, in, nil, append(opts, WithLabelSet(ls))...)
	require.NoError(t, err)
	assert.Equal(t, want, got, "label set")
	require.NoError(t, cold.Close())

	files, err := filepath.Glob(filepath.Join(dir, "*.labels"))
	require.NoError(t, err)
	require.Len(t, files, 1, "one cache file per model")

	warm := openFixture(t, biFixture, WithLabelCache(dir))
	got, err = warm.ExtractBatch(ctx, in, labels, opts...)
	require.NoError(t, err)
	assert.Equal(t, want, got, "warm disk cache")
	assert.Zero(t, warm.biLabelRuns(), "a warm disk cache runs no label encoder")

	// Corrupt, truncated, stale (other model, other version) files are
	// detected, ignored and rewritten.
	good, err := os.ReadFile(files[0])
	require.NoError(t, err)
	otherModel := encodeCache([]cacheEntry{{label: "disease", vec: make([]float32, warm.bi.dim)}}, [32]byte{1}, warm.bi.dim)
	otherVersion := append([]byte(nil), good...)
	otherVersion[len(cacheMagic)] = 9
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0x40
	for name, data := range map[string][]byte{
		"flipped byte": flipped, "truncated": good[:len(good)/3], "other model": otherModel,
		"other version": otherVersion, "empty": nil, "garbage": []byte("not a cache"),
	} {
		require.NoError(t, os.WriteFile(files[0], data, 0o644))
		m := openFixture(t, biFixture, WithLabelCache(dir))
		got, err := m.ExtractBatch(ctx, in, labels, opts...)
		require.NoError(t, err, name)
		assert.Equal(t, want, got, name)
		assert.Positive(t, m.biLabelRuns(), "%s: the bad file must not be trusted", name)
		require.NoError(t, m.Close())
		rewritten, err := os.ReadFile(files[0])
		require.NoError(t, err)
		_, err = decodeCache(rewritten, warm.bi.cache.id, warm.bi.dim)
		assert.NoError(t, err, "%s: the file is rewritten", name)
	}
}

// TestBiLabelSetErrors checks the misuse of label sets.
func TestBiLabelSetErrors(t *testing.T) {
	ctx := context.Background()
	a := openFixture(t, biFixture)
	b := openFixture(t, biFixture)
	ls, err := a.PrecomputeLabels(ctx, []string{"disease", "chemical"})
	require.NoError(t, err)
	_, err = b.Extract(ctx, "Aspirin and asthma.", nil, WithLabelSet(ls))
	assert.ErrorIs(t, err, ErrMismatch)
	_, err = a.Extract(ctx, "Aspirin and asthma.", []string{"chemical", "disease"}, WithLabelSet(ls))
	assert.ErrorIs(t, err, ErrLabel)
	_, err = a.PrecomputeLabels(ctx, []string{"disease", " "})
	assert.ErrorIs(t, err, ErrLabel)
	got, err := a.Extract(ctx, "Aspirin and asthma.", []string{"disease", "chemical"}, WithLabelSet(ls))
	require.NoError(t, err)
	want, err := a.Extract(ctx, "Aspirin and asthma.", []string{"disease", "chemical"})
	require.NoError(t, err)
	assert.Equal(t, want, got)
	require.NoError(t, a.Close())
	_, err = a.PrecomputeLabels(ctx, []string{"disease"})
	assert.ErrorIs(t, err, ErrClosed)
}

// TestBiOpenErrors checks the folder checks of bi-encoder models.
func TestBiOpenErrors(t *testing.T) {
	dir := biShapeFolder(t, "matched")
	require.NoError(t, os.RemoveAll(filepath.Join(dir, LabelsTokenizerDir)))
	_, err := Open(dir)
	assert.ErrorIs(t, err, ErrMissingFile)

	dir = biShapeFolder(t, "matched")
	require.NoError(t, os.Remove(filepath.Join(dir, LabelsGraphFile)))
	require.NoError(t, os.Remove(filepath.Join(dir, "model.onnx")))
	_, err = Open(dir)
	assert.ErrorIs(t, err, ErrMissingFile)

	// A matched text graph with a fused label graph: contract mismatch.
	dir = biShapeFolder(t, "matched")
	require.NoError(t, os.Remove(filepath.Join(dir, LabelsGraphFile)))
	testenv.LinkTree(t, filepath.Join(testenv.RepoRoot(), "testdata", "models", biFixture, "fused", LabelsGraphFile), filepath.Join(dir, LabelsGraphFile))
	_, err = Open(dir)
	var nf *encoder.LibraryNotFoundError
	if errors.As(err, &nf) {
		testenv.Missing(t, "ONNX Runtime not found: %v", err)
	}
	assert.ErrorIs(t, err, encoder.ErrContract)
}
