package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gliner-go/gliner/gliner"
	"github.com/gliner-go/gliner/internal/offsets"
	"github.com/gliner-go/gliner/internal/server"
)

// onError says what gliner extract does after a line fails (--on-error).
// Both write the line's error record.
type onError int

const (
	// errorSkip goes on with the next line.
	errorSkip onError = iota
	// errorStop ends the run after the failed line.
	errorStop
)

// parseOnError returns the policy named by --on-error.
func parseOnError(s string) (onError, error) {
	switch s {
	case "skip":
		return errorSkip, nil
	case "stop":
		return errorStop, nil
	}
	return 0, fmt.Errorf("--on-error must be skip or stop, not %q", s)
}

// batchExtractor extracts the entities of several texts; gliner extract
// passes the model's ExtractResults with the run's labels and options.
type batchExtractor func(ctx context.Context, texts []string) ([]gliner.Result, error)

// stream is one run of gliner extract over its input lines.
type stream struct {
	extract batchExtractor
	unit    offsets.Unit
	batch   int           // texts per model call
	idle    time.Duration // wait for input before running a partial batch
	onError onError
	bw      *bufio.Writer
	enc     *json.Encoder
	failed  int // lines written as error records
}

// defaultIdle is how long a blocked read of the input waits before the
// texts read so far are extracted and written.
const defaultIdle = 100 * time.Millisecond

// errLinesFailed reports a run in which some lines gave error records.
var errLinesFailed = errors.New("lines failed")

// outEntity is an entity as gliner extract writes it.
type outEntity = offsets.Entity

// outLine is the output record of a line whose extraction succeeded: its
// entities and how its text was run, under the server's JSON keys
// ("windows", "label_groups", "chunked", "truncated", "dropped_words",
// "cut_words", each left out when zero).
type outLine struct {
	ID       json.RawMessage `json:"id"`
	Entities []outEntity     `json:"entities"`
	server.Meta
}

// errorLine is the output record of a line that failed: malformed input,
// or a text the model refused.
type errorLine struct {
	ID    json.RawMessage `json:"id"`
	Error string          `json:"error"`
}

func newStream(extract batchExtractor, w io.Writer, unit offsets.Unit, batch int, on onError) *stream {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &stream{extract: extract, unit: unit, batch: batch, idle: defaultIdle, onError: on, bw: bw, enc: enc}
}

// run reads r to its end and writes one output record per input line, in
// order. The records of a batch (s.batch lines, malformed ones
// included) are written and flushed as soon as the batch is done; a
// partial batch runs when the input has been idle for s.idle. It returns an error wrapping errLinesFailed if any line failed.
func (s *stream) run(ctx context.Context, r io.Reader, mode inputMode) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := make(chan event, s.batch)
	go readEvents(ctx, r, mode, s.idle, events)
	var pending []record
	for {
		var ev event
		var ok bool
		select {
		case ev, ok = <-events:
		case <-ctx.Done():
			return errors.Join(ctx.Err(), s.failure())
		}
		if !ok || ev.err != nil {
			if err := s.flush(ctx, pending); err != nil {
				return errors.Join(err, ev.err)
			}
			return errors.Join(ev.err, s.failure())
		}
		if !ev.idle {
			pending = append(pending, ev.rec)
		}
		if ev.idle || len(pending) == s.batch || s.stopAt(ev.rec) {
			if err := s.flush(ctx, pending); err != nil {
				return err
			}
			pending = pending[:0]
		}
	}
}

// stopAt reports whether rec ends the run: a malformed line under
// --on-error stop.
func (s *stream) stopAt(rec record) bool { return rec.err != nil && s.onError == errorStop }

// flush extracts the texts of recs, writes their output records in order
// and flushes the output. Under --on-error stop it returns
// errLinesFailed after the first failed line's record.
func (s *stream) flush(ctx context.Context, recs []record) error {
	if len(recs) == 0 {
		return nil
	}
	res, err := s.results(ctx, recs)
	if err != nil {
		return err
	}
	for i, r := range recs {
		if err := s.write(r, res[i]); err != nil {
			return err
		}
		if res[i].err != nil && s.onError == errorStop {
			return errors.Join(s.bw.Flush(), s.failure())
		}
	}
	return s.bw.Flush()
}

