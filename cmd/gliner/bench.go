package main

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gliner-go/gliner/encoder"
	"github.com/gliner-go/gliner/gliner"
)

func init() {
	register(command{name: "bench", summary: "measure extraction speed and memory on a model", run: runBench})
}

// benchTexts are the default texts of gliner bench: the first 20 documents
// (title and abstract) of the NCBI-disease test set, public domain (see
// benchdata/README.md).
//
//go:embed benchdata/ncbi-disease-test-20.txt
var benchTexts string

const benchHelp = `usage: gliner bench [flags]

Measures extraction on a model: the model is loaded (not timed), all texts
are extracted once as a warm-up, then --reps times. Reports texts/s,
words/s (whitespace-separated words), the latency per text (the wall time
of the ExtractBatch call of the text's batch) at the median and the 95th
percentile, the process's peak resident memory (getrusage) with its peak
while the model loads and, on Linux, its peak while extracting (warm-up and
passes; the high-water mark is reset after loading), the share of time
spent outside ONNX Runtime's Run, and the span kernel the model uses. With
--span-kernel graph, ort_texts_per_s (the texts over the time inside Run
alone) is the speed of a bare Run of the full graph on the same batches.

Default texts: 20 PubMed abstracts of the NCBI-disease test set (title and
abstract, public domain). --texts reads one text per line.

Examples:
  gliner bench
  gliner bench --model ./gliner_small-v2.1 --batch 1 --threads 2 --json
  gliner bench --model ./gliner_small-v2.1 --span-kernel graph

Flags:
`

// benchResult is what gliner bench reports; --json prints it.
type benchResult struct {
	Texts           int     `json:"texts"`
	Words           int     `json:"words"`
	Reps            int     `json:"reps"`
	Batch           int     `json:"batch"`
	Threads         int     `json:"threads"`
	TextsPerS       float64 `json:"texts_per_s"`
	WordsPerS       float64 `json:"words_per_s"`
	P50ms           float64 `json:"p50_ms"`
	P95ms           float64 `json:"p95_ms"`
	PeakRSSMB       float64 `json:"peak_rss_mb"`
	LoadPeakRSSMB   float64 `json:"load_peak_rss_mb"`
	RunPeakRSSMB    float64 `json:"run_peak_rss_mb,omitempty"`
	OutsideORTShare float64 `json:"outside_ort_share"`
	ORTTextsPerS    float64 `json:"ort_texts_per_s"`
	SpanKernel      string  `json:"span_kernel"`
	LoadS           float64 `json:"load_s"`
}

// benchFlags are gliner bench's settings.
type benchFlags struct {
	model          *modelFlags
	texts, labels  string
	batch, threads int
	reps           int
	json           bool
}

func runBench(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", benchHelp, stderr)
	var f benchFlags
	f.model = addModelFlags(fs)
	fs.StringVar(&f.texts, "texts", "", "file with one text per line (default: 20 built-in PubMed abstracts)")
	fs.StringVar(&f.labels, "labels", "disease,chemical,gene", "comma-separated labels")
	fs.IntVar(&f.batch, "batch", gliner.DefaultBatchSize, "texts per model call")
	fs.IntVar(&f.threads, "threads", 0, "ONNX Runtime intra-op threads (0: ONNX Runtime's default)")
	fs.IntVar(&f.reps, "reps", 3, "timed passes over the texts")
	fs.BoolVar(&f.json, "json", false, "print one JSON object")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(stderr, "bench", "unexpected arguments %q", pos)
	}
	if f.batch < 1 || f.threads < 0 || f.reps < 1 {
		return usageError(stderr, "bench", "--batch and --reps must be positive, --threads not negative")
	}
	texts, err := readBenchTexts(f.texts)
	if err != nil {
		return runtimeError(stderr, "bench", err)
	}
	logOut = stderr
	res, err := bench(f, texts)
	if err != nil {
		return runtimeError(stderr, "bench", err)
	}
	printBench(stdout, res, f.json)
	return exitOK
}

// readBenchTexts reads one text per non-blank line of path, or returns the
// built-in texts for "".
func readBenchTexts(path string) ([]string, error) {
	var r io.Reader = strings.NewReader(benchTexts)
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	var texts []string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			texts = append(texts, t)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(texts) == 0 {
		return nil, fmt.Errorf("no texts in %s", path)
	}
	return texts, nil
}

