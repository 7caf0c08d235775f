package tokenize

import "sync"

// workspace holds the scratch memory of one encoding call. Workspaces are
// pooled so that steady-state encoding allocates only its results.
type workspace struct {
	ar       arena
	ops      []op
	runes    []rune
	pieces   []piece   // after the raw added-token split
	splits   []piece   // after normalization and the normalized added-token split
	words    []piece   // after pre-tokenization
	next     [][]piece // scratch of sequencePreTokenizer, per nesting depth
	seqDepth int
	segs     []seg
	segs2    []seg
	toks     []token
	src      offsetSource
	// per-model scratch
	uni []uniNode
	bpe bpeScratch
}

// token is one model output token; s and e are byte offsets in the piece.
type token struct {
	id   int32
	s, e int32
	str  string
}

var wsPool = sync.Pool{New: func() any { return new(workspace) }}

func getWorkspace() *workspace {
	ws := wsPool.Get().(*workspace)
	ws.ar.reset()
	return ws
}

func putWorkspace(ws *workspace) {
	if cap(ws.ar.b) > 1<<20 {
		ws.ar = arena{}
	}
	wsPool.Put(ws)
}
