package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gliner-go/gliner/gliner"

	"github.com/gliner-go/gliner/internal/evaluate"
	"github.com/gliner-go/gliner/internal/extractopts"
	"github.com/schollz/progressbar/v3"
)

func init() {
	register(command{name: "eval", summary: "score a model on a gold corpus (precision, recall, F1, cost)", run: runEval})
}

const evalHelp = `usage: gliner eval --data FILE [flags]
       gliner eval --compare [--report FILE] REPORT.json ...

Runs a model over a gold corpus and prints precision, recall and F1 per
entity type, micro and macro, and by entity length in words (1, 2, 3+;
recall over gold entities of that length, precision over predictions of
that length), with strict (same boundaries and type) or overlap matching,
plus the cost: texts per second, p50/p95 latency per text, peak memory.

Corpus formats (--format, else inferred from the file name):
  conll     token<TAB>tag lines, IOB2 tags, blank line between sentences;
            each sentence is one text, tokens joined by single spaces
  pubtator  id|t|title, id|a|abstract, then id start end text type [concept];
            each document is one text, title + " " + abstract
  jsonl     {"text": "...", "entities": [{"start", "end", "label"}]} per line,
            offsets in code points

--labels maps corpus types to the labels given to the model; types mapped to
the same label are scored as one; types left out are not evaluated. Without
it every type T is asked for as lower-case T with "_" as spaces.
--extra-labels adds labels to every prompt without scoring them (their
predictions are dropped), to measure a model prompted with several types on
a corpus that annotates only some: --labels Disease=disease --extra-labels
chemical,gene.

--report out.json writes the report as JSON and as out.html (a self-contained
page with the tables and bar charts). --compare reads several JSON reports
and writes a comparison page (quality against speed) to --report (default
comparison.html).

For publication: --bootstrap[=N] resamples the documents N times (1000 when
given alone; --seed fixes the draw) and reports 95% percentile intervals of
micro and per-type precision, recall and F1; the JSON report then keeps
per-document counts, and --compare --bootstrap pairs such reports over the
same documents (share of resamples where each run's micro F1 is higher, ties
counted apart). --errors N lists up to N false positives (most confident
first) and N false negatives per type with the text around them, and a table
of gold type against predicted label for same-boundary spans. --sweep
START:END:STEP runs the model once and scores every threshold of the range
with the same flat/nested rules: a precision-recall curve and the best-F1
threshold, micro and per type.

Examples:
  gliner eval --model ./gliner-biomed-small --data ncbi-disease/test.tsv --labels Disease=disease
  gliner eval --model hf:onnx-community/gliner_small-v2.1 --data bc5cdr.test.pubtator.txt \
      --labels "Chemical=chemical,Disease=disease" --match overlap --report small.json
  gliner eval --data gold.jsonl --threshold 0.3 --limit 200 --batch 16
  gliner eval --compare --report models.html small.json medium.json large.json
  gliner eval --data ncbi/test.tsv --bootstrap --errors 10 --sweep 0.05:0.95:0.05 --report run.json
  gliner eval --compare --bootstrap=2000 --seed 7 small.json medium.json

Exit codes: 0 ok, 1 runtime error (unreadable corpus, model failure), 2 usage error.

Flags:
`

type evalFlags struct {
	model                                     *modelFlags
	data, format, labels, match, report, name *string
	extraLabels                               *string
	longTexts                                 *string
	threshold                                 *float64
	nested, multiLabel, compare               *bool
	batch, limit                              *int
	publish                                   *publishFlags
}

// publishFlags are the flags of confidence intervals, error analysis and
// threshold sweeps (issue 19); their logic lives in internal/evaluate.
type publishFlags struct {
	bootstrap evaluate.ResamplesFlag
	seed      *uint64
	errors    *int
	sweep     *string
}

func addPublishFlags(fs *flag.FlagSet) *publishFlags {
	f := &publishFlags{
		seed:   fs.Uint64("seed", 1, "seed of the bootstrap"),
		errors: fs.Int("errors", 0, "list up to N false positives and N false negatives per type in context, and a type confusion table"),
		sweep:  fs.String("sweep", "", "score every threshold START:END:STEP (e.g. 0.05:0.95:0.05) from one model pass"),
	}
	fs.Var(&f.bootstrap, "bootstrap", "95% bootstrap confidence intervals over documents with N resamples (--bootstrap alone: 1000); with --compare, a paired bootstrap between the runs")
	return f
}

// apply checks the flags and sets the options they ask for.
func (f *publishFlags) apply(o *evaluate.Options, threshold float64, nested, multiLabel bool) error {
	if *f.errors < 0 {
		return fmt.Errorf("--errors must be at least 0")
	}
	o.Bootstrap, o.Seed, o.Errors = int(f.bootstrap), *f.seed, *f.errors
	if *f.sweep == "" {
		return nil
	}
	ts, err := evaluate.ParseSweep(*f.sweep)
	o.Sweep = evaluate.Sweep{Thresholds: ts, Threshold: threshold, Nested: nested, MultiLabel: multiLabel}
	return err
}

