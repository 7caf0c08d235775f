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

// TestHTMLRendersInChromium opens the report and the comparison page in
// headless Chromium and checks that the chart areas hold bars and points of
// the series colours, and that the space between the charts is blank.
func TestHTMLRendersInChromium(t *testing.T) {
	dir := t.TempDir()
	r := sampleReport(t)
	htmlPath, err := r.WriteFiles(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	img := screenshot(t, htmlPath, 1300, 900)
	if dump := os.Getenv("GLINER_SCREENSHOT_DIR"); dump != "" && img != nil {
		savePNG(t, filepath.Join(dump, "report.png"), img)
	}
	if img == nil {
		return
	}
	f1 := hexColor(colorF1)
	// Sample report: F1 by type 0.8 (Chem), 0.5, 0.5, micro and macro; by
	// length three non-zero buckets. Each bar is tens of pixels wide and
	// tall, so hundreds of pixels of the F1 colour are expected.
	for name, rect := range map[string]image.Rectangle{"by type": rectByType, "by length": rectByLength} {
		n := countColor(img, rect, f1)
		t.Logf("%s chart: %d F1-coloured pixels, %d non-white", name, n, countInk(img, rect))
		if n < 500 {
			t.Errorf("%s chart: only %d pixels of the F1 colour in %v", name, n, rect)
		}
		if rn := countColor(img, rect, hexColor(colorRecall)); rn < 500 {
			t.Errorf("%s chart: only %d pixels of the recall colour", name, rn)
		}
	}
	gap := image.Rect(rectByType.Max.X+2, rectByType.Min.Y, rectByLength.Min.X-2, rectByType.Max.Y)
	if n := countInk(img, gap); n != 0 {
		t.Errorf("gap between the charts has %d non-white pixels", n)
	}

	var page bytes.Buffer
	r2 := sampleReport(t)
	r2.Name, r2.Cost.TextsPerSecond, r2.Scores.Micro.F1 = "faster", 11, 0.3
	if err := WriteCompareHTML(&page, []*Report{r, r2}); err != nil {
		t.Fatal(err)
	}
	cmpPath := filepath.Join(dir, "compare.html")
	if err := os.WriteFile(cmpPath, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	img = screenshot(t, cmpPath, 1300, 900)
	if dump := os.Getenv("GLINER_SCREENSHOT_DIR"); dump != "" {
		savePNG(t, filepath.Join(dump, "compare.png"), img)
	}
	n := countColor(img, rectScatter, hexColor(colorPoint))
	t.Logf("scatter: %d point-coloured pixels", n)
	// Two filled circles of radius 7: about 2 × 154 pixels.
	if n < 200 {
		t.Errorf("scatter chart: only %d pixels of the point colour", n)
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
