package tokenize

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// postProcessor adds special tokens around a single sequence and may adjust
// offsets.
type postProcessor interface {
	process(e *Encoding, addSpecial bool, src *offsetSource)
}

// offsetSource gives the string a token's offsets index: the text, or the
// token's word for pre-split words.
type offsetSource struct {
	text  string
	words []string
}

func (s *offsetSource) of(e *Encoding, i int) string {
	if s.words == nil {
		return s.text
	}
	if w := e.WordIDs[i]; w >= 0 && w < len(s.words) {
		return s.words[w]
	}
	return ""
}

// templatePiece is one element of a TemplateProcessing "single" template:
// either the sequence or a special token's ids and tokens.
type templatePiece struct {
	sequence bool
	ids      []int
	tokens   []string
}

type templateProcessor struct {
	single []templatePiece
	// seqCount is the number of sequence pieces, prefixLen the number of
	// special tokens before the first, specialLen the number of special tokens.
	seqCount, prefixLen, specialLen int
}

func newTemplate(single []templatePiece) *templateProcessor {
	t := &templateProcessor{single: single}
	for _, p := range single {
		if p.sequence {
			t.seqCount++
			continue
		}
		if t.seqCount == 0 {
			t.prefixLen += len(p.ids)
		}
		t.specialLen += len(p.ids)
	}
	return t
}

func (t *templateProcessor) process(e *Encoding, addSpecial bool, _ *offsetSource) {
	if !addSpecial {
		return
	}
	if t.seqCount != 1 {
		t.processGeneral(e)
		return
	}
	// One sequence: shift it right by the prefix and write the specials
	// around it, reusing e's slices.
	n := e.Len()
	pre, total := t.prefixLen, n+t.specialLen
	e.IDs = shiftRight(e.IDs, n, pre, total)
	e.Tokens = shiftRight(e.Tokens, n, pre, total)
	e.WordIDs = shiftRight(e.WordIDs, n, pre, total)
	e.Offsets = shiftRight(e.Offsets, n, pre, total)
	e.Special = shiftRight(e.Special, n, pre, total)
	k := 0
	for _, p := range t.single {
		if p.sequence {
			k += n
			continue
		}
		for i, id := range p.ids {
			e.IDs[k], e.Tokens[k], e.WordIDs[k], e.Offsets[k], e.Special[k] = id, p.tokens[i], -1, Offset{}, true
			k++
		}
	}
}

// shiftRight grows s to total elements and moves its first n elements to
// start at index by.
func shiftRight[T any](s []T, n, by, total int) []T {
	if cap(s) < total {
		s = append(s[:n], make([]T, total-n)...)
	}
	s = s[:total]
	copy(s[by:by+n], s[:n])
	return s
}

func (t *templateProcessor) processGeneral(e *Encoding) {
	n := e.Len()
	out := Encoding{
		IDs:     make([]int, 0, n),
		Tokens:  make([]string, 0, n),
		WordIDs: make([]int, 0, n),
		Offsets: make([]Offset, 0, n),
		Special: make([]bool, 0, n),
	}
	for _, p := range t.single {
		if p.sequence {
			out.IDs = append(out.IDs, e.IDs...)
			out.Tokens = append(out.Tokens, e.Tokens...)
			out.WordIDs = append(out.WordIDs, e.WordIDs...)
			out.Offsets = append(out.Offsets, e.Offsets...)
			out.Special = append(out.Special, e.Special...)
			continue
		}
		for i, id := range p.ids {
			out.appendSpecial(id, p.tokens[i])
		}
	}
	*e = out
}

func (e *Encoding) appendSpecial(id int, tok string) {
	e.IDs = append(e.IDs, id)
	e.Tokens = append(e.Tokens, tok)
	e.WordIDs = append(e.WordIDs, -1)
	e.Offsets = append(e.Offsets, Offset{})
	e.Special = append(e.Special, true)
}

// wrapProcessor is BertProcessing and RobertaProcessing: cls $A sep, with
// RoBERTa's optional offset trimming.
type wrapProcessor struct {
	clsID, sepID   int
	cls, sep       string
	trim           bool
	addPrefixSpace bool
	tmpl           *templateProcessor
}

func (w *wrapProcessor) process(e *Encoding, addSpecial bool, src *offsetSource) {
	if w.trim {
		trimOffsets(e, w.addPrefixSpace, src)
	}
	if !addSpecial {
		return
	}
	w.tmpl.process(e, true, src)
}

// byteLevelProcessor trims the offsets of byte-level tokens.
type byteLevelProcessor struct{ trim, addPrefixSpace bool }

func (b *byteLevelProcessor) process(e *Encoding, addSpecial bool, src *offsetSource) {
	if b.trim {
		trimOffsets(e, b.addPrefixSpace, src)
	}
}

type sequenceProcessor []postProcessor

func (s sequenceProcessor) process(e *Encoding, addSpecial bool, src *offsetSource) {
	for _, p := range s {
		p.process(e, addSpecial, src)
	}
}

// gptSpace is the byte-level character of the space byte.
const gptSpace = 'Ġ'

