//go:build cgo

package encoder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gliner-go/gliner/internal/testenv"
	ort "github.com/yalue/onnxruntime_go"
)

// requireRuntime loads ONNX Runtime or skips (fails in CI) when the library
// is not installed.
func requireRuntime(tb testing.TB) RuntimeInfo {
	tb.Helper()
	info, err := LoadRuntime()
	if errors.Is(err, ErrLibraryNotFound) {
		testenv.Missing(tb, "ONNX Runtime library not found (run scripts/setup-ort.sh): %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return info
}

func openGraph(tb testing.TB, name string, opts ...Option) *Session {
	tb.Helper()
	requireRuntime(tb)
	s, err := Open(filepath.Join("testdata", name), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// basicCase is one input set for basic.onnx with the outputs computed in Go.
type basicCase struct {
	batch, n int64
	a, b     []int64
	mask     []bool
	x        []float32
}

func newBasicCase(batch, n int64, seed int) basicCase {
	c := basicCase{batch: batch, n: n}
	for i := int64(0); i < batch*n; i++ {
		c.a = append(c.a, int64(seed)*1000+i)
		c.b = append(c.b, -3*i+int64(seed))
		c.mask = append(c.mask, (i+int64(seed))%3 == 0)
	}
	for i := int64(0); i < batch*4; i++ {
		c.x = append(c.x, float32(i%5)-1.5+float32(seed)/8)
	}
	return c
}

func (c basicCase) inputs() []Tensor {
	return []Tensor{
		Float32Tensor("x", []int64{c.batch, 4}, c.x), // any order
		Int64Tensor("a", []int64{c.batch, c.n}, c.a),
		BoolTensor("mask", []int64{c.batch, c.n}, c.mask),
		Int64Tensor("b", []int64{c.batch, c.n}, c.b),
	}
}

// W and bias as in gen_graphs.py.
var (
	basicW    = [4][3]float32{{1, 0, 0.5}, {0, 1, -0.5}, {2, 0, 0.25}, {0, -1, 1}}
	basicBias = [3]float32{0.5, -0.25, 0}
)

func (c basicCase) check(tb testing.TB, out []Tensor) {
	tb.Helper()
	if err := c.verify(out); err != nil {
		tb.Fatal(err)
	}
}

// verify compares basic.onnx's outputs with the values computed in Go.
func (c basicCase) verify(out []Tensor) error {
	if len(out) != 4 {
		return fmt.Errorf("got %d outputs, want 4", len(out))
	}
	for i, name := range []string{"sum", "inverted", "count", "proj"} {
		if out[i].Name != name {
			return fmt.Errorf("output %d is %q, want %q", i, out[i].Name, name)
		}
	}
	sum, inv, count, proj := out[0], out[1], out[2], out[3]
	for _, err := range []error{
		shapeIs(sum, Int64, c.batch, c.n), shapeIs(inv, Bool, c.batch, c.n),
		shapeIs(count, Int64, c.batch), shapeIs(proj, Float32, c.batch, 3),
	} {
		if err != nil {
			return err
		}
	}
	for i := range c.a {
		if sum.Int64[i] != c.a[i]+c.b[i] || inv.Bool[i] == c.mask[i] {
			return fmt.Errorf("element %d: sum %d inverted %v; want %d %v", i, sum.Int64[i], inv.Bool[i], c.a[i]+c.b[i], !c.mask[i])
		}
	}
	for r := int64(0); r < c.batch; r++ {
		var n int64
		for _, m := range c.mask[r*c.n : (r+1)*c.n] {
			if m {
				n++
			}
		}
		if count.Int64[r] != n {
			return fmt.Errorf("count[%d] = %d, want %d", r, count.Int64[r], n)
		}
		for j := 0; j < 3; j++ {
			want := basicBias[j]
			for k := 0; k < 4; k++ {
				want += c.x[r*4+int64(k)] * basicW[k][j]
			}
			if got := proj.Float32[r*3+int64(j)]; math.Abs(float64(got-want)) > 1e-5 {
				return fmt.Errorf("proj[%d,%d] = %v, want %v", r, j, got, want)
			}
		}
	}
	return nil
}

func wantShape(tb testing.TB, t Tensor, typ ElementType, shape ...int64) {
	tb.Helper()
	if err := shapeIs(t, typ, shape...); err != nil {
		tb.Fatal(err)
	}
}

func shapeIs(t Tensor, typ ElementType, shape ...int64) error {
	if t.Type != typ || fmt.Sprint(t.Shape) != fmt.Sprint(shape) || t.otherFieldsSet() {
		return fmt.Errorf("%s: got %s%v, want %s%v", t.Name, t.Type, t.Shape, typ, shape)
	}
	if n, _ := shapeSize(t.Shape); int64(t.Len()) != n {
		return fmt.Errorf("%s: %d elements for shape %v", t.Name, t.Len(), t.Shape)
	}
	return nil
}

func TestLoadRuntimeVersion(t *testing.T) {
	info := requireRuntime(t)
	if major, minor, ok := parseVersion(info.Version); !ok || major != 1 || minor < 24 {
		t.Fatalf("version %q", info.Version)
	}
	if info.Path == "" || info.Source == "" {
		t.Fatalf("info %+v lacks path or source", info)
	}
	t.Logf("ONNX Runtime %s from %s (%s)", info.Version, info.Path, info.Source)
	again, err := LoadRuntime()
	if err != nil || again != info {
		t.Fatalf("second LoadRuntime = %+v, %v", again, err)
	}
	// The same library by folder is fine; another one is a conflict.
	if _, err := LoadRuntime(WithLibraryPath(filepath.Dir(info.Path))); err != nil {
		t.Fatalf("same library by folder: %v", err)
	}
	_, err = LoadRuntime(WithLibraryPath(filepath.Join(t.TempDir(), "libonnxruntime.so.1")))
	if !errors.Is(err, ErrLibraryConflict) || !strings.Contains(err.Error(), info.Path) {
		t.Fatalf("other library: %v, want ErrLibraryConflict naming %s", err, info.Path)
	}
}

func TestIntrospection(t *testing.T) {
	s := openGraph(t, "basic.onnx")
	if got, want := fmt.Sprint(s.Inputs()), fmt.Sprint(basicInputs); got != want {
		t.Errorf("Inputs = %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(s.Outputs()), fmt.Sprint(basicOutputs); got != want {
		t.Errorf("Outputs = %s, want %s", got, want)
	}
	s.Inputs()[0].Shape[0] = 99 // a copy: the session is unchanged
	if s.Inputs()[0].Shape[0] != -1 {
		t.Error("Inputs returned the session's own slice")
	}
	if got := s.Providers(); len(got) != 1 || got[0] != CPU {
		t.Errorf("Providers = %v, want [CPU]", got)
	}
	if err := s.Check(basicContract()); err != nil {
		t.Errorf("Check(exact) = %v", err)
	}
	c, want := mismatchedContract()
	checkDiffs(t, s.Check(c), want)
}

func TestOpenWithContract(t *testing.T) {
	requireRuntime(t)
	c, want := mismatchedContract()
	s, err := Open(filepath.Join("testdata", "basic.onnx"), WithContract(c))
	if s != nil {
		t.Fatal("session returned with an error")
	}
	checkDiffs(t, err, want)
	s = openGraph(t, "basic.onnx", WithContract(basicContract()))
	if s == nil {
		t.Fatal("nil session")
	}
}

func TestRun(t *testing.T) {
	s := openGraph(t, "basic.onnx")
	for _, c := range []basicCase{newBasicCase(1, 1, 0), newBasicCase(1, 7, 1), newBasicCase(3, 5, 2), newBasicCase(16, 64, 3)} {
		t.Run(fmt.Sprintf("%dx%d", c.batch, c.n), func(t *testing.T) {
			in := c.inputs()
			out, err := s.Run(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, out)
			if in[1].Int64[0] != c.a[0] || &in[1].Int64[0] != &c.a[0] {
				t.Error("inputs changed")
			}
		})
	}
}

func TestRunZeroElements(t *testing.T) {
	s := openGraph(t, "basic.onnx")
	c := newBasicCase(2, 0, 0)
	out, err := s.Run(context.Background(), c.inputs())
	if err != nil {
		t.Fatal(err)
	}
	wantShape(t, out[0], Int64, 2, 0)
	if out[0].Int64 == nil {
		t.Error("zero-element output has nil data")
	}
	if out[2].Int64[0] != 0 || out[2].Int64[1] != 0 {
		t.Errorf("count = %v", out[2].Int64)
	}
}

func TestOpenBytes(t *testing.T) {
	requireRuntime(t)
	data, err := os.ReadFile(filepath.Join("testdata", "basic.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenBytes(data, WithOptimization(OptimizeBasic), WithIntraOpThreads(1), WithInterOpThreads(1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := newBasicCase(2, 3, 4)
	out, err := s.Run(context.Background(), c.inputs())
	if err != nil {
		t.Fatal(err)
	}
	c.check(t, out)
}

func TestOptimizationLevels(t *testing.T) {
	for _, level := range []OptimizationLevel{OptimizeAll, OptimizeExtended, OptimizeBasic, OptimizeDisabled} {
		t.Run(level.String(), func(t *testing.T) {
			s := openGraph(t, "basic.onnx", WithOptimization(level))
			c := newBasicCase(2, 2, 5)
			out, err := s.Run(context.Background(), c.inputs())
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, out)
		})
	}
}

func TestProviderFallback(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := openGraph(t, "basic.onnx", WithProviders(CUDA, TensorRT, CoreML, OpenVINO, DirectML, CPU), WithLogger(logger))
	// The pinned library is CPU-only: all are skipped, with a warning each.
	if got := s.Providers(); len(got) != 1 || got[0] != CPU {
		t.Skipf("this ONNX Runtime build has other providers: %v", got)
	}
	text := logs.String()
	t.Log(text)
	for _, want := range []string{"provider=CUDA", "provider=TensorRT", "provider=CoreML", "provider=OpenVINO", "provider=DirectML", "falling back to CPU"} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
	c := newBasicCase(1, 2, 6)
	out, err := s.Run(context.Background(), c.inputs())
	if err != nil {
		t.Fatal(err)
	}
	c.check(t, out)
}

func TestRunInvalidInputs(t *testing.T) {
	s := openGraph(t, "basic.onnx")
	good := newBasicCase(2, 3, 0).inputs()
	with := func(i int, t Tensor) []Tensor {
		in := append([]Tensor(nil), good...)
		in[i] = t
		return in
	}
	tests := []struct {
		name   string
		in     []Tensor
		tensor string
		reason string
	}{
		{"unknown name", with(0, Float32Tensor("y", []int64{2, 4}, make([]float32, 8))), "y", "no such input"},
		{"missing", good[:3], "b", "missing"},
		{"twice", append(append([]Tensor(nil), good...), good[1]), "a", "given twice"},
		{"wrong type", with(1, Int64Tensor("mask", []int64{2, 3}, make([]int64, 6))), "mask", "type int64, the graph wants bool"},
		{"wrong rank", with(1, Int64Tensor("a", []int64{6}, make([]int64, 6))), "a", "rank 1"},
		{"fixed dim", with(0, Float32Tensor("x", []int64{2, 3}, make([]float32, 6))), "x", "the graph wants [? 4]"},
		{"length", with(0, Float32Tensor("x", []int64{2, 4}, make([]float32, 7))), "x", "needs 8 elements, data has 7"},
		{"negative", with(1, Int64Tensor("a", []int64{-2, -3}, make([]int64, 6))), "a", "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := s.Run(context.Background(), tt.in)
			var ie *InputError
			if out != nil || !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("got %v, %v; want *InputError", out, err)
			}
			if ie.Name != tt.tensor || !strings.Contains(ie.Reason, tt.reason) {
				t.Fatalf("got %q: %q; want %q: ...%q...", ie.Name, ie.Reason, tt.tensor, tt.reason)
			}
		})
	}
	// Shapes that fit each input but not each other pass validation;
	// ONNX Runtime refuses them (a [2 3] + b [2 4] cannot broadcast).
	in := with(3, Int64Tensor("b", []int64{2, 4}, make([]int64, 8)))
	if _, err := s.Run(context.Background(), in); !errors.Is(err, ErrRun) {
		t.Fatalf("broadcast mismatch: %v, want ErrRun", err)
	}
}

// slowInputs makes slow.onnx run iters matrix products of size n.
func slowInputs(n, iters int64) []Tensor {
	x := make([]float32, n*n)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	return []Tensor{Float32Tensor("x", []int64{n, n}, x), Int64Tensor("iters", []int64{1}, []int64{iters})}
}

func TestSlowGraphResult(t *testing.T) {
	s := openGraph(t, "slow.onnx")
	const n = 8
	in := slowInputs(n, 2)
	out, err := s.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	x := in[0].Float32
	y := append([]float32(nil), x...)
	for it := 0; it < 2; it++ {
		next := make([]float32, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				var acc float64
				for k := 0; k < n; k++ {
					acc += float64(y[i*n+k]) * float64(x[k*n+j])
				}
				next[i*n+j] = float32(math.Tanh(acc / n))
			}
		}
		y = next
	}
	wantShape(t, out[0], Float32, n, n)
	for i := range y {
		if math.Abs(float64(out[0].Float32[i]-y[i])) > 1e-5 {
			t.Fatalf("y[%d] = %v, want %v", i, out[0].Float32[i], y[i])
		}
	}
}

// forever is an iteration count that would run for weeks.
const forever = 1 << 40

func TestRunCancel(t *testing.T) {
	s := openGraph(t, "slow.onnx", WithIntraOpThreads(1))
	before := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		out, err := s.Run(ctx, slowInputs(256, forever))
		elapsed := time.Since(start)
		cancel()
		if out != nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, %v; want context.Canceled", out, err)
		}
		// One iteration takes a few milliseconds; the run itself would take
		// weeks, so any return at all shows the termination worked.
		t.Logf("cancelled run returned after %v", elapsed)
		if elapsed > 20*time.Second {
			t.Fatalf("cancel took %v", elapsed)
		}
	}
	// The session stays usable, and nothing is left behind.
	out, err := s.Run(context.Background(), slowInputs(4, 1))
	if err != nil || len(out) != 1 {
		t.Fatalf("run after cancellations: %v", err)
	}
	after := runtime.NumGoroutine()
	for deadline := time.Now().Add(2 * time.Second); after > before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // timer callbacks may still be exiting
		after = runtime.NumGoroutine()
	}
	if after > before {
		t.Errorf("goroutines: %d before, %d after", before, after)
	}
}

