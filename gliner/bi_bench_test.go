package gliner

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/internal/testenv"
	"github.com/gliner-go/gliner/span"
)

// benchTexts returns the first n abstracts of the NCBI-disease test set.
func benchTexts(b *testing.B, n int) []string {
	f, err := os.Open(testenv.DataFile(b, "pubtator/ncbi-disease.test.pubtator.txt"))
	require.NoError(b, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && len(out) < n {
		if _, a, ok := strings.Cut(sc.Text(), "|a|"); ok {
			out = append(out, a)
		}
	}
	require.Len(b, out, n)
	return out
}

// benchLabels returns n distinct biomedical-looking labels.
func benchLabels(n int) []string {
	heads := []string{"disease", "chemical", "gene", "protein", "cell line", "cell type", "drug", "symptom",
		"organism", "anatomical structure", "procedure", "mutation", "pathway", "receptor", "enzyme",
		"hormone", "tissue", "device", "finding", "dosage"}
	mods := []string{"", "rare ", "viral ", "human ", "mouse ", "bacterial ", "inherited ", "chronic ",
		"acute ", "synthetic ", "mitochondrial ", "nuclear ", "membrane ", "plant ", "cardiac ", "neural ",
		"hepatic ", "renal ", "pulmonary ", "skin ", "blood ", "bone ", "immune ", "metabolic ", "toxic "}
	out := make([]string, 0, n)
	for _, m := range mods {
		for _, h := range heads {
			if len(out) == n {
				return out
			}
			out = append(out, m+h)
		}
	}
	for i := len(out); i < n; i++ {
		out = append(out, fmt.Sprintf("entity type %d", i))
	}
	return out
}

// openBench opens the bi-encoder of the benchmarks: the fixture, or the
// folder named by GLINER_BI_BENCH_MODEL (for instance a random-weight model
// of real size written by scripts/export_biencoder.py).
func openBench(b *testing.B, opts ...Option) *Model {
	opts = append(opts, WithBatchSize(8), WithEncoderOptions(encoder.WithIntraOpThreads(1), encoder.WithInterOpThreads(1)))
	if dir := os.Getenv("GLINER_BI_BENCH_MODEL"); dir != "" {
		return openBiDir(b, dir, opts...)
	}
	return openFixture(b, biFixture, opts...)
}

// BenchmarkBiExtract measures ExtractBatch on 16 NCBI-disease abstracts with
// 5, 50 and 500 labels: "cached" with warm label embeddings (the label
// encoder does not run), "uncached" with the cache off (the label encoder
// runs in every call). One ONNX Runtime thread. Compare with
// BenchmarkBiText, the text graph alone on the same texts.
func BenchmarkBiExtract(b *testing.B) {
	texts := benchTexts(b, 16)
	ctx := context.Background()
	for _, n := range []int{5, 50, 500} {
		labels := benchLabels(n)
		for _, mode := range []string{"cached", "uncached"} {
			b.Run(fmt.Sprintf("labels=%d/%s", n, mode), func(b *testing.B) {
				var m *Model
				if mode == "cached" {
					m = openBench(b)
					_, err := m.ExtractBatch(ctx, texts, labels)
					require.NoError(b, err)
				} else {
					m = openBench(b, WithLabelCacheSize(0))
				}
				runs := m.biLabelRuns()
				for b.Loop() {
					if _, err := m.ExtractBatch(ctx, texts, labels); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(texts)*b.N)/b.Elapsed().Seconds(), "texts/s")
				b.ReportMetric(float64(m.biLabelRuns()-runs)/float64(b.N), "label-runs/op")
			})
		}
	}
}

