package evaluate

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gliner-go/gliner/internal/testenv"
)

func TestHTMLSelfContained(t *testing.T) {
	var a, b bytes.Buffer
	r := sampleReport(t)
	if err := WriteHTML(&a, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteCompareHTML(&b, []*Report{r, r}); err != nil {
		t.Fatal(err)
	}
	external := regexp.MustCompile(`(?i)<script|<link|<img|url\(|@import|(src|href)=`)
	for name, page := range map[string]string{"report": a.String(), "compare": b.String()} {
		if m := external.FindString(page); m != "" {
			t.Errorf("%s page refers to an external asset: %q", name, m)
		}
		if strings.Contains(page, "fixture <b>") || !strings.Contains(page, "fixture &lt;b&gt;") {
			t.Errorf("%s page does not escape the run name", name)
		}
	}
	for _, id := range []string{`id="chart-type"`, `id="chart-length"`} {
		if !strings.Contains(a.String(), id) {
			t.Errorf("report lacks %s", id)
		}
	}
	if !strings.Contains(b.String(), `id="chart-scatter"`) {
		t.Error("comparison lacks the scatter chart")
	}
}

// screenshot renders an HTML file in headless Chromium and decodes the PNG.
func screenshot(t *testing.T, htmlPath string, w, h int) image.Image {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		testenv.Missing(t, "chromium not installed (run scripts/setup-chromium.sh)")
		return nil
	}
	dir := t.TempDir()
	shot := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--force-device-scale-factor=1", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--screenshot="+shot, "--window-size="+itoa(w)+","+itoa(h), "file://"+htmlPath)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, out)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != image.Pt(w, h) {
		t.Fatalf("screenshot is %v, want %dx%d", got, w, h)
	}
	return img
}

// countColor counts the pixels of r within 12 per channel of c.
func countColor(img image.Image, r image.Rectangle, c color.RGBA) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if absDiff(p.R, c.R) <= 12 && absDiff(p.G, c.G) <= 12 && absDiff(p.B, c.B) <= 12 {
				n++
			}
		}
	}
	return n
}

// countInk counts the pixels of r that are not white.
func countInk(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if p.R < 240 || p.G < 240 || p.B < 240 {
				n++
			}
		}
	}
	return n
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}

func hexColor(s string) color.RGBA {
	var c color.RGBA
	c.A = 255
	for i, p := range []*uint8{&c.R, &c.G, &c.B} {
		v := s[1+2*i : 3+2*i]
		for _, ch := range v {
			*p *= 16
			switch {
			case ch >= '0' && ch <= '9':
				*p += uint8(ch - '0')
			default:
				*p += uint8(ch-'a') + 10
			}
		}
	}
	return c
}

