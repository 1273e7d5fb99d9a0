// RUN: tessera-opt %s --convert-tessera-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-LABEL: func @reduce_sum_keepdims
// CHECK: %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[F:.+]] = linalg.fill ins(%[[Z]] : f32) outs(%{{.+}} : tensor<2xf32>)
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[OUT]]], iterator_types = ["parallel", "reduction", "reduction"]}
// CHECK-SAME: outs(%[[F]] : tensor<2xf32>)
// CHECK: arith.addf
// CHECK: %[[X:.+]] = tensor.expand_shape %[[R]] {{\[\[}}0, 1, 2]] output_shape [2, 1, 1]
// CHECK: return %[[X]]
func.func @reduce_sum_keepdims(%x: tensor<2x3x4xf32>) -> tensor<2x1x1xf32> {
  %0 = tessera.reduce_sum %x {axes = array<i64: 1, 2>, keepdims = true} : tensor<2x3x4xf32> to tensor<2x1x1xf32>
  return %0 : tensor<2x1x1xf32>
}

// -----

// CHECK-LABEL: func @reduce_mean
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction"]
// CHECK: arith.addf
// CHECK: %[[N:.+]] = arith.constant 8.000000e+00 : f32
// CHECK: linalg.generic
// CHECK: arith.divf %{{.+}}, %[[N]]
func.func @reduce_mean(%x: tensor<2x3x4xf32>) -> tensor<3xf32> {
  %0 = tessera.reduce_mean %x {axes = array<i64: 0, 2>, keepdims = false} : tensor<2x3x4xf32> to tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// CHECK-LABEL: func @reduce_max_min_prod_int
// CHECK: arith.constant -9223372036854775808 : i64
// CHECK: arith.maxsi
// CHECK: arith.constant 9223372036854775807 : i64
// CHECK: arith.minsi
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0, 1]] output_shape [1, 3]
// CHECK: arith.constant 1 : i64
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK: arith.muli
func.func @reduce_max_min_prod_int(%x: tensor<2x3xi64>) -> (tensor<2xi64>, tensor<1x3xi64>, tensor<i64>) {
  %0 = tessera.reduce_max %x {axes = array<i64: 1>, keepdims = false} : tensor<2x3xi64> to tensor<2xi64>
  %1 = tessera.reduce_min %x {axes = array<i64: 0>} : tensor<2x3xi64> to tensor<1x3xi64>
  %2 = tessera.reduce_prod %x {axes = array<i64: 0, 1>, keepdims = false} : tensor<2x3xi64> to tensor<i64>
  return %0, %1, %2 : tensor<2xi64>, tensor<1x3xi64>, tensor<i64>
}

// -----

// CHECK-LABEL: func @reduce_max_float
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: arith.maximumf
func.func @reduce_max_float(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  %0 = tessera.reduce_max %x {axes = array<i64: 1>} : tensor<2x3xf32> to tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

// CHECK-LABEL: func @argmax
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: %[[R:.+]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME: outs(%{{.+}}, %{{.+}} : tensor<2xf32>, tensor<2xi64>)
// CHECK: %[[GT:.+]] = arith.cmpf ogt
// CHECK: arith.cmpf uno
// CHECK: %[[TAKE:.+]] = arith.ori %[[GT]]
// CHECK: %[[I:.+]] = linalg.index 1 : index
// CHECK: %[[I64:.+]] = arith.index_cast %[[I]] : index to i64
// CHECK: arith.select %[[TAKE]]
// CHECK: arith.select %[[TAKE]], %[[I64]]
// CHECK: tensor.expand_shape %[[R]]#1 {{\[\[}}0, 1]] output_shape [2, 1]
func.func @argmax(%x: tensor<2x8xf32>) -> tensor<2x1xi64> {
  %0 = tessera.argmax %x {axis = 1 : i64, keepdims = true} : tensor<2x8xf32> to tensor<2x1xi64>
  return %0 : tensor<2x1xi64>
}

// -----

// CHECK-LABEL: func @argmin_last
// CHECK: arith.constant 2147483647 : i32
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK: arith.cmpi sle
// CHECK: linalg.index 0 : index
func.func @argmin_last(%x: tensor<4x3xi32>) -> tensor<3xi64> {
  %0 = tessera.argmin %x {axis = 0 : i64, keepdims = false, select_last_index = true} : tensor<4x3xi32> to tensor<3xi64>
  return %0 : tensor<3xi64>
}
