// RUN: tessera-opt %s -split-input-file -tessera-token-prune="keep=0.5" -verify-diagnostics
// RUN: not tessera-opt %s -tessera-token-prune="keep=0" 2>&1 | FileCheck %s --check-prefix=KEEP
// RUN: not tessera-opt %s -tessera-token-prune="keep=1.5" 2>&1 | FileCheck %s --check-prefix=KEEP
// KEEP: error: tessera-token-prune: keep must be in (0, 1]

// A causal decoder: pruning is not defined.
func.func @causal(%x: tensor<2x9x16xf32>) -> tensor<2x16xf32> {
  %h1 = tessera.reshape %x : tensor<2x9x16xf32> to tensor<2x9x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x9x2x8xf32> to tensor<2x2x9x8xf32>
  %k1 = tessera.reshape %q1 : tensor<2x2x9x8xf32> to tensor<2x2x9x8xf32>
  // expected-error @+1 {{token pruning is not defined for causal attention}}
  %a1 = tessera.attention %q1, %k1, %k1 {causal = true, scale = 0.35 : f64} : (tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>) -> tensor<2x2x9x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x9x8xf32> to tensor<2x9x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x9x2x8xf32> to tensor<2x9x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x9x16xf32>, tensor<2x9x16xf32>) -> tensor<2x9x16xf32>
  %m = tessera.reduce_mean %r1 {axes = array<i64: 1>, keepdims = false} : tensor<2x9x16xf32> to tensor<2x16xf32>
  return %m : tensor<2x16xf32>
}

// -----

// Grouped-query attention (1 key/value head for 2 query heads): the class
// token's attention is not recomputed.
func.func @grouped_query(%x: tensor<2x9x16xf32>) -> tensor<2x16xf32> {
  %h1 = tessera.reshape %x : tensor<2x9x16xf32> to tensor<2x9x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x9x2x8xf32> to tensor<2x2x9x8xf32>
  %k1 = tessera.slice %q1 {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<2x2x9x8xf32> to tensor<2x1x9x8xf32>
  // expected-error @+1 {{token pruning: the class token's attention is not computed for grouped-query attention}}
  %a1 = tessera.attention %q1, %k1, %k1 {scale = 0.35 : f64} : (tensor<2x2x9x8xf32>, tensor<2x1x9x8xf32>, tensor<2x1x9x8xf32>) -> tensor<2x2x9x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x9x8xf32> to tensor<2x9x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x9x2x8xf32> to tensor<2x9x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x9x16xf32>, tensor<2x9x16xf32>) -> tensor<2x9x16xf32>
  %m = tessera.reduce_mean %r1 {axes = array<i64: 1>, keepdims = false} : tensor<2x9x16xf32> to tensor<2x16xf32>
  return %m : tensor<2x16xf32>
}

// -----

// A boolean mask: refused (an additive one is sliced, token-prune.mlir).
func.func @boolean_mask(%x: tensor<2x9x16xf32>, %b: tensor<2x1x1x9xi1>) -> tensor<2x16xf32> {
  %h1 = tessera.reshape %x : tensor<2x9x16xf32> to tensor<2x9x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x9x2x8xf32> to tensor<2x2x9x8xf32>
  %k1 = tessera.reshape %q1 : tensor<2x2x9x8xf32> to tensor<2x2x9x8xf32>
  // expected-error @+1 {{token pruning: a boolean attention mask}}
  %a1 = tessera.attention %q1, %k1, %k1, %b {mask_kind = "boolean", scale = 0.35 : f64} : (tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>, tensor<2x1x1x9xi1>) -> tensor<2x2x9x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x9x8xf32> to tensor<2x9x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x9x2x8xf32> to tensor<2x9x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x9x16xf32>, tensor<2x9x16xf32>) -> tensor<2x9x16xf32>
  %m = tessera.reduce_mean %r1 {axes = array<i64: 1>, keepdims = false} : tensor<2x9x16xf32> to tensor<2x16xf32>
  return %m : tensor<2x16xf32>
}

// -----

// The pruned stream returned as it is.
func.func @returned(%x: tensor<2x9x16xf32>) -> tensor<2x9x16xf32> {
  %h1 = tessera.reshape %x : tensor<2x9x16xf32> to tensor<2x9x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x9x2x8xf32> to tensor<2x2x9x8xf32>
  %k1 = tessera.reshape %q1 : tensor<2x2x9x8xf32> to tensor<2x2x9x8xf32>
  %a1 = tessera.attention %q1, %k1, %k1 {scale = 0.35 : f64} : (tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>) -> tensor<2x2x9x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x9x8xf32> to tensor<2x9x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x9x2x8xf32> to tensor<2x9x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x9x16xf32>, tensor<2x9x16xf32>) -> tensor<2x9x16xf32>
  // expected-error @+1 {{'func.return' cannot take a changed token count here}}
  return %r1 : tensor<2x9x16xf32>
}
