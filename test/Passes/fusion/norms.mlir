// RUN: tessera-opt %s -split-input-file -tessera-fuse-norms -canonicalize | FileCheck %s
// Decomposed LayerNorm / RMSNorm -> tessera.layer_norm / tessera.rms_norm,
// with the affine part folded in; near misses stay.

// (x - mean) / sqrt(mean((x - mean)^2) + eps) * g + b
// CHECK-LABEL: func @layer_norm
// CHECK: %[[N:.*]] = tessera.layer_norm %arg0, %arg1, %arg2 {axis = 2 : i64, epsilon = 9.99999974E-6 : f32} : (tensor<2x3x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
// CHECK-NEXT: return %[[N]]
func.func @layer_norm(%x: tensor<2x3x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<2x3x8xf32> {
  %eps = tessera.constant dense<1.0e-05> : tensor<f32>
  %mean = tessera.reduce_mean %x {axes = array<i64: 2>} : tensor<2x3x8xf32> to tensor<2x3x1xf32>
  %d = tessera.sub %x, %mean : (tensor<2x3x8xf32>, tensor<2x3x1xf32>) -> tensor<2x3x8xf32>
  %sq = tessera.mul %d, %d : (tensor<2x3x8xf32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  %var = tessera.reduce_mean %sq {axes = array<i64: 2>} : tensor<2x3x8xf32> to tensor<2x3x1xf32>
  %ve = tessera.add %var, %eps : (tensor<2x3x1xf32>, tensor<f32>) -> tensor<2x3x1xf32>
  %sd = tessera.sqrt %ve : tensor<2x3x1xf32>
  %n = tessera.div %d, %sd : (tensor<2x3x8xf32>, tensor<2x3x1xf32>) -> tensor<2x3x8xf32>
  %s = tessera.mul %n, %g : (tensor<2x3x8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  %y = tessera.add %s, %b : (tensor<2x3x8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

// Over the last two axes, x^2 as Pow and rsqrt; no affine part.
// CHECK-LABEL: func @layer_norm_two_axes
// CHECK: %[[ONES:.*]] = tessera.constant dense<1.000000e+00> : tensor<3x8xf32>
// CHECK: tessera.layer_norm %arg0, %[[ONES]] {axis = 1 : i64
func.func @layer_norm_two_axes(%x: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  %eps = tessera.constant dense<1.0e-05> : tensor<f32>
  %two = tessera.constant dense<2.0> : tensor<f32>
  %mean = tessera.reduce_mean %x {axes = array<i64: 1, 2>} : tensor<2x3x8xf32> to tensor<2x1x1xf32>
  %d = tessera.sub %x, %mean : (tensor<2x3x8xf32>, tensor<2x1x1xf32>) -> tensor<2x3x8xf32>
  %sq = tessera.pow %d, %two : (tensor<2x3x8xf32>, tensor<f32>) -> tensor<2x3x8xf32>
  %var = tessera.reduce_mean %sq {axes = array<i64: 1, 2>} : tensor<2x3x8xf32> to tensor<2x1x1xf32>
  %ve = tessera.add %eps, %var : (tensor<f32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %r = tessera.rsqrt %ve : tensor<2x1x1xf32>
  %n = tessera.mul %r, %d : (tensor<2x1x1xf32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  return %n : tensor<2x3x8xf32>
}

// -----

// RMSNorm: w * (x * (1 / sqrt(mean(x*x) + eps))), torch.rsqrt's export.
// CHECK-LABEL: func @rms_norm
// CHECK: %[[N:.*]] = tessera.rms_norm %arg0, %arg1 {axis = 2 : i64, epsilon = 9.99999997E-7 : f32}
// CHECK-NEXT: return %[[N]]
func.func @rms_norm(%x: tensor<1x4x8xf32>, %w: tensor<8xf32>) -> tensor<1x4x8xf32> {
  %eps = tessera.constant dense<1.0e-06> : tensor<f32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %sq = tessera.mul %x, %x : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %ms = tessera.reduce_mean %sq {axes = array<i64: 2>} : tensor<1x4x8xf32> to tensor<1x4x1xf32>
  %a = tessera.add %ms, %eps : (tensor<1x4x1xf32>, tensor<f32>) -> tensor<1x4x1xf32>
  %s = tessera.sqrt %a : tensor<1x4x1xf32>
  %inv = tessera.div %one, %s : (tensor<f32>, tensor<1x4x1xf32>) -> tensor<1x4x1xf32>
  %n = tessera.mul %x, %inv : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
  %y = tessera.mul %w, %n : (tensor<8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  return %y : tensor<1x4x8xf32>
}

// -----

// Near misses: the mean over a leading axis, the variance of another
// tensor, eps outside the sqrt, and an RMS over x*y.
// CHECK-LABEL: func @near_misses
// CHECK-NOT: tessera.layer_norm
// CHECK-NOT: tessera.rms_norm
// CHECK: return
func.func @near_misses(%x: tensor<2x8xf32>, %y: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %eps = tessera.constant dense<1.0e-05> : tensor<f32>
  %m0 = tessera.reduce_mean %x {axes = array<i64: 0>} : tensor<2x8xf32> to tensor<1x8xf32>
  %d0 = tessera.sub %x, %m0 : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  %q0 = tessera.mul %d0, %d0 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %v0 = tessera.reduce_mean %q0 {axes = array<i64: 0>} : tensor<2x8xf32> to tensor<1x8xf32>
  %e0 = tessera.add %v0, %eps : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %s0 = tessera.sqrt %e0 : tensor<1x8xf32>
  %n0 = tessera.div %d0, %s0 : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>

  %m1 = tessera.reduce_mean %x {axes = array<i64: 1>} : tensor<2x8xf32> to tensor<2x1xf32>
  %d1 = tessera.sub %x, %m1 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %q1 = tessera.mul %y, %y : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %v1 = tessera.reduce_mean %q1 {axes = array<i64: 1>} : tensor<2x8xf32> to tensor<2x1xf32>
  %e1 = tessera.add %v1, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s1 = tessera.sqrt %e1 : tensor<2x1xf32>
  %n1 = tessera.div %d1, %s1 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>

  %q2 = tessera.mul %d1, %d1 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %v2 = tessera.reduce_mean %q2 {axes = array<i64: 1>} : tensor<2x8xf32> to tensor<2x1xf32>
  %s2 = tessera.sqrt %v2 : tensor<2x1xf32>
  %e2 = tessera.add %s2, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %n2 = tessera.div %d1, %e2 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>

  %xy = tessera.mul %x, %y : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %v3 = tessera.reduce_mean %xy {axes = array<i64: 1>} : tensor<2x8xf32> to tensor<2x1xf32>
  %e3 = tessera.add %v3, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %r3 = tessera.rsqrt %e3 : tensor<2x1xf32>
  %n3 = tessera.mul %x, %r3 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %n0, %n1, %n2, %n3 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}
