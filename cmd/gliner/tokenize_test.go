package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
)

// glinerTokenizerFolder writes a model folder holding the real DeBERTa-v3
// spm.model and GLiNER's tokenizer_config.json added tokens.
func glinerTokenizerFolder(t *testing.T) string {
	t.Helper()
	spm, err := os.ReadFile(testenv.DataFile(t, "tokenizers/deberta-v3.spm.model"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := `{"added_tokens_decoder": {
	  "128000": {"content": "[MASK]", "special": true},
	  "128001": {"content": "[FLERT]", "normalized": true},
	  "128002": {"content": "<<ENT>>", "normalized": true},
	  "128003": {"content": "<<SEP>>", "normalized": true}}}`
	for name, b := range map[string][]byte{"spm.model": spm, "tokenizer_config.json": []byte(cfg)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(append([]string{"tokenize"}, args...), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestTokenizeCommandUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"help", []string{"--help"}, exitOK},
		{"no tokenizer", nil, exitUsage},
		{"bad offsets", []string{"--tokenizer", "x", "--offsets", "chars"}, exitUsage},
		{"extra argument", []string{"--tokenizer", "x", "text.txt"}, exitUsage},
		{"unknown flag", []string{"--tokenizer", "x", "--lower"}, exitUsage},
		{"missing tokenizer file", []string{"--tokenizer", filepath.Join(t.TempDir(), "none.json")}, exitRuntime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "", tc.args...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.want, stderr)
			}
			if tc.want == exitOK && !strings.Contains(stderr, "Examples:") {
				t.Errorf("help lacks examples:\n%s", stderr)
			}
		})
	}
}

func TestTokenizeCommand(t *testing.T) {
	dir := glinerTokenizerFolder(t)
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  []string
	}{
		{
			"text", nil, "My name is James Bond\n",
			[]string{`{"ids":[1,573,601,269,1749,8728,2],"tokens":["[CLS]","▁My","▁name","▁is","▁James","▁Bond","[SEP]"],"word_ids":[null,0,1,2,3,4,null],"offsets":[[0,0],[0,2],[2,7],[7,10],[10,16],[16,21],[0,0]]}`},
		},
		{
			// gline-rs test2 (docs/reference.md §2.4): GLiNER's prompt for two labels.
			"words", []string{"--words"}, `["<<ENT>>","movie character","<<ENT>>","vehicle","<<SEP>>","My","name","is","James","Bond"]` + "\r\n",
			[]string{`{"ids":[1,128002,1421,1470,128002,1508,128003,573,601,269,1749,8728,2],` +
				`"tokens":["[CLS]","<<ENT>>","▁movie","▁character","<<ENT>>","▁vehicle","<<SEP>>","▁My","▁name","▁is","▁James","▁Bond","[SEP]"],` +
				`"word_ids":[null,0,1,1,2,3,4,5,6,7,8,9,null],` +
				`"offsets":[[0,0],[0,7],[0,5],[5,15],[0,7],[0,7],[0,7],[0,2],[0,4],[0,2],[0,5],[0,4],[0,0]]}`},
		},
		{
			"code points vs bytes", []string{"--no-special"}, "naïve café\n\n",
			[]string{
				`{"ids":[34972,15924],"tokens":["▁naïve","▁café"],"word_ids":[0,1],"offsets":[[0,5],[5,10]]}`,
				`{"ids":[],"tokens":[],"word_ids":[],"offsets":[]}`,
			},
		},
		{
			// Code points from the Rust tokenizers oracle; UTF-16 counts the
			// emoji's surrogate pair.
			"utf16", []string{"--no-special", "--offsets", "utf16"}, "😀 x\n",
			[]string{`{"ids":[54783,1204],"tokens":["▁😀","▁x"],"word_ids":[0,1],"offsets":[[0,2],[2,4]]}`},
		},
		{
			"bytes", []string{"--no-special", "--offsets", "bytes"}, "naïve café",
			[]string{`{"ids":[34972,15924],"tokens":["▁naïve","▁café"],"word_ids":[0,1],"offsets":[[0,6],[6,12]]}`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.stdin, append([]string{"--tokenizer", dir}, tc.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr)
			}
			got := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			if len(got) != len(tc.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(got), len(tc.want), stdout)
			}
			for i := range got {
				if !json.Valid([]byte(got[i])) || got[i] != tc.want[i] {
					t.Errorf("line %d\n got %s\nwant %s", i+1, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestTokenizeCommandBadWords(t *testing.T) {
	dir := glinerTokenizerFolder(t)
	code, _, stderr := runCLI(t, "[\"ok\"]\n{\"not\": \"an array\"}\n", "--tokenizer", dir, "--words")
	if code != exitRuntime || !strings.Contains(stderr, "line 2") {
		t.Fatalf("exit %d, stderr %q; want exit %d naming line 2", code, stderr, exitRuntime)
	}
}
