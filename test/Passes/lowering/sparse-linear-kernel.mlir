// RUN: tessera-opt %s -split-input-file --convert-tessera-to-linalg | FileCheck %s
// RUN: tessera-opt %s -split-input-file --convert-tessera-to-linalg --one-shot-bufferize=bufferize-function-boundaries --tessera-linalg-to-runtime-calls | FileCheck %s --check-prefix=CALL
// An f32 linear with `sparsity` and a constant weight lowers to the runtime's
// sparse kernel, its weight packed here in the [N, K] view: block (BSR)
// values block by block, row-major within each, the block column of each
// stored block and each block row's first block; N:M the kept values and
// their offsets within each group (flag 512; empty offsets). The scalars are
// the linear flags, then the pattern's rows and columns; the constant mask
// (14) marks the three packed arrays. Resources print as hex: 4 bytes of
// alignment, then the data.

// W[n, k] rows (0, 0, 0.25, 2) and (0, 0, -0.3, 0.4): of the 2x2 blocks only
// block column 1 is stored.
// CHECK-LABEL: func @block
// CHECK-DAG: %[[V:.*]] = arith.constant dense_resource<sparse_values> : tensor<4xf32>
// CHECK-DAG: %[[I:.*]] = arith.constant dense_resource<sparse_index> : tensor<1xi32>
// CHECK-DAG: %[[O:.*]] = arith.constant dense_resource<sparse_offsets> : tensor<2xi32>
// CHECK-DAG: %[[X:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: tessera.call_kernel "tessera_sparse_linear_f32" ins(%[[X]], %[[V]], %[[I]], %[[O]], %arg1, %[[X]] : tensor<6x4xf32>, tensor<4xf32>, tensor<1xi32>, tensor<2xi32>, tensor<2xf32>, tensor<6x4xf32>) outs(%{{.*}} : tensor<6x2xf32>) {constant_mask, scalars = [17, 2, 2]} -> tensor<6x2xf32>
// CHECK: sparse_values: "0x080000000000803E000000409A9999BECDCCCC3E"
// CHECK: sparse_index: "0x0800000001000000"
// CHECK: sparse_offsets: "0x080000000000000001000000"
// CALL-LABEL: func @block
// CALL: call @tessera_sparse_linear_f32({{.*}}) : (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?xi32, strided<[?], offset: ?>>, memref<?xi32, strided<[?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64, i64, i64) -> ()
func.func @block(%x: tensor<2x3x4xf32>, %b: tensor<2xf32>) -> tensor<2x3x2xf32> {
  %w = tessera.constant dense<[[0.0, 0.0], [0.0, 0.0], [0.25, -0.3], [2.0, 0.4]]> : tensor<4x2xf32>
  %0 = tessera.linear %x, %w bias %b {activation = "relu", sparsity = "block:2x2"} : (tensor<2x3x4xf32>, tensor<4x2xf32>, tensor<2xf32>) -> tensor<2x3x2xf32>
  return %0 : tensor<2x3x2xf32>
}

// -----

// 2:4 on W rows (1, 0, 0, 2 | 0, 0, 0, 0) and (0, 3, 0, 0 | 4, 0, 5, 0): an
// empty group keeps zeros at offsets 0 and 1, a group with one nonzero a
// zero at the first free offset: values 1 2 0 0 0 3 4 5, offsets
// 0 3 0 1 0 1 0 2.
// CHECK-LABEL: func @nm
// CHECK: tessera.call_kernel "tessera_sparse_linear_f32" ins(%arg0, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %arg0 : tensor<3x8xf32>, tensor<8xf32>, tensor<8xi32>, tensor<0xi32>, tensor<0xf32>, tensor<3x8xf32>) outs(%{{.*}} : tensor<3x2xf32>) {constant_mask, scalars = [512, 2, 4]}
// CHECK: sparse_values: "0x080000000000803F0000004000000000000000000000000000004040000080400000A040"
// CHECK: sparse_index: "0x080000000000000003000000000000000100000000000000010000000000000002000000"
func.func @nm(%x: tensor<3x8xf32>) -> tensor<3x2xf32> {
  %w = tessera.constant dense<[[1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0], [0.0, 3.0, 0.0, 0.0, 4.0, 0.0, 5.0, 0.0]]> : tensor<2x8xf32>
  %0 = tessera.linear %x, %w {sparsity = "2:4", transpose_weight = true} : (tensor<3x8xf32>, tensor<2x8xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Near misses: a weight with three nonzeros in a group of 4 breaks 2:4 and
// is stored as 1x1 blocks (same result); a weight that is not a constant
// takes the dense kernel.
// CHECK-LABEL: func @nm_broken
// CHECK: tessera.call_kernel "tessera_sparse_linear_f32" {{.*}} tensor<3xf32>, tensor<3xi32>, tensor<2xi32>, {{.*}} {constant_mask, scalars = [0, 1, 1]}
// CHECK-LABEL: func @not_constant
// CHECK: tessera.call_kernel "tessera_linear_f32" ins(%arg0, %arg1, {{.*}} {constant_mask, scalars = [0]}
func.func @nm_broken(%x: tensor<3x4xf32>) -> tensor<3x1xf32> {
  %w = tessera.constant dense<[[1.0, 2.0, 3.0, 0.0]]> : tensor<1x4xf32>
  %0 = tessera.linear %x, %w {sparsity = "2:4", transpose_weight = true} : (tensor<3x4xf32>, tensor<1x4xf32>) -> tensor<3x1xf32>
  return %0 : tensor<3x1xf32>
}

func.func @not_constant(%x: tensor<3x4xf32>, %w: tensor<4x2xf32>) -> tensor<3x2xf32> {
  %0 = tessera.linear %x, %w {sparsity = "block:1x2"} : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
