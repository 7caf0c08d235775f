package glinerbeam

import (
	"context"
	"errors"
	"io"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Document)(nil)).Elem())
	register.DoFn5x0[context.Context, string, string, func(Document), func(string)]((*parseJSONLineFn)(nil))
	register.DoFn4x1[context.Context, fileio.ReadableFile, func(Document), func(string), error]((*readPubTatorFn)(nil))
	register.Emitter1[Document]()
	register.Emitter1[string]()
}

// parseJSONLineFn turns (file name, line) pairs into documents; lines that
// are not documents go to the dead letter.
type parseJSONLineFn struct{}

// ProcessElement parses one line.
func (*parseJSONLineFn) ProcessElement(ctx context.Context, file, line string, emit func(Document), dead func(string)) {
	d, ok, err := parseJSONLine(line)
	switch {
	case err != nil:
		failures.Inc(ctx, 1)
		dead(deadLine(file, "", err.Error(), line))
	case !ok:
		blankLines.Inc(ctx, 1)
	default:
		d.Source = file
		emit(d)
	}
}

// readPubTatorFn reads the documents of one PubTator file; malformed lines
// go to the dead letter.
type readPubTatorFn struct{}

// ProcessElement reads one file, streaming.
func (*readPubTatorFn) ProcessElement(ctx context.Context, f fileio.ReadableFile, emit func(Document), dead func(string)) error {
	rc, err := f.Open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	r := newPubTatorReader(rc, f.Metadata.Path, func(source, line string, err error) {
		failures.Inc(ctx, 1)
		dead(deadLine(source, "", err.Error(), line))
	})
	for {
		d, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		emit(d)
	}
}
