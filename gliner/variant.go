package gliner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Published GLiNER ONNX folders (onnx-community/gliner_small-v2.1 and the
// like) hold eight graphs of the same model in onnx/: model.onnx (fp32) and
// model_<variant>.onnx for the variants below. They trade accuracy for size
// and speed; see the README's per-variant table.
var variants = []string{"fp32", "fp16", "int8", "uint8", "quantized", "q4", "q4f16", "bnb4"}

// Variants returns the names [WithVariant] accepts, fp32 first: fp32
// (model.onnx), fp16 (float16 weights), int8 and uint8 (dynamic 8-bit
// quantization), quantized (the 8-bit graph of older exports), q4 (4-bit
// blocks, MatMulNBits), q4f16 (q4 in float16) and bnb4 (4-bit NF4,
// MatMulBnb4).
func Variants() []string { return append([]string(nil), variants...) }

// ErrUnknownVariant reports a variant name that is none of [Variants].
var ErrUnknownVariant = errors.New("gliner: unknown ONNX variant")

// VariantError is a variant that cannot be opened: an unknown name (Err is
// [ErrUnknownVariant]) or one whose graph the folder lacks (Err is
// [ErrMissingFile]; Have lists the variants the folder holds).
type VariantError struct {
	Variant string   // the name asked for
	Dir     string   // the model folder ("" for an unknown name)
	Have    []string // the variants found in Dir, in the order of Variants
	Err     error
}

// Error implements error.
func (e *VariantError) Error() string {
	if errors.Is(e.Err, ErrUnknownVariant) {
		return fmt.Sprintf("%v %q (valid: %s)", e.Err, e.Variant, strings.Join(variants, ", "))
	}
	have := "no ONNX graph"
	if len(e.Have) > 0 {
		have = "the variants " + strings.Join(e.Have, ", ")
	}
	cands := variantFiles(e.Variant)
	return fmt.Sprintf("gliner: model %s: %v: no %s graph (%s or %s); the folder has %s",
		e.Dir, e.Err, e.Variant, cands[0], cands[1], have)
}

// Unwrap returns Err.
func (e *VariantError) Unwrap() error { return e.Err }

// variantFiles returns the graph files of a variant, relative to the model
// folder, in the order they are looked for.
func variantFiles(v string) []string {
	name := "model_" + v + ".onnx"
	if v == "" || v == "fp32" {
		name = "model.onnx"
	}
	return []string{name, "onnx/" + name}
}

// checkVariant returns the canonical name of v ("" is fp32), or a
// *VariantError wrapping ErrUnknownVariant.
func checkVariant(v string) (string, error) {
	if v == "" {
		return "fp32", nil
	}
	for _, name := range variants {
		if v == name {
			return v, nil
		}
	}
	return "", &VariantError{Variant: v, Err: ErrUnknownVariant}
}

// findONNX returns the graph file of the folder: the WithONNXFile file, or
// the chosen variant's (model.onnx or onnx/model.onnx for fp32, else
// model_<variant>.onnx or onnx/model_<variant>.onnx).
func findONNX(dir string, c openConfig) (string, error) {
	if c.onnxFile != "" {
		if err := checkLocal(dir, c.onnxFile); err != nil {
			return "", err
		}
		p := filepath.Join(dir, filepath.FromSlash(c.onnxFile))
		if !isRegular(p) {
			return "", &ModelError{Dir: dir, File: c.onnxFile, Err: fmt.Errorf("%w: no ONNX graph (looked for %s)", ErrMissingFile, c.onnxFile)}
		}
		return p, nil
	}
	v, err := checkVariant(c.variant)
	if err != nil {
		return "", err
	}
	if p := variantPath(dir, v); p != "" {
		return p, nil
	}
	return "", &VariantError{Variant: v, Dir: dir, Have: folderVariants(dir), Err: ErrMissingFile}
}

// variantPath returns the first existing graph file of variant v, or "".
func variantPath(dir, v string) string {
	for _, rel := range variantFiles(v) {
		if p := filepath.Join(dir, filepath.FromSlash(rel)); isRegular(p) {
			return p
		}
	}
	return ""
}

// folderVariants lists the variants whose graph is in dir.
func folderVariants(dir string) []string {
	var have []string
	if _, err := os.Stat(dir); err != nil {
		return nil
	}
	for _, v := range variants {
		if variantPath(dir, v) != "" {
			have = append(have, v)
		}
	}
	return have
}
