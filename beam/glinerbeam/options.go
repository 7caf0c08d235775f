package glinerbeam

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/extractopts"
	"github.com/gliner-go/gliner/internal/offsets"
	"github.com/gliner-go/gliner/internal/server"
)

// ErrOption reports an invalid pipeline option.
var ErrOption = errors.New("glinerbeam: bad option")

// OffsetUnit is the unit of the start and end offsets written for
// entities: the unit of `gliner extract --offsets`, whose conversion the
// pipeline shares.
type OffsetUnit = offsets.Unit

// The offset units, as `gliner extract --offsets` names them.
const (
	Runes = offsets.Runes // Unicode code points (the Python reference's)
	Bytes = offsets.Bytes // UTF-8 bytes
	UTF16 = offsets.UTF16 // UTF-16 code units (JavaScript's)
)

// ParseOffsetUnit parses "runes" (also ""), "bytes" or "utf16", as
// `gliner extract --offsets` does.
func ParseOffsetUnit(s string) (OffsetUnit, error) {
	u, err := offsets.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrOption, err)
	}
	return u, nil
}

// ParseLongTexts parses the long-text policy as `gliner extract
// --long-texts` does: "chunk" (the default, also ""), "truncate" (the
// reference's behaviour) or "error" (the document is dead-lettered).
func ParseLongTexts(s string) (gliner.LongTextPolicy, error) {
	p, err := server.ParseLongTexts(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrOption, err)
	}
	return p, nil
}

// Options are the extraction settings of the DoFn. They travel to the
// workers inside the serialized DoFn, so every field is exported and plain.
// The zero value is not usable: set Labels (see [Options.Validate]).
type Options struct {
	// Labels are the entity types to find.
	Labels []string
	// Threshold is the score a span must exceed (`gliner extract` uses 0.5).
	Threshold float64
	// LabelThresholds override Threshold for some labels.
	LabelThresholds map[string]float64
	// Nested and MultiLabel are `gliner extract --nested` and --multi-label.
	Nested, MultiLabel bool
	// Model is a model folder on the worker, "hf:owner/name[@revision]"
	// (downloaded into the worker's Hugging Face cache on first use), or ""
	// for the built-in model.
	Model string
	// Variant picks the ONNX file: "fp32" (or "") for model.onnx, else the
	// suffix of model_<variant>.onnx; with hf: models, fp32, fp16 or int8.
	Variant string
	// Offsets is the unit of the written offsets.
	Offsets OffsetUnit
	// BatchSize is how many documents go to the model at once (default
	// [gliner.DefaultBatchSize]).
	BatchSize int
	// LongTexts is the policy for texts longer than one model call takes
	// (the zero value, [gliner.ChunkLongTexts], as `gliner extract`); a
	// text refused under [gliner.RefuseLongTexts] is dead-lettered.
	LongTexts gliner.LongTextPolicy
	// Threads is ONNX Runtime's intra-op thread count per model (0 = its
	// default, one per core).
	Threads int
	// LibraryPath is the ONNX Runtime shared library on the workers ("" =
	// discovery: $ONNXRUNTIME_SHARED_LIBRARY_PATH, beside the binary, system
	// locations).
	LibraryPath string
}

// Validate reports the first invalid option.
func (o Options) Validate() error {
	switch {
	case len(o.Labels) == 0:
		return fmt.Errorf("%w: no labels", ErrOption)
	case o.BatchSize < 0:
		return fmt.Errorf("%w: batch size %d", ErrOption, o.BatchSize)
	case o.Threads < 0:
		return fmt.Errorf("%w: threads %d", ErrOption, o.Threads)
	case o.Offsets < Runes || o.Offsets > UTF16:
		return fmt.Errorf("%w: offset unit %d", ErrOption, int(o.Offsets))
	case o.LongTexts < gliner.ChunkLongTexts || o.LongTexts > gliner.RefuseLongTexts:
		return fmt.Errorf("%w: long-text policy %d", ErrOption, int(o.LongTexts))
	case o.Model == "" && o.Variant != "" && !strings.EqualFold(o.Variant, "fp32"):
		return fmt.Errorf("%w: the built-in model has only the fp32 variant, not %q", ErrOption, o.Variant)
	}
	return nil
}

// batchSize is BatchSize with its default.
func (o Options) batchSize() int {
	if o.BatchSize == 0 {
		return gliner.DefaultBatchSize
	}
	return o.BatchSize
}

// extractOptions are the per-call options of [gliner.Model.ExtractResults],
// built as `gliner extract` builds them.
func (o Options) extractOptions() []gliner.ExtractOption {
	return extractopts.Settings{Threshold: o.Threshold, LabelThresholds: o.LabelThresholds,
		Nested: o.Nested, MultiLabel: o.MultiLabel, LongTexts: o.LongTexts}.Options()
}

// DefaultOptions returns the options `gliner extract` uses by default for
// the given labels: threshold 0.5, flat entities, code-point offsets,
// batches of [gliner.DefaultBatchSize], the built-in model, long texts
// chunked.
func DefaultOptions(labels ...string) Options {
	return Options{Labels: labels, Threshold: 0.5, BatchSize: gliner.DefaultBatchSize}
}
