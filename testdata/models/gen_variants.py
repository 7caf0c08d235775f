#!/usr/bin/python3
"""Derive the published ONNX variants of a fixture graph (committed generator).

    /usr/bin/python3 testdata/models/gen_variants.py [--fixture span-bert]

Needs Debian python3-onnx and python3-numpy only (ONNX Runtime's Python
quantizers are not used: each transformation is written here with
onnx.helper). From testdata/models/<fixture>/model.onnx it writes, into
testdata/models/variants/<fixture>/, the graphs that published GLiNER ONNX
folders hold next to model.onnx:

  onnx/model_fp16.onnx   float16 weights and compute, float32 inputs/outputs
                         (Cast at the graph edges, as keep_io_types exports)
  fp16io/model_fp16.onnx the same with a float16 logits output
  onnx/model_int8.onnx   dynamic quantization: int8 weights (symmetric, one
                         scale per tensor); each MatMul with a constant weight
                         becomes DynamicQuantizeLinear + MatMulInteger + Cast +
                         Mul, the embedding Gather reads an int8 table followed
                         by DequantizeLinear (MatMuls of two activations and
                         the LSTM stay float32)
  onnx/model_uint8.onnx  the same with uint8 weights (asymmetric, zero point)
  onnx/model_q4.onnx     4-bit block quantization: each MatMul with a constant
                         weight becomes com.microsoft MatMulNBits (bits 4,
                         block_size 32, symmetric, default zero point 8)
  onnx/model_q4f16.onnx  q4 converted to float16, float16 logits output
  onnx/model_bnb4.onnx   com.microsoft MatMulBnb4 (NF4, quant_type 1,
                         block_size 64)

In the float16 graphs the ops of FP16_BLOCKED (the LSTM and the index and
range ops) stay in float32 with Cast nodes around them, as float16 converters
do with their block lists; ONNX Runtime itself casts around any other op it
has no float16 CPU kernel for. The tokenizer and config are the fixture's
own: tests assemble a model folder from the fixture and these graphs (see
internal/testenv.VariantModel). The output is deterministic.

--dequantized DIR writes instead the float32 graphs that the q4 and bnb4
graphs compute (MatMuls with the weights dequantized here in numpy), which
the format test compares with ONNX Runtime's contrib operators.
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference

HERE = os.path.dirname(os.path.abspath(__file__))

FLOAT, FLOAT16 = TensorProto.FLOAT, TensorProto.FLOAT16
MS = "com.microsoft"

# Ops kept in float32 inside float16 graphs.
FP16_BLOCKED = {"LSTM", "TopK", "Range", "CumSum", "ScatterElements"}

NF4 = np.array([
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
    0.07958029955625534, 0.16093020141124725, 0.24611230194568634,
    0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
    0.7229568362236023, 1.0], dtype=np.float32)


def initializers(model):
    return {t.name: t for t in model.graph.initializer}


def weight_matmuls(model):
    """MatMul nodes whose B input is a float 2-D initializer."""
    inits = initializers(model)
    out = []
    for n in model.graph.node:
        if n.op_type == "MatMul" and n.input[1] in inits:
            t = inits[n.input[1]]
            if t.data_type == FLOAT and len(t.dims) == 2:
                out.append(n)
    return out


def replace_node(model, old, new_nodes):
    nodes = list(model.graph.node)
    i = nodes.index(old)
    del model.graph.node[:]
    model.graph.node.extend(nodes[:i] + new_nodes + nodes[i + 1:])


def drop_unused_initializers(model):
    used = {i for n in model.graph.node for i in n.input}
    keep = [t for t in model.graph.initializer if t.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(keep)


def add_ms_opset(model):
    if not any(o.domain == MS for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MS, 1))


# ---- dynamic 8-bit quantization -------------------------------------------

def quantize_tensor(w, signed):
    """Per-tensor weight quantization as ORT's dynamic quantizer does."""
    if signed:  # symmetric int8, zero point 0
        scale = max(float(np.abs(w).max()), 1e-12) / 127.0
        q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        return q, np.float32(scale), np.int8(0)
    lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
    scale = max(hi - lo, 1e-12) / 255.0
    zp = int(np.clip(np.round(-lo / scale), 0, 255))
    q = np.clip(np.round(w / scale) + zp, 0, 255).astype(np.uint8)
    return q, np.float32(scale), np.uint8(zp)


