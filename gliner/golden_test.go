package gliner

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/internal/testenv"
	"github.com/gliner-go/gliner/span"
	"github.com/gliner-go/gliner/tokenize"
)

// The golden files are written by the Python reference
// (tools/reference/gen_goldens.py, format in testdata/golden/README.md).

type goldenSetting struct {
	Name       string          `json:"name"`
	Threshold  json.RawMessage `json:"threshold"`
	FlatNER    bool            `json:"flat_ner"`
	MultiLabel bool            `json:"multi_label"`
}

// options turns a golden setting into extract options.
// options returns the setting's options for a call with labels: the
// reference ignores the per-label thresholds of labels not in the call,
// which this library refuses (ErrBadOption), so they are left out.
func (s goldenSetting) options(t testing.TB, labels []string) []ExtractOption {
	var opts []ExtractOption
	var global float64
	if err := json.Unmarshal(s.Threshold, &global); err == nil {
		opts = append(opts, WithThreshold(global))
	} else {
		var per map[string]float64
		require.NoError(t, json.Unmarshal(s.Threshold, &per), "threshold of %s", s.Name)
		for l, th := range per {
			if slices.Contains(labels, l) {
				opts = append(opts, WithLabelThreshold(l, th))
			}
		}
	}
	if !s.FlatNER {
		opts = append(opts, WithNested())
	}
	if s.MultiLabel {
		opts = append(opts, WithMultiLabel())
	}
	return opts
}

type goldenHeader struct {
	Kind          string          `json:"kind"`
	Fixture       string          `json:"fixture"`
	ModelDir      string          `json:"model_dir"`
	DefaultLabels []string        `json:"default_labels"`
	Labels        []string        `json:"labels"` // GLiNER.js goldens
	Settings      []goldenSetting `json:"settings"`
	TokenLevel    bool            `json:"token_level"`
}

type goldenEntity struct {
	Start     int     `json:"start"`
	End       int     `json:"end"`
	StartByte int     `json:"start_byte"`
	EndByte   int     `json:"end_byte"`
	Text      string  `json:"text"`
	Label     string  `json:"label"`
	Score     float64 `json:"score"`
}

type goldenLogits struct {
	Dims []int64 `json:"dims"`
	Data string  `json:"f32le_b64"`
}

type goldenText struct {
	Kind          string                    `json:"kind"`
	ID            string                    `json:"id"`
	Text          string                    `json:"text"`
	Labels        []string                  `json:"labels"`
	Valid         bool                      `json:"valid"`
	NWords        int                       `json:"n_words"`
	InputIDs      []int                     `json:"input_ids"`
	WordsMask     []int64                   `json:"words_mask"`
	Logits        *goldenLogits             `json:"logits"`
	Entities      map[string][]goldenEntity `json:"entities"`
	Texts         []string                  `json:"texts"`
	BatchEntities map[string][][]goldenEntity
}

// readGolden reads a gzip JSON-lines golden file: its header and lines.
func readGolden(t testing.TB, path string) (goldenHeader, []json.RawMessage) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 256<<20)
	var h goldenHeader
	var lines []json.RawMessage
	for sc.Scan() {
		if h.Kind == "" {
			require.NoError(t, json.Unmarshal(sc.Bytes(), &h))
			require.Equal(t, "header", h.Kind)
			continue
		}
		lines = append(lines, append(json.RawMessage(nil), sc.Bytes()...))
	}
	require.NoError(t, sc.Err())
	return h, lines
}

func decodeF32(t testing.TB, l *goldenLogits) []float32 {
	b, err := base64.StdEncoding.DecodeString(l.Data)
	require.NoError(t, err)
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// openFixture opens a fixture model folder of testdata/models, skipping (or
// failing under GLINER_REQUIRE_SHARED=1) when ONNX Runtime is missing.
func openFixture(t testing.TB, name string, opts ...Option) *Model {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(), "testdata", "models", name)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("fixture %s missing: regenerate with make fixtures", name)
	}
	return openBiDir(t, dir, opts...)
}

// withText fills in the text of golden entities, which the files may omit:
// the code-point slice of the source.
func withText(source string, want []goldenEntity) []goldenEntity {
	runes := []rune(source)
	out := make([]goldenEntity, len(want))
	for i, w := range want {
		if w.Text == "" && 0 <= w.Start && w.Start <= w.End && w.End <= len(runes) {
			w.Text = string(runes[w.Start:w.End])
		}
		out[i] = w
	}
	return out
}

