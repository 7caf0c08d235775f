package evaluate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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

	// ExtraLabels were prompted but not scored ([Options.ExtraLabels]).
	ExtraLabels []string `json:"extra_labels,omitempty"`
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
	s := r.Scores
	width := len("length (words)")
	for _, t := range s.Types {
		width = max(width, len(t.Type))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "match: %s, texts: %d\n\n", s.Match, r.Texts)
	fmt.Fprintf(&b, "%-*s %7s %7s %7s %9s %9s %9s\n", width, "type", "gold", "pred", "tp", "precision", "recall", "f1")
	for _, t := range s.Types {
		row(&b, width, t.Type, t.Counts, t.PRF)
	}
	row(&b, width, "micro", s.Total, s.Micro)
	fmt.Fprintf(&b, "%-*s %7s %7s %7s %9.4f %9.4f %9.4f\n\n", width, "macro", "", "", "", s.Macro.Precision, s.Macro.Recall, s.Macro.F1)
	fmt.Fprintf(&b, "%-*s %7s %7s %7s %7s %9s %9s %9s\n", width, "length (words)", "gold", "hit", "pred", "hit", "precision", "recall", "f1")
	for _, l := range s.Lengths {
		fmt.Fprintf(&b, "%-*s %7d %7d %7d %7d %9.4f %9.4f %9.4f\n", width, l.Bucket, l.Gold, l.GoldMatched, l.Pred, l.PredMatched, l.Precision, l.Recall, l.F1)
	}
	c := r.Cost
	fmt.Fprintf(&b, "\ncost: %d texts in %.2f s, %.1f texts/s, latency per text p50 %.1f ms, p95 %.1f ms\n", c.Texts, c.Seconds, c.TextsPerSecond, c.LatencyP50Ms, c.LatencyP95Ms)
	fmt.Fprintf(&b, "peak memory: RSS %s, Go heap %s, Go runtime %s\n", MiB(c.RSSPeakBytes), MiB(c.GoHeapPeakBytes), MiB(c.GoRuntimePeakBytes))
	_, err := io.WriteString(w, b.String())
	return err
}

func row(w io.Writer, width int, name string, c Counts, p PRF) {
	fmt.Fprintf(w, "%-*s %7d %7d %7d %9.4f %9.4f %9.4f\n", width, name, c.Gold, c.Pred, c.PredMatched, p.Precision, p.Recall, p.F1)
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
