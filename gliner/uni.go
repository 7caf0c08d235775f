package gliner

import (
	"context"
	"fmt"
	"strings"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/span"
	"github.com/gliner-go/gliner/tokenize"
)

// scorer is the step of the uni-encoder family that turns a batch of
// encoded texts into logits: [B, W, K, C] for span models, [B, W, C, 3] or
// [3, B, W, C] (Model.layout) for token models. graphScorer reads them from
// the graph's own head; another kernel (for example one computing the span
// logits in Go from intermediate outputs of the graph) is another scorer.
type scorer func(ctx context.Context, encs []encodedText, numLabels int) (encoder.Tensor, error)

// uniModel is the uni-encoder GLiNER family: one graph takes the prompt
// "<<ENT>> label ... <<SEP>>" and the text, and gives span or token logits.
type uniModel struct {
	m     *Model
	token bool // token-level model (span_mode token_level)
	score scorer
}

var _ family = (*uniModel)(nil)

// openUni loads the tokenizer and the graph of a uni-encoder model and runs
// the graph once (probe).
func openUni(m *Model, c openConfig) (family, error) {
	u := &uniModel{m: m, token: m.cfg.tokenLevel()}
	u.score = graphScorer(m)
	if err := u.loadTokenizer(); err != nil {
		return nil, err
	}
	onnxPath, err := findONNX(m.dir, c)
	if err != nil {
		return nil, err
	}
	eopts := append([]encoder.Option{encoder.WithContract(textContract(!u.token))}, c.encoderOpt...)
	if m.sess, err = encoder.Open(onnxPath, eopts...); err != nil {
		return nil, err
	}
	if err := u.probe(); err != nil {
		m.sess.Close()
		m.sess = nil
		return nil, err
	}
	if err := u.useFactorised(c, onnxPath, eopts); err != nil {
		m.sess.Close()
		m.sess = nil
		return nil, err
	}
	return u, nil
}

// graphScorer returns the scorer that runs the model's graph.
func graphScorer(m *Model) scorer {
	return func(ctx context.Context, encs []encodedText, _ int) (encoder.Tensor, error) { return m.run(ctx, encs) }
}

// loadTokenizer loads the folder's tokenizer and checks the prompt tokens
// against the config (docs/reference.md §2.4: class_token_index is baked
// into the graph).
func (u *uniModel) loadTokenizer() error {
	m := u.m
	if err := m.loadTokenizer(); err != nil {
		return err
	}
	ent, ok := m.tok.TokenID(m.cfg.EntToken)
	if !ok {
		return &ModelError{Dir: m.dir, File: "tokenizer", Err: fmt.Errorf("%w: the tokenizer has no token %q (ent_token)", ErrMismatch, m.cfg.EntToken)}
	}
	if _, ok := m.tok.TokenID(m.cfg.SepToken); !ok {
		return &ModelError{Dir: m.dir, File: "tokenizer", Err: fmt.Errorf("%w: the tokenizer has no token %q (sep_token)", ErrMismatch, m.cfg.SepToken)}
	}
	if m.cfg.ClassTokenIndex >= 0 && ent != m.cfg.ClassTokenIndex {
		return &ModelError{Dir: m.dir, File: "gliner_config.json", Err: fmt.Errorf("%w: class_token_index is %d but the tokenizer's %q is %d", ErrMismatch, m.cfg.ClassTokenIndex, m.cfg.EntToken, ent)}
	}
	return nil
}

func (u *uniModel) name() string     { return "uni-encoder" }
func (u *uniModel) schema() []string { return nil }
func (u *uniModel) close() error     { return nil } // the Model owns the graph

func (u *uniModel) checkLabels(labels []string) ([]string, error) {
	return checkPromptLabels(u.m.cfg, labels)
}