func assertEntities(t testing.TB, want []goldenEntity, got []Entity, msgAndArgs ...any) {
	t.Helper()
	if !assert.Equal(t, len(want), len(got), msgAndArgs...) {
		t.Logf("want %+v\ngot  %+v", want, got)
		return
	}
	for i := range want {
		w, g := want[i], got[i]
		ok := assert.Equal(t, []any{w.Start, w.End, w.StartByte, w.EndByte, w.Text, w.Label},
			[]any{g.RuneStart, g.RuneEnd, g.Start, g.End, g.Text, g.Label}, msgAndArgs...)
		ok = assert.InDelta(t, w.Score, g.Score, 1e-5, msgAndArgs...) && ok
		if !ok {
			return
		}
	}
}

var goldenFixtures = []string{"span-deberta", "span-bert", "token-deberta-new", "token-deberta-old"}

// goldenFile returns the golden file of a fixture: the two token-level
// fixtures share weights (one graph per output layout) and one golden.
func goldenFile(fx, suffix string) string {
	if fx == "token-deberta-old" {
		fx = "token-deberta-new"
	}
	return filepath.Join(testenv.RepoRoot(), "testdata", "golden", fx+suffix)
}

// TestGoldenReference checks, for every fixture model, the tensors the Go
// side builds, its logits and the entities it returns against the Python
// reference on the NCBI-disease and BC5CDR test texts and edge cases, for
// flat, nested, multi-label and per-label thresholds; scores to 1e-5.
//
// Each text is run once and its logits decoded with every setting through
// the same decoding path Extract uses; every publicEvery-th text (and every
// edge case) also goes through the public Extract for every setting.
func TestGoldenReference(t *testing.T) {
	const publicEvery = 10
	for _, fx := range goldenFixtures {
		t.Run(fx, func(t *testing.T) {
			h, lines := readGolden(t, goldenFile(fx, ".jsonl.gz"))
			m := openFixture(t, fx, WithBatchSize(1), WithLongTexts(TruncateLongTexts))
			ctx := context.Background()
			var nTexts, nEnts, nLogits, nPublic int
			for k, raw := range lines {
				var g goldenText
				require.NoError(t, json.Unmarshal(raw, &g))
				labels := g.Labels
				if labels == nil {
					labels = h.DefaultLabels
				}
				labels, err := m.checkLabels(labels)
				require.NoError(t, err, g.ID)
				if g.Valid {
					et := checkTensors(t, m, g, labels)
					logits, err := m.run(ctx, []encodedText{et})
					require.NoError(t, err, g.ID)
					if g.Logits != nil {
						checkLogits(t, m, g, logits)
						nLogits++
					}
					for _, s := range h.Settings {
						got := decodeSetting(t, m, g.Text, et, logits, labels, s)
						assertEntities(t, withText(g.Text, g.Entities[s.Name]), got, "%s %s", g.ID, s.Name)
						nEnts += len(got)
					}
				}
				if !g.Valid || k%publicEvery == 0 || strings.HasPrefix(g.ID, "edge:") {
					for _, s := range h.Settings {
						got, err := m.Extract(ctx, g.Text, g.labelsOr(h.DefaultLabels), s.options(t, g.labelsOr(h.DefaultLabels))...)
						require.NoError(t, err, g.ID)
						assertEntities(t, withText(g.Text, g.Entities[s.Name]), got, "%s %s (Extract)", g.ID, s.Name)
					}
					nPublic++
				}
				nTexts++
			}
			t.Logf("%s: %d texts, %d settings, %d entities equal to the reference (%d texts also through Extract); %d logit tensors compared", fx, nTexts, len(h.Settings), nEnts, nPublic, nLogits)
		})
	}
}

