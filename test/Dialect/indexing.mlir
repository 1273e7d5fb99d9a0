// RUN: tessera-opt %s -split-input-file | tessera-opt | FileCheck %s
// Round trip of the gather/scatter ops and the trigonometric/hyperbolic ops.

// CHECK-LABEL: func @gathers
func.func @gathers(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>, %d: tensor<2x3x4xf32>, %n: tensor<5x2xi32>, %b: tensor<2x1xi64>) -> (tensor<3x2xf32>, tensor<5x4xf32>, tensor<2x4xf32>) {
  // CHECK: tessera.gather_elements %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  %0 = tessera.gather_elements %x, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  // CHECK: tessera.gather_nd %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<5x2xi32>) -> tensor<5x4xf32>
  %1 = tessera.gather_nd %d, %n : (tensor<2x3x4xf32>, tensor<5x2xi32>) -> tensor<5x4xf32>
  // CHECK: tessera.gather_nd %{{.*}}, %{{.*}} {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
  %2 = tessera.gather_nd %d, %b {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
  return %0, %1, %2 : tensor<3x2xf32>, tensor<5x4xf32>, tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func @scatters
func.func @scatters(%x: tensor<3x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2x3xf32>, %j: tensor<2x1xi64>, %v: tensor<2x3xf32>, %k: tensor<2xi64>, %s: tensor<f32>) -> (tensor<3x3xf32>, tensor<3x3xf32>, tensor<3x3xf32>) {
  // CHECK: tessera.scatter_elements %{{.*}}, %{{.*}}, %{{.*}} {axis = 0 : i64, reduction = "add"} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  %0 = tessera.scatter_elements %x, %i, %u {axis = 0 : i64, reduction = "add"} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  // CHECK: tessera.scatter_nd %{{.*}}, %{{.*}}, %{{.*}} : (tensor<3x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  %1 = tessera.scatter_nd %x, %j, %v : (tensor<3x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  // A full index tuple: the updates are scalars.
  // CHECK: tessera.scatter_nd %{{.*}}, %{{.*}}, %{{.*}} {reduction = "mul"} : (tensor<3x3xf32>, tensor<2xi64>, tensor<f32>) -> tensor<3x3xf32>
  %2 = tessera.scatter_nd %x, %k, %s {reduction = "mul"} : (tensor<3x3xf32>, tensor<2xi64>, tensor<f32>) -> tensor<3x3xf32>
  return %0, %1, %2 : tensor<3x3xf32>, tensor<3x3xf32>, tensor<3x3xf32>
}

// -----

// CHECK-LABEL: func @trig
func.func @trig(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: tessera.tan
  %0 = tessera.tan %x : tensor<4xf32>
  // CHECK: tessera.asin
  %1 = tessera.asin %0 : tensor<4xf32>
  // CHECK: tessera.acos
  %2 = tessera.acos %1 : tensor<4xf32>
  // CHECK: tessera.atan
  %3 = tessera.atan %2 : tensor<4xf32>
  // CHECK: tessera.sinh
  %4 = tessera.sinh %3 : tensor<4xf32>
  // CHECK: tessera.cosh
  %5 = tessera.cosh %4 : tensor<4xf32>
  // CHECK: tessera.asinh
  %6 = tessera.asinh %5 : tensor<4xf32>
  // CHECK: tessera.acosh
  %7 = tessera.acosh %6 : tensor<4xf32>
  // CHECK: tessera.atanh %{{.*}} : tensor<4xf32>
  %8 = tessera.atanh %7 : tensor<4xf32>
  return %8 : tensor<4xf32>
}
