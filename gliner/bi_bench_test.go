package gliner

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/internal/testenv"
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

func openBench(b *testing.B, opts ...Option) *Model {
	opts = append(opts, WithBatchSize(8), WithEncoderOptions(encoder.WithIntraOpThreads(1), encoder.WithInterOpThreads(1)))
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
	m := openBench(b)
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
