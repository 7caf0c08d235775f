package tokenize

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// precompiledNormalizer is SentencePiece's precompiled_charsmap, applied the
// way Hugging Face's spm_precompiled crate does: a darts-clone double-array
// trie maps UTF-8 sequences to offsets into a blob of NUL-terminated
// replacements. Each grapheme cluster shorter than 6 bytes is looked up
// whole (shortest matching prefix wins, replacing the whole grapheme);
// otherwise each of its characters is looked up alone.
type precompiledNormalizer struct {
	units []uint32
	blob  []byte
	// ascii caches the lookup of single ASCII characters: -1 when unmapped,
	// else an offset into blob.
	ascii [128]int32
}

var errCharsmap = errors.New("tokenize: malformed precompiled_charsmap")

func newPrecompiled(data []byte) (*precompiledNormalizer, error) {
	if len(data) < 4 {
		return nil, errCharsmap
	}
	size := binary.LittleEndian.Uint32(data)
	if size%4 != 0 || uint64(size) > uint64(len(data)-4) {
		return nil, errCharsmap
	}
	n := &precompiledNormalizer{units: make([]uint32, size/4), blob: data[4+size:]}
	for i := range n.units {
		n.units[i] = binary.LittleEndian.Uint32(data[4+4*i:])
	}
	if len(n.units) == 0 {
		return nil, errCharsmap
	}
	for c := range n.ascii {
		n.ascii[c] = -1
		if c == 0 {
			continue
		}
		if off, ok := n.lookup([]byte{byte(c)}); ok {
			n.ascii[c] = int32(off)
		}
	}
	return n, nil
}

// lookup is DoubleArray::common_prefix_search(key)[0]: the value of the
// shortest key of the trie that is a prefix of key. Every array access is
// bounds-checked, so a broken charsmap never panics.
func (n *precompiledNormalizer) lookup(key []byte) (int, bool) {
	u := n.units
	pos := uint32(0)
	unit := u[0]
	pos ^= dartsOffset(unit)
	for _, c := range key {
		if c == 0 {
			break
		}
		pos ^= uint32(c)
		if int(pos) >= len(u) {
			return 0, false
		}
		unit = u[pos]
		if unit&(1<<31|0xFF) != uint32(c) {
			return 0, false
		}
		pos ^= dartsOffset(unit)
		if (unit>>8)&1 == 1 {
			if int(pos) >= len(u) {
				return 0, false
			}
			return int(u[pos] & (1<<31 - 1)), true
		}
	}
	return 0, false
}

func dartsOffset(unit uint32) uint32 {
	return (unit >> 10) << ((unit & (1 << 9)) >> 6)
}

// replacement returns the NUL-terminated replacement at off.
func (n *precompiledNormalizer) replacement(off int) []byte {
	if off >= len(n.blob) {
		return nil
	}
	end := off
	for end < len(n.blob) && n.blob[end] != 0 {
		end++
	}
	return n.blob[off:end]
}

func (n *precompiledNormalizer) transform(chunk []byte) ([]byte, bool) {
	if len(chunk) == 1 && chunk[0] < utf8.RuneSelf {
		off := n.ascii[chunk[0]]
		if off < 0 {
			return nil, false
		}
		return n.replacement(int(off)), true
	}
	off, ok := n.lookup(chunk)
	if !ok {
		return nil, false
	}
	return n.replacement(off), true
}

func (n *precompiledNormalizer) normalize(ws *workspace, p *piece) {
	ops := ws.ops[:0]
	modified := false
	b := p.b
	state := -1
	for len(b) > 0 {
		// An ASCII character followed by another ASCII character (or the
		// end) is a grapheme cluster of its own, except CR LF.
		var g []byte
		if b[0] < utf8.RuneSelf && (len(b) == 1 || b[1] < utf8.RuneSelf && !(b[0] == '\r' && b[1] == '\n')) {
			g, b, state = b[:1], b[1:], -1
		} else {
			g, b, _, state = uniseg.FirstGraphemeCluster(b, state)
		}
		if len(g) < 6 {
			if rep, ok := n.transform(g); ok {
				modified = true
				ops = replaceOps(ops, g, rep)
				continue
			}
		}
		for len(g) > 0 {
			r, k := utf8.DecodeRune(g)
			if rep, ok := n.transform(g[:k]); ok {
				modified = true
				ops = replaceOps(ops, g[:k], rep)
			} else {
				ops = append(ops, op{r, 0})
			}
			g = g[k:]
		}
	}
	ws.ops = ops
	if modified {
		ws.ar.transform(p, ops, 0)
	}
}

// replaceOps is spm_precompiled's replace: the new characters replace the
// old ones; extra new characters are insertions (the last ones); missing
// ones are charged to the last transformation, whichever it is.
func replaceOps(ops []op, old, rep []byte) []op {
	diff := int32(utf8.RuneCount(rep) - utf8.RuneCount(old))
	for len(rep) > 0 {
		r, k := utf8.DecodeRune(rep)
		ops = append(ops, op{r, 0})
		rep = rep[k:]
	}
	switch {
	case diff > 0:
		for i := len(ops) - 1; i >= 0 && i >= len(ops)-int(diff); i-- {
			ops[i].ch = 1
		}
	case diff < 0 && len(ops) > 0:
		ops[len(ops)-1].ch += diff
	}
	return ops
}
