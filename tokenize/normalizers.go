package tokenize

import (
	"bytes"
	"regexp"
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalizer rewrites a piece in place (through the workspace arena),
// keeping the alignments exactly as Hugging Face's NormalizedString does.
type normalizer interface {
	normalize(ws *workspace, p *piece)
}

// isASCII reports whether b holds only ASCII bytes.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// filterPiece keeps the characters for which keep is true
// (NormalizedString::filter): removed characters are charged to the
// preceding kept character, leading ones to the initial offset.
func filterPiece(ws *workspace, p *piece, keep func(rune) bool) {
	any := false
	for i := 0; i < len(p.b); {
		r, n := utf8.DecodeRune(p.b[i:])
		if !keep(r) {
			any = true
			break
		}
		i += n
	}
	if !any {
		return
	}
	ops := ws.ops[:0]
	removed, removedStart := int32(0), 0
	var last rune
	haveLast := false
	for i := 0; i < len(p.b); {
		r, n := utf8.DecodeRune(p.b[i:])
		i += n
		if keep(r) {
			if haveLast {
				ops = append(ops, op{last, -removed})
			} else {
				removedStart = int(removed)
			}
			last, haveLast, removed = r, true, 0
		} else {
			removed++
		}
	}
	if haveLast {
		ops = append(ops, op{last, -removed})
	}
	ws.ops = ops
	ws.ar.transform(p, ops, removedStart)
}

// mapPiece replaces every character by f of it (NormalizedString::map).
// Same-length replacements are done in place: all bytes of a character share
// one alignment, so the result is identical.
func mapPiece(ws *workspace, p *piece, f func(rune) rune) {
	same := true
	changed := false
	for i := 0; i < len(p.b); {
		r, n := utf8.DecodeRune(p.b[i:])
		m := f(r)
		if m != r {
			changed = true
			if utf8.RuneLen(m) != n {
				same = false
				break
			}
		}
		i += n
	}
	if !changed {
		return
	}
	if same {
		for i := 0; i < len(p.b); {
			r, n := utf8.DecodeRune(p.b[i:])
			if m := f(r); m != r {
				utf8.EncodeRune(p.b[i:], m)
			}
			i += n
		}
		return
	}
	ops := ws.ops[:0]
	for i := 0; i < len(p.b); {
		r, n := utf8.DecodeRune(p.b[i:])
		ops = append(ops, op{f(r), 0})
		i += n
	}
	ws.ops = ops
	ws.ar.transform(p, ops, 0)
}

// lowercasePiece is NormalizedString::lowercase (Rust char::to_lowercase
// per character).
func lowercasePiece(ws *workspace, p *piece) {
	if isASCII(p.b) {
		for i, c := range p.b {
			if c >= 'A' && c <= 'Z' {
				p.b[i] = c + 32
			}
		}
		return
	}
	for i := 0; i < len(p.b); {
		r, n := utf8.DecodeRune(p.b[i:])
		if r == 0x130 {
			lowercaseOps(ws, p)
			return
		}
		i += n
	}
	mapPiece(ws, p, func(r rune) rune { return toLowerRunes(ws.runes[:0], r)[0] })
}

func lowercaseOps(ws *workspace, p *piece) {
	ops := ws.ops[:0]
	for i := 0; i < len(p.b); {
		r, n := utf8.DecodeRune(p.b[i:])
		ws.runes = toLowerRunes(ws.runes[:0], r)
		for k, lr := range ws.runes {
			ops = append(ops, op{lr, int32(min(k, 1))})
		}
		i += n
	}
	ws.ops = ops
	ws.ar.transform(p, ops, 0)
}

// Unicode normalization forms.

type normForm struct {
	form    norm.Form
	compose bool
}

func (n normForm) normalize(ws *workspace, p *piece) {
	if isASCII(p.b) {
		return
	}
	decomposeOps(ws, p, n.form)
	if n.compose {
		composeOps(ws)
	}
	ws.ar.transform(p, ws.ops, 0)
}

// decomposeOps fills ws.ops with the decomposition of p (canonical for
// NFD/NFC, compatibility for NFKD/NFKC), in canonical order: the first
// character of a decomposition replaces its source (change 0), the others
// are inserted (change 1), and reordering moves the changes with the
// characters, as unicode-normalization-alignments does.
func decomposeOps(ws *workspace, p *piece, f norm.Form) {
	df := norm.NFD
	if f == norm.NFKC || f == norm.NFKD {
		df = norm.NFKD
	}
	ops := ws.ops[:0]
	for i := 0; i < len(p.b); {
		r, n := utf8.DecodeRune(p.b[i:])
		first := true
		emit := func(c rune) {
			ch := int32(1)
			if first {
				ch, first = 0, false
			}
			ops = append(ops, op{c, ch})
		}
		if r >= hangulSBase && r < hangulSBase+hangulSCount {
			s := r - hangulSBase
			emit(hangulLBase + s/hangulNCount)
			emit(hangulVBase + (s%hangulNCount)/hangulTCount)
			if t := s % hangulTCount; t != 0 {
				emit(hangulTBase + t)
			}
		} else if d := df.Properties(p.b[i:]).Decomposition(); d != nil {
			for len(d) > 0 {
				c, m := utf8.DecodeRune(d)
				emit(c)
				d = d[m:]
			}
		} else {
			emit(r)
		}
		i += n
	}
	// Canonical ordering: stable sort of each run of non-starters by ccc.
	for i := 0; i < len(ops); {
		if ccc(ops[i].r) == 0 {
			i++
			continue
		}
		j := i
		for j < len(ops) && ccc(ops[j].r) != 0 {
			j++
		}
		slices.SortStableFunc(ops[i:j], func(a, b op) int { return int(ccc(a.r)) - int(ccc(b.r)) })
		i = j
	}
	ws.ops = ops
}

func ccc(r rune) uint8 {
	if r < 0x300 {
		return 0
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	return norm.NFD.Properties(buf[:n]).CCC()
}

const (
	hangulSBase  = 0xAC00
	hangulLBase  = 0x1100
	hangulVBase  = 0x1161
	hangulTBase  = 0x11A7
	hangulTCount = 28
	hangulNCount = 588
	hangulSCount = 11172
)

// composeOps recomposes the decomposed ws.ops canonically (UAX #15). A
// character absorbed into its starter is removed: the starter's change
// absorbs it (change-1).
func composeOps(ws *workspace) {
	ops := ws.ops
	out := ops[:0]
	starter := -1
	lastCCC := -1
	for _, o := range ops {
		c := int(ccc(o.r))
		if starter >= 0 && (lastCCC < c || lastCCC == 0 && len(out)-1 == starter) {
			if comp, ok := composePair(out[starter].r, o.r); ok && !(lastCCC != 0 && lastCCC >= c) {
				out[starter].r = comp
				out[starter].ch += o.ch - 1
				continue
			}
		}
		if c == 0 {
			starter = len(out)
			lastCCC = 0
		} else {
			lastCCC = c
		}
		out = append(out, o)
	}
	ws.ops = out
}

// composePair returns the primary composite of a and b, if any.
func composePair(a, b rune) (rune, bool) {
	var buf [2 * utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], a)
	n += utf8.EncodeRune(buf[n:], b)
	res := norm.NFC.Append(nil, buf[:n]...)
	r, m := utf8.DecodeRune(res)
	if m == len(res) && r != a {
		return r, true
	}
	return 0, false
}

// BertNormalizer.
type bertNormalizer struct {
	cleanText, chinese, stripAccents, lowercase bool
}

func (n *bertNormalizer) normalize(ws *workspace, p *piece) {
	if n.cleanText {
		filterPiece(ws, p, func(r rune) bool { return !(r == 0 || r == 0xFFFD || isBertControl(r)) })
		mapPiece(ws, p, func(r rune) rune {
			if isBertWhitespace(r) {
				return ' '
			}
			return r
		})
	}
	if n.chinese && !isASCII(p.b) {
		chineseOps(ws, p)
	}
	if n.stripAccents && !isASCII(p.b) {
		normForm{form: norm.NFD}.normalize(ws, p)
		filterPiece(ws, p, func(r rune) bool { return !isMn(r) })
	}
	if n.lowercase {
		lowercasePiece(ws, p)
	}
}

func chineseOps(ws *workspace, p *piece) {
	found := false
	for i := 0; i < len(p.b); {
		r, n := utf8.DecodeRune(p.b[i:])
		if isChineseChar(r) {
			found = true
			break
		}
		i += n
	}
	if !found {
		return
	}
	ops := ws.ops[:0]
	for i := 0; i < len(p.b); {
		r, n := utf8.DecodeRune(p.b[i:])
		if isChineseChar(r) {
			ops = append(ops, op{' ', 1}, op{r, 0}, op{' ', 1})
		} else {
			ops = append(ops, op{r, 0})
		}
		i += n
	}
	ws.ops = ops
	ws.ar.transform(p, ops, 0)
}

type lowercaseNormalizer struct{}

func (lowercaseNormalizer) normalize(ws *workspace, p *piece) { lowercasePiece(ws, p) }

type stripAccentsNormalizer struct{}

// normalize removes combining marks (general category M, the
// is_combining_mark of the Rust normalizer; BertNormalizer removes only Mn).
func (stripAccentsNormalizer) normalize(ws *workspace, p *piece) {
	if !isASCII(p.b) {
		filterPiece(ws, p, func(r rune) bool { return r < 0x300 || !unicode.IsMark(r) })
	}
}

// stripNormalizer removes leading and/or trailing whitespace.
type stripNormalizer struct{ left, right bool }

func (n stripNormalizer) normalize(ws *workspace, p *piece) {
	lead, trail := 0, 0
	if n.left {
		for i := 0; i < len(p.b); {
			r, m := utf8.DecodeRune(p.b[i:])
			if !isWhitespace(r) {
				break
			}
			lead++
			i += m
		}
	}
	if n.right {
		for i := len(p.b); i > 0; {
			r, m := utf8.DecodeLastRune(p.b[:i])
			if !isWhitespace(r) {
				break
			}
			trail++
			i -= m
		}
	}
	if lead == 0 && trail == 0 {
		return
	}
	count := utf8.RuneCount(p.b)
	ops := ws.ops[:0]
	k := 0
	for i := 0; i < len(p.b); k++ {
		r, m := utf8.DecodeRune(p.b[i:])
		i += m
		if k < lead || k >= count-trail {
			continue
		}
		ops = append(ops, op{r, 0})
	}
	ws.ops = ops
	ws.ar.transform(p, ops, lead)
}

// prependNormalizer prepends a string to non-empty pieces.
type prependNormalizer struct{ s []rune }

func (n prependNormalizer) normalize(ws *workspace, p *piece) {
	prependPiece(ws, p, n.s)
}

// prependPiece is NormalizedString::prepend: the prefix takes the alignment
// of the first character.
func prependPiece(ws *workspace, p *piece, s []rune) {
	if len(p.b) == 0 || len(s) == 0 {
		return
	}
	ops := ws.ops[:0]
	for i, r := range s {
		ops = append(ops, op{r, int32(min(i, 1))})
	}
	first := true
	for i := 0; i < len(p.b); {
		r, m := utf8.DecodeRune(p.b[i:])
		i += m
		if first {
			ops = append(ops, op{r, 1})
			first = false
			continue
		}
		ops = append(ops, op{r, 0})
	}
	ws.ops = ops
	ws.ar.transform(p, ops, 0)
}

// replaceNormalizer replaces every match of a literal or a regular
// expression by content.
type replaceNormalizer struct {
	lit     []byte
	re      *regexp.Regexp
	prefix  []byte // literal prefix every regex match starts with
	content []rune
}

func (n *replaceNormalizer) normalize(ws *workspace, p *piece) {
	ws.segs = n.find(ws.segs[:0], p.b)
	if len(ws.segs) == 0 {
		return
	}
	replacePiece(ws, p, ws.segs, n.content)
}

// find appends the matches of the pattern in b (non-overlapping, leftmost).
func (n *replaceNormalizer) find(dst []seg, b []byte) []seg {
	if n.re == nil {
		for off := 0; off < len(b); {
			i := bytes.Index(b[off:], n.lit)
			if i < 0 {
				break
			}
			dst = append(dst, seg{int32(off + i), int32(off + i + len(n.lit)), true})
			off += i + len(n.lit)
		}
		return dst
	}
	if len(n.prefix) > 0 && !bytes.Contains(b, n.prefix) {
		return dst
	}
	for _, m := range n.re.FindAllIndex(b, -1) {
		dst = append(dst, seg{int32(m[0]), int32(m[1]), true})
	}
	return dst
}

// replacePiece is NormalizedString::replace: each match is removed and the
// content inserted with the alignment of the match's last byte.
func replacePiece(ws *workspace, p *piece, matches []seg, content []rune) {
	start := len(ws.ar.b)
	last := 0
	var buf [utf8.UTFMax]byte
	for _, m := range matches {
		s, e := int(m.s), int(m.e)
		ws.ar.b = append(ws.ar.b, p.b[last:s]...)
		ws.ar.al = append(ws.ar.al, p.al[last:s]...)
		sp := span{p.shift, p.shift}
		if e >= 1 {
			sp = p.al[e-1]
		}
		for _, r := range content {
			k := utf8.EncodeRune(buf[:], r)
			ws.ar.b = append(ws.ar.b, buf[:k]...)
			for j := 0; j < k; j++ {
				ws.ar.al = append(ws.ar.al, sp)
			}
		}
		last = e
	}
	ws.ar.b = append(ws.ar.b, p.b[last:]...)
	ws.ar.al = append(ws.ar.al, p.al[last:]...)
	np := ws.ar.piece(start, p.shift)
	np.added = p.added
	*p = np
}

// sequenceNormalizer applies normalizers in order.
type sequenceNormalizer []normalizer

func (s sequenceNormalizer) normalize(ws *workspace, p *piece) {
	for _, n := range s {
		n.normalize(ws, p)
	}
}