def quantize_dynamic(model, signed):
    inits = initializers(model)
    quantized_a = set()  # activations already given a DynamicQuantizeLinear
    for n in weight_matmuls(model):
        w = numpy_helper.to_array(inits[n.input[1]])
        q, scale, zp = quantize_tensor(w, signed)
        b = n.input[1]
        a, y = n.input[0], n.output[0]
        model.graph.initializer.extend([
            numpy_helper.from_array(q, b + "_quantized"),
            numpy_helper.from_array(np.array(scale, np.float32), b + "_scale"),
            numpy_helper.from_array(np.array(zp), b + "_zero_point"),
        ])
        new = []
        if a not in quantized_a:
            quantized_a.add(a)
            new.append(helper.make_node("DynamicQuantizeLinear", [a], [a + "_quantized", a + "_scale", a + "_zero_point"]))
        new += [
            helper.make_node("MatMulInteger", [a + "_quantized", b + "_quantized", a + "_zero_point", b + "_zero_point"],
                             [y + "_output_quantized"]),
            helper.make_node("Cast", [y + "_output_quantized"], [y + "_output_quantized_cast"], to=FLOAT),
            helper.make_node("Mul", [a + "_scale", b + "_scale"], [y + "_scales_mul"]),
            helper.make_node("Mul", [y + "_output_quantized_cast", y + "_scales_mul"], [y]),
        ]
        for k, m in enumerate(new):
            m.name = "%s_q%d_%d" % (n.name or y, 8, k)
        replace_node(model, n, new)
    quantize_gathers(model, signed)
    drop_unused_initializers(model)
    return model


def quantize_gathers(model, signed):
    """Embedding tables: quantized table, Gather, DequantizeLinear."""
    inits = initializers(model)
    for n in list(model.graph.node):
        if n.op_type != "Gather" or n.input[0] not in inits:
            continue
        t = inits[n.input[0]]
        if t.data_type != FLOAT or len(t.dims) != 2:
            continue
        q, scale, zp = quantize_tensor(numpy_helper.to_array(t), signed)
        d, y = n.input[0], n.output[0]
        model.graph.initializer.extend([
            numpy_helper.from_array(q, d + "_quantized"),
            numpy_helper.from_array(np.array(scale, np.float32), d + "_scale"),
            numpy_helper.from_array(np.array(zp), d + "_zero_point"),
        ])
        g = helper.make_node("Gather", [d + "_quantized", n.input[1]], [y + "_gathered_q"], axis=0, name=n.name + "_quant")
        dq = helper.make_node("DequantizeLinear", [y + "_gathered_q", d + "_scale", d + "_zero_point"], [y],
                              name=n.name + "_dequant")
        replace_node(model, n, [g, dq])


# ---- 4-bit block quantization ---------------------------------------------

def pad_k(w, block):
    k = w.shape[0]
    kp = (k + block - 1) // block * block
    return np.pad(w, ((0, kp - k), (0, 0))) if kp != k else w


def dequantized_matmul(model, node, w, name):
    """A MatMul with the dequantized weight w [K, N], the float32 graph a
    quantized node should compute (reference for the format tests)."""
    model.graph.initializer.append(numpy_helper.from_array(w.astype(np.float32), name))
    return helper.make_node("MatMul", [node.input[0], name], list(node.output), name=(node.name or node.output[0]) + "_deq")


