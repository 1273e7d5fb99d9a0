# Reductions across the attribute->input move (ReduceSum at 13, the others
# at 18), ArgMax/ArgMin, Softmax/LogSoftmax (incl. the pre-13 2-D coercion)
# and LayerNormalization.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
X = [("x", [2, 3, 4], "f32")]
axes = lambda *a: const("axes", np.array(a, np.int64))
s.add("reducemean_attr", [node("ReduceMean", ["x"], ["y"], axes=[-1])], X, ["y"])
s.add("reducemean_opset18", [node("ReduceMean", ["x", "axes"], ["y"], keepdims=0)], X, ["y"],
      inits=[axes(0, 2)], opset=18)
s.add("reducesum_input", [node("ReduceSum", ["x", "axes"], ["y"])], X, ["y"], inits=[axes(1)])
s.add("reducesum_all", [node("ReduceSum", ["x"], ["y"], keepdims=0)], X, ["y"])
s.add("reducesum_noop", [node("ReduceSum", ["x"], ["y"], noop_with_empty_axes=1)], X, ["y"])
s.add("reducesum_opset11", [node("ReduceSum", ["x"], ["y"], axes=[2, 0])], X, ["y"], opset=11)
s.add("reducemax", [node("ReduceMax", ["x"], ["y"], axes=[1], keepdims=0)], X, ["y"])
s.add("reducemin", [node("ReduceMin", ["x"], ["y"], axes=[0])], X, ["y"])
s.add("reduceprod", [node("ReduceProd", ["x"], ["y"], axes=[2])], X, ["y"])
s.add("argmax", [node("ArgMax", ["x"], ["y"], axis=-1, keepdims=0)], X, ["y"])
s.add("argmin", [node("ArgMin", ["x"], ["y"], axis=1, select_last_index=1)], X, ["y"])
s.add("globalaveragepool", [node("GlobalAveragePool", ["img"], ["y"])],
      [("img", [1, 3, 4, 5], "f32")], ["y"])
s.add("globalmaxpool", [node("GlobalMaxPool", ["img"], ["y"])], [("img", [1, 3, 6], "f32")], ["y"])
s.add("softmax", [node("Softmax", ["x"], ["y"])], X, ["y"])
s.add("softmax_axis1", [node("Softmax", ["x"], ["y"], axis=1)], X, ["y"])
s.add("softmax_opset11", [node("Softmax", ["x"], ["y"])], X, ["y"], opset=11)
s.add("logsoftmax", [node("LogSoftmax", ["x"], ["y"], axis=-1)], X, ["y"])
s.add("layernorm", [node("LayerNormalization", ["x", "g", "b"], ["y"], epsilon=1e-6)], X, ["y"],
      inits=[const("g", np.ones(4, np.float32)), const("b", np.zeros(4, np.float32))])
s.add("layernorm_axis1_nobias", [node("LayerNormalization", ["x", "g"], ["y"], axis=1)], X, ["y"],
      inits=[const("g", np.ones((3, 4), np.float32))])
s.add("layernorm_stats", [node("LayerNormalization", ["x", "g", "b"], ["y", "mean", "inv"],
                               axis=1)], X, ["y", "mean", "inv"],
      inits=[const("g", np.ones((3, 4), np.float32)), const("b", np.zeros((3, 4), np.float32))])