// decodeSetting decodes the logits of one encoded text with a setting
// through the decoding path of Extract.
func decodeSetting(t testing.TB, m *Model, text string, et encodedText, logits encoder.Tensor, labels []string, s goldenSetting) []Entity {
	t.Helper()
	ec := newExtractConfig(s.options(t, labels))
	opts := span.Options{Thresholds: thresholds(labels, ec), Nested: ec.nested, MultiLabel: ec.multiLabel}
	out := make([][]Entity, 1)
	require.NoError(t, m.decodeBatch(logits, []string{text}, []int{0}, []encodedText{et}, []int{len(et.words)}, labels, opts, out))
	return out[0]
}

// extractSettings returns the entities of text for every setting, running
// the model once (Extract would run it once per setting).
func extractSettings(t testing.TB, m *Model, text string, labels []string, settings []goldenSetting) map[string][]Entity {
	t.Helper()
	labels, err := m.checkLabels(labels)
	require.NoError(t, err)
	res := map[string][]Entity{}
	if tokenize.IsBlank(text) {
		for _, s := range settings {
			res[s.Name] = []Entity{}
		}
		return res
	}
	et := m.encodeText(text, m.promptWords(labels))
	logits, err := m.run(context.Background(), []encodedText{et})
	require.NoError(t, err)
	for _, s := range settings {
		res[s.Name] = decodeSetting(t, m, text, et, logits, labels, s)
	}
	return res
}

func (g goldenText) labelsOr(def []string) []string {
	if g.Labels != nil {
		return g.Labels
	}
	return def
}

func checkTensors(t *testing.T, m *Model, g goldenText, labels []string) encodedText {
	t.Helper()
	et := m.encodeText(g.Text, m.promptWords(labels))
	assert.Equal(t, g.NWords, len(et.words), "%s n_words", g.ID)
	assert.Equal(t, g.InputIDs, et.ids, "%s input_ids", g.ID)
	assert.Equal(t, g.WordsMask, et.wordsMask, "%s words_mask", g.ID)
	return et
}

func checkLogits(t *testing.T, m *Model, g goldenText, out encoder.Tensor) {
	t.Helper()
	dims, want := g.Logits.Dims, decodeF32(t, g.Logits)
	if m.kind == KindToken && m.layout == span.LayoutPositionFirst {
		dims, want = positionFirst(dims, want) // the golden holds [B,W,C,3]
	}
	require.Equal(t, dims, out.Shape, "%s logits shape", g.ID)
	maxDiff := 0.0
	for i := range want {
		maxDiff = math.Max(maxDiff, math.Abs(float64(want[i]-out.Float32[i])))
	}
	assert.Less(t, maxDiff, 1e-4, "%s: max |torch - ORT| logit difference", g.ID)
}

// TestGoldenBatched checks that ExtractBatch over padded batches of three
// returns the entities of the reference's batched runs, which equal the
// single-text runs.
func TestGoldenBatched(t *testing.T) {
	for _, fx := range goldenFixtures {
		t.Run(fx, func(t *testing.T) {
			h, lines := readGolden(t, goldenFile(fx, ".batched.jsonl.gz"))
			m := openFixture(t, fx, WithBatchSize(3), WithLongTexts(TruncateLongTexts))
			for _, raw := range lines {
				var g struct {
					IDs      []string                    `json:"ids"`
					Texts    []string                    `json:"texts"`
					Entities map[string][][]goldenEntity `json:"entities"`
				}
				require.NoError(t, json.Unmarshal(raw, &g))
				for _, s := range h.Settings {
					got, err := m.ExtractBatch(context.Background(), g.Texts, h.DefaultLabels, s.options(t, h.DefaultLabels)...)
					require.NoError(t, err)
					for i := range g.Texts {
						assertEntities(t, withText(g.Texts[i], g.Entities[s.Name][i]), got[i], "%s %s", g.IDs[i], s.Name)
					}
				}
			}
		})
	}
}

// positionFirst permutes [B,W,C,3] logits to [3,B,W,C].
func positionFirst(dims []int64, x []float32) ([]int64, []float32) {
	B, W, C := int(dims[0]), int(dims[1]), int(dims[2])
	out := make([]float32, len(x))
	for b := 0; b < B; b++ {
		for w := 0; w < W; w++ {
			for c := 0; c < C; c++ {
				for p := 0; p < 3; p++ {
					out[((p*B+b)*W+w)*C+c] = x[((b*W+w)*C+c)*3+p]
				}
			}
		}
	}
	return []int64{3, dims[0], dims[1], dims[2]}, out
}
