package hub

import (
	"fmt"
	"strings"
)

// Variant is which ONNX export of a model to fetch.
type Variant int

// The ONNX variants.
const (
	FP32 Variant = iota
	FP16
	INT8
)

// String returns "fp32", "fp16" or "int8".
func (v Variant) String() string {
	switch v {
	case FP32:
		return "fp32"
	case FP16:
		return "fp16"
	case INT8:
		return "int8"
	}
	return fmt.Sprintf("Variant(%d)", int(v))
}

// ParseVariant parses fp32, fp16 or int8 ("quantized" is accepted for int8).
func ParseVariant(s string) (Variant, error) {
	switch strings.ToLower(s) {
	case "fp32", "":
		return FP32, nil
	case "fp16":
		return FP16, nil
	case "int8", "quantized":
		return INT8, nil
	}
	return 0, fmt.Errorf("%w: %q (want fp32, fp16 or int8)", ErrBadVariant, s)
}

// onnxCandidates lists the file names of a variant in order of preference.
func (v Variant) onnxCandidates() []string {
	switch v {
	case FP16:
		return []string{"onnx/model_fp16.onnx", "model_fp16.onnx"}
	case INT8:
		return []string{"onnx/model_int8.onnx", "onnx/model_quantized.onnx", "model_int8.onnx", "model_quantized.onnx"}
	}
	return []string{"model.onnx", "onnx/model.onnx"}
}

// ConfigFile is the file that makes a folder a GLiNER model.
const ConfigFile = "gliner_config.json"

// tokenizerFiles are fetched when the repository has them.
var tokenizerFiles = []string{
	"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
	"added_tokens.json", "spm.model", "config.json",
}

// SelectFiles picks, from a repository's file names, what a GLiNER model
// folder needs: gliner_config.json, the tokenizer files present, the first
// ONNX file of the variant's candidates (fp32: model.onnx, onnx/model.onnx;
// fp16: onnx/model_fp16.onnx, model_fp16.onnx; int8: onnx/model_int8.onnx,
// onnx/model_quantized.onnx, then the same at the top level) and its
// external-data file (name + "_data" or ".data") when present.
func SelectFiles(names []string, v Variant) ([]string, error) {
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	if !have[ConfigFile] {
		return nil, ErrNotGLiNER
	}
	files := []string{ConfigFile}
	for _, t := range tokenizerFiles {
		if have[t] {
			files = append(files, t)
		}
	}
	for _, cand := range v.onnxCandidates() {
		if !have[cand] {
			continue
		}
		files = append(files, cand)
		for _, ext := range []string{"_data", ".data"} {
			if have[cand+ext] {
				files = append(files, cand+ext)
			}
		}
		return files, nil
	}
	return nil, fmt.Errorf("%w %s (looked for %s)", ErrNoVariant, v, strings.Join(v.onnxCandidates(), ", "))
}
