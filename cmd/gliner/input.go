package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// inputMode says how gliner extract reads its input lines (--input).
type inputMode int

const (
	// inputAuto takes a line as a JSON record if it parses as a JSON object
	// with a "text" field, and as plain text otherwise.
	inputAuto inputMode = iota
	// inputText takes every line as plain text.
	inputText
	// inputJSONL takes every line as a JSON record; any other line is an
	// error record.
	inputJSONL
)

// parseInputMode returns the mode named by --input.
func parseInputMode(s string) (inputMode, error) {
	switch s {
	case "auto":
		return inputAuto, nil
	case "text":
		return inputText, nil
	case "jsonl":
		return inputJSONL, nil
	}
	return 0, fmt.Errorf("--input must be auto, text or jsonl, not %q", s)
}

// record is one input line: a text to extract from, or the error that
// made the line unusable.
type record struct {
	line int             // 1-based line number over all inputs
	id   json.RawMessage // the record's "id", else the line number
	text string
	err  error // a malformed line; text is then unused
}

// errMalformed is wrapped by the errors of malformed input lines.
var errMalformed = errors.New("malformed line")

// malformed returns the error record of line n.
func malformed(n int, id json.RawMessage, format string, args ...any) record {
	err := fmt.Errorf("line %d: %w: %s", n, errMalformed, fmt.Sprintf(format, args...))
	return record{line: n, id: id, err: err}
}

// lineID is the id of a record without one: its line number.
func lineID(n int) json.RawMessage { return json.RawMessage(strconv.Itoa(n)) }

// parseRecord reads line n in the given mode. In auto mode a line is a
// JSON record only if it is a JSON object with a "text" field; any other
// line, even one starting with "{", is plain text.
func parseRecord(line []byte, n int, mode inputMode) record {
	if mode == inputText {
		return record{line: n, id: lineID(n), text: string(line)}
	}
	var fields map[string]json.RawMessage
	err := json.Unmarshal(line, &fields)
	if mode == inputAuto && (err != nil || fields == nil || fields["text"] == nil) {
		return record{line: n, id: lineID(n), text: string(line)}
	}
	if err != nil || fields == nil {
		return malformed(n, lineID(n), "not a JSON object (--input jsonl)")
	}
	return jsonRecord(fields, n)
}

// jsonRecord checks the fields of a JSON record: "text" must be a string;
// "id", if present, is any JSON value.
func jsonRecord(fields map[string]json.RawMessage, n int) record {
	id := fields["id"]
	if id == nil {
		id = lineID(n)
	}
	raw, ok := fields["text"]
	if !ok {
		return malformed(n, id, `JSON object without "text"`)
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil || bytes.Equal(raw, []byte("null")) {
		return malformed(n, id, `"text" is not a string`)
	}
	return record{line: n, id: id, text: text}
}

// maxLine is the longest input line accepted; a longer one is an error
// record, not a silent cut, and the lines around it are read as usual.
const maxLine = 64 << 20

// lineReader reads lines of at most max bytes, without their "\n" or
// "\r\n", as bufio.ScanLines does; a longer line is skipped (its bytes are
// not kept) and reported.
type lineReader struct {
	br  *bufio.Reader
	max int
	buf []byte
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line and whether it was too long. It returns
// io.EOF after the last line; a last line without "\n" is a line.
func (lr *lineReader) next() (line []byte, tooLong bool, err error) {
	lr.buf = lr.buf[:0]
	read := false
	for {
		frag, err := lr.br.ReadSlice('\n')
		read = read || len(frag) > 0
		if !tooLong && len(lr.buf)+len(frag) > lr.max+2 { // room for "\r\n"
			tooLong, lr.buf = true, lr.buf[:0]
		}
		if !tooLong {
			lr.buf = append(lr.buf, frag...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (err != io.EOF || !read) {
			return nil, false, err
		}
		line = trimEOL(lr.buf)
		return line, tooLong || len(line) > lr.max, nil
	}
}

// trimEOL drops a final "\n" and then a final "\r".
func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// openInputs concatenates the named files, or returns stdin when there are
// none; the name "-" is stdin too.
func openInputs(names []string, stdin io.Reader) (io.Reader, func(), error) {
	if len(names) == 0 {
		return stdin, func() {}, nil
	}
	var rs []io.Reader
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	for _, n := range names {
		if n == stdinName {
			rs = append(rs, &lineEnded{r: stdin})
			continue
		}
		f, err := os.Open(n)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		files = append(files, f)
		rs = append(rs, &lineEnded{r: f})
	}
	return io.MultiReader(rs...), closeAll, nil
}

// lineEnded reads r and adds a final newline if r's last line lacks one,
// so that inputs concatenate line by line without adding empty lines.
type lineEnded struct {
	r          io.Reader
	last       byte
	read, done bool
}

// Read implements io.Reader.
func (l *lineEnded) Read(p []byte) (int, error) {
	if l.done || len(p) == 0 {
		return 0, io.EOF
	}
	n, err := l.r.Read(p)
	if n > 0 {
		l.last, l.read = p[n-1], true
	}
	if err != io.EOF {
		return n, err
	}
	if n == 0 && l.read && l.last != '\n' {
		p[0], l.last = '\n', '\n'
		return 1, nil
	}
	if n == 0 {
		l.done = true
	}
	return n, nil
}
