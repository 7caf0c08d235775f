package tokenize

// Offset is a half-open byte range [Start, End) into the text that was
// encoded. For pre-split words (see [Tokenizer.EncodeWords]) offsets are
// relative to the word the token came from, as in Hugging Face tokenizers.
type Offset struct {
	Start, End int
}

// Encoding is the result of encoding one sequence.
//
// All slices have the same length, one entry per token.
type Encoding struct {
	// IDs are the vocabulary ids of the tokens.
	IDs []int
	// Tokens are the token strings, as the vocabulary spells them.
	Tokens []string
	// WordIDs gives, for each token, the index of the word it came from
	// (the pre-split word for EncodeWords, the pre-tokenizer's word for
	// plain text), or -1 for special tokens added by the post-processor.
	WordIDs []int
	// Offsets are byte offsets, see [Offset].
	Offsets []Offset
	// Special marks the tokens added by the post-processor (Hugging Face's
	// special_tokens_mask). Added tokens found in the text, special or not,
	// are not marked, as in Hugging Face tokenizers.
	Special []bool
}

// Len returns the number of tokens.
func (e *Encoding) Len() int { return len(e.IDs) }

// Tokenizer turns text or pre-split words into sub-word tokens.
//
// Implementations are safe for concurrent use. Encoding never fails: every
// component is validated when the tokenizer is loaded.
type Tokenizer interface {
	// Encode encodes plain text. addSpecial adds the post-processor's
	// special tokens (for example [CLS] and [SEP]).
	Encode(text string, addSpecial bool) Encoding
	// EncodeWords encodes pre-split words the way Hugging Face tokenizers do
	// with is_split_into_words=True. WordIDs index into words.
	EncodeWords(words []string, addSpecial bool) Encoding
	// TokenID returns the id of a token of the vocabulary or of the added
	// tokens.
	TokenID(token string) (int, bool)
	// PadID returns the id used to pad batches.
	PadID() int
}
