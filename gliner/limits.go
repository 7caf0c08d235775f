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
	// "word" (a DNA sequence, a base64 blob) is cut to its first
	// MaxWordBytes bytes (at a code-point boundary) with a warning, and the
	// rest of it is not read: an entity ending in such a word ends at the
	// cut. The cost of a text is then bounded by its number of words,
	// whatever their length.
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
// MaxWordBytes to its first MaxWordBytes bytes (at a code-point boundary);
// it returns the words and how many were cut.
func (m *Model) words(text string) ([]tokenize.Word, int) {
	ws := m.split(nil, text)
	cut := 0
	for i, w := range ws {
		if w.End-w.Start > MaxWordBytes {
			ws[i] = cutWord(text, w)
			cut++
		}
	}
	return ws, cut
}

// cutWord returns word w of text cut to at most MaxWordBytes bytes at a
// code-point boundary.
func cutWord(text string, w tokenize.Word) tokenize.Word {
	end := w.Start + MaxWordBytes
	for end > w.Start+1 && !utf8.RuneStart(text[end]) {
		end--
	}
	w.End, w.RuneEnd = end, w.RuneStart+utf8.RuneCountInString(text[w.Start:end])
	return w
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
