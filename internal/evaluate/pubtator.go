package evaluate

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// ReadPubTator reads PubTator documents: `id|t|title`, `id|a|abstract`, then
// mentions `id<TAB>start<TAB>end<TAB>text<TAB>type[<TAB>concept...]`. The
// document text is title + " " + abstract (the text PubTator offsets index
// into, in code points); each mention's text must equal that slice.
// Relation lines (second field not a number) are skipped.
func ReadPubTator(r io.Reader) (*Corpus, error) {
	c := &Corpus{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var cur *pubDoc
	flush := func() error {
		if cur == nil {
			return nil
		}
		d, err := cur.document()
		if err != nil {
			return err
		}
		c.Docs = append(c.Docs, d)
		cur = nil
		return nil
	}
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		if id, kind, body, ok := pubTextLine(text); ok {
			if cur != nil && (cur.id != id || kind == "t") {
				if err := flush(); err != nil {
					return nil, err
				}
			}
			if cur == nil {
				cur = &pubDoc{id: id}
			}
			cur.setText(kind, body)
			continue
		}
		if err := cur.addMention(text, line); err != nil {
			return nil, &ParseError{FormatPubTator, line, err.Error()}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return c, nil
}

// pubTextLine splits `id|t|text` or `id|a|text`.
func pubTextLine(s string) (id, kind, body string, ok bool) {
	parts := strings.SplitN(s, "|", 3)
	if len(parts) != 3 || (parts[1] != "t" && parts[1] != "a") || strings.Contains(parts[0], "\t") {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

type pubDoc struct {
	id, title, abstract string
	mentions            []pubMention
}

type pubMention struct {
	span Span
	text string
	line int
}

func (d *pubDoc) setText(kind, body string) {
	if kind == "t" {
		d.title = body
	} else {
		d.abstract = body
	}
}

func (d *pubDoc) addMention(line string, lineNo int) error {
	f := strings.Split(line, "\t")
	if d == nil {
		return errString("mention before any title line")
	}
	if len(f) < 2 {
		return errString("want id|t|title, id|a|abstract or a tab-separated mention")
	}
	if f[0] != d.id {
		return errString("mention of document " + quote(f[0]) + " inside document " + quote(d.id))
	}
	start, err := strconv.Atoi(f[1])
	if err != nil {
		return nil // a relation line such as "id CID D1 D2"
	}
	if len(f) < 5 {
		return errString("mention needs id, start, end, text and type")
	}
	end, err := strconv.Atoi(f[2])
	if err != nil {
		return errString("bad end offset " + quote(f[2]))
	}
	d.mentions = append(d.mentions, pubMention{Span{start, end, f[4]}, f[3], lineNo})
	return nil
}

// document builds the text and checks every mention against it.
func (d *pubDoc) document() (Document, error) {
	text := d.title
	if d.abstract != "" {
		text += " " + d.abstract
	}
	runes := []rune(text)
	doc := Document{ID: d.id, Text: text}
	for _, m := range d.mentions {
		if err := checkSpan(m.span, len(runes)); err != nil {
			return Document{}, &ParseError{FormatPubTator, m.line, err.Error()}
		}
		if got := string(runes[m.span.Start:m.span.End]); got != m.text {
			return Document{}, &ParseError{FormatPubTator, m.line,
				"mention text " + quote(m.text) + " differs from the document text at its offsets, " + quote(got)}
		}
		doc.Entities = append(doc.Entities, m.span)
	}
	return doc, nil
}

type errString string

// Error returns the message.
func (e errString) Error() string { return string(e) }
