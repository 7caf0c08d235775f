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

Examples:
  gliner eval --model ./gliner-biomed-small --data ncbi-disease/test.tsv --labels Disease=disease
  gliner eval --model hf:onnx-community/gliner_small-v2.1 --data bc5cdr.test.pubtator.txt \
      --labels "Chemical=chemical,Disease=disease" --match overlap --report small.json
  gliner eval --data gold.jsonl --threshold 0.3 --limit 200 --batch 16
  gliner eval --compare --report models.html small.json medium.json large.json

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
}

func newEvalFlags(stderr io.Writer) (*flag.FlagSet, *evalFlags) {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
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
		batch:      fs.Int("batch", 8, "texts per model call"),
		limit:      fs.Int("limit", 0, "evaluate only the first N texts (0: all)"),
		report:     fs.String("report", "", "write the report as JSON to FILE and as HTML next to it"),
		name:       fs.String("name", "", "name of the run in reports (default: the model's name)"),
		compare:    fs.Bool("compare", false, "compare the JSON reports given as arguments"),
	}
	f.extraLabels = fs.String("extra-labels", "", `labels prompted with --labels but not scored, e.g. "chemical,gene"`)
	fs.Usage = func() { fmt.Fprint(stderr, evalHelp); fs.PrintDefaults() }
	return fs, f
}

func runEval(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, f := newEvalFlags(stderr)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if *f.compare {
		return runCompare(pos, *f.report, stdout, stderr)
	}
	if len(pos) > 0 {
		return usageError(stderr, "eval", "unexpected arguments %q (reports are compared with --compare)", pos)
	}
	opts, format, err := f.options()
	if err != nil {
		return usageError(stderr, "eval", "%v", err)
	}
	logOut = stderr
	corpus, err := readCorpus(*f.data, format, stdin)
	if err != nil {
		return runtimeError(stderr, "eval", err)
	}
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
	o.Extract = []gliner.ExtractOption{gliner.WithThreshold(*f.threshold), gliner.WithLongTextPolicy(long)}
	if *f.nested {
		o.Extract = append(o.Extract, gliner.WithNested())
	}
	if *f.multiLabel {
		o.Extract = append(o.Extract, gliner.WithMultiLabel())
	}
	return o, format, nil
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
func runCompare(paths []string, out string, stdout, stderr io.Writer) int {
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
	file, err := os.Create(out)
	if err != nil {
		return runtimeError(stderr, "eval", err)
	}
	err = evaluate.WriteCompareHTML(file, reports)
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
