package gliner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/span"
	"github.com/gliner-go/gliner/tokenize"
)

// Model is a loaded model folder. It is safe for concurrent use.
type Model struct {
	dir       string
	cfg       Config
	kind      Kind
	tok       tokenize.Tokenizer
	padID     int64
	maxTokens int // sub-token limit (0 = none)
	sess      *encoder.Session
	layout    span.TokenLayout
	logger    *slog.Logger
	batchSize int
	longTexts LongTextPolicy

	bi       *biEncoder // set for bi-encoder models
	bio      *bioModel  // set for fixed-schema token classifiers
	decoders sync.Pool  // *span.Decoder
	closed   atomic.Bool
	closeMu  sync.Mutex
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Kind returns the model's kind.
func (m *Model) Kind() Kind { return m.kind }

// Labels returns the fixed label set of a fixed-schema (BIO) model, or nil for
// zero-shot models, which take any labels.
func (m *Model) Labels() []string {
	if m.bio != nil {
		return m.bio.labels()
	}
	return nil
}

// Open loads a model folder as published: gliner_config.json, a tokenizer
// (tokenizer.json, or spm.model with added_tokens.json) and the ONNX graph
// (model.onnx or onnx/model.onnx; see [WithONNXFile] and [WithVariant]).
//
// Errors wrap [ErrMissingFile], [ErrBadConfig], [ErrUnsupported] or
// [ErrMismatch] (in a *[ModelError] or *[ConfigError]), or are the encoder
// package's errors for the ONNX Runtime library and the graph.
func Open(dir string, opts ...Option) (*Model, error) {
	c := openConfig{batchSize: 8}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.batchSize < 1 {
		return nil, fmt.Errorf("gliner: batch size %d: %w", c.batchSize, ErrBadConfig)
	}
	cfgPath := filepath.Join(dir, "gliner_config.json")
	f, err := os.Open(cfgPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, err := os.Stat(filepath.Join(dir, "config.json")); err == nil {
				return openBIO(dir, c) // a fixed-schema token classifier
			}
			return nil, &ModelError{Dir: dir, File: "gliner_config.json", Err: fmt.Errorf("%w: neither gliner_config.json (GLiNER) nor config.json (token classifier)", ErrMissingFile)}
		}
		return nil, &ModelError{Dir: dir, File: "gliner_config.json", Err: err}
	}
	cfg, err := ParseConfig(f)
	f.Close()
	if err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			ce.Path = cfgPath
		}
		return nil, err
	}
	m := &Model{dir: dir, cfg: cfg, kind: cfg.Kind(), logger: c.logger, batchSize: c.batchSize, longTexts: c.longTexts}
	m.decoders.New = func() any { return new(span.Decoder) }
	if m.kind == KindBiSpan || m.kind == KindBiToken {
		if err := m.openBi(c); err != nil {
			return nil, err
		}
		return m, nil
	}
	if err := m.loadTokenizer(); err != nil {
		return nil, err
	}
	onnxPath, err := findONNX(dir, c)
	if err != nil {
		return nil, err
	}
	eopts := append([]encoder.Option{encoder.WithContract(contractFor(m.kind))}, c.encoderOpt...)
	m.sess, err = encoder.Open(onnxPath, eopts...)
	if err != nil {
		return nil, err
	}
	if err := m.probe(); err != nil {
		m.sess.Close()
		return nil, err
	}
	return m, nil
}

// loadTokenizer loads the folder's tokenizer and checks the prompt tokens
// against the config (spec §2.4: class_token_index is baked into the graph).
func (m *Model) loadTokenizer() error {
	tok, err := tokenize.Load(m.dir)
	if err != nil {
		return &ModelError{Dir: m.dir, File: "tokenizer", Err: err}
	}
	m.tok = tok
	m.padID = int64(tok.PadID())
	ent, ok := tok.TokenID(m.cfg.EntToken)
	if !ok {
		return &ModelError{Dir: m.dir, File: "tokenizer", Err: fmt.Errorf("%w: the tokenizer has no token %q (ent_token)", ErrMismatch, m.cfg.EntToken)}
	}
	if _, ok := tok.TokenID(m.cfg.SepToken); !ok {
		return &ModelError{Dir: m.dir, File: "tokenizer", Err: fmt.Errorf("%w: the tokenizer has no token %q (sep_token)", ErrMismatch, m.cfg.SepToken)}
	}
	if m.cfg.ClassTokenIndex >= 0 && ent != m.cfg.ClassTokenIndex {
		return &ModelError{Dir: m.dir, File: "gliner_config.json", Err: fmt.Errorf("%w: class_token_index is %d but the tokenizer's %q is %d", ErrMismatch, m.cfg.ClassTokenIndex, m.cfg.EntToken, ent)}
	}
	m.maxTokens = modelMaxLength(m.dir)
	return nil
}

