package encoder_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/gliner-go/gliner/encoder"
)

// Open a graph, check it against the caller's contract, run it with a
// deadline. (Not run as a test: it needs the ONNX Runtime library, which
// `gliner setup` or [encoder.Install] installs.)
func ExampleOpen() {
	s, err := encoder.Open("testdata/basic.onnx",
		encoder.WithIntraOpThreads(2),
		encoder.WithContract(encoder.Contract{
			Inputs: []encoder.TensorSpec{
				{Name: "a", Type: encoder.Int64, Shape: []int64{-1, -1}},
				{Name: "b", Type: encoder.Int64, Shape: []int64{-1, -1}},
				{Name: "mask", Type: encoder.Bool, Shape: []int64{-1, -1}},
				{Name: "x", Type: encoder.Float32, Shape: []int64{-1, 4}},
			},
			AllowExtraOutputs: true,
		}))
	var ce *encoder.ContractError
	switch {
	case errors.Is(err, encoder.ErrLibraryNotFound):
		log.Fatal(err) // says where it looked and how to install the library
	case errors.As(err, &ce):
		for _, d := range ce.Diffs {
			fmt.Println(d)
		}
		return
	case err != nil:
		log.Fatal(err)
	}
	defer s.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	out, err := s.Run(ctx, []encoder.Tensor{
		encoder.Int64Tensor("a", []int64{1, 2}, []int64{1, 2}),
		encoder.Int64Tensor("b", []int64{1, 2}, []int64{10, 20}),
		encoder.BoolTensor("mask", []int64{1, 2}, []bool{true, false}),
		encoder.Float32Tensor("x", []int64{1, 4}, []float32{1, 2, 3, 4}),
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range out {
		fmt.Println(t, t.Int64, t.Bool, t.Float32)
	}
}

// Install the pinned ONNX Runtime into the per-user cache, where every
// program using the library then finds it, and load it. (Not run as a test:
// it downloads about 113 MB the first time.)
func ExampleInstall() {
	path, err := encoder.Install(context.Background(), "", encoder.InstallLog(os.Stderr))
	if err != nil {
		log.Fatal(err) // a download, checksum or file system error
	}
	fmt.Println("installed", path)
	info, err := encoder.LoadRuntime()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ONNX Runtime", info.Version, "found in", info.Source)
}
