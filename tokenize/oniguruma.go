package tokenize

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// The Rust tokenizers library compiles the Regex patterns of a
// tokenizer.json (Split, Replace) with Oniguruma. Go's regexp is RE2: most
// patterns mean the same in both, but the Perl classes do not (Oniguruma's
// \s, \d and \w are Unicode-aware in the Rust build, RE2's are ASCII), and
// some Oniguruma constructs have no RE2 equivalent. compileOnig translates
// what it can and refuses the rest, so that a pattern is never silently
// read with another meaning.

// compileOnig compiles an Oniguruma pattern with Go's regexp when both
// engines agree on its meaning: \s, \d and \w are rewritten to their Unicode
// classes; constructs RE2 lacks (look-around, back-references, atomic
// groups, possessive quantifiers) and \b/\B fail.
func compileOnig(pat string) (*regexp.Regexp, error) {
	var sb strings.Builder
	inClass := false
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		if c == '\\' && i+1 < len(pat) {
			d := pat[i+1]
			i++
			var cls string
			switch d {
			case 's':
				cls = `\t-\r\x{85}\p{Z}`
			case 'd':
				cls = `\p{Nd}`
			case 'w':
				cls = onigWordClass
			case 'S', 'D', 'W':
				if inClass {
					return nil, fmt.Errorf("negated class \\%c inside brackets", d)
				}
				neg := map[byte]string{'S': `\t-\r\x{85}\p{Z}`, 'D': `\p{Nd}`, 'W': onigWordClass + onigWordExtra}[d]
				sb.WriteString("[^" + neg + "]")
				continue
			case 'b', 'B', 'h', 'H', 'R', 'X', 'K', 'G', 'Z', 'k', 'g':
				return nil, fmt.Errorf("escape \\%c", d)
			default:
				if d >= '1' && d <= '9' {
					return nil, fmt.Errorf("back-reference")
				}
				sb.WriteByte('\\')
				sb.WriteByte(d)
				continue
			}
			switch {
			case inClass:
				sb.WriteString(cls)
			case d == 'w':
				sb.WriteString("[" + cls + onigWordExtra + "]")
			default:
				sb.WriteString("[" + cls + "]")
			}
			continue
		}
		switch {
		case c == '[' && !inClass:
			inClass = true
			sb.WriteByte(c)
			if i+1 < len(pat) && pat[i+1] == '^' {
				sb.WriteByte('^')
				i++
			}
			if i+1 < len(pat) && pat[i+1] == ']' {
				sb.WriteString(`\]`)
				i++
			}
			continue
		case c == ']' && inClass:
			inClass = false
		case c == '[' && inClass:
			return nil, fmt.Errorf("nested character class")
		case !inClass && (c == '+' || c == '*' || c == '?' || c == '}') && i+1 < len(pat) && pat[i+1] == '+':
			return nil, fmt.Errorf("possessive quantifier")
		}
		sb.WriteByte(c)
	}
	if strings.Contains(pat, "(?=") || strings.Contains(pat, "(?!") || strings.Contains(pat, "(?<") || strings.Contains(pat, "(?>") {
		return nil, fmt.Errorf("look-around or atomic group")
	}
	return regexp.Compile(sb.String())
}

// onigWordClass is the body of a character class matching \w inside a
// bracket expression of Oniguruma as the Rust tokenizers build it: Alphabetic
// (L, Nl, Other_Alphabetic), M, Nd and Pc. Outside brackets \w also matches
// the Latin-1 digits and fractions ² ³ ¹ ¼ ½ ¾ (onigWordExtra). Both were
// established by probing every code point through the Rust library; neither
// includes the joiners U+200C and U+200D (tools/oracle/probe_classes.js).
var onigWordClass = func() string {
	var sb strings.Builder
	sb.WriteString(`\p{L}\p{Nl}\p{M}\p{Nd}\p{Pc}`)
	for _, r16 := range unicode.Other_Alphabetic.R16 {
		for c := rune(r16.Lo); c <= rune(r16.Hi); c += rune(r16.Stride) {
			fmt.Fprintf(&sb, `\x{%X}`, c)
		}
	}
	for _, r32 := range unicode.Other_Alphabetic.R32 {
		for c := rune(r32.Lo); c <= rune(r32.Hi); c += rune(r32.Stride) {
			fmt.Fprintf(&sb, `\x{%X}`, c)
		}
	}
	return sb.String()
}()

const onigWordExtra = `\x{B2}\x{B3}\x{B9}\x{BC}-\x{BE}`
