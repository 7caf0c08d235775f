package gliner

import (
	"context"

	"github.com/gliner-go/gliner/span"
)

// BIORun exposes the windows of a token-classification model's run on one
// text to the external tests.
type BIORun struct {
	Windows []span.Offset // token ranges of the windows, in text tokens
	IDs     [][]int       // per window: its ids, special tokens included
	Logits  [][]float32   // per window: [len(IDs[k]), tags]
	WordIDs []int         // per text token: word id (-1 for special added tokens)
	Offsets []span.Offset // per text token: code-point range
	Lead    int           // special tokens before each window's text tokens
	Tags    []string      // id2label
}

// RunBIO tokenizes text as Extract does and runs each window through the
// graph on its own.
func RunBIO(m *Model, text string) (BIORun, error) {
	b := m.bio
	var it bioText
	b.prepare(&it, text)
	r := BIORun{Windows: it.spans, WordIDs: it.wordIDs, Offsets: it.offsets, Lead: len(b.lead)}
	for i := range b.tags.Len() {
		r.Tags = append(r.Tags, b.tags.Tag(i))
	}
	n := b.tags.Len()
	for _, s := range it.spans {
		ids := b.withSpecials(nil, it.enc.IDs[s.Start:s.End])
		t, err := m.runBIOWindows(context.Background(), [][]int{ids})
		if err != nil {
			return r, err
		}
		r.IDs = append(r.IDs, ids)
		r.Logits = append(r.Logits, t.Float32[:len(ids)*n])
	}
	return r, nil
}

// BIOWindow returns the window (text tokens) and stride sizes.
func BIOWindow(m *Model) (window, stride int) { return m.bio.window, m.bio.stride }
