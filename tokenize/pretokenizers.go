package tokenize

import (
	"bytes"
	"regexp"
	"unicode"
	"unicode/utf8"
)

// seg is one segment of a piece found by a pattern: bytes [s, e) and
// whether it is a match (Hugging Face's Pattern::find_matches output, which
// covers the whole piece).
type seg struct {
	s, e  int32
	match bool
}

// behavior is a SplitDelimiterBehavior.
type behavior uint8

const (
	bhRemoved behavior = iota
	bhIsolated
	bhMergedWithPrevious
	bhMergedWithNext
	bhContiguous
)

var behaviorNames = map[string]behavior{
	"Removed": bhRemoved, "Isolated": bhIsolated, "MergedWithPrevious": bhMergedWithPrevious,
	"MergedWithNext": bhMergedWithNext, "Contiguous": bhContiguous,
}

// preTokenizer splits one piece (never an added token) into sub-pieces,
// appended to dst.
type preTokenizer interface {
	split(ws *workspace, p piece, dst []piece) []piece
}

// charSegs is find_matches for a character predicate.
func charSegs(dst []seg, b []byte, pred func(rune) bool) []seg {
	if len(b) == 0 {
		return append(dst, seg{0, 0, false})
	}
	last := 0
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if pred(r) {
			if last < i {
				dst = append(dst, seg{int32(last), int32(i), false})
			}
			dst = append(dst, seg{int32(i), int32(i + n), true})
			last = i + n
		}
		i += n
	}
	if last < len(b) {
		dst = append(dst, seg{int32(last), int32(len(b)), false})
	}
	return dst
}

// matchSegs turns a list of matches into find_matches output.
func matchSegs(dst []seg, n int, matches []seg) []seg {
	if n == 0 {
		return append(dst, seg{0, 0, false})
	}
	prev := int32(0)
	for _, m := range matches {
		if prev != m.s {
			dst = append(dst, seg{prev, m.s, false})
		}
		dst = append(dst, seg{m.s, m.e, true})
		prev = m.e
	}
	if int(prev) != n {
		dst = append(dst, seg{prev, int32(n), false})
	}
	return dst
}

// splitBy is NormalizedString::split followed by PreTokenizedString's
// removal of empty pieces.
func splitBy(dst []piece, p piece, segs []seg, bh behavior) []piece {
	add := func(s, e int32) {
		if s < e {
			dst = append(dst, p.slice(int(s), int(e)))
		}
	}
	switch bh {
	case bhIsolated:
		for _, g := range segs {
			add(g.s, g.e)
		}
	case bhRemoved:
		for _, g := range segs {
			if !g.match {
				add(g.s, g.e)
			}
		}
	case bhContiguous:
		for i := 0; i < len(segs); {
			j := i + 1
			for j < len(segs) && segs[j].match == segs[i].match {
				j++
			}
			add(segs[i].s, segs[j-1].e)
			i = j
		}
	case bhMergedWithPrevious:
		prevMatch := false
		var cur seg
		have := false
		for _, g := range segs {
			if g.match && !prevMatch && have {
				cur.e = g.e
			} else {
				if have {
					add(cur.s, cur.e)
				}
				cur, have = g, true
			}
			prevMatch = g.match
		}
		if have {
			add(cur.s, cur.e)
		}
	case bhMergedWithNext:
		// Fold from the right, then emit left to right.
		start := len(dst)
		nextMatch := false
		var cur seg
		have := false
		for i := len(segs) - 1; i >= 0; i-- {
			g := segs[i]
			if g.match && !nextMatch && have {
				cur.s = g.s
			} else {
				if have {
					add(cur.s, cur.e)
				}
				cur, have = g, true
			}
			nextMatch = g.match
		}
		if have {
			add(cur.s, cur.e)
		}
		for i, j := start, len(dst)-1; i < j; i, j = i+1, j-1 {
			dst[i], dst[j] = dst[j], dst[i]
		}
	}
	return dst
}

// invertSegs flips the match flags (Hugging Face's Invert pattern).
func invertSegs(segs []seg) {
	for i := range segs {
		segs[i].match = !segs[i].match
	}
}

// bertPreTokenizer splits on whitespace (removed) then isolates punctuation.
type bertPreTokenizer struct{}

