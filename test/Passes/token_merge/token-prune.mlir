// RUN: tessera-opt %s -split-input-file -tessera-token-prune="keep=0.5" | FileCheck %s
// RUN: not tessera-opt %s -split-input-file -tessera-token-prune="keep=0.5 layer=1" 2>/dev/null | FileCheck %s --check-prefix=LAYER1
// RUN: not tessera-opt %s -split-input-file -tessera-token-prune="keep=0.5 layer=1" 2>&1 >/dev/null | FileCheck %s --check-prefix=LAYER1-ERR
// RUN: tessera-opt %s -split-input-file -tessera-token-prune="keep=0.5 tag-only=1" | FileCheck %s --check-prefix=TAG

// Two encoder blocks on [B, T, D] = [2, 9, 16] with a class token (token 0).
// The default layer is a quarter of the depth (0 of 2): after the first
// residual add the class token's attention row is recomputed from the
// attention's own q and k (k times q's row as a column: no transposed keys) (softmax over the keys, averaged over the heads)
// and token_prune keeps token 0 and round(0.5 * 8) = 4 others. The second
// attention runs on 5 tokens with no size bias (pruned tokens all stand for
// one), reading token 0 is allowed, and a mean over the tokens stays a
// plain mean.
// CHECK-LABEL: func.func @class_token
// CHECK: %[[R1:.*]] = tessera.add %{{.*}}, %arg0 : (tensor<2x9x16xf32>, tensor<2x9x16xf32>) -> tensor<2x9x16xf32>
// CHECK: %[[ONES:.*]] = tessera.constant dense<1.000000e+00> : tensor<2x9xf32>
// CHECK: %[[ROW:.*]] = tessera.slice %[[Q:.*]] {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<2x2x9x8xf32> to tensor<2x2x1x8xf32>
// CHECK: %[[COL:.*]] = tessera.reshape %[[ROW]] : tensor<2x2x1x8xf32> to tensor<2x2x8x1xf32>
// CHECK: %[[DOTS:.*]] = tessera.matmul %[[Q]], %[[COL]] : (tensor<2x2x9x8xf32>, tensor<2x2x8x1xf32>) -> tensor<2x2x9x1xf32>
// CHECK: %[[DOT:.*]] = tessera.reshape %[[DOTS]] : tensor<2x2x9x1xf32> to tensor<2x2x1x9xf32>
// CHECK: %[[SCALE:.*]] = tessera.constant dense<3.500000e-01> : tensor<f32>
// CHECK: %[[LOGITS:.*]] = tessera.mul %[[DOT]], %[[SCALE]]
// CHECK: %[[P:.*]] = tessera.softmax %[[LOGITS]] {axis = 3 : i64} : tensor<2x2x1x9xf32>
// CHECK: %[[PS:.*]] = tessera.reshape %[[P]] : tensor<2x2x1x9xf32> to tensor<1x2x2x9xf32>
// CHECK: %[[SCORES:.*]] = tessera.reduce_mean %[[PS]] {axes = array<i64: 0, 2>, keepdims = false} : tensor<1x2x2x9xf32> to tensor<2x9xf32>
// CHECK: %[[X:.*]], %{{.*}} = tessera.token_prune %[[R1]], %[[SCORES]], %[[ONES]] {keep = 5 : i64} : (tensor<2x9x16xf32>, tensor<2x9xf32>, tensor<2x9xf32>) -> (tensor<2x5x16xf32>, tensor<2x5xf32>)
// CHECK: tessera.reshape %[[X]] : tensor<2x5x16xf32> to tensor<2x5x2x8xf32>
// CHECK: tessera.attention %{{.*}}, %{{.*}}, %{{.*}} {scale = {{.*}}} : (tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>) -> tensor<2x2x5x8xf32>
// CHECK: %[[R2:.*]] = tessera.add %{{.*}}, %[[X]] : (tensor<2x5x16xf32>, tensor<2x5x16xf32>) -> tensor<2x5x16xf32>
// CHECK-NOT: tessera.token_prune
// CHECK: tessera.gather %[[R2]], %{{.*}} {axis = 1 : i64} : (tensor<2x5x16xf32>, tensor<i64>) -> tensor<2x16xf32>
// CHECK-NOT: tessera.reduce_sum
// CHECK: tessera.reduce_mean %[[R2]] {axes = array<i64: 1>, keepdims = false} : tensor<2x5x16xf32> to tensor<2x16xf32>
// LAYER1-LABEL: func.func @class_token
// LAYER1: tessera.attention {{.*}} -> tensor<2x2x9x8xf32>
// LAYER1: tessera.attention {{.*}} -> tensor<2x2x9x8xf32>
// LAYER1: tessera.token_prune {{.*}} {keep = 5 : i64} {{.*}} -> (tensor<2x5x16xf32>, tensor<2x5xf32>)
// LAYER1: tessera.gather {{.*}} : (tensor<2x5x16xf32>, tensor<i64>) -> tensor<2x16xf32>
// TAG-LABEL: func.func @class_token
// TAG-NOT: tessera.token_prune
func.func @class_token(%x: tensor<2x9x16xf32>) -> (tensor<2x16xf32>, tensor<2x16xf32>) {
  %h1 = tessera.reshape %x : tensor<2x9x16xf32> to tensor<2x9x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x9x2x8xf32> to tensor<2x2x9x8xf32>
  %a1 = tessera.attention %q1, %q1, %q1 {scale = 0.35 : f64} : (tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>) -> tensor<2x2x9x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x9x8xf32> to tensor<2x9x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x9x2x8xf32> to tensor<2x9x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x9x16xf32>, tensor<2x9x16xf32>) -> tensor<2x9x16xf32>
  %h2 = tessera.reshape %r1 : tensor<2x9x16xf32> to tensor<2x9x2x8xf32>
  %q2 = tessera.transpose %h2 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x9x2x8xf32> to tensor<2x2x9x8xf32>
  %a2 = tessera.attention %q2, %q2, %q2 {scale = 0.35 : f64} : (tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>) -> tensor<2x2x9x8xf32>
  %t2 = tessera.transpose %a2 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x9x8xf32> to tensor<2x9x2x8xf32>
  %o2 = tessera.reshape %t2 : tensor<2x9x2x8xf32> to tensor<2x9x16xf32>
  %r2 = tessera.add %o2, %r1 : (tensor<2x9x16xf32>, tensor<2x9x16xf32>) -> tensor<2x9x16xf32>
  %i = tessera.constant dense<0> : tensor<i64>
  %c = tessera.gather %r2, %i {axis = 1 : i64} : (tensor<2x9x16xf32>, tensor<i64>) -> tensor<2x16xf32>
  %m = tessera.reduce_mean %r2 {axes = array<i64: 1>, keepdims = false} : tensor<2x9x16xf32> to tensor<2x16xf32>
  return %c, %m : tensor<2x16xf32>, tensor<2x16xf32>
}