func TestRunDeadlineAndCancelledContext(t *testing.T) {
	s := openGraph(t, "slow.onnx", WithIntraOpThreads(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := s.Run(ctx, slowInputs(256, forever)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline: %v", err)
	}
	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := s.Run(done, slowInputs(4, 1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before start: %v", err)
	}
}

func TestConcurrentRun(t *testing.T) {
	s := openGraph(t, "basic.onnx", WithIntraOpThreads(1))
	slow := openGraph(t, "slow.onnx", WithIntraOpThreads(1))
	const workers, runs = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers+1)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < runs; r++ {
				c := newBasicCase(int64(1+w%3), int64(1+r%9), w*runs+r)
				out, err := s.Run(context.Background(), c.inputs())
				if err == nil {
					err = c.verify(out)
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d run %d: %w", w, r, err)
					return
				}
			}
		}(w)
	}
	// Meanwhile, cancel runs on another session.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 3; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			_, err := slow.Run(ctx, slowInputs(128, forever))
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				errs <- fmt.Errorf("slow run: %w", err)
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCloseWaitsForRuns(t *testing.T) {
	requireRuntime(t)
	s, err := Open(filepath.Join("testdata", "slow.onnx"), WithIntraOpThreads(1))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	runErr := make(chan error, 1)
	go func() {
		close(started)
		_, err := s.Run(ctx, slowInputs(256, forever))
		runErr <- err
	}()
	<-started
	time.Sleep(50 * time.Millisecond) // let the run get going
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a run was in progress", err)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	if err := <-runErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.Run(context.Background(), slowInputs(4, 1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Run after Close: %v", err)
	}
	if got := s.Inputs(); len(got) != 2 {
		t.Errorf("Inputs after Close = %v", got)
	}
}

