package evaluate

import (
	"fmt"
	"html"
	"image"
	"io"
	"math"
	"path/filepath"
	"strings"
)

// Chart geometry: the charts sit at fixed positions on the page so that a
// screenshot test can find them (see html_test.go).
var (
	rectByType   = image.Rect(20, 90, 640, 430)   // svg#chart-type
	rectByLength = image.Rect(660, 90, 1280, 430) // svg#chart-length
	rectScatter  = image.Rect(20, 90, 760, 570)   // svg#chart-scatter on the comparison page
)

// Series colours of the bar charts.
const (
	colorPrecision = "#9ecae1"
	colorRecall    = "#4292c6"
	colorF1        = "#08306b"
	colorPoint     = "#d94801"
)

const pageCSS = `body{margin:0;font:14px/1.4 "DejaVu Sans",Arial,sans-serif;color:#222;background:#fff}
header{position:absolute;left:20px;top:0;height:80px;right:20px}
h1{font-size:20px;margin:14px 0 4px}
.sub{color:#555;font-size:12px}
svg.chart{position:absolute;background:#fff}
main{position:absolute;left:20px;right:20px}
table{border-collapse:collapse;margin:0 0 18px}
th,td{border-bottom:1px solid #ddd;padding:3px 10px;text-align:right;white-space:nowrap}
th:first-child,td:first-child,.l{text-align:left}
h2{font-size:16px;margin:16px 0 6px}
`

// bar is one group of a bar chart: a name and its precision, recall and F1.
type bar struct {
	name string
	prf  PRF
}

