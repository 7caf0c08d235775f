// Command gliner-beam annotates a corpus with a GLiNER model on any Apache
// Beam runner: Prism (local, the default), Flink, Spark or Dataflow.
//
//	gliner-beam --input 'docs/*.jsonl' --output out/run --entity-labels disease,chemical,gene
//
// reads JSON lines {"id":..,"text":..} (or PubTator files) and writes
// out/run.entities.jsonl (one line per document, as `gliner extract`
// writes), out/run.counts.jsonl (entities per label) and
// out/run.deadletter.jsonl (records that could not be read or annotated,
// with the error). Beam's own flags (--runner, --endpoint,
// --environment_type, --project, ...) select and configure the runner; see
// the beam folder's README.
package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/gliner-go/gliner/gliner"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/gliner-go/gliner/beam/glinerbeam"
	"github.com/gliner-go/gliner/internal/flagval"
)

// The pipeline options. Beam passes them to the workers with the job.
var (
	input       = flag.String("input", "", "input files: a glob on any Beam filesystem (local, gs://...) (required)")
	format      = flag.String("format", "auto", "input format: jsonl, pubtator, or auto (pubtator when the file name contains \"pubtator\")")
	output      = flag.String("output", "", "output prefix: writes PREFIX.entities.jsonl, PREFIX.counts.jsonl, PREFIX.deadletter.jsonl (required)")
	labels      = flag.String("entity-labels", "", "comma-separated entity types, e.g. \"disease,chemical\" (required; gliner extract's --labels, renamed: Beam's Dataflow runner owns --labels)")
	threshold   = flag.Float64("threshold", 0.5, "score a span must exceed")
	labelThr    = flag.String("label-threshold", "", "per-label thresholds, e.g. \"disease=0.4,chemical=0.7\"")
	nested      = flag.Bool("nested", false, "allow nested entities")
	multiLabel  = flag.Bool("multi-label", false, "allow several labels on one span")
	model       = flag.String("model", "", "model folder on the workers, \"hf:owner/name[@revision]\" (pulled on first use), or empty for the built-in model")
	variant     = flag.String("variant", "fp32", "ONNX variant: fp32, or the suffix of model_<variant>.onnx (fp16, int8, quantized)")
	offsets     = flag.String("offsets", "runes", "offset unit: runes (code points), bytes or utf16")
	batch       = flag.Int("batch", gliner.DefaultBatchSize, "documents per model call (batched within a bundle)")
	longTexts   = flag.String("long-texts", "chunk", "texts longer than one model call takes: chunk (overlapping windows, entities merged), truncate (the reference: the tail is not read) or error (dead letter)")
	threads     = flag.Int("threads", 0, "ONNX Runtime intra-op threads per model (0 = one per core)")
	libraryPath = flag.String("onnxruntime-lib", "", "ONNX Runtime shared library on the workers (default: $ONNXRUNTIME_SHARED_LIBRARY_PATH, beside the binary, system locations)")
)

func main() {
	flag.Parse()
	beam.Init()
	c, err := config()
	if err != nil {
		log.Exitf(context.Background(), "gliner-beam: %v", err)
	}
	p, s := beam.NewPipelineWithRoot()
	if err := glinerbeam.Build(s, c); err != nil {
		log.Exitf(context.Background(), "gliner-beam: %v", err)
	}
	if err := beamx.Run(context.Background(), p); err != nil {
		log.Exitf(context.Background(), "gliner-beam: %v", err)
	}
}

// config turns the flags into a pipeline configuration.
func config() (glinerbeam.Config, error) {
	o, err := options()
	if err != nil {
		return glinerbeam.Config{}, err
	}
	f, err := glinerbeam.ParseFormat(*format)
	if err != nil {
		return glinerbeam.Config{}, err
	}
	if *output == "" {
		return glinerbeam.Config{}, fmt.Errorf("--output is required")
	}
	c := glinerbeam.Config{
		Input: *input, Format: f, Options: o,
		Entities:   *output + ".entities.jsonl",
		Counts:     *output + ".counts.jsonl",
		DeadLetter: *output + ".deadletter.jsonl",
	}
	return c, c.Validate()
}

// options turns the extraction flags into options.
func options() (glinerbeam.Options, error) {
	o := glinerbeam.Options{
		Labels: flagval.List(*labels), Threshold: *threshold, Nested: *nested, MultiLabel: *multiLabel,
		Model: *model, Variant: *variant, BatchSize: *batch, Threads: *threads, LibraryPath: *libraryPath,
	}
	var err error
	if o.Offsets, err = glinerbeam.ParseOffsetUnit(*offsets); err != nil {
		return o, err
	}
	if o.LongTexts, err = glinerbeam.ParseLongTexts(*longTexts); err != nil {
		return o, err
	}
	if *batch < 1 {
		return o, fmt.Errorf("--batch must be at least 1")
	}
	o.LabelThresholds, err = flagval.LabelThresholds(*labelThr)
	return o, err
}
