package evaluate

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Sizes of the charts in SVG user units; on the page they scale to the
// width of their grid column.
const (
	barW, barH       = 620, 340
	prW, prH         = 620, 400
	scatterW         = 900
	scatterMinH      = 480
	scatterLabelGap  = 16.0 // vertical distance between two scatter labels
	scatterPlotRight = 600.0
)

// typeColors are the colours of per-type curves.
var typeColors = []string{"#31a354", "#756bb1", "#e6550d", "#636363", "#3182bd", "#d6616b", "#8c6d31", "#17becf"}

// svgStart opens a scalable SVG of w×h user units with a title and its
// frame.
func svgStart(b *strings.Builder, id string, w, h int, title string) {
	fmt.Fprintf(b, "<svg id=\"%s\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" aria-label=\"%s\">\n", id, w, h, esc(title))
	fmt.Fprintf(b, "<rect x=\"1\" y=\"1\" width=\"%d\" height=\"%d\" fill=\"#fff\" stroke=\"%s\" stroke-width=\"2\" vector-effect=\"non-scaling-stroke\"/>\n", w-2, h-2, colorFrame)
	fmt.Fprintf(b, "<text x=\"%d\" y=\"22\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">%s</text>\n", 50, esc(title))
}

// barChart draws grouped precision/recall/F1 bars on a 0–1 axis, with a
// whisker over each F1 bar that has an interval.
func barChart(b *strings.Builder, id, title string, groups []bar) {
	svgStart(b, id, barW, barH, title)
	const left, top, bottom = 50.0, 50.0, 60.0
	w, h := float64(barW)-left-20, float64(barH)-top-bottom
	axes(b, left, top, w, h, 5, func(i int) string { return fmt.Sprintf("%.1f", float64(i)/5) })
	legend(b, float64(barW)-260, 40, []string{"precision", "recall", "F1"}, []string{colorPrecision, colorRecall, colorF1})
	if len(groups) > 0 {
		slot := w / float64(len(groups))
		bw := math.Min(slot*0.8/3, 40)
		for i, g := range groups {
			barGroup(b, g, left+slot*float64(i)+(slot-3*bw)/2, bw, top, h)
			fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" fill=\"#222\">%s</text>\n", left+slot*(float64(i)+0.5), top+h+18, esc(shorten(g.name, int(slot/7))))
		}
	}
	b.WriteString("</svg>\n")
}

func barGroup(b *strings.Builder, g bar, x0, bw, top, h float64) {
	for k, v := range []float64{g.prf.Precision, g.prf.Recall, g.prf.F1} {
		bh := h * clamp01(v)
		fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s %s %.4f</title></rect>\n",
			x0+float64(k)*bw, top+h-bh, bw, bh, []string{colorPrecision, colorRecall, colorF1}[k], esc(g.name), []string{"precision", "recall", "F1"}[k], v)
	}
	labelY := top + h - h*clamp01(g.prf.F1) - 4
	if ci := g.ci; ci != nil {
		x, y0, y1 := x0+2.5*bw, top+h-h*clamp01(ci.Low), top+h-h*clamp01(ci.High)
		fmt.Fprintf(b, "<g stroke=\"%s\" stroke-width=\"2\"><title>%s F1 95%% interval [%.4f, %.4f]</title><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
			colorWhisker, esc(g.name), ci.Low, ci.High, x, y0, x, y1, x-bw/4, y0, x+bw/4, y0, x-bw/4, y1, x+bw/4, y1)
		labelY = math.Min(labelY, y1-4)
	}
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#222\">%.2f</text>\n", x0+2.5*bw, labelY, g.prf.F1)
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

// xTicks labels the bottom axis at i/n of the width with tick(i).
func xTicks(b *strings.Builder, left, top, w, h float64, n int, tick func(int) string) {
	for i := 0; i <= n; i++ {
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n", left+w*float64(i)/float64(n), top+h+16, esc(tick(i)))
	}
}

// legend draws coloured swatches with names in a row from (x, y), 80 units
// apart.
func legend(b *strings.Builder, x, y float64, names, colors []string) {
	for k, name := range names {
		fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#222\">%s</text>\n",
			x+float64(k)*80, y-9, colors[k], x+float64(k)*80+14, y, esc(shorten(name, 11)))
	}
}

// prChart draws the sweep's precision (y) against recall (x), micro and by
// label, a dot per threshold and the best micro F1 circled.
func prChart(b *strings.Builder, r *Report) {
	svgStart(b, "chart-pr", prW, prH, "Precision against recall over the threshold sweep")
	const left, top, bottom, right = 50.0, 40.0, 50.0, 150.0
	w, h := float64(prW)-left-right, float64(prH)-top-bottom
	axes(b, left, top, w, h, 5, func(i int) string { return fmt.Sprintf("%.1f", float64(i)/5) })
	xTicks(b, left, top, w, h, 5, func(i int) string { return fmt.Sprintf("%.1f", float64(i)/5) })
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" fill=\"#222\">recall</text>\n", left+w/2, top+h+36)
	fmt.Fprintf(b, "<text x=\"14\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" fill=\"#222\" transform=\"rotate(-90 14 %.1f)\">precision</text>\n", top+h/2, top+h/2)
	at := func(p PRF) (float64, float64) { return left + w*clamp01(p.Recall), top + h - h*clamp01(p.Precision) }
	curves := [][]sweepDot{microDots(r.Sweep)}
	names, colors := []string{"micro"}, []string{colorF1}
	for _, t := range sweepTypes(r.Sweep) {
		curves = append(curves, typeDots(r.Sweep, t))
		names, colors = append(names, t), append(colors, typeColors[(len(names)-1)%len(typeColors)])
	}
	for i := len(curves) - 1; i >= 0; i-- {
		polyline(b, curves[i], at, colors[i], names[i], i == 0)
	}
	if best := r.SweepBest; best != nil {
		x, y := at(best.PRF)
		fmt.Fprintf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"><title>best micro F1 %.4f at threshold %g</title></circle>\n", x, y, colorPoint, best.F1, best.Threshold)
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#222\">best F1 %.3f</text><text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#222\">at threshold %g</text>\n",
			left+w+16, top+12, best.F1, left+w+16, top+27, best.Threshold)
	}
	for i, n := range names {
		y := top + 56 + float64(i)*18
		fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"4\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#222\">%s</text>\n", left+w+16, y-5, colors[i], left+w+34, y, esc(shorten(n, 16)))
	}
	b.WriteString("</svg>\n")
}

