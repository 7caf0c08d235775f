package evaluate

import (
	"fmt"
	"html"
	"io"
	"math"
	"path/filepath"
	"strings"
)

// Series colours of the charts, and the colour of every chart's frame (a
// 2-pixel border drawn inside the SVG, so that a screenshot shows whether
// the whole chart is on screen; see html_test.go).
const (
	colorPrecision = "#9ecae1"
	colorRecall    = "#4292c6"
	colorF1        = "#08306b"
	colorPoint     = "#d94801"
	colorFrame     = "#6a51a3"
	colorWhisker   = "#e6550d"
)

// pageCSS lays the page out in the normal flow. Charts sit in a grid of
// columns at least 520 pixels wide (one column below about 1,100 pixels of
// window, two above) and scale with their column: each SVG has a viewBox
// and width 100%. Wide tables scroll inside their own box.
const pageCSS = `body{margin:0 20px;font:14px/1.4 "DejaVu Sans",Arial,sans-serif;color:#222;background:#fff}
header{height:80px;overflow:hidden}
h1{font-size:20px;margin:0;padding:14px 0 4px}
.sub{color:#555;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(520px,100%),1fr));gap:20px;margin:10px 0 20px}
.charts.one{grid-template-columns:minmax(0,1000px)}
.charts svg{display:block;width:100%;height:auto;background:#fff}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:0 0 18px}
th,td{border-bottom:1px solid #ddd;padding:3px 10px;text-align:right;white-space:nowrap;vertical-align:top}
th:first-child,td:first-child,.l{text-align:left}
td.ctx{white-space:normal;text-align:left;min-width:240px;max-width:700px}
td.near{white-space:normal;text-align:left;min-width:100px;max-width:260px}
th{white-space:normal}
mark{background:#fdd0a2;padding:0 2px}
h2{font-size:16px;margin:16px 0 6px}
h3{font-size:14px;margin:12px 0 4px}
`

// bar is one group of a bar chart: a name, its precision, recall and F1,
// and optionally an interval of F1 drawn as a whisker.
type bar struct {
	name string
	prf  PRF
	ci   *Interval
}

