#!/usr/bin/python3
"""Generate the tiny ONNX graphs the encoder tests run.

Run from anywhere with the Debian interpreter (python3-onnx, numpy):

    /usr/bin/python3 encoder/testdata/gen_graphs.py

It rewrites, next to this script:

  basic.onnx  inputs  a int64 [batch, n], b int64 [batch, n],
                      mask bool [batch, n], x float32 [batch, 4]
              outputs sum int64 [batch, n] = a + b
                      inverted bool [batch, n] = not mask
                      count int64 [batch] = number of true values per row of mask
                      proj float32 [batch, 3] = x @ W + bias (W, bias below)
  slow.onnx   inputs  x float32 [n, n], iters int64 [1]
              outputs y float32 [n, n]: iters times y = tanh(y @ x / n), from y = x.
              With n = 256 one iteration is about 33 MFLOP, so a large iters gives a
              run that lasts as long as a test wants (cancellation tests).
  int32out.onnx  input a int64 [n]; outputs same int64 [n], narrow int32 [n]
              (an output type Run does not return).
  half.onnx   input x float16 [n], v float32 [m]; outputs y float16 [n] = x,
              w float32 [n] = Cast(x), vh float16 [m] = Cast(v) (float16 I/O).
  iface.onnx  odd inputs and outputs (see iface below) for the test comparing
              encoder's reading of a graph's interface with ONNX Runtime's.

The graphs use opset 13 and IR version 7 so that any ONNX Runtime >= 1.8 loads
them. The output is deterministic (no random values).
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = [helper.make_opsetid("", 13)]

# Known weights so the Go test can compute the expected projection by hand.
W = np.array(
    [[1.0, 0.0, 0.5], [0.0, 1.0, -0.5], [2.0, 0.0, 0.25], [0.0, -1.0, 1.0]],
    dtype=np.float32,
)
BIAS = np.array([0.5, -0.25, 0.0], dtype=np.float32)


def save(model, name, check=True):
    model.ir_version = 7
    if check:  # the checker rejects inputs without shape, which iface wants
        onnx.checker.check_model(model)
    path = os.path.join(HERE, name)
    # Zero the producer fields so reruns give identical bytes.
    model.producer_name = "encoder/testdata/gen_graphs.py"
    model.producer_version = "1"
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    print("wrote", path, os.path.getsize(path), "bytes")


def basic():
    inputs = [
        helper.make_tensor_value_info("a", TensorProto.INT64, ["batch", "n"]),
        helper.make_tensor_value_info("b", TensorProto.INT64, ["batch", "n"]),
        helper.make_tensor_value_info("mask", TensorProto.BOOL, ["batch", "n"]),
        helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4]),
    ]
    outputs = [
        helper.make_tensor_value_info("sum", TensorProto.INT64, ["batch", "n"]),
        helper.make_tensor_value_info("inverted", TensorProto.BOOL, ["batch", "n"]),
        helper.make_tensor_value_info("count", TensorProto.INT64, ["batch"]),
        helper.make_tensor_value_info("proj", TensorProto.FLOAT, ["batch", 3]),
    ]
    inits = [
        numpy_helper.from_array(W, "W"),
        numpy_helper.from_array(BIAS, "bias"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
    ]
    nodes = [
        helper.make_node("Add", ["a", "b"], ["sum"]),
        helper.make_node("Not", ["mask"], ["inverted"]),
        helper.make_node("Cast", ["mask"], ["mask_i64"], to=TensorProto.INT64),
        helper.make_node("ReduceSum", ["mask_i64", "axis1"], ["count"], keepdims=0),
        helper.make_node("MatMul", ["x", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "bias"], ["proj"]),
    ]
    graph = helper.make_graph(nodes, "basic", inputs, outputs, inits)
    save(helper.make_model(graph, opset_imports=OPSET), "basic.onnx")


def slow():
    inputs = [
        helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", "n"]),
        helper.make_tensor_value_info("iters", TensorProto.INT64, [1]),
    ]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "n"])]
    # Loop body: (iter, cond, y) -> (cond, tanh(y @ x / n)); x is captured
    # from the outer scope, scale computed there too.
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
            helper.make_node("MatMul", ["y_in", "x"], ["yx"]),
            helper.make_node("Mul", ["yx", "scale"], ["yxs"]),
            helper.make_node("Tanh", ["yxs"], ["y_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("y_in", TensorProto.FLOAT, None),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("y_out", TensorProto.FLOAT, None),
        ],
    )
    nodes = [
        # trip count: scalar from the [1] input
        helper.make_node("Squeeze", ["iters"], ["trip"]),
        helper.make_node("Shape", ["x"], ["xshape"]),
        helper.make_node("Gather", ["xshape", "zero"], ["n_i64"], axis=0),
        helper.make_node("Cast", ["n_i64"], ["n_f"], to=TensorProto.FLOAT),
        helper.make_node("Reciprocal", ["n_f"], ["scale"]),
        helper.make_node("Loop", ["trip", "cond", "x"], ["y"], body=body),
    ]
    inits = [
        numpy_helper.from_array(np.array(True), "cond"),
        numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"),
    ]
    graph = helper.make_graph(nodes, "slow", inputs, outputs, inits)
    save(helper.make_model(graph, opset_imports=OPSET), "slow.onnx")


def iface():
    """Odd interfaces, to compare encoder's own reading of graph inputs and
    outputs with ONNX Runtime's: an initializer also listed as an input
    (ONNX Runtime hides it), a sequence input, an input without shape, an
    unknown dimension (neither value nor name) and a rank-0 output."""
    unk = helper.make_tensor_value_info("unk", TensorProto.FLOAT, ["b", 2])
    unk.type.tensor_type.shape.dim[0].Clear()  # no dim_value, no dim_param
    inputs = [
        helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "seq"]),
        helper.make_tensor_value_info("w", TensorProto.FLOAT, [3]),
        helper.make_tensor_sequence_value_info("seq_in", TensorProto.FLOAT, None),
        helper.make_tensor_value_info("noshape", TensorProto.FLOAT, None),
        unk,
    ]
    outputs = [
        helper.make_tensor_value_info("scaled", TensorProto.FLOAT, None),
        helper.make_tensor_value_info("seq_len", TensorProto.INT64, []),
        helper.make_tensor_value_info("ids_f", TensorProto.FLOAT, ["batch", "seq"]),
        helper.make_tensor_value_info("unk_out", TensorProto.FLOAT, [-1, 2]),
    ]
    nodes = [
        helper.make_node("Mul", ["noshape", "w"], ["scaled"]),
        helper.make_node("SequenceLength", ["seq_in"], ["seq_len"]),
        helper.make_node("Cast", ["ids"], ["ids_f"], to=TensorProto.FLOAT),
        helper.make_node("Identity", ["unk"], ["unk_out"]),
    ]
    inits = [numpy_helper.from_array(np.array([1, 2, 3], dtype=np.float32), "w")]
    graph = helper.make_graph(nodes, "iface", inputs, outputs, inits)
    save(helper.make_model(graph, opset_imports=OPSET), "iface.onnx", check=False)


def int32out():
    """An int32 output next to an int64 one: Run must refuse the type (only
    float32, int64 and bool are returned) and free both outputs."""
    inputs = [helper.make_tensor_value_info("a", TensorProto.INT64, ["n"])]
    outputs = [
        helper.make_tensor_value_info("same", TensorProto.INT64, ["n"]),
        helper.make_tensor_value_info("narrow", TensorProto.INT32, ["n"]),
    ]
    nodes = [
        helper.make_node("Identity", ["a"], ["same"]),
        helper.make_node("Cast", ["a"], ["narrow"], to=TensorProto.INT32),
    ]
    graph = helper.make_graph(nodes, "int32out", inputs, outputs)
    save(helper.make_model(graph, opset_imports=OPSET), "int32out.onnx")


def half():
    """float16 input and outputs: y = x (float16 out, widened by Run), w =
    Cast(x) to float32 (ONNX Runtime's widening, to compare with), vh =
    Cast(v) to float16 (ONNX Runtime's narrowing of float32 values)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT16, ["n"])
    v = helper.make_tensor_value_info("v", TensorProto.FLOAT, ["m"])
    nodes = [
        helper.make_node("Identity", ["x"], ["y"]),
        helper.make_node("Cast", ["x"], ["w"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["v"], ["vh"], to=TensorProto.FLOAT16),
    ]
    outs = [
        helper.make_tensor_value_info("y", TensorProto.FLOAT16, ["n"]),
        helper.make_tensor_value_info("w", TensorProto.FLOAT, ["n"]),
        helper.make_tensor_value_info("vh", TensorProto.FLOAT16, ["m"]),
    ]
    graph = helper.make_graph(nodes, "half", [x, v], outs)
    save(helper.make_model(graph, opset_imports=OPSET), "half.onnx")


if __name__ == "__main__":
    basic()
    slow()
    iface()
    int32out()
    half()
