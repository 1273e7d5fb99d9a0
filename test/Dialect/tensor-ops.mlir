// RUN: tessera-opt %s -split-input-file | tessera-opt | FileCheck %s
// Round trip of the data-movement ops.

// CHECK-LABEL: func @reshape_transpose
func.func @reshape_transpose(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  // CHECK: tessera.reshape %{{.*}} : tensor<2x3x4xf32> to tensor<6x4xf32>
  %0 = tessera.reshape %x : tensor<2x3x4xf32> to tensor<6x4xf32>
  // CHECK: tessera.transpose %{{.*}} {perm = array<i64: 1, 0>} : tensor<6x4xf32> to tensor<4x6xf32>
  %1 = tessera.transpose %0 {perm = array<i64: 1, 0>} : tensor<6x4xf32> to tensor<4x6xf32>
  return %1 : tensor<4x6xf32>
}

// -----

// CHECK-LABEL: func @broadcast_concat
func.func @broadcast_concat(%x: tensor<1x4xf32>, %y: tensor<3x2xf32>) -> tensor<3x6xf32> {
  // CHECK: tessera.broadcast_to %{{.*}} : tensor<1x4xf32> to tensor<3x4xf32>
  %0 = tessera.broadcast_to %x : tensor<1x4xf32> to tensor<3x4xf32>
  // CHECK: tessera.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xf32>) -> tensor<3x6xf32>
  %1 = tessera.concat %0, %y {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xf32>) -> tensor<3x6xf32>
  return %1 : tensor<3x6xf32>
}

// -----

// CHECK-LABEL: func @slices
func.func @slices(%x: tensor<4x8xf32>) -> (tensor<4x3xf32>, tensor<2x8xf32>) {
  // CHECK: tessera.slice %{{.*}} {starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : tensor<4x8xf32> to tensor<4x3xf32>
  %0 = tessera.slice %x {starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : tensor<4x8xf32> to tensor<4x3xf32>
  // Negative steps read backwards: rows 3 and 2.
  // CHECK: tessera.slice %{{.*}} {starts = array<i64: 3, 0>, steps = array<i64: -1, 1>}
  %1 = tessera.slice %x {starts = array<i64: 3, 0>, steps = array<i64: -1, 1>} : tensor<4x8xf32> to tensor<2x8xf32>
  return %0, %1 : tensor<4x3xf32>, tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func @gather
func.func @gather(%table: tensor<100x16xf32>, %ids: tensor<2x7xi64>) -> tensor<2x7x16xf32> {
  // CHECK: tessera.gather %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<100x16xf32>, tensor<2x7xi64>) -> tensor<2x7x16xf32>
  %0 = tessera.gather %table, %ids {axis = 0 : i64} : (tensor<100x16xf32>, tensor<2x7xi64>) -> tensor<2x7x16xf32>
  return %0 : tensor<2x7x16xf32>
}

// -----

// CHECK-LABEL: func @gather_scalar_index
func.func @gather_scalar_index(%x: tensor<3x5xf32>, %i: tensor<i32>) -> tensor<3xf32> {
  // CHECK: tessera.gather %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<3x5xf32>, tensor<i32>) -> tensor<3xf32>
  %0 = tessera.gather %x, %i {axis = 1 : i64} : (tensor<3x5xf32>, tensor<i32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// CHECK-LABEL: func @pads
func.func @pads(%x: tensor<2x3xf32>) -> (tensor<2x5xf32>, tensor<4x3xf32>, tensor<2x1xf32>) {
  // CHECK: tessera.pad %{{.*}} {pads = array<i64: 0, 1, 0, 1>, value = 1.500000e+00 : f64} : tensor<2x3xf32> to tensor<2x5xf32>
  %0 = tessera.pad %x {mode = "constant", pads = array<i64: 0, 1, 0, 1>, value = 1.5 : f64} : tensor<2x3xf32> to tensor<2x5xf32>
  // CHECK: tessera.pad %{{.*}} {mode = "reflect", pads = array<i64: 1, 0, 1, 0>}
  %1 = tessera.pad %x {mode = "reflect", pads = array<i64: 1, 0, 1, 0>} : tensor<2x3xf32> to tensor<4x3xf32>
  // Negative pads crop.
  // CHECK: tessera.pad %{{.*}} {mode = "edge", pads = array<i64: 0, -1, 0, -1>}
  %2 = tessera.pad %x {mode = "edge", pads = array<i64: 0, -1, 0, -1>} : tensor<2x3xf32> to tensor<2x1xf32>
  return %0, %1, %2 : tensor<2x5xf32>, tensor<4x3xf32>, tensor<2x1xf32>
}
