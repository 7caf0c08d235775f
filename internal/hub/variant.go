package hub

import (
	"fmt"
	"strings"
)

// Variant is which ONNX export of a model to fetch.
type Variant int

// The ONNX variants of published GLiNER folders: model.onnx (FP32) and
// model_<name>.onnx for the others.
const (
	FP32 Variant = iota
	FP16
	INT8
	UINT8
	Quantized
	Q4
	Q4F16
	BNB4
)

var variantNames = [...]string{
	FP32: "fp32", FP16: "fp16", INT8: "int8", UINT8: "uint8",
	Quantized: "quantized", Q4: "q4", Q4F16: "q4f16", BNB4: "bnb4",
}

// String returns the variant's name: "fp32", "fp16", "int8", "uint8",
// "quantized", "q4", "q4f16" or "bnb4".
func (v Variant) String() string {
	if v >= 0 && int(v) < len(variantNames) {
		return variantNames[v]
	}
	return fmt.Sprintf("Variant(%d)", int(v))
}

// ParseVariant parses a variant name (case-insensitive; "" is fp32).
func ParseVariant(s string) (Variant, error) {
	if s == "" {
		return FP32, nil
	}
	for v, name := range variantNames {
		if strings.EqualFold(s, name) {
			return Variant(v), nil
		}
	}
	return 0, fmt.Errorf("%w: %q (want one of %s)", ErrBadVariant, s, strings.Join(variantNames[:], ", "))
}

// onnxCandidates lists the file names of a variant in order of preference:
// under onnx/ first, as published, then at the top level. int8 falls back
// to model_quantized.onnx, the name older exports gave their 8-bit graph.
func (v Variant) onnxCandidates() []string {
	if v == FP32 {
		return []string{"model.onnx", "onnx/model.onnx"}
	}
	name := "model_" + v.String() + ".onnx"
	cands := []string{"onnx/" + name, name}
	if v == INT8 {
		cands = []string{"onnx/" + name, "onnx/model_quantized.onnx", name, "model_quantized.onnx"}
	}
	return cands
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
// the others: onnx/model_<variant>.onnx, model_<variant>.onnx; int8 also
// takes model_quantized.onnx) and its external-data file (name + "_data" or
// ".data") when present. No other graph is selected.
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
