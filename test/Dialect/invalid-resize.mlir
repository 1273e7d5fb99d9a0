// RUN: tessera-opt %s -split-input-file -verify-diagnostics
// Verifier errors of tessera.resize.

func.func @scales_rank(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{result and scales must have the input's rank 2}}
  %0 = tessera.resize %x {mode = "nearest", coordinate_transformation_mode = "asymmetric", scales = array<f64: 2.0>} : tensor<2x4xf32> to tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @scale_zero(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{scales must be positive, found 0}}
  %0 = tessera.resize %x {mode = "nearest", coordinate_transformation_mode = "asymmetric", scales = array<f64: 0.0, 2.0>} : tensor<2x4xf32> to tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @mode(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{mode must be nearest, linear or cubic, found 'area'}}
  %0 = tessera.resize %x {mode = "area", coordinate_transformation_mode = "asymmetric", scales = array<f64: 1.0, 2.0>} : tensor<2x4xf32> to tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @coord(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{unsupported coordinate_transformation_mode 'tf_half_pixel'}}
  %0 = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "tf_half_pixel", scales = array<f64: 1.0, 2.0>} : tensor<2x4xf32> to tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @crop_without_roi(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{tf_crop_and_resize needs a roi of 2 * rank = 4 entries}}
  %0 = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", scales = array<f64: 1.0, 2.0>} : tensor<2x4xf32> to tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @crop_roi_size(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{tf_crop_and_resize needs a roi of 2 * rank = 4 entries}}
  %0 = tessera.resize %x {mode = "cubic", coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f64: 0.0, 1.0>, scales = array<f64: 1.0, 2.0>} : tensor<2x4xf32> to tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @crop_roi_nan(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{roi entries must be finite}}
  %0 = tessera.resize %x {mode = "cubic", coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f64: 0.0, 0x7FF8000000000000, 1.0, 1.0>, scales = array<f64: 1.0, 2.0>} : tensor<2x4xf32> to tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @roi_without_crop(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{roi is only allowed with tf_crop_and_resize}}
  %0 = tessera.resize %x {mode = "cubic", coordinate_transformation_mode = "half_pixel", roi = array<f64: 0.0, 0.0, 1.0, 1.0>, scales = array<f64: 1.0, 2.0>} : tensor<2x4xf32> to tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @nearest_mode(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{unsupported nearest_mode 'round'}}
  %0 = tessera.resize %x {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "round", scales = array<f64: 1.0, 2.0>} : tensor<2x4xf32> to tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}
