package tokenize

import (
	"container/heap"
	"unicode/utf8"
)

// bpe is the BPE model: characters merged by rank (Hugging Face's
// Word::merge_all without dropout).
type bpe struct {
	vocab      map[string]int32
	strs       []string // token string by id ("" for ids without one)
	merges     map[[2]int32]bpeMerge
	unkID      int32 // -1 when none
	contPrefix string
	eowSuffix  string
	fuseUnk    bool
	byteFB     bool
	ignoreMrg  bool
	byteIDs    [256]int32
	cache      *tokenCache
}

type bpeMerge struct {
	rank  int32
	newID int32
}

type bpeSymbol struct {
	id         int32
	prev, next int32
	n          int32 // byte length, 0 once merged away
}

type bpeItem struct {
	pos, rank, newID int32
}

type bpeQueue []bpeItem

func (q bpeQueue) Len() int { return len(q) }
func (q bpeQueue) Less(i, j int) bool {
	if q[i].rank != q[j].rank {
		return q[i].rank < q[j].rank
	}
	return q[i].pos < q[j].pos
}
func (q bpeQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *bpeQueue) Push(x any)   { *q = append(*q, x.(bpeItem)) }
func (q *bpeQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

type bpeScratch struct {
	syms  []bpeSymbol
	queue bpeQueue
	buf   []byte
}

func (m *bpe) tokenize(ws *workspace, dst []token, b []byte) []token {
	if len(b) == 0 {
		return dst
	}
	if m.ignoreMrg {
		if id, ok := m.vocab[string(b)]; ok {
			return append(dst, token{id: id, s: 0, e: int32(len(b)), str: m.strs[id]})
		}
	}
	if len(b) <= maxCachedLen {
		if toks, ok := m.cache.get(b); ok {
			for _, t := range toks {
				dst = append(dst, token{id: t.id, s: t.s, e: t.e, str: m.strs[t.id]})
			}
			return dst
		}
	}
	first := len(dst)
	sc := &ws.bpe
	syms := m.initialSymbols(sc, b)
	syms = m.mergeAll(sc, syms)
	off := int32(0)
	for _, s := range syms {
		if s.n == 0 {
			continue
		}
		dst = append(dst, token{id: s.id, s: off, e: off + s.n, str: m.strs[s.id]})
		off += s.n
	}
	if len(b) <= maxCachedLen {
		m.cache.put(b, dst[first:])
	}
	return dst
}

// initialSymbols is BPE::merge_word: one symbol per character (with the
// continuing prefix and end-of-word suffix), byte fallback or (fused)
// unknowns for characters outside the vocabulary.
func (m *bpe) initialSymbols(sc *bpeScratch, b []byte) []bpeSymbol {
	syms := sc.syms[:0]
	add := func(id, n int32) {
		syms = append(syms, bpeSymbol{id: id, n: n})
	}
	unkID, unkLen := int32(-1), int32(0)
	for i := 0; i < len(b); {
		n := charLen(b, i)
		if i+n > len(b) {
			n = len(b) - i
		}
		s := b[i : i+n]
		if (i > 0 && m.contPrefix != "") || (i+n == len(b) && m.eowSuffix != "") {
			buf := sc.buf[:0]
			if i > 0 {
				buf = append(buf, m.contPrefix...)
			}
			buf = append(buf, s...)
			if i+n == len(b) {
				buf = append(buf, m.eowSuffix...)
			}
			sc.buf = buf
			s = buf
		}
		i += n
		if id, ok := m.vocab[string(s)]; ok {
			if unkID >= 0 {
				add(unkID, unkLen)
				unkID = -1
			}
			add(id, int32(n))
			continue
		}
		if m.byteFB && m.allBytes(s) {
			for _, c := range s {
				add(m.byteIDs[c], 1)
			}
			continue
		}
		if m.unkID >= 0 {
			switch {
			case unkID >= 0 && m.fuseUnk:
				unkLen += int32(n)
			case unkID >= 0:
				add(unkID, unkLen)
				unkID, unkLen = m.unkID, int32(n)
			default:
				unkID, unkLen = m.unkID, int32(n)
			}
		}
	}
	if unkID >= 0 {
		add(unkID, unkLen)
	}
	for i := range syms {
		syms[i].prev = int32(i) - 1
		syms[i].next = int32(i) + 1
	}
	if len(syms) > 0 {
		syms[len(syms)-1].next = -1
	}
	sc.syms = syms
	return syms
}

func (m *bpe) allBytes(s []byte) bool {
	for _, c := range s {
		if m.byteIDs[c] < 0 {
			return false
		}
	}
	return true
}

func (m *bpe) mergeAll(sc *bpeScratch, syms []bpeSymbol) []bpeSymbol {
	q := sc.queue[:0]
	for i := 0; i+1 < len(syms); i++ {
		if mg, ok := m.merges[[2]int32{syms[i].id, syms[i+1].id}]; ok {
			q = append(q, bpeItem{int32(i), mg.rank, mg.newID})
		}
	}
	heap.Init(&q)
	for q.Len() > 0 {
		top := heap.Pop(&q).(bpeItem)
		cur := &syms[top.pos]
		if cur.n == 0 || cur.next == -1 {
			continue
		}
		nextPos := cur.next
		right := syms[nextPos]
		if mg, ok := m.merges[[2]int32{cur.id, right.id}]; !ok || mg.newID != top.newID {
			continue
		}
		cur.id = top.newID
		cur.n += right.n
		cur.next = right.next
		syms[nextPos].n = 0
		if right.next >= 0 && int(right.next) < len(syms) {
			syms[right.next].prev = top.pos
		}
		if cur.prev >= 0 {
			if mg, ok := m.merges[[2]int32{syms[cur.prev].id, cur.id}]; ok {
				heap.Push(&q, bpeItem{cur.prev, mg.rank, mg.newID})
			}
		}
		if cur.next >= 0 && int(cur.next) < len(syms) {
			if mg, ok := m.merges[[2]int32{cur.id, syms[cur.next].id}]; ok {
				heap.Push(&q, bpeItem{top.pos, mg.rank, mg.newID})
			}
		}
	}
	sc.queue = q
	return syms
}

func (m *bpe) tokenID(s string) (int, bool) {
	id, ok := m.vocab[s]
	return int(id), ok
}

var _ = utf8.RuneSelf

func (m *bpe) vocabSize() int { return len(m.vocab) }
func (m *bpe) idBound() int   { return len(m.strs) }
