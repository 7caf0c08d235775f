package glinerbeam

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
)

// Format is an input file format.
type Format int

// The input formats.
const (
	// FormatAuto picks PubTator for names containing "pubtator", else JSON
	// lines.
	FormatAuto Format = iota
	// FormatJSONL is one JSON object per line with "id" and "text".
	FormatJSONL
	// FormatPubTator is PubTator: `id|t|title`, `id|a|abstract` and
	// mention lines; the text is title + " " + abstract.
	FormatPubTator
)

// String returns "auto", "jsonl" or "pubtator".
func (f Format) String() string {
	switch f {
	case FormatJSONL:
		return "jsonl"
	case FormatPubTator:
		return "pubtator"
	}
	return "auto"
}

// ParseFormat parses "auto", "jsonl" or "pubtator".
func ParseFormat(s string) (Format, error) {
	for _, f := range []Format{FormatAuto, FormatJSONL, FormatPubTator} {
		if s == f.String() {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%w: format must be auto, jsonl or pubtator, not %q", ErrOption, s)
}

// resolve replaces FormatAuto by the format the pattern's name suggests.
func (f Format) resolve(pattern string) Format {
	if f != FormatAuto {
		return f
	}
	if strings.Contains(strings.ToLower(path.Base(pattern)), "pubtator") {
		return FormatPubTator
	}
	return FormatJSONL
}

// ReadDocuments reads the documents of the files matching pattern (a glob
// on any registered Beam filesystem). It returns the documents and the
// dead-letter lines of records that could not be parsed. JSON lines are
// read with textio (large files are split between workers); PubTator files
// are read whole by one worker each, since a document spans several lines.
func ReadDocuments(s beam.Scope, pattern string, f Format) (docs, dead beam.PCollection) {
	s = s.Scope("glinerbeam.ReadDocuments")
	if f.resolve(pattern) == FormatPubTator {
		files := fileio.ReadMatches(s, fileio.MatchFiles(s, pattern), fileio.ReadUncompressed())
		return beam.ParDo2(s, &readPubTatorFn{}, files)
	}
	lines := textio.ReadWithFilename(s, pattern)
	return beam.ParDo2(s, &parseJSONLineFn{}, lines)
}

// errRecord reports an input record that is not a document.
var errRecord = errors.New("glinerbeam: bad record")

// parseJSONLine reads one JSON line {"id":..,"text":..}. Unlike `gliner
// extract`, it requires an id: textio does not keep line numbers, and a
// document without an id could not be told apart in the output. ok is false
// for blank lines.
func parseJSONLine(line string) (d Document, ok bool, err error) {
	t := strings.TrimSpace(line)
	if t == "" {
		return Document{}, false, nil
	}
	var rec struct {
		ID   json.RawMessage `json:"id"`
		Text *string         `json:"text"`
	}
	if err := json.Unmarshal([]byte(t), &rec); err != nil {
		return Document{}, false, fmt.Errorf("%w: invalid JSON: %v", errRecord, err)
	}
	if rec.Text == nil {
		return Document{}, false, fmt.Errorf("%w: JSON object without \"text\"", errRecord)
	}
	if len(rec.ID) == 0 || string(rec.ID) == "null" {
		return Document{}, false, fmt.Errorf("%w: JSON object without \"id\"", errRecord)
	}
	return Document{ID: string(rec.ID), Text: *rec.Text}, true, nil
}
