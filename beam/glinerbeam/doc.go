// Package glinerbeam runs GLiNER entity extraction inside an Apache Beam
// pipeline (Go SDK), so that a corpus too large for one machine, such as all
// of PubMed, is annotated by any Beam runner: Prism locally, Flink, Spark or
// Google Cloud Dataflow.
//
// # Overview
//
// [ReadDocuments] reads documents from JSON lines ({"id":..,"text":..}) or
// PubTator files on any Beam filesystem; [Annotate] extracts entities in a
// DoFn that opens the model once per worker process and batches documents
// inside each bundle; it returns three collections: one JSON line per
// document, the record `gliner extract` writes
// ({"id":..,"entities":[{"start","end","text","label","score"}],"windows":1,
// "label_groups":1}, plus "chunked", "truncated", "dropped_words" and
// "cut_words" when set),
// entity counts per label, and a dead-letter collection of the records that
// could not be read or annotated, each with its error. [Run] wires the whole
// pipeline from a [Config] and writes the three outputs with textio.
//
// # Concurrency
//
// A runner may run many bundles of the extraction DoFn at once in one worker
// process. They share one [gliner.Model] per process and model setting
// (the model is safe for concurrent use), opened by the first DoFn's Setup
// and closed by the last one's Teardown.
//
// # Invariants
//
// Every document read is either written to the entity output or to the
// dead-letter output, never dropped: a batch that fails is retried one
// document at a time so that only the failing documents are dead-lettered.
// Blank JSON lines are not documents; they are counted (metric
// "blank_lines") and skipped. Elements are emitted in the global window:
// the pipeline is a batch pipeline.
//
// # Errors
//
// Bad options are reported by [Options.Validate] and [Config.Validate]
// before the pipeline is built (errors wrapping [ErrOption]). Records that
// cannot be parsed and documents whose extraction fails go to the dead
// letter. Errors that concern the worker or the run rather than a document
// (the model or the ONNX Runtime library missing, a file that cannot be
// read, a cancelled context, labels or options the model rejects) fail the
// bundle, which the runner retries or reports.
//
// # Metrics
//
// Beam metrics in the namespace "gliner": counters "documents" (annotated),
// "failures" (dead-lettered records, both stages), "blank_lines",
// "entities" and "entities/<label>" for each label, and the distribution
// "model_time_us" (microseconds per model call).
package glinerbeam
