package span

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchLogits draws logits the way a trained model's look: nearly all far
// below zero, a few above (about 1 in 2,000 above p = 0.5).
func benchLogits(r *rand.Rand, n int) []float32 {
	l := make([]float32, n)
	for i := range l {
		l[i] = float32(r.NormFloat64()*2.5 - 9)
	}
	return l
}

// BenchmarkDecodeSpans: words × labels × maxWidth, flat and nested.
// Metrics: Mlogits/s (logits scanned per second) and spans/op (candidates
// above the threshold).
func BenchmarkDecodeSpans(b *testing.B) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, words := range []int{64, 384} {
		for _, labels := range []int{5, 50, 500} {
			for _, k := range []int{12} {
				logits := benchLogits(r, words*k*labels)
				for _, nested := range []bool{false, true} {
					opts := Options{Thresholds: thresholds(labels, 0.5), Nested: nested}
					name := fmt.Sprintf("words=%d/labels=%d/K=%d/nested=%v", words, labels, k, nested)
					b.Run(name, func(b *testing.B) {
						var d Decoder
						var dst []Span
						b.ReportAllocs()
						for b.Loop() {
							dst = d.DecodeSpans(dst[:0], logits, words, k, labels, opts)
						}
						b.ReportMetric(float64(len(logits))*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mlogits/s")
						b.ReportMetric(float64(len(d.cands)), "candidates/op")
					})
				}
			}
		}
	}
}

// BenchmarkDecodeSpansDense: a low threshold (0.01) on the same logits
// makes the greedy search, not the scan, dominate.
func BenchmarkDecodeSpansDense(b *testing.B) {
	r := rand.New(rand.NewPCG(23, 24))
	const words, labels, k = 384, 50, 12
	logits := benchLogits(r, words*k*labels)
	for _, nested := range []bool{false, true} {
		b.Run(fmt.Sprintf("words=%d/labels=%d/K=%d/nested=%v", words, labels, k, nested), func(b *testing.B) {
			opts := Options{Thresholds: thresholds(labels, 0.01), Nested: nested}
			var d Decoder
			var dst []Span
			b.ReportAllocs()
			for b.Loop() {
				dst = d.DecodeSpans(dst[:0], logits, words, k, labels, opts)
			}
			b.ReportMetric(float64(len(d.cands)), "candidates/op")
		})
	}
}

// BenchmarkDecodeTokens: words × labels, both layouts.
func BenchmarkDecodeTokens(b *testing.B) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, words := range []int{64, 384} {
		for _, labels := range []int{5, 50, 500} {
			last := benchLogits(r, words*labels*3)
			first := toPositionFirst(last, 1, labels)
			for _, layout := range []TokenLayout{LayoutPositionLast, LayoutPositionFirst} {
				l := last
				if layout == LayoutPositionFirst {
					l = first
				}
				b.Run(fmt.Sprintf("words=%d/labels=%d/layout=%v", words, labels, layout), func(b *testing.B) {
					opts := Options{Thresholds: thresholds(labels, 0.5)}
					var d Decoder
					var dst []Span
					b.ReportAllocs()
					for b.Loop() {
						dst = d.DecodeTokens(dst[:0], l, layout, words, labels, opts)
					}
					b.ReportMetric(float64(len(l))*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mlogits/s")
				})
			}
		}
	}
}

// BenchmarkBIO: tokens × tags × strategy, one window and three
// overlapping windows.
func BenchmarkBIO(b *testing.B) {
	r := rand.New(rand.NewPCG(27, 28))
	for _, tokens := range []int{128, 512} {
		for _, numTypes := range []int{2, 10} {
			names := []string{"O"}
			for i := range numTypes {
				names = append(names, fmt.Sprintf("B-T%d", i), fmt.Sprintf("I-T%d", i))
			}
			tags, _ := NewTagSet(names, SchemeIOB)
			w := Window{FirstToken: -1}
			for t := range tokens {
				w.WordIDs = append(w.WordIDs, t*2/3)
				w.Offsets = append(w.Offsets, Offset{4 * t, 4*t + 3})
				for j := range names {
					x := float32(r.NormFloat64())
					if j == 0 {
						x += 3
					}
					w.Logits = append(w.Logits, x)
				}
			}
			for _, agg := range []Aggregation{AggregateNone, AggregateSimple, AggregateFirst, AggregateAverage, AggregateMax} {
				b.Run(fmt.Sprintf("tokens=%d/tags=%d/%v", tokens, len(names), agg), func(b *testing.B) {
					var d BIODecoder
					var dst []BIOEntity
					b.ReportAllocs()
					for b.Loop() {
						dst, _ = d.Decode(dst[:0], tags, []Window{w}, BIOOptions{Aggregation: agg})
					}
					b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtokens/s")
				})
			}
		}
	}
}
