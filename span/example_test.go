package span_test

import (
	"fmt"

	"github.com/gliner-go/gliner/span"
)

// A text of 4 words, max width 2, labels "disease" and "gene": build the
// span inputs, then decode logits in which two overlapping spans fire.
func ExampleDecoder_DecodeSpans() {
	const words, k, c = 4, 2, 2
	lengths := []int{words}
	idx := make([]int64, 2*words*k)
	mask := make([]bool, words*k)
	span.FillCandidates(idx, mask, lengths, k)
	fmt.Println("span_idx:", idx)
	fmt.Println("span_mask:", mask)

	logits := make([]float32, words*k*c) // [W, K, C]
	for i := range logits {
		logits[i] = -5
	}
	logits[(1*k+1)*c+0] = 2.0 // words 1..2, disease (torch: sigmoid(2) = 0.880797 in float32)
	logits[(2*k+0)*c+1] = 1.0 // word 2, gene: overlaps, lower score
	logits[(3*k+0)*c+1] = 0.5 // word 3, gene

	var d span.Decoder
	opts := span.Options{Thresholds: []float64{0.5, 0.5}}
	fmt.Println("flat:", d.DecodeSpans(nil, logits, words, k, c, opts))
	opts.Nested = true
	fmt.Println("nested:", d.DecodeSpans(nil, logits, words, k, c, opts))
	// Output:
	// span_idx: [0 0 0 1 1 1 1 2 2 2 2 3 3 3 3 4]
	// span_mask: [true true true true true true true false]
	// flat: [{1 2 0 0.880797} {3 3 1 0.62245935}]
	// nested: [{1 2 0 0.880797} {2 2 1 0.7310586} {3 3 1 0.62245935}]
}

// Decoding per-token logits of a BIO token classifier with the pipeline's
// "first" strategy: "cisplatin" is split into three sub-words, and the
// word takes the tag of its first one.
func ExampleBIODecoder_Decode() {
	tags, err := span.NewTagSet([]string{"O", "B-Chemical", "I-Chemical"}, span.SchemeIOB)
	if err != nil {
		panic(err)
	}
	// [CLS] cis ##pla ##tin toxicity [SEP]
	w := span.Window{
		WordIDs: []int{-1, 0, 0, 0, 1, -1},
		Offsets: []span.Offset{{}, {0, 3}, {3, 6}, {6, 9}, {10, 18}, {}},
		Logits: []float32{
			0, 0, 0,
			0, 3, 0, // cis: B-Chemical
			2, 0, 1, // ##pla: O
			0, 0, 2, // ##tin: I-Chemical
			3, 0, 0, // toxicity: O
			0, 0, 0,
		},
	}
	var d span.BIODecoder
	ents, err := d.Decode(nil, tags, []span.Window{w}, span.BIOOptions{Aggregation: span.AggregateFirst})
	if err != nil {
		panic(err)
	}
	for _, e := range ents {
		fmt.Printf("%s [%d,%d) words %d-%d score %.3f\n", tags.Type(e.Type), e.Start, e.End, e.FirstWord, e.LastWord, e.Score)
	}
	// Output:
	// Chemical [0,9) words 0-0 score 0.909
}
