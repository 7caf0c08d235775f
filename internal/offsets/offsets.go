// Package offsets converts the byte offsets of [gliner.Entity] into the unit
// a client asked for. The CLI's extract and the HTTP server share it, so
// both report offsets the same way:
//
//	runes  code points (the default; what the Python reference's
//	       character offsets count)
//	bytes  UTF-8 bytes, as Entity.Start and Entity.End
//	utf16  UTF-16 code units (JavaScript string indices)
//
// Offsets are half-open: the entity is the text from Start up to End.
package offsets

import (
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gliner-go/gliner/gliner"
)

// Unit is the unit of reported offsets. The zero value is [Runes].
type Unit int

const (
	// Runes counts code points; an invalid UTF-8 byte counts as one.
	Runes Unit = iota
	// Bytes counts UTF-8 bytes.
	Bytes
	// UTF16 counts UTF-16 code units; a code point above U+FFFF counts two.
	UTF16
)

// ErrUnit reports an unknown offset unit name.
var ErrUnit = errors.New("offsets: unit must be runes, bytes or utf16")

// Parse returns the unit named s: "runes", "bytes" or "utf16". The empty
// string is [Runes], the default.
func Parse(s string) (Unit, error) {
	switch s {
	case "", "runes":
		return Runes, nil
	case "bytes":
		return Bytes, nil
	case "utf16":
		return UTF16, nil
	}
	return 0, fmt.Errorf("%w, not %q", ErrUnit, s)
}

// String returns the unit's name as [Parse] takes it.
func (u Unit) String() string {
	switch u {
	case Bytes:
		return "bytes"
	case UTF16:
		return "utf16"
	}
	return "runes"
}

// Entity is an entity with offsets in one unit, as the CLI and the server
// write it.
type Entity struct {
	Start int     `json:"start"`
	End   int     `json:"end"`
	Text  string  `json:"text"`
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// Convert returns ents with offsets in unit u. text must be the text the
// entities were extracted from. The result is never nil.
func Convert(text string, ents []gliner.Entity, u Unit) []Entity {
	out := make([]Entity, len(ents))
	for i, e := range ents {
		o := Entity{Text: e.Text, Label: e.Label, Score: e.Score}
		switch u {
		case Bytes:
			o.Start, o.End = e.Start, e.End
		case UTF16:
			o.Start = utf16Len(text[:e.Start])
			o.End = o.Start + utf16Len(text[e.Start:e.End])
		default:
			o.Start, o.End = e.RuneStart, e.RuneEnd
		}
		out[i] = o
	}
	return out
}

// utf16Len counts the UTF-16 code units of s, an invalid byte as one.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r == utf8.RuneError {
			n++
			continue
		}
		n += utf16.RuneLen(r)
	}
	return n
}
