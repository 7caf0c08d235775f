package gliner

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/gliner-go/gliner/internal/onnxpb"
	"github.com/gliner-go/gliner/internal/testenv"
)

// einsumONNX is span-bert's weights exported with the reference's span head
// (internal/spanhead/testdata/gen_einsum.py), relative to the repository.
const einsumONNX = "internal/spanhead/testdata/einsum.onnx"

// kernelModels are the span models the factorised kernel must reproduce:
// the fixtures (folded head), the built-in model and span-bert's weights
// with the reference's head (dir "" = built by einsumFolder).
var kernelModels = []struct {
	name, dir string
	opts      []Option
}{
	{"span-bert", "testdata/models/span-bert", nil},
	{"span-deberta", "testdata/models/span-deberta", nil},
	{"builtin", "internal/builtin/model", nil},
	{"einsum", "", nil},
}

// benchModelEnv names a gliner_small-sized model folder (make bench-peers
// writes one) that TestSpanKernelEquivalence checks too.
const benchModelEnv = "GLINER_BENCH_MODEL"

func init() {
	if d := os.Getenv(benchModelEnv); d != "" {
		kernelModels = append(kernelModels, struct {
			name, dir string
			opts      []Option
		}{"bench-model", d, nil})
	}
}

func openKernelModel(t *testing.T, dir string, opts ...Option) *Model {
	t.Helper()
	if dir == "" {
		data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), einsumONNX))
		require.NoError(t, err)
		dir = spanBertWith(t, data)
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(testenv.RepoRoot(), filepath.FromSlash(dir))
	}
	return openBiDir(t, dir, opts...)
}

func TestSpanKernelChoice(t *testing.T) {
	for _, km := range kernelModels {
		t.Run(km.name, func(t *testing.T) {
			m := openKernelModel(t, km.dir, km.opts...)
			require.Equal(t, SpanKernelFactorised, m.SpanKernel(), "auto")
			m = openKernelModel(t, km.dir, append(km.opts, WithSpanKernel(SpanKernelGraph))...)
			require.Equal(t, SpanKernelGraph, m.SpanKernel(), "graph")
		})
	}
	t.Run("token model", func(t *testing.T) {
		m := openFixture(t, "token-deberta-new", WithSpanKernel(SpanKernelFactorised))
		require.Equal(t, SpanKernelGraph, m.SpanKernel())
	})
}

// kernelTexts returns the first n titles and abstracts of the NCBI-disease
// test set.
func kernelTexts(t *testing.T, n int) []string {
	f, err := os.Open(testenv.DataFile(t, "pubtator/ncbi-disease.test.pubtator.txt"))
	require.NoError(t, err)
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && len(texts) < n {
		if _, rest, ok := strings.Cut(sc.Text(), "|t|"); ok {
			texts = append(texts, rest)
		} else if _, rest, ok := strings.Cut(sc.Text(), "|a|"); ok {
			texts = append(texts, rest)
		}
	}
	return texts
}

// kernelLabels returns n distinct labels, biomedical ones first.
func kernelLabels(n int) []string {
	base := []string{"disease", "chemical", "gene", "protein", "species", "cell line", "drug", "mutation", "symptom", "organ"}
	out := make([]string, n)
	for i := range out {
		if i < len(base) {
			out[i] = base[i]
		} else {
			out[i] = fmt.Sprintf("entity type %d", i)
		}
	}
	return out
}

// TestSpanKernelEquivalence compares the factorised kernel with the full
// graph on every span model: logits of padded batches of 8 to 1e-4
// relative, and the entities of ExtractBatch at batch sizes 1 and 8 with
// 1 to 50 labels (same spans and labels, scores to 1e-5), flat and nested
// at threshold 0.3.
func TestSpanKernelEquivalence(t *testing.T) {
	ctx := context.Background()
	for _, km := range kernelModels {
		t.Run(km.name, func(t *testing.T) {
			texts := kernelTexts(t, 10)
			if km.name == "bench-model" { // gliner_small-sized: 8 texts (one padded batch)
				texts = texts[:8]
			}
			for _, batch := range []int{1, 8} {
				graph := openKernelModel(t, km.dir, append(km.opts, WithSpanKernel(SpanKernelGraph), WithBatchSize(batch))...)
				fact := openKernelModel(t, km.dir, append(km.opts, WithSpanKernel(SpanKernelFactorised), WithBatchSize(batch))...)
				for _, n := range []int{1, 3, 7, 20, 50} {
					labels := kernelLabels(n)
					if batch == 8 {
						compareKernelLogits(t, graph, fact, texts[:8], labels)
					}
					for _, opts := range [][]ExtractOption{{WithThreshold(0.3)}, {WithThreshold(0.3), WithNested()}} {
						want, err := graph.ExtractBatch(ctx, texts, labels, opts...)
						require.NoError(t, err)
						got, err := fact.ExtractBatch(ctx, texts, labels, opts...)
						require.NoError(t, err)
						compareEntities(t, want, got, fmt.Sprintf("batch %d, %d labels", batch, n))
					}
				}
			}
		})
	}
}

