package gliner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/internal/testenv"
	"github.com/gliner-go/gliner/tokenize"
)

// copyFixture copies a fixture model folder into a temporary folder so a
// test can break it.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join(testenv.RepoRoot(), "testdata", "models", name)
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
	}
	return dst
}

// editConfig rewrites fields of a folder's gliner_config.json.
func editConfig(t *testing.T, dir string, fields map[string]any) {
	t.Helper()
	p := filepath.Join(dir, "gliner_config.json")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, json.Unmarshal(b, &cfg))
	for k, v := range fields {
		cfg[k] = v
	}
	b, err = json.Marshal(cfg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, b, 0o644))
}

func editFile(t *testing.T, path string, f func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, f(b), 0o644))
}

// TestOpenBrokenFolders checks that every kind of broken or mismatched model
// folder gives a typed error saying what is wrong, never a panic.
func TestOpenBrokenFolders(t *testing.T) {
	openFixture(t, "span-deberta") // skips without ONNX Runtime
	tests := []struct {
		name   string
		break_ func(t *testing.T, dir string)
		check  func(t *testing.T, err error)
	}{
		{"missing config", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "gliner_config.json")))
		}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrMissingFile)
			assert.ErrorContains(t, err, "gliner_config.json")
		}},
		{"missing graph", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "model.onnx")))
		}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrMissingFile)
			assert.ErrorContains(t, err, "model.onnx")
		}},
		{"missing tokenizer", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "spm.model")))
		}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, tokenize.ErrNoTokenizer)
			var me *ModelError
			assert.ErrorAs(t, err, &me)
		}},
		{"truncated graph", func(t *testing.T, dir string) {
			editFile(t, filepath.Join(dir, "model.onnx"), func(b []byte) []byte { return b[:len(b)/3] })
		}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, encoder.ErrInvalidModel)
		}},
		{"renamed input", func(t *testing.T, dir string) {
			editFile(t, filepath.Join(dir, "model.onnx"), func(b []byte) []byte {
				return bytes.ReplaceAll(b, []byte("words_mask"), []byte("wordz_mask"))
			})
		}, func(t *testing.T, err error) {
			var ce *encoder.ContractError
			require.ErrorAs(t, err, &ce)
			assert.ErrorContains(t, err, "words_mask")
			assert.ErrorContains(t, err, "wordz_mask")
		}},
		{"another max_width", func(t *testing.T, dir string) {
			editConfig(t, dir, map[string]any{"max_width": 5})
		}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrMismatch)
			assert.ErrorContains(t, err, "max_width")
		}},
		{"wrong class_token_index", func(t *testing.T, dir string) {
			editConfig(t, dir, map[string]any{"class_token_index": 5})
		}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrMismatch)
			assert.ErrorContains(t, err, "class_token_index")
		}},
		{"relation model", func(t *testing.T, dir string) {
			editConfig(t, dir, map[string]any{"relations_layer": "biaffine"})
		}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrUnsupported)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "relations_layer", ce.Field)
		}},
		{"malformed config", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "gliner_config.json"), []byte(`{"max_width": 12,`), 0o644))
		}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrBadConfig)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyFixture(t, "span-deberta")
			tt.break_(t, dir)
			m, err := Open(dir)
			if m != nil {
				m.Close()
			}
			require.Error(t, err)
			tt.check(t, err)
		})
	}
}

func TestExtractEdgeCases(t *testing.T) {
	m := openFixture(t, "span-deberta")
	ctx := context.Background()
	for _, text := range []string{"", "   ", "\x1c\u2028\u3000"} {
		ents, err := m.Extract(ctx, text, []string{"disease"})
		require.NoError(t, err)
		assert.Empty(t, ents, "%q", text)
	}
	ents, err := m.Extract(ctx, "Breast cancer is common.", nil)
	require.NoError(t, err)
	assert.Empty(t, ents)

	_, err = m.Extract(ctx, "Breast cancer is common.", []string{"disease", " "})
	assert.ErrorIs(t, err, ErrLabel)
	_, err = m.Extract(ctx, "Breast cancer is common.", []string{"a <<ENT>> b"})
	assert.ErrorIs(t, err, ErrLabel)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = m.Extract(cctx, "Breast cancer is common.", []string{"disease"})
	assert.ErrorIs(t, err, context.Canceled)

	long := bytes.Repeat([]byte("cancer "), m.Config().MaxLen+5)
	strict := openFixture(t, "span-deberta", WithLongTexts(RefuseLongTexts))
	_, err = strict.Extract(ctx, string(long), []string{"disease"})
	assert.ErrorIs(t, err, ErrTextTooLong)
	_, err = m.Extract(ctx, string(long), []string{"disease"})
	assert.NoError(t, err, "truncated with a warning by default")

	require.NoError(t, m.Close())
	require.NoError(t, m.Close(), "Close is idempotent")
	_, err = m.Extract(ctx, "Breast cancer", []string{"disease"})
	assert.True(t, errors.Is(err, ErrClosed))
}