// failure is the run's error when lines failed, else nil.
func (s *stream) failure() error {
	switch {
	case s.failed == 0:
		return nil
	case s.onError == errorStop:
		return fmt.Errorf("%w: stopped at the first (--on-error stop)", errLinesFailed)
	}
	return fmt.Errorf("%w: %d (see their error records)", errLinesFailed, s.failed)
}

// lineResult is the outcome of one line: its result or its error.
type lineResult struct {
	res gliner.Result
	err error
}

// results extracts the texts of the well-formed records in one call. If
// the call fails for a reason other than the run's (see [runFailure]),
// each text is extracted alone, so that a text the model refuses fails
// its own line only.
func (s *stream) results(ctx context.Context, recs []record) ([]lineResult, error) {
	out := make([]lineResult, len(recs))
	var texts []string
	var at []int
	for i, r := range recs {
		if out[i].err = r.err; r.err == nil {
			texts, at = append(texts, r.text), append(at, i)
		}
	}
	if len(texts) == 0 {
		return out, nil
	}
	res, err := s.extract(ctx, texts)
	if err == nil {
		for j, i := range at {
			out[i].res = res[j]
		}
		return out, nil
	}
	if runFailure(ctx, err) {
		return nil, err
	}
	return out, s.alone(ctx, texts, at, out)
}

// alone extracts each text in its own call, recording per-line errors.
func (s *stream) alone(ctx context.Context, texts []string, at []int, out []lineResult) error {
	for j, i := range at {
		res, err := s.extract(ctx, texts[j:j+1])
		if err != nil && runFailure(ctx, err) {
			return err
		}
		out[i].err = err
		if err == nil {
			out[i].res = res[0]
		}
	}
	return nil
}

// runFailure reports whether err ends the whole run rather than failing
// one line: cancellation, a closed model, or labels or options the model
// rejects (they are the same for every line).
func runFailure(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, gliner.ErrClosed) || errors.Is(err, gliner.ErrLabel) || errors.Is(err, gliner.ErrBadOption)
}

// write writes the output record of one line.
func (s *stream) write(r record, res lineResult) error {
	if res.err != nil {
		s.failed++
		return s.enc.Encode(errorLine{ID: r.id, Error: lineError(r.line, res.err)})
	}
	return s.enc.Encode(outLine{ID: r.id, Entities: offsets.Convert(r.text, res.res.Entities, s.unit), Meta: server.MetaOf(res.res)})
}

// lineError is the message of a failed line. A text over a limit is
// described without the index it had in its one-text call.
func lineError(n int, err error) string {
	var le *gliner.LimitError
	if errors.As(err, &le) && le.What == "text" {
		return fmt.Sprintf("line %d: %s: %d %s, more than the limit of %d", n, errorText(le.Err), le.Size, le.Unit, le.Limit)
	}
	if errors.Is(err, errMalformed) {
		return err.Error() // names the line already
	}
	return fmt.Sprintf("line %d: %s", n, errorText(err))
}

// event is what the input reader sends: a record, a note that the input
// is idle (a read has been blocked for the idle time), or a read error.
type event struct {
	rec  record
	idle bool
	err  error
}

// readEvents reads r line by line and sends one event per line to events,
// plus an idle event whenever a read of r blocks longer than idle. It
// closes events at the end of r, after a read error, or when ctx is done.
func readEvents(ctx context.Context, r io.Reader, mode inputMode, idle time.Duration, events chan<- event) {
	defer close(events)
	send := func(ev event) bool {
		select {
		case events <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	lr := newLineReader(&idleReader{r: r, after: idle, idle: func() { send(event{idle: true}) }}, maxLine)
	for n := 1; ; n++ {
		line, tooLong, err := lr.next()
		if err == io.EOF {
			return
		}
		if err != nil {
			send(event{err: err})
			return
		}
		rec := malformed(n, lineID(n), "longer than %d bytes", maxLine)
		if !tooLong {
			rec = parseRecord(line, n, mode)
		}
		if !send(event{rec: rec}) {
			return
		}
	}
}

// idleReader calls idle when a Read of r has been blocked for the given
// time, once per such Read.
type idleReader struct {
	r     io.Reader
	after time.Duration
	idle  func()
}

// Read implements io.Reader.
func (ir *idleReader) Read(p []byte) (int, error) {
	done := make(chan struct{})
	t := time.AfterFunc(ir.after, func() { defer close(done); ir.idle() })
	n, err := ir.r.Read(p)
	if !t.Stop() {
		<-done // the idle event is sent before any later event
	}
	return n, err
}
