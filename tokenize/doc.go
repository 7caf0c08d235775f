// Package tokenize turns text into the sub-word ids a GLiNER encoder reads,
// exactly as the Python stack does: GLiNER's word splitter, then a Hugging
// Face tokenizer.
//
// # Overview
//
// Word splitting: [SplitWords] is GLiNER's default splitter (Python's
// \w+(?:[-_]\w+)*|\S with re.finditer); [SplitFunc] is the pluggable
// signature.
//
// Sub-word tokenization: [New] and [NewFromFile] load a Hugging Face
// tokenizer.json into a [Pipeline]; [NewSentencePiece] builds one from a
// SentencePiece spm.model the way Hugging Face's DeBERTa-v2/v3 converter
// does; [Load] picks the right loader for a file or model folder. A Pipeline
// applies, as the Rust tokenizers library (0.22) does:
//
//  1. added tokens matching the raw text are split out (normalized=false);
//  2. the rest is normalized, then added tokens matching the normalized
//     text are split out (normalized=true), honouring lstrip, rstrip and
//     single_word;
//  3. the pre-tokenizer splits the remaining pieces;
//  4. the model (WordPiece, Unigram or BPE) splits each piece into tokens;
//  5. the post-processor adds special tokens and may trim offsets.
//
// [Pipeline.Encode] encodes plain text; [Pipeline.EncodeWords] encodes
// pre-split words like is_split_into_words=True (each word its own
// sequence, word ids are word indexes, offsets relative to each word).
// [Pipeline.EncodeTo] and [Pipeline.EncodeWordsTo] reuse an [Encoding]'s
// slices and allocate nothing in the steady state.
//
// Offsets are byte offsets. The Rust library reports them in code points
// for Node and Python; the values are the same positions. Special tokens
// added by the post-processor have offsets (0, 0) and word id -1.
//
// Equality with the Rust library is tested on every sentence of the shared
// biomedical corpora and an adversarial set, for bert-base-uncased,
// all-MiniLM-L6-v2 and a DeBERTa-v3 tokenizer.json, and for variants
// exercising every supported component (parity_test.go, components_test.go).
// Character classes come from Go's Unicode 15.0 tables: characters assigned
// in later Unicode versions may be classified differently than by the Rust
// library.
//
// # Concurrency
//
// A Pipeline is immutable after loading (its Unigram/BPE token caches are
// internally synchronized) and safe for concurrent use. An Encoding passed to
// EncodeTo must not be shared between goroutines.
//
// # Invariants
//
// All slices of an Encoding have one entry per token. Offsets of a
// non-special token are non-empty, lie on UTF-8 character boundaries of the
// text (or word) it came from, and never decrease within a word except where
// the Rust library's do (canonical reordering of combining marks). Encoding
// never fails and never panics: invalid UTF-8 bytes are read as U+FFFD, each
// aligned to its own byte.
//
// # Errors
//
// Loading fails with an *[UnsupportedError] (errors.Is [ErrUnsupported]) for
// any component type, option or option value the Pipeline does not
// implement — it never approximates — and with a *[ConfigError]
// (errors.Is [ErrInvalidConfig]) for malformed or inconsistent files; a file
// beyond the loaders' limits ([MaxTokenizerBytes], [MaxSideFileBytes],
// [MaxVocabSize], [MaxSequenceDepth]) is also errors.Is [ErrLimit], and
// fails before the loader holds more than a few times the limit.
package tokenize
