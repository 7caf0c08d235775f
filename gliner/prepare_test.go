package gliner

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWordsMask(t *testing.T) {
	tests := []struct {
		name      string
		wordIDs   []int
		promptLen int
		want      []int64
	}{
		{
			// gline-rs test2 (docs/reference.md §2.4): labels "movie character", "vehicle";
			// text "My name is James Bond".
			name:      "prompt and text",
			wordIDs:   []int{-1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1},
			promptLen: 5,
			want:      []int64{0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 0},
		},
		{
			name:      "continuation sub-tokens are zero",
			wordIDs:   []int{-1, 0, 1, 2, 2, 2, 3, -1},
			promptLen: 1,
			want:      []int64{0, 0, 1, 2, 0, 0, 3, 0},
		},
		{
			// A word with no sub-tokens (word 2) shifts the later words, as
			// gliner 0.2.23+ counts distinct word ids (docs/reference.md §2.5).
			name:      "dropped word shifts",
			wordIDs:   []int{-1, 0, 1, 3, 4, -1},
			promptLen: 1,
			want:      []int64{0, 0, 1, 2, 3, 0},
		},
		{name: "empty", wordIDs: nil, promptLen: 3, want: []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, wordsMask(tt.wordIDs, tt.promptLen))
		})
	}
}

func TestParseConfig(t *testing.T) {
	t.Run("defaults and nulls", func(t *testing.T) {
		cfg, err := ParseConfig(strings.NewReader(`{"max_width": 8, "labels_encoder": null, "max_len": null}`))
		require.NoError(t, err)
		assert.Equal(t, 8, cfg.MaxWidth)
		assert.Equal(t, 384, cfg.MaxLen)
		assert.Equal(t, "<<ENT>>", cfg.EntToken)
		assert.Equal(t, KindSpan, cfg.Kind())
	})
	kinds := []struct {
		json string
		want Kind
	}{
		{`{"span_mode": "token_level"}`, KindToken},
		{`{"labels_encoder": "BAAI/bge-small-en-v1.5"}`, KindBiSpan},
		{`{"labels_encoder": "x", "span_mode": "token_level"}`, KindBiToken},
	}
	for _, k := range kinds {
		cfg, err := ParseConfig(strings.NewReader(k.json))
		require.NoError(t, err, k.json)
		assert.Equal(t, k.want, cfg.Kind(), k.json)
	}
	bad := []struct {
		name, json string
		want       error
		field      string
	}{
		{"relations", `{"relations_layer": "biaffine"}`, ErrUnsupported, "relations_layer"},
		{"decoder", `{"labels_decoder": "gpt2"}`, ErrUnsupported, "labels_decoder"},
		{"splitter", `{"words_splitter_type": "polyglot"}`, ErrUnsupported, "words_splitter_type"},
		{"compressed prompts", `{"precomputed_prompts_mode": true}`, ErrUnsupported, "precomputed_prompts_mode"},
		{"max_width", `{"max_width": 0}`, ErrBadConfig, "max_width"},
		{"syntax", `{"max_width": `, ErrBadConfig, ""},
		{"type", `{"max_width": "twelve"}`, ErrBadConfig, ""},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(tt.json))
			require.ErrorIs(t, err, tt.want)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.field, ce.Field)
		})
	}
}
