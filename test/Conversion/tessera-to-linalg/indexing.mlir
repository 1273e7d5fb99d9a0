// RUN: tessera-opt %s --convert-tessera-to-linalg -split-input-file | FileCheck %s

// GatherElements: a generic over the indices; the body wraps negative
// indices, clamps, and extracts.
// CHECK-LABEL: func @gather_elements
// CHECK-SAME: %[[X:.+]]: tensor<3x4xf32>, %[[I:.+]]: tensor<3x2xi64>
// CHECK: linalg.generic {{.*}} ins(%[[I]] : tensor<3x2xi64>)
// CHECK: ^bb0(%[[V:.+]]: i64, %{{.+}}: f32):
// CHECK: %[[D0:.+]] = linalg.index 0 : index
// CHECK: arith.cmpi slt, %[[V]]
// CHECK: arith.addi %[[V]], %{{.+}} : i64
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: %[[P:.+]] = arith.index_cast %{{.+}} : i64 to index
// CHECK: tensor.extract %[[X]][%[[D0]], %[[P]]] : tensor<3x4xf32>
func.func @gather_elements(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>) -> tensor<3x2xf32> {
  %0 = tessera.gather_elements %x, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// GatherND: the body reads each tuple entry from the index tensor.
// CHECK-LABEL: func @gather_nd
// CHECK-SAME: %[[X:.+]]: tensor<2x3x4xf32>, %[[I:.+]]: tensor<5x2xi32>
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<5x4xf32>)
// CHECK: %[[D0:.+]] = linalg.index 0
// CHECK: %[[D1:.+]] = linalg.index 1
// CHECK: %[[C0:.+]] = arith.constant 0 : index
// CHECK: tensor.extract %[[I]][%[[D0]], %[[C0]]] : tensor<5x2xi32>
// CHECK: %[[C1:.+]] = arith.constant 1 : index
// CHECK: tensor.extract %[[I]][%[[D0]], %[[C1]]] : tensor<5x2xi32>
// CHECK: tensor.extract %[[X]][%{{.+}}, %{{.+}}, %[[D1]]] : tensor<2x3x4xf32>
func.func @gather_nd(%x: tensor<2x3x4xf32>, %i: tensor<5x2xi32>) -> tensor<5x4xf32> {
  %0 = tessera.gather_nd %x, %i : (tensor<2x3x4xf32>, tensor<5x2xi32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// ScatterElements: an scf.for nest over the updates carrying the tensor.
// CHECK-LABEL: func @scatter_elements
// CHECK-SAME: %[[X:.+]]: tensor<3x3xf32>, %[[I:.+]]: tensor<2x3xi64>, %[[U:.+]]: tensor<2x3xf32>
// CHECK: %[[R:.+]] = scf.for %[[A:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[T0:.+]] = %[[X]]) -> (tensor<3x3xf32>)
// CHECK: scf.for %[[B:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[T1:.+]] = %[[T0]]) -> (tensor<3x3xf32>)
// CHECK: %[[UV:.+]] = tensor.extract %[[U]][%[[A]], %[[B]]]
// CHECK: tensor.extract %[[I]][%[[A]], %[[B]]]
// CHECK: %[[P:.+]] = arith.index_cast
// CHECK: %[[OLD:.+]] = tensor.extract %[[T1]][%[[P]], %[[B]]]
// CHECK: %[[NEW:.+]] = arith.mulf %[[OLD]], %[[UV]] : f32
// CHECK: %[[INS:.+]] = tensor.insert %[[NEW]] into %[[T1]][%[[P]], %[[B]]]
// CHECK: scf.yield %[[INS]]
// CHECK: return %[[R]]
func.func @scatter_elements(%x: tensor<3x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2x3xf32>) -> tensor<3x3xf32> {
  %0 = tessera.scatter_elements %x, %i, %u {axis = 0 : i64, reduction = "mul"} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// ScatterND of scalars at full index tuples; overwrite reads nothing back.
// CHECK-LABEL: func @scatter_nd
// CHECK-SAME: %[[X:.+]]: tensor<4x4xi64>, %[[I:.+]]: tensor<2x2xi64>, %[[U:.+]]: tensor<2xi64>
// CHECK: scf.for %[[A:.+]] = {{.*}} iter_args(%[[T:.+]] = %[[X]]) -> (tensor<4x4xi64>)
// CHECK: %[[UV:.+]] = tensor.extract %[[U]][%[[A]]]
// CHECK-NOT: tensor.extract %[[T]]
// CHECK: tensor.insert %[[UV]] into %[[T]][%{{.+}}, %{{.+}}] : tensor<4x4xi64>
func.func @scatter_nd(%x: tensor<4x4xi64>, %i: tensor<2x2xi64>, %u: tensor<2xi64>) -> tensor<4x4xi64> {
  %0 = tessera.scatter_nd %x, %i, %u : (tensor<4x4xi64>, tensor<2x2xi64>, tensor<2xi64>) -> tensor<4x4xi64>
  return %0 : tensor<4x4xi64>
}

// -----

// CHECK-LABEL: func @trig
// CHECK: linalg.generic
// CHECK: math.tan
// CHECK: math.acosh
// CHECK: math.atanh
func.func @trig(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tessera.tan %x : tensor<4xf32>
  %1 = tessera.acosh %0 : tensor<4xf32>
  %2 = tessera.atanh %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}
