package gliner

import (
	"context"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/span"
)

// The white-box tests and benchmarks of this package reach the steps of
// Extract through these helpers, which only adapt the families' own code
// (family.go) to the tests' calls.

// biLabelRuns returns how many times the label graph ran (0 for other models).
func (m *Model) biLabelRuns() int64 {
	if m.bi == nil {
		return 0
	}
	return m.bi.labelRuns.Load()
}

// labelVectors returns a bi-encoder model's label rows.
func (m *Model) labelVectors(ctx context.Context, labels []string) ([]float32, error) {
	return m.bi.labelVectors(ctx, labels)
}

// runBIOWindows runs a token classifier's graph on windows of ids.
func (m *Model) runBIOWindows(ctx context.Context, windows [][]int) (encoder.Tensor, error) {
	return m.bio.runWindows(ctx, windows)
}

// testBatch is a batch of the texts texts[idx...] as ExtractBatch forms it.
func testBatch(texts []string, idx []int, labels []string, opts span.Options, out [][]Entity) batch {
	c := &call{texts: texts, valid: idx, labels: labels, opts: opts, out: out, info: make([]Result, len(texts))}
	return c.batchOf(wholeTexts(c))
}

// encodeBatch encodes texts[idx...] without a prompt and returns them with
// their word counts.
func (m *Model) encodeBatch(texts []string, idx []int, prompt []string) ([]encodedText, []int, error) {
	encs, err := m.encodeItems(testBatch(texts, idx, nil, span.Options{}, nil), prompt)
	return encs, wordCounts(encs), err
}

// decodeBatch decodes the logits of a uni-encoder batch into out, as
// Extract does.
func (m *Model) decodeBatch(logits encoder.Tensor, texts []string, idx []int, encs []encodedText, _ []int, labels []string, opts span.Options, out [][]Entity) error {
	return m.fam.(*uniModel).decode(logits, testBatch(texts, idx, labels, opts, out), encs)
}
