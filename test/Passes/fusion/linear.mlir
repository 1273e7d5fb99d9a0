// RUN: tessera-opt %s -split-input-file -tessera-fuse-linear -canonicalize | FileCheck %s
// MatMul by a 2-D weight + bias + activation + residual -> tessera.linear.

// nn.Linear on 3-D input (MatMul + Add), GELU, then the residual.
// CHECK-LABEL: func @mlp_epilogue
// CHECK: %[[L:.*]] = tessera.linear %arg0, %arg1 bias %arg2 residual %arg0 {activation = "gelu"} : (tensor<2x5x8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
// CHECK-NEXT: return %[[L]]
func.func @mlp_epilogue(%x: tensor<2x5x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<2x5x8xf32> {
  %m = tessera.matmul %x, %w : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  %a = tessera.add %b, %m : (tensor<8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
  %g = tessera.gelu %a : tensor<2x5x8xf32>
  %r = tessera.add %x, %g : (tensor<2x5x8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
  return %r : tensor<2x5x8xf32>
}

// -----

// Gemm with transB: the [N, K] weight is kept as it is; the bias [1, N].
// CHECK-LABEL: func @gemm_transposed
// CHECK: tessera.linear %arg0, %arg1 bias %{{.*}} {activation = "relu", transpose_weight = true} : (tensor<4x16xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<4x32xf32>
func.func @gemm_transposed(%x: tensor<4x16xf32>, %w: tensor<32x16xf32>, %b: tensor<1x32xf32>) -> tensor<4x32xf32> {
  %wt = tessera.transpose %w {perm = array<i64: 1, 0>} : tensor<32x16xf32> to tensor<16x32xf32>
  %m = tessera.matmul %x, %wt : (tensor<4x16xf32>, tensor<16x32xf32>) -> tensor<4x32xf32>
  %a = tessera.add %m, %b : (tensor<4x32xf32>, tensor<1x32xf32>) -> tensor<4x32xf32>
  %r = tessera.relu %a : tensor<4x32xf32>
  return %r : tensor<4x32xf32>
}

// -----

// Near misses: a batched (3-D) right operand, a bias that varies per row,
// an activation on a linear with another use, an add that broadcasts the
// linear up.
// CHECK-LABEL: func @near_misses
// CHECK: tessera.matmul %arg0, %arg3
// CHECK: %[[L1:.*]] = tessera.linear %arg0, %arg1 :
// CHECK: tessera.add %[[L1]], %arg2
// CHECK: %[[L2:.*]] = tessera.linear %arg0, %arg1 :
// CHECK: tessera.relu %[[L2]]
// CHECK: %[[L3:.*]] = tessera.linear %arg4, %arg1 :
// CHECK: tessera.add %[[L3]], %arg0
func.func @near_misses(%x: tensor<2x5x8xf32>, %w: tensor<8x8xf32>, %rowbias: tensor<2x5x1xf32>, %wb: tensor<2x8x8xf32>, %x1: tensor<5x8xf32>) -> (tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>) {
  %m0 = tessera.matmul %x, %wb : (tensor<2x5x8xf32>, tensor<2x8x8xf32>) -> tensor<2x5x8xf32>
  %m1 = tessera.matmul %x, %w : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  %a1 = tessera.add %m1, %rowbias : (tensor<2x5x8xf32>, tensor<2x5x1xf32>) -> tensor<2x5x8xf32>
  %m2 = tessera.matmul %x, %w : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  %r2 = tessera.relu %m2 : tensor<2x5x8xf32>
  %m3 = tessera.matmul %x1, %w : (tensor<5x8xf32>, tensor<8x8xf32>) -> tensor<5x8xf32>
  %a3 = tessera.add %m3, %x : (tensor<5x8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
  return %m0, %a1, %r2, %m2, %a3 : tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>
}

// -----

// CHECK-LABEL: func @scalar_add
// CHECK: tessera.add
func.func @scalar_add(%a: tensor<f32>, %b: tensor<f32>) -> tensor<f32> {
  %z = tessera.add %a, %b : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %z : tensor<f32>
}
