package evaluate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// Report is the outcome of one evaluation run, as written to JSON.
type Report struct {
	// Name identifies the run in comparisons; by default the model's name.
	Name string `json:"name"`
	// Settings of the run, filled in by the caller of [Run].
	Model     string  `json:"model"`
	Data      string  `json:"data"`
	Format    string  `json:"format"`
	Threshold float64 `json:"threshold"`
	Nested    bool    `json:"nested"`
	Batch     int     `json:"batch"`
	Created   string  `json:"created,omitempty"`
	// Texts is the number of documents evaluated.
	Texts  int            `json:"texts"`
	Labels []LabelMapping `json:"labels"`
	Scores Scores         `json:"scores"`
	Cost   Cost           `json:"cost"`
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadReport reads a report written by [Report.WriteJSON].
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("evaluate: report %s: %w", path, err)
	}
	return &r, nil
}

// WriteTable writes the scores and the cost as aligned text tables.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	s := r.Scores
	fmt.Fprintf(tw, "match: %s\ttexts: %d\t\t\t\t\t\n", s.Match, r.Texts)
	fmt.Fprintln(tw, "type\tgold\tpred\ttp\tprecision\trecall\tf1\t")
	for _, t := range s.Types {
		row(tw, t.Type, t.Counts, t.PRF)
	}
	row(tw, "micro", s.Total, s.Micro)
	fmt.Fprintf(tw, "%s\t\t\t\t%.4f\t%.4f\t%.4f\t\n", "macro", s.Macro.Precision, s.Macro.Recall, s.Macro.F1)
	fmt.Fprintln(tw, "\t\t\t\t\t\t\t")
	fmt.Fprintln(tw, "length (words)\tgold\tpred\tgold hit\tpred hit\tprecision\trecall\tf1\t")
	for _, l := range s.Lengths {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.4f\t%.4f\t%.4f\t\n", l.Bucket, l.Gold, l.Pred, l.GoldMatched, l.PredMatched, l.Precision, l.Recall, l.F1)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	c := r.Cost
	_, err := fmt.Fprintf(w, "\ncost: %d texts in %.2fs, %.1f texts/s, latency per text p50 %.1f ms p95 %.1f ms, peak memory: RSS %s, Go heap %s, Go runtime %s\n",
		c.Texts, c.Seconds, c.TextsPerSecond, c.LatencyP50Ms, c.LatencyP95Ms, MiB(c.RSSPeakBytes), MiB(c.GoHeapPeakBytes), MiB(c.GoRuntimePeakBytes))
	return err
}

func row(w io.Writer, name string, c Counts, p PRF) {
	fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%.4f\t%.4f\t%.4f\t\n", name, c.Gold, c.Pred, c.PredMatched, p.Precision, p.Recall, p.F1)
}

// MiB formats a byte count in mebibytes ("n/a" for 0).
func MiB(b uint64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// WriteFiles writes the report as JSON to path and as HTML next to it (the
// same name with the extension .html), returning the HTML file's path.
func (r *Report) WriteFiles(path string) (string, error) {
	var js, page bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		return "", err
	}
	if err := WriteHTML(&page, r); err != nil {
		return "", err
	}
	htmlPath := strings.TrimSuffix(path, filepath.Ext(path)) + ".html"
	if htmlPath == path {
		htmlPath = path + ".html"
	}
	if err := writeFile(path, js.Bytes()); err != nil {
		return "", err
	}
	return htmlPath, writeFile(htmlPath, page.Bytes())
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o644) }
