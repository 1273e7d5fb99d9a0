// RUN: tessera-opt %s -tessera-token-merge="r=3 protect-first=1" | FileCheck %s

// With protect-first the class token (token 0) is never merged and stays
// first: reading it by gather or slice is allowed (near misses without
// protect-first, or of another token, are in token-merge-invalid.mlir).
// Token counts: 9 -> 6 -> 4 (r = min(3, (6 - 1) / 2) = 2 in the second).
// CHECK-LABEL: func.func @class_token
// CHECK: tessera.token_merge {{.*}} {protect_first = true, r = 3 : i64} {{.*}} -> (tensor<2x6x16xf32>, tensor<2x6xf32>)
// CHECK: tessera.token_merge {{.*}} {protect_first = true, r = 2 : i64} {{.*}} -> (tensor<2x4x16xf32>, tensor<2x4xf32>)
// CHECK: tessera.gather %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<2x4x16xf32>, tensor<i64>) -> tensor<2x16xf32>
// CHECK: tessera.slice %{{.*}} : tensor<2x4x16xf32> to tensor<2x1x16xf32>
func.func @class_token(%x: tensor<2x9x16xf32>) -> (tensor<2x16xf32>, tensor<2x1x16xf32>) {
  %h1 = tessera.reshape %x : tensor<2x9x16xf32> to tensor<2x9x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x9x2x8xf32> to tensor<2x2x9x8xf32>
  %a1 = tessera.attention %q1, %q1, %q1 { scale = 0.35 : f64} : (tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>) -> tensor<2x2x9x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x9x8xf32> to tensor<2x9x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x9x2x8xf32> to tensor<2x9x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x9x16xf32>, tensor<2x9x16xf32>) -> tensor<2x9x16xf32>
  %h2 = tessera.reshape %r1 : tensor<2x9x16xf32> to tensor<2x9x2x8xf32>
  %q2 = tessera.transpose %h2 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x9x2x8xf32> to tensor<2x2x9x8xf32>
  %a2 = tessera.attention %q2, %q2, %q2 { scale = 0.35 : f64} : (tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>) -> tensor<2x2x9x8xf32>
  %t2 = tessera.transpose %a2 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x9x8xf32> to tensor<2x9x2x8xf32>
  %o2 = tessera.reshape %t2 : tensor<2x9x2x8xf32> to tensor<2x9x16xf32>
  %r2 = tessera.add %o2, %r1 : (tensor<2x9x16xf32>, tensor<2x9x16xf32>) -> tensor<2x9x16xf32>
  %i = tessera.constant dense<0> : tensor<i64>
  %c = tessera.gather %r2, %i {axis = 1 : i64} : (tensor<2x9x16xf32>, tensor<i64>) -> tensor<2x16xf32>
  %s = tessera.slice %r2 {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x9x16xf32> to tensor<2x1x16xf32>
  return %c, %s : tensor<2x16xf32>, tensor<2x1x16xf32>
}
