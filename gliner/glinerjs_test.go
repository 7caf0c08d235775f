package gliner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/internal/testenv"
)

// GLiNER.js (npm gliner@0.0.19) deviates from the Python reference in
// documented ways (shared/ENVIRONMENT.md, testdata/golden/README.md). These
// are the classes of difference a GLiNER.js run may show; anything else is a
// failure.
var glinerJSDeviations = map[string]bool{
	"first-input-id-1":      true,
	"no-max-len-truncation": true,
	// GLiNER.js does not cut the sub-token sequence at the tokenizer's
	// model_max_length (512 for BERT) as truncation=True does.
	"no-model-max-length-truncation": true,
	"tokenizer-difference":           true,
	"words-mask-difference":          true,
	"span-end-clamped":               true,
	"span-mask-all-true":             true,
	"backend-numerics":               true,
	"threshold-ge-f64":               true,
	"greedy-char-offsets":            true,
}

type glinerJSDiff struct {
	Kind           string  `json:"kind"` // only_reference, only_glinerjs, score
	Start          int     `json:"start"`
	End            int     `json:"end"`
	Label          string  `json:"label"`
	Class          string  `json:"class"`
	ReferenceScore float64 `json:"reference_score"`
	GlinerJSScore  float64 `json:"glinerjs_score"`
}

type glinerJSLine struct {
	ID            string                     `json:"id"`
	Text          string                     `json:"text"`
	TensorClasses []string                   `json:"tensor_classes"`
	Diffs         map[string][]glinerJSDiff  `json:"diffs"`
	Entities      map[string][]goldenEntity  `json:"entities"`
	Inputs        map[string]json.RawMessage `json:"inputs"`
	Logits        *goldenLogits              `json:"logits"`
}

type spanKey struct {
	start, end int
	label      string
}

// TestGlinerJS runs the fixture models through the Go pipeline and compares
// with GLiNER.js's outputs on the ASCII texts of the goldens:
//   - given the very tensors GLiNER.js fed, ONNX Runtime here returns
//     GLiNER.js's logits bit for bit;
//   - the entities differ from GLiNER.js's exactly by the recorded
//     differences, each of a documented GLiNER.js deviation.
func TestGlinerJS(t *testing.T) {
	for _, fx := range []string{"span-deberta", "span-bert"} {
		t.Run(fx, func(t *testing.T) {
			path := filepath.Join(testenv.RepoRoot(), "testdata", "golden", "glinerjs-"+fx+".jsonl.gz")
			if _, err := os.Stat(path); err != nil {
				t.Skipf("no GLiNER.js golden for %s (scripts/gen_goldens.sh writes it)", fx)
			}
			h, lines := readGolden(t, path)
			texts := referenceTexts(t, fx)
			m := openFixture(t, fx, WithBatchSize(1), WithLongTexts(TruncateLongTexts), WithSpanKernel(SpanKernelGraph)) // runs the graph on GLiNER.js's tensors
			var nTensors, nDiffs, nEnts int
			for _, raw := range lines {
				var g glinerJSLine
				require.NoError(t, json.Unmarshal(raw, &g))
				text, ok := texts[g.ID]
				require.True(t, ok, "text %s not in the reference golden", g.ID)
				for _, c := range g.TensorClasses {
					assert.True(t, glinerJSDeviations[c], "%s: tensor difference of unknown class %q", g.ID, c)
				}
				if g.Logits != nil {
					checkGlinerJSLogits(t, m, g)
					nTensors++
				}
				all := extractSettings(t, m, text, h.Labels, h.Settings)
				for _, s := range h.Settings {
					got := all[s.Name]
					nDiffs += len(g.Diffs[s.Name])
					nEnts += len(got)
					checkGlinerJSDiffs(t, g, s.Name, text, got)
				}
			}
			t.Logf("%s: %d texts, %d entities, %d differences from GLiNER.js all of documented classes; %d tensor sets give GLiNER.js's logits bit for bit", fx, len(lines), nEnts, nDiffs, nTensors)
		})
	}
}

// referenceTexts maps the ids of a fixture's reference golden to their texts.
func referenceTexts(t *testing.T, fx string) map[string]string {
	t.Helper()
	_, lines := readGolden(t, filepath.Join(testenv.RepoRoot(), "testdata", "golden", fx+".jsonl.gz"))
	texts := make(map[string]string, len(lines))
	for _, raw := range lines {
		var g struct {
			ID, Text string
		}
		require.NoError(t, json.Unmarshal(raw, &g))
		texts[g.ID] = g.Text
	}
	return texts
}

