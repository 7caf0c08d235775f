// Package daulet is a [tokenize.Tokenizer] backed by the Rust Hugging Face
// tokenizers library through github.com/daulet/tokenizers (cgo). It links
// libtokenizers.a, which the daulet/tokenizers project builds with cargo
// (see its README); the pure-Go [tokenize.Pipeline] is the default and
// needs neither.
//
// The package is a module of its own (github.com/gliner-go/gliner/tokenize/daulet),
// so that programs using github.com/gliner-go/gliner do not download
// github.com/daulet/tokenizers: only a program that imports this package does.
//
// # Errors
//
// [New] returns a *[tokenize.ConfigError] for a file that is not a
// tokenizer.json, and an error wrapping [ErrTokenizer] when the Rust
// library rejects it.
package daulet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"unicode/utf8"

	"github.com/daulet/tokenizers"
	"github.com/gliner-go/gliner/tokenize"
)

// ErrTokenizer reports a tokenizer.json that the Rust library rejects, or
// whose post-processor does not wrap a single sequence as prefix + sequence
// + suffix (which EncodeWords needs).
var ErrTokenizer = errors.New("daulet: rust tokenizers backend")

// Tokenizer is a [tokenize.Tokenizer] backed by the Rust Hugging Face
// tokenizers library.
//
// What comes from the Rust library and what does not: ids, tokens, byte
// offsets and special-token flags of Encode are the library's. Its C API
// does not return word ids nor accept pre-split words, so:
//
//   - EncodeWords encodes each word separately without special tokens and
//     concatenates, then adds the special tokens the post-processor puts
//     around one sequence (found at load time). This is how GLiNER's ports
//     encode prompts; it equals Hugging Face's is_split_into_words=True for
//     Metaspace (DeBERTa) and BERT pre-tokenizers, not for byte-level BPE
//     without add_prefix_space;
//   - Encode's WordIDs number the whitespace-separated chunks of the text
//     (the chunk holding the token's first byte), which equals Hugging Face's
//     word ids for whitespace-splitting pre-tokenizers (Metaspace,
//     WhitespaceSplit) but not for those that also split on punctuation;
//   - TokenID and PadID read the tokenizer.json themselves (model vocabulary,
//     added tokens, padding.pad_id, else [PAD] or <pad>, else 0).
//
// A Tokenizer is safe for concurrent use. Close releases the Rust tokenizer;
// it must not be used afterwards.
type Tokenizer struct {
	tk     *tokenizers.Tokenizer
	vocab  map[string]int
	padID  int
	prefix []dauletToken // special tokens before a single sequence
	suffix []dauletToken // and after it
}

var _ tokenize.Tokenizer = (*Tokenizer)(nil)

type dauletToken struct {
	id    int
	token string
}

// New loads a tokenizer.json into the Rust library.
func New(r io.Reader) (*Tokenizer, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%w: reading tokenizer.json: %w", ErrTokenizer, err)
	}
	vocab, padID, err := dauletVocab(data)
	if err != nil {
		return nil, err
	}
	tk, err := tokenizers.FromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTokenizer, err)
	}
	d := &Tokenizer{tk: tk, vocab: vocab, padID: padID}
	if err := d.probeTemplate(); err != nil {
		tk.Close()
		return nil, err
	}
	return d, nil
}

// NewFromFile loads a tokenizer.json file, see [New].
func NewFromFile(path string) (*Tokenizer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("daulet: %w", err)
	}
	defer f.Close()
	d, err := New(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// Close releases the Rust tokenizer.
func (d *Tokenizer) Close() error {
	if d.tk == nil {
		return nil
	}
	err := d.tk.Close()
	d.tk = nil
	return err
}

// dauletVocab reads the token → id map and the pad id of a tokenizer.json.
func dauletVocab(data []byte) (map[string]int, int, error) {
	var tj struct {
		AddedTokens []struct {
			ID      int    `json:"id"`
			Content string `json:"content"`
		} `json:"added_tokens"`
		Padding *struct {
			PadID *int `json:"pad_id"`
		} `json:"padding"`
		Model struct {
			Vocab json.RawMessage `json:"vocab"`
		} `json:"model"`
	}
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, 0, &tokenize.ConfigError{Msg: "not a tokenizer.json", Err: err}
	}
	vocab := map[string]int{}
	if len(tj.Model.Vocab) > 0 && tj.Model.Vocab[0] == '[' { // Unigram: [[piece, score], ...]
		var list [][2]json.RawMessage
		if err := json.Unmarshal(tj.Model.Vocab, &list); err != nil {
			return nil, 0, &tokenize.ConfigError{Path: "model.vocab", Msg: "bad Unigram vocabulary", Err: err}
		}
		for i, e := range list {
			var piece string
			if err := json.Unmarshal(e[0], &piece); err != nil {
				return nil, 0, &tokenize.ConfigError{Path: fmt.Sprintf("model.vocab[%d]", i), Msg: "bad piece", Err: err}
			}
			vocab[piece] = i
		}
	} else if len(tj.Model.Vocab) > 0 {
		if err := json.Unmarshal(tj.Model.Vocab, &vocab); err != nil {
			return nil, 0, &tokenize.ConfigError{Path: "model.vocab", Msg: "bad vocabulary", Err: err}
		}
	}
	for _, t := range tj.AddedTokens {
		vocab[t.Content] = t.ID
	}
	if tj.Padding != nil && tj.Padding.PadID != nil {
		return vocab, *tj.Padding.PadID, nil
	}
	for _, t := range []string{"[PAD]", "<pad>"} {
		if id, ok := vocab[t]; ok {
			return vocab, id, nil
		}
	}
	return vocab, 0, nil
}

