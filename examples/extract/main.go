// Command extract is a minimal program using the library: it loads the
// built-in model (or the model folder given as the first argument) and
// prints the diseases, chemicals and genes of a sentence.
//
//	go run ./examples/extract
//	go run ./examples/extract path/to/gliner-model-folder
//
// With the built-in model it prints:
//
//	chemical   "Cisplatin-induced"                 bytes [0,17) score 0.954
//	disease    "nephrotoxicity"                    bytes [18,32) score 0.973
//	disease    "ovarian cancer"                    bytes [63,77) score 0.915
//
// It misses the gene BRCA1 in this sentence, and GLiNER's word splitter
// keeps "Cisplatin-induced" as one word. The built-in model is small and not
// zero-shot: its model card (internal/builtin/model/README.md) lists where
// it fails.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/gliner-go/gliner/gliner"
)

func main() {
	var (
		m   *gliner.Model
		err error
	)
	if len(os.Args) > 1 {
		m, err = gliner.Open(os.Args[1])
	} else {
		m, err = gliner.OpenDefault()
	}
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	text := "Cisplatin-induced nephrotoxicity was observed in patients with ovarian cancer carrying BRCA1 mutations."
	ents, err := m.Extract(context.Background(), text, []string{"disease", "chemical", "gene"})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range ents {
		fmt.Printf("%-10s %-35q bytes [%d,%d) score %.3f\n", e.Label, e.Text, e.Start, e.End, e.Score)
	}
}
