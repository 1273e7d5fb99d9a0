# Models for specialize.test: a Reshape whose target shape is a graph input,
# and a MatMul whose batch dimension is symbolic.
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
reshape = helper.make_graph(
    [helper.make_node("Reshape", ["x", "shape"], ["y"], name="r")], "reshape",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4]),
     helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
onnx.save(helper.make_model(reshape, opset_imports=[helper.make_opsetid("", 14)]),
          f"{out}/reshape.onnx")
matmul = helper.make_graph(
    [helper.make_node("MatMul", ["a", "w"], ["y"], name="m")], "matmul",
    [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["batch", 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])],
    [helper.make_tensor("w", TensorProto.FLOAT, [4, 2], np.ones(8, np.float32))])
onnx.save(helper.make_model(matmul, opset_imports=[helper.make_opsetid("", 14)]),
          f"{out}/matmul.onnx")
np.save(f"{out}/shape.npy", np.array([4, -1], np.int64))
np.save(f"{out}/shape_i32.npy", np.array([4, -1], np.int32))
np.save(f"{out}/shape3.npy", np.array([4, -1, 1], np.int64))
np.save(f"{out}/x.npy", np.arange(24, dtype=np.float32).reshape(2, 3, 4))
np.save(f"{out}/a.npy", np.ones((5, 4), np.float32))
with open(f"{out}/bad.npy", "wb") as f:
    f.write(b"not numpy")
