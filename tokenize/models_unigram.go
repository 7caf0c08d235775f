package tokenize

import (
	"math"
	"unicode/utf8"
)

// unigram is the Unigram model: Viterbi over a byte trie of the pieces,
// unknown characters scored min_score - 10, consecutive unknowns fused
// when fuse_unk.
type unigram struct {
	pieces   []string
	scores   []float64
	byID     map[string]int32
	trie     byteTrie
	unkID    int32 // -1 when none
	unkScore float64
	fuseUnk  bool
	byteFB   bool
	byteIDs  [256]int32 // ids of <0xXX> for byte_fallback, -1 when absent
	cache    *tokenCache
}

const unkPenalty = 10.0

// uniNode is a best path ending at one byte position.
type uniNode struct {
	id    int32
	start int32 // -1: unset
	score float64
}

func (m *unigram) tokenize(ws *workspace, dst []token, b []byte) []token {
	if len(b) == 0 {
		return dst
	}
	if len(b) > maxCachedLen {
		return m.viterbi(ws, dst, b)
	}
	if toks, ok := m.cache.get(b); ok {
		for _, t := range toks {
			dst = append(dst, m.cachedToken(t, b))
		}
		return dst
	}
	first := len(dst)
	dst = m.viterbi(ws, dst, b)
	m.cache.put(b, dst[first:])
	return dst
}

func (m *unigram) cachedToken(t cachedToken, b []byte) token {
	if t.id == m.unkID {
		return token{id: t.id, s: t.s, e: t.e, str: string(b[t.s:t.e])}
	}
	return token{id: t.id, s: t.s, e: t.e, str: m.pieces[t.id]}
}

// viterbi is Unigram::encode_optimized followed by Unigram::tokenize.
func (m *unigram) viterbi(ws *workspace, dst []token, b []byte) []token {
	nodes := ws.uni[:0]
	for i := 0; i <= len(b); i++ {
		nodes = append(nodes, uniNode{start: -1})
	}
	ws.uni = nodes
	for pos := 0; pos < len(b); {
		base := nodes[pos].score
		mblen := charLen(b, pos)
		if pos+mblen > len(b) {
			mblen = len(b) - pos
		}
		single := false
		// Common-prefix search of the vocabulary trie, by increasing length.
		tr := &m.trie
		st := int32(0)
		for k := pos; k < len(b); k++ {
			if st = tr.child(st, b[k]); st < 0 {
				break
			}
			id := tr.value[st]
			if id < 0 {
				continue
			}
			end := k + 1
			cand := m.scores[id] + base
			t := &nodes[end]
			if t.start < 0 || cand > t.score {
				t.score, t.start, t.id = cand, int32(pos), id
			}
			if end-pos == mblen {
				single = true
			}
		}
		if !single {
			t := &nodes[pos+mblen]
			cand := m.unkScore + base
			if t.start < 0 || cand > t.score {
				t.score, t.start, t.id = cand, int32(pos), m.unkID
			}
		}
		pos += mblen
	}
	// Backtrack, then reverse.
	first := len(dst)
	for end := len(b); end > 0; {
		n := nodes[end]
		start := int(n.start)
		if m.fuseUnk && m.unkID >= 0 && n.id == m.unkID && len(dst) > first {
			if last := &dst[len(dst)-1]; last.id == m.unkID && last.str == "" {
				last.s = int32(start)
				end = start
				continue
			}
		}
		dst = append(dst, token{id: n.id, s: int32(start), e: int32(end)})
		end = start
	}
	for i, j := first, len(dst)-1; i < j; i, j = i+1, j-1 {
		dst[i], dst[j] = dst[j], dst[i]
	}
	return m.finish(dst, first, b)
}

// finish sets the token strings and applies byte fallback to unknowns, as
// Unigram::tokenize does on the encoded strings.
func (m *unigram) finish(dst []token, first int, b []byte) []token {
	for i := first; i < len(dst); i++ {
		t := &dst[i]
		if t.id != m.unkID {
			// A vocabulary piece found by the trie: its id is the map's.
			t.str = m.pieces[t.id]
			continue
		}
		s := b[t.s:t.e]
		if id, ok := m.byID[string(s)]; ok {
			t.id = id
			t.str = m.pieces[id]
			continue
		}
		if m.byteFB && m.byteFallback(s) {
			// Expand this unknown into one token per byte.
			tail := append([]token(nil), dst[i+1:]...)
			dst = dst[:i]
			for _, c := range s {
				id := m.byteIDs[c]
				dst = append(dst, token{id: id, s: t.s, e: t.e, str: m.pieces[id]})
			}
			n := len(dst)
			dst = append(dst, tail...)
			i = n - 1
			continue
		}
		t.id = m.unkID
		t.str = string(s)
	}
	return dst
}

func (m *unigram) byteFallback(s []byte) bool {
	for _, c := range s {
		if m.byteIDs[c] < 0 {
			return false
		}
	}
	return true
}

func (m *unigram) tokenID(s string) (int, bool) {
	id, ok := m.byID[s]
	return int(id), ok
}

func newUnigram(pieces []string, scores []float64, unkID int, byteFB bool) *unigram {
	m := &unigram{pieces: pieces, scores: scores, byID: make(map[string]int32, len(pieces)),
		unkID: int32(unkID), fuseUnk: true, byteFB: byteFB, cache: newTokenCache()}
	minScore := math.Inf(1)
	for id, p := range pieces {
		m.byID[p] = int32(id) // the last duplicate wins, as in Rust

		if scores[id] < minScore {
			minScore = scores[id]
		}
	}
	var ok bool
	if m.trie, ok = buildTrie(m.byID); !ok {
		return nil
	}
	m.unkScore = minScore - unkPenalty
	for c := range m.byteIDs {
		m.byteIDs[c] = -1
		if id, ok := m.byID[byteToken(byte(c))]; ok {
			m.byteIDs[c] = id
		}
	}
	return m
}

func byteToken(c byte) string {
	const hex = "0123456789ABCDEF"
	return "<0x" + string(hex[c>>4]) + string(hex[c&15]) + ">"
}

var _ = utf8.RuneSelf

func (m *unigram) vocabSize() int { return len(m.pieces) }
func (m *unigram) idBound() int   { return len(m.pieces) }
