package spanhead

import (
	"bytes"
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/gliner-go/gliner/internal/onnxpb"
)

// graphBytes serializes a recognised head's rewritten model (a *Head or a
// *RepsHead).
func graphBytes(t testing.TB, h interface{ Bytes() ([]byte, error) }) []byte {
	t.Helper()
	b, err := h.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWriteToEqualsMarshal checks that the streamed serialization parses as
// the same model as proto.Marshal's, and that a head is written once.
func TestWriteToEqualsMarshal(t *testing.T) {
	for _, path := range []string{
		"../../testdata/models/span-bert/model.onnx",
		"../builtin/model/model.onnx",
		"testdata/einsum.onnx",
	} {
		t.Run(path, func(t *testing.T) {
			model := readModel(t, path)
			h1, err := Recognise(model)
			if err != nil {
				t.Fatal(err)
			}
			h2, err := Recognise(model)
			if err != nil {
				t.Fatal(err)
			}
			want := graphBytes(t, h1)
			var buf bytes.Buffer
			n, err := h2.WriteTo(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(buf.Len()) || buf.Len() != len(want) {
				t.Errorf("WriteTo wrote %d bytes (counted %d), Marshal %d", buf.Len(), n, len(want))
			}
			var a, b pb.ModelProto
			if err := proto.Unmarshal(want, &a); err != nil {
				t.Fatal(err)
			}
			if err := proto.Unmarshal(buf.Bytes(), &b); err != nil {
				t.Fatalf("the streamed model does not parse: %v", err)
			}
			if !proto.Equal(&a, &b) {
				t.Error("the streamed model differs from the marshalled one")
			}
			if _, err := h2.WriteTo(&buf); !errors.Is(err, ErrWritten) {
				t.Errorf("second WriteTo: %v, want ErrWritten", err)
			}
			if _, err := h1.Bytes(); !errors.Is(err, ErrWritten) {
				t.Errorf("second Bytes: %v, want ErrWritten", err)
			}
		})
	}
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

func (f *failWriter) Write(b []byte) (int, error) {
	if len(b) > f.n {
		k := f.n
		f.n = 0
		return k, errors.New("disk full")
	}
	f.n -= len(b)
	return len(b), nil
}

// TestWriteToError checks that a failing writer's error is returned.
func TestWriteToError(t *testing.T) {
	h, err := Recognise(readModel(t, "../../testdata/models/span-bert/model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteTo(&failWriter{n: 100_000}); err == nil || err.Error() != "disk full" {
		t.Errorf("WriteTo on a failing writer: %v, want disk full", err)
	}
}
