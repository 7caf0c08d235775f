package gliner

import (
	"math"
	"sync"

	"github.com/gliner-go/gliner/span"
	"github.com/gliner-go/gliner/tokenize"
)

// Long texts and long label lists of the word-level families (uni-encoder
// and bi-encoder GLiNER). Under ChunkLongTexts a text that does not fit one
// model call is cut into windows of words (span.PlanWindows), and the labels
// of a uni-encoder model that do not fit one prompt are split into groups;
// each (group, window) pair is one item. Such items are decoded with
// span.Options.KeepAll, their candidates gathered per text (emit) and
// resolved once after the text's last item has run (finish). A text that
// fits one window with one label group is one whole item, run exactly as
// under TruncateLongTexts.

// long is the long-input state of one call.
type long struct {
	policy LongTextPolicy
	groups []labelGroup // nil for fixed-schema models
	plans  []*textPlan  // by text index; nil for texts run as one item
}

// labelGroup is the labels lo..hi-1 of a call, run in one prompt.
type labelGroup struct{ lo, hi int }

// textPlan is a text run as several items: its words, its windows and the
// candidates its items gave so far.
type textPlan struct {
	words   []tokenize.Word
	windows []span.Offset
	mu      sync.Mutex // items of one batch may be decoded in parallel
	cands   []span.Span
}

// planItems returns the items of a call of a word-level family: label
// groups (prompt: the labels go into a prompt), then windows per text.
func (m *Model) planItems(c *call, prompt bool) ([]item, error) {
	promptTokens, err := m.labelGroups(c, prompt)
	if err != nil || c.policy == TruncateLongTexts {
		return wholeTexts(c), err
	}
	c.plans = make([]*textPlan, len(c.texts))
	var items []item
	for _, i := range c.valid {
		tp, err := m.planText(c, i, promptTokens)
		if err != nil {
			return nil, err
		}
		if tp == nil {
			items = append(items, item{text: i, last: true})
		}
		c.plans[i] = tp
	}
	return c.mergedItems(items), nil
}

// mergedItems appends the items of the planned texts to items, label group
// by label group.
func (c *call) mergedItems(items []item) []item {
	G := len(c.groups)
	for g := range G {
		for _, i := range c.valid {
			tp := c.plans[i]
			if tp == nil {
				continue
			}
			K := len(tp.windows)
			for k := range K {
				items = append(items, item{text: i, window: k, group: g, merge: true, last: g == G-1 && k == K-1})
			}
		}
	}
	return items
}

// planText cuts text i into windows for prompts of promptTokens sub-words.
// It returns nil for a text run as one whole item, and a *LimitError for a
// long text when long texts are refused.
func (m *Model) planText(c *call, i, promptTokens int) (*textPlan, error) {
	text := c.texts[i]
	words, cut := m.words(text)
	costs := m.wordCosts(text, words)
	budget := max(1, m.tokenLimit()-promptTokens-m.specials)
	windows := span.PlanWindows(nil, costs, sentenceEnds(text, words), m.cfg.MaxLen, budget, m.overlap)
	info := &c.info[i]
	info.Windows, info.Chunked, info.CutWords = len(windows), len(windows) > 1, cut
	if len(windows) > 1 && c.policy == RefuseLongTexts {
		return nil, m.tooLong(i, len(words), costs, budget)
	}
	if len(windows) == 1 && len(c.groups) == 1 {
		return nil, nil
	}
	if cut > 0 {
		m.logger.Warn("gliner: words longer than MaxWordBytes cut", "text", i, "words", cut, "max_bytes", MaxWordBytes)
	}
	return &textPlan{words: words, windows: windows}, nil
}

// tooLong returns the *LimitError of text i, of n words with costs, over
// max_len words or a sub-word budget.
func (m *Model) tooLong(i, n int, costs []int, budget int) error {
	if n > m.cfg.MaxLen {
		return &LimitError{What: "text", Index: i, Unit: "words", Size: n, Limit: m.cfg.MaxLen, Err: ErrTextTooLong}
	}
	sum := 0
	for _, k := range costs {
		sum += k
	}
	return &LimitError{What: "text", Index: i, Unit: "sub-words", Size: sum, Limit: budget, Err: ErrTextTooLong}
}

