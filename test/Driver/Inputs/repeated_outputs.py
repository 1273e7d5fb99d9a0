"""An ONNX graph whose outputs o1 and o2 are Identity copies of one value and o3 an
Identity of the input. Without --check, writes DIR/model.onnx and DIR/X.npy; with it,
compares DIR/out/*.npy with numpy and prints "NAME ok" or "NAME FAIL"."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

d = sys.argv[1]
x = np.linspace(-3, 3, 24, dtype=np.float32).reshape(4, 6)
if len(sys.argv) > 2:
    ref = {"o1": np.maximum(x, 0), "o2": np.maximum(x, 0), "o3": x}
    for name, r in ref.items():
        y = np.load(os.path.join(d, "out", name + ".npy"))
        print(name, "ok" if y.shape == r.shape and np.array_equal(y, r) else "FAIL")
    sys.exit(0)
nodes = [helper.make_node("Relu", ["X"], ["r"]),
         helper.make_node("Identity", ["r"], ["o1"]),
         helper.make_node("Identity", ["r"], ["o2"]),
         helper.make_node("Identity", ["X"], ["o3"])]
graph = helper.make_graph(
    nodes, "repeated", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [4, 6])],
    [helper.make_tensor_value_info(n, TensorProto.FLOAT, [4, 6]) for n in ("o1", "o2", "o3")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(d, "model.onnx"))
np.save(os.path.join(d, "X.npy"), x)