// BenchmarkBiText measures the text graph alone (word splitting,
// tokenization, tensors, ONNX Runtime) on the texts of BenchmarkBiExtract,
// in the same batches: the text encoding cost the label count adds to.
func BenchmarkBiText(b *testing.B) {
	texts := benchTexts(b, 16)
	m := openBench(b, WithSpanKernel(SpanKernelGraph)) // the full text graph
	idx := make([]int, len(texts))
	for i := range idx {
		idx[i] = i
	}
	ctx := context.Background()
	for b.Loop() {
		for lo := 0; lo < len(idx); lo += m.batchSize {
			encs, _, err := m.encodeBatch(texts, idx[lo:min(lo+m.batchSize, len(idx))], nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.bi.text.Run(ctx, m.inputTensors(encs)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(texts)*b.N)/b.Elapsed().Seconds(), "texts/s")
}

// BenchmarkBiMatch measures what the label count adds with a warm cache:
// matching (span.MatchLogits) and decoding of the span representations of
// the texts of BenchmarkBiExtract, computed once, against 5, 50 and 500
// label vectors, one text after another: "kernel" is span.MatchLogits
// alone, "decode" adds thresholding and greedy decoding (DecodeMatched).
func BenchmarkBiMatch(b *testing.B) {
	texts := benchTexts(b, 16)
	m := openBench(b, WithSpanKernel(SpanKernelGraph)) // the full text graph's span rows
	ctx := context.Background()
	type rep struct {
		reps []float32
		n    int
	}
	var reps []rep
	for i := range texts {
		encs, lengths, err := m.encodeBatch(texts, []int{i}, nil)
		require.NoError(b, err)
		outs, err := m.bi.text.Run(ctx, m.inputTensors(encs))
		require.NoError(b, err)
		reps = append(reps, rep{outs[0].Float32, lengths[0]})
	}
	for _, n := range []int{5, 50, 500} {
		labels := benchLabels(n)
		vecs, err := m.labelVectors(ctx, labels)
		require.NoError(b, err)
		opts := thresholds(labels, newExtractConfig(nil))
		b.Run(fmt.Sprintf("kernel/labels=%d", n), func(b *testing.B) {
			var dst []float32
			flops := 0.0
			for b.Loop() {
				for _, r := range reps {
					dst = slices.Grow(dst[:0], len(r.reps)/m.bi.dim*n)[:len(r.reps)/m.bi.dim*n]
					span.MatchLogits(dst, r.reps, vecs, m.bi.dim)
					flops += 2 * float64(len(r.reps)) * float64(n)
				}
			}
			b.ReportMetric(float64(len(texts)*b.N)/b.Elapsed().Seconds(), "texts/s")
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("decode/labels=%d", n), func(b *testing.B) {
			d := m.decoders.Get().(*span.Decoder)
			defer m.decoders.Put(d)
			var dst []span.Span
			flops := 0.0
			for b.Loop() {
				for _, r := range reps {
					dst = d.DecodeMatched(dst[:0], r.reps, vecs, m.bi.dim, r.n, m.cfg.MaxWidth, span.Options{Thresholds: opts})
					flops += 2 * float64(len(r.reps)) * float64(n)
				}
			}
			b.ReportMetric(float64(len(texts)*b.N)/b.Elapsed().Seconds(), "texts/s")
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkBiSpanKernel compares the factorised span kernel with the full
// text graph on ExtractBatch of the texts of BenchmarkBiExtract with warm
// label embeddings, 5, 50 and 500 labels, in one run. On the fixture (hidden
// size 64, 2 small layers) the span head is a large share of the text
// graph; on a published model it is a smaller one.
func BenchmarkBiSpanKernel(b *testing.B) {
	texts := benchTexts(b, 16)
	ctx := context.Background()
	for _, n := range []int{5, 50, 500} {
		labels := benchLabels(n)
		for _, k := range []SpanKernel{SpanKernelGraph, SpanKernelFactorised} {
			b.Run(fmt.Sprintf("labels=%d/%s", n, k), func(b *testing.B) {
				m := openBench(b, WithSpanKernel(k))
				require.Equal(b, k, m.SpanKernel())
				_, err := m.ExtractBatch(ctx, texts, labels)
				require.NoError(b, err)
				for b.Loop() {
					if _, err := m.ExtractBatch(ctx, texts, labels); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(texts)*b.N)/b.Elapsed().Seconds(), "texts/s")
			})
		}
	}
}
