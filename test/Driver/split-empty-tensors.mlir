// RUN: tessera-opt %s -split-input-file --tessera-split-empty-tensors="group-size=2" | FileCheck %s
// A tensor.empty with more uses than the group size: each further group of
// uses, in program order, gets an empty of its own placed before its first
// user.

// Five fills into one empty, groups of 2: the first two keep it, the next
// two and the last one get new empties.
// CHECK-LABEL: func @many
// CHECK: %[[E0:.+]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[F0:.+]] = linalg.fill ins(%arg0 : f32) outs(%[[E0]]
// CHECK: %[[F1:.+]] = linalg.fill ins(%arg1 : f32) outs(%[[E0]]
// CHECK: %[[E1:.+]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: %[[F2:.+]] = linalg.fill ins(%arg2 : f32) outs(%[[E1]]
// CHECK: %[[F3:.+]] = linalg.fill ins(%arg3 : f32) outs(%[[E1]]
// CHECK: %[[E2:.+]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: %[[F4:.+]] = linalg.fill ins(%arg4 : f32) outs(%[[E2]]
// CHECK: return %[[F0]], %[[F1]], %[[F2]], %[[F3]], %[[F4]]
func.func @many(%a: f32, %b: f32, %c: f32, %d: f32, %e: f32) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = tensor.empty() : tensor<4xf32>
  %1 = linalg.fill ins(%a : f32) outs(%0 : tensor<4xf32>) -> tensor<4xf32>
  %2 = linalg.fill ins(%b : f32) outs(%0 : tensor<4xf32>) -> tensor<4xf32>
  %3 = linalg.fill ins(%c : f32) outs(%0 : tensor<4xf32>) -> tensor<4xf32>
  %4 = linalg.fill ins(%d : f32) outs(%0 : tensor<4xf32>) -> tensor<4xf32>
  %5 = linalg.fill ins(%e : f32) outs(%0 : tensor<4xf32>) -> tensor<4xf32>
  return %1, %2, %3, %4, %5 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// A dynamic size is reused by the new empty; a use inside a loop counts at
// the loop, whose new empty goes before it. Near miss: an empty with no
// more uses than the group size stays as it is.
// CHECK-LABEL: func @nested
// CHECK: %[[E0:.+]] = tensor.empty(%arg0) : tensor<?xf32>
// CHECK: %[[K:.+]] = tensor.empty() : tensor<2xf32>
// CHECK: linalg.fill ins(%arg1 : f32) outs(%[[E0]]
// CHECK: linalg.fill ins(%arg1 : f32) outs(%[[E0]]
// CHECK: %[[E1:.+]] = tensor.empty(%arg0) : tensor<?xf32>
// CHECK-NEXT: scf.for
// CHECK: linalg.fill ins(%arg1 : f32) outs(%[[E1]]
// CHECK-NOT: tensor.empty
// CHECK: linalg.fill ins(%arg1 : f32) outs(%[[K]]
// CHECK: linalg.fill ins(%arg1 : f32) outs(%[[K]]
func.func @nested(%n: index, %x: f32) -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<2xf32>, tensor<2xf32>) {
  %0 = tensor.empty(%n) : tensor<?xf32>
  %k = tensor.empty() : tensor<2xf32>
  %1 = linalg.fill ins(%x : f32) outs(%0 : tensor<?xf32>) -> tensor<?xf32>
  %2 = linalg.fill ins(%x : f32) outs(%0 : tensor<?xf32>) -> tensor<?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %3 = scf.for %i = %c0 to %c1 step %c1 iter_args(%acc = %1) -> tensor<?xf32> {
    %f = linalg.fill ins(%x : f32) outs(%0 : tensor<?xf32>) -> tensor<?xf32>
    scf.yield %f : tensor<?xf32>
  }
  %4 = linalg.fill ins(%x : f32) outs(%k : tensor<2xf32>) -> tensor<2xf32>
  %5 = linalg.fill ins(%x : f32) outs(%k : tensor<2xf32>) -> tensor<2xf32>
  return %2, %3, %1, %4, %5 : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<2xf32>, tensor<2xf32>
}