func newEvalFlags(stderr io.Writer) (*flag.FlagSet, *evalFlags) {
	fs := newFlagSet("eval", evalHelp, stderr)
	f := &evalFlags{
		model:      addModelFlags(fs),
		data:       fs.String("data", "", "gold corpus file, - for stdin (required)"),
		format:     fs.String("format", "", "corpus format: conll, pubtator or jsonl (default: from the file name)"),
		labels:     fs.String("labels", "", `corpus type to label map, e.g. "Disease=disease,Chemical=chemical compound"`),
		match:      fs.String("match", "strict", "matching: strict (same boundaries and type) or overlap"),
		threshold:  fs.Float64("threshold", 0.5, "score a span must exceed, in [0, 1]"),
		longTexts:  fs.String("long-texts", "chunk", longTextsUsage),
		nested:     fs.Bool("nested", false, "allow nested entities"),
		multiLabel: fs.Bool("multi-label", false, "allow several labels on one span"),
		batch:      fs.Int("batch", gliner.DefaultBatchSize, "texts per model call"),
		limit:      fs.Int("limit", 0, "evaluate only the first N texts (0: all)"),
		report:     fs.String("report", "", "write the report as JSON to FILE and as HTML next to it"),
		name:       fs.String("name", "", "name of the run in reports (default: the model's name)"),
		compare:    fs.Bool("compare", false, "compare the JSON reports given as arguments"),
		publish:    addPublishFlags(fs),
	}
	f.extraLabels = fs.String("extra-labels", "", `labels prompted with --labels but not scored, e.g. "chemical,gene"`)
	return fs, f
}

func runEval(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, f := newEvalFlags(stderr)
	pos, code, ok := parseFlags(fs, evaluate.JoinResamplesArg(args, "bootstrap"))
	if !ok {
		return code
	}
	if *f.compare {
		return runCompare(pos, *f.report, f.publish, stdout, stderr)
	}
	if len(pos) > 0 {
		return usageError(stderr, "eval", "unexpected arguments %q (reports are compared with --compare)", pos)
	}
	opts, format, err := f.options()
	if err != nil {
		return usageError(stderr, "eval", "%v", err)
	}
	logOut = stderr
	if *f.report != "" {
		if err := evaluate.CheckReportPath(*f.report); err != nil {
			return runtimeError(stderr, "eval", err)
		}
	}
	corpus, err := readCorpus(*f.data, format, stdin)
	if err != nil {
		return runtimeError(stderr, "eval", err)
	}
	warnAbsentTypes(stderr, corpus, opts.Labels)
	if corpus.StrayInside > 0 {
		fmt.Fprintf(stderr, "gliner eval: warning: %d I- tags continue no entity (invalid IOB2) and were ignored, as seqeval's strict mode does\n", corpus.StrayInside)
	}
	f.model.batch = *f.batch
	m, err := openExtractor(*f.model)
	if err != nil {
		return runtimeError(stderr, "eval", err)
	}
	defer m.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bar := newProgress(stderr, len(corpus.Docs), *f.limit)
	opts.Progress = bar.update
	rep, err := evaluate.Run(ctx, m, corpus, opts)
	bar.finish()
	if err != nil {
		return runtimeError(stderr, "eval", err)
	}
	f.describe(rep, format)
	if err := rep.WriteTable(stdout); err != nil {
		return runtimeError(stderr, "eval", err)
	}
	return writeReport(rep, *f.report, stderr)
}

// warnAbsentTypes warns about --labels types the corpus never has: their
// F1 would be 0 with no other sign of the mistake.
func warnAbsentTypes(stderr io.Writer, c *evaluate.Corpus, labels map[string]string) {
	if absent := c.AbsentTypes(labels); len(absent) > 0 {
		fmt.Fprintf(stderr, "gliner eval: warning: --labels types %q never occur in the corpus (its types: %q); they will score 0\n", absent, c.Types())
	}
}

