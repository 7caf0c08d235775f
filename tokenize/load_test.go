package tokenize

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// glinerTokenizerConfig is the added_tokens_decoder of gliner_small-v2.1's
// tokenizer_config.json (DeBERTa-v3 with GLiNER's added tokens).
const glinerTokenizerConfig = `{
  "added_tokens_decoder": {
    "0": {"content": "[PAD]", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
    "1": {"content": "[CLS]", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
    "2": {"content": "[SEP]", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
    "3": {"content": "[UNK]", "lstrip": false, "normalized": true, "rstrip": false, "single_word": false, "special": true},
    "128000": {"content": "[MASK]", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
    "128001": {"content": "[FLERT]", "lstrip": false, "normalized": true, "rstrip": false, "single_word": false, "special": false},
    "128002": {"content": "<<ENT>>", "lstrip": false, "normalized": true, "rstrip": false, "single_word": false, "special": false},
    "128003": {"content": "<<SEP>>", "lstrip": false, "normalized": true, "rstrip": false, "single_word": false, "special": false}
  },
  "do_lower_case": false,
  "model_max_length": 1000000000000000019884624838656,
  "split_by_punct": false,
  "tokenizer_class": "DebertaV2Tokenizer"
}`

const glinerAddedTokens = `{"<<ENT>>": 128002, "<<SEP>>": 128003, "[FLERT]": 128001, "[MASK]": 128000}`

// modelFolder writes files (name → content) into a new folder, with the real
// spm.model unless spm is false.
func modelFolder(tb testing.TB, spm bool, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	if spm {
		if err := os.WriteFile(filepath.Join(dir, SentencePieceFile), readDebertaSPM(tb), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// glinerTokenizerJSON is the tokenizer.json of a GLiNER DeBERTa-v3 model.
func glinerTokenizerJSON(tb testing.TB) []byte {
	tb.Helper()
	b, err := ConvertSentencePiece(bytes.NewReader(readDebertaSPM(tb)), WithAddedTokens("[FLERT]", "<<ENT>>", "<<SEP>>"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestFolderOptionsRecoverGLiNERTokens checks that an spm.model folder with
// either tokenizer_config.json or added_tokens.json converts to the same
// tokenizer.json as the GLiNER conversion.
func TestFolderOptionsRecoverGLiNERTokens(t *testing.T) {
	want := decodeJSON(t, glinerTokenizerJSON(t))
	for name, files := range map[string]map[string]string{
		"tokenizer_config.json": {TokenizerConfigFile: glinerTokenizerConfig},
		"added_tokens.json":     {AddedTokensFile: glinerAddedTokens},
		"both":                  {TokenizerConfigFile: glinerTokenizerConfig, AddedTokensFile: glinerAddedTokens},
	} {
		t.Run(name, func(t *testing.T) {
			dir := modelFolder(t, false, files)
			opts, err := folderSentencePieceOptions(dir)
			if err != nil {
				t.Fatal(err)
			}
			b, err := ConvertSentencePiece(bytes.NewReader(readDebertaSPM(t)), opts...)
			if err != nil {
				t.Fatal(err)
			}
			got := decodeJSON(t, b)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got.(map[string]any)["added_tokens"])
				w, _ := json.Marshal(want.(map[string]any)["added_tokens"])
				t.Fatalf("conversion differs; added tokens\n got %s\nwant %s", g, w)
			}
		})
	}
}

func TestFolderOptionsErrors(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"malformed config":       {TokenizerConfigFile: `{"added_tokens_decoder": [}`},
		"non-numeric id":         {TokenizerConfigFile: `{"added_tokens_decoder": {"x": {"content": "a"}}}`},
		"malformed added tokens": {AddedTokensFile: `["<<ENT>>"]`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := folderSentencePieceOptions(modelFolder(t, false, files))
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing path: err = %v, want fs.ErrNotExist", err)
	}
	if _, err := Load(t.TempDir()); !errors.Is(err, ErrNoTokenizer) {
		t.Errorf("empty folder: err = %v, want ErrNoTokenizer", err)
	}
	dir := modelFolder(t, false, map[string]string{TokenizerJSONFile: `{"model": `, "x.model": "\x0a\x05a"})
	if _, err := Load(dir); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("broken tokenizer.json: err = %v, want ErrInvalidConfig", err)
	}
	if _, err := Load(filepath.Join(dir, "x.model")); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("broken spm.model: err = %v, want ErrInvalidConfig", err)
	}
}

// TestLoadAllRoutes loads the GLiNER DeBERTa-v3 tokenizer every way Load
// accepts and checks that all encode alike and know GLiNER's tokens.
func TestLoadAllRoutes(t *testing.T) {
	tj := string(glinerTokenizerJSON(t))
	jsonFolder := modelFolder(t, true, map[string]string{TokenizerJSONFile: tj, TokenizerConfigFile: `{"do_lower_case": true}`})
	routes := map[string]string{
		"tokenizer.json file":       filepath.Join(jsonFolder, TokenizerJSONFile),
		"folder with both":          jsonFolder, // tokenizer.json wins over spm.model and its config
		"spm folder with config":    modelFolder(t, true, map[string]string{TokenizerConfigFile: glinerTokenizerConfig}),
		"spm folder with added ids": modelFolder(t, true, map[string]string{AddedTokensFile: glinerAddedTokens}),
	}
	words := []string{"<<ENT>>", "disease", "<<SEP>>", "BRCA1", "mutations", "cause", "Breast", "Cancer", "."}
	var want Encoding
	first := true
	for name, path := range routes {
		tok, err := Load(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for tokName, id := range map[string]int{"[CLS]": 1, "[SEP]": 2, "[PAD]": 0, "[MASK]": 128000, "[FLERT]": 128001, "<<ENT>>": 128002, "<<SEP>>": 128003} {
			if got, ok := tok.TokenID(tokName); !ok || got != id {
				t.Errorf("%s: TokenID(%q) = %d, %v; want %d", name, tokName, got, ok, id)
			}
		}
		enc := tok.EncodeWords(words, true)
		if first {
			want, first = enc, false
			continue
		}
		if !reflect.DeepEqual(enc, want) {
			t.Errorf("%s: encoding differs:\n got %+v\nwant %+v", name, enc, want)
		}
	}
	spmOnly, err := Load(routes["spm folder with config"])
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := spmOnly.TokenID("<<ENT>>"); !ok || id != 128002 {
		t.Fatalf("<<ENT>> = %d, %v", id, ok)
	}
}
