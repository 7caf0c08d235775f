package tokenize

import "unicode"

// Character classes with the exact definitions the Rust tokenizers use.

// isWhitespace is Rust's char::is_whitespace (the Unicode White_Space
// property), which is also what unicode.IsSpace implements.
func isWhitespace(r rune) bool {
	if r < 0x80 {
		return asciiSpace[r]
	}
	return unicode.IsSpace(r)
}

var asciiSpace = [128]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

var asciiPunct = func() (t [128]bool) {
	for _, c := range "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" {
		t[c] = true
	}
	return t
}()

// isPunctuation is the punctuation test of the Bert and Punctuation
// pre-tokenizers: ASCII punctuation or general category P*.
func isPunctuation(r rune) bool {
	if r < 0x80 {
		return asciiPunct[r]
	}
	return unicode.IsPunct(r)
}

// isOther is unicode_categories' is_other: Cc, Cf or Co.
func isOther(r rune) bool {
	if r < 0x80 {
		return r < 0x20 || r == 0x7f
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co)
}

// isBertControl is BertNormalizer's is_control.
func isBertControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return isOther(r)
}

// isBertWhitespace is BertNormalizer's is_whitespace.
func isBertWhitespace(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || isWhitespace(r)
}

// isChineseChar is BertNormalizer's is_chinese_char (CJK ideograph blocks).
func isChineseChar(r rune) bool {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF, r >= 0x3400 && r <= 0x4DBF,
		r >= 0x20000 && r <= 0x2A6DF, r >= 0x2A700 && r <= 0x2B73F,
		r >= 0x2B740 && r <= 0x2B81F, r >= 0x2B920 && r <= 0x2CEAF,
		r >= 0xF900 && r <= 0xFAFF, r >= 0x2F800 && r <= 0x2FA1F:
		return true
	}
	return false
}

// isMn reports general category Mn (nonspacing mark).
func isMn(r rune) bool {
	return r >= 0x300 && unicode.Is(unicode.Mn, r)
}

// isNumeric is Rust's char::is_numeric: general category Nd, Nl or No.
func isNumeric(r rune) bool {
	if r < 0x80 {
		return r >= '0' && r <= '9'
	}
	return unicode.IsNumber(r)
}

// isAlphabetic is the Unicode Alphabetic property (Rust char::is_alphabetic).
func isAlphabetic(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_Alphabetic, r)
}

// isRegexWord is \w of the Rust regex crate and of Oniguruma in Unicode
// mode: Alphabetic, M, Nd, Pc and Join_Control.
func isRegexWord(r rune) bool {
	if r < 0x80 {
		return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return isAlphabetic(r) || unicode.IsMark(r) || unicode.Is(unicode.Nd, r) ||
		unicode.Is(unicode.Pc, r) || r == 0x200C || r == 0x200D
}

// toLowerRunes appends Rust's char::to_lowercase of r: the simple lowercase
// mapping, except U+0130 which lowercases to "i\u0307".
func toLowerRunes(dst []rune, r rune) []rune {
	if r == 0x130 {
		return append(dst, 'i', 0x307)
	}
	return append(dst, unicode.ToLower(r))
}

// isWhitespaceWord is the word class of the Whitespace pre-tokenizer
// (\w+|[^\w\s]+). Probing every code point through the Rust library
// (tools/oracle/probe_classes.js) shows it equals the regex crate's \w (isRegexWord), up to characters
// assigned after the Unicode version of Go's tables.
func isWhitespaceWord(r rune) bool { return isRegexWord(r) }
