# Importer-level decompositions: BatchNormalization (inference),
# InstanceNormalization, ReduceL1/L2/LogSum/LogSumExp/SumSquare,
# DepthToSpace/SpaceToDepth, OneHot and EyeLike.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
C = lambda name, v: const(name, np.array(v, np.float32))
s.add("batchnorm", [node("BatchNormalization", ["x", "g", "b", "m", "v"], ["y"], epsilon=1e-3)],
      [("x", [2, 3, 4, 4], "f32")], ["y"],
      inits=[C("g", [1, 2, 3]), C("b", [0, 0, 1]), C("m", [0, 1, 0]), C("v", [1, 1, 4])])
# Statistics that are graph inputs: the formula, computed at run time.
s.add("batchnorm_input_stats", [node("BatchNormalization", ["x", "g", "b", "m", "v"], ["y"])],
      [("x", [2, 3, 4, 4], "f32"), ("m", [3], "f32")], ["y"],
      inits=[C("g", [1, 2, 3]), C("b", [0, 0, 1]), C("v", [1, 1, 4])])
s.add("batchnorm_training", [node("BatchNormalization", ["x", "g", "b", "m", "v"],
                                  ["y", "rm", "rv"], training_mode=1)],
      [("x", [2, 3], "f32")], ["y", "rm", "rv"],
      inits=[C("g", [1, 2, 3]), C("b", [0, 0, 1]), C("m", [0, 1, 0]), C("v", [1, 1, 4])], opset=15)
s.add("batchnorm_stats_inference", [node("BatchNormalization", ["x", "g", "b", "m", "v"],
                                         ["y", "rm"])],
      [("x", [2, 3], "f32")], ["y", "rm"],
      inits=[C("g", [1, 2, 3]), C("b", [0, 0, 1]), C("m", [0, 1, 0]), C("v", [1, 1, 4])], opset=15)
s.add("instancenorm", [node("InstanceNormalization", ["x", "g", "b"], ["y"])],
      [("x", [2, 3, 5], "f32")], ["y"], inits=[C("g", [1, 2, 3]), C("b", [0, 0, 1])])
X = [("x", [2, 3, 4], "f32")]
s.add("reducel1", [node("ReduceL1", ["x"], ["y"], axes=[1])], X, ["y"])
s.add("reducel2", [node("ReduceL2", ["x"], ["y"], axes=[-1], keepdims=0)], X, ["y"])
s.add("reducesumsquare", [node("ReduceSumSquare", ["x"], ["y"])], X, ["y"])
s.add("reducelogsum", [node("ReduceLogSum", ["x"], ["y"], axes=[0])], X, ["y"])
s.add("reducelogsumexp", [node("ReduceLogSumExp", ["x"], ["y"], axes=[2], keepdims=0)], X, ["y"])
s.add("depthtospace_crd", [node("DepthToSpace", ["x"], ["y"], blocksize=2, mode="CRD")],
      [("x", [1, 8, 2, 3], "f32")], ["y"])
s.add("spacetodepth", [node("SpaceToDepth", ["x"], ["y"], blocksize=2)],
      [("x", [1, 2, 4, 6], "f32")], ["y"])
s.add("onehot", [node("OneHot", ["i", "depth", "values"], ["y"], axis=0)],
      [("i", [2, 3], "i64")], ["y"],
      inits=[const("depth", np.array(4, np.int64)), C("values", [0, 1])])
s.add("eyelike", [node("EyeLike", ["x"], ["y"], k=1)], [("x", [3, 4], "i32")], ["y"])

