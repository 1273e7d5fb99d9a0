// RUN: tessera-opt %s --convert-tessera-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @cumsum
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: %[[I:.+]] = linalg.index 1 : index
// CHECK: %[[J:.+]] = linalg.index 2 : index
// CHECK: %[[K:.+]] = arith.cmpi sle, %[[J]], %[[I]] : index
// CHECK: arith.select %[[K]]
// CHECK: arith.addf
func.func @cumsum(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %0 = tessera.cumsum %x {axis = 1 : i64} : tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-LABEL: func @cumsum_exclusive_reverse
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #{{.+}}]
// CHECK: %[[I:.+]] = linalg.index 0 : index
// CHECK: %[[J:.+]] = linalg.index 2 : index
// CHECK: arith.cmpi sgt, %[[J]], %[[I]] : index
// CHECK: arith.addi
func.func @cumsum_exclusive_reverse(%x: tensor<5x3xi64>) -> tensor<5x3xi64> {
  %0 = tessera.cumsum %x {axis = 0 : i64, exclusive = true, reverse = true} : tensor<5x3xi64>
  return %0 : tensor<5x3xi64>
}

// -----

// CHECK-LABEL: func @trilu_upper
// CHECK: linalg.index 1 : index
// CHECK: linalg.index 2 : index
// CHECK: %[[D:.+]] = arith.subi
// CHECK: %[[K:.+]] = arith.constant 1 : i64
// CHECK: %[[KEEP:.+]] = arith.cmpi sge, %[[D]], %[[K]] : i64
// CHECK: arith.select %[[KEEP]]
func.func @trilu_upper(%x: tensor<2x4x4xf32>) -> tensor<2x4x4xf32> {
  %0 = tessera.trilu %x {upper = true, k = 1 : i64} : tensor<2x4x4xf32>
  return %0 : tensor<2x4x4xf32>
}

// -----

// CHECK-LABEL: func @trilu_lower
// CHECK: linalg.index 0 : index
// CHECK: linalg.index 1 : index
// CHECK: arith.cmpi sle
// CHECK: %[[F:.+]] = arith.constant false
// CHECK: arith.select %{{.+}}, %{{.+}}, %[[F]] : i1
func.func @trilu_lower(%x: tensor<4x5xi1>) -> tensor<4x5xi1> {
  %0 = tessera.trilu %x {upper = false} : tensor<4x5xi1>
  return %0 : tensor<4x5xi1>
}
