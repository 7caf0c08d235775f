package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/gliner-go/gliner/internal/offsets"
	"github.com/gliner-go/gliner/tokenize"
)

func init() {
	register(command{name: "tokenize", summary: "show the sub-word tokens of texts or pre-split words", run: runTokenize})
}

const tokenizeHelp = `usage: gliner tokenize --tokenizer PATH [flags] [-]

Reads one text per line on stdin (with --words, one JSON array of words per
line) and writes one JSON object per line:
  {"ids":[...],"tokens":[...],"word_ids":[...],"offsets":[[start,end],...]}
word_ids is null for special tokens. Offsets are code points into the line
(with --words, into the word the token comes from); special tokens have
[0,0]. A trailing carriage return is removed from each line.

PATH is a tokenizer.json, an spm.model, or a model folder (its tokenizer.json,
or its spm.model with the added tokens of tokenizer_config.json).

Examples:
  echo "BRCA1 mutations cause breast cancer." | gliner tokenize --tokenizer ./gliner_small-v2.1
  echo '["<<ENT>>","disease","<<SEP>>","BRCA1","mutations"]' | gliner tokenize --tokenizer ./gliner_small-v2.1 --words
  gliner tokenize --tokenizer tokenizer.json --no-special --offsets bytes < texts.txt

Flags:
`

// tokenizeFlags are the flags of gliner tokenize.
type tokenizeFlags struct {
	tokenizer, offsets string
	words, noSpecial   bool
}

func runTokenize(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("tokenize", tokenizeHelp, stderr)
	var f tokenizeFlags
	fs.StringVar(&f.tokenizer, "tokenizer", "", "tokenizer.json, spm.model or model folder (required)")
	fs.BoolVar(&f.words, "words", false, "read JSON arrays of pre-split words instead of texts")
	fs.BoolVar(&f.noSpecial, "no-special", false, "do not add special tokens such as [CLS] and [SEP]")
	fs.StringVar(&f.offsets, "offsets", "runes", "offset unit: runes (code points), bytes or utf16")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if err := f.check(pos); err != nil {
		return usageError(stderr, "tokenize", "%v", err)
	}
	tok, err := tokenize.Load(f.tokenizer)
	if err != nil {
		return runtimeError(stderr, "tokenize", err)
	}
	if err := tokenizeStream(tok, stdin, stdout, f); err != nil {
		return runtimeError(stderr, "tokenize", err)
	}
	return exitOK
}

// check validates the flags and the positional arguments (only "-", stdin).
func (f *tokenizeFlags) check(pos []string) error {
	for _, p := range pos {
		if p != stdinName {
			return fmt.Errorf("unexpected argument %q (texts are read from stdin)", p)
		}
	}
	if f.tokenizer == "" {
		return errors.New("--tokenizer is required")
	}
	_, err := offsets.Parse(f.offsets)
	return err
}

// tokenizeOutput is one output line.
type tokenizeOutput struct {
	IDs     []int    `json:"ids"`
	Tokens  []string `json:"tokens"`
	WordIDs []*int   `json:"word_ids"`
	Offsets [][2]int `json:"offsets"`
}

func tokenizeStream(tok tokenize.Tokenizer, r io.Reader, w io.Writer, f tokenizeFlags) error {
	br := bufio.NewReaderSize(r, 1<<16)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		line, err := br.ReadString('\n')
		if line == "" && err != nil {
			if err == io.EOF {
				break
			}
			return err
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		out, perr := tokenizeLine(tok, line, f)
		if perr != nil {
			return fmt.Errorf("line %d: %w", n, perr)
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func tokenizeLine(tok tokenize.Tokenizer, line string, f tokenizeFlags) (tokenizeOutput, error) {
	addSpecial := !f.noSpecial
	if !f.words {
		e := tok.Encode(line, addSpecial)
		return encodingOutput(e, func(int) (string, bool) { return line, true }, f.offsets), nil
	}
	var words []string
	if err := json.Unmarshal([]byte(line), &words); err != nil {
		return tokenizeOutput{}, fmt.Errorf("want a JSON array of strings: %w", err)
	}
	e := tok.EncodeWords(words, addSpecial)
	return encodingOutput(e, func(word int) (string, bool) {
		if word >= 0 && word < len(words) {
			return words[word], true
		}
		return "", false
	}, f.offsets), nil
}

// encodingOutput converts an encoding; source returns the string a token's
// byte offsets point into (the line, or the token's word), or false for a
// token without one (special tokens of pre-split words), which gets [0,0].
func encodingOutput(e tokenize.Encoding, source func(word int) (string, bool), unit string) tokenizeOutput {
	out := tokenizeOutput{
		IDs:     nonNil(e.IDs),
		Tokens:  nonNil(e.Tokens),
		WordIDs: make([]*int, len(e.IDs)),
		Offsets: make([][2]int, len(e.IDs)),
	}
	var conv offsetConverter
	for i := range e.IDs {
		if e.WordIDs[i] >= 0 {
			out.WordIDs[i] = &e.WordIDs[i]
		}
		s, ok := source(e.WordIDs[i])
		if !ok {
			continue
		}
		conv.reset(s, unit)
		o := e.Offsets[i]
		out.Offsets[i] = [2]int{conv.convert(o.Start), conv.convert(o.End)}
	}
	return out
}

// offsetConverter converts byte offsets of a string to code points (each
// invalid byte one code point) or UTF-16 code units, through a prefix table
// built once per string.
type offsetConverter struct {
	s      string
	unit   string
	prefix []int // prefix[b] = units in s[:b], for b at character starts
	built  bool
}

func (c *offsetConverter) reset(s, unit string) {
	if c.built && unsafe.StringData(c.s) == unsafe.StringData(s) && len(c.s) == len(s) && c.unit == unit {
		return
	}
	c.s, c.unit, c.built = s, unit, true
	if unit == "bytes" {
		return
	}
	c.prefix = append(c.prefix[:0], make([]int, len(s)+1)...)
	n := 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		for j := i; j < i+w; j++ {
			c.prefix[j] = n
		}
		if unit == "utf16" && r >= 0x10000 && w == 4 {
			n += 2
		} else {
			n++
		}
		i += w
	}
	c.prefix[len(s)] = n
}

func (c *offsetConverter) convert(b int) int {
	b = min(max(b, 0), len(c.s))
	if c.unit == "bytes" {
		return b
	}
	return c.prefix[b]
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
