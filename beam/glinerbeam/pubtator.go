package glinerbeam

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxLine is the longest input line read; a longer one fails the bundle
// rather than being cut.
const maxLine = 64 << 20

// pubTatorReader reads the documents of a PubTator stream one at a time:
// `id|t|title` and `id|a|abstract` lines, mention and relation lines (which
// it skips), blank lines between documents. A document's text is title +
// " " + abstract, the text PubTator offsets index into.
type pubTatorReader struct {
	sc     *bufio.Scanner
	name   string
	line   int
	cur    *pubDoc
	onBad  func(source, line string, err error)
	closed bool
}

// pubDoc is a document being read.
type pubDoc struct {
	id, title, abstract string
	line                int
}

func newPubTatorReader(r io.Reader, name string, onBad func(source, line string, err error)) *pubTatorReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	return &pubTatorReader{sc: sc, name: name, onBad: onBad}
}

// Next returns the next document, or io.EOF after the last. Lines that are
// neither text lines nor mentions of the current document are passed to
// onBad and skipped.
func (p *pubTatorReader) Next() (Document, error) {
	for !p.closed && p.sc.Scan() {
		p.line++
		if d, ok := p.readLine(strings.TrimRight(p.sc.Text(), "\r")); ok {
			return d, nil
		}
	}
	if err := p.sc.Err(); err != nil && !p.closed {
		p.closed = true
		if errors.Is(err, bufio.ErrTooLong) {
			return Document{}, fmt.Errorf("glinerbeam: %s:%d: a line is longer than %d bytes", p.name, p.line+1, maxLine)
		}
		return Document{}, fmt.Errorf("glinerbeam: reading %s: %w", p.name, err)
	}
	p.closed = true
	if d, ok := p.flush(); ok {
		return d, nil
	}
	return Document{}, io.EOF
}

// readLine takes one line; it returns a document when the line completes
// one.
func (p *pubTatorReader) readLine(text string) (Document, bool) {
	if strings.TrimSpace(text) == "" {
		return p.flush()
	}
	if id, kind, body, ok := textLine(text); ok {
		var d Document
		var done bool
		if p.cur != nil && (p.cur.id != id || kind == "t") {
			d, done = p.flush()
		}
		if p.cur == nil {
			p.cur = &pubDoc{id: id, line: p.line}
		}
		if kind == "t" {
			p.cur.title = body
		} else {
			p.cur.abstract = body
		}
		return d, done
	}
	if err := p.checkMention(text); err != nil {
		p.onBad(fmt.Sprintf("%s:%d", p.name, p.line), text, err)
	}
	return Document{}, false
}

// checkMention accepts a tab-separated mention or relation line of the
// current document.
func (p *pubTatorReader) checkMention(text string) error {
	f := strings.Split(text, "\t")
	switch {
	case p.cur == nil:
		return fmt.Errorf("%w: PubTator line before any title line", errRecord)
	case len(f) < 2:
		return fmt.Errorf("%w: want id|t|title, id|a|abstract or a tab-separated mention", errRecord)
	case f[0] != p.cur.id:
		return fmt.Errorf("%w: mention of document %q inside document %q", errRecord, f[0], p.cur.id)
	}
	return nil
}

// flush returns the document being read, if any.
func (p *pubTatorReader) flush() (Document, bool) {
	c := p.cur
	if c == nil {
		return Document{}, false
	}
	p.cur = nil
	text := c.title
	if c.abstract != "" {
		text += " " + c.abstract
	}
	id, _ := json.Marshal(c.id)
	return Document{ID: string(id), Text: text, Source: fmt.Sprintf("%s:%d", p.name, c.line)}, true
}

// textLine splits `id|t|text` or `id|a|text`.
func textLine(s string) (id, kind, body string, ok bool) {
	parts := strings.SplitN(s, "|", 3)
	if len(parts) != 3 || (parts[1] != "t" && parts[1] != "a") || strings.Contains(parts[0], "\t") {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}
