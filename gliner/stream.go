package gliner

import (
	"context"
	"errors"
	"iter"
)

// Stream extracts the entities of labels from a sequence of texts, as
// [Model.ExtractResults] does, and yields each text's index and result in
// input order. It reads the texts a batch at a time (see [WithBatchSize])
// and runs each batch before reading on, so that at most one batch of texts
// and results is held at once, whatever the length of the sequence.
//
// Errors are per text: a text that fails (too long under RefuseLongTexts,
// for instance) yields a Result whose Err is set, and the stream goes on.
// An error of the call itself (bad labels or options, a closed model)
// is the Err of every text. When ctx is done, the text being run and the
// texts of its batch yield ctx's error and the stream ends. Stopping the
// iteration early stops reading texts.
func (m *Model) Stream(ctx context.Context, texts iter.Seq[string], labels []string, opts ...ExtractOption) iter.Seq2[int, Result] {
	return func(yield func(int, Result) bool) {
		buf := make([]string, 0, m.batchSize)
		next := 0 // index of buf[0]
		flush := func() bool {
			res := m.streamBatch(ctx, next, buf, labels, opts)
			for j, r := range res {
				if !yield(next+j, r) {
					return false
				}
			}
			next += len(buf)
			buf = buf[:0]
			return ctx.Err() == nil
		}
		for t := range texts {
			if buf = append(buf, t); len(buf) == cap(buf) && !flush() {
				return
			}
		}
		if len(buf) > 0 {
			flush()
		}
	}
}

// streamBatch runs one batch of a stream, texts[0] being text base of the
// stream. If the batch fails, each text is run alone, so that one failing
// text does not fail the others; a *LimitError of a text names its index in
// the stream.
func (m *Model) streamBatch(ctx context.Context, base int, texts, labels []string, opts []ExtractOption) []Result {
	res, err := m.ExtractResults(ctx, texts, labels, opts...)
	if err == nil {
		return res
	}
	res = make([]Result, len(texts))
	for j, t := range texts {
		if ctx.Err() != nil || len(texts) == 1 {
			res[j] = Result{Entities: []Entity{}, Err: err}
			continue
		}
		one, err := m.ExtractResults(ctx, []string{t}, labels, opts...)
		if le := (*LimitError)(nil); errors.As(err, &le) && le.What == "text" {
			le.Index = base + j
		}
		if err != nil {
			res[j] = Result{Entities: []Entity{}, Err: err}
			continue
		}
		res[j] = one[0]
	}
	return res
}