// checkPromptLabels removes repeated labels, keeping the first occurrence as
// the reference does, and rejects empty labels (they would shift the prompt)
// and labels holding a prompt token (they would add a class).
func checkPromptLabels(cfg Config, labels []string) ([]string, error) {
	seen := make(map[string]bool, len(labels))
	out := make([]string, 0, len(labels))
	for _, l := range labels {
		if tokenize.IsBlank(l) {
			return nil, fmt.Errorf("%w: empty label", ErrLabel)
		}
		if strings.Contains(l, cfg.EntToken) || strings.Contains(l, cfg.SepToken) {
			return nil, fmt.Errorf("%w: label %q contains a prompt token", ErrLabel, l)
		}
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out, nil
}

// uniCall is one call of a uni-encoder model: the prompt of its labels.
type uniCall struct {
	*uniModel
	prompt []string
}

func (u *uniModel) start(_ context.Context, c *call) (runner, []item, error) {
	items, err := u.m.planItems(c, true)
	return &uniCall{uniModel: u, prompt: promptWords(u.m.cfg, c.labels)}, items, err
}

// runBatch encodes the batch's texts with the prompt of its labels (the
// call's, or one label group's), scores them and decodes their entities.
func (u *uniCall) runBatch(ctx context.Context, b batch) error {
	prompt := u.prompt
	if len(b.labels) != len(b.call.labels) {
		prompt = promptWords(u.m.cfg, b.labels)
	}
	encs, err := u.m.encodeItems(b, prompt)
	if err != nil {
		return err
	}
	logits, err := u.score(ctx, encs, len(b.labels))
	if err != nil {
		return err
	}
	return u.decode(logits, b, encs)
}

// decode decodes the logits of a batch into the entities of its texts
// (docs/reference.md §5).
func (u *uniModel) decode(logits encoder.Tensor, b batch, encs []encodedText) error {
	lengths := wordCounts(encs)
	C := len(b.labels)
	if err := u.checkLogits(logits.Shape, len(b.items), span.MaxLen(lengths), C); err != nil {
		return err
	}
	d := u.m.decoders.Get().(*span.Decoder)
	defer u.m.decoders.Put(d)
	var spans [][]span.Span
	if u.token {
		maskTokenBatch(logits.Float32, u.m.layout, b, encs, C)
		spans = d.DecodeTokensBatch(nil, logits.Float32, u.m.layout, lengths, C, b.opts)
	} else {
		maskSpanBatch(logits.Float32, b, encs, u.m.cfg.MaxWidth, C)
		spans = d.DecodeSpansBatch(nil, logits.Float32, lengths, u.m.cfg.MaxWidth, C, b.opts)
	}
	for j, it := range b.items {
		b.emit(it, encs[j], spans[j])
	}
	return nil
}

// checkLogits verifies the logits shape of a batch of B texts with W word
// positions and C labels.
func (u *uniModel) checkLogits(sh []int64, B, W, C int) error {
	var want []int64
	switch {
	case !u.token:
		want = []int64{int64(B), int64(W), int64(u.m.cfg.MaxWidth), int64(C)}
	case u.m.layout == span.LayoutPositionLast:
		want = []int64{int64(B), int64(W), int64(C), 3}
	default:
		want = []int64{3, int64(B), int64(W), int64(C)}
	}
	if !equalShape(sh, want...) {
		return fmt.Errorf("%w: logits shape %v, want %v (does a label contain the prompt tokens %q or %q?)", ErrMismatch, sh, want, u.m.cfg.EntToken, u.m.cfg.SepToken)
	}
	return nil
}

// probe runs the graph once on a tiny input to check that its max_width
// agrees with the config and, for token models, to detect the output layout
// (docs/reference.md §4.3: shape alone is ambiguous, so B=1, W=3, C=2 is
// used).
func (u *uniModel) probe() error {
	m := u.m
	labels := []string{"x", "y"}
	et := m.encodeText("a b c", promptWords(m.cfg, labels))
	logits, err := u.score(context.Background(), []encodedText{et}, len(labels))
	if err != nil {
		return &ModelError{Dir: m.dir, Err: fmt.Errorf("%w: test run failed (does max_width %d match the graph?): %v", ErrMismatch, m.cfg.MaxWidth, err)}
	}
	sh := logits.Shape
	switch {
	case !u.token:
		if !equalShape(sh, 1, 3, int64(m.cfg.MaxWidth), 2) {
			return &ModelError{Dir: m.dir, Err: fmt.Errorf("%w: logits of a 3-word text with 2 labels have shape %v, want [1 3 %d 2]; the graph's max_width differs from gliner_config.json's %d", ErrMismatch, sh, m.cfg.MaxWidth, m.cfg.MaxWidth)}
		}
	case equalShape(sh, 1, 3, 2, 3):
		m.layout = span.LayoutPositionLast
	case equalShape(sh, 3, 1, 3, 2):
		m.layout = span.LayoutPositionFirst
	default:
		return &ModelError{Dir: m.dir, Err: fmt.Errorf("%w: token-level logits of a 3-word text with 2 labels have shape %v, want [1 3 2 3] or [3 1 3 2]", ErrMismatch, sh)}
	}
	return nil
}

// textContract returns the published ONNX contract of a uni-encoder GLiNER
// graph, with the span candidate inputs of span models (docs/reference.md
// §4.2, §4.3); bi-encoder text graphs extend it.
func textContract(spans bool) encoder.Contract {
	i64 := func(name string, rank int) encoder.TensorSpec {
		return encoder.TensorSpec{Name: name, Type: encoder.Int64, Shape: anyShape(rank)}
	}
	c := encoder.Contract{
		Inputs: []encoder.TensorSpec{
			i64("input_ids", 2), i64("attention_mask", 2), i64("words_mask", 2), i64("text_lengths", 2),
		},
		Outputs: []encoder.TensorSpec{{Name: "logits", Type: encoder.Float32, Shape: anyShape(4)}},
	}
	if spans {
		c.Inputs = append(c.Inputs, i64("span_idx", 3),
			encoder.TensorSpec{Name: "span_mask", Type: encoder.Bool, Shape: anyShape(2)})
	}
	return c
}