// labelGroups checks the labels' sizes and splits them into groups that
// fit one prompt each: at most max_types labels and half the sub-word limit
// (TruncateLongTexts keeps one group, as the reference). Without a prompt
// (bi-encoders) there is one group. It returns the sub-words of the longest
// prompt.
func (m *Model) labelGroups(c *call, prompt bool) (int, error) {
	costs, err := m.labelCosts(c.labels)
	if err != nil || !prompt {
		c.groups = []labelGroup{{0, len(c.labels)}}
		return 0, err
	}
	maxTypes, budget := m.cfg.MaxTypes, m.tokenLimit()/2
	if maxTypes < 1 || c.policy == TruncateLongTexts {
		maxTypes = len(c.labels)
	}
	if c.policy == TruncateLongTexts {
		budget = math.MaxInt
	}
	lo, tokens, worst := 0, 1, 0 // 1: the <<SEP>> token
	for k, cost := range costs {
		if k > lo && (k-lo >= maxTypes || tokens+1+cost > budget) {
			c.groups = append(c.groups, labelGroup{lo, k})
			worst, lo, tokens = max(worst, tokens), k, 1
		}
		tokens += 1 + cost // <<ENT>> label
	}
	c.groups = append(c.groups, labelGroup{lo, len(c.labels)})
	return max(worst, tokens), nil
}

// labelCosts returns the sub-word count of each label, or a *LimitError
// for a label over MaxLabelTokens (checked on its words and bytes first, so
// that a huge label is never tokenized).
func (m *Model) labelCosts(labels []string) ([]int, error) {
	costs := make([]int, len(labels))
	for k, l := range labels {
		tooLong := func(unit string, size, limit int) error {
			return &LimitError{What: "label", Index: k, Unit: unit, Size: size, Limit: limit, Err: ErrLabel}
		}
		if len(l) > MaxLabelTokens*MaxWordBytes {
			return nil, tooLong("bytes", len(l), MaxLabelTokens*MaxWordBytes)
		}
		if n := len(m.split(nil, l)); n > MaxLabelTokens {
			return nil, tooLong("words", n, MaxLabelTokens)
		}
		costs[k] = len(m.tok.EncodeWords([]string{l}, false).IDs)
		if costs[k] > MaxLabelTokens {
			return nil, tooLong("sub-words", costs[k], MaxLabelTokens)
		}
	}
	return costs, nil
}

// batchOf returns the batch of items (which share a label group and
// whether they merge), with the group's labels and decoding options.
func (c *call) batchOf(items []item) batch {
	b := batch{call: c, items: items, labels: c.labels, opts: c.opts}
	if items[0].merge {
		g := c.groups[items[0].group]
		b.labels = c.labels[g.lo:g.hi]
		b.opts.Thresholds = c.opts.Thresholds[g.lo:g.hi]
		b.opts.KeepAll = true
	}
	return b
}

// batchEnd returns the end of the batch of at most size items starting at
// items[lo]: a batch never mixes label groups, nor whole and merged items.
func batchEnd(items []item, lo, size int) int {
	hi := lo + 1
	for hi < len(items) && hi-lo < size && items[hi].merge == items[lo].merge && items[hi].group == items[lo].group {
		hi++
	}
	return hi
}

// emit takes the decoded spans of item it (encoded as e): the entities of
// a whole text, or candidates of a text decoded once all its items ran
// (finish). It is safe to call for different items in parallel.
func (b batch) emit(it item, e encodedText, spans []span.Span) {
	if !it.merge {
		b.out[it.text] = toEntities(b.texts[it.text], e, spans, b.labels)
		return
	}
	tp := b.plans[it.text]
	lo := b.groups[it.group].lo
	for k := range spans {
		spans[k].Class += lo
	}
	tp.mu.Lock()
	tp.cands = span.WindowSpans(tp.cands, spans, tp.windows[it.window], len(tp.words))
	tp.mu.Unlock()
}

// finish decodes the texts whose last item is in batch b from the
// candidates of all their items, with the call's options.
func (m *Model) finish(b batch) {
	for _, it := range b.items {
		if !it.merge || !it.last {
			continue
		}
		tp := b.plans[it.text]
		b.plans[it.text] = nil
		d := m.decoders.Get().(*span.Decoder)
		spans := d.Select(nil, span.BestSpans(tp.cands), len(tp.words), b.call.opts)
		m.decoders.Put(d)
		b.out[it.text] = toEntities(b.texts[it.text], encodedText{words: tp.words}, spans, b.call.labels)
	}
}

// windowWords returns the words of item it of a merged text.
func (c *call) windowWords(it item) []tokenize.Word {
	tp := c.plans[it.text]
	w := tp.windows[it.window]
	return tp.words[w.Start:w.End]
}
