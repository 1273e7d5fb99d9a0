# Constants and the rest: Constant (all attribute forms), ConstantOfShape,
# Range, Identity, Dropout, Cast/CastLike, CumSum, Trilu.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
X = [("x", [2, 3], "f32")]
s.add("constant_tensor", [node("Constant", [], ["c"], value=numpy_helper.from_array(
    np.arange(6, dtype=np.float32).reshape(2, 3))), node("Add", ["x", "c"], ["y"])], X, ["y"])
s.add("constant_big_is_resource", [node("Constant", [], ["c"], value=numpy_helper.from_array(
    np.ones((16, 16), np.float32))), node("MatMul", ["x16", "c"], ["y"])],
    [("x16", [2, 16], "f32")], ["y"])
s.add("constant_scalars", [node("Constant", [], ["f"], value_float=2.5),
                           node("Constant", [], ["i"], value_ints=[3, 2]),
                           node("Reshape", ["x", "i"], ["r"]), node("Mul", ["r", "f"], ["y"])],
      X, ["y"])
s.add("constantofshape_expand", [
    node("Shape", ["x"], ["sh"]),
    node("ConstantOfShape", ["sh"], ["z"], value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.5])),
    node("Add", ["x", "z"], ["y"])], X, ["y"])
s.add("range_fold", [node("Range", ["s", "l", "d"], ["r"]), node("Add", ["xi", "r"], ["y"])],
      [("xi", [4], "i64")], ["y"],
      inits=[const("s", np.array(1, np.int64)), const("l", np.array(9, np.int64)),
             const("d", np.array(2, np.int64))])
s.add("identity_dropout", [node("Identity", ["x"], ["a"]),
                           node("Dropout", ["a"], ["b", "mask"]),
                           node("Cast", ["mask"], ["m"], to=TensorProto.FLOAT),
                           node("Mul", ["b", "m"], ["y"])], X, ["y"])
s.add("dropout_training_ratio0", [node("Dropout", ["x", "r", "t"], ["y"])], X, ["y"],
      inits=[const("r", np.array(0, np.float32)), const("t", np.array(True))])
s.add("cast", [node("Cast", ["x"], ["y"], to=TensorProto.INT64)], X, ["y"])
s.add("castlike", [node("CastLike", ["x", "like"], ["y"])], X + [("like", [1], "f16")], ["y"])
s.add("cumsum", [node("CumSum", ["x", "ax"], ["y"], exclusive=1, reverse=1)], X, ["y"],
      inits=[const("ax", np.array(-1, np.int64))])
s.add("trilu_upper_k1", [node("Trilu", ["x", "k"], ["y"])], X, ["y"],
      inits=[const("k", np.array(1, np.int64))])
s.add("trilu_lower", [node("Trilu", ["x"], ["y"], upper=0)], X, ["y"])

# Expected IR, one block per case in the order above.
# CHECK-LABEL: // CASE: constant_tensor
# CHECK: func.func @main_graph(%arg0: tensor<2x3xf32> {tessera.name = "x"}) -> (tensor<2x3xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<{{\[\[}}0.000000e+00, 1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00, 5.000000e+00]]> : tensor<2x3xf32>
# CHECK: {{%[0-9]+}} = tessera.add %arg0, {{%[0-9]+}} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
# CHECK-LABEL: // CASE: constant_big_is_resource
# CHECK: func.func @main_graph(%arg0: tensor<2x16xf32> {tessera.name = "x16"}) -> (tensor<2x16xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<1.000000e+00> : tensor<16x16xf32>
# CHECK: {{%[0-9]+}} = tessera.matmul %arg0, {{%[0-9]+}} : (tensor<2x16xf32>, tensor<16x16xf32>) -> tensor<2x16xf32>
# CHECK-LABEL: // CASE: constant_scalars
# CHECK: func.func @main_graph(%arg0: tensor<2x3xf32> {tessera.name = "x"}) -> (tensor<3x2xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reshape %arg0 : tensor<2x3xf32> to tensor<3x2xf32>
# CHECK: {{%[0-9]+}} = tessera.constant dense<2.500000e+00> : tensor<f32>
# CHECK: {{%[0-9]+}} = tessera.mul {{%[0-9]+}}, {{%[0-9]+}} : (tensor<3x2xf32>, tensor<f32>) -> tensor<3x2xf32>
# CHECK-LABEL: // CASE: constantofshape_expand
# CHECK: func.func @main_graph(%arg0: tensor<2x3xf32> {tessera.name = "x"}) -> (tensor<2x3xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<1.500000e+00> : tensor<2x3xf32>
# CHECK: {{%[0-9]+}} = tessera.add %arg0, {{%[0-9]+}} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
# CHECK-LABEL: // CASE: range_fold
# CHECK: func.func @main_graph(%arg0: tensor<4xi64> {tessera.name = "xi"}) -> (tensor<4xi64> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<[1, 3, 5, 7]> : tensor<4xi64>
# CHECK: {{%[0-9]+}} = tessera.add %arg0, {{%[0-9]+}} : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
# CHECK-LABEL: // CASE: identity_dropout
# CHECK: func.func @main_graph(%arg0: tensor<2x3xf32> {tessera.name = "x"}) -> (tensor<2x3xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<1.000000e+00> : tensor<2x3xf32>
# CHECK: {{%[0-9]+}} = tessera.mul %arg0, {{%[0-9]+}} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
# CHECK-LABEL: // CASE: dropout_training_ratio0
# CHECK: func.func @main_graph(%arg0: tensor<2x3xf32> {tessera.name = "x"}) -> (tensor<2x3xf32> {tessera.name = "y"}) {
# CHECK-LABEL: // CASE: cast
# CHECK: func.func @main_graph(%arg0: tensor<2x3xf32> {tessera.name = "x"}) -> (tensor<2x3xi64> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.cast %arg0 : tensor<2x3xf32> to tensor<2x3xi64>
# CHECK-LABEL: // CASE: castlike
# CHECK: func.func @main_graph(%arg0: tensor<2x3xf32> {tessera.name = "x"}, %arg1: tensor<1xf16> {tessera.name = "like"}) -> (tensor<2x3xf16> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.cast %arg0 : tensor<2x3xf32> to tensor<2x3xf16>
# CHECK-LABEL: // CASE: cumsum
# CHECK: func.func @main_graph(%arg0: tensor<2x3xf32> {tessera.name = "x"}) -> (tensor<2x3xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.cumsum %arg0 {axis = 1 : i64, exclusive = true, reverse = true} : tensor<2x3xf32>
# CHECK-LABEL: // CASE: trilu_upper_k1
# CHECK: func.func @main_graph(%arg0: tensor<2x3xf32> {tessera.name = "x"}) -> (tensor<2x3xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.trilu %arg0 {k = 1 : i64, upper = true} : tensor<2x3xf32>
# CHECK-LABEL: // CASE: trilu_lower
# CHECK: func.func @main_graph(%arg0: tensor<2x3xf32> {tessera.name = "x"}) -> (tensor<2x3xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.trilu %arg0 {upper = false} : tensor<2x3xf32>
