"""Writes ONNX models that declare absurd sizes into OUT (one .onnx each): driven by
limits.test."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def save(name, nodes, inputs, outputs, inits=(), opset=17):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    onnx.save(m, os.path.join(out, name + ".onnx"))


x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
# 1. A 2^40-element graph input.
save("huge_input", [helper.make_node("Relu", ["big"], ["y"], name="relu")],
     [helper.make_tensor_value_info("big", TensorProto.FLOAT, [1 << 20, 1 << 20])], [y])
# 2. An initializer claiming 2 GB with 16 bytes of data.
w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 29], raw_data=b"\0" * 16)
save("short_initializer", [helper.make_node("Add", ["x", "w"], ["y"], name="add")], [x], [y], [w])
# 3. A Constant node with dims 2^40 and no data.
c = TensorProto(data_type=TensorProto.FLOAT, dims=[1 << 40])
save("huge_constant", [helper.make_node("Constant", [], ["c"], value=c, name="const"),
                       helper.make_node("Add", ["x", "c"], ["y"], name="add")], [x], [y])
# 4. ConstantOfShape to 2^40 elements.
shape = numpy_helper.from_array(np.array([1 << 20, 1 << 20], np.int64), "shape")
save("constant_of_shape", [helper.make_node("ConstantOfShape", ["shape"], ["y"], name="cos")],
     [], [y], [shape])
# 5. Expand x to [2^30, 4]: 2^32 elements.
eshape = numpy_helper.from_array(np.array([1 << 31, 4], np.int64), "eshape")
save("expand", [helper.make_node("Expand", ["x", "eshape"], ["y"], name="expand")], [x], [y], [eshape])
# 6. Range with 10^12 steps.
r = [numpy_helper.from_array(np.array(v, np.int64), n) for v, n in ((0, "start"), (10**12, "limit"), (1, "delta"))]
save("range", [helper.make_node("Range", ["start", "limit", "delta"], ["y"], name="range")], [],
     [helper.make_tensor_value_info("y", TensorProto.INT64, None)], r)
# 7. A Loop of 10^9 steps that adds 1.
body = helper.make_graph(
    [helper.make_node("Add", ["acc_in", "one"], ["acc_out"], name="body_add"),
     helper.make_node("Identity", ["cond_in"], ["cond_out"], name="body_cond")],
    "body",
    [helper.make_tensor_value_info("i", TensorProto.INT64, []),
     helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
     helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, [4])],
    [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
     helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [4])],
    initializer=[numpy_helper.from_array(np.ones(4, np.float32), "one")])
trip = numpy_helper.from_array(np.array(10**9, np.int64), "trip")
cond = numpy_helper.from_array(np.array(True), "cond")
save("loop", [helper.make_node("Loop", ["trip", "cond", "x"], ["y"], body=body, name="loop")],
     [x], [y], [trip, cond])
# 8. A Loop of 10^9 steps with a scan output (10^9 x 4 floats).
body2 = helper.make_graph(
    [helper.make_node("Identity", ["cond_in"], ["cond_out"], name="b_cond"),
     helper.make_node("Identity", ["acc_in"], ["acc_out"], name="b_id"),
     helper.make_node("Identity", ["acc_in"], ["scan"], name="b_scan")],
    "body2",
    [helper.make_tensor_value_info("i", TensorProto.INT64, []),
     helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
     helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, [4])],
    [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
     helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [4]),
     helper.make_tensor_value_info("scan", TensorProto.FLOAT, [4])])
save("loop_scan", [helper.make_node("Loop", ["trip", "cond", "x"], ["y", "s"], body=body2, name="loop")],
     [x], [y, helper.make_tensor_value_info("s", TensorProto.FLOAT, None)], [trip, cond])
# 9. Tile of x by 2^33.
reps = numpy_helper.from_array(np.array([1 << 33], np.int64), "reps")
save("tile", [helper.make_node("Tile", ["x", "reps"], ["y"], name="tile")], [x], [y], [reps])
# 10. Reshape to a shape with 2^62 elements.
rs = numpy_helper.from_array(np.array([1 << 31, 1 << 31], np.int64), "rs")
save("reshape", [helper.make_node("Reshape", ["x", "rs"], ["y"], name="reshape")], [x], [y], [rs])
# 11. Shape overflow: dims whose product overflows int64.
save("overflow_input", [helper.make_node("Relu", ["big"], ["y"], name="relu")],
     [helper.make_tensor_value_info("big", TensorProto.FLOAT, [1 << 40, 1 << 40])], [y])
print("ok")
