package glinerbeam

import (
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.Function2x2(countLine)
}

// Config is a whole pipeline: where documents are read, where the three
// outputs are written, and the extraction options.
type Config struct {
	// Input is a file pattern (glob) on any registered Beam filesystem.
	Input string
	// Format is the input format.
	Format Format
	// Entities, Counts and DeadLetter are the output files: one JSON line
	// per document, per label ({"label","count"}) and per failed record
	// ([DeadLetter]). Beam's textio writes no file for an empty collection:
	// without failures there is no dead-letter file.
	Entities, Counts, DeadLetter string
	// Options are the extraction options.
	Options Options
}

// Validate reports the first missing or invalid setting.
func (c Config) Validate() error {
	switch {
	case c.Input == "":
		return fmt.Errorf("%w: no input", ErrOption)
	case c.Entities == "" || c.Counts == "" || c.DeadLetter == "":
		return fmt.Errorf("%w: an output file name is missing", ErrOption)
	case c.Format < FormatAuto || c.Format > FormatPubTator:
		return fmt.Errorf("%w: format %d", ErrOption, int(c.Format))
	}
	return c.Options.Validate()
}

// Build adds the pipeline c describes to s: read, annotate, write. The
// filesystems of the input and output paths must be registered by the
// program (import _ ".../beam/io/filesystem/local", ".../gcs", ...): Beam
// panics when building a read or write on an unregistered scheme.
func Build(s beam.Scope, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	docs, badRecords := ReadDocuments(s, c.Input, c.Format)
	lines, counts, failed := Annotate(s, docs, c.Options)
	textio.Write(s, c.Entities, lines)
	textio.Write(s, c.Counts, beam.ParDo(s, countLine, counts))
	textio.Write(s, c.DeadLetter, beam.Flatten(s, badRecords, failed))
	return nil
}

// countLine encodes a label's entity count as a JSON line.
func countLine(label string, n int) (string, error) {
	return marshalLine(struct {
		Label string `json:"label"`
		Count int    `json:"count"`
	}{label, n})
}
