package gliner

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gliner-go/gliner/internal/hub"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// variantDir makes a folder holding empty files at the given paths.
func variantDir(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, nil, 0o644))
	}
	return dir
}

// TestVariantFiles checks which graph each variant name picks, at the top
// of the folder or under onnx/ (the top level first).
func TestVariantFiles(t *testing.T) {
	dir := variantDir(t, "onnx/model.onnx", "onnx/model_int8.onnx", "model_q4.onnx", "onnx/model_q4.onnx",
		"onnx/model_uint8.onnx", "onnx/model_quantized.onnx", "onnx/model_q4f16.onnx", "onnx/model_bnb4.onnx",
		"model_fp16.onnx")
	for _, tc := range []struct{ variant, want string }{
		{"", "onnx/model.onnx"},
		{"fp32", "onnx/model.onnx"},
		{"fp16", "model_fp16.onnx"},
		{"int8", "onnx/model_int8.onnx"},
		{"uint8", "onnx/model_uint8.onnx"},
		{"quantized", "onnx/model_quantized.onnx"},
		{"q4", "model_q4.onnx"},
		{"q4f16", "onnx/model_q4f16.onnx"},
		{"bnb4", "onnx/model_bnb4.onnx"},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			got, err := findONNX(dir, openConfig{variant: tc.variant})
			require.NoError(t, err)
			assert.Equal(t, filepath.Join(dir, filepath.FromSlash(tc.want)), got)
		})
	}
	got, err := findONNX(dir, openConfig{variant: "q4", onnxFile: "onnx/model_int8.onnx"})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "onnx", "model_int8.onnx"), got, "WithONNXFile wins over the variant")
}

// TestVariantMissing: a folder without the variant names the variants it
// has; an unknown name lists the valid ones.
func TestVariantMissing(t *testing.T) {
	dir := variantDir(t, "model.onnx", "onnx/model_q4.onnx", "onnx/model_int8.onnx", "onnx/model_fp16.onnx.data")
	_, err := findONNX(dir, openConfig{variant: "fp16"})
	var ve *VariantError
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, ErrMissingFile)
	assert.Equal(t, []string{"fp32", "int8", "q4"}, ve.Have)
	assert.Contains(t, err.Error(), "model_fp16.onnx or onnx/model_fp16.onnx")
	assert.Contains(t, err.Error(), "the folder has the variants fp32, int8, q4")

	_, err = findONNX(variantDir(t, "gliner_config.json"), openConfig{})
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, ErrMissingFile)
	assert.Empty(t, ve.Have)
	assert.Contains(t, err.Error(), "the folder has no ONNX graph")

	for _, bad := range []string{"fp8", "FP16", "int4", "model_q4"} {
		_, err = findONNX(dir, openConfig{variant: bad})
		require.ErrorAs(t, err, &ve, bad)
		assert.ErrorIs(t, err, ErrUnknownVariant)
		assert.False(t, errors.Is(err, ErrMissingFile))
		assert.Contains(t, err.Error(), "fp32, fp16, int8, uint8, quantized, q4, q4f16, bnb4")
	}
}

// TestVariantNamesAgree: the hub client (pull, hf: models) accepts the
// same names as WithVariant, and nothing else.
func TestVariantNamesAgree(t *testing.T) {
	names := Variants()
	require.Len(t, names, 8)
	for _, name := range names {
		v, err := hub.ParseVariant(name)
		require.NoError(t, err, name)
		assert.Equal(t, name, v.String())
	}
	_, err := hub.ParseVariant("fp8")
	assert.ErrorIs(t, err, hub.ErrBadVariant)
	assert.True(t, strings.Contains(err.Error(), strings.Join(names, ", ")), err.Error())
	names[0] = "changed"
	assert.Equal(t, "fp32", Variants()[0], "Variants returns a copy")
}
