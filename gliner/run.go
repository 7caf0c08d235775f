package gliner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/span"
)

// contractFor returns the published ONNX contract of a GLiNER model kind
// (spec §4.2, §4.3).
func contractFor(k Kind) encoder.Contract {
	i64 := func(name string, rank int) encoder.TensorSpec {
		return encoder.TensorSpec{Name: name, Type: encoder.Int64, Shape: anyShape(rank)}
	}
	c := encoder.Contract{
		Inputs: []encoder.TensorSpec{
			i64("input_ids", 2), i64("attention_mask", 2), i64("words_mask", 2), i64("text_lengths", 2),
		},
		Outputs: []encoder.TensorSpec{{Name: "logits", Type: encoder.Float32, Shape: anyShape(4)}},
	}
	if k == KindSpan {
		c.Inputs = append(c.Inputs, i64("span_idx", 3),
			encoder.TensorSpec{Name: "span_mask", Type: encoder.Bool, Shape: anyShape(2)})
	}
	return c
}

func anyShape(rank int) []int64 {
	s := make([]int64, rank)
	for i := range s {
		s[i] = -1
	}
	return s
}

// modelMaxLength reads the sub-token limit from tokenizer_config.json; 0
// means none (DeBERTa-v3 GLiNER tokenizers carry a huge sentinel value).
func modelMaxLength(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "tokenizer_config.json"))
	if err != nil {
		return 0
	}
	var tc struct {
		ModelMaxLength float64 `json:"model_max_length"`
	}
	if json.Unmarshal(b, &tc) != nil || tc.ModelMaxLength <= 0 || tc.ModelMaxLength > 1e7 {
		return 0
	}
	return int(tc.ModelMaxLength)
}

// probe runs the graph once on a tiny input to check that its max_width
// agrees with the config and, for token models, to detect the output layout
// (spec §4.3: shape alone is ambiguous, so B=1, W=3, C=2 is used).
func (m *Model) probe() error {
	labels := []string{"x", "y"}
	et := m.encodeText("a b c", m.promptWords(labels))
	logits, err := m.run(context.Background(), []encodedText{et})
	if err != nil {
		return &ModelError{Dir: m.dir, Err: fmt.Errorf("%w: test run failed (does max_width %d match the graph?): %v", ErrMismatch, m.cfg.MaxWidth, err)}
	}
	sh := logits.Shape
	switch m.kind {
	case KindSpan:
		if !equalShape(sh, 1, 3, int64(m.cfg.MaxWidth), 2) {
			return &ModelError{Dir: m.dir, Err: fmt.Errorf("%w: logits of a 3-word text with 2 labels have shape %v, want [1 3 %d 2]; the graph's max_width differs from gliner_config.json's %d", ErrMismatch, sh, m.cfg.MaxWidth, m.cfg.MaxWidth)}
		}
	case KindToken:
		switch {
		case equalShape(sh, 1, 3, 2, 3):
			m.layout = span.LayoutPositionLast
		case equalShape(sh, 3, 1, 3, 2):
			m.layout = span.LayoutPositionFirst
		default:
			return &ModelError{Dir: m.dir, Err: fmt.Errorf("%w: token-level logits of a 3-word text with 2 labels have shape %v, want [1 3 2 3] or [3 1 3 2]", ErrMismatch, sh)}
		}
	}
	return nil
}

func equalShape(sh []int64, want ...int64) bool {
	if len(sh) != len(want) {
		return false
	}
	for i := range sh {
		if sh[i] != want[i] {
			return false
		}
	}
	return true
}

// inputTensors builds the text input tensors of a batch (spec §11): the
// uni-encoder contract's, which bi-encoder text graphs share.
func (m *Model) inputTensors(encs []encodedText) []encoder.Tensor {
	B := len(encs)
	T, lengths := 0, make([]int, B)
	for b, e := range encs {
		T = max(T, len(e.ids))
		lengths[b] = len(e.words)
	}
	ids := make([]int64, B*T)
	attn := make([]int64, B*T)
	wmask := make([]int64, B*T)
	tl := make([]int64, B)
	for b, e := range encs {
		row := ids[b*T : (b+1)*T]
		for t := range row {
			row[t] = m.padID
		}
		for t, id := range e.ids {
			row[t] = int64(id)
			attn[b*T+t] = 1
		}
		copy(wmask[b*T:], e.wordsMask)
		tl[b] = int64(lengths[b])
	}
	in := []encoder.Tensor{
		{Name: "input_ids", Type: encoder.Int64, Shape: []int64{int64(B), int64(T)}, Int64: ids},
		{Name: "attention_mask", Type: encoder.Int64, Shape: []int64{int64(B), int64(T)}, Int64: attn},
		{Name: "words_mask", Type: encoder.Int64, Shape: []int64{int64(B), int64(T)}, Int64: wmask},
		{Name: "text_lengths", Type: encoder.Int64, Shape: []int64{int64(B), 1}, Int64: tl},
	}
	if m.kind == KindSpan || m.kind == KindBiSpan {
		W, K := span.MaxLen(lengths), m.cfg.MaxWidth
		idx := make([]int64, 2*B*W*K)
		mask := make([]bool, B*W*K)
		span.FillCandidates(idx, mask, lengths, K)
		in = append(in,
			encoder.Tensor{Name: "span_idx", Type: encoder.Int64, Shape: []int64{int64(B), int64(W * K), 2}, Int64: idx},
			encoder.Tensor{Name: "span_mask", Type: encoder.Bool, Shape: []int64{int64(B), int64(W * K)}, Bool: mask})
	}
	return in
}

