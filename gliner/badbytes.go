package gliner

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/gliner-go/gliner/span"
	"github.com/gliner-go/gliner/tokenize"
)

// Invalid UTF-8 bytes and NUL are never part of an entity. The reference's
// word splitter makes each of them a word of its own (a non-space character
// that is not a word character), and the model sees it as such; but no span
// may start at, end at or cross such a word. The decoders reject a
// candidate with a NaN logit, so the logits of those candidates are set to
// NaN before decoding. Texts without such bytes (every text the Python
// reference can be given without NUL) decode exactly as before.

// badWords returns the positions of the words that are one invalid UTF-8
// byte or NUL. Such a word is a single byte: the splitter never joins them
// to other characters, and a single byte at or above 0x80 is never valid
// UTF-8 on its own.
func badWords(text string, words []tokenize.Word) []int {
	var bad []int
	for i, w := range words {
		if w.End-w.Start == 1 && (text[w.Start] == 0 || text[w.Start] >= 0x80) {
			bad = append(bad, i)
		}
	}
	return bad
}

// maskSpanItem poisons, in one text's span logits item ([W, K, C], W =
// len(item)/(K·C)), every span that covers a bad word.
func maskSpanItem(item []float32, K, C int, bad []int) {
	nan := float32(math.NaN())
	for _, w := range bad {
		for start := max(0, w-K+1); start <= w; start++ {
			for width := w - start; width < K; width++ {
				row := item[(start*K+width)*C:][:C]
				for c := range row {
					row[c] = nan
				}
			}
		}
	}
}

// maskTokenItem poisons the start, end and inside logits of the bad words
// of item b in a token-level output of B texts, W words and C classes:
// no span can then start, end or run through them.
func maskTokenItem(logits []float32, layout span.TokenLayout, B, b, W, C int, bad []int) {
	nan := float32(math.NaN())
	for _, w := range bad {
		for c := range C {
			for j := range 3 {
				if layout == span.LayoutPositionLast {
					logits[((b*W+w)*C+c)*3+j] = nan
				} else {
					logits[((j*B+b)*W+w)*C+c] = nan
				}
			}
		}
	}
}

// maskSpanBatch poisons, before decoding, the span logits [B, W, K, C] of
// every span of the batch's texts that covers a bad word.
func maskSpanBatch(logits []float32, b batch, encs []encodedText, K, C int) {
	per := len(logits) / len(b.items)
	for j, it := range b.items {
		if bad := badWords(b.texts[it.text], encs[j].words); bad != nil {
			maskSpanItem(logits[j*per:(j+1)*per], K, C, bad)
		}
	}
}

// maskTokenBatch poisons, before decoding, the token logits of the bad
// words of the batch's texts.
func maskTokenBatch(logits []float32, layout span.TokenLayout, b batch, encs []encodedText, C int) {
	B := len(b.items)
	W := len(logits) / (3 * B * C)
	for j, it := range b.items {
		if bad := badWords(b.texts[it.text], encs[j].words); bad != nil {
			maskTokenItem(logits, layout, B, j, W, C, bad)
		}
	}
}

// cleanBIOEntity applies the rule to an entity of a token classifier, whose
// tokens do not follow the word splitter: invalid bytes and NUL (and the
// spaces they leave) are trimmed from its ends; an entity still holding one
// inside, or nothing else, is dropped. runeOf maps byte to code-point
// offsets of text.
func cleanBIOEntity(text string, e Entity, runeOf []int) (Entity, bool) {
	s, t := e.Start, e.End
	if !hasBadByte(text[s:t]) {
		return e, true
	}
	for s < t && (isBadAt(text, s) || isSpace(text[s])) {
		s++
	}
	for t > s && (isBadAt(text, t-1) || isSpace(text[t-1])) {
		t--
	}
	if s == t || hasBadByte(text[s:t]) {
		return Entity{}, false
	}
	e.Start, e.End, e.Text = s, t, text[s:t]
	e.RuneStart, e.RuneEnd = runeOf[s], runeOf[t]
	return e, true
}

// hasBadByte reports whether s holds NUL or an invalid UTF-8 byte.
func hasBadByte(s string) bool { return strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) }

// isBadAt reports whether the byte at i is NUL or not part of a valid UTF-8
// sequence.
func isBadAt(text string, i int) bool {
	if text[i] == 0 {
		return true
	}
	if text[i] < 0x80 {
		return false
	}
	for start := max(0, i-3); start <= i; start++ {
		r, n := utf8.DecodeRuneInString(text[start:])
		if start+n > i && (r != utf8.RuneError || n > 1) {
			return false
		}
	}
	return true
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }
