package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"os/signal"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/extractopts"
	"github.com/gliner-go/gliner/internal/flagval"
	"github.com/gliner-go/gliner/internal/offsets"
)

func init() {
	register(command{name: "extract", summary: "find entities in texts (one per line, or JSON lines)", run: runExtract})
}

const extractHelp = `usage: gliner extract [FILE ...] [flags]

Reads texts from the files (or stdin; the name - is stdin too), one per
line, and writes one JSON object per input line, in order:
  {"id":...,"entities":[{"start":..,"end":..,"text":..,"label":..,"score":..}]}
or, for a line that failed:
  {"id":...,"error":"line N: ..."}
Results also say how the text was run: "windows" and "label_groups" (the
model calls it took), "chunked", "truncated", "dropped_words" and
"cut_words" (words over the library's MaxWordBytes, cut), each left out
when zero or false. Texts longer than one model call takes are cut into
overlapping windows whose entities are merged (--long-texts chunk, the
default), cut at the model's limit as the reference does (truncate), or
refused with an error record (error).
A line is a JSON record {"text": "...", "id": ...} or plain text (--input):
auto (the default) takes a line as a record only if it parses as a JSON
object with a "text" field, so a plain line starting with "{" stays text;
jsonl requires a record on every line; text takes every line as text. The
id is the record's "id", else the line number over all inputs. An empty
text gives an empty entity list.

Each batch's results are written as soon as it is done, and the texts read
so far are run when the input waits, so a slow pipe sees every result.
A line that fails (a malformed record, a line over 64 MiB, a text the model
refuses) gives its error record; --on-error skip (the default) goes on,
stop ends the run there; either way the exit status is 1.

Offsets are code points by default (--offsets bytes or utf16 for the
others), as in the server's answers. Token-classification models have a
fixed set of types: without --labels all of them are returned. Flags may
come before or after the file names.

Examples:
  echo "Metformin is used to treat type 2 diabetes." | gliner extract --labels "disease,chemical"
      (the built-in model finds chemical "Metformin" 0.94 and disease "type 2 diabetes" 0.86; it is
      small and not zero-shot: its model card lists where it fails)
  gliner extract notes.txt --model ./gliner_small-v2.1 --labels disease --threshold 0.3
  gliner extract --labels "disease,chemical" --label-threshold chemical=0.7 --nested < texts.jsonl
  tail -f notes.txt | gliner extract --labels disease --input text

Exit codes: 0 ok, 1 runtime error or a failed line, 2 usage error.

Flags:
`

// extractFlags are the flags of gliner extract.
type extractFlags struct {
	labels, labelThresholds, offsets string
	input, onError, longTexts        string
	labelCache                       string
	model                            *modelFlags
	threshold                        float64
	nested, multiLabel               bool
	batch                            int
	unit                             offsets.Unit
	mode                             inputMode
	policy                           onError
	long                             gliner.LongTextPolicy
	perLabel                         map[string]float64
}

func runExtract(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, f := newExtractFlags(stderr)
	files, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	labels, err := f.check()
	if err != nil {
		return usageError(stderr, "extract", "%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	logOut = stderr
	m, err := openModel(*f.model, f.modelOptions()...)
	if err != nil {
		return runtimeError(stderr, "extract", err)
	}
	defer m.Close()
	if labels, err = f.modelLabels(m, labels); err != nil {
		return usageError(stderr, "extract", "%v", err)
	}
	in, closeIn, err := openInputs(files, stdin)
	if err != nil {
		return runtimeError(stderr, "extract", err)
	}
	defer closeIn()
	return f.stream(ctx, m, labels, in, stdout, stderr)
}

// stream runs the extraction over the input and returns the exit code.
func (f *extractFlags) stream(ctx context.Context, m *gliner.Model, labels []string, in io.Reader, stdout, stderr io.Writer) int {
	opts := f.extractOptions()
	extract := func(ctx context.Context, texts []string) ([]gliner.Result, error) {
		return m.ExtractResults(ctx, texts, labels, opts...)
	}
	err := newStream(extract, stdout, f.unit, f.batch, f.policy).run(ctx, in, f.mode)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, gliner.ErrLabel) || errors.Is(err, gliner.ErrBadOption):
		return usageError(stderr, "extract", "%s", errorText(err))
	}
	return runtimeError(stderr, "extract", err)
}

func newExtractFlags(stderr io.Writer) (*flag.FlagSet, *extractFlags) {
	fs := newFlagSet("extract", extractHelp, stderr)
	f := &extractFlags{model: addModelFlags(fs)}
	fs.StringVar(&f.labels, "labels", "", "comma-separated entity types, e.g. \"disease,chemical\" (required, except for token-classification models; repeats are dropped, keeping the first)")
	fs.Float64Var(&f.threshold, "threshold", 0.5, "score a span must exceed, in [0, 1]")
	fs.StringVar(&f.labelThresholds, "label-threshold", "", "per-label thresholds in [0, 1] for labels of --labels, e.g. \"disease=0.4,chemical=0.7\"")
	fs.BoolVar(&f.nested, "nested", false, "allow nested entities")
	fs.BoolVar(&f.multiLabel, "multi-label", false, "allow several labels on one span")
	fs.StringVar(&f.offsets, "offsets", "runes", "offset unit: runes (code points), bytes or utf16")
	fs.StringVar(&f.input, "input", "auto", "input lines: auto (JSON records with \"text\", else plain text), text or jsonl")
	fs.StringVar(&f.longTexts, "long-texts", "chunk", longTextsUsage)
	fs.StringVar(&f.onError, "on-error", "skip", "after a line fails (its error record is written): skip (go on) or stop")
	fs.IntVar(&f.batch, "batch", gliner.DefaultBatchSize, "texts per model call")
	fs.StringVar(&f.labelCache, "label-cache", defaultCacheDir("labels"), "bi-encoder models: folder keeping label embeddings across runs (\"\" = none)")
	return fs, f
}

// check validates the flags and returns the labels, which are empty only
// if --labels was not given (see [extractFlags.modelLabels]).
func (f *extractFlags) check() ([]string, error) {
	if f.batch < 1 {
		return nil, errors.New("--batch must be at least 1")
	}
	var err error
	if f.unit, err = offsets.Parse(f.offsets); err != nil {
		return nil, err
	}
	if f.mode, err = parseInputMode(f.input); err != nil {
		return nil, err
	}
	if f.policy, err = parseOnError(f.onError); err != nil {
		return nil, err
	}
	if f.long, err = parseLongTexts(f.longTexts); err != nil {
		return nil, err
	}
	if err = checkThresholds(f.threshold, nil, nil); err != nil {
		return nil, err
	}
	if f.perLabel, err = flagval.LabelThresholds(f.labelThresholds); err != nil {
		return nil, err
	}
	labels := flagval.List(f.labels)
	if len(labels) == 0 && f.model.model == "" {
		return nil, errLabelsRequired // the built-in model is zero-shot
	}
	if len(labels) == 0 {
		return nil, nil
	}
	return labels, checkThresholds(f.threshold, f.perLabel, labels)
}

// errLabelsRequired reports a zero-shot model run without --labels.
var errLabelsRequired = errors.New("--labels is required: this model takes any labels")

// modelLabels returns the labels of the run: --labels, or all the types of
// a fixed-schema model when --labels is not given.
func (f *extractFlags) modelLabels(m *gliner.Model, labels []string) ([]string, error) {
	if len(labels) > 0 {
		return labels, nil
	}
	if labels = m.Labels(); len(labels) == 0 {
		return nil, errLabelsRequired
	}
	return labels, checkThresholds(f.threshold, f.perLabel, labels)
}

// modelOptions are the options extract opens the model with: its batch
// size and, for bi-encoders, the label cache.
func (f *extractFlags) modelOptions() []gliner.Option {
	opts := []gliner.Option{gliner.WithBatchSize(f.batch)}
	if f.labelCache != "" {
		opts = append(opts, gliner.WithLabelCache(f.labelCache))
	}
	return opts
}

// extractOptions are the extraction options of the flags.
func (f *extractFlags) extractOptions() []gliner.ExtractOption {
	return extractopts.Settings{Threshold: f.threshold, LabelThresholds: f.perLabel,
		Nested: f.nested, MultiLabel: f.multiLabel, LongTexts: f.long}.Options()
}
