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
  // expected-error @+1 {{mode must be nearest or linear, found 'cubic'}}
  %0 = tessera.resize %x {mode = "cubic", coordinate_transformation_mode = "asymmetric", scales = array<f64: 1.0, 2.0>} : tensor<2x4xf32> to tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @coord(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{unsupported coordinate_transformation_mode 'tf_crop_and_resize'}}
  %0 = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", scales = array<f64: 1.0, 2.0>} : tensor<2x4xf32> to tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @nearest_mode(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{unsupported nearest_mode 'round'}}
  %0 = tessera.resize %x {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "round", scales = array<f64: 1.0, 2.0>} : tensor<2x4xf32> to tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}
