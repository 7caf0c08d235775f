package gliner

import (
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
	"github.com/gliner-go/gliner/span"
)

// TestBiSpanKernelChoice checks which kernel each bi-encoder shape uses:
// the matched fixture is factorised by default, the fused and one-graph
// shapes ignore the option, even SpanKernelFactorised.
func TestBiSpanKernelChoice(t *testing.T) {
	require.Equal(t, SpanKernelFactorised, openFixture(t, biFixture).SpanKernel(), "auto")
	require.Equal(t, SpanKernelFactorised, openFixture(t, biFixture, WithSpanKernel(SpanKernelFactorised)).SpanKernel(), "factorised")
	require.Equal(t, SpanKernelGraph, openFixture(t, biFixture, WithSpanKernel(SpanKernelGraph)).SpanKernel(), "graph")
	for _, shape := range []string{"fused", "one-graph"} {
		m := openBiDir(t, biShapeFolder(t, shape), WithSpanKernel(SpanKernelFactorised))
		require.Equal(t, SpanKernelGraph, m.SpanKernel(), shape)
	}
}

// TestBiSpanKernelEquivalence compares the factorised kernel with the full
// text graph on the matched fixture: logits of a padded batch of 8 to 1e-4
// relative, and the entities of ExtractBatch at batch sizes 1 and 8 with 1
// to 100 labels (same spans and labels, scores to 1e-5), flat and nested at
// threshold 0.3, with labels from the label encoder (no cache), from a warm
// label cache and from a LabelSet. 100 labels take the span representation
// path (biFactor.folds).
func TestBiSpanKernelEquivalence(t *testing.T) {
	ctx := context.Background()
	texts := kernelTexts(t, 10)
	for _, batch := range []int{1, 8} {
		graph := openFixture(t, biFixture, WithSpanKernel(SpanKernelGraph), WithBatchSize(batch))
		fact := openFixture(t, biFixture, WithSpanKernel(SpanKernelFactorised), WithBatchSize(batch))
		nocache := openFixture(t, biFixture, WithSpanKernel(SpanKernelFactorised), WithBatchSize(batch), WithLabelCacheSize(0))
		for _, n := range []int{1, 3, 7, 20, 50, 100} {
			labels := kernelLabels(n)
			require.Equal(t, n <= 85, fact.bi.factor.folds(n), "the fixture (H 256, D 64) folds up to 85 labels")
			if batch == 8 {
				compareBiKernelLogits(t, graph, fact, texts[:8], labels)
			}
			set, err := fact.PrecomputeLabels(ctx, labels)
			require.NoError(t, err)
			for _, opts := range [][]ExtractOption{{WithThreshold(0.3)}, {WithThreshold(0.3), WithNested()}} {
				want, err := graph.ExtractBatch(ctx, texts, labels, opts...)
				require.NoError(t, err)
				for name, run := range map[string]func() ([][]Entity, error){
					"no cache": func() ([][]Entity, error) { return nocache.ExtractBatch(ctx, texts, labels, opts...) },
					"cache":    func() ([][]Entity, error) { return fact.ExtractBatch(ctx, texts, labels, opts...) },
					"label set": func() ([][]Entity, error) {
						return fact.ExtractBatch(ctx, texts, nil, append(opts, WithLabelSet(set))...)
					},
				} {
					got, err := run()
					require.NoError(t, err, name)
					compareEntities(t, want, got, fmt.Sprintf("batch %d, %d labels, %s", batch, n, name))
				}
			}
		}
	}
}

