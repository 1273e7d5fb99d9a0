// RUN: tessera-opt %s -split-input-file -tessera-token-merge="r=2" | FileCheck %s
// RUN: tessera-opt %s -split-input-file -tessera-token-merge="r=2 tag-only=1" | FileCheck %s --check-prefix=TAG

// Two encoder blocks (attention only) on [B, T, D] = [2, 8, 16], heads split
// [B, T, H, Dh] -> [B, H, T, Dh]: a merge after each attention's residual
// add, the second attention gets log(size) per key, and the final mean over
// the tokens weights them by size (size * n / sum(size)).
// CHECK-LABEL: func.func @two_blocks
// CHECK: %[[R1:.*]] = tessera.add %{{.*}}, %arg0 : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
// CHECK: %[[ONES:.*]] = tessera.constant dense<1.000000e+00> : tensor<2x8xf32>
// CHECK: %[[K1:.*]] = tessera.reshape %{{.*}} : tensor<2x2x8x8xf32> to tensor<1x2x2x8x8xf32>
// CHECK: %[[M1:.*]] = tessera.reduce_mean %[[K1]] {axes = array<i64: 0, 2>, keepdims = false} : tensor<1x2x2x8x8xf32> to tensor<2x8x8xf32>
// CHECK: %[[X1:.*]], %[[S1:.*]] = tessera.token_merge %[[R1]], %[[M1]], %[[ONES]] {r = 2 : i64} : (tensor<2x8x16xf32>, tensor<2x8x8xf32>, tensor<2x8xf32>) -> (tensor<2x6x16xf32>, tensor<2x6xf32>)
// CHECK: tessera.reshape %[[X1]] : tensor<2x6x16xf32> to tensor<2x6x2x8xf32>
// CHECK: %[[LOG:.*]] = tessera.log %[[S1]] : tensor<2x6xf32>
// CHECK: %[[BIAS:.*]] = tessera.reshape %[[LOG]] : tensor<2x6xf32> to tensor<2x1x1x6xf32>
// CHECK: tessera.attention %{{.*}}, %{{.*}}, %{{.*}}, %[[BIAS]] {mask_kind = "additive", scale = {{.*}}} : (tensor<2x2x6x8xf32>, tensor<2x2x6x8xf32>, tensor<2x2x6x8xf32>, tensor<2x1x1x6xf32>) -> tensor<2x2x6x8xf32>
// CHECK: %[[R2:.*]] = tessera.add %{{.*}}, %[[X1]] : (tensor<2x6x16xf32>, tensor<2x6x16xf32>) -> tensor<2x6x16xf32>
// CHECK: %[[X2:.*]], %[[S2:.*]] = tessera.token_merge %[[R2]], %{{.*}}, %[[S1]] {r = 2 : i64} : (tensor<2x6x16xf32>, tensor<2x6x8xf32>, tensor<2x6xf32>) -> (tensor<2x4x16xf32>, tensor<2x4xf32>)
// CHECK: %[[TOTAL:.*]] = tessera.reduce_sum %[[S2]] {axes = array<i64: 1>} : tensor<2x4xf32> to tensor<2x1xf32>
// CHECK: %[[N:.*]] = tessera.constant dense<4.000000e+00> : tensor<f32>
// CHECK: %[[SHARE:.*]] = tessera.div %[[S2]], %[[TOTAL]] : (tensor<2x4xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
// CHECK: %[[W:.*]] = tessera.mul %[[SHARE]], %[[N]]
// CHECK: %[[WL:.*]] = tessera.reshape %[[W]] : tensor<2x4xf32> to tensor<2x4x1xf32>
// CHECK: %[[XW:.*]] = tessera.mul %[[X2]], %[[WL]] : (tensor<2x4x16xf32>, tensor<2x4x1xf32>) -> tensor<2x4x16xf32>
// CHECK: tessera.reduce_mean %[[XW]] {axes = array<i64: 1>, keepdims = false} : tensor<2x4x16xf32> to tensor<2x16xf32>
// TAG-LABEL: func.func @two_blocks
// TAG-NOT: tessera.token_merge
func.func @two_blocks(%x: tensor<2x8x16xf32>) -> tensor<2x16xf32> {
  %h = tessera.reshape %x : tensor<2x8x16xf32> to tensor<2x8x2x8xf32>
  %q = tessera.transpose %h {perm = array<i64: 0, 2, 1, 3>} : tensor<2x8x2x8xf32> to tensor<2x2x8x8xf32>
  %a = tessera.attention %q, %q, %q {scale = 0.35 : f64} : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %t = tessera.transpose %a {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x8x8xf32> to tensor<2x8x2x8xf32>
  %o = tessera.reshape %t : tensor<2x8x2x8xf32> to tensor<2x8x16xf32>
  %r = tessera.add %o, %x : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %h2 = tessera.reshape %r : tensor<2x8x16xf32> to tensor<2x8x2x8xf32>
  %q2 = tessera.transpose %h2 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x8x2x8xf32> to tensor<2x2x8x8xf32>
  %a2 = tessera.attention %q2, %q2, %q2 {scale = 0.35 : f64} : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %t2 = tessera.transpose %a2 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x8x8xf32> to tensor<2x8x2x8xf32>
  %o2 = tessera.reshape %t2 : tensor<2x8x2x8xf32> to tensor<2x8x16xf32>
  %r2 = tessera.add %o2, %r : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %m = tessera.reduce_mean %r2 {axes = array<i64: 1>, keepdims = false} : tensor<2x8x16xf32> to tensor<2x16xf32>
  return %m : tensor<2x16xf32>
}

// -----

// Sequence-first [T, B, D] with batch folded into the heads ([T, B*H, Dh] ->
// [1, B*H, T, Dh], as nn.MultiheadAttention exports) and an output
// projection on [T*B, D] rows: the merge works on [B, T, D] between
// transposes, the metric averages the keys over the heads of each batch
// item, the log-size bias is repeated per head, and the mean over the
// tokens (dimension 0) weights them by size laid out as [T, B, 1].
// CHECK-LABEL: func.func @sequence_first
// CHECK: %[[R:.*]] = tessera.add {{.*}} -> tensor<8x2x16xf32>
// CHECK: %[[IN:.*]] = tessera.transpose %[[R]] {perm = array<i64: 1, 0, 2>} : tensor<8x2x16xf32> to tensor<2x8x16xf32>
// CHECK: tessera.reshape %{{.*}} : tensor<1x4x8x8xf32> to tensor<1x2x2x8x8xf32>
// CHECK: %[[X:.*]], %[[S:.*]] = tessera.token_merge %[[IN]], {{.*}} -> (tensor<2x6x16xf32>, tensor<2x6xf32>)
// CHECK: %[[OUT:.*]] = tessera.transpose %[[X]] {perm = array<i64: 1, 0, 2>} : tensor<2x6x16xf32> to tensor<6x2x16xf32>
// CHECK: tessera.reshape %[[OUT]] : tensor<6x2x16xf32> to tensor<6x4x8xf32>
// CHECK: %[[LOG:.*]] = tessera.log %[[S]]
// CHECK: tessera.reshape %[[LOG]] : tensor<2x6xf32> to tensor<1x1x2x1x1x6xf32>
// CHECK: tessera.broadcast_to {{.*}} to tensor<1x1x2x2x1x6xf32>
// CHECK: tessera.reshape {{.*}} to tensor<1x4x1x6xf32>
// CHECK: tessera.attention {{.*}} -> tensor<1x4x6x8xf32>
// CHECK: tessera.linear {{.*}} : (tensor<12x16xf32>, tensor<16x16xf32>) -> tensor<12x16xf32>
// CHECK: tessera.token_merge {{.*}} -> (tensor<2x4x16xf32>, tensor<2x4xf32>)
// CHECK: %[[W:.*]] = tessera.mul
// CHECK: %[[WT:.*]] = tessera.transpose %[[W]] {perm = array<i64: 1, 0>} : tensor<2x4xf32> to tensor<4x2xf32>
// CHECK: %[[WL:.*]] = tessera.reshape %[[WT]] : tensor<4x2xf32> to tensor<4x2x1xf32>
// CHECK: %[[XW:.*]] = tessera.mul %{{.*}}, %[[WL]] : (tensor<4x2x16xf32>, tensor<4x2x1xf32>) -> tensor<4x2x16xf32>
// CHECK: tessera.reduce_mean %[[XW]] {axes = array<i64: 0>, keepdims = false} : tensor<4x2x16xf32> to tensor<2x16xf32>
func.func @sequence_first(%x: tensor<8x2x16xf32>, %w: tensor<16x16xf32>) -> tensor<2x16xf32> {
  %i1 = tessera.reshape %x : tensor<8x2x16xf32> to tensor<8x4x8xf32>
  %t1 = tessera.transpose %i1 {perm = array<i64: 1, 0, 2>} : tensor<8x4x8xf32> to tensor<4x8x8xf32>
  %q1 = tessera.reshape %t1 : tensor<4x8x8xf32> to tensor<1x4x8x8xf32>
  %a1 = tessera.attention %q1, %q1, %q1 {scale = 0.35 : f64} : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %b1 = tessera.reshape %a1 : tensor<1x4x8x8xf32> to tensor<4x8x8xf32>
  %u1 = tessera.transpose %b1 {perm = array<i64: 1, 0, 2>} : tensor<4x8x8xf32> to tensor<8x4x8xf32>
  %f1 = tessera.reshape %u1 : tensor<8x4x8xf32> to tensor<16x16xf32>
  %l1 = tessera.linear %f1, %w : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %o1 = tessera.reshape %l1 : tensor<16x16xf32> to tensor<8x2x16xf32>
  %r1 = tessera.add %x, %o1 : (tensor<8x2x16xf32>, tensor<8x2x16xf32>) -> tensor<8x2x16xf32>
  %i2 = tessera.reshape %r1 : tensor<8x2x16xf32> to tensor<8x4x8xf32>
  %t2 = tessera.transpose %i2 {perm = array<i64: 1, 0, 2>} : tensor<8x4x8xf32> to tensor<4x8x8xf32>
  %q2 = tessera.reshape %t2 : tensor<4x8x8xf32> to tensor<1x4x8x8xf32>
  %a2 = tessera.attention %q2, %q2, %q2 {scale = 0.35 : f64} : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %b2 = tessera.reshape %a2 : tensor<1x4x8x8xf32> to tensor<4x8x8xf32>
  %u2 = tessera.transpose %b2 {perm = array<i64: 1, 0, 2>} : tensor<4x8x8xf32> to tensor<8x4x8xf32>
  %f2 = tessera.reshape %u2 : tensor<8x4x8xf32> to tensor<16x16xf32>
  %l2 = tessera.linear %f2, %w : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %o2 = tessera.reshape %l2 : tensor<16x16xf32> to tensor<8x2x16xf32>
  %r2 = tessera.add %r1, %o2 : (tensor<8x2x16xf32>, tensor<8x2x16xf32>) -> tensor<8x2x16xf32>
  %m = tessera.reduce_mean %r2 {axes = array<i64: 0>, keepdims = false} : tensor<8x2x16xf32> to tensor<2x16xf32>
  return %m : tensor<2x16xf32>
}

// -----

// The output projection on the [T, D] rows of a batch of one, the residual
// taken by its epilogue as rows and the result viewed back as [1, T, D]
// (tessera-fuse-linear's form of torch's attention): the stream after the
// block is that view, where the merge goes.
// CHECK-LABEL: func.func @rows_residual
// CHECK: %[[RR:.*]] = tessera.reshape %arg0 : tensor<1x8x16xf32> to tensor<8x16xf32>
// CHECK: %[[L:.*]] = tessera.linear %{{.*}}, %arg1 residual %[[RR]]
// CHECK: %[[BACK:.*]] = tessera.reshape %[[L]] : tensor<8x16xf32> to tensor<1x8x16xf32>
// CHECK: %[[X:.*]], %{{.*}} = tessera.token_merge %[[BACK]], {{.*}} -> (tensor<1x6x16xf32>, tensor<1x6xf32>)
// CHECK: tessera.reduce_mean {{.*}} : tensor<1x6x16xf32> to tensor<1x16xf32>
func.func @rows_residual(%x: tensor<1x8x16xf32>, %w: tensor<16x16xf32>) -> tensor<1x16xf32> {
  %h = tessera.reshape %x : tensor<1x8x16xf32> to tensor<1x8x2x8xf32>
  %q = tessera.transpose %h {perm = array<i64: 0, 2, 1, 3>} : tensor<1x8x2x8xf32> to tensor<1x2x8x8xf32>
  %a = tessera.attention %q, %q, %q {scale = 0.35 : f64} : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %t = tessera.transpose %a {perm = array<i64: 0, 2, 1, 3>} : tensor<1x2x8x8xf32> to tensor<1x8x2x8xf32>
  %o = tessera.reshape %t : tensor<1x8x2x8xf32> to tensor<8x16xf32>
  %rr = tessera.reshape %x : tensor<1x8x16xf32> to tensor<8x16xf32>
  %l = tessera.linear %o, %w residual %rr : (tensor<8x16xf32>, tensor<16x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %r = tessera.reshape %l : tensor<8x16xf32> to tensor<1x8x16xf32>
  %m = tessera.reduce_mean %r {axes = array<i64: 1>, keepdims = false} : tensor<1x8x16xf32> to tensor<1x16xf32>
  return %m : tensor<1x16xf32>
}
