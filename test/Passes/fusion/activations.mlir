// RUN: tessera-opt %s -split-input-file -tessera-fuse-activations -canonicalize | FileCheck %s
// GELU (erf, tanh), SiLU and HardSwish written out -> tessera.gelu /
// gelu_tanh / silu / hardswish.

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

// -----

// HardSwish: x * HardSigmoid(x) (alpha 1/6, beta 1/2, torch below opset 14)
// and x * relu6(x + 3) / 6, factors either way round.
// CHECK-LABEL: func @hardswish
// CHECK: %[[A:.*]] = tessera.hardswish %arg0 : tensor<4x8xf32>
// CHECK: %[[B:.*]] = tessera.hardswish %arg1 : tensor<4x8xf32>
// CHECK: return %[[A]], %[[B]]
func.func @hardswish(%x: tensor<4x8xf32>, %z: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %alpha = tessera.constant dense<0.166666672> : tensor<f32>
  %beta = tessera.constant dense<0.5> : tensor<f32>
  %three = tessera.constant dense<3.0> : tensor<f32>
  %six = tessera.constant dense<6.0> : tensor<f32>
  %ax = tessera.mul %x, %alpha : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %axb = tessera.add %ax, %beta : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %hs = tessera.clamp %axb {min = 0.0 : f64, max = 1.0 : f64} : tensor<4x8xf32>
  %a = tessera.mul %x, %hs : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %z3 = tessera.add %three, %z : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %r6 = tessera.clamp %z3 {min = 0.0 : f64, max = 6.0 : f64} : tensor<4x8xf32>
  %zr = tessera.mul %r6, %z : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %b = tessera.div %zr, %six : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %a, %b : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Near misses: ONNX's default HardSigmoid (alpha 0.2), relu6(x + 3) without
// the / 6, a clamp of another tensor, a lower bound other than 0.
// CHECK-LABEL: func @hardswish_near_misses
// CHECK-NOT: tessera.hardswish
// CHECK: return
func.func @hardswish_near_misses(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %alpha = tessera.constant dense<0.2> : tensor<f32>
  %beta = tessera.constant dense<0.5> : tensor<f32>
  %three = tessera.constant dense<3.0> : tensor<f32>
  %ax = tessera.mul %x, %alpha : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %axb = tessera.add %ax, %beta : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %hs = tessera.clamp %axb {min = 0.0 : f64, max = 1.0 : f64} : tensor<4x8xf32>
  %a = tessera.mul %x, %hs : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %x3 = tessera.add %x, %three : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %r6 = tessera.clamp %x3 {min = 0.0 : f64, max = 6.0 : f64} : tensor<4x8xf32>
  %b = tessera.mul %x, %r6 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %y3 = tessera.add %y, %three : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %ry = tessera.clamp %y3 {min = 0.0 : f64, max = 6.0 : f64} : tensor<4x8xf32>
  %c = tessera.mul %x, %ry : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %cc = tessera.div %c, %three : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %rl = tessera.clamp %x3 {min = -1.0 : f64, max = 6.0 : f64} : tensor<4x8xf32>
  %d = tessera.mul %x, %rl : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %six = tessera.constant dense<6.0> : tensor<f32>
  %dd = tessera.div %d, %six : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %a, %b, %cc, %dd : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
