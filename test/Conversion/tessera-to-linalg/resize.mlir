// RUN: tessera-opt %s --convert-tessera-to-linalg -split-input-file | FileCheck %s

// Nearest: unchanged dims use the loop index; resized ones map the index
// through f64 math, round, clamp, and extract.
// CHECK-LABEL: func @nearest
// CHECK-SAME: %[[X:.+]]: tensor<1x2x4xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<1x2x8xf32>)
// CHECK: %[[D0:.+]] = linalg.index 0
// CHECK: %[[D1:.+]] = linalg.index 1
// CHECK: %[[D2:.+]] = linalg.index 2
// CHECK: arith.sitofp %{{.+}} : i64 to f64
// CHECK: arith.divf
// CHECK: math.floor
// CHECK: %[[I:.+]] = arith.index_cast %{{.+}} : i64 to index
// CHECK: tensor.extract %[[X]][%[[D0]], %[[D1]], %[[I]]]
func.func @nearest(%x: tensor<1x2x4xf32>) -> tensor<1x2x8xf32> {
  %0 = tessera.resize %x {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor", scales = array<f64: 1.0, 1.0, 2.0>} : tensor<1x2x4xf32> to tensor<1x2x8xf32>
  return %0 : tensor<1x2x8xf32>
}

// -----

// Linear over two dims blends four corners.
// CHECK-LABEL: func @bilinear
// CHECK: linalg.generic
// CHECK-COUNT-4: tensor.extract
// CHECK-NOT: tensor.extract
// CHECK: linalg.yield
func.func @bilinear(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %0 = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x1x2x2xf32> to tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// Cubic over two dims: four clamped taps per dim (floor(x) - 1 .. + 2),
// weights from the fraction, sixteen reads.
// CHECK-LABEL: func @bicubic
// CHECK: linalg.generic
// CHECK: math.floor
// CHECK: arith.constant -1.000000e+00 : f64
// CHECK: arith.constant 2.000000e+00 : f64
// CHECK-COUNT-16: tensor.extract
// CHECK-NOT: tensor.extract
// CHECK-NOT: arith.select
// CHECK: linalg.yield
func.func @bicubic(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32> {
  %0 = tessera.resize %x {mode = "cubic", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x1x4x4xf32> to tensor<1x1x8x8xf32>
  return %0 : tensor<1x1x8x8xf32>
}

// -----

// exclude_outside zeroes the weights of out-of-range taps and divides by
// their sum.
// CHECK-LABEL: func @cubic_exclude_outside
// CHECK: linalg.generic
// CHECK: arith.constant -5.000000e-01 : f64
// CHECK-COUNT-4: arith.select
// CHECK-COUNT-4: arith.divf
// CHECK-COUNT-4: tensor.extract
// CHECK-NOT: tensor.extract
// CHECK: linalg.yield
func.func @cubic_exclude_outside(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %0 = tessera.resize %x {mode = "cubic", coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -0.5, exclude_outside = true, scales = array<f64: 1.0, 0.75>} : tensor<1x4xf32> to tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// tf_crop_and_resize: a coordinate outside [0, in - 1] yields the
// extrapolation value.
// CHECK-LABEL: func @crop
// CHECK: linalg.generic
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf ogt
// CHECK: arith.ori
// CHECK: %[[E:.+]] = arith.constant 1.000000e+01 : f32
// CHECK: arith.select %{{.+}}, %[[E]], %{{.+}} : f32
// CHECK: linalg.yield
func.func @crop(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %0 = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f64: 0.0, 0.5, 1.0, 1.5>, extrapolation_value = 10.0, scales = array<f64: 1.0, 0.75>} : tensor<1x4xf32> to tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}
