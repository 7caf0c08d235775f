package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/offsets"
)

func init() {
	register(command{name: "extract", summary: "find entities in texts (one per line, or JSON lines)", run: runExtract})
}

const extractHelp = `usage: gliner extract [FILE ...] [flags]

Reads texts from the files (or stdin; the name - is stdin too), one per
line, or JSON lines with a "text" field and an optional "id", and writes one
JSON object per input line:
  {"id":...,"entities":[{"start":..,"end":..,"text":..,"label":..,"score":..}]}
An empty line gives an empty entity list. Offsets are code points by default
(--offsets bytes or utf16 for the others), as in the server's answers.
Flags may come before or after the file names.

Examples:
  echo "Metformin is used to treat type 2 diabetes." | gliner extract --labels "disease,chemical"
  gliner extract notes.txt --model ./gliner_small-v2.1 --labels disease --threshold 0.3
  gliner extract --labels "disease,chemical" --label-threshold chemical=0.7 --nested < texts.jsonl

Flags:
`

// extractFlags are the flags of gliner extract.
type extractFlags struct {
	labels, labelThresholds, offsets string
	labelCache                       string
	model                            *modelFlags
	threshold                        float64
	nested, multiLabel               bool
	batch                            int
	unit                             offsets.Unit
}

func runExtract(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, f := newExtractFlags(stderr)
	files, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	labels, opts, err := f.check()
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
	in, closeIn, err := openInputs(files, stdin)
	if err != nil {
		return runtimeError(stderr, "extract", err)
	}
	defer closeIn()
	if err := extractStream(ctx, m, in, stdout, labels, opts, *f); err != nil {
		return runtimeError(stderr, "extract", err)
	}
	return exitOK
}

func newExtractFlags(stderr io.Writer) (*flag.FlagSet, *extractFlags) {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &extractFlags{model: addModelFlags(fs)}
	fs.StringVar(&f.labels, "labels", "", "comma-separated entity types, e.g. \"disease,chemical\" (required; repeats are dropped, keeping the first)")
	fs.Float64Var(&f.threshold, "threshold", 0.5, "score a span must exceed")
	fs.StringVar(&f.labelThresholds, "label-threshold", "", "per-label thresholds, e.g. \"disease=0.4,chemical=0.7\"")
	fs.BoolVar(&f.nested, "nested", false, "allow nested entities")
	fs.BoolVar(&f.multiLabel, "multi-label", false, "allow several labels on one span")
	fs.StringVar(&f.offsets, "offsets", "runes", "offset unit: runes (code points), bytes or utf16")
	fs.IntVar(&f.batch, "batch", 8, "texts per model call")
	fs.StringVar(&f.labelCache, "label-cache", defaultLabelCacheDir(), "bi-encoder models: folder keeping label embeddings across runs (\"\" = none)")
	fs.Usage = func() { fmt.Fprint(stderr, extractHelp); fs.PrintDefaults() }
	return fs, f
}

// check validates the flags and returns the labels and extraction options.
func (f *extractFlags) check() ([]string, []gliner.ExtractOption, error) {
	labels := splitList(f.labels)
	if len(labels) == 0 {
		return nil, nil, errors.New("--labels is required")
	}
	if f.batch < 1 {
		return nil, nil, errors.New("--batch must be at least 1")
	}
	unit, err := offsets.Parse(f.offsets)
	if err != nil {
		return nil, nil, err
	}
	f.unit = unit
	opts, err := f.extractOptions()
	return labels, opts, err
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

func (f *extractFlags) extractOptions() ([]gliner.ExtractOption, error) {
	opts := []gliner.ExtractOption{gliner.WithThreshold(f.threshold)}
	if f.nested {
		opts = append(opts, gliner.WithNested())
	}
	if f.multiLabel {
		opts = append(opts, gliner.WithMultiLabel())
	}
	for _, kv := range splitList(f.labelThresholds) {
		i := strings.LastIndexByte(kv, '=')
		if i < 0 {
			return nil, fmt.Errorf("--label-threshold: %q is not label=value", kv)
		}
		t, err := strconv.ParseFloat(strings.TrimSpace(kv[i+1:]), 64)
		if err != nil {
			return nil, fmt.Errorf("--label-threshold: %q: %v", kv, err)
		}
		opts = append(opts, gliner.WithLabelThreshold(strings.TrimSpace(kv[:i]), t))
	}
	return opts, nil
}

// defaultLabelCacheDir is where gliner extract keeps the label embeddings of
// bi-encoder models: the user's cache folder, or none if there is none.
func defaultLabelCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "gliner", "labels")
}

