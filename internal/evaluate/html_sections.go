package evaluate

import (
	"fmt"
	"strings"
)

// bootstrapTable writes the confidence intervals of a report.
func bootstrapTable(b *strings.Builder, bs *Bootstrap) {
	if bs == nil {
		return
	}
	fmt.Fprintf(b, "<h2>Bootstrap confidence intervals</h2>\n<p class=\"sub\">%.0f%% percentile intervals from %d resamples of the documents with replacement (seed %d).</p>\n", bs.Level*100, bs.Resamples, bs.Seed)
	b.WriteString("<div class=\"scroll\"><table>\n<tr><th>type</th><th>precision</th><th>recall</th><th>F1</th></tr>\n")
	row := func(name string, p PRFIntervals) {
		fmt.Fprintf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", name, ivl(p.Precision), ivl(p.Recall), ivl(p.F1))
	}
	for _, t := range bs.Types {
		row(esc(t.Type), t.PRFIntervals)
	}
	row("<b>micro</b>", bs.Micro)
	b.WriteString("</table></div>\n")
}

func ivl(i Interval) string { return fmt.Sprintf("[%.4f, %.4f]", i.Low, i.High) }

// sweepTable writes the micro scores of each threshold of a sweep and the
// best thresholds.
func sweepTable(b *strings.Builder, r *Report) {
	if len(r.Sweep) == 0 {
		return
	}
	best := r.SweepBest
	fmt.Fprintf(b, "<h2>Threshold sweep</h2>\n<p class=\"sub\">One model pass, decoded at each threshold with the run's %s rules. Best micro F1 %.4f at threshold %g", map[bool]string{true: "nested", false: "flat"}[r.Nested], best.F1, best.Threshold)
	for _, t := range best.Types {
		fmt.Fprintf(b, "; %s %.4f at %g", esc(t.Type), t.F1, t.Threshold)
	}
	b.WriteString(".</p>\n<div class=\"scroll\"><table>\n<tr><th>threshold</th><th>gold</th><th>predicted</th><th>TP</th><th>precision</th><th>recall</th><th>F1</th></tr>\n")
	for _, p := range r.Sweep {
		fmt.Fprintf(b, "<tr><td>%g</td>%s</tr>\n", p.Threshold, cells(p.Total, p.PRF))
	}
	b.WriteString("</table></div>\n")
}

// confusionTable writes gold types against predicted labels.
func confusionTable(b *strings.Builder, c *Confusion) {
	if c == nil {
		return
	}
	b.WriteString("<h2>Confusions</h2>\n<p class=\"sub\">Gold spans by corpus type (rows) against the labels predicted with the same boundaries (columns); (none): no span with those boundaries on the other side.</p>\n<div class=\"scroll\"><table>\n<tr><th>gold \\ predicted</th>")
	for _, p := range c.Predicted {
		fmt.Fprintf(b, "<th>%s</th>", esc(p))
	}
	b.WriteString("</tr>\n")
	for i, g := range c.Gold {
		fmt.Fprintf(b, "<tr><td>%s</td>", esc(g))
		for _, n := range c.Counts[i] {
			fmt.Fprintf(b, "<td>%d</td>", n)
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table></div>\n")
}

// errorTables writes the false positives and false negatives by label.
func errorTables(b *strings.Builder, errs []TypeErrors) {
	if len(errs) == 0 {
		return
	}
	b.WriteString("<h2>Errors</h2>\n")
	for _, te := range errs {
		fmt.Fprintf(b, "<h3>%s: %d false positives, %d false negatives</h3>\n", esc(te.Type), te.FalsePositives, te.FalseNegatives)
		if len(te.FalsePositiveList) > 0 {
			b.WriteString("<div class=\"scroll\"><table>\n<tr><th>score</th><th>doc</th><th class=\"l\">false positive in context</th><th class=\"l\">gold there</th></tr>\n")
			for _, e := range te.FalsePositiveList {
				fmt.Fprintf(b, "<tr><td>%.3f</td><td>%s</td><td class=\"ctx\">%s</td><td class=\"near\">%s</td></tr>\n", e.Score, docRef(e), contextHTML(e), nearHTML(e.Near, false))
			}
			b.WriteString("</table></div>\n")
		}
		if len(te.FalseNegativeList) > 0 {
			b.WriteString("<div class=\"scroll\"><table>\n<tr><th>doc</th><th class=\"l\">false negative in context</th><th class=\"l\">predicted there</th></tr>\n")
			for _, e := range te.FalseNegativeList {
				fmt.Fprintf(b, "<tr><td>%s</td><td class=\"ctx\">%s</td><td class=\"near\">%s</td></tr>\n", docRef(e), contextHTML(e), nearHTML(e.Near, true))
			}
			b.WriteString("</table></div>\n")
		}
	}
}

func docRef(e ErrorExample) string {
	if e.DocID != "" {
		return fmt.Sprintf("%d<br>(%s)", e.Doc, esc(shorten(e.DocID, 16)))
	}
	return fmt.Sprint(e.Doc)
}

func contextHTML(e ErrorExample) string {
	return "…" + esc(e.Before) + "<mark>" + esc(e.Text) + "</mark>" + esc(e.After) + "…"
}

func nearHTML(n *Counterpart, scored bool) string {
	if n == nil {
		return "—"
	}
	s := fmt.Sprintf("%s “%s”", esc(n.Label), esc(shorten(n.Text, 40)))
	if scored {
		s += fmt.Sprintf(" %.3f", n.Score)
	}
	return s
}

// pairedTable writes paired bootstrap comparisons.
func pairedTable(b *strings.Builder, paired []*Paired) {
	if len(paired) == 0 {
		return
	}
	fmt.Fprintf(b, "<h2>Paired bootstrap</h2>\n<p class=\"sub\">Micro F1 of run A minus run B on %d resamples of the shared documents (seed %d): the share of resamples each run wins, the ties, and P(A&gt;B) = A wins + ties/2.</p>\n", paired[0].Resamples, paired[0].Seed)
	b.WriteString("<div class=\"scroll\"><table>\n<tr><th>run A</th><th class=\"l\">run B</th><th>F1 A−B</th><th>95% interval</th><th>A wins</th><th>B wins</th><th>ties</th><th>P(A&gt;B)</th></tr>\n")
	for _, p := range paired {
		fmt.Fprintf(b, "<tr><td>%s</td><td class=\"l\">%s</td><td>%+.4f</td><td>[%+.4f, %+.4f]</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td></tr>\n",
			esc(p.A), esc(p.B), p.DeltaF1, p.Delta.Low, p.Delta.High, p.AWins, p.BWins, p.Ties, p.PAWins)
	}
	b.WriteString("</table></div>\n")
}
