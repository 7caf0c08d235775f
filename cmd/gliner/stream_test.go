package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/offsets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeExtractor finds the word "cancer" in every text, refuses texts
// containing "REFUSE" with gliner.ErrTextTooLong, and records the size of
// each call.
type fakeExtractor struct {
	mu    sync.Mutex
	calls []int
}

func (f *fakeExtractor) extract(_ context.Context, texts []string) ([]gliner.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, len(texts))
	f.mu.Unlock()
	out := make([]gliner.Result, len(texts))
	for i, t := range texts {
		if strings.Contains(t, "REFUSE") {
			return nil, &gliner.LimitError{What: "text", Index: i, Unit: "words", Size: 900, Limit: 384, Err: gliner.ErrTextTooLong}
		}
		out[i] = gliner.Result{Entities: []gliner.Entity{}, Windows: 1, LabelGroups: 1}
		if j := strings.Index(t, "cancer"); j >= 0 {
			out[i].Entities = append(out[i].Entities, gliner.Entity{Start: j, End: j + 6, RuneStart: j, RuneEnd: j + 6, Text: "cancer", Label: "disease", Score: 0.9})
		}
	}
	return out, nil
}

// streamOut is one output record, success or error.
type streamOut struct {
	ID       json.RawMessage `json:"id"`
	Entities []outEntity     `json:"entities"`
	Error    string          `json:"error"`
}

func runStream(t *testing.T, in string, mode inputMode, on onError, batch int) ([]streamOut, *fakeExtractor, error) {
	t.Helper()
	fx := &fakeExtractor{}
	var out bytes.Buffer
	err := newStream(fx.extract, &out, offsets.Runes, batch, on).run(context.Background(), strings.NewReader(in), mode)
	var recs []streamOut
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if l == "" && out.Len() == 0 {
			break
		}
		var o streamOut
		require.NoError(t, json.Unmarshal([]byte(l), &o), l)
		recs = append(recs, o)
	}
	return recs, fx, err
}

// TestStreamMalformedLine checks that a malformed JSON line between good
// lines (--input jsonl; in auto mode such a line is text) gives an error record for that line only: the lines before it (in
// the same pending batch) and after it are all written, in order, and the
// run reports the failure; --on-error stop ends after the error record.
func TestStreamMalformedLine(t *testing.T) {
	in := `{"id":"a","text":"breast cancer"}` + "\n" + `{"id":"b","text": oops}` + "\n" + `{"id":"c","text":"ovarian cancer"}` + "\n"
	recs, _, err := runStream(t, in, inputJSONL, errorSkip, 8)
	require.ErrorIs(t, err, errLinesFailed)
	require.Len(t, recs, 3)
	assert.Equal(t, `"a"`, string(recs[0].ID))
	assert.Len(t, recs[0].Entities, 1)
	assert.Equal(t, "2", string(recs[1].ID))
	assert.Contains(t, recs[1].Error, "line 2: malformed line")
	assert.Equal(t, `"c"`, string(recs[2].ID))
	assert.Len(t, recs[2].Entities, 1)
	recs, _, err = runStream(t, in, inputJSONL, errorStop, 8)
	require.ErrorIs(t, err, errLinesFailed)
	require.Len(t, recs, 2)
	assert.Len(t, recs[0].Entities, 1)
	assert.NotEmpty(t, recs[1].Error)
}

// TestStreamRefusedText checks that a text the model refuses fails its own
// line only: the batch is retried text by text.
func TestStreamRefusedText(t *testing.T) {
	recs, fx, err := runStream(t, "lung cancer\nREFUSE me\ncancer again\n", inputText, errorSkip, 8)
	require.ErrorIs(t, err, errLinesFailed)
	require.Len(t, recs, 3)
	assert.Len(t, recs[0].Entities, 1)
	assert.Equal(t, "line 2: text too long: 900 words, more than the limit of 384", recs[1].Error)
	assert.Len(t, recs[2].Entities, 1)
	assert.Equal(t, []int{3, 1, 1, 1}, fx.calls, "one call of 3, then each text alone")
}

