package gliner

import (
	"math"
	"slices"
	"testing"

	"github.com/gliner-go/gliner/span"
	"github.com/gliner-go/gliner/tokenize"
)

func TestBadWords(t *testing.T) {
	text := "a\xff é\x00b \xe2\x82 ok\ufffd"
	words := tokenize.SplitWords(nil, text)
	var got []string
	for _, i := range badWords(text, words) {
		got = append(got, text[words[i].Start:words[i].End])
	}
	// "\xe2\x82" is a truncated sequence: two invalid bytes, two words; a
	// valid U+FFFD is not bad.
	if want := []string{"\xff", "\x00", "\xe2", "\x82"}; !slices.Equal(got, want) {
		t.Fatalf("bad words %q, want %q (words %v)", got, want, words)
	}
}

func TestMaskSpanItem(t *testing.T) {
	const W, K, C = 5, 3, 2
	item := make([]float32, W*K*C)
	maskSpanItem(item, K, C, []int{2})
	for start := range W {
		for width := range K {
			covers := start <= 2 && 2 <= start+width
			for c := range C {
				if x := item[(start*K+width)*C+c]; math.IsNaN(float64(x)) != covers {
					t.Errorf("span (%d, width %d) class %d: %v, covers the bad word %v", start, width, c, x, covers)
				}
			}
		}
	}
}

func TestMaskTokenItem(t *testing.T) {
	const B, W, C = 2, 4, 3
	for _, layout := range []span.TokenLayout{span.LayoutPositionLast, span.LayoutPositionFirst} {
		logits := make([]float32, B*W*C*3)
		maskTokenItem(logits, layout, B, 1, W, C, []int{3})
		nans := 0
		for _, x := range logits {
			if math.IsNaN(float64(x)) {
				nans++
			}
		}
		if nans != C*3 {
			t.Fatalf("%v: %d NaN logits, want %d", layout, nans, C*3)
		}
		// The decoder then finds nothing at word 3 of item 1 even with
		// every other logit high and a zero threshold.
		for i := range logits {
			if !math.IsNaN(float64(logits[i])) {
				logits[i] = 10
			}
		}
		var d span.Decoder
		opts := span.Options{Thresholds: []float64{0, 0, 0}}
		for _, s := range d.DecodeTokensBatch(nil, logits, layout, []int{W, W}, C, opts)[1] {
			if s.End >= 3 {
				t.Fatalf("%v: span %+v reaches the bad word", layout, s)
			}
		}
	}
}
