package spanhead

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"google.golang.org/protobuf/proto"

	"github.com/gliner-go/gliner/encoder"
	pb "github.com/gliner-go/gliner/internal/onnxpb"
)

// productGraph is a graph computing the two per-word products of the
// factorised head, relu(s)·W1a and relu(e)·W1b + b1, for s, e [W, D].
func productGraph(w1a, w1b, b1 []float32, d, h int) []byte {
	in := func(name string) *pb.ValueInfoProto { return floatOutput(name, "words", d) }
	g := &pb.GraphProto{
		Input:       []*pb.ValueInfoProto{in("s"), in("e")},
		Output:      []*pb.ValueInfoProto{floatOutput("a", "words", h), floatOutput("b", "words", h)},
		Initializer: []*pb.TensorProto{floatTensor("w1a", w1a, d, h), floatTensor("w1b", w1b, d, h), floatTensor("b1", b1, h)},
		Node: []*pb.NodeProto{
			node("Relu", "rs", []string{"s"}, "rs"), node("MatMul", "a", []string{"rs", "w1a"}, "a"),
			node("Relu", "re", []string{"e"}, "re"), node("MatMul", "bw", []string{"re", "w1b"}, "bw"),
			node("Add", "b", []string{"bw", "b1"}, "b"),
		},
	}
	ir, opset := int64(8), int64(14)
	m := &pb.ModelProto{IrVersion: &ir, Graph: g, OpsetImport: []*pb.OperatorSetIdProto{{Version: &opset}}}
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkProducts compares the per-word products of the factorised head
// on gonum's float32 BLAS (Sgemm, its own goroutines) and on ONNX Runtime
// (2 intra-op threads), at gliner_small's sizes (D = 768, H = 3072).
func BenchmarkProducts(b *testing.B) {
	const d, h = 768, 3072
	r := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	w1a, w1b, b1 := rnd(d*h), rnd(d*h), rnd(h)
	sess := openBench(b, productGraph(w1a, w1b, b1, d, h))
	defer sess.Close()
	for _, words := range []int{64, 256} {
		s, e := rnd(words*d), rnd(words*d)
		b.Run(fmt.Sprintf("words=%d/gonum", words), func(b *testing.B) {
			rs, re := make([]float32, len(s)), make([]float32, len(e))
			a, bb := make([]float32, words*h), make([]float32, words*h)
			for b.Loop() {
				for i := range s {
					rs[i], re[i] = max(s[i], 0), max(e[i], 0)
				}
				for i := range words {
					copy(bb[i*h:(i+1)*h], b1)
				}
				gemm(a, rs, w1a, words, d, h, 0)
				gemm(bb, re, w1b, words, d, h, 1)
			}
			b.ReportMetric(float64(2*words*d*h)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
		})
		b.Run(fmt.Sprintf("words=%d/ort", words), func(b *testing.B) {
			shape := []int64{int64(words), d}
			ins := []encoder.Tensor{{Name: "s", Type: encoder.Float32, Shape: shape, Float32: s}, {Name: "e", Type: encoder.Float32, Shape: shape, Float32: e}}
			for b.Loop() {
				if _, err := sess.Run(context.Background(), ins); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(2*words*d*h)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
		})
	}
}

// gemm sets c = x·w + beta·c for x [m, k], w [k, n].
func gemm(c, x, w []float32, m, k, n int, beta float32) {
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas32.General{Rows: m, Cols: k, Stride: k, Data: x},
		blas32.General{Rows: k, Cols: n, Stride: n, Data: w}, beta,
		blas32.General{Rows: m, Cols: n, Stride: n, Data: c})
}
