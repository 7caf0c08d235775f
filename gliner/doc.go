// Package gliner is the public API of the library: it loads GLiNER models
// exported to ONNX and finds entities of any type named in plain words
// ("disease", "chemical compound", "gene or gene product") in text.
//
// # Overview
//
// [Open] loads a model folder as published on the Hugging Face hub
// (gliner_config.json, tokenizer.json or spm.model, model.onnx or
// onnx/model.onnx); [OpenDefault] loads the model built into the module.
// [Model.Extract] and [Model.ExtractBatch] take texts and labels and return
// [Entity] values with byte and code-point offsets and scores;
// [Model.ExtractResults] adds each text's [Result] metadata (windows, label
// groups, truncation), and [Model.Stream] runs a sequence of any length
// with bounded memory, yielding results in input order.
//
// Four kinds of model folder load with Open ([Model.Kind]): uni-encoder
// span and token-level GLiNER models, bi-encoder GLiNER models (whose label
// embeddings are computed once and cached; the folder layout and the
// two-graph contract are documented on [LabelsGraphFile]), and fixed-schema
// BIO token classifiers (config.json with id2label; see [WithAggregation]).
//
// The pipeline follows the reference Python package gliner (0.2.27)
// exactly: words are split with the reference's regular expression
// (package tokenize), the prompt "<<ENT>> label ... <<SEP>>" is prepended,
// words are encoded into sub-word ids with the model's tokenizer, the
// tensors of the published ONNX contract are built and run (package
// encoder), and the logits are decoded with the reference's thresholding and
// greedy search (package span).
//
// # Concurrency
//
// A [Model] is safe for concurrent use by any number of goroutines.
// [Model.Close] may be called once the model is no longer used; calls after
// it return [ErrClosed].
//
// # Invariants
//
// Entities of one text are sorted by start. Entity.Text equals
// text[Entity.Start:Entity.End]. Labels are de-duplicated keeping the first
// occurrence, as the reference does; texts that are empty or all whitespace
// (Python's str.isspace) give no entities.
//
// # Long inputs
//
// Every input has a bounded cost ([MaxWordBytes] states the bound). Texts
// longer than one model call takes (max_len words, or the sub-word limit
// with the prompt counted) are cut into overlapping windows whose entities
// are merged, and labels that do not fit one prompt are run in groups
// ([ChunkLongTexts], the default); [TruncateLongTexts] reproduces the
// reference, which reads the first max_len words only, and
// [RefuseLongTexts] fails with a *[LimitError]. A text that fits gives the
// same entities under all three.
//
// # Errors
//
// Errors wrap the sentinels of this package ([ErrMissingFile],
// [ErrBadConfig], [ErrUnsupported], [ErrMismatch], [ErrUnsafeFile],
// [ErrClosed], [ErrTextTooLong], [ErrLabel], [ErrBadOption]) inside
// *[ModelError] or *[ConfigError] where a file is concerned, *[LimitError]
// for inputs over a limit and *[OptionError] for bad options of a call, or
// errors of package tokenize for the tokenizer files (including
// [tokenize.ErrLimit] for files beyond its limits), or are errors of package
// encoder (ONNX Runtime library not found, invalid graph, graph not matching
// the GLiNER contract). Cancelling the context stops a running batch and returns the
// context's error.
package gliner
