package evaluate

import (
	"bufio"
	"io"
	"strings"
)

// ReadCoNLL reads `token<TAB>tag` lines with IOB2 tags, a blank line between
// sentences. Each sentence becomes a document (ID "s<n>", 1-based) whose text
// is the tokens joined by single spaces. Lines starting with -DOCSTART- are
// skipped. A line with more than two tab-separated fields uses the first as
// the token and the last as the tag.
func ReadCoNLL(r io.Reader) (*Corpus, error) {
	c := &Corpus{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var tokens, tags []string
	flush := func() {
		if len(tokens) > 0 {
			d, stray := conllDocument(tokens, tags)
			d.ID = "s" + itoa(len(c.Docs)+1)
			c.Docs = append(c.Docs, d)
			c.StrayInside += stray
		}
		tokens, tags = tokens[:0], tags[:0]
	}
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			flush()
			continue
		}
		if strings.HasPrefix(text, "-DOCSTART-") {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) < 2 {
			return nil, &ParseError{FormatCoNLL, line, "want token<TAB>tag"}
		}
		tok, tag := fields[0], strings.TrimSpace(fields[len(fields)-1])
		if tok == "" || strings.ContainsAny(tok, " ") {
			return nil, &ParseError{FormatCoNLL, line, "empty token or token with a space"}
		}
		if !validTag(tag) {
			return nil, &ParseError{FormatCoNLL, line, "tag " + quote(tag) + " is not O, B-X or I-X"}
		}
		tokens, tags = append(tokens, tok), append(tags, tag)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	flush()
	return c, nil
}

func validTag(tag string) bool {
	if tag == "O" {
		return true
	}
	return len(tag) > 2 && (tag[0] == 'B' || tag[0] == 'I') && tag[1] == '-'
}

// conllDocument joins the tokens and decodes the tags into code-point spans.
func conllDocument(tokens, tags []string) (Document, int) {
	starts := make([]int, len(tokens))
	ends := make([]int, len(tokens))
	pos := 0
	for i, t := range tokens {
		if i > 0 {
			pos++
		}
		starts[i] = pos
		pos += runeLen(t)
		ends[i] = pos
	}
	var ents []Span
	chunks, stray := DecodeIOB2(tags)
	for _, ch := range chunks {
		ents = append(ents, Span{Start: starts[ch.Start], End: ends[ch.End-1], Label: ch.Label})
	}
	return Document{Text: strings.Join(tokens, " "), Entities: ents}, stray
}

// DecodeIOB2 turns an IOB2 tag sequence into entities over token indices
// (Start and End are token positions, half-open), as seqeval does in strict
// mode with the IOB2 scheme: an entity starts at B-X and extends over the
// following I-X of the same type. It also returns the number of stray I-X
// tags (after O, or after a tag of another type), which start no entity.
func DecodeIOB2(tags []string) (chunks []Span, stray int) {
	for i := 0; i < len(tags); i++ {
		tag := tags[i]
		if tag == "O" || len(tag) < 2 {
			continue
		}
		if tag[0] == 'I' {
			stray++
			continue
		}
		label := tag[2:]
		j := i + 1
		for j < len(tags) && tags[j] == "I-"+label {
			j++
		}
		chunks = append(chunks, Span{Start: i, End: j, Label: label})
		i = j - 1
	}
	return chunks, stray
}
