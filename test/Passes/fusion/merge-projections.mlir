// RUN: tessera-opt %s -split-input-file -tessera-merge-projections -canonicalize | FileCheck %s
// Linear ops on one input with constant weights -> one wider GEMM + slices;
// act(x·Wg) * (x·Wu) -> glu over the merged GEMM.

// Q/K/V with biases ([N, K] weights): one [12, 4] weight, one [12] bias.
// CHECK-LABEL: func @qkv
// CHECK: %[[W:.*]] = tessera.constant dense<{{\[\[}}1.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], {{.*}}> : tensor<12x4xf32>
// CHECK: %[[B:.*]] = tessera.constant dense<[1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 2.000000e+00, {{.*}}, 3.000000e+00]> : tensor<12xf32>
// CHECK: %[[L:.*]] = tessera.linear %arg0, %[[W]] bias %[[B]] {transpose_weight = true} : (tensor<2x4xf32>, tensor<12x4xf32>, tensor<12xf32>) -> tensor<2x12xf32>
// CHECK: tessera.slice %[[L]] {starts = array<i64: 0, 0>
// CHECK: tessera.slice %[[L]] {starts = array<i64: 0, 4>
// CHECK: tessera.slice %[[L]] {starts = array<i64: 0, 8>
func.func @qkv(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %wq = tessera.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>
  %wk = tessera.constant dense<[[2.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 2.0]]> : tensor<4x4xf32>
  %wv = tessera.constant dense<[[3.0, 0.0, 0.0, 0.0], [0.0, 3.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 3.0]]> : tensor<4x4xf32>
  %bq = tessera.constant dense<1.0> : tensor<4xf32>
  %bk = tessera.constant dense<[2.0, 2.0, 2.0, 2.5]> : tensor<4xf32>
  %bv = tessera.constant dense<3.0> : tensor<4xf32>
  %q = tessera.linear %x, %wq bias %bq {transpose_weight = true} : (tensor<2x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %k = tessera.linear %x, %wk bias %bk {transpose_weight = true} : (tensor<2x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %v = tessera.linear %x, %wv bias %bv {transpose_weight = true} : (tensor<2x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %q, %k, %v : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// SwiGLU with [K, N] weights: the columns interleave per row of K.
// CHECK-LABEL: func @swiglu
// CHECK: %[[W:.*]] = tessera.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 5.000000e+00, 6.000000e+00], [3.000000e+00, 4.000000e+00, 7.000000e+00, 8.000000e+00]]> : tensor<2x4xf32>
// CHECK: %[[L:.*]] = tessera.linear %arg0, %[[W]] : (tensor<3x2xf32>, tensor<2x4xf32>) -> tensor<3x4xf32>
// CHECK: tessera.glu %[[L]] {activation = "silu"} : (tensor<3x4xf32>) -> tensor<3x2xf32>
func.func @swiglu(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %wg = tessera.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %wu = tessera.constant dense<[[5.0, 6.0], [7.0, 8.0]]> : tensor<2x2xf32>
  %g = tessera.linear %x, %wg {activation = "silu"} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %u = tessera.linear %x, %wu : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %y = tessera.mul %g, %u : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Near misses: different weight layouts, a bias on only one, a residual, a
// non-constant weight, different activations: nothing merges.
// CHECK-LABEL: func @near_misses
// CHECK-COUNT-6: tessera.linear
// CHECK-NOT: tessera.slice
// CHECK-NOT: tessera.glu
func.func @near_misses(%x: tensor<2x4xf32>, %wdyn: tensor<4x4xf32>, %r: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %w = tessera.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>
  %b = tessera.constant dense<1.0> : tensor<4xf32>
  %a = tessera.linear %x, %w {transpose_weight = true} : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %c = tessera.linear %x, %w bias %b : (tensor<2x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %d = tessera.linear %x, %w residual %r : (tensor<2x4xf32>, tensor<4x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %e = tessera.linear %x, %wdyn : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %f = tessera.linear %x, %w {activation = "relu"} : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %g = tessera.linear %x, %w {transpose_weight = true, activation = "tanh"} : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  return %a, %c, %d, %e, %f, %g : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}
