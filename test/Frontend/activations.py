# Activations decomposed into elementwise tessera ops, the trigonometric and
# hyperbolic ops, and IsNaN/IsInf.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
s.unary("leakyrelu", "LeakyRelu", alpha=0.1)
s.unary("elu", "Elu")
s.unary("selu", "Selu")
s.unary("celu", "Celu", alpha=2.0)
s.unary("thresholdedrelu", "ThresholdedRelu", alpha=0.5)
s.unary("hardsigmoid", "HardSigmoid")
s.unary("hardswish", "HardSwish")
s.unary("mish", "Mish")
s.unary("softsign", "Softsign")
s.unary("tan", "Tan")
s.unary("acosh", "Acosh")
s.unary("isnan", "IsNaN")
s.unary("isinf_neg", "IsInf", detect_positive=0)
s.add("prelu", [node("PRelu", ["x", "slope"], ["y"])], [("x", [1, 3, 2], "f32")], ["y"],
      inits=[const("slope", np.full((3, 1), 0.25, np.float32))])
s.add("prelu_opset6_channel", [node("PRelu", ["x", "slope"], ["y"])], [("x", [1, 3, 2], "f32")],
      ["y"], inits=[const("slope", np.full(3, 0.5, np.float32))], opset=6)
s.unary("leakyrelu_int", "LeakyRelu", dtype="i32")

# CHECK-LABEL: // CASE: leakyrelu
# CHECK: %[[Z:.+]] = tessera.constant dense<0.000000e+00> : tensor<f32>
# CHECK: %[[NEG:.+]] = tessera.less %arg0, %[[Z]] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xi1>
# CHECK: %[[A:.+]] = tessera.constant dense<1.000000e-01> : tensor<f32>
# CHECK: %[[AX:.+]] = tessera.mul %arg0, %[[A]]
# CHECK: tessera.where %[[NEG]], %[[AX]], %arg0 : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
# CHECK-LABEL: // CASE: elu
# CHECK: tessera.exp %arg0
# CHECK: tessera.sub
# CHECK: tessera.where
# CHECK-LABEL: // CASE: selu
# CHECK: tessera.less_equal
# CHECK: tessera.constant dense<1.67326319> : tensor<f32>
# CHECK: tessera.constant dense<1.05070102> : tensor<f32>
# CHECK-LABEL: // CASE: celu
# CHECK: tessera.max %arg0
# CHECK: %[[D:.+]] = tessera.div %arg0
# CHECK: tessera.exp %[[D]]
# CHECK: tessera.min
# CHECK: tessera.add
# CHECK-LABEL: // CASE: thresholdedrelu
# CHECK: %[[C:.+]] = tessera.greater %arg0
# CHECK: tessera.where %[[C]], %arg0, %{{.+}} : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
# CHECK-LABEL: // CASE: hardsigmoid
# CHECK: tessera.clamp %{{.+}} {max = 1.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<2x3xf32>
# CHECK-LABEL: // CASE: hardswish
# CHECK: tessera.hardswish %arg0 : tensor<2x3xf32>
# CHECK-LABEL: // CASE: mish
# CHECK: %[[SP:.+]] = tessera.softplus %arg0
# CHECK: %[[T:.+]] = tessera.tanh %[[SP]]
# CHECK: tessera.mul %arg0, %[[T]]
# CHECK-LABEL: // CASE: softsign
# CHECK: tessera.abs %arg0
# CHECK: tessera.div %arg0
# CHECK-LABEL: // CASE: tan
# CHECK: tessera.tan %arg0 : tensor<2x3xf32>
# CHECK-LABEL: // CASE: acosh
# CHECK: tessera.acosh %arg0 : tensor<2x3xf32>
# CHECK-LABEL: // CASE: isnan
# CHECK: %[[E:.+]] = tessera.equal %arg0, %arg0
# CHECK: tessera.not %[[E]] : tensor<2x3xi1>
# CHECK-LABEL: // CASE: isinf_neg
# CHECK: %[[NI:.+]] = tessera.constant dense<0xFF800000> : tensor<f32>
# CHECK: tessera.equal %arg0, %[[NI]]
# CHECK-NOT: tessera.or
# CHECK-LABEL: // CASE: prelu
# CHECK: %[[S:.+]] = tessera.constant dense<2.500000e-01> : tensor<3x1xf32>
# CHECK: %[[M:.+]] = tessera.mul %arg0, %[[S]] : (tensor<1x3x2xf32>, tensor<3x1xf32>) -> tensor<1x3x2xf32>
# CHECK: tessera.where %{{.+}}, %[[M]], %arg0
# CHECK-LABEL: // CASE: prelu_opset6_channel
# CHECK: %[[S:.+]] = tessera.reshape %{{.+}} : tensor<3xf32> to tensor<3x1xf32>
# CHECK: tessera.mul %arg0, %[[S]] : (tensor<1x3x2xf32>, tensor<3x1xf32>) -> tensor<1x3x2xf32>
# CHECK-LABEL: // CASE: leakyrelu_int
# CHECK: (op type 'LeakyRelu', opset 17): unsupported element type (float expected)
# CHECK: // EXIT: 1