def quantize_nbits(model, block=32, dequantized=False):
    """MatMulNBits, 4 bits, symmetric: the block's largest magnitude maps to -8."""
    inits = initializers(model)
    add_ms_opset(model)
    for n in weight_matmuls(model):
        w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)  # [K, N]
        K, N = w.shape
        blocks = pad_k(w, block).T.reshape(N, -1, block)  # [N, k_blocks, block]
        idx = np.abs(blocks).argmax(axis=2)
        amax = np.take_along_axis(blocks, idx[..., None], axis=2)[..., 0]
        scale = (amax / -8.0).astype(np.float32)
        safe = np.where(scale == 0, 1.0, scale)
        q = np.clip(np.round(blocks / safe[..., None]) + 8, 0, 15).astype(np.uint8)
        packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)  # low nibble first
        b = n.input[1]
        if dequantized:
            deq = ((q.astype(np.float32) - 8) * scale[..., None]).reshape(N, -1)[:, :K].T
            replace_node(model, n, [dequantized_matmul(model, n, deq, b + "_deq")])
            continue
        model.graph.initializer.extend([
            numpy_helper.from_array(packed, b + "_Q4"),
            numpy_helper.from_array(scale, b + "_scales"),
        ])
        m = helper.make_node("MatMulNBits", [n.input[0], b + "_Q4", b + "_scales"], list(n.output),
                             name=(n.name or n.output[0]) + "_Q4", domain=MS, K=K, N=N, bits=4, block_size=block)
        replace_node(model, n, [m])
    drop_unused_initializers(model)
    return model


def quantize_bnb4(model, block=64, dequantized=False):
    """MatMulBnb4, NF4: B is W^T flattened, even index in the high nibble."""
    inits = initializers(model)
    add_ms_opset(model)
    for n in weight_matmuls(model):
        w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)  # [K, N]
        K, N = w.shape
        flat = np.ascontiguousarray(w.T).reshape(-1)
        nb = (flat.size + block - 1) // block
        flat = np.pad(flat, (0, nb * block - flat.size)).reshape(nb, block)
        absmax = np.abs(flat).max(axis=1).astype(np.float32)
        norm = flat / np.where(absmax == 0, 1.0, absmax)[:, None]
        q = np.abs(norm[..., None] - NF4).argmin(axis=2).astype(np.uint8).reshape(-1)[:K * N]
        if q.size % 2:
            q = np.append(q, np.uint8(0))
        packed = ((q[0::2] << 4) | q[1::2]).astype(np.uint8)
        b = n.input[1]
        if dequantized:
            codes = NF4[q[:K * N]].reshape(-1)
            deq = (codes * np.repeat(absmax, block)[:K * N]).reshape(N, K).T
            replace_node(model, n, [dequantized_matmul(model, n, deq, b + "_deq")])
            continue
        model.graph.initializer.extend([
            numpy_helper.from_array(packed, b + "_Bnb4"),
            numpy_helper.from_array(absmax, b + "_absmax"),
        ])
        m = helper.make_node("MatMulBnb4", [n.input[0], b + "_Bnb4", b + "_absmax"], list(n.output),
                             name=(n.name or n.output[0]) + "_Bnb4", domain=MS, K=K, N=N,
                             block_size=block, quant_type=1)
        replace_node(model, n, [m])
    drop_unused_initializers(model)
    return model


# ---- float16 ---------------------------------------------------------------

def float_tensors(model):
    """Names of the float32 values of the graph (inputs, initializers, node outputs)."""
    inferred = shape_inference.infer_shapes(model)
    g = inferred.graph
    names = {v.name for v in list(g.value_info) + list(g.input) + list(g.output)
             if v.type.tensor_type.elem_type == FLOAT}
    names |= {t.name for t in g.initializer if t.data_type == FLOAT}
    for n in g.node:
        if n.op_type == "Constant" and n.attribute[0].t.data_type == FLOAT:
            names.add(n.output[0])
    return names


