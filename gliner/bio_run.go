package gliner

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/span"
	"github.com/gliner-go/gliner/tokenize"
)

// runWindows runs the graph on windows of token ids (special tokens
// included), padded to the longest, and returns logits [len(windows), T, tags].
func (b *bioModel) runWindows(ctx context.Context, windows [][]int) (encoder.Tensor, error) {
	m := b.m
	B, T := len(windows), 0
	for _, w := range windows {
		T = max(T, len(w))
	}
	ids := make([]int64, B*T)
	attn := make([]int64, B*T)
	for k, w := range windows {
		row := ids[k*T : (k+1)*T]
		for t := range row {
			row[t] = m.padID
		}
		for t, id := range w {
			row[t] = int64(id)
			attn[k*T+t] = 1
		}
	}
	shape := []int64{int64(B), int64(T)}
	in := []encoder.Tensor{
		{Name: "input_ids", Type: encoder.Int64, Shape: shape, Int64: ids},
		{Name: "attention_mask", Type: encoder.Int64, Shape: shape, Int64: attn},
	}
	if b.typeIDs {
		in = append(in, encoder.Tensor{Name: "token_type_ids", Type: encoder.Int64, Shape: shape, Int64: make([]int64, B*T)})
	}
	outs, err := m.sess.Run(ctx, in)
	if err != nil {
		return encoder.Tensor{}, err
	}
	for _, o := range outs {
		if o.Name != "logits" {
			continue
		}
		if len(o.Shape) != 3 || o.Shape[0] != int64(B) || o.Shape[1] != int64(T) || o.Shape[2] < 1 {
			return o, fmt.Errorf("%w: logits of %d windows of %d tokens have shape %v", ErrMismatch, B, T, o.Shape)
		}
		return o, nil
	}
	return encoder.Tensor{}, fmt.Errorf("%w: the graph returned no logits", ErrMismatch)
}

// bioText is one text of a call being decoded.
type bioText struct {
	enc     tokenize.Encoding // text tokens, no special tokens
	runeOf  []int             // byte offset -> code point offset (at rune starts and len)
	byteOf  []int             // code point offset -> byte offset
	wordIDs []int             // per text token: word id, -1 for special added tokens
	offsets []span.Offset     // per text token: code-point range
	windows []span.Window
	spans   []span.Offset // token ranges of the windows
	logits  [][]float32   // per window, once run: [len(window), tags]
}

// bioCall is one call of a token-classification model, following Hugging
// Face's token-classification pipeline: each text is encoded as plain text
// (special tokens around it); a text with more tokens than fit in
// model_max_length is cut into overlapping windows (the pipeline's stride:
// window = model_max_length minus the special tokens, consecutive windows
// share stride tokens) instead of being truncated, unless long texts are
// refused (ErrTextTooLong). The windows are the call's items: ExtractBatch
// batches them like the texts of other families. Once a text's windows have
// run, each is decoded with the aggregation strategy, entities of ignored
// type O dropped, and the windows' entities merged as the pipeline merges
// strided chunks (span.BIODecoder, in code points). Entities of the
// requested types are kept, labelled with the caller's spelling, with byte
// and code-point offsets and the pipeline's score (the tag probability,
// averaged over grouped tokens or words).
type bioCall struct {
	*bioModel
	want  map[int]string // type index -> caller's label
	texts []*bioText     // by text index; nil once decoded
}

// start maps the labels to types and cuts the call's texts into windows.
func (b *bioModel) start(_ context.Context, c *call) (runner, []item, error) {
	bc := &bioCall{bioModel: b, want: make(map[int]string, len(c.labels)), texts: make([]*bioText, len(c.texts))}
	for _, l := range c.labels {
		t, ok := b.typeOf(l)
		if !ok {
			return nil, nil, fmt.Errorf("%w: %q is not an entity type of this token-classification model (its types: %s)", ErrLabel, l, strings.Join(b.types, ", "))
		}
		if _, dup := bc.want[t]; !dup {
			bc.want[t] = l
		}
	}
	var items []item
	for _, i := range c.valid {
		it := &bioText{}
		b.prepare(it, c.texts[i])
		if len(it.spans) > 1 && c.policy == RefuseLongTexts {
			return nil, nil, &LimitError{What: "text", Index: i, Unit: "sub-words", Size: it.enc.Len(), Limit: b.window, Err: ErrTextTooLong}
		}
		c.info[i].Windows, c.info[i].Chunked = len(it.spans), len(it.spans) > 1
		bc.texts[i] = it
		for k := range it.spans {
			items = append(items, item{text: i, window: k, last: k == len(it.spans)-1})
		}
	}
	return bc, items, nil
}