// WriteHTML writes a self-contained HTML page (inline CSS and SVG, no
// external assets) with the report's tables and charts: scores by entity
// type (svg#chart-type, with bootstrap whiskers when the report has
// intervals), by entity length (svg#chart-length) and, after a sweep, the
// precision-recall curve (svg#chart-pr); then the optional bootstrap,
// sweep, confusion and error tables.
func WriteHTML(w io.Writer, r *Report) error {
	var b strings.Builder
	title := "GLiNER evaluation: " + r.Name
	pageStart(&b, title, fmt.Sprintf("model %s · data %s (%s) · %s match · threshold %g · %d texts",
		r.Model, r.Data, r.Format, r.Scores.Match, r.Threshold, r.Texts))
	b.WriteString("<div class=\"charts\">\n")
	barChart(&b, "chart-type", "Scores by entity type", typeBars(r))
	barChart(&b, "chart-length", "Scores by entity length (words)", lengthBars(r))
	if len(r.Sweep) > 0 {
		prChart(&b, r)
	}
	b.WriteString("</div>\n<main>\n")
	scoreTables(&b, r)
	bootstrapTable(&b, r.Bootstrap)
	sweepTable(&b, r)
	confusionTable(&b, r.Confusion)
	errorTables(&b, r.Errors)
	costTable(&b, []*Report{r})
	b.WriteString("</main>\n</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// typeBars are the groups of the by-type chart, with F1 intervals when the
// report has a bootstrap.
func typeBars(r *Report) []bar {
	ci := map[string]*Interval{}
	if bs := r.Bootstrap; bs != nil {
		for i := range bs.Types {
			ci[bs.Types[i].Type] = &bs.Types[i].F1
		}
		ci["\x00micro"] = &bs.Micro.F1
	}
	var out []bar
	for _, t := range r.Scores.Types {
		out = append(out, bar{t.Type, t.PRF, ci[t.Type]})
	}
	return append(out, bar{"micro", r.Scores.Micro, ci["\x00micro"]}, bar{"macro", r.Scores.Macro, nil})
}

func lengthBars(r *Report) []bar {
	var out []bar
	for _, l := range r.Scores.Lengths {
		unit := " words"
		if l.Bucket == "1" {
			unit = " word"
		}
		out = append(out, bar{l.Bucket + unit, l.PRF, nil})
	}
	return out
}

// WriteCompareHTML writes a self-contained page comparing several reports:
// a quality-versus-speed scatter chart (micro F1 against texts per second,
// svg#chart-scatter) whose labels sit in a column beside the plot, joined
// to their points by leader lines, a table of the runs, and the paired
// bootstrap comparisons when given.
func WriteCompareHTML(w io.Writer, reports []*Report, paired ...*Paired) error {
	reports = distinctNames(reports)
	var b strings.Builder
	pageStart(&b, "GLiNER evaluation: comparison", fmt.Sprintf("%d runs", len(reports)))
	b.WriteString("<div class=\"charts one\">\n")
	scatter(&b, reports)
	b.WriteString("</div>\n<main>\n<h2>Runs</h2>\n<div class=\"scroll\"><table>\n")
	b.WriteString("<tr><th>run</th><th>model</th><th>data</th><th>match</th><th>micro P</th><th>micro R</th><th>micro F1</th><th>macro F1</th><th>texts/s</th><th>p50 ms</th><th>p95 ms</th><th>peak RSS</th></tr>\n")
	for _, r := range reports {
		s := r.Scores
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%s</td></tr>\n",
			esc(r.Name), esc(shortModel(r.Model)), esc(filepath.Base(r.Data)), esc(s.Match), s.Micro.Precision, s.Micro.Recall, s.Micro.F1, s.Macro.F1,
			r.Cost.TextsPerSecond, r.Cost.LatencyP50Ms, r.Cost.LatencyP95Ms, MiB(r.Cost.RSSPeakBytes))
	}
	b.WriteString("</table></div>\n")
	pairedTable(&b, paired)
	b.WriteString("</main>\n</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// distinctNames returns copies of the reports in which names shared by
// several runs are extended with the data file and the match mode.
func distinctNames(reports []*Report) []*Report {
	count := map[string]int{}
	for _, r := range reports {
		count[r.Name]++
	}
	out := make([]*Report, len(reports))
	for i, r := range reports {
		c := *r
		if count[r.Name] > 1 {
			c.Name = fmt.Sprintf("%s · %s · %s", r.Name, filepath.Base(r.Data), r.Scores.Match)
		}
		out[i] = &c
	}
	return out
}

// shortModel is a model folder's base name; hf: names stay whole.
func shortModel(m string) string {
	if strings.HasPrefix(m, "hf:") {
		return m
	}
	return filepath.Base(m)
}

func pageStart(b *strings.Builder, title, sub string) {
	fmt.Fprintf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n", esc(title), pageCSS)
	fmt.Fprintf(b, "<header><h1>%s</h1><div class=\"sub\">%s</div></header>\n", esc(title), esc(sub))
}

func scoreTables(b *strings.Builder, r *Report) {
	s := r.Scores
	b.WriteString("<h2>By entity type</h2>\n<div class=\"scroll\"><table>\n<tr><th>type</th><th class=\"l\">corpus types</th><th>gold</th><th>predicted</th><th>TP</th><th>precision</th><th>recall</th><th>F1</th></tr>\n")
	corpus := map[string]string{}
	for _, m := range r.Labels {
		corpus[m.Label] = strings.Join(m.Types, ", ")
	}
	for _, t := range s.Types {
		fmt.Fprintf(b, "<tr><td>%s</td><td class=\"l\">%s</td>%s</tr>\n", esc(t.Type), esc(corpus[t.Type]), cells(t.Counts, t.PRF))
	}
	fmt.Fprintf(b, "<tr><td><b>micro</b></td><td></td>%s</tr>\n", cells(s.Total, s.Micro))
	fmt.Fprintf(b, "<tr><td><b>macro</b></td><td></td><td></td><td></td><td></td><td>%.4f</td><td>%.4f</td><td>%.4f</td></tr>\n</table></div>\n", s.Macro.Precision, s.Macro.Recall, s.Macro.F1)
	b.WriteString("<h2>By entity length in words</h2>\n<p class=\"sub\">Recall counts gold entities of that length; precision counts predictions of that length.</p>\n<div class=\"scroll\"><table>\n<tr><th>words</th><th>gold</th><th>gold matched</th><th>predicted</th><th>predicted matched</th><th>precision</th><th>recall</th><th>F1</th></tr>\n")
	for _, l := range s.Lengths {
		fmt.Fprintf(b, "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td></tr>\n", esc(l.Bucket), l.Gold, l.GoldMatched, l.Pred, l.PredMatched, l.Precision, l.Recall, l.F1)
	}
	b.WriteString("</table></div>\n")
}

func cells(c Counts, p PRF) string {
	return fmt.Sprintf("<td>%d</td><td>%d</td><td>%d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td>", c.Gold, c.Pred, c.PredMatched, p.Precision, p.Recall, p.F1)
}

func costTable(b *strings.Builder, reports []*Report) {
	b.WriteString("<h2>Cost</h2>\n<div class=\"scroll\"><table>\n<tr><th>texts</th><th>seconds</th><th>texts/s</th><th>p50 ms/text</th><th>p95 ms/text</th><th>peak RSS</th><th>peak Go heap</th><th>peak Go runtime</th></tr>\n")
	for _, r := range reports {
		c := r.Cost
		fmt.Fprintf(b, "<tr><td>%d</td><td>%.2f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			c.Texts, c.Seconds, c.TextsPerSecond, c.LatencyP50Ms, c.LatencyP95Ms, MiB(c.RSSPeakBytes), MiB(c.GoHeapPeakBytes), MiB(c.GoRuntimePeakBytes))
	}
	b.WriteString("</table></div>\n")
	for _, r := range reports {
		if r.Cost.SweepSeconds > 0 {
			fmt.Fprintf(b, "<p class=\"sub\">Of the %.2f s, %.2f s decoded and scored the %d thresholds of the sweep from the one model pass.</p>\n", r.Cost.Seconds, r.Cost.SweepSeconds, len(r.Sweep))
		}
	}
}

func esc(s string) string { return html.EscapeString(s) }

func clamp01(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Max(0, math.Min(1, v))
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for v <= 0).
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func shorten(s string, n int) string {
	r := []rune(s)
	if n < 4 || len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
