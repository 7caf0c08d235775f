package glinerbeam

import (
	"bytes"
	"encoding/json"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/offsets"
	"github.com/gliner-go/gliner/internal/server"
)

// Document is one text to annotate.
type Document struct {
	// ID is the document's id as a JSON value (a quoted string for
	// PubTator PMIDs), written back unchanged.
	ID string
	// Text is the text entities are found in.
	Text string
	// Source says where the document was read ("file" or "file:line"),
	// for dead-letter records.
	Source string
}

// outLine is one output line, as `gliner extract` writes it: the
// document's id, its entities and how its text was run (the metadata keys
// "windows", "label_groups", ..., each left out when zero).
type outLine struct {
	ID       json.RawMessage  `json:"id"`
	Entities []offsets.Entity `json:"entities"`
	server.Meta
}

// DeadLetter is a record that could not be read or annotated.
type DeadLetter struct {
	// Source is where the record was read.
	Source string `json:"source"`
	// ID is the document's id when it was read, else null.
	ID json.RawMessage `json:"id"`
	// Error says what went wrong.
	Error string `json:"error"`
	// Input is the record: the raw line when it could not be parsed, else
	// the document as a JSON line {"id","text"} that can be fed back.
	Input string `json:"input"`
}

// marshalLine encodes v as `gliner extract` does: no HTML escaping, no
// trailing newline.
func marshalLine(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}

// entityLine is the output line of a document.
func entityLine(d Document, res gliner.Result, unit OffsetUnit) (string, error) {
	return marshalLine(outLine{ID: json.RawMessage(d.ID), Entities: offsets.Convert(d.Text, res.Entities, unit), Meta: server.MetaOf(res)})
}

// documentLine is d as an input JSON line.
func documentLine(d Document) string {
	s, err := marshalLine(struct {
		ID   json.RawMessage `json:"id"`
		Text string          `json:"text"`
	}{json.RawMessage(d.ID), d.Text})
	if err != nil { // an ID that is not valid JSON: keep it as a string
		s, _ = marshalLine(struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		}{d.ID, d.Text})
	}
	return s
}

// deadLine encodes a dead-letter record; an id that is not valid JSON is
// written as a JSON string.
func deadLine(source, id, errMsg, input string) string {
	raw := json.RawMessage("null")
	if id != "" {
		raw = json.RawMessage(id)
		if !json.Valid(raw) {
			raw, _ = json.Marshal(id)
		}
	}
	s, _ := marshalLine(DeadLetter{Source: source, ID: raw, Error: errMsg, Input: input})
	return s
}