// compareBiKernelLogits computes the logits of one padded batch with the
// full text graph (span_reps · label vectorsᵀ) and with the factorised
// kernel, and compares every logit of every text: |Δ| ≤ 1e-4·max(1, |graph|).
func compareBiKernelLogits(t *testing.T, graph, fact *Model, texts, labels []string) {
	t.Helper()
	ctx := context.Background()
	encs := make([]encodedText, len(texts))
	for i, s := range texts {
		encs[i] = graph.encodeText(s, nil)
	}
	vecs, err := graph.labelVectors(ctx, labels)
	require.NoError(t, err)
	outs, err := graph.bi.text.Run(ctx, graph.inputTensors(encs))
	require.NoError(t, err)
	fvecs, err := fact.labelVectors(ctx, labels)
	require.NoError(t, err)
	var fold *labelFold
	if fact.bi.factor.folds(len(labels)) {
		fold = fact.bi.foldLabels(labels, fvecs)
	}
	fs, err := fact.bi.factor.run(ctx, fact, encs)
	require.NoError(t, err)
	K, D, C := graph.cfg.MaxWidth, graph.bi.dim, len(labels)
	worst := 0.0
	for j, n := range wordCounts(encs) {
		want := make([]float32, n*K*C)
		span.MatchLogits(want, outs[0].Float32[j*fs.w*K*D:][:n*K*D], vecs, D)
		got := make([]float32, n*K*C)
		fact.bi.factor.textLogits(got, fs, j, n, fold, fvecs, K)
		for i, g := range got {
			w := float64(want[i])
			d := math.Abs(float64(g)-w) / max(1, math.Abs(w))
			worst = max(worst, d)
			if !(d <= 1e-4) {
				t.Fatalf("%d labels, text %d: logit %d factorised %v, graph %v", len(labels), j, i, g, w)
			}
		}
	}
	t.Logf("%d labels: largest relative logit difference %.2g", len(labels), worst)
}

// TestBiScoresFactorised checks that ScoreBatch on the factorised kernel
// decodes to what ExtractBatch returns.
func TestBiScoresFactorised(t *testing.T) {
	ctx := context.Background()
	m := openFixture(t, biFixture, WithBatchSize(4), WithLongTexts(TruncateLongTexts))
	require.Equal(t, SpanKernelFactorised, m.SpanKernel())
	texts, labels := kernelTexts(t, 6), kernelLabels(3)
	want, err := m.ExtractBatch(ctx, texts, labels, WithThreshold(0.3))
	require.NoError(t, err)
	scores, err := m.ScoreBatch(ctx, texts, labels)
	require.NoError(t, err)
	got := make([][]Entity, len(scores))
	for i, s := range scores {
		got[i] = s.Decode(WithThreshold(0.3))
	}
	compareEntities(t, want, got, "scores")
}

// TestBiSpanKernelFallback opens the fixture with a text graph whose span
// head the pattern refuses (a sigmoid for out_project's ReLU): auto falls
// back to the full graph and logs why; factorised fails with ErrSpanKernel.
func TestBiSpanKernelFallback(t *testing.T) {
	dir := biSigmoidFolder(t)
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := openBiDir(t, dir, WithLogger(logger))
	require.Equal(t, SpanKernelGraph, m.SpanKernel())
	require.Contains(t, log.String(), "span head not recognised")
	_, err := Open(dir, WithSpanKernel(SpanKernelFactorised))
	require.ErrorIs(t, err, ErrSpanKernel)
	_, err = m.Extract(context.Background(), "Mutations in BRCA1 cause breast cancer.", []string{"disease", "gene"}, WithThreshold(0.1))
	require.NoError(t, err)
}

// biSigmoidFolder returns a copy of the matched fixture whose text graph
// has a sigmoid where out_project's ReLU was.
func biSigmoidFolder(t *testing.T) string {
	src := filepath.Join(testenv.RepoRoot(), "testdata", "models", biFixture)
	data, err := os.ReadFile(filepath.Join(src, TextGraphFile))
	require.NoError(t, err)
	var m onnxpb.ModelProto
	require.NoError(t, proto.Unmarshal(data, &m))
	relus := map[string]*onnxpb.NodeProto{}
	for _, n := range m.GetGraph().GetNode() {
		if n.GetOpType() == "Relu" {
			relus[n.GetOutput()[0]] = n
		}
	}
	changed := 0
	for _, n := range m.GetGraph().GetNode() {
		if n.GetOpType() != "MatMul" {
			continue
		}
		if r := relus[n.GetInput()[0]]; r != nil && strings.Contains(n.GetName(), "out_project") {
			r.OpType = proto.String("Sigmoid")
			changed++
		}
	}
	require.Equal(t, 1, changed, "the fixture's out_project ReLU")
	out, err := proto.Marshal(&m)
	require.NoError(t, err)
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range ents {
		if n := e.Name(); n != TextGraphFile && n != "fused" && n != "checkpoint" {
			testenv.LinkTree(t, filepath.Join(src, n), filepath.Join(dst, n))
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(dst, TextGraphFile), out, 0o644))
	return dst
}
