// RUN: tessera-opt %s -split-input-file --convert-tessera-to-linalg | FileCheck %s
// RUN: tessera-opt %s -split-input-file --convert-tessera-to-linalg --one-shot-bufferize=bufferize-function-boundaries --tessera-linalg-to-runtime-calls | FileCheck %s --check-prefix=CALL
// f32 linear lowers to the runtime GEMM with a fused epilogue on [M, K] x
// [K, N] matrices: flags = activation code | 16 bias | 32 residual |
// 64 transposed weight; absent operands are unread stand-ins; the call gets
// the constant-operand mask last (bit 1: the weight is a constant global).

// CHECK-LABEL: func @linear_3d
// CHECK: %[[X:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<2x5x12xf32> into tensor<10x12xf32>
// CHECK: %[[R:.*]] = tensor.collapse_shape %arg3 {{\[\[}}0, 1], [2]] : tensor<2x5x20xf32> into tensor<10x20xf32>
// CHECK: %[[C:.*]] = tessera.call_kernel "tessera_linear_f32" ins(%[[X]], %arg1, %arg2, %[[R]] : tensor<10x12xf32>, tensor<20x12xf32>, tensor<20xf32>, tensor<10x20xf32>) outs(%{{.*}} : tensor<10x20xf32>) {constant_mask, scalars = [114]} -> tensor<10x20xf32>
// CHECK: tensor.expand_shape %[[C]] {{\[\[}}0, 1], [2]] output_shape [2, 5, 20] : tensor<10x20xf32> into tensor<2x5x20xf32>
func.func @linear_3d(%x: tensor<2x5x12xf32>, %w: tensor<20x12xf32>, %b: tensor<20xf32>, %r: tensor<2x5x20xf32>) -> tensor<2x5x20xf32> {
  %0 = tessera.linear %x, %w bias %b residual %r {transpose_weight = true, activation = "gelu"} : (tensor<2x5x12xf32>, tensor<20x12xf32>, tensor<20xf32>, tensor<2x5x20xf32>) -> tensor<2x5x20xf32>
  return %0 : tensor<2x5x20xf32>
}

// -----

// CHECK-LABEL: func @const_weight
// CHECK: %[[E:.*]] = tensor.empty() : tensor<0xf32>
// CHECK: tessera.call_kernel "tessera_linear_f32" ins(%arg0, %{{.*}}, %[[E]], %arg0 : {{.*}}) {{.*}} {constant_mask, scalars = [4]}
// CALL-LABEL: func @const_weight
// CALL-DAG: %[[MASK:.*]] = arith.constant 2 : i64
// CALL-DAG: %[[G:.*]] = memref.get_global
// CALL: %[[W:.*]] = memref.cast %[[G]]
// CALL: call @tessera_linear_f32(%{{.*}}, %[[W]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[MASK]]) : (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64) -> ()
func.func @const_weight(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = tessera.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %0 = tessera.linear %x, %w {activation = "silu"} : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// A token mask (padding-free): the row kernel, with the mask as i32 rows
// (1 where the entry is nonzero) after the residual.
// CHECK-LABEL: func @token_mask
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %arg2 {{\[\[}}0, 1]] : tensor<2x5xi64> into tensor<10xi64>
// CHECK: %[[I32:.*]] = linalg.generic {{.*}} ins(%[[ROWS]] : tensor<10xi64>) outs(%{{.*}} : tensor<10xi32>)
// CHECK:   arith.cmpi ne
// CHECK:   arith.extui %{{.*}} : i1 to i32
// CHECK: tessera.call_kernel "tessera_linear_rows_f32" ins(%{{.*}}, %arg1, %{{.*}}, %{{.*}}, %[[I32]] : tensor<10x12xf32>, tensor<12x20xf32>, tensor<0xf32>, tensor<10x12xf32>, tensor<10xi32>) outs(%{{.*}} : tensor<10x20xf32>) {constant_mask, scalars = [0]}
// CALL-LABEL: func @token_mask
// CALL: call @tessera_linear_rows_f32(
func.func @token_mask(%x: tensor<2x5x12xf32>, %w: tensor<12x20xf32>, %m: tensor<2x5xi64>) -> tensor<2x5x20xf32> {
  %0 = tessera.linear %x, %w token_mask %m : (tensor<2x5x12xf32>, tensor<12x20xf32>, tensor<2x5xi64>) -> tensor<2x5x20xf32>
  return %0 : tensor<2x5x20xf32>
}
