package gliner

import (
	"github.com/gliner-go/gliner/tokenize"
)

// encodedText is one text after word splitting and sub-word encoding, ready
// to be batched.
type encodedText struct {
	words        []tokenize.Word // the text's words after max_len truncation
	ids          []int           // sub-word ids of prompt + words, with special tokens
	wordsMask    []int64         // the reference's words_mask (docs/reference.md §2.5)
	droppedWords int             // words dropped by max_len truncation
	tokensCut    bool            // sub-word tokens cut at the tokenizer's limit
	cutWords     int             // words longer than MaxWordBytes, cut
}

// promptWords returns the uni-encoder prompt of labels: <<ENT>> label ...
// <<SEP>> (docs/reference.md §2.3).
func (m *Model) promptWords(labels []string) []string { return promptWords(m.cfg, labels) }

func promptWords(cfg Config, labels []string) []string {
	p := make([]string, 0, 2*len(labels)+1)
	for _, l := range labels {
		p = append(p, cfg.EntToken, l)
	}
	return append(p, cfg.SepToken)
}

// encodeText splits text into words with the model's splitter (words
// longer than MaxWordBytes cut), truncates them to max_len and
// encodes prompt + words (docs/reference.md §2.1-2.5). A nil prompt
// (bi-encoders) encodes the words alone.
func (m *Model) encodeText(text string, prompt []string) encodedText {
	words, cut := m.words(text)
	et := m.encodeWords(text, words, prompt)
	et.cutWords = cut
	return et
}

// encodeWords is encodeText on words already split.
func (m *Model) encodeWords(text string, words []tokenize.Word, prompt []string) encodedText {
	et := encodedText{words: words}
	if max := m.cfg.MaxLen; len(et.words) > max {
		et.droppedWords = len(et.words) - max
		et.words = et.words[:max]
	}
	seq := make([]string, 0, len(prompt)+len(et.words))
	seq = append(seq, prompt...)
	for _, w := range et.words {
		seq = append(seq, text[w.Start:w.End])
	}
	enc := m.tok.EncodeWords(seq, true)
	ids, wordIDs := enc.IDs, enc.WordIDs
	if max := m.maxTokens; max > 0 && len(ids) > max {
		// truncation=True keeps the first tokens and the final special token.
		ids = append(ids[:max-1:max-1], ids[len(ids)-1])
		wordIDs = append(wordIDs[:max-1:max-1], wordIDs[len(wordIDs)-1])
		et.tokensCut = true
	}
	et.ids = ids
	et.wordsMask = wordsMask(wordIDs, len(prompt))
	return et
}

// encodeItems encodes the texts of a batch's items with the prompt,
// applying the long-text policy to whole texts; the windows of merged
// texts fit by construction (chunk.go).
func (m *Model) encodeItems(b batch, prompt []string) ([]encodedText, error) {
	encs := make([]encodedText, len(b.items))
	for j, it := range b.items {
		if it.merge {
			encs[j] = m.encodeWords(b.texts[it.text], b.windowWords(it), prompt)
			continue
		}
		encs[j] = m.encodeText(b.texts[it.text], prompt)
		if err := m.checkLength(b.call, it.text, encs[j]); err != nil {
			return nil, err
		}
	}
	return encs, nil
}

// wordCounts returns the number of words of each encoded text.
func wordCounts(encs []encodedText) []int {
	n := make([]int, len(encs))
	for j, e := range encs {
		n[j] = len(e.words)
	}
	return n
}

// checkLength applies the long-text policy to whole text i of call c and
// records its metadata. A text whose sub-word tokens were cut is reported
// as such, even if words were dropped too.
func (m *Model) checkLength(c *call, i int, e encodedText) error {
	refuse := c.policy == RefuseLongTexts
	info := &c.info[i]
	info.Truncated = e.tokensCut || e.droppedWords > 0
	info.DroppedWords, info.CutWords = e.droppedWords, e.cutWords
	if e.cutWords > 0 {
		m.logger.Warn("gliner: words longer than MaxWordBytes cut", "text", i, "words", e.cutWords, "max_bytes", MaxWordBytes)
	}
	switch {
	case e.tokensCut && refuse:
		return &LimitError{What: "text", Index: i, Unit: "sub-words", Size: len(e.ids), Limit: m.maxTokens, Err: ErrTextTooLong}
	case e.tokensCut:
		m.logger.Warn("gliner: text truncated to the tokenizer's token limit", "text", i, "model_max_length", m.maxTokens)
	case e.droppedWords > 0 && refuse:
		return &LimitError{What: "text", Index: i, Unit: "words", Size: len(e.words) + e.droppedWords, Limit: m.cfg.MaxLen, Err: ErrTextTooLong}
	case e.droppedWords > 0:
		m.logger.Warn("gliner: text truncated to max_len words, as the reference does", "text", i, "words", m.cfg.MaxLen+e.droppedWords, "max_len", m.cfg.MaxLen)
	}
	return nil
}

// wordsMask builds the reference's words_mask from the tokenizer's word ids
// (-1 for special tokens): 0 for special tokens, prompt words and
// continuation sub-tokens, and k (1-based) at the first sub-token of the k-th
// text word, counting distinct word ids as gliner 0.2.27 does
// (docs/reference.md §2.5).
func wordsMask(wordIDs []int, promptLen int) []int64 {
	mask := make([]int64, len(wordIDs))
	prev, seen := -1, 0
	for t, wid := range wordIDs {
		if wid >= 0 && wid != prev {
			seen++
			if seen > promptLen {
				mask[t] = int64(seen - promptLen)
			}
		}
		prev = wid
	}
	return mask
}