// trimOffsets is the byte-level process_offsets: leading and trailing spaces
// of a token (Ġ or whitespace) are removed from its offsets, except the one
// space added by add_prefix_space in front of a first token. The Rust
// library trims character offsets, so the byte offsets move by characters
// of the source string.
func trimOffsets(e *Encoding, addPrefixSpace bool, src *offsetSource) {
	for i, tok := range e.Tokens {
		lead, trail := 0, 0
		for _, r := range tok {
			if r != gptSpace && !isWhitespace(r) {
				break
			}
			lead++
		}
		for k := len(tok); k > 0; {
			r, n := utf8.DecodeLastRuneInString(tok[:k])
			if r != gptSpace && !isWhitespace(r) {
				break
			}
			trail++
			k -= n
		}
		if lead == 0 && trail == 0 {
			continue
		}
		o := &e.Offsets[i]
		s := src.of(e, i)
		if lead > 0 {
			isFirst := i == 0 || o.Start == 0
			if isFirst && addPrefixSpace && lead == 1 {
				lead = 0
			}
			start := o.Start
			for k := 0; k < lead && start < len(s); k++ {
				start += charLenString(s, start)
			}
			o.Start = min(start, o.End)
		}
		if trail > 0 {
			end, k := o.End, 0
			for ; k < trail && end > 0 && end <= len(s); k++ {
				_, n := utf8.DecodeLastRuneInString(s[:end])
				end -= n
			}
			if k == trail {
				o.End = max(end, o.Start)
			}
		}
	}
}

func charLenString(s string, i int) int {
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}

func parsePostProcessor(path string, raw json.RawMessage, tokenID func(string) (int, bool)) (postProcessor, error) {
	o, err := parseObj(path, raw)
	if err != nil {
		return nil, err
	}
	var pp postProcessor
	switch typ := typeOf(o); typ {
	case "TemplateProcessing":
		pp, err = parseTemplate(o)
	case "BertProcessing", "RobertaProcessing":
		w := &wrapProcessor{}
		var sep, cls [2]json.RawMessage
		o.get("sep", &sep)
		o.get("cls", &cls)
		if err := decodePair(path+".sep", sep, &w.sep, &w.sepID); err != nil {
			return nil, err
		}
		if err := decodePair(path+".cls", cls, &w.cls, &w.clsID); err != nil {
			return nil, err
		}
		w.tmpl = newTemplate([]templatePiece{
			{ids: []int{w.clsID}, tokens: []string{w.cls}},
			{sequence: true},
			{ids: []int{w.sepID}, tokens: []string{w.sep}},
		})
		if typ == "RobertaProcessing" {
			w.trim = o.boolean("trim_offsets", true)
			w.addPrefixSpace = o.boolean("add_prefix_space", true)
		}
		pp = w
	case "ByteLevel":
		o.ignore("use_regex")
		pp = &byteLevelProcessor{trim: o.boolean("trim_offsets", true), addPrefixSpace: o.boolean("add_prefix_space", true)}
	case "Sequence":
		var subs []json.RawMessage
		o.get("processors", &subs)
		seq := sequenceProcessor{}
		for i, s := range subs {
			sub, err := parsePostProcessor(fmt.Sprintf("%s.processors[%d]", path, i), s, tokenID)
			if err != nil {
				return nil, err
			}
			seq = append(seq, sub)
		}
		pp = seq
	case "":
		return nil, invalid(path, nil, "component without a type")
	default:
		return nil, unsupported(path, "post-processor type %q", typ)
	}
	if err != nil {
		return nil, err
	}
	return pp, o.done()
}

func decodePair(path string, pair [2]json.RawMessage, tok *string, id *int) error {
	if pair[0] == nil || json.Unmarshal(pair[0], tok) != nil || json.Unmarshal(pair[1], id) != nil {
		return invalid(path, nil, "expected [token, id]")
	}
	return nil
}

func parseTemplate(o *obj) (*templateProcessor, error) {
	var single []map[string]struct {
		ID     string `json:"id"`
		TypeID int    `json:"type_id"`
	}
	o.get("single", &single)
	o.ignore("pair")
	var specials map[string]struct {
		ID     string   `json:"id"`
		IDs    []int    `json:"ids"`
		Tokens []string `json:"tokens"`
	}
	o.get("special_tokens", &specials)
	var pieces []templatePiece
	for i, el := range single {
		path := fmt.Sprintf("%s.single[%d]", o.path, i)
		if len(el) != 1 {
			return nil, invalid(path, nil, "template piece must have one key")
		}
		for kind, v := range el {
			switch kind {
			case "Sequence":
				if v.ID != "A" {
					return nil, unsupported(path, "sequence %q in a single template", v.ID)
				}
				pieces = append(pieces, templatePiece{sequence: true})
			case "SpecialToken":
				sp, ok := specials[v.ID]
				if !ok {
					return nil, invalid(path, nil, "special token %q missing from special_tokens", v.ID)
				}
				if len(sp.IDs) != len(sp.Tokens) {
					return nil, invalid(path, nil, "special token %q has %d ids and %d tokens", v.ID, len(sp.IDs), len(sp.Tokens))
				}
				pieces = append(pieces, templatePiece{ids: sp.IDs, tokens: sp.Tokens})
			default:
				return nil, unsupported(path, "template piece %q", kind)
			}
		}
	}
	return newTemplate(pieces), nil
}
