# Linear quantization: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear,
# MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv decompositions.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
F = lambda name, v: const(name, np.array(v, np.float32))
s.add("quantize_u8", [node("QuantizeLinear", ["x", "s", "z"], ["y"])], [("x", [2, 3], "f32")],
      ["y"], inits=[F("s", 0.5), const("z", np.array(128, np.uint8))], opset=13)
s.add("quantize_i8_axis", [node("QuantizeLinear", ["x", "s", "z"], ["y"], axis=1)],
      [("x", [2, 3], "f32")], ["y"],
      inits=[F("s", [0.5, 1, 2]), const("z", np.array([0, 1, -1], np.int8))], opset=13)
s.add("dequantize_u8", [node("DequantizeLinear", ["x", "s", "z"], ["y"])], [("x", [4], "u8")],
      ["y"], inits=[F("s", 0.25), const("z", np.array(3, np.uint8))], opset=13)
s.add("dynamic", [node("DynamicQuantizeLinear", ["x"], ["y", "ys", "yz"])],
      [("x", [5], "f32")], ["y", "ys", "yz"], opset=13)
s.add("matmulinteger", [node("MatMulInteger", ["a", "b", "az"], ["y"])],
      [("a", [2, 3], "u8"), ("b", [3, 4], "u8")], ["y"],
      inits=[const("az", np.array(1, np.uint8))], opset=13)
s.add("convinteger", [node("ConvInteger", ["x", "w"], ["y"], pads=[1, 1, 1, 1])],
      [("x", [1, 1, 3, 3], "u8"), ("w", [2, 1, 2, 2], "u8")], ["y"], opset=13)
s.add("qlinearmatmul", [node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"],
                             ["y"])], [("a", [2, 3], "u8"), ("b", [3, 4], "u8")], ["y"],
      inits=[F("as", 0.1), const("az", np.array(2, np.uint8)), F("bs", 0.2),
             const("bz", np.array(3, np.uint8)), F("ys", 0.5), const("yz", np.array(4, np.uint8))],
      opset=13)
s.add("err_zero_point_type", [node("QuantizeLinear", ["x", "s", "z"], ["y"])],
      [("x", [2], "f32")], ["y"], inits=[F("s", 0.5), const("z", np.array(1, np.int32))], opset=13)
s.add("err_scale_rank", [node("DequantizeLinear", ["x", "s"], ["y"])], [("x", [2, 2], "i8")],
      ["y"], inits=[F("s", [[1, 2], [3, 4]])], opset=13)
s.add("err_qlinear_inputs", [node("QLinearMatMul", ["a", "as"], ["y"])],
      [("a", [2, 3], "u8")], ["y"], inits=[F("as", 0.1)], opset=13)

# CHECK-LABEL: // CASE: quantize_u8
# CHECK: func.func @main_graph(%arg0: tensor<2x3xf32> {tessera.name = "x"}) -> (tensor<2x3xi8> {tessera.name = "y", tessera.unsigned})
# CHECK: tessera.div %arg0
# CHECK: tessera.round
# CHECK: tessera.add
# CHECK: tessera.max
# CHECK: tessera.min
# CHECK: tessera.cast %{{.+}} : tensor<2x3xf32> to tensor<2x3xi64>
# CHECK: tessera.cast %{{.+}} : tensor<2x3xi64> to tensor<2x3xi8>
# CHECK-LABEL: // CASE: quantize_i8_axis
# CHECK: tessera.div %arg0, %{{.+}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
# CHECK: tessera.cast %{{.+}} : tensor<3xi8> to tensor<3xf32>
# CHECK-LABEL: // CASE: dequantize_u8
# CHECK: (%arg0: tensor<4xi8> {tessera.name = "x", tessera.unsigned}) -> (tensor<4xf32> {tessera.name = "y"})
# CHECK: %[[X:.+]] = tessera.where
# CHECK: %[[XF:.+]] = tessera.cast %[[X]] : tensor<4xi64> to tensor<4xf32>
# CHECK: %[[C:.+]] = tessera.sub %[[XF]]
# CHECK: tessera.mul %[[C]]
# CHECK-LABEL: // CASE: dynamic
# CHECK: tessera.reduce_max %arg0
# CHECK: tessera.reduce_min %arg0
# CHECK: tessera.round
# CHECK-LABEL: // CASE: matmulinteger
# CHECK: -> (tensor<2x4xi32> {tessera.name = "y"})
# CHECK: tessera.matmul %{{.+}}, %{{.+}} : (tensor<2x3xi32>, tensor<3x4xi32>) -> tensor<2x4xi32>
# Small exact integer products are computed in f32 (no partial sum can
# reach 2^24; test/e2e/onnx-qoperator.test has the f64 case).
# CHECK-LABEL: // CASE: convinteger
# CHECK: tessera.conv %{{.+}}, %{{.+}} {{.+}} : (tensor<1x1x3x3xf32>, tensor<2x1x2x2xf32>) -> tensor<1x2x4x4xf32>
# CHECK: tessera.cast %{{.+}} : tensor<1x2x4x4xf32> to tensor<1x2x4x4xi32>
# CHECK-LABEL: // CASE: qlinearmatmul
# CHECK: tessera.matmul %{{.+}}, %{{.+}} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
# CHECK: tessera.round
# CHECK: tessera.cast %{{.+}} : tensor<2x4xi64> to tensor<2x4xi8>
# CHECK-LABEL: // CASE: err_zero_point_type
# CHECK: (op type 'QuantizeLinear', opset 13): unsupported quantized type INT32
# CHECK-LABEL: // CASE: err_scale_rank
# CHECK: (op type 'DequantizeLinear', opset 13): x_scale must be a scalar or 1-D
# CHECK-LABEL: // CASE: err_qlinear_inputs
# CHECK: (op type 'QLinearMatMul', opset 13): needs inputs a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale and y_zero_point
