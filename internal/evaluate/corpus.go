package evaluate

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Span is an entity in a text: Start and End are Unicode code-point offsets
// (Python string indices), half-open, and Label is the entity type.
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Label string `json:"label"`
}

// Document is one text of a corpus with its gold entities.
type Document struct {
	ID       string
	Text     string
	Entities []Span
}

// Corpus is what a reader produced.
type Corpus struct {
	Docs []Document
	// StrayInside counts CoNLL I-X tags that continue no entity of type X
	// (invalid in IOB2); seqeval's strict mode ignores them and so does the
	// reader.
	StrayInside int
}

// Types returns the sorted, distinct entity types of the gold spans.
func (c *Corpus) Types() []string {
	seen := map[string]bool{}
	for _, d := range c.Docs {
		for _, e := range d.Entities {
			seen[e.Label] = true
		}
	}
	return sortedKeys(seen)
}

// Format is a corpus file format.
type Format int

// The corpus formats; see the package documentation for each.
const (
	FormatCoNLL Format = iota + 1
	FormatPubTator
	FormatJSONL
)

// String returns the format's name as the command line spells it.
func (f Format) String() string {
	switch f {
	case FormatCoNLL:
		return "conll"
	case FormatPubTator:
		return "pubtator"
	case FormatJSONL:
		return "jsonl"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ErrUnknownFormat is returned for a format name or file extension that is
// none of conll, pubtator and jsonl.
var ErrUnknownFormat = errors.New("evaluate: unknown corpus format")

// ErrFormat is wrapped by every [*ParseError].
var ErrFormat = errors.New("evaluate: malformed corpus")

// ParseError is malformed corpus input: the 1-based line and what is wrong.
type ParseError struct {
	Format Format
	Line   int
	Msg    string
}

// Error returns "evaluate: <format> line <n>: <what>".
func (e *ParseError) Error() string {
	return fmt.Sprintf("evaluate: %s line %d: %s", e.Format, e.Line, e.Msg)
}

// Unwrap returns [ErrFormat].
func (e *ParseError) Unwrap() error { return ErrFormat }

// ParseFormat parses a format name: conll (also tsv, bio), pubtator, jsonl
// (also json, ndjson).
func ParseFormat(name string) (Format, error) {
	switch strings.ToLower(name) {
	case "conll", "tsv", "bio", "iob", "iob2":
		return FormatCoNLL, nil
	case "pubtator":
		return FormatPubTator, nil
	case "jsonl", "json", "ndjson":
		return FormatJSONL, nil
	}
	return 0, fmt.Errorf("%w: %q (want conll, pubtator or jsonl)", ErrUnknownFormat, name)
}

// FormatFromPath infers the format from a file name: .tsv, .conll, .bio and
// .iob are CoNLL; .jsonl, .ndjson and .json are JSON lines; .pubtator, and
// .txt files whose name contains "pubtator", are PubTator.
func FormatFromPath(path string) (Format, error) {
	base := strings.ToLower(filepath.Base(path))
	ext := filepath.Ext(base)
	switch ext {
	case ".tsv", ".conll", ".bio", ".iob", ".iob2":
		return FormatCoNLL, nil
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONL, nil
	case ".pubtator":
		return FormatPubTator, nil
	}
	if strings.Contains(base, "pubtator") {
		return FormatPubTator, nil
	}
	return 0, fmt.Errorf("%w: cannot infer it from %q (use --format)", ErrUnknownFormat, filepath.Base(path))
}

// Read reads a corpus in the given format.
func Read(r io.Reader, f Format) (*Corpus, error) {
	switch f {
	case FormatCoNLL:
		return ReadCoNLL(r)
	case FormatPubTator:
		return ReadPubTator(r)
	case FormatJSONL:
		return ReadJSONL(r)
	}
	return nil, fmt.Errorf("%w: %v", ErrUnknownFormat, f)
}

// ReadFile reads a corpus file; a zero format is inferred from the name by
// [FormatFromPath].
func ReadFile(path string, f Format) (*Corpus, error) {
	if f == 0 {
		var err error
		if f, err = FormatFromPath(path); err != nil {
			return nil, err
		}
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	c, err := Read(file, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// checkSpan validates a span against its text length in code points.
func checkSpan(s Span, runes int) error {
	switch {
	case s.Start < 0 || s.End > runes:
		return fmt.Errorf("span [%d,%d) outside the text (%d code points)", s.Start, s.End, runes)
	case s.Start >= s.End:
		return fmt.Errorf("empty or reversed span [%d,%d)", s.Start, s.End)
	case s.Label == "":
		return fmt.Errorf("span [%d,%d) has no label", s.Start, s.End)
	}
	return nil
}

// runeLen is the number of code points of s.
func runeLen(s string) int { return utf8.RuneCountInString(s) }
