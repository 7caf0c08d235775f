// Command extract is a minimal program using the library: it loads the
// built-in model (or the model folder given as the first argument) and
// prints the diseases, chemicals and genes of a sentence.
//
//	go run ./examples/extract
//	go run ./examples/extract path/to/gliner-model-folder
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
