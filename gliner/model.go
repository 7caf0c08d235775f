package gliner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
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
	logger    *slog.Logger
	batchSize int
	longTexts LongTextPolicy
	overlap   int    // words shared by consecutive windows (chunk.go)
	tokenCap  int    // sub-word limit when the tokenizer states none
	fam       family // what runs the model's batches (family.go)

	// The text side of GLiNER families (prepare.go, run.go) and the graph
	// of the one-graph families (uni-encoder and BIO), owned by the Model.
	tok       tokenize.Tokenizer
	split     tokenize.SplitFunc
	padID     int64
	maxTokens int // sub-token limit (0 = none)
	specials  int // special tokens around an encoded sequence
	sess      *encoder.Session
	factor    *factorScorer    // the factorised span kernel, when used (factor.go)
	stats     runStats         // stats.go
	layout    span.TokenLayout // of token-level models, found by probe (uni.go)
	decoders  sync.Pool        // *span.Decoder

	// Typed views of fam for the family-specific API (PrecomputeLabels)
	// and the package's tests; at most one is set.
	bi  *biEncoder
	bio *bioModel

	closed  atomic.Bool
	closeMu sync.Mutex
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Kind returns the model's kind.
func (m *Model) Kind() Kind { return m.kind }

// Labels returns the fixed label set of a fixed-schema (BIO) model, or nil for
// zero-shot models, which take any labels. Extract with no labels looks for
// all the types of a fixed-schema model.
func (m *Model) Labels() []string { return m.fam.schema() }

// Open loads a model folder as published: gliner_config.json, a tokenizer
// (tokenizer.json, or spm.model with added_tokens.json) and the ONNX graph
// (model.onnx or onnx/model.onnx; see [WithONNXFile] and [WithVariant]).
//
// Errors wrap [ErrMissingFile], [ErrBadConfig], [ErrUnsupported],
// [ErrMismatch] or [ErrUnsafeFile] (in a *[ModelError] or *[ConfigError]),
// or are the tokenize package's errors for the tokenizer files and the
// encoder package's for the ONNX Runtime library and the graph.
//
// The folder is untrusted input. Before reading any file, Open refuses
// symbolic links that lead out of it and anything but regular files and
// folders ([ErrUnsafeFile]; see [WithOutsideLinks]); it then bounds what it
// reads ([MaxConfigBytes], [MaxSpanWidth], [MaxHiddenSize], and the
// tokenize package's [tokenize.ErrLimit] limits).
func Open(dir string, opts ...Option) (*Model, error) {
	c := openConfig{batchSize: DefaultBatchSize}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.batchSize < 1 {
		return nil, fmt.Errorf("%w: batch size %d", ErrBadConfig, c.batchSize)
	}
	m := &Model{dir: dir, logger: c.logger, batchSize: c.batchSize, longTexts: c.longTexts}
	m.decoders.New = func() any { return new(span.Decoder) }
	if err := checkFolder(dir, c.outsideLinks); err != nil {
		return nil, err
	}
	if err := m.readConfig(); err != nil {
		return nil, err
	}
	if err := m.setLimits(c); err != nil {
		return nil, err
	}
	fam, err := families[m.kind](m, c)
	if err != nil {
		return nil, err
	}
	m.fam = fam
	return m, nil
}

// readConfig reads gliner_config.json, or finds the config.json of a
// fixed-schema token classifier, and sets the model's kind; GLiNER models
// also get their word splitter.
func (m *Model) readConfig() error {
	cfgPath := filepath.Join(m.dir, "gliner_config.json")
	f, err := os.Open(cfgPath)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(filepath.Join(m.dir, bioConfigFile)); err == nil {
			m.kind = KindBIO // a fixed-schema token classifier
			return nil
		}
		return &ModelError{Dir: m.dir, File: "gliner_config.json", Err: fmt.Errorf("%w: neither gliner_config.json (GLiNER) nor config.json (token classifier)", ErrMissingFile)}
	}
	if err != nil {
		return &ModelError{Dir: m.dir, File: "gliner_config.json", Err: err}
	}
	cfg, err := ParseConfig(f)
	f.Close()
	if err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			ce.Path = cfgPath
		}
		return err
	}
	m.cfg, m.kind = cfg, cfg.Kind()
	m.split, err = splitterOf(cfg)
	return err
}