# Known parameters fold at import: y = x * g/sqrt(v + eps) + (b - m * factor).
# CHECK-LABEL: // CASE: batchnorm
# CHECK: %[[F:.+]] = tessera.constant dense<{{\[\[\[}}0.999500393]], {{\[\[}}1.99900079]], {{\[\[}}1.49981248]]]> : tensor<3x1x1xf32>
# CHECK: %[[S:.+]] = tessera.mul %arg0, %[[F]] : (tensor<2x3x4x4xf32>, tensor<3x1x1xf32>) -> tensor<2x3x4x4xf32>
# CHECK: %[[B:.+]] = tessera.constant dense<{{\[\[\[}}0.000000e+00]], {{\[\[}}-1.99900079]], {{\[\[}}1.000000e+00]]]> : tensor<3x1x1xf32>
# CHECK: tessera.add %[[S]], %[[B]] : (tensor<2x3x4x4xf32>, tensor<3x1x1xf32>) -> tensor<2x3x4x4xf32>
# CHECK-NOT: tessera.rsqrt
# CHECK-LABEL: // CASE: batchnorm_input_stats
# CHECK: tessera.reshape %{{.+}} : tensor<3xf32> to tensor<3x1x1xf32>
# CHECK: tessera.rsqrt
# CHECK: %[[C:.+]] = tessera.sub %arg0, %{{.+}} : (tensor<2x3x4x4xf32>, tensor<3x1x1xf32>) -> tensor<2x3x4x4xf32>
# CHECK: %[[S:.+]] = tessera.mul %[[C]], %{{.+}} : (tensor<2x3x4x4xf32>, tensor<3x1x1xf32>) -> tensor<2x3x4x4xf32>
# CHECK: tessera.add %[[S]], %{{.+}} : (tensor<2x3x4x4xf32>, tensor<3x1x1xf32>) -> tensor<2x3x4x4xf32>
# CHECK-LABEL: // CASE: batchnorm_training
# CHECK: -> (tensor<2x3xf32> {tessera.name = "y"}, tensor<3xf32> {tessera.name = "rm"}, tensor<3xf32> {tessera.name = "rv"})
# CHECK: tessera.reduce_mean %arg0 {axes = array<i64: 0>} : tensor<2x3xf32> to tensor<1x3xf32>
# CHECK: tessera.mul %{{.+}}, %{{.+}} : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
# CHECK: tessera.rsqrt
# CHECK-LABEL: // CASE: batchnorm_stats_inference
# CHECK: (op type 'BatchNormalization', opset 15): running statistics outputs need training_mode = 1 (opset 14+)
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: instancenorm
# CHECK: %[[M:.+]] = tessera.reduce_mean %arg0 {axes = array<i64: 2>} : tensor<2x3x5xf32> to tensor<2x3x1xf32>
# CHECK: %[[D:.+]] = tessera.sub %arg0, %[[M]]
# CHECK: %[[SQ:.+]] = tessera.mul %[[D]], %[[D]]
# CHECK: tessera.reduce_mean %[[SQ]] {axes = array<i64: 2>}
# CHECK: tessera.rsqrt
# CHECK-LABEL: // CASE: reducel1
# CHECK: %[[A:.+]] = tessera.abs %arg0
# CHECK: tessera.reduce_sum %[[A]] {axes = array<i64: 1>} : tensor<2x3x4xf32> to tensor<2x1x4xf32>
# CHECK-LABEL: // CASE: reducel2
# CHECK: %[[SQ:.+]] = tessera.mul %arg0, %arg0
# CHECK: %[[R:.+]] = tessera.reduce_sum %[[SQ]] {axes = array<i64: 2>, keepdims = false} : tensor<2x3x4xf32> to tensor<2x3xf32>
# CHECK: tessera.sqrt %[[R]] : tensor<2x3xf32>
# CHECK-LABEL: // CASE: reducesumsquare
# CHECK: tessera.reduce_sum %{{.+}} {axes = array<i64: 0, 1, 2>} : tensor<2x3x4xf32> to tensor<1x1x1xf32>
# CHECK-NOT: tessera.sqrt
# CHECK-LABEL: // CASE: reducelogsum
# CHECK: %[[R:.+]] = tessera.reduce_sum %arg0 {axes = array<i64: 0>}
# CHECK: tessera.log %[[R]] : tensor<1x3x4xf32>
# CHECK-LABEL: // CASE: reducelogsumexp
# CHECK: %[[MX:.+]] = tessera.reduce_max %arg0 {axes = array<i64: 2>} : tensor<2x3x4xf32> to tensor<2x3x1xf32>
# CHECK: %[[SH:.+]] = tessera.sub %arg0, %[[MX]]
# CHECK: %[[E:.+]] = tessera.exp %[[SH]]
# CHECK: %[[S:.+]] = tessera.reduce_sum %[[E]] {axes = array<i64: 2>}
# CHECK: %[[L:.+]] = tessera.log %[[S]]
# CHECK: %[[R:.+]] = tessera.add %[[L]], %[[MX]]
# CHECK: tessera.reshape %[[R]] : tensor<2x3x1xf32> to tensor<2x3xf32>
# CHECK-LABEL: // CASE: depthtospace_crd
# CHECK: tessera.reshape %arg0 : tensor<1x8x2x3xf32> to tensor<1x2x2x2x2x3xf32>
# CHECK: tessera.transpose %{{.+}} {perm = array<i64: 0, 1, 4, 2, 5, 3>} : tensor<1x2x2x2x2x3xf32> to tensor<1x2x2x2x3x2xf32>
# CHECK: tessera.reshape %{{.+}} : tensor<1x2x2x2x3x2xf32> to tensor<1x2x4x6xf32>
# CHECK-LABEL: // CASE: spacetodepth
# CHECK: tessera.reshape %arg0 : tensor<1x2x4x6xf32> to tensor<1x2x2x2x3x2xf32>
# CHECK: tessera.transpose %{{.+}} {perm = array<i64: 0, 3, 5, 1, 2, 4>}
# CHECK: tessera.reshape %{{.+}} : tensor<1x2x2x2x2x3xf32> to tensor<1x8x2x3xf32>
# CHECK-LABEL: // CASE: onehot
# CHECK: tessera.less %arg0
# CHECK: tessera.where
# CHECK: %[[R:.+]] = tessera.constant dense<{{\[\[\[}}0]], {{\[\[}}1]], {{\[\[}}2]], {{\[\[}}3]]]> : tensor<4x1x1xi64>
# CHECK: %[[I:.+]] = tessera.reshape %{{.+}} : tensor<2x3xi64> to tensor<1x2x3xi64>
# CHECK: %[[H:.+]] = tessera.equal %[[I]], %[[R]] : (tensor<1x2x3xi64>, tensor<4x1x1xi64>) -> tensor<4x2x3xi1>
# CHECK: tessera.where %[[H]], %{{.+}}, %{{.+}} : (tensor<4x2x3xi1>, tensor<f32>, tensor<f32>) -> tensor<4x2x3xf32>
# CHECK-LABEL: // CASE: eyelike
# CHECK: tessera.constant dense<{{\[\[}}0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]> : tensor<3x4xi32>
