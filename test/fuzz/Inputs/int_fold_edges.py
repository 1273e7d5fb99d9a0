"""int64 arithmetic on constants at the overflow edges (folded by the importer), with
numpy's wrapping results as references: writes OUT/int_fold.onnx and OUT/ref/*.npy."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
big = np.iinfo(np.int64)
a = np.array([big.max, big.min, 3, -7, big.min], np.int64)
b = np.array([1, -1, big.max, 2, -1], np.int64)
consts = [numpy_helper.from_array(a, "a"), numpy_helper.from_array(b, "b")]
ops = [("Add", "add"), ("Sub", "sub"), ("Mul", "mul"), ("Div", "div"), ("Mod", "mod")]
nodes = [helper.make_node(op, ["a", "b"], [name], name=name) for op, name in ops]
nodes += [helper.make_node("Neg", ["a"], ["neg"], name="neg"),
          helper.make_node("Abs", ["a"], ["abs"], name="abs")]
names = [n for _, n in ops] + ["neg", "abs"]
outputs = [helper.make_tensor_value_info(n, TensorProto.INT64, [5]) for n in names]
g = helper.make_graph(nodes, "int_fold", [], outputs, initializer=consts)
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "int_fold.onnx"))


def wrap(v):
    return (v + 2**63) % 2**64 - 2**63


def trunc_div(x, y):  # ONNX Div on integers truncates toward zero
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


xs, ys = [int(v) for v in a], [int(v) for v in b]
ref = {name: np.array([wrap(f(x, y)) for x, y in zip(xs, ys)], np.int64)
       for name, f in (("add", lambda x, y: x + y), ("sub", lambda x, y: x - y),
                       ("mul", lambda x, y: x * y), ("div", trunc_div),
                       ("mod", lambda x, y: x % y),  # Python's sign follows the divisor
                       ("neg", lambda x, y: -x), ("abs", lambda x, y: abs(x)))}
os.makedirs(os.path.join(out, "ref"), exist_ok=True)
for name, value in ref.items():
    np.save(os.path.join(out, "ref", name + ".npy"), value.astype(np.int64))