// run builds the input tensors of a batch, runs the graph and returns its
// logits.
func (m *Model) run(ctx context.Context, encs []encodedText) (encoder.Tensor, error) {
	outs, err := m.sess.Run(ctx, m.inputTensors(encs))
	if err != nil {
		return encoder.Tensor{}, err
	}
	for _, o := range outs {
		if o.Name == "logits" {
			return o, nil
		}
	}
	return encoder.Tensor{}, fmt.Errorf("%w: the graph returned no logits", ErrMismatch)
}

// runBatch encodes the texts texts[idx...], runs them as one batch and
// decodes their entities into out.
func (m *Model) runBatch(ctx context.Context, texts []string, idx []int, labels, prompt []string, opts span.Options, out [][]Entity) error {
	encs, lengths, err := m.encodeBatch(texts, idx, prompt)
	if err != nil {
		return err
	}
	logits, err := m.run(ctx, encs)
	if err != nil {
		return err
	}
	return m.decodeBatch(logits, texts, idx, encs, lengths, labels, opts, out)
}

// decodeBatch decodes the logits of a batch of uni-encoder span or token
// models into the entities of texts[idx...].
func (m *Model) decodeBatch(logits encoder.Tensor, texts []string, idx []int, encs []encodedText, lengths []int, labels []string, opts span.Options, out [][]Entity) error {
	C := len(labels)
	if err := m.checkLogits(logits.Shape, len(idx), span.MaxLen(lengths), C); err != nil {
		return err
	}
	d := m.decoders.Get().(*span.Decoder)
	defer m.decoders.Put(d)
	var spans [][]span.Span
	if m.kind == KindToken {
		spans = d.DecodeTokensBatch(nil, logits.Float32, m.layout, lengths, C, opts)
	} else {
		spans = d.DecodeSpansBatch(nil, logits.Float32, lengths, m.cfg.MaxWidth, C, opts)
	}
	for j, i := range idx {
		out[i] = toEntities(texts[i], encs[j], spans[j], labels)
	}
	return nil
}

// encodeBatch encodes the texts texts[idx...] with the prompt and returns
// them with their word counts, applying the long-text policy.
func (m *Model) encodeBatch(texts []string, idx []int, prompt []string) ([]encodedText, []int, error) {
	encs := make([]encodedText, len(idx))
	lengths := make([]int, len(idx))
	for j, i := range idx {
		encs[j] = m.encodeText(texts[i], prompt)
		if err := m.checkLength(i, encs[j]); err != nil {
			return nil, nil, err
		}
		lengths[j] = len(encs[j].words)
	}
	return encs, lengths, nil
}

// checkLength applies the long-text policy to text i.
func (m *Model) checkLength(i int, e encodedText) error {
	switch {
	case e.truncated == 0:
		return nil
	case m.longTexts == RefuseLongTexts && e.truncated > 0:
		return fmt.Errorf("%w: text %d has more than max_len=%d words", ErrTextTooLong, i, m.cfg.MaxLen)
	case m.longTexts == RefuseLongTexts:
		return fmt.Errorf("%w: text %d has more than the tokenizer's %d sub-word tokens", ErrTextTooLong, i, m.maxTokens)
	case e.truncated > 0:
		m.logger.Warn("gliner: text truncated to max_len words, as the reference does", "text", i, "words", m.cfg.MaxLen+e.truncated, "max_len", m.cfg.MaxLen)
	default:
		m.logger.Warn("gliner: text truncated to the tokenizer's token limit", "text", i, "model_max_length", m.maxTokens)
	}
	return nil
}

// checkLogits verifies the logits shape of a batch of B texts with W word
// positions and C labels.
func (m *Model) checkLogits(sh []int64, B, W, C int) error {
	var want []int64
	switch {
	case m.kind == KindSpan:
		want = []int64{int64(B), int64(W), int64(m.cfg.MaxWidth), int64(C)}
	case m.layout == span.LayoutPositionLast:
		want = []int64{int64(B), int64(W), int64(C), 3}
	default:
		want = []int64{3, int64(B), int64(W), int64(C)}
	}
	if !equalShape(sh, want...) {
		return fmt.Errorf("%w: logits shape %v, want %v (does a label contain the prompt tokens %q or %q?)", ErrMismatch, sh, want, m.cfg.EntToken, m.cfg.SepToken)
	}
	return nil
}

// toEntities maps decoded word spans to entities with byte and code-point
// offsets (spec §5.3).
func toEntities(text string, e encodedText, spans []span.Span, labels []string) []Entity {
	ents := make([]Entity, len(spans))
	for i, s := range spans {
		a, b := e.words[s.Start], e.words[s.End]
		ents[i] = Entity{
			Label: labels[s.Class], Score: float64(s.Score), Text: text[a.Start:b.End],
			Start: a.Start, End: b.End, RuneStart: a.RuneStart, RuneEnd: b.RuneEnd,
		}
	}
	return ents
}
