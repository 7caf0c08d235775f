// Package evaluate scores a GLiNER model against a gold corpus the way
// biomedical NER papers do, and reports quality next to cost.
//
// # Overview
//
// A corpus is read into [Document] values by [ReadFile] or [Read] from one
// of three formats ([Format]):
//
//   - CoNLL BIO ([FormatCoNLL]): one `token<TAB>tag` line per token, a blank
//     line between sentences, tags in IOB2 (B-X starts an entity, I-X
//     continues it). Each sentence is one document whose text is its tokens
//     joined by single spaces; gold offsets are computed in that text. Tag
//     sequences are decoded as seqeval does in strict IOB2 mode: an I-X that
//     does not continue a B-X or I-X of the same type starts no entity; such
//     tokens are counted in [Corpus.StrayInside].
//   - PubTator ([FormatPubTator]): `id|t|title`, `id|a|abstract`, then
//     tab-separated mentions `id start end text type [concept ...]`, a blank
//     line between documents. The offsets of PubTator index into the title
//     and the abstract joined by one space, so each document is one text,
//     title + " " + abstract (checked: every mention of the shared NCBI-disease
//     and BC5CDR test sets matches that text). Relation lines (`id CID a b`)
//     are skipped.
//   - JSON lines ([FormatJSONL]): one object per line,
//     {"id": optional, "text": "...", "entities": [{"start": s, "end": e, "label": "X"}]},
//     with start and end in Unicode code points (Python string indices),
//     half-open.
//
// All offsets in this package are code-point offsets, half-open, as the
// Python reference reports them; [Span] documents this once.
//
// [Scorer] compares predictions with gold spans under [MatchStrict] (same
// boundaries and type) or [MatchOverlap], the relaxed match of the
// GLiNER-biomed evaluator (ds4dh/GLiNER-biomed evaluation/gliner_evaluator.py,
// NEREvaluator with span_based=True): a prediction counts as a true positive
// when it shares at least one character (for word-aligned spans: one word)
// with a not yet matched gold span of the same type; matching is greedy and
// one-to-one, predictions taken in text order, each taking the first such
// gold span in text order. It reports precision, recall and F1, micro and
// macro (the mean over the types present in the gold spans or the
// predictions, as that evaluator and seqeval compute it), per type, and by
// entity length in words ([LengthBucket]; recall over the gold spans of a
// length, precision over the predictions of that length, each bucketed by its
// own length).
//
// [Run] drives an [Extractor] over a corpus in batches, scores it and
// measures cost (texts per second, p50/p95 latency per text, peak memory),
// producing a [Report]; [Report.WriteTable], [Report.WriteJSON] and
// [WriteHTML] render it, and [WriteCompareHTML] compares several reports.
// The page lays its charts out in a grid and scales them (SVG with a
// viewBox at the width of their column), so that it reads from 800 to 1,600
// pixels wide.
//
// For publication, [Options] turns on three optional parts of a report:
//
//   - Bootstrap: the documents are resampled with replacement
//     ([BootstrapScores]) and the 2.5th and 97.5th percentiles of the
//     resampled micro and per-label precision, recall and F1 are reported
//     as 95% intervals, reproducibly for a seed. The report then keeps its
//     per-document counts ([DocCounts]), and [PairedBootstrap] compares two
//     reports over the same documents by drawing the same resamples for
//     both: the share of resamples in which each run's micro F1 is higher,
//     and the ties.
//   - Errors: up to N false positives (most confident first) and N false
//     negatives (corpus order) per label with [ContextChars] code points of
//     text on each side and the nearest span on the other side
//     ([TypeErrors]), and a [Confusion] table of gold corpus types against
//     the labels predicted with the same boundaries.
//   - Sweep: with an extractor that is also a [SpanScorer], the model runs
//     once; every candidate span's score is kept ([Scored]) and decoded at
//     each threshold of the sweep with the flat or nested rules of the run,
//     giving a precision-recall curve ([SweepPoint]) and the best-F1
//     thresholds ([SweepBest]). A sweep point equals a separate run at that
//     threshold exactly.
//
// # Concurrency
//
// Readers and report writers are plain functions. A [Scorer] is not safe for
// concurrent use. [Run] calls the extractor from one goroutine.
//
// # Invariants
//
// Every span of a [Document] satisfies 0 <= Start < End <= number of code
// points of Text; readers reject input that breaks this.
//
// # Errors
//
// Malformed input gives a [*ParseError] (file line and what is wrong) that
// wraps [ErrFormat]; an unknown format name gives [ErrUnknownFormat].
// A bootstrap without resamples gives [ErrResamples], one without
// per-document counts [ErrNoDocuments]; pairing runs over different
// documents gives a [*DocumentsError] wrapping [ErrDifferentDocuments]. A
// malformed sweep range gives [ErrSweep], a sweep with an extractor that
// cannot keep scores [ErrNotScorer].
package evaluate
