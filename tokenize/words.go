package tokenize

import (
	"sync"
	"unicode"
	"unicode/utf8"
)

// Word is one word of a text, as found by a [SplitFunc].
//
// Start and End are byte offsets into the text, half-open: the word is
// text[Start:End]. RuneStart and RuneEnd are the same range counted in code
// points, which are the offsets Python reports (str indices). Each byte of
// invalid UTF-8 counts as one code point, as it would in a Python string
// decoded with errors="surrogateescape".
type Word struct {
	Start, End         int
	RuneStart, RuneEnd int
}

// SplitFunc splits text into words.
//
// A SplitFunc appends the words of text to dst, in order of their start, and
// returns the extended slice; it never modifies the existing elements of dst
// and allocates only when dst lacks capacity, so a caller that reuses dst
// (dst = split(dst[:0], text)) splits without allocating. Words are non-empty,
// do not overlap, and their byte and code-point offsets are relative to the
// start of text (not to the end of dst's earlier words). A SplitFunc accepts
// any string, including invalid UTF-8, never panics, and is safe for
// concurrent use.
type SplitFunc func(dst []Word, text string) []Word

var _ SplitFunc = SplitWords

// SplitWords is GLiNER's default word splitter ("whitespace"): the Python
// regular expression \w+(?:[-_]\w+)*|\S applied with re.finditer.
//
// A word is a run of word characters, optionally joined to further runs by
// single hyphens or underscores ("e-mail", "co-op_x"); every other
// non-whitespace character is a word of its own ("3.14" is "3", ".", "14").
// Word characters are those of Python's \w on str: letters (Lu, Ll, Lt, Lm,
// Lo), numbers (Nd, Nl, No) and the underscore; combining marks are not word
// characters. Whitespace is Python's str.isspace (see [IsPythonSpace]); U+200B
// and U+FEFF are not whitespace and become one-character words. Character
// classes come from Go's unicode tables (Unicode 15.0.0, the version of
// Python 3.12).
//
// Invalid UTF-8: each byte that is not part of a valid UTF-8 sequence is a
// word of one byte and one code point, which is what Python's re does with
// the lone surrogate that errors="surrogateescape" decodes such a byte to.
// The Unicode replacement character U+FFFD itself is an ordinary symbol and
// likewise a word of its own (three bytes, one code point).
//
// SplitWords has the [SplitFunc] signature.
func SplitWords(dst []Word, text string) []Word {
	bmpWordOnce.Do(buildBMPWord)
	runes := 0 // code points before position i
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch asciiClass[c] {
			case classSpace:
				i++
				runes++
				continue
			case classOther:
				dst = append(dst, Word{i, i + 1, runes, runes + 1})
				i++
				runes++
				continue
			}
			// classWord: fall through to the word scanner.
		} else {
			r, n := utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				if !IsPythonSpace(r) {
					dst = append(dst, Word{i, i + n, runes, runes + 1})
				}
				i += n
				runes++
				continue
			}
		}
		end, endRunes := scanWord(text, i, runes)
		dst = append(dst, Word{i, end, runes, endRunes})
		i, runes = end, endRunes
	}
	return dst
}

// scanWord returns the end (bytes and code points) of the word that starts
// with a word character at text[i], whose code-point index is runes: a run of
// word characters followed by any number of ("-" or "_") + run.
func scanWord(text string, i, runes int) (end, endRunes int) {
	i, runes = scanRun(text, i, runes)
	for i+1 < len(text) && (text[i] == '-' || text[i] == '_') {
		j, n := i+1, 0
		if c := text[j]; c < utf8.RuneSelf {
			if asciiClass[c] != classWord {
				break
			}
			n = 1
		} else {
			r, w := utf8.DecodeRuneInString(text[j:])
			if !isWordRune(r) {
				break
			}
			n = w
		}
		i, runes = scanRun(text, j+n, runes+2)
	}
	return i, runes
}

