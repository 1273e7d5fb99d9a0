# GatherElements, GatherND (batch_dims), ScatterElements (reductions, the
# opset-9 Scatter name) and ScatterND: as tessera ops on runtime data, folded
# when everything is a constant.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
X = [("x", [3, 4], "f32")]
s.add("gather_elements", [node("GatherElements", ["x", "i"], ["y"], axis=-1)], X, ["y"],
      inits=[const("i", np.array([[0, -1], [1, 2], [3, 0]], np.int64))])
s.add("gather_nd_batch", [node("GatherND", ["d", "i"], ["y"], batch_dims=1)],
      [("d", [2, 3, 4], "f32"), ("i", [2, 1], "i32")], ["y"])
s.add("scatter_elements_add",
      [node("ScatterElements", ["x", "i", "u"], ["y"], axis=0, reduction="add")],
      X + [("i", [2, 4], "i64"), ("u", [2, 4], "f32")], ["y"], opset=16)
s.add("scatter_opset9", [node("Scatter", ["x", "i", "u"], ["y"], axis=1)],
      X + [("i", [3, 1], "i64"), ("u", [3, 1], "f32")], ["y"], opset=9)
s.add("scatter_nd", [node("ScatterND", ["x", "i", "u"], ["y"])],
      X + [("i", [2, 1], "i64"), ("u", [2, 4], "f32")], ["y"])
s.add("scatter_nd_mul", [node("ScatterND", ["x", "i", "u"], ["y"], reduction="mul")],
      X + [("i", [2, 2], "i64"), ("u", [2], "f32")], ["y"], opset=16)
s.add("scatter_nd_folded", [node("ScatterND", ["d", "i", "u"], ["y"])], [], ["y"],
      inits=[const("d", np.zeros((2, 2), np.float32)),
             const("i", np.array([[1, 0]], np.int64)), const("u", np.array([5], np.float32))])
s.add("scatter_elements_bad_reduction",
      [node("ScatterElements", ["x", "i", "u"], ["y"], reduction="sub")],
      X + [("i", [2, 4], "i64"), ("u", [2, 4], "f32")], ["y"], opset=16)

# CHECK-LABEL: // CASE: gather_elements
# CHECK: %[[I:.+]] = tessera.constant dense<{{\[\[}}0, -1], [1, 2], [3, 0]]> : tensor<3x2xi64>
# CHECK: tessera.gather_elements %arg0, %[[I]] {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
# CHECK-LABEL: // CASE: gather_nd_batch
# CHECK: tessera.gather_nd %arg0, %arg1 {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1xi32>) -> tensor<2x4xf32>
# CHECK-LABEL: // CASE: scatter_elements_add
# CHECK: tessera.scatter_elements %arg0, %arg1, %arg2 {axis = 0 : i64, reduction = "add"} : (tensor<3x4xf32>, tensor<2x4xi64>, tensor<2x4xf32>) -> tensor<3x4xf32>
# CHECK-LABEL: // CASE: scatter_opset9
# CHECK: tessera.scatter_elements %arg0, %arg1, %arg2 {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x1xi64>, tensor<3x1xf32>) -> tensor<3x4xf32>
# CHECK-LABEL: // CASE: scatter_nd
# CHECK: tessera.scatter_nd %arg0, %arg1, %arg2 : (tensor<3x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<3x4xf32>
# CHECK-LABEL: // CASE: scatter_nd_mul
# CHECK: tessera.scatter_nd %arg0, %arg1, %arg2 {reduction = "mul"} : (tensor<3x4xf32>, tensor<2x2xi64>, tensor<2xf32>) -> tensor<3x4xf32>
# CHECK-LABEL: // CASE: scatter_nd_folded
# CHECK-NOT: tessera.scatter_nd
# CHECK: tessera.constant dense<{{\[\[}}0.000000e+00, 0.000000e+00], [5.000000e+00, 0.000000e+00]]> : tensor<2x2xf32>
# CHECK-LABEL: // CASE: scatter_elements_bad_reduction
# CHECK: (op type 'ScatterElements', opset 16): unsupported reduction 'sub'
# CHECK: // EXIT: 1
