// RUN: tessera-opt %s -split-input-file | tessera-opt | FileCheck %s
// Round trip of the fused ops and the kernel call op.

// CHECK-LABEL: func @attention
func.func @attention(%q: tensor<2x8x16x64xf32>, %k: tensor<2x2x16x64xf32>, %v: tensor<2x2x16x32xf32>, %m: tensor<2x1x1x16xf32>, %b: tensor<16x16xi1>) -> (tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) {
  // CHECK: tessera.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {mask_kind = "additive", scale = 1.250000e-01 : f64} : (tensor<2x8x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x2x16x32xf32>, tensor<2x1x1x16xf32>) -> tensor<2x8x16x32xf32>
  %0 = tessera.attention %q, %k, %v, %m {scale = 0.125 : f64, causal = false, mask_kind = "additive"} : (tensor<2x8x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x2x16x32xf32>, tensor<2x1x1x16xf32>) -> tensor<2x8x16x32xf32>
  // CHECK: tessera.attention %{{.*}}, %{{.*}}, %{{.*}} {causal = true, scale = 1.000000e+00 : f64} : (tensor<2x8x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x2x16x32xf32>) -> tensor<2x8x16x32xf32>
  %1 = tessera.attention %q, %k, %v {scale = 1.0 : f64, causal = true} : (tensor<2x8x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x2x16x32xf32>) -> tensor<2x8x16x32xf32>
  // CHECK: mask_kind = "boolean"
  %2 = tessera.attention %q, %k, %v, %b {scale = 1.0 : f64, mask_kind = "boolean"} : (tensor<2x8x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x2x16x32xf32>, tensor<16x16xi1>) -> tensor<2x8x16x32xf32>
  return %0, %1, %2 : tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>
}

// -----

// CHECK-LABEL: func @norms_and_activations
func.func @norms_and_activations(%x: tensor<1x4x8xf32>, %g: tensor<8xf32>) -> (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x4xf32>) {
  // CHECK: tessera.rms_norm %{{.*}}, %{{.*}} {axis = 2 : i64, epsilon = 9.99999997E-7 : f32} : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %0 = tessera.rms_norm %x, %g {axis = 2 : i64, epsilon = 1.0e-06 : f32} : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  // CHECK: tessera.gelu_tanh %{{.*}} : tensor<1x4x8xf32>
  %1 = tessera.gelu_tanh %0 : tensor<1x4x8xf32>
  // CHECK: tessera.glu %{{.*}} {activation = "silu"} : (tensor<1x4x8xf32>) -> tensor<1x4x4xf32>
  %2 = tessera.glu %1 {activation = "silu"} : (tensor<1x4x8xf32>) -> tensor<1x4x4xf32>
  return %0, %1, %2 : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x4xf32>
}

// -----

// CHECK-LABEL: func @rotary
func.func @rotary(%x: tensor<1x4x10x16xf32>, %c: tensor<1x1x10x16xf32>, %s: tensor<10x16xf32>) -> (tensor<1x4x10x16xf32>, tensor<1x4x10x16xf32>) {
  // CHECK: tessera.rotary %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x4x10x16xf32>, tensor<1x1x10x16xf32>, tensor<10x16xf32>) -> tensor<1x4x10x16xf32>
  %0 = tessera.rotary %x, %c, %s : (tensor<1x4x10x16xf32>, tensor<1x1x10x16xf32>, tensor<10x16xf32>) -> tensor<1x4x10x16xf32>
  // CHECK: tessera.rotary %{{.*}}, %{{.*}}, %{{.*}} {interleaved = true}
  %1 = tessera.rotary %x, %c, %s {interleaved = true} : (tensor<1x4x10x16xf32>, tensor<1x1x10x16xf32>, tensor<10x16xf32>) -> tensor<1x4x10x16xf32>
  return %0, %1 : tensor<1x4x10x16xf32>, tensor<1x4x10x16xf32>
}

// -----

// CHECK-LABEL: func @linear
func.func @linear(%x: tensor<2x16x64xf32>, %w: tensor<256x64xf32>, %wk: tensor<64x256xf32>, %b: tensor<256xf32>, %r: tensor<2x16x256xf32>) -> (tensor<2x16x256xf32>, tensor<2x16x256xf32>) {
  // CHECK: tessera.linear %{{.*}}, %{{.*}} bias %{{.*}} {activation = "gelu", transpose_weight = true} : (tensor<2x16x64xf32>, tensor<256x64xf32>, tensor<256xf32>) -> tensor<2x16x256xf32>
  %0 = tessera.linear %x, %w bias %b {transpose_weight = true, activation = "gelu"} : (tensor<2x16x64xf32>, tensor<256x64xf32>, tensor<256xf32>) -> tensor<2x16x256xf32>
  // CHECK: tessera.linear %{{.*}}, %{{.*}} residual %{{.*}} : (tensor<2x16x64xf32>, tensor<64x256xf32>, tensor<2x16x256xf32>) -> tensor<2x16x256xf32>
  %1 = tessera.linear %x, %wk residual %r : (tensor<2x16x64xf32>, tensor<64x256xf32>, tensor<2x16x256xf32>) -> tensor<2x16x256xf32>
  return %0, %1 : tensor<2x16x256xf32>, tensor<2x16x256xf32>
}

