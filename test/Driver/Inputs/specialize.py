# Models for specialize.test: a Reshape whose target shape is a graph input,
# a MatMul whose batch dimension is symbolic, and a model whose input and
# output are sequences of tensors (SequenceMap adds a tensor to each element
# of [?, 3] matrices, then SequenceInsert appends the tensor), and a model
# with an optional input passed through and tested for a value.
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
seq_type = helper.make_tensor_sequence_value_info
body = helper.make_graph(
    [helper.make_node("Add", ["e", "t"], ["o"])], "body",
    [helper.make_tensor_value_info("e", TensorProto.FLOAT, ["n", 3]),
     helper.make_tensor_value_info("t", TensorProto.FLOAT, [3])],
    [helper.make_tensor_value_info("o", TensorProto.FLOAT, ["n", 3])])
seqmap = helper.make_graph(
    [helper.make_node("SequenceMap", ["xs", "t"], ["mapped"], body=body, name="map"),
     helper.make_node("Unsqueeze", ["t", "zero"], ["t1"]),
     helper.make_node("SequenceInsert", ["mapped", "t1"], ["ys"])], "seqmap",
    [seq_type("xs", TensorProto.FLOAT, ["n", 3]),
     helper.make_tensor_value_info("t", TensorProto.FLOAT, [3])],
    [seq_type("ys", TensorProto.FLOAT, None)],
    [helper.make_tensor("zero", TensorProto.INT64, [1], [0])])
onnx.save(helper.make_model(seqmap, opset_imports=[helper.make_opsetid("", 17)]),
          f"{out}/seqmap.onnx")
opt = helper.make_graph(
    [helper.make_node("OptionalHasElement", ["o"], ["has"]),
     helper.make_node("Identity", ["o"], ["same"]),
     helper.make_node("Relu", ["x"], ["y"])], "optional",
    [helper.make_value_info("o", helper.make_optional_type_proto(
        helper.make_tensor_type_proto(TensorProto.FLOAT, [2]))),
     helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
    [helper.make_tensor_value_info("has", TensorProto.BOOL, []),
     helper.make_value_info("same", helper.make_optional_type_proto(
         helper.make_tensor_type_proto(TensorProto.FLOAT, [2]))),
     helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
onnx.save(helper.make_model(opt, opset_imports=[helper.make_opsetid("", 18)]),
          f"{out}/optional.onnx")
np.save(f"{out}/xs0.npy", np.ones((2, 3), np.float32))
np.save(f"{out}/xs1.npy", np.full((4, 3), 2, np.float32))
np.save(f"{out}/t.npy", np.array([10, 20, 30], np.float32))
np.save(f"{out}/shape.npy", np.array([4, -1], np.int64))
np.save(f"{out}/shape_i32.npy", np.array([4, -1], np.int32))
np.save(f"{out}/shape3.npy", np.array([4, -1, 1], np.int64))
np.save(f"{out}/x.npy", np.arange(24, dtype=np.float32).reshape(2, 3, 4))
np.save(f"{out}/a.npy", np.ones((5, 4), np.float32))
with open(f"{out}/bad.npy", "wb") as f:
    f.write(b"not numpy")
