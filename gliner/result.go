package gliner

import (
	"context"
	"fmt"
)

// Result is the outcome of one text of a call: its entities and how the
// text was run. The JSON keys are the names the CLI and the server print.
type Result struct {
	// Entities are the text's entities, sorted by start.
	Entities []Entity `json:"entities"`
	// Windows is the number of windows the text was cut into (1 for a text
	// that fits one model call, 0 for a blank text or a call without
	// labels).
	Windows int `json:"windows"`
	// LabelGroups is the number of prompts the labels were split into
	// (uni-encoder models under ChunkLongTexts or RefuseLongTexts; 1
	// otherwise, 0 when the text was not run).
	LabelGroups int `json:"label_groups"`
	// Chunked reports a text cut into several windows.
	Chunked bool `json:"chunked"`
	// Truncated reports a text cut at the model's limits under
	// TruncateLongTexts: its tail was not read.
	Truncated bool `json:"truncated"`
	// DroppedWords is the number of words truncation dropped.
	DroppedWords int `json:"dropped_words"`
	// CutWords is the number of words longer than [MaxWordBytes] that
	// were cut into pieces.
	CutWords int `json:"cut_words"`
	// Err is the error of this text in a stream ([Model.Stream]); nil in
	// the results of ExtractResults, which fails as a whole.
	Err error `json:"-"`
}

// ExtractResults is [Model.ExtractBatch] returning each text's entities
// with its metadata (see [Result]).
//
// Under ChunkLongTexts (the default), a text longer than one model call
// takes is cut into windows, and the labels of a uni-encoder model are
// split into groups when they do not fit one prompt: more than the
// config's max_types, or more than half the sub-word limit. Each group is
// run on every window and the candidates of all of them are decoded as
// one, so that a call with labels that fit one prompt makes one run per
// window and gives the entities of a single run. A label of more than
// [MaxLabelTokens] sub-words is an error (*[LimitError] wrapping
// [ErrLabel]) under every policy. The cost bounds are those of
// [MaxWordBytes].
func (m *Model) ExtractResults(ctx context.Context, texts []string, labels []string, opts ...ExtractOption) ([]Result, error) {
	if m.closed.Load() {
		return nil, ErrClosed
	}
	c, err := m.newCall(texts, labels, opts)
	if err != nil {
		return nil, err
	}
	if len(c.labels) > 0 && len(c.valid) > 0 {
		if err := m.runCall(ctx, c); err != nil {
			return nil, err
		}
	}
	return c.results(), nil
}

// results returns the call's results: entities and metadata.
func (c *call) results() []Result {
	res := c.info
	for i := range res {
		res[i].Entities = c.out[i]
	}
	if len(c.labels) == 0 {
		return res
	}
	for _, i := range c.valid {
		res[i].Windows = max(res[i].Windows, 1)
		res[i].LabelGroups = max(len(c.groups), 1)
	}
	return res
}

// setLimits sets the window overlap and the sub-word limit of a GLiNER
// model from the options of Open.
func (m *Model) setLimits(c openConfig) error {
	if c.tokenLimit != 0 && c.tokenLimit < 64 {
		return fmt.Errorf("%w: token limit %d is below 64", ErrBadConfig, c.tokenLimit)
	}
	m.overlap, m.tokenCap = min(2*m.cfg.MaxWidth, m.cfg.MaxLen/2), DefaultTokenLimit
	if c.tokenLimit != 0 {
		m.tokenCap = c.tokenLimit
	}
	if m.kind == KindBIO || c.overlap == 0 {
		return nil
	}
	m.overlap = c.overlap
	if m.overlap <= m.cfg.MaxWidth || m.overlap > m.cfg.MaxLen/2 {
		return fmt.Errorf("%w: overlap %d must be more than max_width %d and at most max_len/2 = %d words", ErrBadConfig, m.overlap, m.cfg.MaxWidth, m.cfg.MaxLen/2)
	}
	return nil
}
