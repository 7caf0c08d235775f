package spanhead

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	pb "github.com/gliner-go/gliner/internal/onnxpb"
)

// Writing a rewritten model without holding its serialization whole.
//
// A published span model is mostly initializers (a gliner_small-sized model
// is 650 MB of weights). proto.Marshal would build the whole rewritten model
// in memory beside the parsed one; WriteTo instead writes the model without
// its graph, then the graph without its initializers, then each initializer,
// its raw data straight from the parsed tensor. The framing of the two
// length-delimited fields that are split this way (ModelProto.graph and
// GraphProto.initializer) is written with protowire, their field numbers read
// from the generated descriptors, and the sizes come from proto.Size: the
// output parses as the model proto.Marshal would write.

// ErrWritten is returned by WriteTo and Bytes once the rewritten model has
// been written: it is released as it is written.
var ErrWritten = errors.New("spanhead: the rewritten model was already written")

var (
	graphField   = fieldNumber((&pb.ModelProto{}).ProtoReflect().Descriptor(), "graph")
	initField    = fieldNumber((&pb.GraphProto{}).ProtoReflect().Descriptor(), "initializer")
	rawDataField = fieldNumber((&pb.TensorProto{}).ProtoReflect().Descriptor(), "raw_data")
)

func fieldNumber(md protoreflect.MessageDescriptor, name protoreflect.Name) protowire.Number {
	return md.Fields().ByName(name).Number()
}

// rewritten is a rewritten model that [Head] and [RepsHead] write once.
type rewritten struct {
	model *pb.ModelProto // nil once written
}

// Bytes returns the rewritten model serialized. It holds the whole model in
// memory: use WriteTo for large models. The model is released.
func (h *rewritten) Bytes() ([]byte, error) {
	m, err := h.take()
	if err != nil {
		return nil, err
	}
	return proto.Marshal(m)
}

// WriteTo writes the rewritten model to w and releases it: each
// initializer is dropped once written, so the memory it held can be
// collected. It returns the number of bytes written.
func (h *rewritten) WriteTo(w io.Writer) (int64, error) {
	m, err := h.take()
	if err != nil {
		return 0, err
	}
	g := m.GetGraph()
	inits := g.GetInitializer()
	g.Initializer = nil
	m.Graph = nil
	sizes := make([]int, len(inits))
	graphHead, err := proto.Marshal(g)
	if err != nil {
		return 0, err
	}
	graphSize := len(graphHead)
	for i, t := range inits {
		sizes[i] = proto.Size(t)
		graphSize += protowire.SizeTag(initField) + protowire.SizeBytes(sizes[i])
	}
	out := &countWriter{w: bufio.NewWriterSize(w, 1<<20)}
	buf, err := proto.Marshal(m)
	if err != nil {
		return 0, err
	}
	buf = protowire.AppendTag(buf, graphField, protowire.BytesType)
	buf = protowire.AppendVarint(buf, uint64(graphSize))
	out.write(append(buf, graphHead...))
	for i, t := range inits {
		writeTensor(out, t, sizes[i])
		inits[i] = nil
	}
	if out.err == nil {
		out.err = out.w.Flush()
	}
	return out.n, out.err
}

// take returns the rewritten model and forgets it.
func (h *rewritten) take() (*pb.ModelProto, error) {
	m := h.model
	if m == nil {
		return nil, ErrWritten
	}
	h.model = nil
	return m, nil
}

// writeTensor writes t as one GraphProto.initializer field of the given
// size: its fields other than raw_data, then raw_data from t's own slice.
func writeTensor(out *countWriter, t *pb.TensorProto, size int) {
	raw := t.RawData
	t.RawData = nil
	rest, err := proto.Marshal(t)
	t.RawData = raw
	if err != nil {
		out.fail(err)
		return
	}
	n := len(rest)
	if raw != nil {
		n += protowire.SizeTag(rawDataField) + protowire.SizeBytes(len(raw))
	}
	if n != size {
		out.fail(fmt.Errorf("spanhead: initializer %q: %d bytes written, %d counted", t.GetName(), n, size))
		return
	}
	buf := protowire.AppendTag(nil, initField, protowire.BytesType)
	buf = protowire.AppendVarint(buf, uint64(size))
	out.write(append(buf, rest...))
	if raw != nil {
		buf = protowire.AppendTag(buf[:0], rawDataField, protowire.BytesType)
		out.write(protowire.AppendVarint(buf, uint64(len(raw))))
		out.write(raw)
	}
}

// countWriter counts the bytes written and keeps the first error.
type countWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
}

func (c *countWriter) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}
