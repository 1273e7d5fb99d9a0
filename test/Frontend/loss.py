# Loss decompositions: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss
# (reductions, weights, ignore_index, the log_prob output, element types).
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

from onnx_testlib import Suite, node

s = Suite(sys.argv[1])
NLL, SCE = "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss"


def nll(name, x, t, w=None, dt="f32", tdt="i64", opset=13, **attrs):
    ins = [("x", x, dt), ("t", t, tdt)] + ([("w", w, dt)] if w else [])
    s.add(name, [node(NLL, [i[0] for i in ins], ["loss"], **attrs)], ins, ["loss"],
          opset=opset)


def sce(name, x, t, w=None, dt="f32", outs=("loss",), opset=13, **attrs):
    ins = [("x", x, dt), ("t", t, "i64")] + ([("w", w, dt)] if w else [])
    s.add(name, [node(SCE, [i[0] for i in ins], list(outs), **attrs)], ins,
          list(outs), opset=opset)


nll("nll_none", [3, 5], [3], reduction="none")
nll("nll_mean_default", [2, 4, 3, 3], [2, 3, 3])
nll("nll_sum_weight", [3, 5, 2], [3, 2], w=[5], reduction="sum", opset=12)
nll("nll_mean_weight_negative_ii", [3, 5, 6], [3, 6], w=[5], ignore_index=-1)
nll("nll_mean_ii_f64_i32", [2, 3, 2, 2, 2], [2, 2, 2, 2], dt="f64", tdt="i32",
    ignore_index=1)
nll("nll_ii_beyond_i32", [2, 3], [2], tdt="i32", ignore_index=1 << 40)
sce("sce_mean_log_prob", [3, 5, 2], [3, 2], outs=("loss", "log_prob"))
sce("sce_none_weight_f16", [3, 5], [3], w=[5], dt="f16", reduction="none")
sce("sce_sum_ii_bf16", [2, 4], [2], dt="bf16", reduction="sum", ignore_index=10)

nll("err_reduction", [3, 5], [3], reduction="max")
sce("err_reduction_sce", [3, 5], [3], reduction="Mean")
nll("err_int_input", [3, 5], [3], dt="i32")
nll("err_float_target", [3, 5], [3], tdt="f32")
nll("err_rank1", [5], [1])
nll("err_target_shape", [3, 5, 2], [3, 5])
nll("err_weight_shape", [3, 5], [3], w=[4])
s.add("err_weight_type", [node(NLL, ["x", "t", "w"], ["loss"])],
      [("x", [3, 5], "f32"), ("t", [3], "i64"), ("w", [5], "f16")], ["loss"], opset=13)

