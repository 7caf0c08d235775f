package gliner

import (
	"context"
	"fmt"

	"github.com/gliner-go/gliner/span"
)

// biEncoder holds what a bi-encoder model needs beyond a uni-encoder one.
type biEncoder struct{}

func (b *biEncoder) close() error { return nil }

// openBi loads a bi-encoder model folder.
func (m *Model) openBi(c openConfig) error {
	return &ConfigError{Field: "labels_encoder", Err: fmt.Errorf("%w: %s models are not supported yet", ErrUnsupported, m.kind)}
}

// runBiBatch is runBatch for bi-encoder models.
func (m *Model) runBiBatch(ctx context.Context, texts []string, idx []int, labels, prompt []string, opts span.Options, out [][]Entity) error {
	return ErrUnsupported
}