func (bertPreTokenizer) split(ws *workspace, p piece, dst []piece) []piece {
	start := -1
	for i := 0; i < len(p.b); {
		r, n := rune(p.b[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(p.b[i:])
		}
		switch {
		case isWhitespace(r):
			if start >= 0 {
				dst = append(dst, p.slice(start, i))
				start = -1
			}
		case isPunctuation(r):
			if start >= 0 {
				dst = append(dst, p.slice(start, i))
				start = -1
			}
			dst = append(dst, p.slice(i, i+n))
		default:
			if start < 0 {
				start = i
			}
		}
		i += n
	}
	if start >= 0 {
		dst = append(dst, p.slice(start, len(p.b)))
	}
	return dst
}

// whitespaceSplit splits on whitespace, removing it.
type whitespaceSplit struct{}

func (whitespaceSplit) split(ws *workspace, p piece, dst []piece) []piece {
	ws.segs = charSegs(ws.segs[:0], p.b, isWhitespace)
	return splitBy(dst, p, ws.segs, bhRemoved)
}

// whitespacePreTokenizer keeps the matches of \w+|[^\w\s]+ (Oniguruma
// classes) and removes the rest.
type whitespacePreTokenizer struct{}

func (whitespacePreTokenizer) split(ws *workspace, p piece, dst []piece) []piece {
	b := p.b
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if isWhitespace(r) {
			i += n
			continue
		}
		word := isWhitespaceWord(r)
		j := i + n
		for j < len(b) {
			r2, n2 := utf8.DecodeRune(b[j:])
			if isWhitespace(r2) || isWhitespaceWord(r2) != word {
				break
			}
			j += n2
		}
		dst = append(dst, p.slice(i, j))
		i = j
	}
	return dst
}

// punctuationPreTokenizer splits on punctuation characters.
type punctuationPreTokenizer struct{ bh behavior }

func (t punctuationPreTokenizer) split(ws *workspace, p piece, dst []piece) []piece {
	ws.segs = charSegs(ws.segs[:0], p.b, isPunctuation)
	return splitBy(dst, p, ws.segs, t.bh)
}

// digitsPreTokenizer splits on numeric characters.
type digitsPreTokenizer struct{ individual bool }

func (t digitsPreTokenizer) split(ws *workspace, p piece, dst []piece) []piece {
	ws.segs = charSegs(ws.segs[:0], p.b, isNumeric)
	bh := bhContiguous
	if t.individual {
		bh = bhIsolated
	}
	return splitBy(dst, p, ws.segs, bh)
}

// splitPreTokenizer splits on a literal or a regular expression.
type splitPreTokenizer struct {
	pat    replaceNormalizer // reuses the literal/regex matcher
	bh     behavior
	invert bool
}

func (t *splitPreTokenizer) split(ws *workspace, p piece, dst []piece) []piece {
	ws.segs = t.pat.find(ws.segs[:0], p.b)
	ws.segs2 = matchSegs(ws.segs2[:0], len(p.b), ws.segs)
	if t.invert {
		invertSegs(ws.segs2)
	}
	return splitBy(dst, p, ws.segs2, t.bh)
}

// prependScheme is Metaspace's prepend_scheme.
type prependScheme uint8

const (
	prependAlways prependScheme = iota
	prependFirst
	prependNever
)

// metaspacePreTokenizer replaces spaces by the replacement character,
// prepends it per the scheme and splits before each occurrence.
type metaspacePreTokenizer struct {
	repl   rune
	replR  []rune
	replB  []byte
	scheme prependScheme
	split_ bool
}

func (t *metaspacePreTokenizer) split(ws *workspace, p piece, dst []piece) []piece {
	if bytes.IndexByte(p.b, ' ') >= 0 {
		ws.segs = ws.segs[:0]
		for i, c := range p.b {
			if c == ' ' {
				ws.segs = append(ws.segs, seg{int32(i), int32(i + 1), true})
			}
		}
		replacePiece(ws, &p, ws.segs, t.replR)
	}
	switch t.scheme {
	case prependAlways:
		if !bytes.HasPrefix(p.b, t.replB) {
			prependPiece(ws, &p, t.replR)
		}
	case prependFirst:
		if !bytes.HasPrefix(p.b, t.replB) && p.shift == 0 {
			prependPiece(ws, &p, t.replR)
		}
	}
	if !t.split_ {
		if len(p.b) > 0 {
			dst = append(dst, p)
		}
		return dst
	}
	ws.segs = ws.segs[:0]
	for off := 0; off < len(p.b); {
		i := bytes.Index(p.b[off:], t.replB)
		if i < 0 {
			break
		}
		ws.segs = append(ws.segs, seg{int32(off + i), int32(off + i + len(t.replB)), true})
		off += i + len(t.replB)
	}
	ws.segs2 = matchSegs(ws.segs2[:0], len(p.b), ws.segs)
	return splitBy(dst, p, ws.segs2, bhMergedWithNext)
}

// byteLevelPreTokenizer is GPT-2's byte-level pre-tokenizer.
type byteLevelPreTokenizer struct {
	addPrefixSpace, useRegex bool
}