// TestStreamInputModes checks which lines are JSON records in each mode.
func TestStreamInputModes(t *testing.T) {
	lines := []string{
		`{not json, just braces and cancer}`,
		`{"id": 7}`,
		`{"text": 5}`,
		`{"id": "x", "text": "cancer"}`,
		``,
		`plain cancer`,
	}
	in := strings.Join(lines, "\n") + "\n"
	for _, tc := range []struct {
		mode   inputMode
		errors []bool
		ids    []string
	}{
		{inputAuto, []bool{false, false, true, false, false, false}, []string{"1", "2", "3", `"x"`, "5", "6"}},
		{inputText, []bool{false, false, false, false, false, false}, []string{"1", "2", "3", "4", "5", "6"}},
		{inputJSONL, []bool{true, true, true, false, true, true}, []string{"1", "7", "3", `"x"`, "5", "6"}},
	} {
		recs, _, err := runStream(t, in, tc.mode, errorSkip, 2)
		require.Len(t, recs, len(lines), "mode %d", tc.mode)
		failed := false
		for i, r := range recs {
			assert.Equal(t, tc.errors[i], r.Error != "", "mode %d line %d: %+v", tc.mode, i+1, r)
			assert.Equal(t, tc.ids[i], string(r.ID), "mode %d line %d", tc.mode, i+1)
			failed = failed || r.Error != ""
		}
		assert.Equal(t, failed, errors.Is(err, errLinesFailed), "mode %d: %v", tc.mode, err)
	}
	recs, _, _ := runStream(t, in, inputAuto, errorSkip, 2)
	at := strings.Index(lines[0], "cancer")
	assert.Equal(t, []outEntity{{Start: at, End: at + 6, Text: "cancer", Label: "disease", Score: 0.9}}, recs[0].Entities,
		"a plain line starting with { is text")
}

// TestStreamSlowPipe writes one line into a pipe and waits: its result
// must come out while the pipe is still open, before the batch fills.
func TestStreamSlowPipe(t *testing.T) {
	fx := &fakeExtractor{}
	pr, pw := io.Pipe()
	outR, outW := io.Pipe()
	s := newStream(fx.extract, outW, offsets.Runes, 8, errorSkip)
	s.idle = 20 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- s.run(context.Background(), pr, inputAuto); outW.Close() }()
	lines := bufio.NewReader(outR)
	for i, text := range []string{"breast cancer", "no entity here"} {
		_, err := io.WriteString(pw, text+"\n")
		require.NoError(t, err)
		got := make(chan string, 1)
		go func() { l, _ := lines.ReadString('\n'); got <- l }()
		select {
		case l := <-got:
			assert.Contains(t, l, fmt.Sprintf(`"id":%d`, i+1))
		case <-time.After(10 * time.Second):
			t.Fatalf("no output for line %d while the input stays open", i+1)
		}
	}
	pw.Close()
	require.NoError(t, <-done)
	assert.Equal(t, []int{1, 1}, fx.calls)
}

// TestStreamBatches checks that input read at once fills whole batches.
func TestStreamBatches(t *testing.T) {
	recs, fx, err := runStream(t, strings.Repeat("cancer\n", 20), inputText, errorSkip, 8)
	require.NoError(t, err)
	assert.Len(t, recs, 20)
	assert.Equal(t, []int{8, 8, 4}, fx.calls)
}

// TestLineReader checks line splitting against bufio.ScanLines and that a
// line over the limit is reported without losing its neighbours.
func TestLineReader(t *testing.T) {
	for _, in := range []string{"", "\n", "a", "a\n", "a\r\nb", "a\n\nb\n", "\n\n"} {
		var want []string
		sc := bufio.NewScanner(strings.NewReader(in))
		for sc.Scan() {
			want = append(want, sc.Text())
		}
		var got []string
		lr := newLineReader(strings.NewReader(in), 10)
		for {
			l, long, err := lr.next()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			assert.False(t, long)
			got = append(got, string(l))
		}
		assert.Equal(t, want, got, "%q", in)
	}
	lr := newLineReader(bufio.NewReaderSize(strings.NewReader("short\n"+strings.Repeat("x", 100000)+"\nafter"), 16), 10)
	for _, want := range []struct {
		line string
		long bool
	}{{"short", false}, {"", true}, {"after", false}} {
		l, long, err := lr.next()
		require.NoError(t, err)
		assert.Equal(t, want.long, long)
		assert.Equal(t, want.line, string(l))
	}
	_, _, err := lr.next()
	assert.Equal(t, io.EOF, err)
}

// TestStreamInterrupt cancels a run whose input stays open and silent:
// it returns with the context's error instead of waiting for input.
func TestStreamInterrupt(t *testing.T) {
	fx := &fakeExtractor{}
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- newStream(fx.extract, io.Discard, offsets.Runes, 8, errorSkip).run(ctx, pr, inputText) }()
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
}
