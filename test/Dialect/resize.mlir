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

// -----

// CHECK-LABEL: func @resize_cubic
func.func @resize_cubic(%x: tensor<1x3x4x4xf32>) -> (tensor<1x3x8x8xf32>, tensor<1x3x3x3xf32>, tensor<1x3x3x3xf32>) {
  // Defaults (cubic_coeff_a = -0.75, no exclude_outside) are elided.
  // CHECK: tessera.resize %{{.*}} {coordinate_transformation_mode = "half_pixel", mode = "cubic", scales = array<f64: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>} : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
  %0 = tessera.resize %x {mode = "cubic", coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -0.75, exclude_outside = false, scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
  // CHECK: tessera.resize %{{.*}} {coordinate_transformation_mode = "asymmetric", cubic_coeff_a = -5.000000e-01 : f64, exclude_outside = true, mode = "cubic", scales = array<f64: 1.000000e+00, 1.000000e+00, 7.500000e-01, 7.500000e-01>}
  %1 = tessera.resize %x {mode = "cubic", coordinate_transformation_mode = "asymmetric", cubic_coeff_a = -0.5, exclude_outside = true, scales = array<f64: 1.0, 1.0, 0.75, 0.75>} : tensor<1x3x4x4xf32> to tensor<1x3x3x3xf32>
  // CHECK: tessera.resize %{{.*}} {coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 1.000000e+01 : f64, mode = "linear", roi = array<f64: 0.000000e+00, 0.000000e+00, 4.000000e-01, 6.000000e-01, 1.000000e+00, 1.000000e+00, 6.000000e-01, 8.000000e-01>, scales = array<f64: 1.000000e+00, 1.000000e+00, 7.500000e-01, 7.500000e-01>}
  %2 = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f64: 0.0, 0.0, 0.4, 0.6, 1.0, 1.0, 0.6, 0.8>, extrapolation_value = 10.0, scales = array<f64: 1.0, 1.0, 0.75, 0.75>} : tensor<1x3x4x4xf32> to tensor<1x3x3x3xf32>
  return %0, %1, %2 : tensor<1x3x8x8xf32>, tensor<1x3x3x3xf32>, tensor<1x3x3x3xf32>
}
