package spanhead

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/span"
)

// BenchModelEnv names a model folder to benchmark besides the built-in
// model, such as the gliner_small-sized one tools/train/bench_model.py
// writes (make bench-peers).
const BenchModelEnv = "GLINER_BENCH_MODEL"

// benchInputs builds the span model inputs of B texts of W one-token words
// with C labels, for DeBERTa-v3 GLiNER vocabularies (<<ENT>> 128002,
// <<SEP>> 128003).
func benchInputs(B, W, C, K int) []encoder.Tensor {
	const ent, sep, cls, eos = 128002, 128003, 1, 2
	var row []int64
	row = append(row, cls)
	for c := range C {
		row = append(row, ent, int64(1000+c))
	}
	row = append(row, sep)
	prompt := len(row)
	for w := range W {
		row = append(row, int64(5000+w%3000))
	}
	row = append(row, eos)
	T := len(row)
	ids, attn, wmask := make([]int64, 0, B*T), make([]int64, B*T), make([]int64, B*T)
	lengths := make([]int, B)
	tl := make([]int64, B)
	for b := range B {
		ids = append(ids, row...)
		for t := range T {
			attn[b*T+t] = 1
			if t >= prompt && t < prompt+W {
				wmask[b*T+t] = int64(t - prompt + 1)
			}
		}
		lengths[b], tl[b] = W, int64(W)
	}
	idx, mask := make([]int64, 2*B*W*K), make([]bool, B*W*K)
	span.FillCandidates(idx, mask, lengths, K)
	bt := []int64{int64(B), int64(T)}
	return []encoder.Tensor{
		{Name: "input_ids", Type: encoder.Int64, Shape: bt, Int64: ids},
		{Name: "attention_mask", Type: encoder.Int64, Shape: bt, Int64: attn},
		{Name: "words_mask", Type: encoder.Int64, Shape: bt, Int64: wmask},
		{Name: "text_lengths", Type: encoder.Int64, Shape: []int64{int64(B), 1}, Int64: tl},
		{Name: "span_idx", Type: encoder.Int64, Shape: []int64{int64(B), int64(W * K), 2}, Int64: idx},
		{Name: "span_mask", Type: encoder.Bool, Shape: []int64{int64(B), int64(W * K)}, Bool: mask},
	}
}

// BenchmarkHead times one batch through the full graph ("graph") and
// through the rewritten graph plus span.FactorLogits ("factorised"), in the
// same run, on the built-in model and on $GLINER_BENCH_MODEL. ONNX Runtime
// uses 2 intra-op threads. Metric: words/s.
func BenchmarkHead(b *testing.B) {
	models := map[string]string{"builtin": "../builtin/model"}
	if d := os.Getenv(BenchModelEnv); d != "" {
		models["bench"] = d
	}
	for name, dir := range models {
		model, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
		if err != nil {
			b.Skipf("model not found: %v", err)
		}
		head, err := Recognise(model)
		if err != nil {
			b.Fatal(err)
		}
		full, fact := openBench(b, model), openBench(b, graphBytes(b, head))
		for _, sz := range [][3]int{{1, 64, 3}, {1, 256, 3}, {1, 256, 25}, {8, 256, 3}} {
			B, W, C := sz[0], sz[1], sz[2]
			ins := benchInputs(B, W, C, 12)
			prefix := fmt.Sprintf("%s/batch=%d/words=%d/labels=%d/K=12", name, B, W, C)
			b.Run(prefix+"/graph", func(b *testing.B) {
				for b.Loop() {
					if _, err := full.Run(context.Background(), ins); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(B*W*b.N)/b.Elapsed().Seconds(), "words/s")
			})
			b.Run(prefix+"/factorised", func(b *testing.B) {
				dst := make([]float32, B*W*12*C)
				scratch := make([]float32, 12*head.Hidden)
				for b.Loop() {
					outs, err := fact.Run(context.Background(), ins)
					if err != nil {
						b.Fatal(err)
					}
					m := map[string]encoder.Tensor{}
					for _, o := range outs {
						m[o.Name] = o
					}
					factoriseInto(dst, scratch, m, ins[3].Int64, 12)
				}
				b.ReportMetric(float64(B*W*b.N)/b.Elapsed().Seconds(), "words/s")
			})
		}
		full.Close()
		fact.Close()
	}
}

func openBench(b *testing.B, model []byte) *encoder.Session {
	s, err := encoder.OpenBytes(model, encoder.WithIntraOpThreads(2))
	if errors.Is(err, encoder.ErrNoCgo) || errors.Is(err, encoder.ErrLibraryNotFound) {
		b.Skipf("ONNX Runtime not available: %v", err)
	}
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// factoriseInto is factorise writing into caller buffers.
func factoriseInto(dst, scratch []float32, outs map[string]encoder.Tensor, lengths []int64, k int) {
	a, e, q, c0 := outs[OutputStart], outs[OutputEnd], outs[OutputLabels], outs[OutputLabelBias]
	B, W, H, C := int(a.Shape[0]), int(a.Shape[1]), int(a.Shape[2]), int(c0.Shape[1])
	for i := range B {
		span.FactorLogits(dst[i*W*k*C:(i+1)*W*k*C], a.Float32[i*W*H:(i+1)*W*H], e.Float32[i*W*H:(i+1)*W*H],
			q.Float32[i*C*H:(i+1)*C*H], c0.Float32[i*C:(i+1)*C], scratch, int(lengths[i]), k)
	}
}