// WriteHTML writes a self-contained HTML page (inline CSS and SVG, no
// external assets) with the report's tables and two bar charts: scores by
// entity type (svg#chart-type) and by entity length (svg#chart-length).
func WriteHTML(w io.Writer, r *Report) error {
	var b strings.Builder
	title := "GLiNER evaluation: " + r.Name
	pageStart(&b, title, fmt.Sprintf("model %s · data %s (%s) · %s match · threshold %g · %d texts",
		r.Model, r.Data, r.Format, r.Scores.Match, r.Threshold, r.Texts))
	var types, lengths []bar
	for _, t := range r.Scores.Types {
		types = append(types, bar{t.Type, t.PRF})
	}
	types = append(types, bar{"micro", r.Scores.Micro}, bar{"macro", r.Scores.Macro})
	for _, l := range r.Scores.Lengths {
		lengths = append(lengths, bar{l.Bucket + (map[bool]string{true: " word", false: " words"})[l.Bucket == "1"], l.PRF})
	}
	barChart(&b, "chart-type", rectByType, "Scores by entity type", types)
	barChart(&b, "chart-length", rectByLength, "Scores by entity length (words)", lengths)
	fmt.Fprintf(&b, "<main style=\"top:%dpx\">\n", rectByType.Max.Y+20)
	scoreTables(&b, r)
	costTable(&b, []*Report{r})
	b.WriteString("</main>\n</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCompareHTML writes a self-contained page comparing several reports:
// a quality-versus-speed scatter chart (micro F1 against texts per second,
// svg#chart-scatter) and a table of the runs.
func WriteCompareHTML(w io.Writer, reports []*Report) error {
	reports = distinctNames(reports)
	var b strings.Builder
	pageStart(&b, "GLiNER evaluation: comparison", fmt.Sprintf("%d runs", len(reports)))
	scatter(&b, reports)
	fmt.Fprintf(&b, "<main style=\"top:%dpx\">\n<h2>Runs</h2>\n<table>\n", rectScatter.Max.Y+20)
	b.WriteString("<tr><th>run</th><th>model</th><th>data</th><th>match</th><th>micro P</th><th>micro R</th><th>micro F1</th><th>macro F1</th><th>texts/s</th><th>p50 ms</th><th>p95 ms</th><th>peak RSS</th></tr>\n")
	for _, r := range reports {
		s := r.Scores
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%s</td></tr>\n",
			esc(r.Name), esc(shortModel(r.Model)), esc(filepath.Base(r.Data)), esc(s.Match), s.Micro.Precision, s.Micro.Recall, s.Micro.F1, s.Macro.F1,
			r.Cost.TextsPerSecond, r.Cost.LatencyP50Ms, r.Cost.LatencyP95Ms, MiB(r.Cost.RSSPeakBytes))
	}
	b.WriteString("</table>\n</main>\n</body>\n</html>\n")
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
	fmt.Fprintf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n", esc(title), pageCSS)
	fmt.Fprintf(b, "<header><h1>%s</h1><div class=\"sub\">%s</div></header>\n", esc(title), esc(sub))
}

func svgStart(b *strings.Builder, id string, r image.Rectangle, title string) {
	fmt.Fprintf(b, "<svg id=\"%s\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" style=\"left:%dpx;top:%dpx\" role=\"img\" aria-label=\"%s\">\n",
		id, r.Dx(), r.Dy(), r.Dx(), r.Dy(), r.Min.X, r.Min.Y, esc(title))
	fmt.Fprintf(b, "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">%s</text>\n", 50, esc(title))
}

// barChart draws grouped precision/recall/F1 bars on a 0–1 axis.
func barChart(b *strings.Builder, id string, r image.Rectangle, title string, groups []bar) {
	svgStart(b, id, r, title)
	const left, top, bottom = 50.0, 50.0, 60.0
	w, h := float64(r.Dx())-left-10, float64(r.Dy())-top-bottom
	axes(b, left, top, w, h, 5, func(i int) string { return fmt.Sprintf("%.1f", float64(i)/5) })
	legend(b, float64(r.Dx())-250, 34)
	if len(groups) == 0 {
		b.WriteString("</svg>\n")
		return
	}
	slot := w / float64(len(groups))
	bw := math.Min(slot*0.8/3, 40)
	for i, g := range groups {
		x0 := left + slot*float64(i) + (slot-3*bw)/2
		for k, v := range []float64{g.prf.Precision, g.prf.Recall, g.prf.F1} {
			bh := h * clamp01(v)
			fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s %s %.4f</title></rect>\n",
				x0+float64(k)*bw, top+h-bh, bw, bh, []string{colorPrecision, colorRecall, colorF1}[k], esc(g.name), []string{"precision", "recall", "F1"}[k], v)
		}
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#222\">%.2f</text>\n", x0+2.5*bw, top+h-h*clamp01(g.prf.F1)-4, g.prf.F1)
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" fill=\"#222\">%s</text>\n", left+slot*(float64(i)+0.5), top+h+18, esc(shorten(g.name, int(slot/7))))
	}
	b.WriteString("</svg>\n")
}

// axes draws a left axis with ticks labelled by tick(i), i = 0..n, and a
// bottom axis.
func axes(b *strings.Builder, left, top, w, h float64, n int, tick func(int) string) {
	for i := 0; i <= n; i++ {
		y := top + h - h*float64(i)/float64(n)
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n", left, y, left+w, y)
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">%s</text>\n", left-6, y+4, esc(tick(i)))
	}
	fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n", left, top, left, top+h)
	fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n", left, top+h, left+w, top+h)
}

func legend(b *strings.Builder, x, y float64) {
	for k, name := range []string{"precision", "recall", "F1"} {
		fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#222\">%s</text>\n",
			x+float64(k)*80, y-9, []string{colorPrecision, colorRecall, colorF1}[k], x+float64(k)*80+14, y, name)
	}
}

