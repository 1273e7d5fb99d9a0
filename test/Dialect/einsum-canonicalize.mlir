// RUN: tessera-opt %s -split-input-file -canonicalize | FileCheck %s
// Two-operand einsums that are batched matrix products become matmuls (with
// the transposes/reshapes their letter order needs); others stay.

// CHECK-LABEL: func @attention_scores
// CHECK: %[[KT:.*]] = tessera.transpose %arg1 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x5x8xf32> to tensor<1x2x8x5xf32>
// CHECK: %[[S:.*]] = tessera.matmul %arg0, %[[KT]] : (tensor<1x2x4x8xf32>, tensor<1x2x8x5xf32>) -> tensor<1x2x4x5xf32>
// CHECK: return %[[S]]
func.func @attention_scores(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x5x8xf32>) -> tensor<1x2x4x5xf32> {
  %s = tessera.einsum %q, %k {equation = "bhqd,bhkd->bhqk"} : (tensor<1x2x4x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x2x4x5xf32>
  return %s : tensor<1x2x4x5xf32>
}

// -----

// Two contracted letters and an output order that needs a final transpose.
// CHECK-LABEL: func @grouped_letters
// CHECK: %[[A:.*]] = tessera.reshape %arg0 : tensor<3x2x4xf32> to tensor<3x8xf32>
// CHECK: %[[B:.*]] = tessera.transpose %arg1 {perm = array<i64: 1, 2, 0>} : tensor<5x2x4xf32> to tensor<2x4x5xf32>
// CHECK: %[[B2:.*]] = tessera.reshape %[[B]] : tensor<2x4x5xf32> to tensor<8x5xf32>
// CHECK: %[[P:.*]] = tessera.matmul %[[A]], %[[B2]] : (tensor<3x8xf32>, tensor<8x5xf32>) -> tensor<3x5xf32>
// CHECK: tessera.transpose %[[P]] {perm = array<i64: 1, 0>} : tensor<3x5xf32> to tensor<5x3xf32>
func.func @grouped_letters(%a: tensor<3x2x4xf32>, %b: tensor<5x2x4xf32>) -> tensor<5x3xf32> {
  %r = tessera.einsum %a, %b {equation = "ijk,ljk->li"} : (tensor<3x2x4xf32>, tensor<5x2x4xf32>) -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}

// -----

// Stay einsums: a matrix-vector product (N = 1), a letter summed in one
// operand alone, a diagonal, three operands.
// CHECK-LABEL: func @not_matmuls
// CHECK-COUNT-4: tessera.einsum
// CHECK-NOT: tessera.matmul
func.func @not_matmuls(%h: tensor<1x6x8xf32>, %c: tensor<1x8xf32>, %a: tensor<3x4xf32>, %b: tensor<4x4xf32>) -> (tensor<1x6xf32>, tensor<4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) {
  %0 = tessera.einsum %h, %c {equation = "bdn,bn->bd"} : (tensor<1x6x8xf32>, tensor<1x8xf32>) -> tensor<1x6xf32>
  %1 = tessera.einsum %a, %b {equation = "ij,jk->k"} : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<4xf32>
  %2 = tessera.einsum %a, %b {equation = "ij,jj->ij"} : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
  %3 = tessera.einsum %a, %b, %b {equation = "ij,jk,kl->il"} : (tensor<3x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
  return %0, %1, %2, %3 : tensor<1x6xf32>, tensor<4xf32>, tensor<3x4xf32>, tensor<3x4xf32>
}
