import sys

import onnx
from onnx import TensorProto, helper


def save(name, op, b_shape, opset, **attrs):
    inputs = ["a", "b"] if b_shape else ["a"]
    graph = helper.make_graph(
        [helper.make_node(op, inputs, ["y"], name="n", **attrs)], name,
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3, 4])] +
        ([helper.make_tensor_value_info("b", TensorProto.FLOAT, b_shape)] if b_shape else []),
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.save(model, f"{sys.argv[1]}/{name}.onnx")


save("axis1", "Add", [3], 6, broadcast=1, axis=1)
save("trailing", "Mul", [4], 6, broadcast=1)
save("opset5", "Add", [2, 3, 4], 5)
save("softplus1", "Softplus", None, 1)
