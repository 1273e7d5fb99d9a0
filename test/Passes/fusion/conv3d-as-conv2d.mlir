// RUN: tessera-opt %s -split-input-file --tessera-conv3d-as-conv2d | FileCheck %s
// 3-d convs of one clip as 2-d convs over its frames, one per temporal tap,
// chained through the conv's residual.

// 3 temporal taps, temporal stride 2 and padding 1, a residual and a clamp:
// the clip reshaped to frames, padded along time, transposed; tap dt reads
// frames dt, dt + 2, dt + 4 with its own weight constant [F, C, KH, KW]; the
// first takes the bias and the original residual (transposed the same way),
// the last the clamp; the result transposed back.
// CHECK-LABEL: func @spatiotemporal
// CHECK-DAG: %[[W0:.+]] = tessera.constant dense_resource<conv_tap> : tensor<1x1x1x2xf32>
// CHECK-DAG: %[[W1:.+]] = tessera.constant dense_resource<conv_tap_1> : tensor<1x1x1x2xf32>
// CHECK-DAG: %[[W2:.+]] = tessera.constant dense_resource<conv_tap_2> : tensor<1x1x1x2xf32>
// CHECK-DAG: %[[B:.+]] = tessera.constant dense<5.000000e-01> : tensor<1xf32>
// CHECK: %[[X:.+]] = tessera.reshape %arg0 : tensor<1x1x6x4x4xf32> to tensor<1x6x4x4xf32>
// CHECK: %[[XP:.+]] = tessera.pad %[[X]] {pads = array<i64: 0, 1, 0, 0, 0, 0, 0, 0>} : tensor<1x6x4x4xf32> to tensor<1x7x4x4xf32>
// CHECK: %[[F:.+]] = tessera.transpose %[[XP]] {perm = array<i64: 1, 0, 2, 3>} : tensor<1x7x4x4xf32> to tensor<7x1x4x4xf32>
// CHECK: %[[R:.+]] = tessera.reshape %arg1 : tensor<1x1x3x4x3xf32> to tensor<1x3x4x3xf32>
// CHECK: %[[RT:.+]] = tessera.transpose %[[R]] {perm = array<i64: 1, 0, 2, 3>} : tensor<1x3x4x3xf32> to tensor<3x1x4x3xf32>
// CHECK: %[[F0:.+]] = tessera.slice %[[F]] {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 2, 1, 1, 1>} : tensor<7x1x4x4xf32> to tensor<3x1x4x4xf32>
// CHECK: %[[Y0:.+]] = tessera.conv %[[F0]], %[[W0]], %[[B]] residual %[[RT]] {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<3x1x4x4xf32>, tensor<1x1x1x2xf32>, tensor<1xf32>, tensor<3x1x4x3xf32>) -> tensor<3x1x4x3xf32>
// CHECK: %[[F1:.+]] = tessera.slice %[[F]] {starts = array<i64: 1, 0, 0, 0>, steps = array<i64: 2, 1, 1, 1>}
// CHECK: %[[Y1:.+]] = tessera.conv %[[F1]], %[[W1]] residual %[[Y0]] {dilations
// CHECK: %[[F2:.+]] = tessera.slice %[[F]] {starts = array<i64: 2, 0, 0, 0>, steps = array<i64: 2, 1, 1, 1>}
// CHECK: %[[Y2:.+]] = tessera.conv %[[F2]], %[[W2]] residual %[[Y1]] {clamp_min = 0.000000e+00 : f64, dilations
// CHECK: %[[YT:.+]] = tessera.transpose %[[Y2]] {perm = array<i64: 1, 0, 2, 3>} : tensor<3x1x4x3xf32> to tensor<1x3x4x3xf32>
// CHECK: %[[Y:.+]] = tessera.reshape %[[YT]] : tensor<1x3x4x3xf32> to tensor<1x1x3x4x3xf32>
// CHECK: return %[[Y]]
// The taps' weights in order: [1, 2], [3, 4], [5, 6].
// CHECK-DAG: conv_tap: "0x080000000000803F00000040"
// CHECK-DAG: conv_tap_1: "0x080000000000404000008040"
// CHECK-DAG: conv_tap_2: "0x080000000000A0400000C040"
func.func @spatiotemporal(%x: tensor<1x1x6x4x4xf32>, %r: tensor<1x1x3x4x3xf32>) -> tensor<1x1x3x4x3xf32> {
  %w = tessera.constant dense<[[[[[1.0, 2.0]], [[3.0, 4.0]], [[5.0, 6.0]]]]]> : tensor<1x1x3x1x2xf32>
  %b = tessera.constant dense<0.5> : tensor<1xf32>
  %y = tessera.conv %x, %w, %b residual %r {strides = array<i64: 2, 1, 1>, pads = array<i64: 1, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, group = 1 : i64, clamp_min = 0.0 : f64} : (tensor<1x1x6x4x4xf32>, tensor<1x1x3x1x2xf32>, tensor<1xf32>, tensor<1x1x3x4x3xf32>) -> tensor<1x1x3x4x3xf32>
  return %y : tensor<1x1x3x4x3xf32>
}

