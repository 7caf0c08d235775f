package encoder

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func readTestGraph(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestReadGraphIO(t *testing.T) {
	tests := []struct {
		file      string
		ins, outs []TensorInfo
	}{
		{"basic.onnx", basicInputs, basicOutputs},
		{"slow.onnx",
			[]TensorInfo{{"x", Float32, []int64{-1, -1}}, {"iters", Int64, []int64{1}}},
			[]TensorInfo{{"y", Float32, []int64{-1, -1}}}},
		{"iface.onnx",
			[]TensorInfo{ // w is an initializer: not an input
				{"ids", Int64, []int64{-1, -1}},
				{"seq_in", Undefined, nil},
				{"noshape", Float32, []int64{}},
				{"unk", Float32, []int64{-1, 2}},
			},
			[]TensorInfo{
				{"scaled", Float32, []int64{}},
				{"seq_len", Int64, []int64{}},
				{"ids_f", Float32, []int64{-1, -1}},
				{"unk_out", Float32, []int64{-1, 2}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readTestGraph(t, tt.file)
			ins, outs, err := readGraphIO(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fmt.Sprintf("%#v", ins), fmt.Sprintf("%#v", tt.ins); got != want {
				t.Errorf("inputs\n got %s\nwant %s", got, want)
			}
			if got, want := fmt.Sprintf("%#v", outs), fmt.Sprintf("%#v", tt.outs); got != want {
				t.Errorf("outputs\n got %s\nwant %s", got, want)
			}
		})
	}
}

// Every strict prefix of a model either fails to parse or lacks fields
// that come after the cut; none panics or reads out of bounds.
func TestReadGraphIOTruncated(t *testing.T) {
	data := readTestGraph(t, "basic.onnx")
	failures := 0
	for n := 0; n < len(data); n++ {
		if _, _, err := readGraphIO(bytes.NewReader(data[:n]), int64(n)); err != nil {
			failures++
		}
	}
	// The graph is the bulk of the file: most cuts land inside it.
	if failures < len(data)*3/4 {
		t.Errorf("only %d of %d truncations detected", failures, len(data))
	}
}

func FuzzReadGraphIO(f *testing.F) {
	for _, name := range []string{"basic.onnx", "slow.onnx", "iface.onnx"} {
		f.Add(readTestGraph(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ins, outs, err := readGraphIO(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for _, i := range append(ins, outs...) {
			for _, d := range i.Shape {
				if d < -1 {
					t.Fatalf("dimension %d in %v", d, i)
				}
			}
		}
	})
}