// splitList splits a comma-separated flag value, trimming spaces and
// dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// openInputs concatenates the named files, or returns stdin when there are
// none; the name "-" is stdin too.
func openInputs(names []string, stdin io.Reader) (io.Reader, func(), error) {
	if len(names) == 0 {
		return stdin, func() {}, nil
	}
	var rs []io.Reader
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	for _, n := range names {
		if n == stdinName {
			rs = append(rs, &lineEnded{r: stdin})
			continue
		}
		f, err := os.Open(n)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		files = append(files, f)
		rs = append(rs, &lineEnded{r: f})
	}
	return io.MultiReader(rs...), closeAll, nil
}

// lineEnded reads r and adds a final newline if r's last line lacks one,
// so that inputs concatenate line by line without adding empty lines.
type lineEnded struct {
	r          io.Reader
	last       byte
	read, done bool
}

// Read implements io.Reader.
func (l *lineEnded) Read(p []byte) (int, error) {
	if l.done || len(p) == 0 {
		return 0, io.EOF
	}
	n, err := l.r.Read(p)
	if n > 0 {
		l.last, l.read = p[n-1], true
	}
	if err != io.EOF {
		return n, err
	}
	if n == 0 && l.read && l.last != '\n' {
		p[0], l.last = '\n', '\n'
		return 1, nil
	}
	if n == 0 {
		l.done = true
	}
	return n, nil
}

// inputLine is one input record.
type inputLine struct {
	id   json.RawMessage
	text string
}

// outEntity is an entity as gliner extract writes it.
type outEntity = offsets.Entity

type outLine struct {
	ID       json.RawMessage `json:"id"`
	Entities []outEntity     `json:"entities"`
}

// maxLine is the longest input line accepted; a longer one is an error, not
// a silent cut.
const maxLine = 64 << 20

// extractStream reads records, extracts in batches and writes one output
// line per input line, in order.
func extractStream(ctx context.Context, m *gliner.Model, r io.Reader, w io.Writer, labels []string, opts []gliner.ExtractOption, f extractFlags) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var batch []inputLine
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		texts := make([]string, len(batch))
		for i, l := range batch {
			texts[i] = l.text
		}
		res, err := m.ExtractBatch(ctx, texts, labels, opts...)
		if err != nil {
			return err
		}
		for i, l := range batch {
			if err := enc.Encode(outLine{ID: l.id, Entities: offsets.Convert(l.text, res[i], f.unit)}); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return bw.Flush()
	}
	for n := 1; sc.Scan(); n++ {
		l, err := parseInputLine(sc.Text(), n)
		if err != nil {
			return err
		}
		if batch = append(batch, l); len(batch) == f.batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("an input line is longer than %d bytes", maxLine)
		}
		return err
	}
	return flush()
}

// parseInputLine reads a JSON object with "text" (and optional "id") when
// the line is one, else takes the line as the text with its line number as id.
func parseInputLine(line string, n int) (inputLine, error) {
	if t := strings.TrimSpace(line); strings.HasPrefix(t, "{") {
		var rec struct {
			ID   json.RawMessage `json:"id"`
			Text *string         `json:"text"`
		}
		if err := json.Unmarshal([]byte(t), &rec); err != nil {
			return inputLine{}, fmt.Errorf("line %d: invalid JSON: %v", n, err)
		}
		if rec.Text == nil {
			return inputLine{}, fmt.Errorf("line %d: JSON object without \"text\"", n)
		}
		id := rec.ID
		if id == nil {
			id = json.RawMessage(strconv.Itoa(n))
		}
		return inputLine{id: id, text: *rec.Text}, nil
	}
	return inputLine{id: json.RawMessage(strconv.Itoa(n)), text: line}, nil
}