// -----

// A weight that is no constant: each tap sliced out of it.
// CHECK-LABEL: func @weight_argument
// CHECK: tessera.slice %arg1 {starts = array<i64: 0, 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1, 1>} : tensor<4x3x2x3x3xf32> to tensor<4x3x1x3x3xf32>
// CHECK: tessera.conv
// CHECK: tessera.slice %arg1 {starts = array<i64: 0, 0, 1, 0, 0>, steps = array<i64: 1, 1, 1, 1, 1>} : tensor<4x3x2x3x3xf32> to tensor<4x3x1x3x3xf32>
// CHECK: tessera.conv
// CHECK-NOT: tessera.conv
func.func @weight_argument(%x: tensor<1x3x5x6x6xf32>, %w: tensor<4x3x2x3x3xf32>) -> tensor<1x4x4x4x4xf32> {
  %y = tessera.conv %x, %w {strides = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, group = 1 : i64} : (tensor<1x3x5x6x6xf32>, tensor<4x3x2x3x3xf32>) -> tensor<1x4x4x4x4xf32>
  return %y : tensor<1x4x4x4x4xf32>
}

// -----

// A temporal conv (1x1 spatially): one 2-d conv over [T, H*W] with a kt x 1
// kernel, its dilation and groups kept; no transposes.
// CHECK-LABEL: func @temporal
// CHECK: %[[X:.+]] = tessera.reshape %arg0 : tensor<1x6x8x5x5xf32> to tensor<1x6x8x25xf32>
// CHECK: %[[W:.+]] = tessera.reshape %arg1 : tensor<4x3x3x1x1xf32> to tensor<4x3x3x1xf32>
// CHECK: %[[Y:.+]] = tessera.conv %[[X]], %[[W]] {dilations = array<i64: 2, 1>, group = 2 : i64, pads = array<i64: 2, 0, 2, 0>, strides = array<i64: 1, 1>} : (tensor<1x6x8x25xf32>, tensor<4x3x3x1xf32>) -> tensor<1x4x8x25xf32>
// CHECK: tessera.reshape %[[Y]] : tensor<1x4x8x25xf32> to tensor<1x4x8x5x5xf32>
// CHECK-NOT: tessera.transpose
func.func @temporal(%x: tensor<1x6x8x5x5xf32>, %w: tensor<4x3x3x1x1xf32>) -> tensor<1x4x8x5x5xf32> {
  %y = tessera.conv %x, %w {strides = array<i64: 1, 1, 1>, pads = array<i64: 2, 0, 0, 2, 0, 0>, dilations = array<i64: 2, 1, 1>, group = 2 : i64} : (tensor<1x6x8x5x5xf32>, tensor<4x3x3x1x1xf32>) -> tensor<1x4x8x5x5xf32>
  return %y : tensor<1x4x8x5x5xf32>
}