// runBatch runs the batch's windows through the graph and decodes the texts
// whose last window is among them.
func (bc *bioCall) runBatch(ctx context.Context, b batch) error {
	windows := make([][]int, len(b.items)) // ids, specials included
	for k, w := range b.items {
		it := bc.texts[w.text]
		s := it.spans[w.window]
		windows[k] = bc.withSpecials(nil, it.enc.IDs[s.Start:s.End])
	}
	t, err := bc.runWindows(ctx, windows)
	if err != nil {
		return err
	}
	n := bc.tags.Len()
	if t.Shape[2] != int64(n) {
		return fmt.Errorf("%w: the graph gives %d logits per token, want %d", ErrMismatch, t.Shape[2], n)
	}
	T := int(t.Shape[1])
	for k, w := range b.items {
		it := bc.texts[w.text]
		it.logits = append(it.logits, t.Float32[k*T*n:(k*T+len(windows[k]))*n])
		if w.last {
			if err := bc.decode(b.call, w.text); err != nil {
				return err
			}
		}
	}
	return nil
}

// decode decodes the windows of text i into call.out[i].
func (bc *bioCall) decode(c *call, i int) error {
	it := bc.texts[i]
	bc.texts[i] = nil
	bc.windowsOf(it, it.logits)
	d := bc.decoders.Get().(*span.BIODecoder)
	defer bc.decoders.Put(d)
	ents, err := d.Decode(nil, bc.tags, it.windows, span.BIOOptions{Aggregation: bc.agg})
	if err != nil {
		return fmt.Errorf("gliner: text %d: %w", i, err)
	}
	res := make([]Entity, 0, len(ents))
	for _, e := range ents {
		label, ok := bc.want[e.Type]
		if !ok {
			continue
		}
		bs, be := it.byteOf[e.Start], it.byteOf[e.End]
		res = append(res, Entity{Label: label, Score: float64(e.Score), Text: c.texts[i][bs:be],
			Start: bs, End: be, RuneStart: e.Start, RuneEnd: e.End})
	}
	sort.SliceStable(res, func(a, b int) bool { return res[a].Start < res[b].Start })
	c.out[i] = res
	return nil
}

// prepare tokenizes a text and splits its tokens into windows.
func (b *bioModel) prepare(it *bioText, text string) {
	it.runeOf = make([]int, len(text)+1)
	it.byteOf = make([]int, 0, len(text)+1)
	r := 0
	for i := range text {
		it.runeOf[i] = r
		it.byteOf = append(it.byteOf, i)
		r++
	}
	it.runeOf[len(text)] = r
	it.byteOf = append(it.byteOf, len(text))
	// runeOf of a byte inside a rune is that rune's (offsets never fall there).
	for i := 1; i < len(text); i++ {
		if !utf8.RuneStart(text[i]) {
			it.runeOf[i] = it.runeOf[i-1]
		}
	}
	it.enc = b.tok.Encode(text, false)
	it.wordIDs = make([]int, it.enc.Len())
	it.offsets = make([]span.Offset, it.enc.Len())
	for t := range it.enc.IDs {
		it.wordIDs[t] = it.enc.WordIDs[t]
		if it.enc.Special[t] {
			it.wordIDs[t] = -1 // the pipeline skips special tokens
		}
		o := it.enc.Offsets[t]
		it.offsets[t] = span.Offset{Start: it.runeOf[o.Start], End: it.runeOf[o.End]}
	}
	it.spans = span.TokenWindows(nil, it.enc.Len(), b.window, b.stride)
}

// windowsOf builds the decoder windows of a text from its windows' logits:
// the special tokens around each window get word id -1.
func (b *bioModel) windowsOf(it *bioText, logits [][]float32) {
	it.windows = it.windows[:0]
	nl, nt := len(b.lead), len(b.trail)
	for k, s := range it.spans {
		L := nl + (s.End - s.Start) + nt
		w := span.Window{Logits: logits[k], WordIDs: make([]int, L), Offsets: make([]span.Offset, L), FirstToken: s.Start - nl}
		for t := range w.WordIDs {
			w.WordIDs[t] = -1
		}
		copy(w.WordIDs[nl:], it.wordIDs[s.Start:s.End])
		copy(w.Offsets[nl:], it.offsets[s.Start:s.End])
		it.windows = append(it.windows, w)
	}
}
