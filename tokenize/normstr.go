package tokenize

import "unicode/utf8"

// span is the original byte range a normalized byte comes from, absolute in
// the sequence being encoded (Hugging Face's NormalizedString alignments,
// shifted by original_shift).
type span struct{ s, e int32 }

// piece is one split of the sequence: its normalized bytes with one span per
// byte. Pieces are views into a workspace arena and never own their memory.
type piece struct {
	b  []byte
	al []span
	// shift is the absolute original offset of the piece (Hugging Face's
	// original_shift); characters inserted at its very start align to
	// (shift, shift).
	shift int32
	// added is the id of the added token the piece is, or -1.
	added int32
}

// op is one output character of a transformation and its change: 0 replaces
// the next input character, 1 inserts a character, -n replaces the next input
// character and removes the n following ones (Hugging Face's
// NormalizedString::transform).
type op struct {
	r  rune
	ch int32
}

// arena holds the bytes and alignments of every piece of one encoding call.
// It only grows; pieces are capacity-limited sub-slices, so growing it never
// invalidates them.
type arena struct {
	b  []byte
	al []span
}

func (a *arena) reset() {
	a.b = a.b[:0]
	a.al = a.al[:0]
}

// fresh returns a piece holding a copy of text with the initial alignments
// of a new NormalizedString (every byte of a character spans the character),
// shifted by base.
func (a *arena) fresh(text string, base int32) piece {
	start := len(a.b)
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			a.b = append(a.b, c)
			a.al = append(a.al, span{base + int32(i), base + int32(i) + 1})
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		sp := span{base + int32(i), base + int32(i+n)}
		if r == utf8.RuneError && n == 1 {
			// An invalid byte reads as U+FFFD aligned to that byte.
			a.b = append(a.b, "\uFFFD"...)
			a.al = append(a.al, sp, sp, sp)
			i++
			continue
		}
		a.b = append(a.b, text[i:i+n]...)
		for k := 0; k < n; k++ {
			a.al = append(a.al, sp)
		}
		i += n
	}
	return a.piece(start, base)
}

func (a *arena) piece(start int, shift int32) piece {
	end := len(a.b)
	return piece{b: a.b[start:end:end], al: a.al[start:end:end], shift: shift, added: -1}
}

// transform rewrites p following ops exactly like Hugging Face's
// NormalizedString::transform_range over the whole string: initial input
// characters are dropped first, then each op consumes input characters
// positionally and takes its alignment from the current input position.
func (a *arena) transform(p *piece, ops []op, initial int) {
	pos := 0
	for k := 0; k < initial && pos < len(p.b); k++ {
		pos += charLen(p.b, pos)
	}
	start := len(a.b)
	var buf [utf8.UTFMax]byte
	for _, o := range ops {
		var sp span
		switch {
		case o.ch > 0 && pos < 1:
			sp = span{p.shift, p.shift}
		case o.ch > 0:
			sp = p.al[pos-1]
		case pos < len(p.al):
			sp = p.al[pos]
		case len(p.al) > 0:
			sp = p.al[len(p.al)-1]
		default:
			sp = span{p.shift, p.shift}
		}
		if o.ch <= 0 && pos < len(p.b) {
			pos += charLen(p.b, pos)
		}
		for k := int32(0); k < -o.ch && pos < len(p.b); k++ {
			pos += charLen(p.b, pos)
		}
		n := utf8.EncodeRune(buf[:], o.r)
		a.b = append(a.b, buf[:n]...)
		for k := 0; k < n; k++ {
			a.al = append(a.al, sp)
		}
	}
	np := a.piece(start, p.shift)
	np.added = p.added
	*p = np
}

// charLen returns the byte length of the UTF-8 character at b[i].
func charLen(b []byte, i int) int {
	c := b[i]
	switch {
	case c < 0xC0:
		return 1
	case c < 0xE0:
		return 2
	case c < 0xF0:
		return 3
	}
	return 4
}

// slice returns the sub-piece of p covering normalized bytes [s, e), like
// NormalizedString::slice on a normalized range. It must not be empty.
func (p *piece) slice(s, e int) piece {
	return piece{b: p.b[s:e:e], al: p.al[s:e:e], shift: p.al[s].s, added: -1}
}

// origin returns the original byte range of normalized bytes [s, e) of p.
func (p *piece) origin(s, e int) (int, int) {
	if s >= e {
		return int(p.shift) + s, int(p.shift) + e
	}
	return int(p.al[s].s), int(p.al[e-1].e)
}
