package tokenize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// addedToken is one entry of the tokenizer.json "added_tokens".
type addedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// addedVocab is Hugging Face's AddedVocabulary: the added tokens, split out
// of the raw text (normalized=false) or of the normalized text
// (normalized=true) before pre-tokenization.
type addedVocab struct {
	byContent map[string]int32
	byID      map[int32]*addedToken
	raw, norm matchSet
}

// matchSet finds added tokens with leftmost-longest semantics (the
// Aho-Corasick MatchKind::LeftmostLongest of the Rust library).
type matchSet struct {
	pats  [][]byte
	toks  []*addedToken
	ids   []int32
	first [256]bool
}

func (m *matchSet) add(pat []byte, t *addedToken, id int32) {
	if len(pat) == 0 {
		return
	}
	m.pats = append(m.pats, pat)
	m.toks = append(m.toks, t)
	m.ids = append(m.ids, id)
	m.first[pat[0]] = true
}

// next returns the leftmost-longest match at or after from: its start, end
// and pattern index, or index -1.
func (m *matchSet) next(b []byte, from int) (int, int, int) {
	if len(m.pats) == 0 {
		return 0, 0, -1
	}
	for i := from; i < len(b); i++ {
		if !m.first[b[i]] {
			continue
		}
		best, bestLen := -1, 0
		for k, p := range m.pats {
			if len(p) > bestLen && bytes.HasPrefix(b[i:], p) {
				best, bestLen = k, len(p)
			}
		}
		if best >= 0 {
			return i, i + bestLen, best
		}
	}
	return 0, 0, -1
}

// buildAdded reads the added tokens and assigns ids the way the Rust
// deserializer does (one add_tokens call per token, in file order).
func buildAdded(raws []json.RawMessage, modelID func(string) (int, bool), vocabSize int, n normalizer) (*addedVocab, error) {
	av := &addedVocab{byContent: map[string]int32{}, byID: map[int32]*addedToken{}}
	var special, plain []*addedToken
	maxAdded := int32(-1)
	for i, raw := range raws {
		path := fmt.Sprintf("added_tokens[%d]", i)
		o, err := parseObj(path, raw)
		if err != nil {
			return nil, err
		}
		t := &addedToken{}
		o.get("id", &t.ID)
		o.get("content", &t.Content)
		t.SingleWord = o.boolean("single_word", false)
		t.LStrip = o.boolean("lstrip", false)
		t.RStrip = o.boolean("rstrip", false)
		t.Special = o.boolean("special", false)
		t.Normalized = o.boolean("normalized", true)
		if err := o.done(); err != nil {
			return nil, err
		}
		if t.Content == "" {
			continue
		}
		if t.Special {
			special = append(special, t)
		}
		var id int32
		if old, ok := av.byContent[t.Content]; ok {
			prev := *av.byID[old]
			prev.ID = t.ID
			if prev == *t {
				continue
			}
			id = old
		} else if mid, ok := modelID(t.Content); ok {
			id = int32(mid)
		} else if maxAdded < 0 {
			id = int32(vocabSize)
		} else if int(maxAdded) >= vocabSize || vocabSize == 0 {
			id = maxAdded + 1
		} else {
			id = int32(vocabSize)
		}
		av.byContent[t.Content] = id
		av.byID[id] = t
		maxAdded = max(maxAdded, id)
		if !t.Special {
			plain = append(plain, t)
		}
	}
	ws := getWorkspace()
	defer putWorkspace(ws)
	for _, t := range append(special, plain...) {
		id := av.byContent[t.Content]
		flags := av.byID[id] // matches use the latest flags for the id
		if !t.Normalized {
			av.raw.add([]byte(t.Content), flags, id)
			continue
		}
		p := ws.ar.fresh(t.Content, 0)
		if n != nil {
			n.normalize(ws, &p)
		}
		av.norm.add(bytes.Clone(p.b), flags, id)
	}
	return av, nil
}

// split appends the pieces of p cut around the added tokens of set
// (AddedVocabulary::find_matches then split_with_indices).
func (av *addedVocab) split(dst []piece, p piece, set *matchSet) []piece {
	b := p.b
	if len(b) == 0 {
		return dst
	}
	if len(set.pats) == 0 {
		return append(dst, p)
	}
	startOff := 0
	for from := 0; from < len(b); {
		s, e, k := set.next(b, from)
		if k < 0 {
			break
		}
		from = e
		t := set.toks[k]
		if t.SingleWord {
			startSpace := s == 0 || !endsWithWord(b[:s])
			stopSpace := e == len(b) || !startsWithWord(b[e:])
			if !startSpace || !stopSpace {
				continue
			}
		}
		if t.LStrip {
			ns := s
			for ns > 0 {
				r, n := utf8.DecodeLastRune(b[:ns])
				if !isWhitespace(r) {
					break
				}
				ns -= n
			}
			s = max(ns, startOff)
		}
		if t.RStrip {
			for e < len(b) {
				r, n := utf8.DecodeRune(b[e:])
				if !isWhitespace(r) {
					break
				}
				e += n
			}
		}
		if startOff < s {
			dst = append(dst, p.slice(startOff, s))
		}
		if s < e {
			q := p.slice(s, e)
			q.added = set.ids[k]
			dst = append(dst, q)
		}
		startOff = e
	}
	if startOff < len(b) {
		dst = append(dst, p.slice(startOff, len(b)))
	}
	return dst
}

// endsWithWord is the regex \w$ (Rust regex crate, Unicode).
func endsWithWord(b []byte) bool {
	r, _ := utf8.DecodeLastRune(b)
	return isRegexWord(r)
}

// startsWithWord is the regex ^\w.
func startsWithWord(b []byte) bool {
	r, _ := utf8.DecodeRune(b)
	return isRegexWord(r)
}