// Weight sparsity patterns in the [N, K] view: blocks of R x C, N:M groups.
// CHECK-LABEL: func @linear_sparsity
func.func @linear_sparsity(%x: tensor<2x16x64xf32>, %w: tensor<256x64xf32>, %wk: tensor<64x256xf32>) -> (tensor<2x16x256xf32>, tensor<2x16x256xf32>, tensor<2x16x256xf32>) {
  // CHECK: tessera.linear %{{.*}}, %{{.*}} {sparsity = "block:4x16", transpose_weight = true}
  %0 = tessera.linear %x, %w {transpose_weight = true, sparsity = "block:4x16"} : (tensor<2x16x64xf32>, tensor<256x64xf32>) -> tensor<2x16x256xf32>
  // CHECK: tessera.linear %{{.*}}, %{{.*}} {sparsity = "2:4"}
  %1 = tessera.linear %x, %wk {sparsity = "2:4"} : (tensor<2x16x64xf32>, tensor<64x256xf32>) -> tensor<2x16x256xf32>
  // CHECK: tessera.linear %{{.*}}, %{{.*}} {sparsity = "block:1x1"}
  %2 = tessera.linear %x, %wk {sparsity = "block:1x1"} : (tensor<2x16x64xf32>, tensor<64x256xf32>) -> tensor<2x16x256xf32>
  return %0, %1, %2 : tensor<2x16x256xf32>, tensor<2x16x256xf32>, tensor<2x16x256xf32>
}

// -----

// CHECK-LABEL: func @call_kernel
func.func @call_kernel(%q: tensor<1x2x4x8xf32>, %init: tensor<1x2x4x8xf32>, %buf: memref<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // CHECK: tessera.call_kernel "tessera_attention_f32" ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) outs(%{{.*}} : tensor<1x2x4x8xf32>) {scalars = [3.500000e-01 : f32, 0]} -> tensor<1x2x4x8xf32>
  %0 = tessera.call_kernel "tessera_attention_f32" ins(%q, %q, %q, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) outs(%init : tensor<1x2x4x8xf32>) {scalars = [0.35 : f32, 0 : i64]} -> tensor<1x2x4x8xf32>
  // CHECK: tessera.call_kernel "k" ins(%{{.*}} : memref<1x2x4x8xf32>) outs(%{{.*}} : memref<1x2x4x8xf32>)
  tessera.call_kernel "k" ins(%buf : memref<1x2x4x8xf32>) outs(%buf : memref<1x2x4x8xf32>)
  return %0 : tensor<1x2x4x8xf32>
}

// -----

// CHECK-LABEL: func @token_merge
func.func @token_merge(%x: tensor<2x17x64xf32>, %k: tensor<2x17x16xf32>, %s: tensor<2x17xf32>) -> (tensor<2x13x64xf32>, tensor<2x9x64xf32>) {
  // CHECK: tessera.token_merge %{{.*}}, %{{.*}}, %{{.*}} {protect_first = true, r = 4 : i64} : (tensor<2x17x64xf32>, tensor<2x17x16xf32>, tensor<2x17xf32>) -> (tensor<2x13x64xf32>, tensor<2x13xf32>)
  %y, %ys = tessera.token_merge %x, %k, %s {r = 4 : i64, protect_first = true} : (tensor<2x17x64xf32>, tensor<2x17x16xf32>, tensor<2x17xf32>) -> (tensor<2x13x64xf32>, tensor<2x13xf32>)
  // The most pairs: (17 - 0) / 2 = 8 without protect_first.
  // CHECK: tessera.token_merge %{{.*}}, %{{.*}}, %{{.*}} {r = 8 : i64}
  %z, %zs = tessera.token_merge %x, %k, %s {r = 8 : i64} : (tensor<2x17x64xf32>, tensor<2x17x16xf32>, tensor<2x17xf32>) -> (tensor<2x9x64xf32>, tensor<2x9xf32>)
  return %y, %z : tensor<2x13x64xf32>, tensor<2x9x64xf32>
}

// -----

// CHECK-LABEL: func @token_prune
func.func @token_prune(%x: tensor<2x17x64xf32>, %p: tensor<2x17xf32>, %s: tensor<2x17xf32>) -> (tensor<2x9x64xf32>, tensor<2x17xf32>) {
  // CHECK: tessera.token_prune %{{.*}}, %{{.*}}, %{{.*}} {keep = 9 : i64} : (tensor<2x17x64xf32>, tensor<2x17xf32>, tensor<2x17xf32>) -> (tensor<2x9x64xf32>, tensor<2x9xf32>)
  %y, %ys = tessera.token_prune %x, %p, %s {keep = 9 : i64} : (tensor<2x17x64xf32>, tensor<2x17xf32>, tensor<2x17xf32>) -> (tensor<2x9x64xf32>, tensor<2x9xf32>)
  // Keeping every token is allowed.
  // CHECK: tessera.token_prune %{{.*}}, %{{.*}}, %{{.*}} {keep = 17 : i64}
  %z, %zs = tessera.token_prune %x, %p, %s {keep = 17 : i64} : (tensor<2x17x64xf32>, tensor<2x17xf32>, tensor<2x17xf32>) -> (tensor<2x17x64xf32>, tensor<2x17xf32>)
  return %y, %zs : tensor<2x9x64xf32>, tensor<2x17xf32>
}
