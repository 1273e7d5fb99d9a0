# Importer-level decompositions: Hardmax (opset 13 and the 2-D coercion
# before it), Shrink, LRN, MeanVarianceNormalization, ReverseSequence, TopK
# (repeated selection) and Det (up to 3x3).
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
X = [("x", [2, 3, 4], "f32")]
K = lambda k: const("k", np.array([k], np.int64))
s.add("hardmax", [node("Hardmax", ["x"], ["y"], axis=1)], X, ["y"])
s.add("hardmax_opset11", [node("Hardmax", ["x"], ["y"])], X, ["y"], opset=11)
s.add("shrink", [node("Shrink", ["x"], ["y"], lambd=1.5, bias=0.5)], X, ["y"])
s.add("shrink_int", [node("Shrink", ["x"], ["y"], lambd=1.5, bias=2.0)],
      [("x", [5], "i32")], ["y"])
s.add("lrn", [node("LRN", ["x"], ["y"], size=4, alpha=2e-4, beta=0.5, bias=2.0)],
      [("x", [2, 5, 3, 3], "f32")], ["y"])
s.add("mvn", [node("MeanVarianceNormalization", ["x"], ["y"])],
      [("x", [2, 3, 4, 5], "f32")], ["y"])
s.add("mvn_axes", [node("MeanVarianceNormalization", ["x"], ["y"], axes=[-1])], X, ["y"])
s.add("reversesequence", [node("ReverseSequence", ["x", "lens"], ["y"],
                               batch_axis=0, time_axis=1)],
      [("x", [3, 4, 2], "f32"), ("lens", [3], "i64")], ["y"])
s.add("topk", [node("TopK", ["x", "k"], ["v", "i"], axis=1)], X, ["v", "i"], inits=[K(2)])
s.add("topk_smallest_int", [node("TopK", ["x", "k"], ["v", "i"], largest=0)],
      [("x", [2, 5], "i32")], ["v", "i"], inits=[K(1)])
s.add("topk_opset9", [node("TopK", ["x"], ["v", "i"], k=1)], X, ["v", "i"], opset=9)
s.add("det2", [node("Det", ["x"], ["y"])], [("x", [3, 2, 2], "f32")], ["y"])
s.add("det3", [node("Det", ["x"], ["y"])], [("x", [3, 3], "f32")], ["y"])
# Errors.
s.add("hardmax_int", [node("Hardmax", ["x"], ["y"])], [("x", [2, 3], "i32")], ["y"])
s.add("hardmax_axis", [node("Hardmax", ["x"], ["y"], axis=3)], X, ["y"])
s.add("shrink_fraction", [node("Shrink", ["x"], ["y"], bias=0.5)], [("x", [4], "i32")], ["y"])
s.add("shrink_bool", [node("Shrink", ["x"], ["y"])], [("x", [4], "bool")], ["y"])
s.add("lrn_no_size", [node("LRN", ["x"], ["y"])], [("x", [1, 3, 2, 2], "f32")], ["y"])
s.add("mvn_axis", [node("MeanVarianceNormalization", ["x"], ["y"])], X, ["y"])
s.add("reversesequence_axes", [node("ReverseSequence", ["x", "lens"], ["y"],
                                    batch_axis=0, time_axis=0)],
      [("x", [3, 4], "f32"), ("lens", [3], "i64")], ["y"])
s.add("reversesequence_lens", [node("ReverseSequence", ["x", "lens"], ["y"])],
      [("x", [3, 4], "f32"), ("lens", [3], "i64")], ["y"])
s.add("topk_runtime_k", [node("TopK", ["x", "k"], ["v", "i"])],
      [("x", [2, 3], "f32"), ("k", [1], "i64")], ["v", "i"])
s.add("topk_too_big", [node("TopK", ["x", "k"], ["v", "i"])], X, ["v", "i"], inits=[K(5)])
s.add("topk_many", [node("TopK", ["x", "k"], ["v", "i"])], [("x", [100], "f32")],
      ["v", "i"], inits=[K(65)])
s.add("det4", [node("Det", ["x"], ["y"])], [("x", [4, 4], "f32")], ["y"])
s.add("det_not_square", [node("Det", ["x"], ["y"])], [("x", [2, 3], "f32")], ["y"])
s.add("det_too_big", [node("Det", ["x"], ["y"])], [("x", [65, 65], "f32")], ["y"])
s.add("compress_axis1", [node("Compress", ["x", "c"], ["y"], axis=1)], [("x", [2, 3], "f32")],
      ["y"], inits=[const("c", np.array([True, False, True]))], opset=13)
s.add("compress_flat", [node("Compress", ["x", "c"], ["y"])], [("x", [2, 2], "f32")], ["y"],
      inits=[const("c", np.array([False, True, True]))], opset=13)