// compareKernelLogits runs one padded batch through both models' logits
// step and compares every logit: |Δ| ≤ 1e-4·max(1, |graph|).
func compareKernelLogits(t *testing.T, graph, fact *Model, texts, labels []string) {
	t.Helper()
	prompt := promptWords(graph.cfg, labels)
	encs := make([]encodedText, len(texts))
	for i, s := range texts {
		encs[i] = graph.encodeText(s, prompt)
	}
	want, err := graph.run(context.Background(), encs)
	require.NoError(t, err)
	got, err := fact.run(context.Background(), encs)
	require.NoError(t, err)
	require.Equal(t, want.Shape, got.Shape)
	for i, g := range got.Float32 {
		w := float64(want.Float32[i])
		if d := math.Abs(float64(g) - w); !(d <= 1e-4*max(1, math.Abs(w))) {
			t.Fatalf("%d labels: logit %d factorised %v, graph %v", len(labels), i, g, w)
		}
	}
}

func compareEntities(t *testing.T, want, got [][]Entity, msg string) {
	t.Helper()
	require.Equal(t, len(want), len(got), msg)
	total := 0
	for i := range want {
		require.Equal(t, len(want[i]), len(got[i]), "%s: text %d: %v vs %v", msg, i, want[i], got[i])
		for j, w := range want[i] {
			g := got[i][j]
			require.Equal(t, [3]any{w.Label, w.Start, w.End}, [3]any{g.Label, g.Start, g.End}, "%s: text %d entity %d", msg, i, j)
			require.InDelta(t, w.Score, g.Score, 1e-5, "%s: text %d entity %d", msg, i, j)
		}
		total += len(want[i])
	}
	require.NotZero(t, total, "%s: no entities to compare", msg)
}

// TestSpanKernelFallback opens a graph whose span head the pattern refuses
// (the reference head with the end projection concatenated first): auto
// falls back to the graph and logs why; factorised fails with ErrSpanKernel.
func TestSpanKernelFallback(t *testing.T) {
	dir := swappedHeadFolder(t)
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := openBiDir(t, dir, WithLogger(logger))
	require.Equal(t, SpanKernelGraph, m.SpanKernel())
	require.Contains(t, log.String(), "span head not recognised")
	_, err := Open(dir, WithSpanKernel(SpanKernelFactorised))
	require.ErrorIs(t, err, ErrSpanKernel)
	ents, err := m.Extract(context.Background(), "Mutations in BRCA1 cause breast cancer.", []string{"disease", "gene"}, WithThreshold(0.1))
	require.NoError(t, err)
	require.NotEmpty(t, ents)
}

// swappedHeadFolder returns a copy of the span-bert folder whose model.onnx
// is the einsum fixture with the Concat of the span head's start and end
// swapped.
func swappedHeadFolder(t *testing.T) string {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), einsumONNX))
	require.NoError(t, err)
	var m onnxpb.ModelProto
	require.NoError(t, proto.Unmarshal(data, &m))
	swapped := 0
	for _, n := range m.GetGraph().GetNode() {
		if n.GetOpType() == "Concat" && len(n.GetInput()) == 2 && strings.Contains(n.GetInput()[0], "GatherElements") {
			n.Input[0], n.Input[1] = n.Input[1], n.Input[0]
			swapped++
		}
	}
	require.Equal(t, 1, swapped, "the einsum fixture's span head Concat")
	out, err := proto.Marshal(&m)
	require.NoError(t, err)
	return spanBertWith(t, out)
}

// spanBertWith returns a copy of the span-bert folder (files copied: Open
// refuses links out of the folder) with model as its model.onnx.
func spanBertWith(t *testing.T, model []byte) string {
	src := filepath.Join(testenv.RepoRoot(), "testdata", "models", "span-bert")
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() || e.Name() == "model.onnx" || strings.HasPrefix(e.Name(), "model_") || strings.HasSuffix(e.Name(), ".pt") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dst, "model.onnx"), model, 0o644))
	return dst
}