// publishReport is a report with every optional part: a run of the fake
// scored model over a random corpus with a bootstrap, errors and a sweep.
func publishReport(t testing.TB) *Report {
	t.Helper()
	c, m := sweepCorpus(60, 11)
	ts, _ := ParseSweep("0.05:0.95:0.05")
	r, err := Run(context.Background(), m, c, Options{Bootstrap: 200, Seed: 1, Errors: 3, Sweep: Sweep{Thresholds: ts, Threshold: 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	r.Name, r.Model, r.Data, r.Format, r.Threshold = "fixture <b>", "testdata/models/span-bert", "random.jsonl", "jsonl", 0.5
	return r
}

// frame is a chart frame found in a screenshot.
type frame struct{ image.Rectangle }

// findFrames finds the chart frames of a screenshot: rectangles at least
// 200 pixels wide whose four sides are drawn in the frame colour. A chart
// cut off by the window has no right side and is not found. They are
// returned in reading order.
func findFrames(img image.Image) []frame {
	fc := hexColor(colorFrame)
	b := img.Bounds()
	is := func(x, y int) bool { return countColor(img, image.Rect(x, y, x+1, y+1), fc) == 1 }
	type run struct{ x0, x1, y int }
	var runs []run
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; {
			if !is(x, y) {
				x++
				continue
			}
			x0 := x
			for x < b.Max.X && is(x, y) {
				x++
			}
			if x-x0 >= 200 {
				runs = append(runs, run{x0, x, y})
			}
		}
	}
	seen := map[run]bool{}
	for _, r := range runs {
		seen[r] = true
	}
	var out []frame
	for i, top := range runs {
		if seen[run{top.x0, top.x1, top.y - 1}] {
			continue // second row of a 2-pixel edge
		}
		for _, bot := range runs[i+1:] {
			if bot.x0 != top.x0 || bot.x1 != top.x1 || bot.y-top.y < 100 || !sidesDrawn(is, top.x0, top.x1-1, top.y, bot.y) {
				continue
			}
			out = append(out, frame{image.Rect(top.x0, top.y, top.x1, bot.y+1)})
			break
		}
	}
	return out
}

// sidesDrawn reports whether columns xl and xr are of the frame colour on
// every row from y0 to y1.
func sidesDrawn(is func(x, y int) bool, xl, xr, y0, y1 int) bool {
	for y := y0; y <= y1; y++ {
		if !is(xl, y) || !is(xr, y) {
			return false
		}
	}
	return true
}

// rightmostInk is the right-most column of the rectangle with a non-white
// pixel, or -1.
func rightmostInk(img image.Image, r image.Rectangle) int {
	for x := r.Max.X - 1; x >= r.Min.X; x-- {
		if countInk(img, image.Rect(x, r.Min.Y, x+1, r.Max.Y)) > 0 {
			return x
		}
	}
	return -1
}

// TestHTMLRendersInChromium renders a report with every optional part and
// a comparison of many close runs in headless Chromium at 800, 1200 and
// 1600 pixels wide, and checks by pixels that every chart is on screen
// whole (its frame has four sides inside the window and no ink reaches the
// window's right margin), that the charts are side by side when there is
// room and stacked when not, and that they hold their bars, whiskers,
// curves and points.
func TestHTMLRendersInChromium(t *testing.T) {
	dir := t.TempDir()
	r := publishReport(t)
	htmlPath, err := r.WriteFiles(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	cmpPath := filepath.Join(dir, "compare.html")
	writeComparePage(t, cmpPath, r)
	for _, width := range []int{800, 1200, 1600} {
		t.Run(itoa(width), func(t *testing.T) {
			img := screenshot(t, htmlPath, width, 1600)
			if img == nil {
				return
			}
			dumpPNG(t, "report-"+itoa(width)+".png", img)
			checkReportCharts(t, img, width)
			img = screenshot(t, cmpPath, width, 1000)
			dumpPNG(t, "compare-"+itoa(width)+".png", img)
			checkScatter(t, img, width)
		})
	}
}

func checkReportCharts(t *testing.T, img image.Image, width int) {
	t.Helper()
	frames := findFrames(img)
	if len(frames) != 3 {
		t.Fatalf("found %d whole chart frames, want 3 (by type, by length, precision-recall): %v", len(frames), frames)
	}
	typ, length, pr := frames[0], frames[1], frames[2]
	t.Logf("frames: type %v, length %v, PR %v", typ, length, pr)
	sideBySide := width >= 1200
	if got := typ.Min.Y == length.Min.Y; got != sideBySide {
		t.Errorf("by-type and by-length charts side by side = %v, want %v", got, sideBySide)
	}
	for _, f := range frames {
		if f.Min.X < 10 || f.Max.X > width-10 || f.Dx() < (width-100)/2 {
			t.Errorf("frame %v: outside the margins of a %d-pixel window or too narrow", f, width)
		}
	}
	if x := rightmostInk(img, image.Rect(0, typ.Min.Y, width, pr.Max.Y)); x >= width-10 {
		t.Errorf("ink in column %d, inside the right margin of a %d-pixel window", x, width)
	}
	f1, rec := hexColor(colorF1), hexColor(colorRecall)
	for name, f := range map[string]frame{"by type": typ, "by length": length} {
		if n, m := countColor(img, f.Rectangle, f1), countColor(img, f.Rectangle, rec); n < 500 || m < 500 {
			t.Errorf("%s chart: %d F1-coloured and %d recall-coloured pixels, want 500 or more", name, n, m)
		}
	}
	// The "3+ words" group, last of the length chart, is drawn.
	third := image.Rect(length.Min.X+length.Dx()*2/3, length.Min.Y, length.Max.X, length.Max.Y)
	if n := countColor(img, third, f1); n < 100 {
		t.Errorf("by-length chart: only %d F1-coloured pixels in the 3+ words group", n)
	}
	if n := countColor(img, typ.Rectangle, hexColor(colorWhisker)); n < 30 {
		t.Errorf("by-type chart: only %d pixels of bootstrap whiskers", n)
	}
	if n, m := countColor(img, pr.Rectangle, f1), countColor(img, pr.Rectangle, hexColor(colorPoint)); n < 300 || m < 20 {
		t.Errorf("precision-recall chart: %d pixels of the micro curve, %d of the best-F1 circle", n, m)
	}
	if sideBySide {
		gap := image.Rect(typ.Max.X+1, typ.Min.Y, length.Min.X-1, typ.Max.Y)
		if n := countInk(img, gap); n != 0 {
			t.Errorf("gap %v between the charts has %d non-white pixels", gap, n)
		}
	}
}

// writeComparePage writes the comparison of twelve runs whose points lie
// close together, paired with each other.
func writeComparePage(t *testing.T, path string, base *Report) {
	var reports []*Report
	for i := range 12 {
		c := *base
		c.Name = "run number " + itoa(i) + " with a long name"
		c.Cost.TextsPerSecond = 40 + float64(i%3)
		c.Scores.Micro.F1 = 0.7 + 0.002*float64(i)
		reports = append(reports, &c)
	}
	paired, err := ComparePaired(reports[:3], 100, 1)
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := WriteCompareHTML(&page, reports, paired...); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func checkScatter(t *testing.T, img image.Image, width int) {
	t.Helper()
	frames := findFrames(img)
	if len(frames) != 1 {
		t.Fatalf("comparison: found %d whole chart frames, want 1", len(frames))
	}
	f := frames[0]
	if f.Min.X < 10 || f.Max.X > width-10 {
		t.Errorf("scatter frame %v outside the margins of a %d-pixel window", f, width)
	}
	// Twelve filled circles of radius 7 (scaled), overlapping: at least
	// one circle's worth.
	if n := countColor(img, f.Rectangle, hexColor(colorPoint)); n < 100 {
		t.Errorf("scatter chart: only %d pixels of the point colour", n)
	}
	// The label column (right third) holds text.
	labels := image.Rect(f.Min.X+f.Dx()*2/3, f.Min.Y+40, f.Max.X-4, f.Max.Y-4)
	if n := countInk(img, labels); n < 500 {
		t.Errorf("scatter labels: only %d non-white pixels in %v", n, labels)
	}
}

// dumpPNG keeps a screenshot for a human to look at when
// GLINER_SCREENSHOT_DIR is set.
func dumpPNG(t *testing.T, name string, img image.Image) {
	if dump := os.Getenv("GLINER_SCREENSHOT_DIR"); dump != "" && img != nil {
		savePNG(t, filepath.Join(dump, name), img)
	}
}

// TestScatterLabelsDoNotOverlap places the labels of many runs with
// nearly the same F1 and checks that consecutive labels are at least a
// line apart and inside the plot's height.
func TestScatterLabelsDoNotOverlap(t *testing.T) {
	for _, n := range []int{1, 2, 12, 40} {
		pts := make([]scatterPoint, n)
		for i := range pts {
			pts[i] = scatterPoint{x: float64(i), y: 200 + float64(i%5)*0.5}
		}
		lo, hi := 44.0, 44+scatterLabelGap*float64(n+1)
		hi = max(hi, 430)
		ys := placeLabels(pts, lo, hi)
		sorted := append([]float64(nil), ys...)
		sort.Float64s(sorted)
		for i, y := range sorted {
			if y < lo || y > hi {
				t.Errorf("%d points: label %d at %.1f outside [%.0f, %.0f]", n, i, y, lo, hi)
			}
			if i > 0 && y-sorted[i-1] < scatterLabelGap-1e-9 {
				t.Errorf("%d points: labels at %.1f and %.1f overlap", n, sorted[i-1], y)
			}
		}
	}
}

// savePNG keeps a screenshot for a human to look at (GLINER_SCREENSHOT_DIR).
func savePNG(t *testing.T, path string, img image.Image) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
