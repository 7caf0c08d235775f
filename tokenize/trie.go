package tokenize

import "sort"

// byteTrie is a read-only trie over the bytes of vocabulary strings, used
// for common-prefix searches.
type byteTrie struct {
	root  [256]int32 // child of the root per byte, or -1
	nodes []trieNode
	edges []trieEdge
}

type trieNode struct {
	lo, hi int32 // children: edges[lo:hi], sorted by byte
	id     int32 // value when a key ends here, else -1
}

type trieEdge struct {
	b     byte
	child int32
}

// buildTrie indexes keys; a key's value is ids[key].
func buildTrie(keys []string, ids map[string]int32) byteTrie {
	sorted := make([]string, 0, len(ids))
	for k := range ids {
		if k != "" {
			sorted = append(sorted, k)
		}
	}
	sort.Strings(sorted)
	var t byteTrie
	for i := range t.root {
		t.root[i] = -1
	}
	// Build depth by depth over sorted key ranges sharing a prefix.
	type group struct {
		lo, hi int // keys[lo:hi] share the first depth bytes
		depth  int
		node   int32
	}
	t.nodes = append(t.nodes, trieNode{id: -1}) // node 0: root (children in t.root)
	queue := []group{{0, len(sorted), 0, 0}}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		lo := g.lo
		if lo < g.hi && len(sorted[lo]) == g.depth {
			t.nodes[g.node].id = ids[sorted[lo]]
			lo++
		}
		first := int32(len(t.edges))
		for i := lo; i < g.hi; {
			c := sorted[i][g.depth]
			j := i
			for j < g.hi && sorted[j][g.depth] == c {
				j++
			}
			child := int32(len(t.nodes))
			t.nodes = append(t.nodes, trieNode{id: -1})
			if g.node == 0 {
				t.root[c] = child
			} else {
				t.edges = append(t.edges, trieEdge{c, child})
			}
			queue = append(queue, group{i, j, g.depth + 1, child})
			i = j
		}
		if g.node != 0 {
			t.nodes[g.node].lo, t.nodes[g.node].hi = first, int32(len(t.edges))
		}
	}
	return t
}

// child returns the child of node n by byte c, or -1.
func (t *byteTrie) child(n int32, c byte) int32 {
	if n == 0 {
		return t.root[c]
	}
	nd := &t.nodes[n]
	lo, hi := nd.lo, nd.hi
	for b := hi; b-lo > 8; {
		// Invariant: the first edge >= c is in [lo, b].
		mid := (lo + b) / 2
		if t.edges[mid].b < c {
			lo = mid + 1
		} else {
			b = mid
		}
	}
	for ; lo < hi; lo++ {
		if e := t.edges[lo]; e.b == c {
			return e.child
		} else if e.b > c {
			break
		}
	}
	return -1
}

// prefixes calls fn(length, id) for every key that is a prefix of b, by
// increasing length.
func (t *byteTrie) prefixes(b []byte, fn func(n int, id int32)) {
	n := int32(0)
	for i, c := range b {
		n = t.child(n, c)
		if n < 0 {
			return
		}
		if id := t.nodes[n].id; id >= 0 {
			fn(i+1, id)
		}
	}
}