# CHECK-LABEL: // CASE: nll_none
# CHECK: %[[T:.+]] = tessera.reshape %arg1 : tensor<3xi64> to tensor<3x1xi64>
# CHECK: %[[G:.+]] = tessera.gather_elements %arg0, %[[T]] {axis = 1 : i64} : (tensor<3x5xf32>, tensor<3x1xi64>) -> tensor<3x1xf32>
# CHECK: %[[R:.+]] = tessera.reshape %[[G]] : tensor<3x1xf32> to tensor<3xf32>
# CHECK: %[[L:.+]] = tessera.neg %[[R]] : tensor<3xf32>
# CHECK-NOT: tessera.reduce
# CHECK: return %[[L]] : tensor<3xf32>
# CHECK-LABEL: // CASE: nll_mean_default
# CHECK: tessera.gather_elements %arg0, %{{.+}} {axis = 1 : i64} : (tensor<2x4x3x3xf32>, tensor<2x1x3x3xi64>) -> tensor<2x1x3x3xf32>
# CHECK: %[[L:.+]] = tessera.neg %{{.+}} : tensor<2x3x3xf32>
# CHECK: tessera.reduce_mean %[[L]] {axes = array<i64: 0, 1, 2>, keepdims = false} : tensor<2x3x3xf32> to tensor<f32>
# CHECK-LABEL: // CASE: nll_sum_weight
# CHECK: %[[L:.+]] = tessera.neg %{{.+}} : tensor<3x2xf32>
# CHECK: %[[W:.+]] = tessera.gather %arg2, %arg1 {axis = 0 : i64} : (tensor<5xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
# CHECK: %[[M:.+]] = tessera.mul %[[L]], %[[W]]
# CHECK: %[[S:.+]] = tessera.reduce_sum %[[M]] {axes = array<i64: 0, 1>, keepdims = false} : tensor<3x2xf32> to tensor<f32>
# CHECK-NOT: tessera.div
# CHECK: return %[[S]]
# CHECK-LABEL: // CASE: nll_mean_weight_negative_ii
# CHECK: %[[II:.+]] = tessera.constant dense<-1> : tensor<i64>
# CHECK: %[[MASK:.+]] = tessera.equal %arg1, %[[II]] : (tensor<3x6xi64>, tensor<i64>) -> tensor<3x6xi1>
# CHECK: %[[Z:.+]] = tessera.constant dense<0> : tensor<i64>
# CHECK: %[[SAFE:.+]] = tessera.where %[[MASK]], %[[Z]], %arg1
# CHECK: %[[T:.+]] = tessera.reshape %[[SAFE]] : tensor<3x6xi64> to tensor<3x1x6xi64>
# CHECK: tessera.gather_elements %arg0, %[[T]] {axis = 1 : i64}
# CHECK: %[[L:.+]] = tessera.neg
# CHECK: %[[W:.+]] = tessera.gather %arg2, %[[SAFE]] {axis = 0 : i64}
# CHECK: %[[LW:.+]] = tessera.mul %[[L]], %[[W]]
# CHECK: %[[ZF:.+]] = tessera.constant dense<0.000000e+00> : tensor<f32>
# CHECK: %[[LM:.+]] = tessera.where %[[MASK]], %[[ZF]], %[[LW]]
# CHECK: %[[NUM:.+]] = tessera.reduce_sum %[[LM]] {axes = array<i64: 0, 1>, keepdims = false}
# CHECK: %[[WM:.+]] = tessera.where %[[MASK]], %[[ZF]], %[[W]]
# CHECK: %[[DEN:.+]] = tessera.reduce_sum %[[WM]] {axes = array<i64: 0, 1>, keepdims = false}
# CHECK: tessera.div %[[NUM]], %[[DEN]] : (tensor<f32>, tensor<f32>) -> tensor<f32>
# CHECK-LABEL: // CASE: nll_mean_ii_f64_i32
# CHECK: %[[MASK:.+]] = tessera.equal %arg1, %{{.+}} : (tensor<2x2x2x2xi32>, tensor<i32>) -> tensor<2x2x2x2xi1>
# CHECK: tessera.gather_elements %arg0, %{{.+}} {axis = 1 : i64} : (tensor<2x3x2x2x2xf64>, tensor<2x1x2x2x2xi32>) -> tensor<2x1x2x2x2xf64>
# CHECK: %[[NUM:.+]] = tessera.reduce_sum %{{.+}} : tensor<2x2x2x2xf64> to tensor<f64>
# CHECK: %[[ONE:.+]] = tessera.constant dense<1.000000e+00> : tensor<f64>
# CHECK: %[[WM:.+]] = tessera.where %[[MASK]], %{{.+}}, %[[ONE]] : (tensor<2x2x2x2xi1>, tensor<f64>, tensor<f64>) -> tensor<2x2x2x2xf64>
# CHECK: %[[DEN:.+]] = tessera.reduce_sum %[[WM]]
# CHECK: tessera.div %[[NUM]], %[[DEN]] : (tensor<f64>, tensor<f64>) -> tensor<f64>
# CHECK-LABEL: // CASE: nll_ii_beyond_i32
# CHECK-NOT: tessera.equal
# CHECK: tessera.reduce_mean %{{.+}} : tensor<2xf32> to tensor<f32>
# CHECK-LABEL: // CASE: sce_mean_log_prob
# CHECK: %[[LP:.+]] = tessera.log_softmax %arg0 {axis = 1 : i64} : tensor<3x5x2xf32>
# CHECK: tessera.gather_elements %[[LP]], %{{.+}} {axis = 1 : i64}
# CHECK: %[[R:.+]] = tessera.reduce_mean %{{.+}} : tensor<3x2xf32> to tensor<f32>
# CHECK: return %[[R]], %[[LP]] : tensor<f32>, tensor<3x5x2xf32>
# CHECK-LABEL: // CASE: sce_none_weight_f16
# CHECK: %[[LP:.+]] = tessera.log_softmax %arg0 {axis = 1 : i64} : tensor<3x5xf16>
# CHECK: tessera.gather_elements %[[LP]], %{{.+}} : (tensor<3x5xf16>, tensor<3x1xi64>) -> tensor<3x1xf16>
# CHECK: %[[W:.+]] = tessera.gather %arg2, %arg1 {axis = 0 : i64} : (tensor<5xf16>, tensor<3xi64>) -> tensor<3xf16>
# CHECK: %[[L:.+]] = tessera.mul %{{.+}}, %[[W]] : (tensor<3xf16>, tensor<3xf16>) -> tensor<3xf16>
# CHECK: return %[[L]] : tensor<3xf16>
# CHECK-LABEL: // CASE: sce_sum_ii_bf16
# CHECK: tessera.log_softmax %arg0 {axis = 1 : i64} : tensor<2x4xbf16>
# CHECK: %[[MASK:.+]] = tessera.equal %arg1, %{{.+}} : (tensor<2xi64>, tensor<i64>) -> tensor<2xi1>
# CHECK: %[[LM:.+]] = tessera.where %[[MASK]], %{{.+}}, %{{.+}} : (tensor<2xi1>, tensor<bf16>, tensor<2xbf16>) -> tensor<2xbf16>
# CHECK: %[[S:.+]] = tessera.reduce_sum %[[LM]] {axes = array<i64: 0>, keepdims = false} : tensor<2xbf16> to tensor<bf16>
# CHECK-NEXT: return %[[S]] : tensor<bf16>
# CHECK-LABEL: // CASE: err_reduction
# CHECK: (op type 'NegativeLogLikelihoodLoss', opset 13): unsupported reduction 'max' (expected none, sum or mean)
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: err_reduction_sce
# CHECK: (op type 'SoftmaxCrossEntropyLoss', opset 13): unsupported reduction 'Mean' (expected none, sum or mean)
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: err_int_input
# CHECK: input must have a float element type
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: err_float_target
# CHECK: target must be int32 or int64
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: err_rank1
# CHECK: input must have rank >= 2 ([N, C, d1, ...])
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: err_target_shape
# CHECK: target shape must be the input shape without dimension 1
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: err_weight_shape
# CHECK: weight must have shape [C] with C = 5
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: err_weight_type
# CHECK: weight must have the input's element type
# CHECK: // EXIT: 1
