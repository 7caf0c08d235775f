package gliner

import (
	"github.com/gliner-go/gliner/tokenize"
)

// encodedText is one text after word splitting and sub-word encoding, ready
// to be batched.
type encodedText struct {
	words     []tokenize.Word // the text's words after max_len truncation
	ids       []int           // sub-word ids of prompt + words, with special tokens
	wordsMask []int64         // the reference's words_mask (§2.5)
	truncated int             // words dropped by max_len truncation
}

// promptWords returns the uni-encoder prompt: <<ENT>> label ... <<SEP>>
// (spec §2.3). It is nil for bi-encoders, whose text sequence has no prompt.
func (m *Model) promptWords(labels []string) []string {
	if m.kind == KindBiSpan || m.kind == KindBiToken {
		return nil
	}
	p := make([]string, 0, 2*len(labels)+1)
	for _, l := range labels {
		p = append(p, m.cfg.EntToken, l)
	}
	return append(p, m.cfg.SepToken)
}

// encodeText splits text into words, truncates them to max_len and encodes
// prompt + words (spec §2.1-2.5). words is the reusable input word list of
// the call, already holding the prompt.
func (m *Model) encodeText(text string, prompt []string) encodedText {
	var et encodedText
	et.words = tokenize.SplitWords(nil, text)
	if max := m.cfg.MaxLen; len(et.words) > max {
		et.truncated = len(et.words) - max
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
		et.truncated = -1
	}
	et.ids = ids
	et.wordsMask = wordsMask(wordIDs, len(prompt))
	return et
}

// wordsMask builds the reference's words_mask from the tokenizer's word ids
// (-1 for special tokens): 0 for special tokens, prompt words and
// continuation sub-tokens, and k (1-based) at the first sub-token of the k-th
// text word, counting distinct word ids as gliner 0.2.27 does (spec §2.5).
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