func (t *byteLevelPreTokenizer) split(ws *workspace, p piece, dst []piece) []piece {
	if t.addPrefixSpace && !bytes.HasPrefix(p.b, []byte{' '}) {
		prependPiece(ws, &p, spaceRunes)
	}
	start := len(dst)
	if t.useRegex {
		ws.segs = gpt2Segs(ws.segs[:0], p.b)
		dst = splitBy(dst, p, ws.segs, bhIsolated)
	} else if len(p.b) > 0 {
		dst = append(dst, p)
	}
	for i := start; i < len(dst); i++ {
		byteLevelMap(ws, &dst[i])
	}
	return dst
}

var spaceRunes = []rune{' '}

// byteLevelMap maps every byte to its GPT-2 printable character; the first
// byte of a character replaces it, the others are insertions.
func byteLevelMap(ws *workspace, p *piece) {
	ops := ws.ops[:0]
	for i := 0; i < len(p.b); {
		n := charLen(p.b, i)
		for k := 0; k < n && i+k < len(p.b); k++ {
			ops = append(ops, op{byteToRune[p.b[i+k]], int32(min(k, 1))})
		}
		i += n
	}
	ws.ops = ops
	ws.ar.transform(p, ops, 0)
}

// byteToRune is GPT-2's bytes_to_unicode table.
var byteToRune = func() (t [256]rune) {
	n := rune(0)
	for b := 0; b < 256; b++ {
		if b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE {
			t[b] = rune(b)
		} else {
			t[b] = 256 + n
			n++
		}
	}
	return t
}()

// gpt2Segs is find_matches of the GPT-2 pattern
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (Oniguruma semantics), hand-written because RE2 has no look-ahead.
func gpt2Segs(dst []seg, b []byte) []seg {
	if len(b) == 0 {
		return append(dst, seg{0, 0, false})
	}
	for i := 0; i < len(b); {
		e := gpt2Match(b, i)
		dst = append(dst, seg{int32(i), int32(e), true})
		i = e
	}
	return dst
}

type gpt2Class uint8

const (
	gcSpace gpt2Class = iota
	gcLetter
	gcNumber
	gcOther
)

func gpt2ClassOf(r rune) gpt2Class {
	switch {
	case isWhitespace(r):
		return gcSpace
	case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'):
		return gcLetter
	case r < utf8.RuneSelf && r >= '0' && r <= '9':
		return gcNumber
	case r >= utf8.RuneSelf && unicode.IsLetter(r):
		return gcLetter
	case r >= utf8.RuneSelf && unicode.IsNumber(r):
		return gcNumber
	}
	return gcOther
}

// gpt2Match returns the end of the pattern's match starting at i. Every
// position starts a match (the last alternatives cover any character).
func gpt2Match(b []byte, i int) int {
	if b[i] == '\'' {
		rest := b[i+1:]
		for _, suf := range [...]string{"s", "t", "re", "ve", "m", "ll", "d"} {
			if bytes.HasPrefix(rest, []byte(suf)) {
				return i + 1 + len(suf)
			}
		}
	}
	r, n := utf8.DecodeRune(b[i:])
	c := gpt2ClassOf(r)
	j := i
	if r == ' ' && i+n < len(b) {
		r2, _ := utf8.DecodeRune(b[i+n:])
		if c2 := gpt2ClassOf(r2); c2 != gcSpace {
			c = c2
			j = i + n
		}
	}
	if c != gcSpace {
		return runEnd(b, j, c)
	}
	// \s+(?!\S) then \s+.
	e := runEnd(b, i, gcSpace)
	if e == len(b) {
		return e
	}
	_, last := utf8.DecodeLastRune(b[:e])
	if e-last > i {
		return e - last
	}
	return e
}

// runEnd returns the end of the run of class c starting at i.
func runEnd(b []byte, i int, c gpt2Class) int {
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if gpt2ClassOf(r) != c {
			break
		}
		i += n
	}
	return i
}

// sequencePreTokenizer applies pre-tokenizers in order, each to every piece
// the previous one produced.
type sequencePreTokenizer []preTokenizer

func (s sequencePreTokenizer) split(ws *workspace, p piece, dst []piece) []piece {
	// Each nesting level of sequences has its own scratch slice.
	depth := ws.seqDepth
	ws.seqDepth++
	if len(ws.next) <= depth {
		ws.next = append(ws.next, nil)
	}
	start := len(dst)
	dst = s[0].split(ws, p, dst)
	for _, t := range s[1:] {
		// Move the current pieces out, then split each into dst.
		cur := append(ws.next[depth][:0], dst[start:]...)
		dst = dst[:start]
		for _, q := range cur {
			dst = t.split(ws, q, dst)
		}
		ws.next[depth] = cur
	}
	ws.seqDepth--
	return dst
}

var _ = regexp.Compile
