package tokenize

import "unicode/utf8"

// wordPiece is the WordPiece model: greedy longest-match-first over the
// vocabulary, continuation pieces carrying a prefix ("##").
type wordPiece struct {
	vocab    map[string]int32 // every token
	cont     map[string]int32 // tokens with the prefix, keyed without it
	first    byteTrie         // trie of vocab
	rest     byteTrie         // trie of cont
	prefix   string
	unkID    int32
	unk      string
	maxChars int
	strs     []string // token string by id
}

func (m *wordPiece) tokenize(_ *workspace, dst []token, b []byte) []token {
	if utf8.RuneCount(b) > m.maxChars {
		return append(dst, token{id: m.unkID, s: 0, e: int32(len(b)), str: m.unk})
	}
	start0 := len(dst)
	for start := 0; start < len(b); {
		// The longest vocabulary entry that is a prefix of b[start:]
		// (entries are valid UTF-8, so it ends on a character boundary).
		tr := &m.rest
		if start == 0 {
			tr = &m.first
		}
		n, id := tr.longest(b[start:])
		if id < 0 {
			return append(dst[:start0], token{id: m.unkID, s: 0, e: int32(len(b)), str: m.unk})
		}
		dst = append(dst, token{id: id, s: int32(start), e: int32(start + n), str: m.strs[id]})
		start += n
	}
	return dst
}

func (m *wordPiece) tokenID(s string) (int, bool) {
	id, ok := m.vocab[s]
	return int(id), ok
}

func (m *wordPiece) vocabSize() int { return len(m.vocab) }
func (m *wordPiece) idBound() int   { return len(m.strs) }
