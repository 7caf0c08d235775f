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
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gliner-go/gliner/gliner"
)

func init() {
	register(command{name: "extract", summary: "find entities in texts (one per line, or JSON lines)", run: runExtract})
}

const extractHelp = `usage: gliner extract [flags] [FILE ...]

Reads texts from the files (or stdin), one per line, or JSON lines with a
"text" field and an optional "id", and writes one JSON object per input line:
  {"id":...,"entities":[{"start":..,"end":..,"text":..,"label":..,"score":..}]}
An empty line gives an empty entity list. Offsets are code points by default.

Examples:
  echo "Metformin is used to treat type 2 diabetes." | gliner extract --labels "disease,chemical"
  gliner extract --model ./gliner_small-v2.1 --labels disease --threshold 0.3 notes.txt
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
}

func runExtract(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f extractFlags
	f.model = addModelFlags(fs)
	fs.StringVar(&f.labels, "labels", "", "comma-separated entity types, e.g. \"disease,chemical\" (required)")
	fs.Float64Var(&f.threshold, "threshold", 0.5, "score a span must exceed")
	fs.StringVar(&f.labelThresholds, "label-threshold", "", "per-label thresholds, e.g. \"disease=0.4,chemical=0.7\"")
	fs.BoolVar(&f.nested, "nested", false, "allow nested entities")
	fs.BoolVar(&f.multiLabel, "multi-label", false, "allow several labels on one span")
	fs.StringVar(&f.offsets, "offsets", "runes", "offset unit: runes (code points), bytes or utf16")
	fs.IntVar(&f.batch, "batch", 8, "texts per model call")
	fs.StringVar(&f.labelCache, "label-cache", defaultLabelCacheDir(), "bi-encoder models: folder keeping label embeddings across runs (\"\" = none)")
	fs.Usage = func() { fmt.Fprint(stderr, extractHelp); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	labels := splitList(f.labels)
	opts, err := f.extractOptions()
	if err == nil && len(labels) == 0 {
		err = errors.New("--labels is required")
	}
	if err == nil && f.offsets != "runes" && f.offsets != "bytes" && f.offsets != "utf16" {
		err = fmt.Errorf("--offsets must be runes, bytes or utf16, not %q", f.offsets)
	}
	if err == nil && f.batch < 1 {
		err = errors.New("--batch must be at least 1")
	}
	if err != nil {
		fmt.Fprintf(stderr, "gliner extract: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var mopts []gliner.Option
	if f.labelCache != "" {
		mopts = append(mopts, gliner.WithLabelCache(f.labelCache))
	}
	m, err := openModel(*f.model, mopts...)
	if err != nil {
		fmt.Fprintf(stderr, "gliner extract: %v\n", err)
		return exitRuntime
	}
	defer m.Close()
	in, closeIn, err := openInputs(fs.Args(), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "gliner extract: %v\n", err)
		return exitRuntime
	}
	defer closeIn()
	if err := extractStream(ctx, m, in, stdout, labels, opts, f); err != nil {
		fmt.Fprintf(stderr, "gliner extract: %v\n", err)
		return exitRuntime
	}
	return exitOK
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

// openInputs concatenates the named files, or returns stdin when there are none.
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
		f, err := os.Open(n)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		files = append(files, f)
		rs = append(rs, f, strings.NewReader("\n"))
	}
	return io.MultiReader(rs...), closeAll, nil
}

// inputLine is one input record.
type inputLine struct {
	id   json.RawMessage
	text string
}

// outEntity is an entity as gliner extract writes it.
type outEntity struct {
	Start int     `json:"start"`
	End   int     `json:"end"`
	Text  string  `json:"text"`
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

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
			if err := enc.Encode(outLine{ID: l.id, Entities: convertOffsets(l.text, res[i], f.offsets)}); err != nil {
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

// convertOffsets reports entities with offsets in the chosen unit.
func convertOffsets(text string, ents []gliner.Entity, unit string) []outEntity {
	out := make([]outEntity, len(ents))
	for i, e := range ents {
		o := outEntity{Text: e.Text, Label: e.Label, Score: e.Score}
		switch unit {
		case "bytes":
			o.Start, o.End = e.Start, e.End
		case "utf16":
			o.Start = utf16Len(text[:e.Start])
			o.End = o.Start + utf16Len(text[e.Start:e.End])
		default:
			o.Start, o.End = e.RuneStart, e.RuneEnd
		}
		out[i] = o
	}
	return out
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r == utf8.RuneError {
			n++
			continue
		}
		n += utf16.RuneLen(r)
	}
	return n
}
