// RUN: tessera-opt %s -split-input-file | tessera-opt | FileCheck %s
// Round trip of contractions, reductions, normalization, convolution and scans.

// CHECK-LABEL: func @matmul
func.func @matmul(%a: tensor<4x8x16xf32>, %b: tensor<16x32xf32>, %c: tensor<1x32x2xf32>) -> tensor<4x8x2xf32> {
  // CHECK: tessera.matmul %{{.*}}, %{{.*}} : (tensor<4x8x16xf32>, tensor<16x32xf32>) -> tensor<4x8x32xf32>
  %0 = tessera.matmul %a, %b : (tensor<4x8x16xf32>, tensor<16x32xf32>) -> tensor<4x8x32xf32>
  // CHECK: tessera.matmul %{{.*}}, %{{.*}} : (tensor<4x8x32xf32>, tensor<1x32x2xf32>) -> tensor<4x8x2xf32>
  %1 = tessera.matmul %0, %c : (tensor<4x8x32xf32>, tensor<1x32x2xf32>) -> tensor<4x8x2xf32>
  return %1 : tensor<4x8x2xf32>
}

// -----

// CHECK-LABEL: func @einsum
func.func @einsum(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x5x8xf32>, %m: tensor<3x3xf32>) -> (tensor<1x2x4x5xf32>, tensor<3xf32>) {
  // CHECK: tessera.einsum %{{.*}}, %{{.*}} {equation = "bhqd,bhkd->bhqk"}
  %0 = tessera.einsum %q, %k {equation = "bhqd,bhkd->bhqk"} : (tensor<1x2x4x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x2x4x5xf32>
  // CHECK: tessera.einsum %{{.*}} {equation = "ii->i"}
  %1 = tessera.einsum %m {equation = "ii->i"} : (tensor<3x3xf32>) -> tensor<3xf32>
  return %0, %1 : tensor<1x2x4x5xf32>, tensor<3xf32>
}

// -----

// CHECK-LABEL: func @reductions
func.func @reductions(%x: tensor<2x8x4xf32>, %i: tensor<6xi64>) -> (tensor<2x1x4xf32>, tensor<4xf32>, tensor<2x8xf32>, tensor<2x8x1xf32>, tensor<1xi64>) {
  // CHECK: tessera.reduce_sum %{{.*}} {axes = array<i64: 1>} : tensor<2x8x4xf32> to tensor<2x1x4xf32>
  %0 = tessera.reduce_sum %x {axes = array<i64: 1>, keepdims = true} : tensor<2x8x4xf32> to tensor<2x1x4xf32>
  // CHECK: tessera.reduce_mean %{{.*}} {axes = array<i64: 0, 1>, keepdims = false} : tensor<2x8x4xf32> to tensor<4xf32>
  %1 = tessera.reduce_mean %x {axes = array<i64: 0, 1>, keepdims = false} : tensor<2x8x4xf32> to tensor<4xf32>
  // CHECK: tessera.reduce_max
  %2 = tessera.reduce_max %x {axes = array<i64: 2>, keepdims = false} : tensor<2x8x4xf32> to tensor<2x8xf32>
  // CHECK: tessera.reduce_min
  %3 = tessera.reduce_min %x {axes = array<i64: 2>} : tensor<2x8x4xf32> to tensor<2x8x1xf32>
  // CHECK: tessera.reduce_prod %{{.*}} {axes = array<i64: 0>} : tensor<6xi64> to tensor<1xi64>
  %4 = tessera.reduce_prod %i {axes = array<i64: 0>} : tensor<6xi64> to tensor<1xi64>
  return %0, %1, %2, %3, %4 : tensor<2x1x4xf32>, tensor<4xf32>, tensor<2x8xf32>, tensor<2x8x1xf32>, tensor<1xi64>
}

// -----

// CHECK-LABEL: func @arg_reductions
func.func @arg_reductions(%x: tensor<2x8xf32>) -> (tensor<2xi64>, tensor<1x8xi64>) {
  // CHECK: tessera.argmax %{{.*}} {axis = 1 : i64, keepdims = false} : tensor<2x8xf32> to tensor<2xi64>
  %0 = tessera.argmax %x {axis = 1 : i64, keepdims = false} : tensor<2x8xf32> to tensor<2xi64>
  // CHECK: tessera.argmin %{{.*}} {axis = 0 : i64, select_last_index = true} : tensor<2x8xf32> to tensor<1x8xi64>
  %1 = tessera.argmin %x {axis = 0 : i64, select_last_index = true} : tensor<2x8xf32> to tensor<1x8xi64>
  return %0, %1 : tensor<2xi64>, tensor<1x8xi64>
}

// -----

// CHECK-LABEL: func @softmax_norm
func.func @softmax_norm(%x: tensor<1x4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<1x4x8xf32> {
  // CHECK: tessera.softmax %{{.*}} {axis = 2 : i64} : tensor<1x4x8xf32>
  %0 = tessera.softmax %x {axis = 2 : i64} : tensor<1x4x8xf32>
  // CHECK: tessera.log_softmax %{{.*}} {axis = 1 : i64} : tensor<1x4x8xf32>
  %1 = tessera.log_softmax %0 {axis = 1 : i64} : tensor<1x4x8xf32>
  // CHECK: tessera.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = 2 : i64, epsilon = 9.99999974E-6 : f32}
  %2 = tessera.layer_norm %1, %g, %b {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<1x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  // CHECK: tessera.layer_norm %{{.*}}, %{{.*}} {axis = 2 : i64
  %3 = tessera.layer_norm %2, %g {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  return %3 : tensor<1x4x8xf32>
}

// -----

// CHECK-LABEL: func @convs
func.func @convs(%x: tensor<1x8x16xf32>, %w: tensor<8x1x4xf32>, %img: tensor<2x3x32x32xf32>, %k: tensor<16x3x4x4xf32>, %bias: tensor<16xf32>) -> (tensor<1x8x19xf32>, tensor<2x16x8x8xf32>) {
  // Causal depthwise conv1d: 3 zeros of left padding, groups = channels.
  // CHECK: tessera.conv %{{.*}}, %{{.*}} {dilations = array<i64: 1>, group = 8 : i64, pads = array<i64: 3, 3>, strides = array<i64: 1>} : (tensor<1x8x16xf32>, tensor<8x1x4xf32>) -> tensor<1x8x19xf32>
  %0 = tessera.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 3, 3>, dilations = array<i64: 1>, group = 8 : i64} : (tensor<1x8x16xf32>, tensor<8x1x4xf32>) -> tensor<1x8x19xf32>
  // Patch embedding: stride = kernel.
  // CHECK: tessera.conv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 4, 4>}
  %1 = tessera.conv %img, %k, %bias {strides = array<i64: 4, 4>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<2x3x32x32xf32>, tensor<16x3x4x4xf32>, tensor<16xf32>) -> tensor<2x16x8x8xf32>
  return %0, %1 : tensor<1x8x19xf32>, tensor<2x16x8x8xf32>
}

// Channels-last (tessera-channels-last): input, residual and result are
// [N, H, W, C]; the weight keeps [F, C, KH, KW].
// CHECK-LABEL: func @conv_channels_last
// CHECK: tessera.conv %arg0, %arg1 residual %arg2 {channels_last, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<2x9x9x3xf32>, tensor<16x3x3x3xf32>, tensor<2x5x5x16xf32>) -> tensor<2x5x5x16xf32>
func.func @conv_channels_last(%x: tensor<2x9x9x3xf32>, %k: tensor<16x3x3x3xf32>, %r: tensor<2x5x5x16xf32>) -> tensor<2x5x5x16xf32> {
  %0 = tessera.conv %x, %k residual %r {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, channels_last} : (tensor<2x9x9x3xf32>, tensor<16x3x3x3xf32>, tensor<2x5x5x16xf32>) -> tensor<2x5x5x16xf32>
  return %0 : tensor<2x5x5x16xf32>
}

// A fused activation (before the residual) with a residual and a clamp.
// CHECK-LABEL: func @conv_activation
// CHECK: tessera.conv %arg0, %arg1 residual %arg2 {activation = "silu", clamp_max = 6.000000e+00 : f64, dilations
func.func @conv_activation(%img: tensor<2x3x32x32xf32>, %k: tensor<16x3x4x4xf32>, %r: tensor<2x16x8x8xf32>) -> tensor<2x16x8x8xf32> {
  %0 = tessera.conv %img, %k residual %r {strides = array<i64: 4, 4>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "silu", clamp_max = 6.0 : f64} : (tensor<2x3x32x32xf32>, tensor<16x3x4x4xf32>, tensor<2x16x8x8xf32>) -> tensor<2x16x8x8xf32>
  return %0 : tensor<2x16x8x8xf32>
}

// A fused residual and ReLU, with and without a bias.
// CHECK-LABEL: func @conv_residual
// CHECK: tessera.conv %arg0, %arg1, %arg2 residual %arg3 {clamp_min = 0.000000e+00 : f64, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 4, 4>} : (tensor<2x3x32x32xf32>, tensor<16x3x4x4xf32>, tensor<16xf32>, tensor<2x16x8x8xf32>) -> tensor<2x16x8x8xf32>
// CHECK: tessera.conv %arg0, %arg1 residual %arg3 {dilations
func.func @conv_residual(%img: tensor<2x3x32x32xf32>, %k: tensor<16x3x4x4xf32>, %bias: tensor<16xf32>, %r: tensor<2x16x8x8xf32>) -> (tensor<2x16x8x8xf32>, tensor<2x16x8x8xf32>) {
  %0 = tessera.conv %img, %k, %bias residual %r {strides = array<i64: 4, 4>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, clamp_min = 0.0 : f64} : (tensor<2x3x32x32xf32>, tensor<16x3x4x4xf32>, tensor<16xf32>, tensor<2x16x8x8xf32>) -> tensor<2x16x8x8xf32>
  %1 = tessera.conv %img, %k residual %r {strides = array<i64: 4, 4>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<2x3x32x32xf32>, tensor<16x3x4x4xf32>, tensor<2x16x8x8xf32>) -> tensor<2x16x8x8xf32>
  return %0, %1 : tensor<2x16x8x8xf32>, tensor<2x16x8x8xf32>
}

// -----

// CHECK-LABEL: func @scans
func.func @scans(%x: tensor<2x8xf32>, %m: tensor<4x4xf32>) -> (tensor<2x8xf32>, tensor<4x4xf32>) {
  // CHECK: tessera.cumsum %{{.*}} {axis = 1 : i64, exclusive = true, reverse = true} : tensor<2x8xf32>
  %0 = tessera.cumsum %x {axis = 1 : i64, exclusive = true, reverse = true} : tensor<2x8xf32>
  // CHECK: tessera.trilu %{{.*}} {k = 1 : i64, upper = true} : tensor<4x4xf32>
  %1 = tessera.trilu %m {upper = true, k = 1 : i64} : tensor<4x4xf32>
  return %0, %1 : tensor<2x8xf32>, tensor<4x4xf32>
}
