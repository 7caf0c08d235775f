package gliner_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gliner-go/gliner/gliner"
)

// This example loads a model folder (a small fixture model of the test
// suite; use a published GLiNER folder or gliner.OpenDefault in practice)
// and finds diseases and chemicals in a sentence. It needs the ONNX Runtime
// shared library (make deps-run).
func ExampleOpen() {
	m, err := gliner.Open("../testdata/models/span-deberta")
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	fmt.Println(m.Kind(), m.Config().MaxWidth)
	// Output: span 12
}

func ExampleModel_Extract() {
	m, err := gliner.Open("../testdata/models/span-deberta")
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	text := "Mutations in the BRCA1 gene increase the risk of breast cancer."
	ents, err := m.Extract(context.Background(), text, []string{"disease", "chemical", "gene"},
		gliner.WithThreshold(0.5))
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range ents {
		fmt.Printf("%s %q [%d,%d) %.2f\n", e.Label, e.Text, e.Start, e.End, e.Score)
	}
	// Output: disease "breast cancer" [49,62) 0.72
}

func ExampleModel_ExtractBatch() {
	m, err := gliner.Open("../testdata/models/span-deberta")
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	texts := []string{
		"Mutations in the BRCA1 gene increase the risk of breast cancer.",
		"",
	}
	res, err := m.ExtractBatch(context.Background(), texts, []string{"disease"},
		gliner.WithNested())
	if err != nil {
		log.Fatal(err)
	}
	for i, ents := range res {
		fmt.Println(i, len(ents))
	}
	// Output:
	// 0 1
	// 1 0
}
