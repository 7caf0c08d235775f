package main

import (
	"errors"
	"io"

	"github.com/gliner-go/gliner/internal/evaluate"
)

// stdinName is the file argument that stands for standard input, in every
// subcommand that reads files.
const stdinName = "-"

// errStdinFormat reports --data - without --format: a format cannot be
// inferred from a file name that is not there.
var errStdinFormat = errors.New("--data - (stdin) needs --format")

// readCorpus reads eval's gold corpus from the file, or from stdin when the
// path is "-".
func readCorpus(path string, f evaluate.Format, stdin io.Reader) (*evaluate.Corpus, error) {
	if path == stdinName {
		return evaluate.Read(stdin, f)
	}
	return evaluate.ReadFile(path, f)
}