func TestBrokenModels(t *testing.T) {
	requireRuntime(t)
	good, err := os.ReadFile(filepath.Join("testdata", "basic.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	garbage := bytes.Repeat([]byte{0xff, 0x13, 0x00, 0x7a}, 100)
	tests := []struct {
		name string
		path string
		data []byte
	}{
		{"truncated file", write("truncated.onnx", good[:len(good)/2]), nil},
		{"one byte short", write("short.onnx", good[:len(good)-1]), nil},
		{"garbage file", write("garbage.onnx", garbage), nil},
		{"empty file", write("empty.onnx", nil), nil},
		{"missing file", filepath.Join(dir, "absent.onnx"), nil},
		{"directory", dir, nil},
		{"truncated bytes", "", good[:len(good)/3]},
		{"garbage bytes", "", garbage},
		{"empty bytes", "", []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s *Session
			var err error
			if tt.path != "" || tt.data == nil {
				s, err = Open(tt.path)
			} else {
				s, err = OpenBytes(tt.data)
			}
			var me *ModelError
			if s != nil || !errors.As(err, &me) || !errors.Is(err, ErrInvalidModel) {
				t.Fatalf("got %v, %v; want *ModelError", s, err)
			}
			if me.Path != tt.path {
				t.Errorf("Path = %q, want %q", me.Path, tt.path)
			}
			t.Log(err)
		})
	}
	if _, err := Open(filepath.Join(dir, "absent.onnx")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want os.ErrNotExist", err)
	}
}

func TestOpenInvalidOption(t *testing.T) {
	s, err := Open(filepath.Join("testdata", "basic.onnx"), WithIntraOpThreads(-1))
	if s != nil || !errors.Is(err, ErrInvalidOption) {
		t.Fatalf("got %v, %v", s, err)
	}
}

func BenchmarkRunBasic(b *testing.B) {
	s := openGraph(b, "basic.onnx", WithIntraOpThreads(1))
	in := newBasicCase(8, 256, 1).inputs()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Run(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunBasicRawORT does the same work as BenchmarkRunBasic directly
// with onnxruntime_go (wrap inputs, run with ORT-allocated outputs, free
// everything), the peer that shows this package's per-run overhead.
func BenchmarkRunBasicRawORT(b *testing.B) {
	requireRuntime(b)
	so, err := ort.NewSessionOptions()
	if err != nil {
		b.Fatal(err)
	}
	defer so.Destroy()
	if err := so.SetIntraOpNumThreads(1); err != nil {
		b.Fatal(err)
	}
	sess, err := ort.NewDynamicAdvancedSession(filepath.Join("testdata", "basic.onnx"),
		[]string{"a", "b", "mask", "x"}, []string{"sum", "inverted", "count", "proj"}, so)
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Destroy()
	c := newBasicCase(8, 256, 1)
	b.ReportAllocs()
	for b.Loop() {
		in := make([]ort.Value, 4)
		var errs [4]error
		in[0], errs[0] = ort.NewTensor(ort.NewShape(c.batch, c.n), c.a)
		in[1], errs[1] = ort.NewTensor(ort.NewShape(c.batch, c.n), c.b)
		in[2], errs[2] = ort.NewTensor(ort.NewShape(c.batch, c.n), c.mask)
		in[3], errs[3] = ort.NewTensor(ort.NewShape(c.batch, 4), c.x)
		if err := errors.Join(errs[:]...); err != nil {
			b.Fatal(err)
		}
		out := make([]ort.Value, 4)
		if err := sess.Run(in, out); err != nil {
			b.Fatal(err)
		}
		for _, v := range append(in, out...) {
			v.Destroy()
		}
	}
}

func TestRunUnsupportedOutputType(t *testing.T) {
	s := openGraph(t, "int32out.onnx")
	in := []Tensor{Int64Tensor("a", []int64{3}, []int64{1, 2, 3})}
	out, err := s.Run(context.Background(), in)
	if out != nil || !errors.Is(err, ErrUnsupportedType) || !strings.Contains(err.Error(), `"narrow" is int32`) {
		t.Fatalf("got %v, %v; want ErrUnsupportedType naming narrow", out, err)
	}
	// The contract check says the same before any run.
	c := Contract{
		Inputs:  []TensorSpec{{Name: "a", Type: Int64, Shape: []int64{-1}}},
		Outputs: []TensorSpec{{Name: "same", Type: Int64, Shape: []int64{-1}}, {Name: "narrow", Type: Int64, Shape: []int64{-1}}},
	}
	checkDiffs(t, s.Check(c), []Difference{{Kind: WrongType, Output: true, Name: "narrow", Dim: -1, Want: "int64", Got: "int32"}})
}