// bench opens the model, runs the warm-up and the timed passes.
func bench(f benchFlags, texts []string) (benchResult, error) {
	opts := []gliner.Option{gliner.WithBatchSize(f.batch)}
	if f.threads > 0 {
		opts = append(opts, gliner.WithEncoderOptions(encoder.WithIntraOpThreads(f.threads)))
	}
	t0 := time.Now()
	m, err := openModel(*f.model, opts...)
	if err != nil {
		return benchResult{}, err
	}
	defer m.Close()
	res := benchResult{Texts: len(texts), Reps: f.reps, Batch: f.batch, Threads: f.threads, SpanKernel: m.SpanKernel().String(), LoadS: time.Since(t0).Seconds()}
	res.LoadPeakRSSMB = peakRSSMB()
	runPeak := resetPeakRSS()
	for _, t := range texts {
		res.Words += len(strings.Fields(t))
	}
	labels := strings.Split(f.labels, ",")
	if _, err := benchPass(m, texts, labels, f.batch); err != nil { // warm-up
		return res, err
	}
	before, start := m.Stats(), time.Now()
	var lat []float64
	for range f.reps {
		l, err := benchPass(m, texts, labels, f.batch)
		if err != nil {
			return res, err
		}
		lat = append(lat, l...)
	}
	wall := time.Since(start)
	inORT := m.Stats().RunTime - before.RunTime
	res.TextsPerS = float64(len(texts)*f.reps) / wall.Seconds()
	res.WordsPerS = float64(res.Words*f.reps) / wall.Seconds()
	res.P50ms, res.P95ms = percentile(lat, 0.50), percentile(lat, 0.95)
	res.OutsideORTShare = max(0, 1-inORT.Seconds()/wall.Seconds())
	if inORT > 0 {
		res.ORTTextsPerS = float64(len(texts)*f.reps) / inORT.Seconds()
	}
	res.PeakRSSMB = peakRSSMB()
	if runPeak {
		res.RunPeakRSSMB = windowPeakRSSMB()
	}
	return res, nil
}

// benchPass extracts all texts in batches and returns each text's latency
// in milliseconds: the wall time of its batch's call.
func benchPass(m *gliner.Model, texts, labels []string, batch int) ([]float64, error) {
	lat := make([]float64, 0, len(texts))
	for lo := 0; lo < len(texts); lo += batch {
		chunk := texts[lo:min(lo+batch, len(texts))]
		t := time.Now()
		if _, err := m.ExtractBatch(context.Background(), chunk, labels); err != nil {
			return nil, err
		}
		ms := float64(time.Since(t).Microseconds()) / 1000
		for range chunk {
			lat = append(lat, ms)
		}
	}
	return lat, nil
}

// percentile returns the q-quantile of xs (nearest rank).
func percentile(xs []float64, q float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(q*float64(len(s)) + 0.5)
	return s[min(max(i-1, 0), len(s)-1)]
}

func printBench(w io.Writer, r benchResult, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(r)
		fmt.Fprintln(w, string(b))
		return
	}
	fmt.Fprintf(w, "texts %d (%d words), batch %d, threads %d, %d passes after a warm-up; model load %.1f s\n", r.Texts, r.Words, r.Batch, r.Threads, r.Reps, r.LoadS)
	fmt.Fprintf(w, "span kernel      %s\n", r.SpanKernel)
	fmt.Fprintf(w, "texts/s          %.2f\n", r.TextsPerS)
	fmt.Fprintf(w, "words/s          %.0f\n", r.WordsPerS)
	fmt.Fprintf(w, "latency/text     p50 %.1f ms, p95 %.1f ms\n", r.P50ms, r.P95ms)
	fmt.Fprintf(w, "peak RSS         %.0f MB (loading the model %.0f MB", r.PeakRSSMB, r.LoadPeakRSSMB)
	if r.RunPeakRSSMB > 0 {
		fmt.Fprintf(w, ", extracting %.0f MB", r.RunPeakRSSMB)
	}
	fmt.Fprintln(w, ")")
	fmt.Fprintf(w, "outside ONNX Run %.1f%% (texts/s counting only the time inside Run: %.2f)\n", 100*r.OutsideORTShare, r.ORTTextsPerS)
}