// scanRun skips word characters from text[i] on and returns the position and
// code-point index after the run.
func scanRun(text string, i, runes int) (int, int) {
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if asciiClass[c] != classWord {
				break
			}
			i++
		} else {
			r, n := utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				break
			}
			i += n
		}
		runes++
	}
	return i, runes
}

// Character classes of ASCII bytes.
const (
	classOther = iota
	classWord
	classSpace
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
			t[c] = classWord
		case IsPythonSpace(rune(c)):
			t[c] = classSpace
		}
	}
	return t
}()

// isWordRune reports whether r is in Python's \w for str patterns: a letter,
// a number or the underscore. utf8.RuneError (which DecodeRuneInString
// returns for invalid bytes) is a symbol, not a word character.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiClass[r] == classWord
	}
	if r < 0x10000 {
		return bmpWord[r>>6]&(1<<(r&63)) != 0
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// bmpWord is a bitmap of the word characters of the Basic Multilingual Plane
// (8 KiB), so the common case avoids the binary search of unicode.Is. It is
// built on first use (about a millisecond), not at package initialisation;
// isWordRune's callers run bmpWordOnce.Do(buildBMPWord) first.
var (
	bmpWord     [0x10000 / 64]uint64
	bmpWordOnce sync.Once
)

func buildBMPWord() {
	for r := rune(0); r < 0x10000; r++ {
		if r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) {
			bmpWord[r>>6] |= 1 << (r & 63)
		}
	}
}

// IsPythonSpace reports whether r is whitespace for Python's str.isspace and
// for \s in a str regular expression: \t \n \v \f \r, U+001C-U+001F, space,
// U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F and
// U+3000. Unlike Go's unicode.IsSpace it includes U+001C-U+001F; like it, it
// excludes U+200B (zero width space) and U+FEFF.
func IsPythonSpace(r rune) bool {
	switch {
	case r <= 0x20:
		return r == ' ' || (r >= '\t' && r <= '\r') || (r >= 0x1C && r <= 0x1F)
	case r < 0x85:
		return false
	case r <= 0xA0:
		return r == 0x85 || r == 0xA0
	case r < 0x1680:
		return false
	}
	switch r {
	case 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// StripPython returns text without leading and trailing whitespace, as
// Python's str.strip() with no argument does (whitespace as in
// [IsPythonSpace]). Invalid UTF-8 bytes are not whitespace.
func StripPython(text string) string {
	start := 0
	for start < len(text) {
		r, n := utf8.DecodeRuneInString(text[start:])
		if !isSpaceDecoded(r, n) {
			break
		}
		start += n
	}
	end := len(text)
	for end > start {
		r, n := utf8.DecodeLastRuneInString(text[start:end])
		if !isSpaceDecoded(r, n) {
			break
		}
		end -= n
	}
	return text[start:end]
}

// IsBlank reports whether text is empty or only whitespace, that is whether
// Python's text.strip() is empty. GLiNER drops such texts before splitting.
func IsBlank(text string) bool {
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isSpaceDecoded(r, n) {
			return false
		}
		i += n
	}
	return true
}

// isSpaceDecoded is IsPythonSpace for a rune decoded from a string: an invalid
// byte (RuneError of width 1) is not whitespace.
func isSpaceDecoded(r rune, n int) bool {
	return IsPythonSpace(r) && !(r == utf8.RuneError && n == 1)
}

// Splitter returns the word splitter GLiNER's gliner_config.json names in
// "words_splitter_type": "whitespace" (and "", the default) is
// [SplitWords]. GLiNER's other splitters ("spacy", "universal", "mecab",
// "jieba", "hanlp", "janome", "camel", "hindi", "stanza") wrap third-party
// NLP libraries and are not implemented; they, and unknown names, give an
// *[UnsupportedError] naming the splitter.
func Splitter(name string) (SplitFunc, error) {
	if name == "" || name == "whitespace" {
		return SplitWords, nil
	}
	return nil, unsupported("words_splitter_type", "word splitter %q", name)
}