// sweepDot is one threshold's point of a curve.
type sweepDot struct {
	t float64
	PRF
}

func microDots(points []SweepPoint) []sweepDot {
	out := make([]sweepDot, len(points))
	for i, p := range points {
		out[i] = sweepDot{p.Threshold, p.PRF}
	}
	return out
}

func typeDots(points []SweepPoint, typ string) []sweepDot {
	var out []sweepDot
	for _, p := range points {
		for _, t := range p.Types {
			if t.Type == typ && t.Pred > 0 {
				out = append(out, sweepDot{p.Threshold, t.PRF})
			}
		}
	}
	return out
}

// sweepTypes are the labels of a sweep with gold spans, sorted.
func sweepTypes(points []SweepPoint) []string {
	seen := map[string]bool{}
	for _, p := range points {
		for _, t := range p.Types {
			if t.Gold > 0 {
				seen[t.Type] = true
			}
		}
	}
	return sortedKeys(seen)
}

func polyline(b *strings.Builder, dots []sweepDot, at func(PRF) (float64, float64), color, name string, main bool) {
	width, radius := 1.5, 2.5
	if main {
		width, radius = 3, 3.5
	}
	var pts []string
	for _, d := range dots {
		x, y := at(d.PRF)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
	}
	fmt.Fprintf(b, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%g\"/>\n", strings.Join(pts, " "), color, width)
	for _, d := range dots {
		x, y := at(d.PRF)
		fmt.Fprintf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%g\" fill=\"%s\"><title>%s at threshold %g: precision %.4f, recall %.4f, F1 %.4f</title></circle>\n", x, y, radius, color, esc(name), d.t, d.Precision, d.Recall, d.F1)
	}
}

// scatter draws micro F1 (y, 0–1) against texts per second (x, from 0 to a
// rounded maximum), one point per report. The names sit in a column right
// of the plot, in the order of the points from top to bottom, at least
// scatterLabelGap apart, each joined to its point by a leader line, so that
// no two labels overlap however close the points are.
func scatter(b *strings.Builder, reports []*Report) {
	const left, top, bottom = 50.0, 40.0, 50.0
	hgt := max(scatterMinH, int(top+bottom+scatterLabelGap*float64(len(reports)+1)))
	svgStart(b, "chart-scatter", scatterW, hgt, "Quality versus speed: micro F1 against texts per second")
	w, h := scatterPlotRight-left, float64(hgt)-top-bottom
	axes(b, left, top, w, h, 5, func(i int) string { return fmt.Sprintf("%.1f", float64(i)/5) })
	xmax := 0.0
	for _, rep := range reports {
		xmax = math.Max(xmax, rep.Cost.TextsPerSecond)
	}
	xmax = niceCeil(xmax)
	xTicks(b, left, top, w, h, 5, func(i int) string { return fmt.Sprintf("%.3g", xmax*float64(i)/5) })
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" fill=\"#222\">texts per second</text>\n", left+w/2, top+h+38)
	pts := make([]scatterPoint, len(reports))
	for i, rep := range reports {
		pts[i] = scatterPoint{x: left + w*rep.Cost.TextsPerSecond/xmax, y: top + h - h*clamp01(rep.Scores.Micro.F1), rep: rep}
	}
	labelYs := placeLabels(pts, top+4, top+h)
	for i, p := range pts {
		fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\"/>\n", p.x, p.y, scatterPlotRight+16, labelYs[i]-4)
	}
	for i, p := range pts {
		fmt.Fprintf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"%s\"><title>%s: F1 %.4f, %.1f texts/s</title></circle>\n", p.x, p.y, colorPoint, esc(p.rep.Name), p.rep.Scores.Micro.F1, p.rep.Cost.TextsPerSecond)
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#222\">%s (%.3f)</text>\n", scatterPlotRight+20, labelYs[i], esc(shorten(p.rep.Name, 36)), p.rep.Scores.Micro.F1)
	}
	b.WriteString("</svg>\n")
}

type scatterPoint struct {
	x, y float64
	rep  *Report
}

// placeLabels returns the baseline of each point's label: near the point's
// height, in the points' top-to-bottom order, scatterLabelGap apart, within
// [lo, hi] when there is room.
func placeLabels(pts []scatterPoint, lo, hi float64) []float64 {
	order := make([]int, len(pts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return pts[order[a]].y < pts[order[b]].y })
	ys := make([]float64, len(pts))
	prev := lo - scatterLabelGap
	for _, i := range order {
		ys[i] = math.Max(pts[i].y+4, prev+scatterLabelGap)
		prev = ys[i]
	}
	next := hi + scatterLabelGap
	for k := len(order) - 1; k >= 0; k-- {
		i := order[k]
		ys[i] = math.Max(math.Min(ys[i], next-scatterLabelGap), lo+float64(k)*scatterLabelGap)
		next = ys[i]
	}
	return ys
}
