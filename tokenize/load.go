package tokenize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// ErrNoTokenizer reports a model folder without a tokenizer: neither a
// tokenizer.json nor an spm.model.
var ErrNoTokenizer = errors.New("tokenize: no tokenizer.json or spm.model in folder")

// Names of the files [Load] looks for in a model folder.
const (
	TokenizerJSONFile   = "tokenizer.json"
	SentencePieceFile   = "spm.model"
	TokenizerConfigFile = "tokenizer_config.json"
	AddedTokensFile     = "added_tokens.json"
)

// Load opens the tokenizer at path, which is one of:
//
//   - a tokenizer.json file (any file whose first non-blank byte is '{'),
//     loaded with [New];
//   - a SentencePiece model file (any other file), loaded with
//     [NewSentencePiece] without extra options;
//   - a model folder: its tokenizer.json if there is one; otherwise its
//     spm.model, converted as Hugging Face converts it when a folder has no
//     tokenizer.json, with the settings of its tokenizer_config.json
//     (do_lower_case, split_by_punct and the added tokens of
//     "added_tokens_decoder", with their ids and flags) or, lacking that,
//     the tokens of added_tokens.json as plain added tokens at their ids.
//     This recovers GLiNER's [FLERT], <<ENT>> and <<SEP>>.
//
// The Tokenizer returned is a *[Pipeline]. Errors wrap the file system
// error, [ErrNoTokenizer], or the loaders' errors; a malformed
// tokenizer_config.json or added_tokens.json is a *[ConfigError].
func Load(path string) (Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("tokenize: %w", err)
	}
	if !st.IsDir() {
		return loadFile(path)
	}
	if p, err := loadFile(filepath.Join(path, TokenizerJSONFile)); !errors.Is(err, fs.ErrNotExist) {
		return p, err
	}
	spm := filepath.Join(path, SentencePieceFile)
	if _, err := os.Stat(spm); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoTokenizer, path)
	}
	opts, err := folderSentencePieceOptions(path)
	if err != nil {
		return nil, err
	}
	return loadSentencePiece(spm, opts...)
}

// loadFile loads a tokenizer.json or an spm.model, told apart by content.
func loadFile(path string) (Tokenizer, error) {
	f, err := openLimited(path, MaxTokenizerBytes)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := readLimited(f, MaxTokenizerBytes, filepath.Base(path))
	if err != nil {
		return nil, err
	}
	if isJSONStart(data) {
		p, err := newFromBytes(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return p, nil
	}
	p, err := NewSentencePiece(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

func loadSentencePiece(path string, opts ...SentencePieceOption) (Tokenizer, error) {
	f, err := openLimited(path, MaxTokenizerBytes)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := NewSentencePiece(f, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// openLimited opens path, failing without reading it when it is a folder
// (ErrInvalidConfig) or a regular file larger than limit (ErrLimit). File
// system errors are wrapped.
func openLimited(path string, limit int64) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokenize: %w", err)
	}
	if err := checkOpened(f, limit); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func checkOpened(f *os.File, limit int64) error {
	st, err := f.Stat()
	switch {
	case err != nil:
		return fmt.Errorf("tokenize: %w", err)
	case st.IsDir():
		return invalid(filepath.Base(f.Name()), nil, "a folder, not a file")
	case st.Mode().IsRegular():
		return checkSize(st.Size(), limit, filepath.Base(f.Name()))
	}
	return nil
}

// isJSONStart reports whether the first non-blank byte is '{'. A protobuf
// ModelProto starts with a field tag (0x0a for pieces), never with '{' or
// JSON whitespace.
func isJSONStart(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// tokenizerConfig is the part of a tokenizer_config.json the spm conversion
// uses.
type tokenizerConfig struct {
	DoLowerCase        bool                        `json:"do_lower_case"`
	SplitByPunct       bool                        `json:"split_by_punct"`
	AddedTokensDecoder map[string]configAddedToken `json:"added_tokens_decoder"`
}

type configAddedToken struct {
	Content    string `json:"content"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	SingleWord bool   `json:"single_word"`
	Special    bool   `json:"special"`
}

// folderSentencePieceOptions reads tokenizer_config.json, or else
// added_tokens.json, of a model folder.
func folderSentencePieceOptions(dir string) ([]SentencePieceOption, error) {
	var cfg tokenizerConfig
	ok, err := readJSONFile(filepath.Join(dir, TokenizerConfigFile), &cfg)
	if err != nil {
		return nil, err
	}
	var opts []SentencePieceOption
	if ok {
		if cfg.DoLowerCase {
			opts = append(opts, WithLowerCase())
		}
		if cfg.SplitByPunct {
			opts = append(opts, WithSplitByPunct())
		}
		if len(cfg.AddedTokensDecoder) > 0 {
			specs, err := configSpecs(cfg.AddedTokensDecoder)
			if err != nil {
				return nil, err
			}
			return append(opts, WithAddedTokenSpecs(specs...)), nil
		}
	}
	var added map[string]int
	ok, err = readJSONFile(filepath.Join(dir, AddedTokensFile), &added)
	if err != nil || !ok {
		return opts, err
	}
	specs := make([]AddedTokenSpec, 0, len(added))
	for content, id := range added {
		specs = append(specs, AddedTokenSpec{ID: id, Content: content, Normalized: true})
	}
	slices.SortFunc(specs, func(a, b AddedTokenSpec) int { return a.ID - b.ID })
	return append(opts, withPlainTokenIDs(specs...)), nil
}

func configSpecs(m map[string]configAddedToken) ([]AddedTokenSpec, error) {
	specs := make([]AddedTokenSpec, 0, len(m))
	for key, t := range m {
		id, err := strconv.Atoi(key)
		if err != nil {
			return nil, invalid(TokenizerConfigFile+" added_tokens_decoder", err, "id %q", key)
		}
		specs = append(specs, AddedTokenSpec{
			ID: id, Content: t.Content, Special: t.Special, Normalized: t.Normalized,
			LStrip: t.LStrip, RStrip: t.RStrip, SingleWord: t.SingleWord,
		})
	}
	slices.SortFunc(specs, func(a, b AddedTokenSpec) int { return a.ID - b.ID })
	return specs, nil
}

// readJSONFile decodes path into v; ok is false when the file does not exist.
func readJSONFile(path string, v any) (ok bool, err error) {
	f, err := openLimited(path, MaxSideFileBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	b, err := readLimited(f, MaxSideFileBytes, filepath.Base(path))
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, invalid(filepath.Base(path), err, "malformed JSON")
	}
	return true, nil
}