// options turns the flags into evaluation options.
func (f *evalFlags) options() (evaluate.Options, evaluate.Format, error) {
	var o evaluate.Options
	if *f.data == "" {
		return o, 0, fmt.Errorf("--data is required")
	}
	var format evaluate.Format
	var err error
	if *f.format != "" {
		if format, err = evaluate.ParseFormat(*f.format); err != nil {
			return o, 0, err
		}
	} else if *f.data == stdinName {
		return o, 0, errStdinFormat
	} else if format, err = evaluate.FormatFromPath(*f.data); err != nil {
		return o, 0, err
	}
	if o.Match, err = evaluate.ParseMatch(*f.match); err != nil {
		return o, 0, err
	}
	if *f.labels != "" {
		if o.Labels, err = evaluate.ParseLabelMap(*f.labels); err != nil {
			return o, 0, err
		}
	}
	if *f.extraLabels != "" {
		if o.ExtraLabels, err = parseLabelList(*f.extraLabels); err != nil {
			return o, 0, err
		}
	}
	if err := checkThresholds(*f.threshold, nil, nil); err != nil {
		return o, 0, err
	}
	long, err := parseLongTexts(*f.longTexts)
	if err != nil {
		return o, 0, err
	}
	if *f.batch < 1 || *f.limit < 0 {
		return o, 0, fmt.Errorf("--batch must be at least 1 and --limit at least 0")
	}
	o.Batch, o.Limit = *f.batch, *f.limit
	o.Extract = extractopts.Settings{Threshold: *f.threshold, Nested: *f.nested, MultiLabel: *f.multiLabel, LongTexts: long}.Options()
	return o, format, f.publish.apply(&o, *f.threshold, *f.nested, *f.multiLabel)
}

// parseLabelList splits "a, b,c" into labels; an empty entry is an error.
func parseLabelList(s string) ([]string, error) {
	var out []string
	for _, l := range strings.Split(s, ",") {
		if l = strings.TrimSpace(l); l == "" {
			return nil, fmt.Errorf("--extra-labels %q has an empty label", s)
		}
		out = append(out, l)
	}
	return out, nil
}

// describe fills in the run's settings.
func (f *evalFlags) describe(r *evaluate.Report, format evaluate.Format) {
	r.Model = f.model.model
	if r.Model == "" {
		r.Model = "built-in"
	}
	r.Name = *f.name
	if r.Name == "" {
		r.Name = filepath.Base(strings.TrimPrefix(r.Model, hfPrefix))
		if v := strings.ToLower(f.model.variant); v != "" && v != "fp32" {
			r.Name += "-" + v
		}
	}
	r.Data, r.Format = *f.data, format.String()
	r.Threshold, r.Nested, r.Batch = *f.threshold, *f.nested, *f.batch
	r.Created = time.Now().UTC().Format(time.RFC3339)
}

func writeReport(r *evaluate.Report, path string, stderr io.Writer) int {
	if path == "" {
		return exitOK
	}
	htmlPath, err := r.WriteFiles(path)
	if err != nil {
		return runtimeError(stderr, "eval", err)
	}
	fmt.Fprintf(stderr, "gliner eval: wrote %s and %s\n", path, htmlPath)
	return exitOK
}

// runCompare writes the comparison page of several JSON reports and a
// summary table on stdout.
func runCompare(paths []string, out string, pf *publishFlags, stdout, stderr io.Writer) int {
	if len(paths) == 0 {
		return usageError(stderr, "eval", "--compare needs at least one JSON report")
	}
	if out == "" {
		out = "comparison.html"
	}
	var reports []*evaluate.Report
	for _, p := range paths {
		r, err := evaluate.ReadReport(p)
		if err != nil {
			return runtimeError(stderr, "eval", err)
		}
		reports = append(reports, r)
	}
	fmt.Fprintf(stdout, "%-28s %-8s %9s %9s %9s %9s %10s %9s\n", "run", "match", "micro P", "micro R", "micro F1", "macro F1", "texts/s", "p95 ms")
	for _, r := range reports {
		s := r.Scores
		fmt.Fprintf(stdout, "%-28s %-8s %9.4f %9.4f %9.4f %9.4f %10.1f %9.1f\n", r.Name, s.Match, s.Micro.Precision, s.Micro.Recall, s.Micro.F1, s.Macro.F1, r.Cost.TextsPerSecond, r.Cost.LatencyP95Ms)
	}
	var paired []*evaluate.Paired
	if pf.bootstrap > 0 {
		var err error
		if paired, err = evaluate.ComparePaired(reports, int(pf.bootstrap), *pf.seed); err != nil {
			return runtimeError(stderr, "eval", err)
		}
		evaluate.WritePairedTable(stdout, paired)
	}
	file, err := os.Create(out)
	if err != nil {
		return runtimeError(stderr, "eval", err)
	}
	err = evaluate.WriteCompareHTML(file, reports, paired...)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return runtimeError(stderr, "eval", err)
	}
	fmt.Fprintf(stderr, "gliner eval: wrote %s\n", out)
	return exitOK
}

// progress is a progress bar with ETA on stderr, shown only when stderr is
// a terminal.
type progress struct {
	bar *progressbar.ProgressBar
}

func newProgress(stderr io.Writer, docs, limit int) *progress {
	if !isTerminal(stderr) {
		return &progress{}
	}
	total := docs
	if limit > 0 && limit < total {
		total = limit
	}
	return &progress{bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription("eval"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("texts"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

func (p *progress) update(done, total int) {
	if p.bar != nil {
		p.bar.Set(done)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