// Close releases the model's resources. It is idempotent; calls of Extract
// after Close return [ErrClosed].
func (m *Model) Close() error {
	m.closeMu.Lock()
	defer m.closeMu.Unlock()
	if m.closed.Swap(true) {
		return nil
	}
	var errs []error
	if m.sess != nil {
		errs = append(errs, m.sess.Close())
	}
	if m.bi != nil {
		errs = append(errs, m.bi.close())
	}
	if m.bio != nil {
		errs = append(errs, m.bio.close())
	}
	return errors.Join(errs...)
}

// Extract finds the entities of the given labels in text, sorted by start.
// An empty (or all-whitespace) text or an empty label list gives no entities
// and no error.
func (m *Model) Extract(ctx context.Context, text string, labels []string, opts ...ExtractOption) ([]Entity, error) {
	res, err := m.ExtractBatch(ctx, []string{text}, labels, opts...)
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// ExtractBatch is Extract over several texts with the same labels; result i
// belongs to texts[i]. Texts are sent to the model in batches (see
// [WithBatchSize]); batching does not change the entities.
func (m *Model) ExtractBatch(ctx context.Context, texts []string, labels []string, opts ...ExtractOption) ([][]Entity, error) {
	if m.closed.Load() {
		return nil, ErrClosed
	}
	out := make([][]Entity, len(texts))
	for i := range out {
		out[i] = []Entity{}
	}
	ec := newExtractConfig(opts)
	if ec.labelSet != nil && len(labels) == 0 {
		labels = ec.labelSet.labels
	}
	labels, err := m.checkLabels(labels)
	if err != nil || len(labels) == 0 {
		return out, err
	}
	dopts := span.Options{Thresholds: thresholds(labels, ec), Nested: ec.nested, MultiLabel: ec.multiLabel}
	var valid []int // indices of non-blank texts, the reference drops the others
	for i, t := range texts {
		if !tokenize.IsBlank(t) {
			valid = append(valid, i)
		}
	}
	prompt := m.promptWords(labels)
	run := batchRunner(m.runBatch)
	switch {
	case m.bi != nil && len(valid) > 0:
		// label embeddings: once per call, from the cache or the label graph
		if run, err = m.biRunner(ctx, labels, ec); err != nil {
			return nil, err
		}
	case m.bio != nil:
		run = m.runBIOBatch
	}
	for lo := 0; lo < len(valid); lo += m.batchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		idx := valid[lo:min(lo+m.batchSize, len(valid))]
		if err := run(ctx, texts, idx, labels, prompt, dopts, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkLabels removes repeated labels, keeping the first occurrence as the
// reference does, and rejects empty labels (they would shift the prompt) and
// labels holding a prompt token (they would add a class).
func (m *Model) checkLabels(labels []string) ([]string, error) {
	if m.bio != nil {
		return m.bio.checkLabels(labels) // fixed schema, no prompt (bio.go)
	}
	seen := make(map[string]bool, len(labels))
	out := make([]string, 0, len(labels))
	for _, l := range labels {
		if tokenize.IsBlank(l) {
			return nil, fmt.Errorf("%w: empty label", ErrLabel)
		}
		if strings.Contains(l, m.cfg.EntToken) || strings.Contains(l, m.cfg.SepToken) {
			return nil, fmt.Errorf("%w: label %q contains a prompt token", ErrLabel, l)
		}
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out, nil
}

func thresholds(labels []string, ec extractConfig) []float64 {
	th := span.SetThresholds(make([]float64, len(labels)), ec.threshold)
	for i, l := range labels {
		if t, ok := ec.perLabel[l]; ok {
			th[i] = t
		}
	}
	return th
}
