package gliner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// The library rows of the bad-input table (SECURITY.md): each input gives
// entities or a typed error, never a panic.

// checkEntityText asserts the entity invariants of a result: inside the
// text, text[Start:End] is the entity's text, which holds no invalid UTF-8
// byte and no NUL.
func checkEntityText(t *testing.T, text string, ents []Entity) {
	t.Helper()
	for _, e := range ents {
		if e.Start < 0 || e.End > len(text) || e.Start >= e.End || text[e.Start:e.End] != e.Text {
			t.Fatalf("entity %+v outside %q", e, text)
		}
		if hasBadByte(e.Text) {
			t.Fatalf("entity %+v holds an invalid byte or NUL", e)
		}
	}
}

// TestBadBytesNeverInEntities runs, with threshold 0 (every candidate
// scoring above 0 is kept), texts holding invalid UTF-8 bytes, NUL and
// other control characters through each model family: no entity holds an
// invalid byte or NUL, and the valid words still give entities.
func TestBadBytesNeverInEntities(t *testing.T) {
	texts := []string{
		"Aspirin\xff\xfe causes\x00headache \xff.",
		"\xff", "\x00", "\x00\xff \xe2\x82",
		"BRCA1\x00mutations cause breast cancer\x01\x1b[0m in women\u2028.",
		"Cisplatin \xc3 nephrotoxicity \x00\x00 and cancer",
	}
	for _, tc := range []struct{ fixture, labels string }{
		{"span-bert", "disease,chemical,gene"},
		{"token-deberta-new", "disease,chemical"},
		{"bi-span", "disease,chemical"},
		{"bio-bert", "disease"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			m := openFixture(t, tc.fixture)
			defer m.Close()
			labels := strings.Split(tc.labels, ",")
			if tc.fixture == "bio-bert" {
				labels = m.Labels()
			}
			res, err := m.ExtractBatch(context.Background(), texts, labels, WithThreshold(0), WithNested())
			if err != nil {
				t.Fatal(err)
			}
			found := 0
			for i, ents := range res {
				checkEntityText(t, texts[i], ents)
				found += len(ents)
			}
			if found == 0 {
				t.Fatalf("no entities at threshold 0 in %q", texts)
			}
		})
	}
}

