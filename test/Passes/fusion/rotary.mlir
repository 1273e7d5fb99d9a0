// RUN: tessera-opt %s -split-input-file -tessera-fuse-rotary -canonicalize | FileCheck %s
// x·cos + rotate(x)·sin -> tessera.rotary (rotate_half and interleaved).

// Llama's rotate_half: cat(-x[..., 4:], x[..., :4]).
// CHECK-LABEL: func @rotate_half
// CHECK: %[[R:.*]] = tessera.rotary %arg0, %arg1, %arg2 : (tensor<1x2x3x8xf32>, tensor<1x1x3x8xf32>, tensor<1x1x3x8xf32>) -> tensor<1x2x3x8xf32>
// CHECK-NEXT: return %[[R]]
func.func @rotate_half(%x: tensor<1x2x3x8xf32>, %cos: tensor<1x1x3x8xf32>, %sin: tensor<1x1x3x8xf32>) -> tensor<1x2x3x8xf32> {
  %hi = tessera.slice %x {starts = array<i64: 0, 0, 0, 4>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x8xf32> to tensor<1x2x3x4xf32>
  %lo = tessera.slice %x {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x8xf32> to tensor<1x2x3x4xf32>
  %n = tessera.neg %hi : tensor<1x2x3x4xf32>
  %rot = tessera.concat %n, %lo {axis = 3 : i64} : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x8xf32>
  %a = tessera.mul %x, %cos : (tensor<1x2x3x8xf32>, tensor<1x1x3x8xf32>) -> tensor<1x2x3x8xf32>
  %b = tessera.mul %sin, %rot : (tensor<1x1x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  %y = tessera.add %b, %a : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  return %y : tensor<1x2x3x8xf32>
}

// -----

// GPT-J's interleaved form: stack(-x[..., 1::2], x[..., ::2], -1).flatten(-2).
// CHECK-LABEL: func @interleaved
// CHECK: tessera.rotary %arg0, %arg1, %arg2 {interleaved = true}
func.func @interleaved(%x: tensor<3x8xf32>, %cos: tensor<3x8xf32>, %sin: tensor<3x8xf32>) -> tensor<3x8xf32> {
  %odd = tessera.slice %x {starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : tensor<3x8xf32> to tensor<3x4xf32>
  %even = tessera.slice %x {starts = array<i64: 0, 0>, steps = array<i64: 1, 2>} : tensor<3x8xf32> to tensor<3x4xf32>
  %m1 = tessera.constant dense<-1.0> : tensor<f32>
  %n = tessera.mul %odd, %m1 : (tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
  %n1 = tessera.reshape %n : tensor<3x4xf32> to tensor<3x4x1xf32>
  %e1 = tessera.reshape %even : tensor<3x4xf32> to tensor<3x4x1xf32>
  %st = tessera.concat %n1, %e1 {axis = 2 : i64} : (tensor<3x4x1xf32>, tensor<3x4x1xf32>) -> tensor<3x4x2xf32>
  %rot = tessera.reshape %st : tensor<3x4x2xf32> to tensor<3x8xf32>
  %a = tessera.mul %x, %cos : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  %b = tessera.mul %rot, %sin : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  %y = tessera.add %a, %b : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// Near misses: the sign on the wrong half, a rotation of another tensor,
// cos/sin at half width.
// CHECK-LABEL: func @near_misses
// CHECK-NOT: tessera.rotary
// CHECK: return
func.func @near_misses(%x: tensor<3x8xf32>, %z: tensor<3x8xf32>, %cos: tensor<3x8xf32>, %sin: tensor<3x8xf32>, %ch: tensor<3x1xf32>) -> (tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>) {
  %hi = tessera.slice %x {starts = array<i64: 0, 4>, steps = array<i64: 1, 1>} : tensor<3x8xf32> to tensor<3x4xf32>
  %lo = tessera.slice %x {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<3x8xf32> to tensor<3x4xf32>
  %nlo = tessera.neg %lo : tensor<3x4xf32>
  %rot0 = tessera.concat %hi, %nlo {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x8xf32>
  %a0 = tessera.mul %x, %cos : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  %b0 = tessera.mul %rot0, %sin : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  %y0 = tessera.add %a0, %b0 : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  %nhi = tessera.neg %hi : tensor<3x4xf32>
  %rot1 = tessera.concat %nhi, %lo {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x8xf32>
  %a1 = tessera.mul %z, %cos : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  %b1 = tessera.mul %rot1, %sin : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  %y1 = tessera.add %a1, %b1 : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  %a2 = tessera.mul %x, %ch : (tensor<3x8xf32>, tensor<3x1xf32>) -> tensor<3x8xf32>
  %b2 = tessera.mul %rot1, %ch : (tensor<3x8xf32>, tensor<3x1xf32>) -> tensor<3x8xf32>
  %y2 = tessera.add %a2, %b2 : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  return %y0, %y1, %y2 : tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>
}

// -----

// Rank-0 sums of products (QuantizeLinear's scale arithmetic) are left alone.
// CHECK-LABEL: func @scalars
// CHECK: tessera.add
func.func @scalars(%a: tensor<f32>, %b: tensor<f32>) -> tensor<f32> {
  %x = tessera.mul %a, %b : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %y = tessera.mul %b, %a : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %z = tessera.add %x, %y : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %z : tensor<f32>
}