// probeTemplate finds the special tokens the post-processor adds around a
// single sequence, by encoding a probe with and without them.
func (d *Tokenizer) probeTemplate() error {
	const probe = "a"
	with := d.tk.EncodeWithOptions(probe, true, tokenizers.WithReturnTokens())
	without := d.tk.EncodeWithOptions(probe, false, tokenizers.WithReturnTokens())
	for start := 0; start+len(without.IDs) <= len(with.IDs); start++ {
		if slices.Equal(with.IDs[start:start+len(without.IDs)], without.IDs) {
			for i := range with.IDs {
				t := dauletToken{int(with.IDs[i]), with.Tokens[i]}
				switch {
				case i < start:
					d.prefix = append(d.prefix, t)
				case i >= start+len(without.IDs):
					d.suffix = append(d.suffix, t)
				}
			}
			return nil
		}
	}
	return fmt.Errorf("%w: the post-processor does not wrap a sequence as prefix + sequence + suffix", ErrTokenizer)
}

// Encode encodes text with the Rust library; see [Tokenizer] for WordIDs.
func (d *Tokenizer) Encode(text string, addSpecial bool) tokenize.Encoding {
	re := d.tk.EncodeWithOptions(text, addSpecial, tokenizers.WithReturnAllAttributes())
	var e tokenize.Encoding
	appendDaulet(&e, re, -1)
	chunks := whitespaceChunkStarts(text)
	for i := range e.IDs {
		if e.Special[i] && e.Offsets[i] == (tokenize.Offset{}) {
			continue // added by the post-processor (tokens of the text are never empty)
		}
		e.WordIDs[i] = chunkOf(chunks, e.Offsets[i].Start)
	}
	return e
}

// EncodeWords encodes each word separately and wraps the result in the
// post-processor's special tokens; see [Tokenizer].
func (d *Tokenizer) EncodeWords(words []string, addSpecial bool) tokenize.Encoding {
	var e tokenize.Encoding
	if addSpecial {
		appendSpecial(&e, d.prefix)
	}
	for i, w := range words {
		re := d.tk.EncodeWithOptions(w, false, tokenizers.WithReturnAllAttributes())
		appendDaulet(&e, re, i)
	}
	if addSpecial {
		appendSpecial(&e, d.suffix)
	}
	return e
}

// appendDaulet appends a Rust encoding with word id word (-1: filled later).
func appendDaulet(e *tokenize.Encoding, re tokenizers.Encoding, word int) {
	for i, id := range re.IDs {
		e.IDs = append(e.IDs, int(id))
		e.Tokens = append(e.Tokens, re.Tokens[i])
		e.WordIDs = append(e.WordIDs, word)
		e.Offsets = append(e.Offsets, tokenize.Offset{Start: int(re.Offsets[i][0]), End: int(re.Offsets[i][1])})
		e.Special = append(e.Special, re.SpecialTokensMask[i] == 1)
	}
}

func appendSpecial(e *tokenize.Encoding, ts []dauletToken) {
	for _, t := range ts {
		e.IDs = append(e.IDs, t.id)
		e.Tokens = append(e.Tokens, t.token)
		e.WordIDs = append(e.WordIDs, -1)
		e.Offsets = append(e.Offsets, tokenize.Offset{})
		e.Special = append(e.Special, true)
	}
}

// whitespaceChunkStarts returns the byte offsets where the
// whitespace-separated chunks of text start.
func whitespaceChunkStarts(text string) []int {
	var starts []int
	inChunk := false
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		space := tokenize.IsPythonSpace(r) && !(r == utf8.RuneError && n == 1)
		if !space && !inChunk {
			starts = append(starts, i)
		}
		inChunk = !space
		i += n
	}
	return starts
}

// chunkOf returns the index of the chunk holding byte offset b (the chunk
// that starts at or before it; 0 before the first).
func chunkOf(starts []int, b int) int {
	i, found := slices.BinarySearch(starts, b)
	if found || i == 0 {
		return i
	}
	return i - 1
}

// TokenID returns the id of a vocabulary or added token.
func (d *Tokenizer) TokenID(token string) (int, bool) {
	id, ok := d.vocab[token]
	return id, ok
}

// PadID returns the padding id.
func (d *Tokenizer) PadID() int { return d.padID }
