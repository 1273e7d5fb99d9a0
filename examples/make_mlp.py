"""Writes examples/mlp.onnx: a two-layer MLP (MatMul, Add, Relu, Gemm) with fixed weights."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)
w1 = rng.standard_normal((8, 16)).astype(np.float32) * 0.5
b1 = rng.standard_normal((16,)).astype(np.float32) * 0.1
w2 = rng.standard_normal((4, 16)).astype(np.float32) * 0.5
b2 = rng.standard_normal((4,)).astype(np.float32) * 0.1

nodes = [
    helper.make_node("MatMul", ["x", "w1"], ["h0"], name="fc1"),
    helper.make_node("Add", ["h0", "b1"], ["h1"], name="fc1_bias"),
    helper.make_node("Relu", ["h1"], ["h"], name="act"),
    helper.make_node("Gemm", ["h", "w2", "b2"], ["y"], name="fc2", transB=1),
]
graph = helper.make_graph(
    nodes, "mlp",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 8])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])],
    [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "mlp.onnx")
onnx.save(model, out)