# Expected IR, one block per case in the order above.
# CHECK-LABEL: // CASE: reducemean_attr
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x1xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reduce_mean %arg0 {axes = array<i64: 2>} : tensor<2x3x4xf32> to tensor<2x3x1xf32>
# CHECK-LABEL: // CASE: reducemean_opset18
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<3xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reduce_mean %arg0 {axes = array<i64: 0, 2>, keepdims = false} : tensor<2x3x4xf32> to tensor<3xf32>
# CHECK-LABEL: // CASE: reducesum_input
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x1x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reduce_sum %arg0 {axes = array<i64: 1>} : tensor<2x3x4xf32> to tensor<2x1x4xf32>
# CHECK-LABEL: // CASE: reducesum_all
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<f32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reduce_sum %arg0 {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x3x4xf32> to tensor<f32>
# CHECK-LABEL: // CASE: reducesum_noop
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x4xf32> {tessera.name = "y"}) {
# CHECK-LABEL: // CASE: reducesum_opset11
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<1x3x1xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reduce_sum %arg0 {axes = array<i64: 0, 2>} : tensor<2x3x4xf32> to tensor<1x3x1xf32>
# CHECK-LABEL: // CASE: reducemax
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reduce_max %arg0 {axes = array<i64: 1>, keepdims = false} : tensor<2x3x4xf32> to tensor<2x4xf32>
# CHECK-LABEL: // CASE: reducemin
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<1x3x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reduce_min %arg0 {axes = array<i64: 0>} : tensor<2x3x4xf32> to tensor<1x3x4xf32>
# CHECK-LABEL: // CASE: reduceprod
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x1xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reduce_prod %arg0 {axes = array<i64: 2>} : tensor<2x3x4xf32> to tensor<2x3x1xf32>
# CHECK-LABEL: // CASE: argmax
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3xi64> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.argmax %arg0 {axis = 2 : i64, keepdims = false} : tensor<2x3x4xf32> to tensor<2x3xi64>
# CHECK-LABEL: // CASE: argmin
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x1x4xi64> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.argmin %arg0 {axis = 1 : i64, select_last_index = true} : tensor<2x3x4xf32> to tensor<2x1x4xi64>
# CHECK-LABEL: // CASE: globalaveragepool
# CHECK: func.func @main_graph(%arg0: tensor<1x3x4x5xf32> {tessera.name = "img"}) -> (tensor<1x3x1x1xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reduce_mean %arg0 {axes = array<i64: 2, 3>} : tensor<1x3x4x5xf32> to tensor<1x3x1x1xf32>
# CHECK-LABEL: // CASE: globalmaxpool
# CHECK: func.func @main_graph(%arg0: tensor<1x3x6xf32> {tessera.name = "img"}) -> (tensor<1x3x1xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reduce_max %arg0 {axes = array<i64: 2>} : tensor<1x3x6xf32> to tensor<1x3x1xf32>
# CHECK-LABEL: // CASE: softmax
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.softmax %arg0 {axis = 2 : i64} : tensor<2x3x4xf32>
# CHECK-LABEL: // CASE: softmax_axis1
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.softmax %arg0 {axis = 1 : i64} : tensor<2x3x4xf32>
# CHECK-LABEL: // CASE: softmax_opset11
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reshape %arg0 : tensor<2x3x4xf32> to tensor<2x12xf32>
# CHECK: {{%[0-9]+}} = tessera.softmax {{%[0-9]+}} {axis = 1 : i64} : tensor<2x12xf32>
# CHECK: {{%[0-9]+}} = tessera.reshape {{%[0-9]+}} : tensor<2x12xf32> to tensor<2x3x4xf32>
# CHECK-LABEL: // CASE: logsoftmax
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.log_softmax %arg0 {axis = 2 : i64} : tensor<2x3x4xf32>
# CHECK-LABEL: // CASE: layernorm
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<1.000000e+00> : tensor<4xf32>
# CHECK: {{%[0-9]+}} = tessera.constant dense<0.000000e+00> : tensor<4xf32>
# CHECK: {{%[0-9]+}} = tessera.layer_norm %arg0, {{%[0-9]+}}, {{%[0-9]+}} {axis = 2 : i64, epsilon = 9.99999997E-7 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
# CHECK-LABEL: // CASE: layernorm_axis1_nobias
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<1.000000e+00> : tensor<3x4xf32>
# CHECK: {{%[0-9]+}} = tessera.layer_norm %arg0, {{%[0-9]+}} {axis = 1 : i64, epsilon = 9.99999974E-6 : f32} : (tensor<2x3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
# CHECK-LABEL: // CASE: layernorm_stats
# CHECK: -> (tensor<2x3x4xf32> {tessera.name = "y"}, tensor<2x1x1xf32> {tessera.name = "mean"}, tensor<2x1x1xf32> {tessera.name = "inv"})
# CHECK: %[[MU:.+]] = tessera.reduce_mean %arg0 {axes = array<i64: 1, 2>} : tensor<2x3x4xf32> to tensor<2x1x1xf32>
# CHECK: %[[D:.+]] = tessera.sub %arg0, %[[MU]]
# CHECK: tessera.rsqrt
