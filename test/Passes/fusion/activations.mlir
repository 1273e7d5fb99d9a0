// RUN: tessera-opt %s -split-input-file -tessera-fuse-activations -canonicalize | FileCheck %s
// GELU (erf, tanh) and SiLU written out -> tessera.gelu / gelu_tanh / silu.

// torch's F.gelu export: x * (erf(x / 1.4142135) + 1) * 0.5
// CHECK-LABEL: func @gelu_erf
// CHECK: %[[G:.*]] = tessera.gelu %arg0 : tensor<4x8xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_erf(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c = tessera.constant dense<1.41421354> : tensor<f32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %half = tessera.constant dense<0.5> : tensor<f32>
  %d = tessera.div %x, %c : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %e = tessera.erf %d : tensor<4x8xf32>
  %a = tessera.add %e, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %m = tessera.mul %x, %a : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = tessera.mul %m, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// 0.5 * x * (1 + tanh(0.7978845608 * (x + 0.044715 * x*x*x))), factors in
// another order.
// CHECK-LABEL: func @gelu_tanh
// CHECK: %[[G:.*]] = tessera.gelu_tanh %arg0 : tensor<4x8xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_tanh(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c0 = tessera.constant dense<0.044715> : tensor<f32>
  %c1 = tessera.constant dense<0.797884583> : tensor<f32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %half = tessera.constant dense<0.5> : tensor<f32>
  %x2 = tessera.mul %x, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %x3 = tessera.mul %x2, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %t0 = tessera.mul %c0, %x3 : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %t1 = tessera.add %x, %t0 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %t2 = tessera.mul %t1, %c1 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %t3 = tessera.tanh %t2 : tensor<4x8xf32>
  %t4 = tessera.add %one, %t3 : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %h = tessera.mul %half, %x : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = tessera.mul %h, %t4 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func @silu
// CHECK: %[[S:.*]] = tessera.silu %arg0 : tensor<4x8xf32>
// CHECK: tessera.mul %[[S]], %arg1
func.func @silu(%x: tensor<4x8xf32>, %up: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = tessera.sigmoid %x : tensor<4x8xf32>
  %m = tessera.mul %s, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = tessera.mul %m, %up : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Near misses: GELU with 0.6 instead of 0.5, erf of x/2, x * sigmoid(y),
// tanh GELU with 0.05 instead of 0.044715.
// CHECK-LABEL: func @near_misses
// CHECK-NOT: tessera.gelu
// CHECK-NOT: tessera.silu
// CHECK: return
func.func @near_misses(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %c = tessera.constant dense<1.41421354> : tensor<f32>
  %two = tessera.constant dense<2.0> : tensor<f32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %p6 = tessera.constant dense<0.6> : tensor<f32>
  %half = tessera.constant dense<0.5> : tensor<f32>
  %d = tessera.div %x, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e = tessera.erf %d : tensor<4xf32>
  %a = tessera.add %e, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %m = tessera.mul %x, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %g0 = tessera.mul %m, %p6 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %d1 = tessera.div %x, %two : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e1 = tessera.erf %d1 : tensor<4xf32>
  %a1 = tessera.add %e1, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %m1 = tessera.mul %x, %a1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %g1 = tessera.mul %m1, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %s = tessera.sigmoid %y : tensor<4xf32>
  %g2 = tessera.mul %x, %s : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %c0 = tessera.constant dense<0.05> : tensor<f32>
  %c1 = tessera.constant dense<0.797884583> : tensor<f32>
  %x2 = tessera.mul %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %x3 = tessera.mul %x2, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %t0 = tessera.mul %c0, %x3 : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %t1 = tessera.add %x, %t0 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %t2 = tessera.mul %t1, %c1 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %t3 = tessera.tanh %t2 : tensor<4xf32>
  %t4 = tessera.add %one, %t3 : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %h = tessera.mul %half, %x : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %g3 = tessera.mul %h, %t4 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %g0, %g1, %g2, %g3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
