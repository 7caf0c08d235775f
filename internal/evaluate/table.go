package evaluate

import (
	"fmt"
	"strings"
)

// writeExtras writes the optional parts of a report as text: bootstrap
// intervals, the sweep, the confusion table and the error examples.
func (r *Report) writeExtras(b *strings.Builder, width int) {
	if bs := r.Bootstrap; bs != nil {
		fmt.Fprintf(b, "\n%.0f%% bootstrap intervals (%d resamples of the documents, seed %d)\n", bs.Level*100, bs.Resamples, bs.Seed)
		fmt.Fprintf(b, "%-*s %19s %19s %19s\n", width, "type", "precision", "recall", "f1")
		for _, t := range bs.Types {
			intervalRow(b, width, t.Type, t.PRFIntervals)
		}
		intervalRow(b, width, "micro", bs.Micro)
	}
	if len(r.Sweep) > 0 {
		fmt.Fprintf(b, "\nthreshold sweep (micro)\n%9s %9s %9s %9s\n", "threshold", "precision", "recall", "f1")
		for _, p := range r.Sweep {
			fmt.Fprintf(b, "%9.4g %9.4f %9.4f %9.4f\n", p.Threshold, p.Precision, p.Recall, p.F1)
		}
		best := r.SweepBest
		fmt.Fprintf(b, "best F1 %.4f at threshold %g", best.F1, best.Threshold)
		for _, t := range best.Types {
			fmt.Fprintf(b, "; %s %.4f at %g", t.Type, t.F1, t.Threshold)
		}
		b.WriteString("\n")
	}
	if r.Confusion != nil {
		writeConfusion(b, r.Confusion)
	}
	for _, te := range r.Errors {
		fmt.Fprintf(b, "\n%s: %d false positives, %d false negatives\n", te.Type, te.FalsePositives, te.FalseNegatives)
		for _, e := range te.FalsePositiveList {
			fmt.Fprintf(b, "  FP %.3f doc %d: %s\n", e.Score, e.Doc, inContext(e))
		}
		for _, e := range te.FalseNegativeList {
			fmt.Fprintf(b, "  FN       doc %d: %s%s\n", e.Doc, inContext(e), nearNote(e.Near))
		}
	}
}

func intervalRow(b *strings.Builder, width int, name string, p PRFIntervals) {
	fmt.Fprintf(b, "%-*s   [%.4f, %.4f]   [%.4f, %.4f]   [%.4f, %.4f]\n", width, name,
		p.Precision.Low, p.Precision.High, p.Recall.Low, p.Recall.High, p.F1.Low, p.F1.High)
}

func writeConfusion(b *strings.Builder, c *Confusion) {
	width := len("gold \\ predicted")
	for _, g := range c.Gold {
		width = max(width, len(g))
	}
	fmt.Fprintf(b, "\nsame-boundary confusions (rows: gold corpus type, columns: predicted label)\n%-*s", width, "gold \\ predicted")
	for _, p := range c.Predicted {
		fmt.Fprintf(b, " %*s", max(7, len(p)), p)
	}
	b.WriteString("\n")
	for i, g := range c.Gold {
		fmt.Fprintf(b, "%-*s", width, g)
		for j, p := range c.Predicted {
			fmt.Fprintf(b, " %*d", max(7, len(p)), c.Counts[i][j])
		}
		b.WriteString("\n")
	}
}

// inContext shows an error as …before[text]after… on one line.
func inContext(e ErrorExample) string {
	flat := strings.NewReplacer("\n", " ", "\r", " ", "\t", " ")
	return "…" + flat.Replace(e.Before) + "[" + flat.Replace(e.Text) + "]" + flat.Replace(e.After) + "…"
}

func nearNote(n *Counterpart) string {
	if n == nil {
		return ""
	}
	return fmt.Sprintf("  (predicted %q as %s, %.3f)", n.Text, n.Label, n.Score)
}
