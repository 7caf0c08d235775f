package tokenize

import (
	"math/bits"
	"sort"
)

// byteTrie is a read-only trie over the bytes of vocabulary strings, used
// for common-prefix searches. Transitions live in one open-addressing hash
// table keyed by (node, byte); the root's children in a direct table.
type byteTrie struct {
	root  [256]int32 // child of the root by byte, or -1
	slots []trieSlot
	shift uint    // 32 - log2(len(keys))
	value []int32 // id of the key ending at node, or -1
}

// trieSlot is one transition: key is node<<8 | byte, plus 1 (0 marks an
// empty slot).
type trieSlot struct {
	key uint32
	kid int32
}

const maxTrieNodes = 1<<24 - 1

// buildTrie indexes the non-empty keys of ids; a key's value is ids[key].
// It reports false when the trie would exceed maxTrieNodes nodes.
func buildTrie(ids map[string]int32) (byteTrie, bool) {
	keys := make([]string, 0, len(ids))
	for k := range ids {
		if k != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var t byteTrie
	for i := range t.root {
		t.root[i] = -1
	}
	type edge struct {
		from int32
		c    byte
		to   int32
	}
	var edges []edge
	t.value = append(t.value, -1) // root
	// Depth-first over the sorted keys: a node is created for every new
	// prefix, i.e. where a key differs from the previous one.
	var path []int32 // path[d] = node after d+1 bytes of the previous key
	prev := ""
	for _, k := range keys {
		common := 0
		for common < len(prev) && common < len(k) && prev[common] == k[common] {
			common++
		}
		path = path[:common]
		for d := common; d < len(k); d++ {
			from := int32(0)
			if d > 0 {
				from = path[d-1]
			}
			to := int32(len(t.value))
			if to > maxTrieNodes {
				return byteTrie{}, false
			}
			t.value = append(t.value, -1)
			edges = append(edges, edge{from, k[d], to})
			path = append(path, to)
		}
		t.value[path[len(k)-1]] = ids[k]
		prev = k
	}
	size := 1 << max(4, bits.Len(uint(len(edges)+len(edges)/2)))
	t.slots = make([]trieSlot, size)
	t.shift = uint(32 - bits.Len(uint(size-1)))
	for _, e := range edges {
		if e.from == 0 {
			t.root[e.c] = e.to
			continue
		}
		k := uint32(e.from)<<8 | uint32(e.c) + 1
		i := (k * 0x9E3779B1) >> t.shift
		for t.slots[i].key != 0 {
			i = (i + 1) & uint32(size-1)
		}
		t.slots[i] = trieSlot{k, e.to}
	}
	return t, true
}

// child returns the child of node s by byte c, or -1.
func (t *byteTrie) child(s int32, c byte) int32 {
	if s == 0 {
		return t.root[c]
	}
	k := uint32(s)<<8 | uint32(c) + 1
	mask := uint32(len(t.slots) - 1)
	for i := (k * 0x9E3779B1) >> t.shift; ; i = (i + 1) & mask {
		switch sl := t.slots[i]; sl.key {
		case k:
			return sl.kid
		case 0:
			return -1
		}
	}
}

// longest returns the length and value of the longest key that is a prefix
// of b, or 0 and -1.
func (t *byteTrie) longest(b []byte) (int, int32) {
	s := int32(0)
	n, id := 0, int32(-1)
	for i, c := range b {
		s = t.child(s, c)
		if s < 0 {
			break
		}
		if v := t.value[s]; v >= 0 {
			n, id = i+1, v
		}
	}
	return n, id
}
