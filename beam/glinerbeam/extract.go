package glinerbeam

import (
	"context"
	"errors"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/stats"

	"github.com/gliner-go/gliner/gliner"
)

func init() {
	register.DoFn5x1[context.Context, Document, func(string), func(string), func(string, int), error]((*extractFn)(nil))
	register.Emitter2[string, int]()
}

// Annotate finds the entities of every document. It returns one JSON line
// per document in the shape `gliner extract` writes, the number of entities
// per label (label, count), and the dead-letter lines of the documents
// whose extraction failed. opts must be valid ([Options.Validate]).
func Annotate(s beam.Scope, docs beam.PCollection, opts Options) (lines, counts, dead beam.PCollection) {
	s = s.Scope("glinerbeam.Annotate")
	lines, dead, perBundle := beam.ParDo3(s, &extractFn{Opts: opts}, docs)
	return lines, stats.SumPerKey(s, perBundle), dead
}

// extractFn annotates documents in batches of Opts.BatchSize collected
// within a bundle.
type extractFn struct {
	// Opts are the extraction options; exported so Beam serializes them.
	Opts Options

	model  *gliner.Model
	batch  []Document
	counts map[string]int
}

// Setup opens the worker's model, or takes the one already open.
func (f *extractFn) Setup(ctx context.Context) error {
	m, err := acquireModel(ctx, f.Opts)
	if err != nil {
		return err
	}
	f.model = m
	return nil
}

// StartBundle starts with an empty batch.
func (f *extractFn) StartBundle(context.Context, func(string), func(string), func(string, int)) error {
	f.batch = f.batch[:0]
	f.counts = map[string]int{}
	return nil
}

// ProcessElement adds d to the batch and annotates the batch when it is full.
func (f *extractFn) ProcessElement(ctx context.Context, d Document, out, dead func(string), _ func(string, int)) error {
	f.batch = append(f.batch, d)
	if len(f.batch) < f.Opts.batchSize() {
		return nil
	}
	return f.flush(ctx, out, dead)
}

// FinishBundle annotates the last batch and emits and records the bundle's
// entity counts per label.
func (f *extractFn) FinishBundle(ctx context.Context, out, dead func(string), count func(string, int)) error {
	if err := f.flush(ctx, out, dead); err != nil {
		return err
	}
	total := 0
	for label, n := range f.counts {
		count(label, n)
		labelCounter(label).Inc(ctx, int64(n))
		total += n
	}
	entities.Inc(ctx, int64(total))
	clear(f.counts)
	return nil
}

// Teardown gives the model back; the last user closes it.
func (f *extractFn) Teardown() error {
	if f.model == nil {
		return nil
	}
	f.model = nil
	return releaseModel(f.Opts)
}

// flush annotates the batch. When the batch fails, its documents are tried
// one at a time so that only the failing ones are dead-lettered.
func (f *extractFn) flush(ctx context.Context, out, dead func(string)) error {
	if len(f.batch) == 0 {
		return nil
	}
	defer func() { f.batch = f.batch[:0] }()
	texts := make([]string, len(f.batch))
	for i, d := range f.batch {
		texts[i] = d.Text
	}
	res, err := f.extract(ctx, texts)
	if err != nil {
		if fatal(ctx, err) {
			return err
		}
		return f.oneByOne(ctx, out, dead)
	}
	for i, d := range f.batch {
		f.emit(ctx, d, res[i], out, dead)
	}
	return nil
}

// oneByOne annotates the batch's documents one at a time.
func (f *extractFn) oneByOne(ctx context.Context, out, dead func(string)) error {
	for _, d := range f.batch {
		res, err := f.extract(ctx, []string{d.Text})
		if err != nil {
			if fatal(ctx, err) {
				return err
			}
			failures.Inc(ctx, 1)
			dead(deadLine(d.Source, d.ID, err.Error(), documentLine(d)))
			continue
		}
		f.emit(ctx, d, res[0], out, dead)
	}
	return nil
}

// fatal reports errors that concern the worker or the whole run rather
// than a document, as `gliner extract` sorts them: cancellation, a closed
// model, labels or options the model rejects (the same for every
// document). They fail the bundle.
func fatal(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, gliner.ErrClosed) || errors.Is(err, gliner.ErrLabel) || errors.Is(err, gliner.ErrBadOption)
}

// extract runs the model and records its time.
func (f *extractFn) extract(ctx context.Context, texts []string) ([]gliner.Result, error) {
	start := time.Now()
	res, err := extractBatch(ctx, f.model, texts, f.Opts)
	modelTime.Update(ctx, time.Since(start).Microseconds())
	return res, err
}

// emit writes one document's line and counts its entities. A result with
// an error (a text the model refused) dead-letters the document.
func (f *extractFn) emit(ctx context.Context, d Document, res gliner.Result, out, dead func(string)) {
	err := res.Err
	var line string
	if err == nil {
		line, err = entityLine(d, res, f.Opts.Offsets)
	}
	if err != nil {
		failures.Inc(ctx, 1)
		dead(deadLine(d.Source, d.ID, err.Error(), documentLine(d)))
		return
	}
	out(line)
	documents.Inc(ctx, 1)
	for _, e := range res.Entities {
		f.counts[e.Label]++
	}
}
