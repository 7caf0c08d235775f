package evaluate

import (
	"regexp"
	"sort"
	"strconv"
	"unicode/utf8"
)

// wordPattern is GLiNER's default word splitter, `\w+(?:[-_]\w+)*|\S` with
// Python's Unicode \w and \s spelled out (see docs/reference.md §1.1).
var wordPattern = regexp.MustCompile(`[\p{L}\p{N}_]+(?:[-_][\p{L}\p{N}_]+)*|[^\t\n\x0B\f\r\x1C-\x1F \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]`)

// WordCount is the number of words in s as the model splits them (GLiNER's
// default splitter); it is the entity length used by [LengthBucket].
func WordCount(s string) int { return len(wordPattern.FindAllStringIndex(s, -1)) }

// runeSlicer maps code-point offsets of one text to substrings.
type runeSlicer struct {
	text  string
	bytes []int // bytes[i] is the byte offset of code point i; len = runes+1
}

func newRuneSlicer(text string) runeSlicer {
	b := make([]int, 0, len(text)+1)
	for i := range text {
		b = append(b, i)
	}
	b = append(b, len(text))
	return runeSlicer{text: text, bytes: b}
}

// slice returns text[start:end] in code points, clamped to the text.
func (r runeSlicer) slice(start, end int) string {
	n := len(r.bytes) - 1
	start, end = max(0, min(start, n)), max(0, min(end, n))
	if start >= end {
		return ""
	}
	return r.text[r.bytes[start]:r.bytes[end]]
}

// byteToRune converts a byte offset of text to a code-point offset.
func byteToRune(text string, b int) int {
	return utf8.RuneCountInString(text[:max(0, min(b, len(text)))])
}

func itoa(i int) string { return strconv.Itoa(i) }

func quote(s string) string { return strconv.Quote(s) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
