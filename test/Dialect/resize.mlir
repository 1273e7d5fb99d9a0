// RUN: tessera-opt %s -split-input-file | tessera-opt | FileCheck %s
// Round trip of tessera.resize.

// CHECK-LABEL: func @resize
func.func @resize(%x: tensor<1x3x4x4xf32>) -> (tensor<1x3x8x8xf32>, tensor<1x3x2x2xf32>) {
  // CHECK: tessera.resize %{{.*}} {coordinate_transformation_mode = "half_pixel", mode = "linear", scales = array<f64: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>} : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
  %0 = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
  // CHECK: tessera.resize %{{.*}} {coordinate_transformation_mode = "asymmetric", mode = "nearest", nearest_mode = "floor", scales = array<f64: 1.000000e+00, 1.000000e+00, 5.000000e-01, 5.000000e-01>}
  %1 = tessera.resize %x {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor", scales = array<f64: 1.0, 1.0, 0.5, 0.5>} : tensor<1x3x4x4xf32> to tensor<1x3x2x2xf32>
  return %0, %1 : tensor<1x3x8x8xf32>, tensor<1x3x2x2xf32>
}