def to_float16(model, keep_io):
    """Convert float32 compute to float16, blocked ops staying float32."""
    floats = float_tensors(model)
    inits = initializers(model)
    graph_out = {o.name for o in model.graph.output}
    fp16_nodes = [n for n in model.graph.node if n.op_type not in FP16_BLOCKED and n.domain != MS
                  or n.op_type == "MatMulNBits"]
    fp16_ids = {id(n) for n in fp16_nodes}
    # the type each float value has after conversion: the producer's domain
    kind = {}
    for n in model.graph.node:
        for o in n.output:
            if o in floats:
                kind[o] = FLOAT16 if id(n) in fp16_ids else FLOAT
    consumers = {}
    for n in model.graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    for name, t in inits.items():
        if t.data_type == FLOAT and all(id(c) in fp16_ids for c in consumers.get(name, [])):
            arr = numpy_helper.to_array(t)
            t.CopyFrom(numpy_helper.from_array(np.clip(arr, -65504, 65504).astype(np.float16), name))
            kind[name] = FLOAT16
        elif t.data_type == FLOAT:
            kind[name] = FLOAT
    for n in fp16_nodes:
        retype_node(n)
    new_nodes, casts = [], {}
    for n in model.graph.node:
        want = FLOAT16 if id(n) in fp16_ids else FLOAT
        for j, i in enumerate(n.input):
            if i in floats and kind.get(i, FLOAT) != want and not float_index_exempt(n, j):
                key = (i, want)
                if key not in casts:
                    casts[key] = i + ("_to_fp16" if want == FLOAT16 else "_to_fp32")
                    new_nodes.append(helper.make_node("Cast", [i], [casts[key]], to=want, name=casts[key]))
                n.input[j] = casts[key]
        new_nodes.append(n)
    del model.graph.node[:]
    model.graph.node.extend(new_nodes)
    fix_outputs(model, kind, graph_out, keep_io)
    model.graph.ClearField("value_info")
    return model


def float_index_exempt(node, j):
    """Inputs that keep their type whatever the node's: Cast's input."""
    return node.op_type == "Cast"


def retype_node(n):
    for a in n.attribute:
        if n.op_type == "Cast" and a.name == "to" and a.i == FLOAT:
            a.i = FLOAT16
        if a.name == "value" and a.t.data_type == FLOAT:
            arr = numpy_helper.to_array(a.t).astype(np.float16)
            a.t.CopyFrom(numpy_helper.from_array(arr, a.t.name))


def fix_outputs(model, kind, graph_out, keep_io):
    """Graph outputs: float32 through a final Cast (keep_io), else float16."""
    for o in model.graph.output:
        if o.type.tensor_type.elem_type != FLOAT or kind.get(o.name) != FLOAT16:
            continue
        if not keep_io:
            o.type.tensor_type.elem_type = FLOAT16
            continue
        inner = o.name + "_fp16"
        for n in model.graph.node:
            for j, x in enumerate(n.output):
                if x == o.name:
                    n.output[j] = inner
            for j, x in enumerate(n.input):
                if x == o.name:
                    n.input[j] = inner
        model.graph.node.append(helper.make_node("Cast", [inner], [o.name], to=FLOAT, name=o.name + "_cast_fp32"))


# ---- driver ----------------------------------------------------------------

def save(model, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixture", default="span-bert")
    ap.add_argument("--dequantized", metavar="DIR",
                    help="write instead the float32 graphs the q4 and bnb4 graphs compute "
                         "(their weights dequantized) into DIR, for the format tests")
    args = ap.parse_args()
    src = os.path.join(HERE, args.fixture, "model.onnx")
    out = os.path.join(HERE, "variants", args.fixture)

    def load():
        return onnx.load(src)

    if args.dequantized:
        save(quantize_nbits(load(), dequantized=True), os.path.join(args.dequantized, "model_q4_dequantized.onnx"))
        save(quantize_bnb4(load(), dequantized=True), os.path.join(args.dequantized, "model_bnb4_dequantized.onnx"))
        return

    save(to_float16(load(), keep_io=True), os.path.join(out, "onnx", "model_fp16.onnx"))
    save(to_float16(load(), keep_io=False), os.path.join(out, "fp16io", "model_fp16.onnx"))
    save(quantize_dynamic(load(), signed=True), os.path.join(out, "onnx", "model_int8.onnx"))
    save(quantize_dynamic(load(), signed=False), os.path.join(out, "onnx", "model_uint8.onnx"))
    save(quantize_nbits(load()), os.path.join(out, "onnx", "model_q4.onnx"))
    save(to_float16(quantize_nbits(load()), keep_io=False), os.path.join(out, "onnx", "model_q4f16.onnx"))
    save(quantize_bnb4(load()), os.path.join(out, "onnx", "model_bnb4.onnx"))


if __name__ == "__main__":
    sys.exit(main())
