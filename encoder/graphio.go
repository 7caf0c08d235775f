package encoder

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of the ONNX protobuf messages read here (onnx/onnx.proto3).
const (
	modelGraph = 7 // ModelProto.graph

	graphInitializer       = 5  // GraphProto.initializer (TensorProto)
	graphInput             = 11 // GraphProto.input (ValueInfoProto)
	graphOutput            = 12 // GraphProto.output (ValueInfoProto)
	graphSparseInitializer = 15 // GraphProto.sparse_initializer

	tensorName         = 8 // TensorProto.name
	sparseTensorValues = 1 // SparseTensorProto.values (TensorProto)

	valueInfoName = 1 // ValueInfoProto.name
	valueInfoType = 2 // ValueInfoProto.type (TypeProto)

	typeTensor = 1 // TypeProto.tensor_type

	tensorTypeElem  = 1 // TypeProto.Tensor.elem_type
	tensorTypeShape = 2 // TypeProto.Tensor.shape (TensorShapeProto)

	shapeDim = 1 // TensorShapeProto.dim
	dimValue = 1 // TensorShapeProto.Dimension.dim_value
)

var errNoGraph = errors.New("the model has no graph")

// maxNameLen bounds the names read from a model file.
const maxNameLen = 1 << 16

// readGraphIO reads a serialized ONNX ModelProto's graph inputs and outputs
// the way ONNX Runtime reports them: inputs that are also initializers are
// left out, symbolic or unknown dimensions are -1, non-tensor values have
// type Undefined. It reads only the message framing and the few small fields
// it needs, skipping over weights without reading them, so Open does not
// build a session twice to learn the names.
func readGraphIO(r io.ReaderAt, size int64) (ins, outs []TensorInfo, err error) {
	var graphs []region
	err = region{r, 0, size}.each(func(num protowire.Number, typ protowire.Type, v region) error {
		if num == modelGraph && typ == protowire.BytesType {
			graphs = append(graphs, v)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(graphs) == 0 {
		return nil, nil, errNoGraph
	}
	var inputs []TensorInfo
	inits := map[string]bool{}
	for _, g := range graphs { // repeated occurrences merge, as in protobuf
		err := g.each(func(num protowire.Number, typ protowire.Type, v region) error {
			if typ != protowire.BytesType {
				return nil
			}
			switch num {
			case graphInput, graphOutput:
				info, err := readValueInfo(v)
				if num == graphInput {
					inputs = append(inputs, info)
				} else {
					outs = append(outs, info)
				}
				return err
			case graphInitializer:
				return addName(inits, v)
			case graphSparseInitializer:
				return v.each(func(num protowire.Number, typ protowire.Type, v region) error {
					if num == sparseTensorValues && typ == protowire.BytesType {
						return addName(inits, v)
					}
					return nil
				})
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	for _, in := range inputs {
		if !inits[in.Name] {
			ins = append(ins, in)
		}
	}
	return ins, outs, nil
}

// addName records a TensorProto's name.
func addName(names map[string]bool, tensor region) error {
	return tensor.each(func(num protowire.Number, typ protowire.Type, v region) error {
		if num == tensorName && typ == protowire.BytesType {
			name, err := v.bytes()
			names[string(name)] = true
			return err
		}
		return nil
	})
}

func readValueInfo(vi region) (TensorInfo, error) {
	var info TensorInfo
	err := vi.each(func(num protowire.Number, typ protowire.Type, v region) error {
		switch {
		case num == valueInfoName && typ == protowire.BytesType:
			name, err := v.bytes()
			info.Name = string(name)
			return err
		case num == valueInfoType && typ == protowire.BytesType:
			return v.each(func(num protowire.Number, typ protowire.Type, v region) error {
				if num == typeTensor && typ == protowire.BytesType {
					return readTensorType(v, &info)
				}
				return nil
			})
		}
		return nil
	})
	return info, err
}

func readTensorType(tt region, info *TensorInfo) error {
	info.Shape = []int64{}
	return tt.each(func(num protowire.Number, typ protowire.Type, v region) error {
		switch {
		case num == tensorTypeElem && typ == protowire.VarintType:
			n, err := v.varint()
			info.Type = ElementType(int32(n))
			return err
		case num == tensorTypeShape && typ == protowire.BytesType:
			info.Shape = info.Shape[:0]
			return v.each(func(num protowire.Number, typ protowire.Type, v region) error {
				if num == shapeDim && typ == protowire.BytesType {
					d, err := readDim(v)
					info.Shape = append(info.Shape, d)
					return err
				}
				return nil
			})
		}
		return nil
	})
}

// readDim returns dim_value, or -1 for a symbolic or unknown dimension.
func readDim(dim region) (int64, error) {
	d := int64(-1)
	err := dim.each(func(num protowire.Number, typ protowire.Type, v region) error {
		if num == dimValue && typ == protowire.VarintType {
			n, err := v.varint()
			if d = int64(n); d < 0 {
				d = -1
			}
			return err
		}
		return nil
	})
	return d, err
}

// region is a byte range of a protobuf message inside r.
type region struct {
	r      io.ReaderAt
	off, n int64
}

// each calls fn for every field of the message in g. For a varint field v
// holds the varint, for a length-delimited field its payload, for a fixed
// field its bytes. Only tags and lengths are read; payloads are skipped.
func (g region) each(fn func(num protowire.Number, typ protowire.Type, v region) error) error {
	var buf [2 * binary.MaxVarintLen64]byte
	for off, end := g.off, g.off+g.n; off < end; {
		head := buf[:min(int64(len(buf)), end-off)]
		if k, err := g.r.ReadAt(head, off); k < len(head) {
			return fmt.Errorf("protobuf: reading at %d: %w", off, err)
		}
		num, typ, n := protowire.ConsumeTag(head)
		if n < 0 {
			return fmt.Errorf("protobuf at %d: %w", off, protowire.ParseError(n))
		}
		var v region
		switch typ {
		case protowire.BytesType:
			l, m := protowire.ConsumeVarint(head[n:])
			if m < 0 {
				return fmt.Errorf("protobuf field %d at %d: %w", num, off, protowire.ParseError(m))
			}
			start := off + int64(n+m)
			if l > uint64(end-start) {
				return fmt.Errorf("protobuf field %d at %d: length %d runs past the end of its message", num, off, l)
			}
			v = region{g.r, start, int64(l)}
		case protowire.VarintType, protowire.Fixed32Type, protowire.Fixed64Type:
			m := protowire.ConsumeFieldValue(num, typ, head[n:])
			if m < 0 {
				return fmt.Errorf("protobuf field %d at %d: %w", num, off, protowire.ParseError(m))
			}
			v = region{g.r, off + int64(n), int64(m)}
		default:
			return fmt.Errorf("protobuf field %d at %d: unsupported wire type %d", num, off, typ)
		}
		if err := fn(num, typ, v); err != nil {
			return err
		}
		off = v.off + v.n
	}
	return nil
}

// bytes reads the whole region (names only: at most maxNameLen bytes).
func (g region) bytes() ([]byte, error) {
	if g.n > maxNameLen {
		return nil, fmt.Errorf("protobuf: string of %d bytes at %d is too long for a name", g.n, g.off)
	}
	b := make([]byte, g.n)
	if k, err := g.r.ReadAt(b, g.off); k < len(b) {
		return nil, fmt.Errorf("protobuf: reading at %d: %w", g.off, err)
	}
	return b, nil
}

// varint decodes the region as a varint.
func (g region) varint() (uint64, error) {
	b, err := g.bytes()
	if err != nil {
		return 0, err
	}
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return 0, fmt.Errorf("protobuf at %d: %w", g.off, protowire.ParseError(n))
	}
	return v, nil
}
