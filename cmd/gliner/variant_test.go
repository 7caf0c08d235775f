package main

import (
	"testing"

	"github.com/gliner-go/gliner/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExtractVariant runs `gliner extract --variant q4 --model DIR` on
// folders holding onnx/model_q4.onnx: with model.onnx beside it the output
// differs from fp32's (other scores) and equals the output of a folder
// whose only graph is the q4 one, so the q4 file is the one used. A
// variant the folder lacks is an error naming the variants present.
func TestExtractVariant(t *testing.T) {
	both := testenv.VariantModel(t, true, map[string]string{"model_q4.onnx": "q4"})
	only := testenv.VariantModel(t, false, map[string]string{"model_q4.onnx": "q4"})
	text := "Mutations in the BRCA1 gene cause hereditary breast and ovarian cancer.\n"
	extract := func(dir, variant string) string {
		t.Helper()
		code, stdout, stderr := extractCLI(text, "--model", dir, "--variant", variant, "--labels", "disease,gene", "--threshold", "0.3")
		if code != exitOK {
			testenv.Missing(t, "the variant fixture does not run: exit %d: %s", code, stderr)
		}
		return stdout
	}
	q4 := extract(both, "q4")
	assert.Contains(t, q4, `"label":"disease"`)
	assert.Equal(t, q4, extract(only, "q4"), "the q4 graph alone gives the same entities")
	assert.NotEqual(t, q4, extract(both, "fp32"), "fp32 and q4 give other scores")

	code, _, stderr := extractCLI(text, "--model", only, "--variant", "fp16", "--labels", "disease")
	require.Equal(t, exitRuntime, code, stderr)
	assert.Contains(t, stderr, "no fp16 graph (model_fp16.onnx or onnx/model_fp16.onnx); the folder has the variants q4")

	code, _, stderr = extractCLI(text, "--model", only, "--variant", "q8", "--labels", "disease")
	assert.NotEqual(t, exitOK, code)
	assert.Contains(t, stderr, `unknown ONNX variant "q8" (valid: fp32, fp16, int8, uint8, quantized, q4, q4f16, bnb4)`)
}
