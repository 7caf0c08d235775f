package tokenize

import (
	"runtime"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

// BenchmarkPipeline encodes the NCBI-disease test titles and abstracts with
// each tokenizer of the parity suite, as plain text and as the words of the
// GLiNER word splitter (EncodeWords, the path GLiNER uses). It reports
// tokens/s and heap allocations per encoded word (words from SplitWords).
// scripts/bench-tokenize.sh runs the same corpus through the Rust library
// and sugarme/tokenizer.
func BenchmarkPipeline(b *testing.B) {
	texts := ncbiTestText(b)
	var words [][]string
	nWords := 0
	for _, t := range texts {
		var ws []string
		for _, w := range SplitWords(nil, t) {
			ws = append(ws, t[w.Start:w.End])
		}
		words = append(words, ws)
		nWords += len(ws)
	}
	for _, tk := range parityTokenizers() {
		b.Run(tk.name, func(b *testing.B) {
			p, err := NewFromFile(tk.path(b))
			if err != nil {
				b.Fatal(err)
			}
			b.Run("text", func(b *testing.B) {
				benchEncode(b, nWords, func(e *Encoding, i int) { p.EncodeTo(e, texts[i], true) }, len(texts))
			})
			b.Run("words", func(b *testing.B) {
				benchEncode(b, nWords, func(e *Encoding, i int) { p.EncodeWordsTo(e, words[i], true) }, len(texts))
			})
		})
	}
}

func benchEncode(b *testing.B, nWords int, enc func(*Encoding, int), n int) {
	var e Encoding
	tokens := 0
	for i := 0; i < n; i++ {
		enc(&e, i)
		tokens += e.Len()
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.ResetTimer()
	for b.Loop() {
		for i := 0; i < n; i++ {
			enc(&e, i)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(b.N)/float64(nWords), "allocs/word")
}

var _ = testenv.Required
