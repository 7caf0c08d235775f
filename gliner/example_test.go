package gliner_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/gliner-go/gliner/gliner"
)

// This example uses the model built into the module, which knows diseases,
// chemicals and genes. Like every example it needs the ONNX Runtime shared
// library: run `gliner setup` once (or set ONNXRUNTIME_SHARED_LIBRARY_PATH).
func ExampleOpenDefault() {
	m, err := gliner.OpenDefault()
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	text := "Cisplatin caused nephrotoxicity in mice lacking the TNF gene."
	ents, err := m.Extract(context.Background(), text, []string{"disease", "chemical", "gene"})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range ents {
		fmt.Printf("%s %q [%d,%d)\n", e.Label, e.Text, e.Start, e.End)
	}
	// Output:
	// chemical "Cisplatin" [0,9)
	// disease "nephrotoxicity" [17,31)
	// gene "TNF gene" [52,60)
}

// This example opens a GLiNER model folder (for instance one fetched with
// `gliner pull`) named by an environment variable, and reports what it is.
func ExampleOpen() {
	dir := os.Getenv("GLINER_MODEL_DIR")
	if dir == "" {
		fmt.Println("set GLINER_MODEL_DIR to a GLiNER model folder")
		return
	}
	m, err := gliner.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	fmt.Println(m.Kind(), m.Config().MaxWidth)
}

func ExampleModel_Extract() {
	m, err := gliner.OpenDefault()
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	text := "Mutations in the BRCA1 gene increase the risk of breast cancer."
	ents, err := m.Extract(context.Background(), text, []string{"disease"},
		gliner.WithThreshold(0.9))
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range ents {
		fmt.Printf("%s %q [%d,%d) %.2f\n", e.Label, e.Text, e.Start, e.End, e.Score)
	}
	// Output: disease "breast cancer" [49,62) 0.94
}

func ExampleModel_ExtractBatch() {
	m, err := gliner.OpenDefault()
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	texts := []string{
		"Patients with type 2 diabetes were treated with metformin.",
		"",
	}
	res, err := m.ExtractBatch(context.Background(), texts, []string{"disease", "chemical"})
	if err != nil {
		log.Fatal(err)
	}
	for i, ents := range res {
		for _, e := range ents {
			fmt.Println(i, e.Label, e.Text)
		}
		fmt.Println(i, len(ents), "entities")
	}
	// Output:
	// 0 disease type 2 diabetes
	// 0 chemical metformin
	// 0 2 entities
	// 1 0 entities
}