// loadTokenizer loads the folder's text tokenizer and its sub-token limit.
func (m *Model) loadTokenizer() error {
	tok, err := tokenize.Load(m.dir)
	if err != nil {
		return &ModelError{Dir: m.dir, File: "tokenizer", Err: err}
	}
	m.tok, m.padID, m.maxTokens = tok, int64(tok.PadID()), modelMaxLength(m.dir)
	m.specials = len(tok.EncodeWords(nil, true).IDs)
	return m.checkIDs()
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
	if m.factor != nil {
		errs = append(errs, m.factor.sess.Close())
	}
	return errors.Join(append(errs, m.fam.close())...)
}

// Extract finds the entities of the given labels in text, sorted by start.
// An empty (or all-whitespace) text gives no entities and no error, and so
// does an empty label list, except for fixed-schema models ([Model.Labels]),
// which then look for all their types.
func (m *Model) Extract(ctx context.Context, text string, labels []string, opts ...ExtractOption) ([]Entity, error) {
	res, err := m.ExtractBatch(ctx, []string{text}, labels, opts...)
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// ExtractBatch is Extract over several texts with the same labels; result i
// belongs to texts[i]. Texts are sent to the model in batches (see
// [WithBatchSize]) of texts of similar length, shortest first, so that
// little of a batch is padding; batching does not change the entities. Each model call
// is logged at level Debug as "gliner: model call" with the family's name
// and the number of texts in the call (for models that cut long texts into
// windows, each window counts). [Model.ExtractResults] returns the same
// entities with each text's metadata.
func (m *Model) ExtractBatch(ctx context.Context, texts []string, labels []string, opts ...ExtractOption) ([][]Entity, error) {
	res, err := m.ExtractResults(ctx, texts, labels, opts...)
	if err != nil {
		return nil, err
	}
	out := make([][]Entity, len(res))
	for i := range res {
		out[i] = res[i].Entities
	}
	return out, nil
}

// runCall runs the batches of a call.
func (m *Model) runCall(ctx context.Context, c *call) error {
	run, items, err := m.fam.start(ctx, c)
	if err != nil {
		return err
	}
	items = byLength(items, c.texts)
	for lo, hi := 0, 0; lo < len(items); lo = hi {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi = batchEnd(items, lo, m.batchSize)
		b := c.batchOf(items[lo:hi])
		m.logger.Debug("gliner: model call", "family", m.fam.name(), "texts", len(b.items))
		if err := run.runBatch(ctx, b); err != nil {
			return err
		}
		m.finish(b)
	}
	return nil
}

// newCall checks the labels and options of an ExtractBatch call and
// collects its non-blank texts. Fixed-schema models take all their types
// when labels is empty.
func (m *Model) newCall(texts, labels []string, opts []ExtractOption) (*call, error) {
	c := &call{texts: texts, out: make([][]Entity, len(texts)), info: make([]Result, len(texts)), ec: newExtractConfig(opts)}
	for i := range c.out {
		c.out[i] = []Entity{}
	}
	c.policy = m.longTexts
	if c.ec.policySet {
		c.policy = c.ec.longTexts
	}
	if c.ec.labelSet != nil && len(labels) == 0 {
		labels = c.ec.labelSet.labels
	}
	if len(labels) == 0 {
		labels = m.fam.schema()
	}
	var err error
	if c.labels, err = m.checkLabels(labels); err != nil {
		return c, err
	}
	if err := c.ec.validate(c.labels, c.policy); err != nil {
		return c, err
	}
	c.opts = span.Options{Thresholds: thresholds(c.labels, c.ec), Nested: c.ec.nested, MultiLabel: c.ec.multiLabel}
	for i, t := range texts {
		if !tokenize.IsBlank(t) {
			c.valid = append(c.valid, i) // the reference drops the others
		}
	}
	return c, nil
}

// checkLabels validates and de-duplicates labels as the model's family does.
func (m *Model) checkLabels(labels []string) ([]string, error) { return m.fam.checkLabels(labels) }

func thresholds(labels []string, ec extractConfig) []float64 {
	th := span.SetThresholds(make([]float64, len(labels)), ec.threshold)
	for i, l := range labels {
		if t, ok := ec.perLabel[l]; ok {
			th[i] = t
		}
	}
	return th
}
