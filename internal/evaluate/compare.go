package evaluate

import (
	"fmt"
	"io"
	"strings"
)

// ComparePaired runs a paired bootstrap ([PairedBootstrap]) between every
// two of the reports, in the order given (the first against each later
// one, then the second, and so on), with the same seed for every pair.
func ComparePaired(reports []*Report, resamples int, seed uint64) ([]*Paired, error) {
	var out []*Paired
	for i, a := range reports {
		for _, b := range reports[i+1:] {
			p, err := PairedBootstrap(a, b, resamples, seed)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// WritePairedTable writes paired comparisons as an aligned text table.
func WritePairedTable(w io.Writer, paired []*Paired) error {
	if len(paired) == 0 {
		return nil
	}
	width := len("run A")
	for _, p := range paired {
		width = max(width, len(p.A), len(p.B))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\npaired bootstrap of micro F1 (%d resamples of the documents, seed %d)\n", paired[0].Resamples, paired[0].Seed)
	fmt.Fprintf(&b, "%-*s %-*s %9s %21s %7s %7s %7s %9s\n", width, "run A", width, "run B", "F1 A−B", "95% interval", "A wins", "B wins", "ties", "P(A > B)")
	for _, p := range paired {
		fmt.Fprintf(&b, "%-*s %-*s %+9.4f   [%+.4f, %+.4f] %7.3f %7.3f %7.3f %9.3f\n", width, p.A, width, p.B, p.DeltaF1, p.Delta.Low, p.Delta.High, p.AWins, p.BWins, p.Ties, p.PAWins)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
