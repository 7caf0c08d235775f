package tokenize

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
)

// Limits on what the loaders accept. A tokenizer file comes with a model
// folder, which may be hostile: the limits bound the memory and time a
// loader spends before it fails. They are far above real tokenizers (the
// DeBERTa-v3 tokenizer.json is 8.7 MB with 128,000 entries; the largest
// published ones are about 35 MB with 262,000 entries); a file beyond one
// is refused with an error wrapping [ErrLimit].
const (
	// MaxTokenizerBytes bounds the size of a tokenizer.json or spm.model.
	MaxTokenizerBytes = 64 << 20
	// MaxSideFileBytes bounds the size of tokenizer_config.json and
	// added_tokens.json.
	MaxSideFileBytes = 16 << 20
	// MaxVocabSize bounds the number of vocabulary entries and the token
	// ids of a vocabulary: ids must be below it.
	MaxVocabSize = 1 << 21
	// MaxSequenceDepth bounds how deeply Sequence components (normalizers,
	// pre-tokenizers, post-processors) nest.
	MaxSequenceDepth = 32
)

// ErrLimit reports a tokenizer file beyond one of the loaders' limits
// ([MaxTokenizerBytes], [MaxSideFileBytes], [MaxVocabSize],
// [MaxSequenceDepth]). The error is also a *[ConfigError].
var ErrLimit = errors.New("tokenize: tokenizer exceeds a loader limit")

// overLimit returns the *ConfigError of a value beyond a limit.
func overLimit(path, format string, args ...any) error {
	return invalid(path, ErrLimit, format, args...)
}

// readLimited reads r to its end, or fails with ErrLimit after more than
// limit bytes: a hostile file never makes the reader hold more. The buffer
// is sized once when r knows its size (a file, a bytes.Reader); otherwise
// it doubles, never beyond limit+1 bytes, so that an endless reader costs
// at most about 3× limit in allocations.
func readLimited(r io.Reader, limit int64, name string) ([]byte, error) {
	buf := make([]byte, 0, min(sizeHint(r), limit)+bytes.MinRead)
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(int64(cap(buf)), limit+1-int64(len(buf)))))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case int64(len(buf)) > limit:
			return nil, overLimit(name, "larger than %d bytes", limit)
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return nil, fmt.Errorf("tokenize: reading %s: %w", name, err)
		}
	}
}

// sizeHint returns the number of bytes r holds, when it says, else 0.
func sizeHint(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case interface{ Stat() (fs.FileInfo, error) }:
		if st, err := v.Stat(); err == nil && st.Mode().IsRegular() {
			return st.Size()
		}
	}
	return 0
}

// checkSize fails with ErrLimit for a file of size bytes beyond limit, so
// that a file known to be too large is not read at all.
func checkSize(size, limit int64, name string) error {
	if size > limit {
		return overLimit(name, "file of %d bytes, larger than %d", size, limit)
	}
	return nil
}

// checkDepth fails with ErrLimit when the component at path is nested in
// more than MaxSequenceDepth Sequences; each Sequence adds an index ("[i]")
// to the path.
func checkDepth(path string) error {
	if d := strings.Count(path, "["); d > MaxSequenceDepth {
		return overLimit(path, "Sequence components nested %d deep (limit %d)", d, MaxSequenceDepth)
	}
	return nil
}

// countEntries counts the members of a JSON object or the elements of a
// JSON array without decoding them, so that a vocabulary can be refused
// before it is built. raw is valid JSON (it was split out by the decoder).
func countEntries(raw []byte) int {
	t := bytes.TrimSpace(raw)
	if len(t) < 2 || len(bytes.TrimSpace(t[1:len(t)-1])) == 0 {
		return 0
	}
	n, depth, inStr, esc := 1, 0, false, false
	for _, c := range t {
		switch {
		case esc:
			esc = false
		case inStr:
			esc, inStr = c == '\\', c != '"'
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		case c == ',' && depth == 1:
			n++
		}
	}
	return n
}

// checkVocab fails with ErrLimit for a vocabulary of more than
// MaxVocabSize entries.
func checkVocab(o *obj) error {
	if n := countEntries(o.fields["vocab"]); n > MaxVocabSize {
		return overLimit(o.path+".vocab", "%d entries (limit %d)", n, MaxVocabSize)
	}
	return nil
}
