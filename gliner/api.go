package gliner

import (
	"context"
	"errors"
)

// Entity is one typed span found in a text.
//
// Start and End are byte offsets into the text, half-open; RuneStart and
// RuneEnd are the same span in Unicode code points, the offsets the Python
// reference reports.
type Entity struct {
	Label     string  `json:"label"`
	Score     float64 `json:"score"`
	Text      string  `json:"text"`
	Start     int     `json:"start"`
	End       int     `json:"end"`
	RuneStart int     `json:"rune_start"`
	RuneEnd   int     `json:"rune_end"`
}

// ErrNotImplemented is a placeholder while the pipeline is being assembled.
var ErrNotImplemented = errors.New("gliner: not implemented")

// Model is a loaded model. It is safe for concurrent use.
type Model struct {
	closed bool
}

// Option configures [Open].
type Option func(*openConfig)

type openConfig struct{}

// ExtractOption configures one call of [Model.Extract] or [Model.ExtractBatch].
type ExtractOption func(*extractConfig)

type extractConfig struct {
	threshold  float64
	perLabel   map[string]float64
	nested     bool
	multiLabel bool
}

// WithThreshold sets the score above which a span is kept (default 0.5).
func WithThreshold(t float64) ExtractOption { return func(c *extractConfig) { c.threshold = t } }

// WithLabelThreshold sets the threshold of one label, overriding WithThreshold.
func WithLabelThreshold(label string, t float64) ExtractOption {
	return func(c *extractConfig) {
		if c.perLabel == nil {
			c.perLabel = map[string]float64{}
		}
		c.perLabel[label] = t
	}
}

// WithNested allows nested entities (flat_ner=False in the reference).
func WithNested() ExtractOption { return func(c *extractConfig) { c.nested = true } }

// WithMultiLabel allows several labels on the same span.
func WithMultiLabel() ExtractOption { return func(c *extractConfig) { c.multiLabel = true } }

// Open loads a model folder.
func Open(dir string, opts ...Option) (*Model, error) { return nil, ErrNotImplemented }

// OpenDefault loads the built-in model.
func OpenDefault(opts ...Option) (*Model, error) { return nil, ErrNotImplemented }

// Extract finds the entities of the given labels in text.
func (m *Model) Extract(ctx context.Context, text string, labels []string, opts ...ExtractOption) ([]Entity, error) {
	return nil, ErrNotImplemented
}

// ExtractBatch is Extract over several texts; result i belongs to texts[i].
func (m *Model) ExtractBatch(ctx context.Context, texts []string, labels []string, opts ...ExtractOption) ([][]Entity, error) {
	return nil, ErrNotImplemented
}

// Labels returns the fixed label set of a fixed-schema (BIO) model, or nil for
// zero-shot models that take any labels.
func (m *Model) Labels() []string { return nil }

// Close releases the model's resources. It is idempotent.
func (m *Model) Close() error { m.closed = true; return nil }