s.add("compress_runtime_condition", [node("Compress", ["x", "c"], ["y"], axis=0)],
      [("x", [2, 3], "f32"), ("c", [2], "bool")], ["y"], opset=13)
s.add("compress_too_long", [node("Compress", ["x", "c"], ["y"], axis=0)], [("x", [2, 3], "f32")],
      ["y"], inits=[const("c", np.array([True, False, True]))], opset=13)

# CHECK-LABEL: // CASE: hardmax
# CHECK: %[[A:.+]] = tessera.argmax %arg0 {axis = 1 : i64} : tensor<2x3x4xf32> to tensor<2x1x4xi64>
# CHECK: %[[R:.+]] = tessera.constant dense<{{\[\[\[}}0], [1], [2]]]> : tensor<1x3x1xi64>
# CHECK: %[[H:.+]] = tessera.equal %[[A]], %[[R]] : (tensor<2x1x4xi64>, tensor<1x3x1xi64>) -> tensor<2x3x4xi1>
# CHECK: tessera.where %[[H]], %{{.+}}, %{{.+}} : (tensor<2x3x4xi1>, tensor<f32>, tensor<f32>) -> tensor<2x3x4xf32>
# CHECK-LABEL: // CASE: hardmax_opset11
# CHECK: %[[X:.+]] = tessera.reshape %arg0 : tensor<2x3x4xf32> to tensor<2x12xf32>
# CHECK: tessera.argmax %[[X]] {axis = 1 : i64} : tensor<2x12xf32> to tensor<2x1xi64>
# CHECK: tessera.reshape %{{.+}} : tensor<2x12xf32> to tensor<2x3x4xf32>
# CHECK-LABEL: // CASE: shrink
# CHECK: %[[B:.+]] = tessera.constant dense<5.000000e-01> : tensor<f32>
# CHECK: %[[S:.+]] = tessera.sub %arg0, %[[B]]
# CHECK: %[[HI:.+]] = tessera.constant dense<1.500000e+00> : tensor<f32>
# CHECK: %[[G:.+]] = tessera.greater %arg0, %[[HI]]
# CHECK: %[[U:.+]] = tessera.where %[[G]], %[[S]], %{{.+}}
# CHECK: %[[A:.+]] = tessera.add %arg0, %[[B]]
# CHECK: %[[LO:.+]] = tessera.constant dense<-1.500000e+00> : tensor<f32>
# CHECK: %[[L:.+]] = tessera.less %arg0, %[[LO]]
# CHECK: tessera.where %[[L]], %[[A]], %[[U]] : (tensor<2x3x4xi1>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
# CHECK-LABEL: // CASE: shrink_int
# CHECK: %[[HI:.+]] = tessera.constant dense<1> : tensor<i32>
# CHECK: tessera.greater %arg0, %[[HI]] : (tensor<5xi32>, tensor<i32>) -> tensor<5xi1>
# CHECK: %[[LO:.+]] = tessera.constant dense<-1> : tensor<i32>
# CHECK: tessera.less %arg0, %[[LO]] : (tensor<5xi32>, tensor<i32>) -> tensor<5xi1>
# CHECK-LABEL: // CASE: lrn
# CHECK: %[[SQ:.+]] = tessera.mul %arg0, %arg0
# CHECK: %[[R:.+]] = tessera.reshape %[[SQ]] : tensor<2x5x3x3xf32> to tensor<2x1x5x9xf32>
# CHECK: %[[P:.+]] = tessera.avg_pool %[[R]] {count_include_pad = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 4, 1>, pads = array<i64: 1, 0, 2, 0>, strides = array<i64: 1, 1>} : tensor<2x1x5x9xf32> to tensor<2x1x5x9xf32>
# CHECK: %[[ALPHA:.+]] = tessera.constant dense<2.000000e-04> : tensor<f32>
# CHECK: %[[PR:.+]] = tessera.reshape %[[P]] : tensor<2x1x5x9xf32> to tensor<2x5x3x3xf32>
# CHECK: %[[M:.+]] = tessera.mul %[[PR]], %[[ALPHA]]
# CHECK: %[[BASE:.+]] = tessera.add %[[M]], %{{.+}}
# CHECK: %[[D:.+]] = tessera.pow %[[BASE]], %{{.+}}
# CHECK: tessera.div %arg0, %[[D]]
# CHECK-LABEL: // CASE: mvn
# CHECK: %[[M:.+]] = tessera.reduce_mean %arg0 {axes = array<i64: 0, 2, 3>} : tensor<2x3x4x5xf32> to tensor<1x3x1x1xf32>
# CHECK: %[[SQ:.+]] = tessera.mul %arg0, %arg0
# CHECK: %[[M2:.+]] = tessera.reduce_mean %[[SQ]] {axes = array<i64: 0, 2, 3>}
# CHECK: %[[MM:.+]] = tessera.mul %[[M]], %[[M]]
# CHECK: %[[V:.+]] = tessera.sub %[[M2]], %[[MM]]
# CHECK: %[[EPS:.+]] = tessera.constant dense<9.99999971E-10> : tensor<f32>
# CHECK: %[[VE:.+]] = tessera.add %[[V]], %[[EPS]]
# CHECK: %[[SD:.+]] = tessera.sqrt %[[VE]]
# CHECK: %[[C:.+]] = tessera.sub %arg0, %[[M]]
# CHECK: tessera.div %[[C]], %[[SD]] : (tensor<2x3x4x5xf32>, tensor<1x3x1x1xf32>) -> tensor<2x3x4x5xf32>
# CHECK-LABEL: // CASE: mvn_axes
# CHECK: tessera.reduce_mean %arg0 {axes = array<i64: 2>} : tensor<2x3x4xf32> to tensor<2x3x1xf32>
# CHECK-LABEL: // CASE: reversesequence
# CHECK: %[[L:.+]] = tessera.reshape %arg1 : tensor<3xi64> to tensor<3x1x1xi64>
# CHECK: %[[L0:.+]] = tessera.max %[[L]], %{{.+}}
# CHECK: %[[LC:.+]] = tessera.min %[[L0]], %{{.+}}
# CHECK: %[[T:.+]] = tessera.constant dense<{{\[\[\[}}0], [1], [2], [3]]]> : tensor<1x4x1xi64>
# CHECK: %[[L1:.+]] = tessera.sub %[[LC]], %{{.+}}
# CHECK: %[[REV:.+]] = tessera.sub %[[L1]], %[[T]] : (tensor<3x1x1xi64>, tensor<1x4x1xi64>) -> tensor<3x4x1xi64>
# CHECK: %[[IN:.+]] = tessera.less %[[T]], %[[LC]]
# CHECK: %[[I:.+]] = tessera.where %[[IN]], %[[REV]], %[[T]]
# CHECK: %[[IB:.+]] = tessera.broadcast_to %[[I]] : tensor<3x4x1xi64> to tensor<3x4x2xi64>
# CHECK: tessera.gather_elements %arg0, %[[IB]] {axis = 1 : i64} : (tensor<3x4x2xf32>, tensor<3x4x2xi64>) -> tensor<3x4x2xf32>
# CHECK-LABEL: // CASE: topk
# CHECK: %[[FILL:.+]] = tessera.constant dense<0xFF800000> : tensor<f32>
# CHECK: %[[IOTA:.+]] = tessera.constant dense<{{\[\[\[}}0], [1], [2]]]> : tensor<1x3x1xi64>
# CHECK: %[[V0:.+]] = tessera.reduce_max %arg0 {axes = array<i64: 1>} : tensor<2x3x4xf32> to tensor<2x1x4xf32>
# CHECK: %[[I0:.+]] = tessera.reduce_min %{{.+}} {axes = array<i64: 1>} : tensor<2x3x4xi64> to tensor<2x1x4xi64>
# CHECK: %[[SEL:.+]] = tessera.equal %[[IOTA]], %[[I0]]
# CHECK: %[[MASKED:.+]] = tessera.where %[[SEL]], %[[FILL]], %arg0
# CHECK: %[[V1:.+]] = tessera.reduce_max %[[MASKED]]
# CHECK: %[[NOT:.+]] = tessera.not %[[SEL]]
# CHECK: tessera.and %{{.+}}, %[[NOT]]
# CHECK: %[[I1:.+]] = tessera.reduce_min
# CHECK-NOT: tessera.or
# CHECK: tessera.concat %[[V0]], %[[V1]] {axis = 1 : i64} : (tensor<2x1x4xf32>, tensor<2x1x4xf32>) -> tensor<2x2x4xf32>
# CHECK: tessera.concat %[[I0]], %[[I1]] {axis = 1 : i64} : (tensor<2x1x4xi64>, tensor<2x1x4xi64>) -> tensor<2x2x4xi64>
# CHECK-LABEL: // CASE: topk_smallest_int
# CHECK: %[[V:.+]] = tessera.reduce_min %arg0 {axes = array<i64: 1>} : tensor<2x5xi32> to tensor<2x1xi32>
# CHECK: %[[I:.+]] = tessera.reduce_min %{{.+}} {axes = array<i64: 1>} : tensor<2x5xi64> to tensor<2x1xi64>
# CHECK: return %[[V]], %[[I]]
# CHECK-LABEL: // CASE: topk_opset9
# CHECK: tessera.reduce_max %arg0 {axes = array<i64: 2>} : tensor<2x3x4xf32> to tensor<2x3x1xf32>
# CHECK-LABEL: // CASE: det2
# CHECK: tessera.slice %arg0 {starts = array<i64: 0, 1, 1>, steps = array<i64: 1, 1, 1>} : tensor<3x2x2xf32> to tensor<3x1x1xf32>
# CHECK: %[[BC:.+]] = tessera.mul
# CHECK: %[[AD:.+]] = tessera.mul
# CHECK: tessera.sub %[[AD]], %[[BC]] : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
# CHECK-LABEL: // CASE: det3
# CHECK-COUNT-9: tessera.slice
# CHECK-NOT: tessera.slice
# CHECK: tessera.add %{{.+}}, %{{.+}} : (tensor<f32>, tensor<f32>) -> tensor<f32>
# CHECK-LABEL: // CASE: hardmax_int
# CHECK: (op type 'Hardmax', opset 17): input must be a float tensor of rank >= 1
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: hardmax_axis
# CHECK: axis 3 is out of range for rank 3
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: shrink_fraction
# CHECK: bias and lambd must be integral and in range for an integer input
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: shrink_bool
# CHECK: unsupported element type (numeric expected)
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: lrn_no_size
# CHECK: attribute 'size' must be present and positive
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: mvn_axis
# CHECK: (op type 'MeanVarianceNormalization', opset 17): axis 3 is out of range for rank 3
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: reversesequence_axes
# CHECK: needs rank >= 2 and batch_axis, time_axis of 0 and 1
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: reversesequence_lens
# CHECK: sequence_lens must hold one integer per batch entry
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: topk_runtime_k
# CHECK: k (input 1 'k') must be a constant known at import time
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: topk_too_big
# CHECK: k = 5 must be in [1, 4]
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: topk_many
# CHECK: k = 65 is above the supported 64
# CHECK: // EXIT: 1
# Beyond 3x3: elimination with partial pivoting, per column the row of the
# largest magnitude gathered into place, the sign and pivot into the product.
# CHECK-LABEL: // CASE: det4
# CHECK: %[[ROWS:.+]] = tessera.constant dense<{{\[}}[0], [1], [2], [3]]> : tensor<4x1xi64>
# CHECK: %[[COL:.+]] = tessera.slice %arg0 {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<4x4xf32> to tensor<4x1xf32>
# CHECK: %[[MAG:.+]] = tessera.abs %[[COL]]
# CHECK: tessera.argmax %[[MAG]] {axis = 0 : i64} : tensor<4x1xf32> to tensor<1x1xi64>
# CHECK: %[[IDX:.+]] = tessera.broadcast_to %{{.+}} : tensor<4x1xi64> to tensor<4x4xi64>
# CHECK: %[[SWAPPED:.+]] = tessera.gather_elements %arg0, %[[IDX]] {axis = 0 : i64}
# CHECK: tessera.div %{{.+}}, %{{.+}} : (tensor<3x1xf32>, tensor<1x1xf32>) -> tensor<3x1xf32>
# CHECK: tessera.concat %{{.+}}, %{{.+}} {axis = 0 : i64} : (tensor<1x4xf32>, tensor<3x4xf32>) -> tensor<4x4xf32>
# CHECK: tessera.argmax %{{.+}} {axis = 0 : i64} : tensor<3x1xf32> to tensor<1x1xi64>
# CHECK: tessera.argmax %{{.+}} {axis = 0 : i64} : tensor<2x1xf32> to tensor<1x1xi64>
# CHECK-NOT: tessera.argmax
# CHECK: %[[DET:.+]] = tessera.reshape %{{.+}} : tensor<1x1xf32> to tensor<f32>
# CHECK: return %[[DET]] : tensor<f32>
# CHECK-LABEL: // CASE: det_not_square
# CHECK: expects square matrices, found 2x3
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: det_too_big
# CHECK: matrices larger than 64x64 are not supported, found 65x65
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: compress_axis1
# CHECK: %[[I:.+]] = tessera.constant dense<[0, 2]> : tensor<2xi64>
# CHECK: tessera.gather %arg0, %[[I]] {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x2xf32>
# CHECK-LABEL: // CASE: compress_flat
# CHECK: %[[F:.+]] = tessera.reshape %arg0 : tensor<2x2xf32> to tensor<4xf32>
# CHECK: tessera.gather %[[F]], %{{.+}} {axis = 0 : i64} : (tensor<4xf32>, tensor<2xi64>) -> tensor<2xf32>
# CHECK-LABEL: // CASE: compress_runtime_condition
# CHECK: condition (input 1 'c') must be a constant known at import time
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: compress_too_long
# CHECK: condition has 3 entries for an axis of size 2
# CHECK: // EXIT: 1
