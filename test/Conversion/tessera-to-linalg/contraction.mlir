// RUN: tessera-opt %s --convert-tessera-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func @matmul_2d
// CHECK-SAME: %[[A:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<8x16xf32>
// CHECK: %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.+]] = tensor.empty() : tensor<4x16xf32>
// CHECK: %[[F:.+]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E]] : tensor<4x16xf32>)
// CHECK: %[[M:.+]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<4x8xf32>, tensor<8x16xf32>) outs(%[[F]] : tensor<4x16xf32>)
// CHECK: return %[[M]]
func.func @matmul_2d(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %0 = tessera.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func @matmul_shared_rhs
// CHECK: %[[C:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2], [3]] : tensor<2x3x4x8xf32> into tensor<24x8xf32>
// CHECK: %[[M:.+]] = linalg.matmul ins(%[[C]], %{{.+}} : tensor<24x8xf32>, tensor<8x16xf32>)
// CHECK: %[[X:.+]] = tensor.expand_shape %[[M]] {{\[\[}}0, 1, 2], [3]] output_shape [2, 3, 4, 16]
// CHECK: return %[[X]]
func.func @matmul_shared_rhs(%a: tensor<2x3x4x8xf32>, %b: tensor<8x16xf32>) -> tensor<2x3x4x16xf32> {
  %0 = tessera.matmul %a, %b : (tensor<2x3x4x8xf32>, tensor<8x16xf32>) -> tensor<2x3x4x16xf32>
  return %0 : tensor<2x3x4x16xf32>
}

// -----

// CHECK-DAG: #[[LHS:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>
// CHECK-DAG: #[[RHS:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
// CHECK-LABEL: func @matmul_batch
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #{{.+}}]
// CHECK: %[[L:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1], [2], [3]] : tensor<2x3x4x8xf32> into tensor<6x4x8xf32>
// CHECK: linalg.generic {indexing_maps = [#[[RHS]], #{{.+}}]
// CHECK: %[[R:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1], [2], [3]] : tensor<2x3x8x16xf32> into tensor<6x8x16xf32>
// CHECK: %[[M:.+]] = linalg.batch_matmul ins(%[[L]], %[[R]] : tensor<6x4x8xf32>, tensor<6x8x16xf32>)
// CHECK: tensor.expand_shape %[[M]] {{\[\[}}0, 1], [2], [3]] output_shape [2, 3, 4, 16]
func.func @matmul_batch(%a: tensor<2x1x4x8xf32>, %b: tensor<3x8x16xf32>) -> tensor<2x3x4x16xf32> {
  %0 = tessera.matmul %a, %b : (tensor<2x1x4x8xf32>, tensor<3x8x16xf32>) -> tensor<2x3x4x16xf32>
  return %0 : tensor<2x3x4x16xf32>
}

// -----

// CHECK-LABEL: func @matmul_rank3
// CHECK: arith.constant 0 : i32
// CHECK: linalg.fill
// CHECK: linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<5x4x8xi32>, tensor<5x8x16xi32>)
// CHECK-NOT: tensor.expand_shape
func.func @matmul_rank3(%a: tensor<5x4x8xi32>, %b: tensor<5x8x16xi32>) -> tensor<5x4x16xi32> {
  %0 = tessera.matmul %a, %b : (tensor<5x4x8xi32>, tensor<5x8x16xi32>) -> tensor<5x4x16xi32>
  return %0 : tensor<5x4x16xi32>
}

// -----

// CHECK-DAG: #[[Q:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[K:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[O:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @einsum_attention
// CHECK: linalg.generic {indexing_maps = [#[[Q]], #[[K]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @einsum_attention(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x5x8xf32>) -> tensor<1x2x4x5xf32> {
  %0 = tessera.einsum %q, %k {equation = "bhqd,bhkd->bhqk"} : (tensor<1x2x4x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x2x4x5xf32>
  return %0 : tensor<1x2x4x5xf32>
}

// -----

// CHECK-DAG: #[[DIAG:.+]] = affine_map<(d0) -> (d0, d0)>
// CHECK-DAG: #[[VEC:.+]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[SCALAR:.+]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func @einsum_diag
// CHECK: linalg.generic {indexing_maps = [#[[DIAG]], #[[VEC]], #[[SCALAR]]], iterator_types = ["reduction"]}
func.func @einsum_diag(%a: tensor<3x3xf32>, %v: tensor<3xf32>) -> tensor<f32> {
  %0 = tessera.einsum %a, %v {equation = "ii,i->"} : (tensor<3x3xf32>, tensor<3xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// A rhs with unit batch dims is one shared matrix: no broadcast copies.
// CHECK-LABEL: func @matmul_unit_batch_rhs
// CHECK-SAME: %[[A:.+]]: tensor<2x4x8xf32>, %[[B:.+]]: tensor<1x8x16xf32>
// CHECK: %[[R:.+]] = tensor.collapse_shape %[[B]] {{\[\[}}0, 1], [2]] : tensor<1x8x16xf32> into tensor<8x16xf32>
// CHECK: %[[L:.+]] = tensor.collapse_shape %[[A]] {{\[\[}}0, 1], [2]] : tensor<2x4x8xf32> into tensor<8x8xf32>
// CHECK: %[[M:.+]] = linalg.matmul ins(%[[L]], %[[R]] : tensor<8x8xf32>, tensor<8x16xf32>)
// CHECK: tensor.expand_shape %[[M]] {{\[\[}}0, 1], [2]] output_shape [2, 4, 16]
// CHECK-NOT: linalg.batch_matmul
func.func @matmul_unit_batch_rhs(%a: tensor<2x4x8xf32>, %b: tensor<1x8x16xf32>) -> tensor<2x4x16xf32> {
  %0 = tessera.matmul %a, %b : (tensor<2x4x8xf32>, tensor<1x8x16xf32>) -> tensor<2x4x16xf32>
  return %0 : tensor<2x4x16xf32>
}

// -----

// CHECK-LABEL: func @matmul_rank2_lhs_unit_rhs
// CHECK: %[[R:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2], [3]] : tensor<1x1x8x16xf32> into tensor<8x16xf32>
// CHECK: %[[M:.+]] = linalg.matmul ins(%{{.+}}, %[[R]] : tensor<4x8xf32>, tensor<8x16xf32>)
// CHECK: tensor.expand_shape %[[M]] {{\[\[}}0, 1, 2], [3]] output_shape [1, 1, 4, 16]
func.func @matmul_rank2_lhs_unit_rhs(%a: tensor<4x8xf32>, %b: tensor<1x1x8x16xf32>) -> tensor<1x1x4x16xf32> {
  %0 = tessera.matmul %a, %b : (tensor<4x8xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x4x16xf32>
  return %0 : tensor<1x1x4x16xf32>
}
