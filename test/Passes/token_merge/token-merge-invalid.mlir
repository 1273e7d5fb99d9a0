// RUN: tessera-opt %s -split-input-file -tessera-token-merge="r=2" -verify-diagnostics
// RUN: not tessera-opt %s -split-input-file -tessera-token-merge="r=0" 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: error: tessera-token-merge: r must be at least 1

// A causal decoder: merging is not defined.
func.func @causal(%x: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %h1 = tessera.reshape %x : tensor<2x8x16xf32> to tensor<2x8x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x8x2x8xf32> to tensor<2x2x8x8xf32>
  // expected-error @+1 {{token merging is not defined for causal attention}}
  %a1 = tessera.attention %q1, %q1, %q1 { causal = true, scale = 0.35 : f64} : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x8x8xf32> to tensor<2x8x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x8x2x8xf32> to tensor<2x8x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %r1 : tensor<2x8x16xf32>
}

// -----

// Attention whose output is not added back to a residual stream.
func.func @no_residual(%x: tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32> {
  // expected-error @+1 {{token merging needs each attention's output added back to a residual stream}}
  %a = tessera.attention %x, %x, %x {scale = 0.35 : f64} : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  return %a : tensor<2x2x8x8xf32>
}

// -----

// The class token (token 0) read after merging without protect-first.
func.func @class_token(%x: tensor<2x8x16xf32>) -> tensor<2x16xf32> {
  %h1 = tessera.reshape %x : tensor<2x8x16xf32> to tensor<2x8x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x8x2x8xf32> to tensor<2x2x8x8xf32>
  %a1 = tessera.attention %q1, %q1, %q1 { scale = 0.35 : f64} : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x8x8xf32> to tensor<2x8x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x8x2x8xf32> to tensor<2x8x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %i = tessera.constant dense<0> : tensor<i64>
  // expected-error @+1 {{this op reads token 0 (a class token), which stays in place only with protect-first}}
  %c = tessera.gather %r1, %i {axis = 1 : i64} : (tensor<2x8x16xf32>, tensor<i64>) -> tensor<2x16xf32>
  return %c : tensor<2x16xf32>
}

// -----

// Any other token picked by position.
func.func @token_three(%x: tensor<2x8x16xf32>) -> tensor<2x16xf32> {
  %h1 = tessera.reshape %x : tensor<2x8x16xf32> to tensor<2x8x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x8x2x8xf32> to tensor<2x2x8x8xf32>
  %a1 = tessera.attention %q1, %q1, %q1 { scale = 0.35 : f64} : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x8x8xf32> to tensor<2x8x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x8x2x8xf32> to tensor<2x8x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %i = tessera.constant dense<3> : tensor<i64>
  // expected-error @+1 {{this op picks tokens by position, which merging changes}}
  %c = tessera.gather %r1, %i {axis = 1 : i64} : (tensor<2x8x16xf32>, tensor<i64>) -> tensor<2x16xf32>
  return %c : tensor<2x16xf32>
}

// -----

// A sum over the tokens has no size-weighted form here (a mean has).
func.func @sum_tokens(%x: tensor<2x8x16xf32>) -> tensor<2x16xf32> {
  %h1 = tessera.reshape %x : tensor<2x8x16xf32> to tensor<2x8x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x8x2x8xf32> to tensor<2x2x8x8xf32>
  %a1 = tessera.attention %q1, %q1, %q1 { scale = 0.35 : f64} : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x8x8xf32> to tensor<2x8x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x8x2x8xf32> to tensor<2x8x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-error @+1 {{this op reduces over the merged tokens}}
  %s = tessera.reduce_sum %r1 {axes = array<i64: 1>, keepdims = false} : tensor<2x8x16xf32> to tensor<2x16xf32>
  return %s : tensor<2x16xf32>
}

// -----

// An output with a row per token would change the model's signature.
func.func @per_token_output(%x: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %h1 = tessera.reshape %x : tensor<2x8x16xf32> to tensor<2x8x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x8x2x8xf32> to tensor<2x2x8x8xf32>
  %a1 = tessera.attention %q1, %q1, %q1 { scale = 0.35 : f64} : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x8x8xf32> to tensor<2x8x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x8x2x8xf32> to tensor<2x8x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-error @+1 {{'func.return' cannot take a changed token count here}}
  return %r1 : tensor<2x8x16xf32>
}

// -----

// A per-token constant (a position embedding) after a merge.
func.func @per_token_constant(%x: tensor<2x8x16xf32>, %pos: tensor<1x8x16xf32>) -> tensor<2x16xf32> {
  %h1 = tessera.reshape %x : tensor<2x8x16xf32> to tensor<2x8x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x8x2x8xf32> to tensor<2x2x8x8xf32>
  %a1 = tessera.attention %q1, %q1, %q1 { scale = 0.35 : f64} : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x8x8xf32> to tensor<2x8x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x8x2x8xf32> to tensor<2x8x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // expected-error @+1 {{an operand of this op has one value per token, not merged with them}}
  %p = tessera.add %r1, %pos : (tensor<2x8x16xf32>, tensor<1x8x16xf32>) -> tensor<2x8x16xf32>
  %m = tessera.reduce_mean %p {axes = array<i64: 1>, keepdims = false} : tensor<2x8x16xf32> to tensor<2x16xf32>
  return %m : tensor<2x16xf32>
}

// -----

// A padding mask (one value per key) in a later layer.
func.func @key_mask(%x: tensor<2x8x16xf32>, %mask: tensor<2x1x1x8xf32>) -> tensor<2x16xf32> {
  %h1 = tessera.reshape %x : tensor<2x8x16xf32> to tensor<2x8x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x8x2x8xf32> to tensor<2x2x8x8xf32>
  %a1 = tessera.attention %q1, %q1, %q1 { scale = 0.35 : f64} : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x8x8xf32> to tensor<2x8x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x8x2x8xf32> to tensor<2x8x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %h2 = tessera.reshape %r1 : tensor<2x8x16xf32> to tensor<2x8x2x8xf32>
  %q2 = tessera.transpose %h2 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x8x2x8xf32> to tensor<2x2x8x8xf32>
  // expected-error @+1 {{this attention has a mask per key, and merged keys have none}}
  %a2 = tessera.attention %q2, %q2, %q2, %mask { mask_kind = "additive", scale = 0.35 : f64} : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x2x8x8xf32>
  %t2 = tessera.transpose %a2 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x8x8xf32> to tensor<2x8x2x8xf32>
  %o2 = tessera.reshape %t2 : tensor<2x8x2x8xf32> to tensor<2x8x16xf32>
  %r2 = tessera.add %o2, %r1 : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %m = tessera.reduce_mean %r2 {axes = array<i64: 1>, keepdims = false} : tensor<2x8x16xf32> to tensor<2x16xf32>
  return %m : tensor<2x16xf32>
}
