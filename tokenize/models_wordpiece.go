package tokenize

import "unicode/utf8"

// wordPiece is the WordPiece model: greedy longest-match-first over the
// vocabulary, continuation pieces carrying a prefix ("##").
type wordPiece struct {
	vocab    map[string]int32 // every token
	cont     map[string]int32 // tokens with the prefix, keyed without it
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
		end := len(b)
		found := false
		for start < end {
			var id int32
			var ok bool
			if start > 0 {
				id, ok = m.cont[string(b[start:end])]
			} else {
				id, ok = m.vocab[string(b[start:end])]
			}
			if ok {
				dst = append(dst, token{id: id, s: int32(start), e: int32(end), str: m.strs[id]})
				found = true
				break
			}
			_, n := utf8.DecodeLastRune(b[start:end])
			end -= n
		}
		if !found {
			dst = append(dst[:start0], token{id: m.unkID, s: 0, e: int32(len(b)), str: m.unk})
			return dst
		}
		start = end
	}
	return dst
}

func (m *wordPiece) tokenID(s string) (int, bool) {
	id, ok := m.vocab[s]
	return int(id), ok
}

func (m *wordPiece) vocabSize() int { return len(m.vocab) }