func TestBadArguments(t *testing.T) {
	m := openFixture(t, "span-bert")
	defer m.Close()
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	text := "Aspirin causes headache."
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		labels []string
		opts   []ExtractOption
		want   error
	}{
		{"nil context", nil, []string{"disease"}, nil, ErrNilContext},
		{"cancelled context", cancelled, []string{"disease"}, nil, context.Canceled},
		{"threshold above 1", ctx, []string{"disease"}, []ExtractOption{WithThreshold(1.5)}, ErrBadOption},
		{"negative threshold", ctx, []string{"disease"}, []ExtractOption{WithThreshold(-0.1)}, ErrBadOption},
		{"NaN label threshold", ctx, []string{"disease"}, []ExtractOption{WithLabelThreshold("disease", nan())}, ErrBadOption},
		{"empty label", ctx, []string{"disease", " "}, nil, ErrLabel},
		{"100 KB label", ctx, []string{"disease", strings.Repeat("x y ", 25_000)}, nil, ErrLabel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Extract(tc.ctx, text, tc.labels, tc.opts...)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := m.PrecomputeLabels(nil, []string{"disease"}); !errors.Is(err, ErrNilContext) {
		t.Errorf("PrecomputeLabels(nil ctx): %v", err)
	}
}

func nan() float64 { var z float64; return z / z }

func numberedLabels(n int) []string {
	l := make([]string, n)
	for i := range l {
		l[i] = fmt.Sprintf("label%d", i)
	}
	return l
}

// TestHarmlessInputs: inputs that give no entities or the same entities,
// and no error.
func TestHarmlessInputs(t *testing.T) {
	m := openFixture(t, "span-bert")
	defer m.Close()
	ctx := context.Background()
	text := "Aspirin causes headache and breast cancer."
	want, err := m.Extract(ctx, text, []string{"disease", "chemical"})
	if err != nil || len(want) == 0 {
		t.Fatalf("reference call: %v, %v", want, err)
	}
	for _, tc := range []struct {
		name, text string
		labels     []string
		none       bool
	}{
		{"empty text", "", []string{"disease"}, true},
		{"whitespace-only text", " \t\n\u00a0\u3000 ", []string{"disease"}, true},
		{"no labels", text, nil, true},
		{"repeated labels", text, []string{"disease", "chemical", "disease"}, false},
		{"10,000 labels (run in label groups)", text, append([]string{"disease", "chemical"}, numberedLabels(10_000)...), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := m.Extract(ctx, tc.text, tc.labels)
			if err != nil || got == nil {
				t.Fatalf("got %v, %v", got, err)
			}
			checkEntityText(t, tc.text, got)
			if tc.none && len(got) != 0 || !tc.none && len(got) == 0 {
				t.Fatalf("got %+v, want entities: %v", got, !tc.none)
			}
			if tc.name == "repeated labels" && fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

// TestTenMegabyteText: a 10 MB text is cut to the model's limit with a
// warning (TruncateLongTexts), or refused with ErrTextTooLong. (The default,
// ChunkLongTexts, runs all its windows: minutes for 10 MB.)
func TestTenMegabyteText(t *testing.T) {
	if testing.Short() {
		t.Skip("10 MB text skipped in -short mode")
	}
	text := strings.Repeat("Aspirin causes headache. ", 400_000)
	var log bytes.Buffer
	m := openFixture(t, "span-bert", WithLongTexts(TruncateLongTexts), WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	defer m.Close()
	ents, err := m.Extract(context.Background(), text, []string{"disease"})
	if err != nil || !strings.Contains(log.String(), "truncated") {
		t.Fatalf("got %d entities, %v; log %q", len(ents), err, log.String())
	}
	checkEntityText(t, text, ents)
	r := openFixture(t, "span-bert", WithLongTexts(RefuseLongTexts))
	defer r.Close()
	if _, err := r.Extract(context.Background(), text, []string{"disease"}); !errors.Is(err, ErrTextTooLong) {
		t.Fatalf("refuse: %v", err)
	}
}

// TestCloseDuringRun: Close while ExtractBatch runs makes it return
// ErrClosed (or finish); a second Close is nil; Extract after Close is
// ErrClosed.
func TestCloseDuringRun(t *testing.T) {
	m := openFixture(t, "span-bert", WithBatchSize(1))
	texts := make([]string, 400)
	for i := range texts {
		texts[i] = fmt.Sprintf("Patient %d with breast cancer took aspirin.", i)
	}
	var wg sync.WaitGroup
	var err error
	started := make(chan struct{})
	wg.Go(func() {
		close(started)
		_, err = m.ExtractBatch(context.Background(), texts, []string{"disease"})
	})
	<-started
	time.Sleep(20 * time.Millisecond)
	if cerr := m.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	wg.Wait()
	if err != nil && (!errors.Is(err, ErrClosed) || err.Error() != ErrClosed.Error()) {
		t.Fatalf("ExtractBatch during Close: %v, want ErrClosed", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := m.Extract(context.Background(), "x", []string{"disease"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Extract after Close: %v", err)
	}
}

// TestCancelDuringRun: a deadline that passes during a batch stops it with
// an error wrapping context.DeadlineExceeded.
func TestCancelDuringRun(t *testing.T) {
	m := openFixture(t, "span-bert", WithBatchSize(1))
	defer m.Close()
	texts := make([]string, 400)
	for i := range texts {
		texts[i] = fmt.Sprintf("Patient %d with breast cancer took aspirin.", i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := m.ExtractBatch(ctx, texts, []string{"disease"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
}

func TestUnknownSpanMode(t *testing.T) {
	_, err := ParseConfig(strings.NewReader(`{"span_mode": "bogus"}`))
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "span_mode" || !errors.Is(err, ErrBadConfig) {
		t.Fatalf("got %v, want a *ConfigError on span_mode wrapping ErrBadConfig", err)
	}
}
