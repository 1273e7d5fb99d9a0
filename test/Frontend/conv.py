# Conv: 1-D depthwise causal (Mamba), 2-D strided patch embedding (ViT),
# auto_pad SAME_UPPER/SAME_LOWER/VALID, dilations, groups, bias.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
rng = np.random.default_rng(0)


def conv(name, x, w, bias=True, **attrs):
    ins = ["x", "w"] + (["b"] if bias else [])
    inits = [const("w", rng.standard_normal(w).astype(np.float32))]
    if bias:
        inits.append(const("b", np.zeros(w[0], np.float32)))
    s.add(name, [node("Conv", ins, ["y"], **attrs)], [("x", list(x), "f32")], ["y"], inits=inits)


conv("conv1d_depthwise_causal", (1, 8, 16), (8, 1, 4), group=8, pads=[3, 3])
conv("conv2d_patch", (1, 3, 16, 16), (4, 3, 4, 4), strides=[4, 4])
conv("conv2d_same_upper", (1, 4, 9, 9), (8, 4, 3, 3), bias=False, auto_pad="SAME_UPPER",
     strides=[2, 2])
conv("conv2d_same_lower", (1, 4, 8, 8), (8, 4, 2, 2), bias=False, auto_pad="SAME_LOWER")
conv("conv2d_valid_dilated", (2, 4, 10, 10), (6, 2, 3, 3), auto_pad="VALID", dilations=[2, 2],
     group=2)
conv("conv2d_pads", (1, 4, 8, 8), (4, 4, 3, 3), pads=[1, 0, 2, 1], kernel_shape=[3, 3])

# Expected IR, one block per case in the order above.
# CHECK-LABEL: // CASE: conv1d_depthwise_causal
# CHECK: func.func @main_graph(%arg0: tensor<1x8x16xf32> {tessera.name = "x"}) -> (tensor<1x8x19xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<{{\[\[}}[0.125730217, -0.132104859, 0.640422642, 0.104900114]], {{\[\[}}-0.535669386, 0.361595064, 1.304000e+00, 0.947080969]], {{\[\[}}-0.703735232, -1.26542151, -0.623274446, 0.0413259789]], {{\[\[}}-2.3250308, -0.218791664, -1.245911, -0.73226738]], {{\[\[}}-5.442590e-01, -0.316300154, 0.411630541, 1.04251337]], {{\[\[}}-0.12853466, 1.36646342, -0.66519469, 0.351510078]], {{\[\[}}0.903470158, 0.0940122976, -0.743499279, -0.921725392]], {{\[\[}}-0.457725823, 0.22019513, -1.00961816, -0.209175572]]]> : tensor<8x1x4xf32>
# CHECK: {{%[0-9]+}} = tessera.constant dense<0.000000e+00> : tensor<8xf32>
# CHECK: {{%[0-9]+}} = tessera.conv %arg0, {{%[0-9]+}}, {{%[0-9]+}} {dilations = array<i64: 1>, group = 8 : i64, pads = array<i64: 3, 3>, strides = array<i64: 1>} : (tensor<1x8x16xf32>, tensor<8x1x4xf32>, tensor<8xf32>) -> tensor<1x8x19xf32>
# CHECK-LABEL: // CASE: conv2d_patch
# CHECK: func.func @main_graph(%arg0: tensor<1x3x16x16xf32> {tessera.name = "x"}) -> (tensor<1x4x4x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense_resource<{{.*}}> : tensor<4x3x4x4xf32>
# CHECK: {{%[0-9]+}} = tessera.constant dense<0.000000e+00> : tensor<4xf32>
# CHECK: {{%[0-9]+}} = tessera.conv %arg0, {{%[0-9]+}}, {{%[0-9]+}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 4, 4>} : (tensor<1x3x16x16xf32>, tensor<4x3x4x4xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
# CHECK: dialect_resources: {
# CHECK-LABEL: // CASE: conv2d_same_upper
# CHECK: func.func @main_graph(%arg0: tensor<1x4x9x9xf32> {tessera.name = "x"}) -> (tensor<1x8x5x5xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense_resource<{{.*}}> : tensor<8x4x3x3xf32>
# CHECK: {{%[0-9]+}} = tessera.conv %arg0, {{%[0-9]+}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x9x9xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x5x5xf32>
# CHECK: dialect_resources: {
# CHECK-LABEL: // CASE: conv2d_same_lower
# CHECK: func.func @main_graph(%arg0: tensor<1x4x8x8xf32> {tessera.name = "x"}) -> (tensor<1x8x8x8xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense_resource<{{.*}}> : tensor<8x4x2x2xf32>
# CHECK: {{%[0-9]+}} = tessera.conv %arg0, {{%[0-9]+}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<8x4x2x2xf32>) -> tensor<1x8x8x8xf32>
# CHECK: dialect_resources: {
# CHECK-LABEL: // CASE: conv2d_valid_dilated
# CHECK: func.func @main_graph(%arg0: tensor<2x4x10x10xf32> {tessera.name = "x"}) -> (tensor<2x6x6x6xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense_resource<{{.*}}> : tensor<6x2x3x3xf32>
# CHECK: {{%[0-9]+}} = tessera.constant dense<0.000000e+00> : tensor<6xf32>
# CHECK: {{%[0-9]+}} = tessera.conv %arg0, {{%[0-9]+}}, {{%[0-9]+}} {dilations = array<i64: 2, 2>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<2x4x10x10xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<2x6x6x6xf32>
# CHECK: dialect_resources: {
# CHECK-LABEL: // CASE: conv2d_pads
# CHECK: func.func @main_graph(%arg0: tensor<1x4x8x8xf32> {tessera.name = "x"}) -> (tensor<1x4x9x7xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense_resource<{{.*}}> : tensor<4x4x3x3xf32>
# CHECK: {{%[0-9]+}} = tessera.constant dense<0.000000e+00> : tensor<4xf32>
# CHECK: {{%[0-9]+}} = tessera.conv %arg0, {{%[0-9]+}}, {{%[0-9]+}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 0, 2, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>, tensor<4xf32>) -> tensor<1x4x9x7xf32>
# CHECK: dialect_resources: {