// -----

// An additive mask with a row per query (e.g. [B, 1, S, S]): the class
// token's scores add its row (a slice of row 0) before the softmax. A max
// over the kept tokens (any reduction: no sizes to weigh) follows them.
// With layer=1 this one-layer function is an error (token-prune-invalid.mlir).
// LAYER1-ERR: error: token pruning after layer 1: the model has 1 attention layers
// CHECK-LABEL: func.func @per_query_mask
// CHECK: tessera.matmul {{.*}} -> tensor<2x2x9x1xf32>
// CHECK: %[[DOT:.*]] = tessera.reshape {{.*}} to tensor<2x2x1x9xf32>
// CHECK: %[[LOGITS:.*]] = tessera.mul %[[DOT]]
// CHECK: %[[ROW:.*]] = tessera.slice %arg1 {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<2x1x9x9xf32> to tensor<2x1x1x9xf32>
// CHECK: %[[MASKED:.*]] = tessera.add %[[LOGITS]], %[[ROW]] : (tensor<2x2x1x9xf32>, tensor<2x1x1x9xf32>) -> tensor<2x2x1x9xf32>
// CHECK: tessera.softmax %[[MASKED]] {axis = 3 : i64}
// CHECK: %[[X:.*]], %{{.*}} = tessera.token_prune {{.*}} -> (tensor<2x5x16xf32>, tensor<2x5xf32>)
// CHECK: %[[CLS:.*]] = tessera.slice %[[X]] {{.*}} : tensor<2x5x16xf32> to tensor<2x1x16xf32>
// CHECK: %[[D:.*]] = tessera.add %[[X]], %[[CLS]]
// CHECK: tessera.reduce_max %[[D]] {axes = array<i64: 1>, keepdims = false} : tensor<2x5x16xf32> to tensor<2x16xf32>
func.func @per_query_mask(%x: tensor<2x9x16xf32>, %mask: tensor<2x1x9x9xf32>) -> tensor<2x16xf32> {
  %h1 = tessera.reshape %x : tensor<2x9x16xf32> to tensor<2x9x2x8xf32>
  %q1 = tessera.transpose %h1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x9x2x8xf32> to tensor<2x2x9x8xf32>
  %a1 = tessera.attention %q1, %q1, %q1, %mask {mask_kind = "additive", scale = 0.35 : f64} : (tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>, tensor<2x1x9x9xf32>) -> tensor<2x2x9x8xf32>
  %t1 = tessera.transpose %a1 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x9x8xf32> to tensor<2x9x2x8xf32>
  %o1 = tessera.reshape %t1 : tensor<2x9x2x8xf32> to tensor<2x9x16xf32>
  %r1 = tessera.add %o1, %x : (tensor<2x9x16xf32>, tensor<2x9x16xf32>) -> tensor<2x9x16xf32>
  %s = tessera.slice %r1 {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x9x16xf32> to tensor<2x1x16xf32>
  %d = tessera.add %r1, %s : (tensor<2x9x16xf32>, tensor<2x1x16xf32>) -> tensor<2x9x16xf32>
  %m = tessera.reduce_max %d {axes = array<i64: 1>, keepdims = false} : tensor<2x9x16xf32> to tensor<2x16xf32>
  return %m : tensor<2x16xf32>
}
