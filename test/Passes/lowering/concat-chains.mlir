// RUN: tessera-opt %s -split-input-file --tessera-lower-concat-chains | FileCheck %s
// Concats that extend one another (DenseNet's concat of all earlier
// features before each layer) share one buffer of the last one's shape.

// Three layers: each concat inserts only its new feature; the earlier ones
// are prefixes (extract_slice) of the buffer so far, the last one is the
// whole buffer. The buffer is created before the first feature's producer.
// CHECK-LABEL: func @dense_block
// CHECK: %[[E:.+]] = tensor.empty() : tensor<1x4x4x14xf32>
// CHECK-NEXT: %[[X0:.+]] = tessera.relu %arg0
// CHECK: %[[B0:.+]] = tensor.insert_slice %[[X0]] into %[[E]][0, 0, 0, 0] [1, 4, 4, 8] [1, 1, 1, 1]
// CHECK: %[[B1:.+]] = tensor.insert_slice %arg1 into %[[B0]][0, 0, 0, 8] [1, 4, 4, 2] [1, 1, 1, 1]
// CHECK: %[[V1:.+]] = tensor.extract_slice %[[B1]][0, 0, 0, 0] [1, 4, 4, 10] [1, 1, 1, 1] : tensor<1x4x4x14xf32> to tensor<1x4x4x10xf32>
// CHECK: %[[N1:.+]] = tessera.relu %[[V1]]
// CHECK: %[[B2:.+]] = tensor.insert_slice %arg2 into %[[B1]][0, 0, 0, 10] [1, 4, 4, 2] [1, 1, 1, 1]
// CHECK: %[[V2:.+]] = tensor.extract_slice %[[B2]][0, 0, 0, 0] [1, 4, 4, 12] [1, 1, 1, 1]
// CHECK: %[[N2:.+]] = tessera.relu %[[V2]]
// CHECK: %[[B3:.+]] = tensor.insert_slice %arg3 into %[[B2]][0, 0, 0, 12] [1, 4, 4, 2] [1, 1, 1, 1]
// CHECK-NOT: tessera.concat
// CHECK: return %[[N1]], %[[N2]], %[[B3]]
func.func @dense_block(%a: tensor<1x4x4x8xf32>, %x1: tensor<1x4x4x2xf32>, %x2: tensor<1x4x4x2xf32>, %x3: tensor<1x4x4x2xf32>) -> (tensor<1x4x4x10xf32>, tensor<1x4x4x12xf32>, tensor<1x4x4x14xf32>) {
  %x0 = tessera.relu %a : tensor<1x4x4x8xf32>
  %c1 = tessera.concat %x0, %x1 {axis = 3 : i64} : (tensor<1x4x4x8xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x10xf32>
  %n1 = tessera.relu %c1 : tensor<1x4x4x10xf32>
  %c2 = tessera.concat %x0, %x1, %x2 {axis = 3 : i64} : (tensor<1x4x4x8xf32>, tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x12xf32>
  %n2 = tessera.relu %c2 : tensor<1x4x4x12xf32>
  %c3 = tessera.concat %x0, %x1, %x2, %x3 {axis = 3 : i64} : (tensor<1x4x4x8xf32>, tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x14xf32>
  return %n1, %n2, %c3 : tensor<1x4x4x10xf32>, tensor<1x4x4x12xf32>, tensor<1x4x4x14xf32>
}

// -----

// Near misses, left to convert-tessera-to-linalg: the same inputs along
// another axis, the inputs in another order, a lone concat, and a second
// concat extending one that a first already extends (the first one takes
// the chain: %c1 and %c2 share a buffer, %c3 does not).
// CHECK-LABEL: func @near_misses
// CHECK: tessera.concat %arg0, %arg1 {axis = 0 : i64}
// CHECK: tessera.concat %arg1, %arg0, %arg2 {axis = 1 : i64}
// CHECK: tensor.empty() : tensor<2x6xf32>
// CHECK: tensor.insert_slice %arg0
// CHECK: tensor.insert_slice %arg1
// CHECK: tensor.extract_slice
// CHECK: tensor.insert_slice %arg2
// CHECK: tessera.concat %arg0, %arg1, %arg3 {axis = 1 : i64}
// CHECK-NOT: tensor.empty
func.func @near_misses(%a: tensor<2x2xf32>, %b: tensor<2x2xf32>, %c: tensor<2x2xf32>, %d: tensor<2x2xf32>) -> (tensor<4x2xf32>, tensor<2x6xf32>, tensor<2x4xf32>, tensor<2x6xf32>, tensor<2x6xf32>) {
  %r0 = tessera.concat %a, %b {axis = 0 : i64} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %r1 = tessera.concat %b, %a, %c {axis = 1 : i64} : (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x6xf32>
  %c1 = tessera.concat %a, %b {axis = 1 : i64} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %c2 = tessera.concat %a, %b, %c {axis = 1 : i64} : (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x6xf32>
  %c3 = tessera.concat %a, %b, %d {axis = 1 : i64} : (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x6xf32>
  return %r0, %r1, %c1, %c2, %c3 : tensor<4x2xf32>, tensor<2x6xf32>, tensor<2x4xf32>, tensor<2x6xf32>, tensor<2x6xf32>
}