// scatter draws micro F1 (y, 0–1) against texts per second (x, from 0 to a
// rounded maximum), one labelled point per report.
func scatter(b *strings.Builder, reports []*Report) {
	r := rectScatter
	svgStart(b, "chart-scatter", r, "Quality versus speed: micro F1 against texts per second")
	const left, top, bottom = 50.0, 40.0, 50.0
	w, h := float64(r.Dx())-left-30, float64(r.Dy())-top-bottom
	axes(b, left, top, w, h, 5, func(i int) string { return fmt.Sprintf("%.1f", float64(i)/5) })
	xmax := 0.0
	for _, rep := range reports {
		xmax = math.Max(xmax, rep.Cost.TextsPerSecond)
	}
	xmax = niceCeil(xmax)
	for i := 0; i <= 5; i++ {
		x := left + w*float64(i)/5
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">%.3g</text>\n", x, top+h+16, xmax*float64(i)/5)
	}
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" fill=\"#222\">texts per second</text>\n", left+w/2, top+h+38)
	for _, rep := range reports {
		x := left + w*rep.Cost.TextsPerSecond/xmax
		y := top + h - h*clamp01(rep.Scores.Micro.F1)
		fmt.Fprintf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"%s\"><title>%s: F1 %.4f, %.1f texts/s</title></circle>\n", x, y, colorPoint, esc(rep.Name), rep.Scores.Micro.F1, rep.Cost.TextsPerSecond)
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#222\">%s</text>\n", x+10, y-8, esc(shorten(rep.Name, 40)))
	}
	b.WriteString("</svg>\n")
}

func scoreTables(b *strings.Builder, r *Report) {
	s := r.Scores
	b.WriteString("<h2>By entity type</h2>\n<table>\n<tr><th>type</th><th class=\"l\">corpus types</th><th>gold</th><th>predicted</th><th>TP</th><th>precision</th><th>recall</th><th>F1</th></tr>\n")
	corpus := map[string]string{}
	for _, m := range r.Labels {
		corpus[m.Label] = strings.Join(m.Types, ", ")
	}
	for _, t := range s.Types {
		fmt.Fprintf(b, "<tr><td>%s</td><td class=\"l\">%s</td>%s</tr>\n", esc(t.Type), esc(corpus[t.Type]), cells(t.Counts, t.PRF))
	}
	fmt.Fprintf(b, "<tr><td><b>micro</b></td><td></td>%s</tr>\n", cells(s.Total, s.Micro))
	fmt.Fprintf(b, "<tr><td><b>macro</b></td><td></td><td></td><td></td><td></td><td>%.4f</td><td>%.4f</td><td>%.4f</td></tr>\n</table>\n", s.Macro.Precision, s.Macro.Recall, s.Macro.F1)
	b.WriteString("<h2>By entity length in words</h2>\n<p class=\"sub\">Recall counts gold entities of that length; precision counts predictions of that length.</p>\n<table>\n<tr><th>words</th><th>gold</th><th>gold matched</th><th>predicted</th><th>predicted matched</th><th>precision</th><th>recall</th><th>F1</th></tr>\n")
	for _, l := range s.Lengths {
		fmt.Fprintf(b, "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td></tr>\n", esc(l.Bucket), l.Gold, l.GoldMatched, l.Pred, l.PredMatched, l.Precision, l.Recall, l.F1)
	}
	b.WriteString("</table>\n")
}

func cells(c Counts, p PRF) string {
	return fmt.Sprintf("<td>%d</td><td>%d</td><td>%d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td>", c.Gold, c.Pred, c.PredMatched, p.Precision, p.Recall, p.F1)
}

func costTable(b *strings.Builder, reports []*Report) {
	b.WriteString("<h2>Cost</h2>\n<table>\n<tr><th>texts</th><th>seconds</th><th>texts/s</th><th>p50 ms/text</th><th>p95 ms/text</th><th>peak RSS</th><th>peak Go heap</th><th>peak Go runtime</th></tr>\n")
	for _, r := range reports {
		c := r.Cost
		fmt.Fprintf(b, "<tr><td>%d</td><td>%.2f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			c.Texts, c.Seconds, c.TextsPerSecond, c.LatencyP50Ms, c.LatencyP95Ms, MiB(c.RSSPeakBytes), MiB(c.GoHeapPeakBytes), MiB(c.GoRuntimePeakBytes))
	}
	b.WriteString("</table>\n")
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
