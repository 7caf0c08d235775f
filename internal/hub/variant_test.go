package hub

import (
	"errors"
	"slices"
	"testing"
)

// TestSelectFilesVariants: each variant selects its own graph (and its
// external data) and no other, under onnx/ first; a repository without the
// variant is ErrNoVariant.
func TestSelectFilesVariants(t *testing.T) {
	repo := []string{"gliner_config.json", "tokenizer.json", "onnx/model.onnx",
		"onnx/model_fp16.onnx", "onnx/model_int8.onnx", "onnx/model_uint8.onnx", "onnx/model_quantized.onnx",
		"onnx/model_q4.onnx", "onnx/model_q4f16.onnx", "onnx/model_q4f16.onnx_data", "model_bnb4.onnx", "README.md"}
	for _, tc := range []struct {
		v    Variant
		want []string
	}{
		{FP32, []string{"onnx/model.onnx"}},
		{FP16, []string{"onnx/model_fp16.onnx"}},
		{INT8, []string{"onnx/model_int8.onnx"}},
		{UINT8, []string{"onnx/model_uint8.onnx"}},
		{Quantized, []string{"onnx/model_quantized.onnx"}},
		{Q4, []string{"onnx/model_q4.onnx"}},
		{Q4F16, []string{"onnx/model_q4f16.onnx", "onnx/model_q4f16.onnx_data"}},
		{BNB4, []string{"model_bnb4.onnx"}},
	} {
		t.Run(tc.v.String(), func(t *testing.T) {
			got, err := SelectFiles(repo, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]string{"gliner_config.json", "tokenizer.json"}, tc.want...)
			if !slices.Equal(got, want) {
				t.Errorf("SelectFiles(%v) = %v, want %v", tc.v, got, want)
			}
			if p, err := ParseVariant(tc.v.String()); err != nil || p != tc.v {
				t.Errorf("ParseVariant(%q) = %v, %v", tc.v, p, err)
			}
		})
	}
	if _, err := SelectFiles([]string{"gliner_config.json", "onnx/model.onnx"}, Q4); !errors.Is(err, ErrNoVariant) {
		t.Errorf("no q4 graph: %v, want ErrNoVariant", err)
	}
	if v, err := ParseVariant("Q4F16"); err != nil || v != Q4F16 {
		t.Errorf("ParseVariant is case-insensitive: %v %v", v, err)
	}
	if _, err := ParseVariant("q8"); !errors.Is(err, ErrBadVariant) {
		t.Errorf("q8: %v", err)
	}
}
