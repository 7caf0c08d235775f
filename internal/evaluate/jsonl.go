package evaluate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

type jsonDoc struct {
	ID       json.RawMessage `json:"id"`
	Text     *string         `json:"text"`
	Entities []Span          `json:"entities"`
}

// ReadJSONL reads one JSON object per line:
// {"id": optional string or number, "text": "...", "entities": [{"start", "end", "label"}]},
// offsets in code points, half-open. Blank lines are skipped; a document
// without id gets "l<line>".
func ReadJSONL(r io.Reader) (*Corpus, error) {
	c := &Corpus{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024*1024)
	for line := 1; sc.Scan(); line++ {
		raw := strings.TrimSpace(sc.Text())
		if raw == "" {
			continue
		}
		d, err := jsonDocument(raw, line)
		if err != nil {
			return nil, &ParseError{FormatJSONL, line, err.Error()}
		}
		c.Docs = append(c.Docs, d)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

func jsonDocument(raw string, line int) (Document, error) {
	var jd jsonDoc
	if err := json.Unmarshal([]byte(raw), &jd); err != nil {
		return Document{}, err
	}
	if jd.Text == nil {
		return Document{}, errString(`missing "text"`)
	}
	d := Document{ID: "l" + itoa(line), Text: *jd.Text, Entities: jd.Entities}
	if len(jd.ID) > 0 && string(jd.ID) != "null" {
		var s string
		if json.Unmarshal(jd.ID, &s) == nil {
			d.ID = s
		} else {
			d.ID = string(jd.ID)
		}
	}
	n := runeLen(d.Text)
	for i, e := range d.Entities {
		if err := checkSpan(e, n); err != nil {
			return Document{}, fmt.Errorf("entity %d: %w", i, err)
		}
	}
	return d, nil
}
