package gliner

import (
	"fmt"
	"unicode/utf8"

	"github.com/gliner-go/gliner/tokenize"
)

// The bounds that make the cost of every input finite. With them, one
// model call of a uni-encoder or bi-encoder model holds at most B =
// batch size sequences of at most T sub-words (the tokenizer's
// model_max_length, or [DefaultTokenLimit] for tokenizers that state none,
// such as DeBERTa-v3's; see [WithTokenLimit]) and at most W = max_len
// words, and its logits hold at most B·W·max_width·C floats for the C
// labels of one label group (at most max_types, see [Model.ExtractResults]).
// The encoder's activations grow as B·T² per attention layer; nothing in a
// call grows with the length of a text or of a word beyond that, except the
// text's own words and the candidate spans kept across its windows.
const (
	// MaxWordBytes is the longest word sent to the tokenizer: a longer
	// "word" (a DNA sequence, a base64 blob) is split into pieces of at
	// most this many bytes, at code-point boundaries, with a warning.
	// Entities cannot span a cut inside such a word.
	MaxWordBytes = 128
	// MaxLabelTokens is the most sub-words a label of a uni-encoder model
	// may have; a longer label is an error (*[LimitError] wrapping
	// [ErrLabel]).
	MaxLabelTokens = 64
	// DefaultTokenLimit is the sub-word limit of one sequence (prompt,
	// text and special tokens) for tokenizers that state none; see
	// [WithTokenLimit].
	DefaultTokenLimit = 1024
)

// LimitError reports an input over one of the model's limits: a text
// longer than the model takes when long texts are refused (wrapping
// [ErrTextTooLong]), or a label too long for a prompt (wrapping [ErrLabel]).
type LimitError struct {
	What  string // "text", "label"
	Index int    // the text's index in the call, or the label's
	Unit  string // "words", "sub-words"
	Size  int    // the input's size in Unit
	Limit int    // the limit in Unit
	Err   error
}

// Error implements error.
func (e *LimitError) Error() string {
	return fmt.Sprintf("%v: %s %d has %d %s, more than the limit of %d", e.Err, e.What, e.Index, e.Size, e.Unit, e.Limit)
}

// Unwrap returns the underlying sentinel.
func (e *LimitError) Unwrap() error { return e.Err }

// words splits text into the model's words and cuts each word longer than
// MaxWordBytes into pieces; it returns the words and how many were cut.
func (m *Model) words(text string) ([]tokenize.Word, int) {
	ws := m.split(nil, text)
	long := 0
	for _, w := range ws {
		if w.End-w.Start > MaxWordBytes {
			long++
		}
	}
	if long == 0 {
		return ws, 0
	}
	out := make([]tokenize.Word, 0, len(ws)+len(text)/MaxWordBytes)
	for _, w := range ws {
		out = appendPieces(out, text, w)
	}
	return out, long
}

// appendPieces appends word w of text to dst, cut into pieces of at most
// MaxWordBytes bytes at code-point boundaries.
func appendPieces(dst []tokenize.Word, text string, w tokenize.Word) []tokenize.Word {
	for w.End-w.Start > MaxWordBytes {
		cut := w.Start + MaxWordBytes
		for cut > w.Start+1 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		r := w.RuneStart + utf8.RuneCountInString(text[w.Start:cut])
		dst = append(dst, tokenize.Word{Start: w.Start, End: cut, RuneStart: w.RuneStart, RuneEnd: r})
		w.Start, w.RuneStart = cut, r
	}
	return append(dst, w)
}

// tokenLimit returns the sub-word limit of one sequence.
func (m *Model) tokenLimit() int {
	if m.maxTokens > 0 {
		return m.maxTokens
	}
	return m.tokenCap
}

// wordCosts returns the sub-word count of each word of text.
func (m *Model) wordCosts(text string, words []tokenize.Word) []int {
	seq := make([]string, len(words))
	for i, w := range words {
		seq[i] = text[w.Start:w.End]
	}
	costs := make([]int, len(words))
	for _, wid := range m.tok.EncodeWords(seq, false).WordIDs {
		if wid >= 0 {
			costs[wid]++
		}
	}
	return costs
}

// sentenceEnds marks the words after which a sentence ends: sentence-final
// punctuation, or a line break before the next word.
func sentenceEnds(text string, words []tokenize.Word) []bool {
	ends := make([]bool, len(words))
	for i, w := range words {
		switch text[w.Start:w.End] {
		case ".", "!", "?", ";":
			ends[i] = true
			continue
		}
		if i+1 < len(words) {
			for _, c := range []byte(text[w.End:words[i+1].Start]) {
				if c == '\n' {
					ends[i] = true
				}
			}
		}
	}
	return ends
}
