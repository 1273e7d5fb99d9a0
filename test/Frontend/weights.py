# Initializers: small ones fold to dense<>, large ones become dense_resource
# blobs (float, f16, int64), external data files load relative to the model,
# unused initializers disappear and initializers listed as graph inputs are
# not arguments.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import os
import sys

import numpy as np
import onnx
from onnx import helper
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
w = np.arange(256, dtype=np.float32).reshape(16, 16) / 256
s.add("resource_f32", [node("MatMul", ["x", "w"], ["y"])], [("x", [2, 16], "f32")], ["y"],
      inits=[const("w", w), const("unused", np.ones(100, np.float32))])
s.add("resource_f16_i64", [node("Gather", ["tab", "ids"], ["g"]), node("Cast", ["g"], ["y"], to=1)],
      [("ids", [3], "i64")], ["y"], inits=[const("tab", np.arange(200, dtype=np.float16).reshape(100, 2))])
# A splat initializer (torch's ones()/full()) is a compact dense<> splat.
s.add("splat_init", [node("Mul", ["x", "ones"], ["y"])], [("x", [8, 16], "f32")], ["y"],
      inits=[const("ones", np.ones((8, 16), np.float32))])
s.add("small_float_dense", [node("Add", ["x", "b"], ["y"])], [("x", [2, 4], "f32")], ["y"],
      inits=[const("b", np.array([1, 2, 3, 4], np.float32))])

# External data: weights in a side file next to the model.
ext = helper.make_graph([node("MatMul", ["x", "w"], ["y"])], "ext",
                        [helper.make_tensor_value_info("x", 1, [2, 16])],
                        [helper.make_empty_tensor_value_info("y")], initializer=[const("w", w)])
model = helper.make_model(ext, opset_imports=[helper.make_opsetid("", 17)])
onnx.save(model, os.path.join(sys.argv[1], "external.onnx"), save_as_external_data=True,
          all_tensors_to_one_file=True, location="external.bin", size_threshold=0)
s.names.append("external")
s.save("init_as_input", helper.make_model(helper.make_graph(
    [node("Add", ["x", "b"], ["y"])], "g",
    [helper.make_tensor_value_info("x", 1, [4]), helper.make_tensor_value_info("b", 1, [4])],
    [helper.make_empty_tensor_value_info("y")], initializer=[const("b", np.ones(4, np.float32))]),
    opset_imports=[helper.make_opsetid("", 17)]))

# Expected IR, one block per case in the order above.
# CHECK-LABEL: // CASE: resource_f32
# CHECK: func.func @main_graph(%arg0: tensor<2x16xf32> {tessera.name = "x"}) -> (tensor<2x16xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense_resource<{{.*}}> : tensor<16x16xf32>
# CHECK: {{%[0-9]+}} = tessera.matmul %arg0, {{%[0-9]+}} : (tensor<2x16xf32>, tensor<16x16xf32>) -> tensor<2x16xf32>
# CHECK: dialect_resources: {
# CHECK-LABEL: // CASE: resource_f16_i64
# CHECK: func.func @main_graph(%arg0: tensor<3xi64> {tessera.name = "ids"}) -> (tensor<3x2xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense_resource<{{.*}}> : tensor<100x2xf16>
# CHECK: {{%[0-9]+}} = tessera.gather {{%[0-9]+}}, %arg0 {axis = 0 : i64} : (tensor<100x2xf16>, tensor<3xi64>) -> tensor<3x2xf16>
# CHECK: {{%[0-9]+}} = tessera.cast {{%[0-9]+}} : tensor<3x2xf16> to tensor<3x2xf32>
# CHECK: dialect_resources: {
# CHECK-LABEL: // CASE: splat_init
# CHECK: func.func @main_graph(%arg0: tensor<8x16xf32> {tessera.name = "x"}) -> (tensor<8x16xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<1.000000e+00> : tensor<8x16xf32>
# CHECK: {{%[0-9]+}} = tessera.mul %arg0, {{%[0-9]+}} : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
# CHECK-LABEL: // CASE: small_float_dense
# CHECK: func.func @main_graph(%arg0: tensor<2x4xf32> {tessera.name = "x"}) -> (tensor<2x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
# CHECK: {{%[0-9]+}} = tessera.add %arg0, {{%[0-9]+}} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
# CHECK-LABEL: // CASE: external
# CHECK: func.func @main_graph(%arg0: tensor<2x16xf32> {tessera.name = "x"}) -> (tensor<2x16xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense_resource<{{.*}}> : tensor<16x16xf32>
# CHECK: {{%[0-9]+}} = tessera.matmul %arg0, {{%[0-9]+}} : (tensor<2x16xf32>, tensor<16x16xf32>) -> tensor<2x16xf32>
# CHECK: dialect_resources: {
# CHECK-LABEL: // CASE: init_as_input
# CHECK: func.func @main_graph(%arg0: tensor<4xf32> {tessera.name = "x"}) -> (tensor<4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<1.000000e+00> : tensor<4xf32>
# CHECK: {{%[0-9]+}} = tessera.add %arg0, {{%[0-9]+}} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