// checkGlinerJSDiffs checks Go's entities of one setting against the
// recorded differences between the reference and GLiNER.js (Go equals the
// reference, TestGoldenReference).
func checkGlinerJSDiffs(t *testing.T, g glinerJSLine, setting, text string, got []Entity) {
	t.Helper()
	goScore := map[spanKey]float64{}
	for _, e := range got {
		goScore[spanKey{e.RuneStart, e.RuneEnd, e.Label}] = e.Score
	}
	onlyJS := map[spanKey]bool{}
	for _, d := range g.Diffs[setting] {
		assert.True(t, glinerJSDeviations[d.Class], "%s %s: difference of unknown class %q: %+v", g.ID, setting, d.Class, d)
		k := spanKey{d.Start, d.End, d.Label}
		switch d.Kind {
		case "only_reference":
			assert.Contains(t, goScore, k, "%s %s: GLiNER.js lacks %+v, which Go (like the reference) has", g.ID, setting, d)
		case "only_glinerjs":
			assert.NotContains(t, goScore, k, "%s %s: only GLiNER.js has %+v", g.ID, setting, d)
			onlyJS[k] = true
		case "score":
			if assert.Contains(t, goScore, k, "%s %s", g.ID, setting) {
				assert.InDelta(t, d.ReferenceScore, goScore[k], 1e-5, "%s %s: %+v", g.ID, setting, d)
			}
		default:
			t.Errorf("%s: unknown difference kind %q", g.ID, d.Kind)
		}
	}
	js, ok := g.Entities[setting]
	if !ok {
		return
	}
	// Where GLiNER.js's own entities are stored: they are Go's, less the
	// only_reference ones, plus the only_glinerjs ones.
	onlyRef := map[spanKey]bool{}
	for _, d := range g.Diffs[setting] {
		if d.Kind == "only_reference" {
			onlyRef[spanKey{d.Start, d.End, d.Label}] = true
		}
	}
	want := map[spanKey]bool{}
	for k := range goScore {
		if !onlyRef[k] {
			want[k] = true
		}
	}
	for k := range onlyJS {
		want[k] = true
	}
	have := map[spanKey]bool{}
	for _, e := range js {
		have[spanKey{e.Start, e.End, e.Label}] = true
	}
	assert.Equal(t, want, have, "%s %s: GLiNER.js entities", g.ID, setting)
}

// checkGlinerJSLogits feeds GLiNER.js's input tensors to ONNX Runtime
// through the encoder and compares the logits bit for bit.
func checkGlinerJSLogits(t *testing.T, m *Model, g glinerJSLine) {
	t.Helper()
	var in []encoder.Tensor
	for _, name := range []string{"input_ids", "attention_mask", "words_mask", "text_lengths", "span_idx"} {
		in = append(in, int64Tensor(t, name, g.Inputs[name]))
	}
	var mask [][]bool
	require.NoError(t, json.Unmarshal(g.Inputs["span_mask"], &mask))
	flat := []bool{}
	for _, r := range mask {
		flat = append(flat, r...)
	}
	in = append(in, encoder.BoolTensor("span_mask", []int64{int64(len(mask)), int64(len(mask[0]))}, flat))
	outs, err := m.sess.Run(context.Background(), in)
	require.NoError(t, err, g.ID)
	want := decodeF32(t, g.Logits)
	require.Equal(t, g.Logits.Dims, outs[0].Shape, g.ID)
	assert.Equal(t, want, outs[0].Float32, "%s: logits differ from GLiNER.js's on the same tensors", g.ID)
}

// int64Tensor decodes a nested JSON array of integers (rank 2 or 3).
func int64Tensor(t *testing.T, name string, raw json.RawMessage) encoder.Tensor {
	t.Helper()
	var r2 [][]int64
	if json.Unmarshal(raw, &r2) == nil {
		var flat []int64
		for _, r := range r2 {
			flat = append(flat, r...)
		}
		return encoder.Int64Tensor(name, []int64{int64(len(r2)), int64(len(r2[0]))}, flat)
	}
	var r3 [][][]int64
	require.NoError(t, json.Unmarshal(raw, &r3), name)
	var flat []int64
	for _, a := range r3 {
		for _, b := range a {
			flat = append(flat, b...)
		}
	}
	return encoder.Int64Tensor(name, []int64{int64(len(r3)), int64(len(r3[0])), int64(len(r3[0][0]))}, flat)
}
