package gliner

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/span"
)

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
	b, err := readConfigFile(filepath.Join(dir, "tokenizer_config.json"))
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

// inputTensors builds the text input tensors of a batch (docs/reference.md §11): the
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
	if !m.cfg.tokenLevel() {
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
// logits, computed by the factorised span kernel when the model uses it
// (factor.go).
func (m *Model) run(ctx context.Context, encs []encodedText) (encoder.Tensor, error) {
	if m.factor != nil {
		return m.factor.score(ctx, encs, 0)
	}
	ins := m.inputTensors(encs)
	start := time.Now()
	outs, err := m.sess.Run(ctx, ins)
	m.stats.add(start)
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

// toEntities maps decoded word spans to entities with byte and code-point
// offsets (docs/reference.md §5.3).
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