// -----

// A spatial conv (one temporal tap): the frames straight into one 2-d conv.
// CHECK-LABEL: func @spatial
// CHECK: %[[F:.+]] = tessera.transpose %{{.+}} {perm = array<i64: 1, 0, 2, 3>} : tensor<4x5x8x8xf32> to tensor<5x4x8x8xf32>
// CHECK: %[[W:.+]] = tessera.reshape %arg1 : tensor<6x4x1x3x3xf32> to tensor<6x4x3x3xf32>
// CHECK-NOT: tessera.slice
// CHECK: tessera.conv %[[F]], %[[W]] {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<5x4x8x8xf32>, tensor<6x4x3x3xf32>) -> tensor<5x6x4x4xf32>
func.func @spatial(%x: tensor<1x4x5x8x8xf32>, %w: tensor<6x4x1x3x3xf32>) -> tensor<1x6x5x4x4xf32> {
  %y = tessera.conv %x, %w {strides = array<i64: 1, 2, 2>, pads = array<i64: 0, 1, 1, 0, 1, 1>, dilations = array<i64: 1, 1, 1>, group = 1 : i64} : (tensor<1x4x5x8x8xf32>, tensor<6x4x1x3x3xf32>) -> tensor<1x6x5x4x4xf32>
  return %y : tensor<1x6x5x4x4xf32>
}

// -----

// Near misses, left alone: two clips, a fused activation (it applies before
// the taps' sum is complete), f16, and a 2-d conv.
// CHECK-LABEL: func @two_clips
// CHECK: tessera.conv %arg0, %arg1 {{.+}} -> tensor<2x4x4x4x4xf32>
func.func @two_clips(%x: tensor<2x3x5x6x6xf32>, %w: tensor<4x3x2x3x3xf32>) -> tensor<2x4x4x4x4xf32> {
  %y = tessera.conv %x, %w {strides = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, group = 1 : i64} : (tensor<2x3x5x6x6xf32>, tensor<4x3x2x3x3xf32>) -> tensor<2x4x4x4x4xf32>
  return %y : tensor<2x4x4x4x4xf32>
}

// CHECK-LABEL: func @activation
// CHECK: tessera.conv %arg0, %arg1 {activation = "silu"{{.+}} -> tensor<1x4x4x4x4xf32>
func.func @activation(%x: tensor<1x3x5x6x6xf32>, %w: tensor<4x3x2x3x3xf32>) -> tensor<1x4x4x4x4xf32> {
  %y = tessera.conv %x, %w {strides = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, group = 1 : i64, activation = "silu"} : (tensor<1x3x5x6x6xf32>, tensor<4x3x2x3x3xf32>) -> tensor<1x4x4x4x4xf32>
  return %y : tensor<1x4x4x4x4xf32>
}

// CHECK-LABEL: func @half
// CHECK: tessera.conv %arg0, %arg1 {{.+}} -> tensor<1x4x4x4x4xf16>
func.func @half(%x: tensor<1x3x5x6x6xf16>, %w: tensor<4x3x2x3x3xf16>) -> tensor<1x4x4x4x4xf16> {
  %y = tessera.conv %x, %w {strides = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, group = 1 : i64} : (tensor<1x3x5x6x6xf16>, tensor<4x3x2x3x3xf16>) -> tensor<1x4x4x4x4xf16>
  return %y : tensor<1x4x4x4x4xf16>
}

// CHECK-LABEL: func @two_d
// CHECK: tessera.conv %arg0, %arg1 {{.+}} -> tensor<1x4x4x4xf32>
// CHECK-NOT: tessera.transpose
func.func @two_d(%x: tensor<1x3x6x6xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32> {
  %y = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x6x6xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}
