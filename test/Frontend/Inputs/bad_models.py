"""Writes the malformed and unsupported models diagnostics.test imports."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper
from onnx_testlib import Suite, const, node

out = sys.argv[1]
s = Suite(out)
X = [("x", [2, 3], "f32")]
s.add("unsupported", [node("Relu", ["x"], ["a"]), node("Foo", ["a"], ["y"], name="Foo_3")], X, ["y"])
g = helper.make_graph([helper.make_node("FusedMatMul", ["x", "x"], ["y"], name="ms_node",
                                        domain="com.microsoft")], "g",
                      [helper.make_tensor_value_info("x", 1, [2, 2])],
                      [helper.make_empty_tensor_value_info("y")])
s.save("domain", helper.make_model(g, opset_imports=[helper.make_opsetid("", 17),
                                                      helper.make_opsetid("com.microsoft", 1)]))
g = helper.make_graph([node("Identity", ["input_ids"], ["y"])], "g",
                      [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", 8])],
                      [helper.make_empty_tensor_value_info("y")])
s.save("symbolic", helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]))
s.add("relu", [node("Relu", ["x"], ["y"])], X, ["y"])
data = open(os.path.join(out, "relu.onnx"), "rb").read()
open(os.path.join(out, "truncated.onnx"), "wb").write(data[: len(data) // 2])
open(os.path.join(out, "garbage.onnx"), "wb").write(b"\xff\xff\xff\xff not a protobuf at all")
s.add("complex_init", [node("Cast", ["q"], ["y"], to=1)], [], ["y"],
      inits=[const("q", np.zeros(4, np.complex64))])
s.add("complex_input", [node("Cast", ["x"], ["y"], to=1)], [("x", [4], "c64")], ["y"])
s.add("cast_string", [node("Cast", ["x"], ["y"], to=TensorProto.STRING, name="to_string")], X, ["y"])
s.add("gelu_attr", [node("Gelu", ["x"], ["y"], approximate="fast")], X, ["y"], opset=20)
s.add("pad_wrap", [node("Pad", ["x", "p"], ["y"], mode="wrap")], X, ["y"],
      inits=[const("p", np.array([0, 1, 0, 1], np.int64))])
s.add("dynamic_reshape", [node("Reshape", ["x", "shape"], ["y"])], X + [("shape", [2], "i64")], ["y"])
s.add("concat_rank", [node("Concat", ["x", "r"], ["y"], axis=0, name="Concat_y")],
      X + [("r", [3], "f32")], ["y"])
s.add("undefined_input", [node("Add", ["x", "nowhere"], ["y"])], X, ["y"])
s.add("missing_input", [node("MatMul", ["x"], ["y"])], X, ["y"])
s.add("bad_broadcast", [node("Add", ["x", "z"], ["y"])], X + [("z", [4], "f32")], ["y"])
s.add("layernorm_mean", [node("LayerNormalization", ["x", "g"], ["y", "mean"], stash_type=7)],
      X, ["y", "mean"],
      inits=[const("g", np.ones(3, np.float32))])
s.add("bad_axis", [node("Softmax", ["x"], ["y"], axis=5)], X, ["y"])
s.add("unused_output", [node("Relu", ["x"], ["y"])], X, ["y", "z"])
s.add("div_uint64", [node("Div", ["a", "b"], ["y"])], [("a", [4], "u64"), ("b", [4], "u64")],
      ["y"])
s.add("attr_type", [node("Softmax", ["x"], ["y"], axis=1.0)], X, ["y"])
s.add("dropout_training", [node("Dropout", ["x", "r", "t"], ["y"])], X, ["y"],
      inits=[const("r", np.array(0.5, np.float32)), const("t", np.array(True))])
g = helper.make_graph([node("Relu", ["x"], ["r"]), node("Neg", ["r"], ["y"])], "g",
                      [helper.make_tensor_value_info("x", 1, [2, 3])],
                      [helper.make_empty_tensor_value_info("y")],
                      value_info=[helper.make_tensor_value_info("r", 1, [5, 5])])
s.save("value_info_mismatch", helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]))
body = helper.make_graph([], "body", [], [])
s.add("loop", [node("Loop", ["", ""], ["y"], body=body)], X, ["y"])

# External data pointing at a file that does not exist, and raw data that is
# too short for the declared shape.
w = helper.make_tensor("w", TensorProto.FLOAT, [4, 4], np.zeros(16, np.float32).tobytes(), raw=True)
w.data_location = TensorProto.EXTERNAL
w.ClearField("raw_data")
for k, v in {"location": "gone.bin", "offset": "0", "length": "64"}.items():
    w.external_data.add(key=k, value=v)
s.add("missing_external", [node("MatMul", ["x4", "w"], ["y"])], [("x4", [1, 4], "f32")], ["y"],
      inits=[w])
short = helper.make_tensor("w", TensorProto.FLOAT, [4, 4], np.zeros(16, np.float32).tobytes(), raw=True)
short.raw_data = short.raw_data[:8]
s.add("short_data", [node("MatMul", ["x4", "w"], ["y"])], [("x4", [1, 4], "f32")], ["y"],
      inits=[short])
