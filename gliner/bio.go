package gliner

import (
	"context"
	"fmt"

	"github.com/gliner-go/gliner/span"
)

// bioModel holds a fixed-schema token-classification model (B-/I-/O tags).
type bioModel struct{}

func (b *bioModel) close() error     { return nil }
func (b *bioModel) labels() []string { return nil }

// openBIO loads a token-classification model folder (config.json with
// id2label, a tokenizer, an ONNX graph with input_ids, attention_mask and
// optionally token_type_ids giving logits [batch, tokens, tags]).
func openBIO(dir string, c openConfig) (*Model, error) {
	return nil, &ModelError{Dir: dir, File: "config.json", Err: fmt.Errorf("%w: token-classification models are not supported yet", ErrUnsupported)}
}

// runBIOBatch is runBatch for token-classification models.
func (m *Model) runBIOBatch(ctx context.Context, texts []string, idx []int, labels, prompt []string, opts span.Options, out [][]Entity) error {
	return ErrUnsupported
}
