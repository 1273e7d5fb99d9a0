// RUN: tessera-opt %s -split-input-file --tessera-prune-conv-taps | FileCheck %s
// Kernel taps that read only zero padding, at every output position, are cut
// from the weight; the pads change so that the output keeps its size.

// DeepLabV3's ASPP: a 3x3 conv with dilation 6 and padding 6 over a 5x5 map.
// Every off-centre tap reads 6 positions away, outside the map: a 1x1 conv
// (dilation 1, no padding) with the centre taps of the constant weight (the
// blob below: 4 and 13, the centres of the two 3x3 kernels 0..8, 9..17).
// CHECK-LABEL: func @aspp
// CHECK: %[[W:.+]] = tessera.constant dense_resource<conv_taps> : tensor<2x1x1x1xf32>
// CHECK: tessera.conv %arg0, %[[W]] {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x5x5xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x5x5xf32>
// CHECK: conv_taps: "0x080000000000804000005041"
func.func @aspp(%x: tensor<1x1x5x5xf32>) -> tensor<1x2x5x5xf32> {
  %w = tessera.constant dense<[[[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]], [[[9.0, 10.0, 11.0], [12.0, 13.0, 14.0], [15.0, 16.0, 17.0]]]]> : tensor<2x1x3x3xf32>
  %y = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 6, 6, 6, 6>, dilations = array<i64: 6, 6>, group = 1 : i64} : (tensor<1x1x5x5xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x5x5xf32>
  return %y : tensor<1x2x5x5xf32>
}

// -----

// A weight that is not a constant is sliced; channels-last, with a bias,
// an epilogue and groups, which the cut keeps.
// CHECK-LABEL: func @channels_last
// CHECK: %[[W:.+]] = tessera.slice %arg1 {starts = array<i64: 0, 0, 1, 1>, steps = array<i64: 1, 1, 1, 1>} : tensor<4x2x3x3xf32> to tensor<4x2x1x1xf32>
// CHECK: tessera.conv %arg0, %[[W]], %arg2 residual %arg3 {channels_last, clamp_min = 0.000000e+00 : f64, dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}
func.func @channels_last(%x: tensor<1x4x4x4xf32>, %w: tensor<4x2x3x3xf32>, %b: tensor<4xf32>, %r: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %y = tessera.conv %x, %w, %b residual %r {channels_last, strides = array<i64: 1, 1>, pads = array<i64: 4, 4, 4, 4>, dilations = array<i64: 4, 4>, group = 2 : i64, clamp_min = 0.0 : f64} : (tensor<1x4x4x4xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// One side only: 4 elements padded by 5 at the end, taps 3 apart. The last
// tap reads 6..8, past the end, at all 3 positions; the first two stay, and
// an end pad of 2 keeps 3 positions.
// CHECK-LABEL: func @end_only
// CHECK: %[[W:.+]] = tessera.slice %arg1 {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<1x1x3xf32> to tensor<1x1x2xf32>
// CHECK: tessera.conv %arg0, %[[W]] {dilations = array<i64: 3>, group = 1 : i64, pads = array<i64: 0, 2>, strides = array<i64: 1>} : (tensor<1x1x4xf32>, tensor<1x1x2xf32>) -> tensor<1x1x3xf32>
func.func @end_only(%x: tensor<1x1x4xf32>, %w: tensor<1x1x3xf32>) -> tensor<1x1x3xf32> {
  %y = tessera.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 5>, dilations = array<i64: 3>, group = 1 : i64} : (tensor<1x1x4xf32>, tensor<1x1x3xf32>) -> tensor<1x1x3xf32>
  return %y : tensor<1x1x3xf32>
}

// -----

// Strided: 3 elements, stride 2, dilation 4, padding 4. Tap 0 reads -4 and
// -2, tap 2 reads 4 and 6: only the centre reads the input (0 and 2).
// Only one dim is cut; the other (width 1, no padding) keeps its tap.
// CHECK-LABEL: func @strided
// CHECK: %[[W:.+]] = tessera.slice %arg1 {starts = array<i64: 0, 0, 1, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x1x3x1xf32> to tensor<1x1x1x1xf32>
// CHECK: tessera.conv %arg0, %[[W]] {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 1>} : (tensor<1x1x3x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
func.func @strided(%x: tensor<1x1x3x2xf32>, %w: tensor<1x1x3x1xf32>) -> tensor<1x1x2x2xf32> {
  %y = tessera.conv %x, %w {strides = array<i64: 2, 1>, pads = array<i64: 4, 0, 4, 0>, dilations = array<i64: 4, 1>, group = 1 : i64} : (tensor<1x1x3x2xf32>, tensor<1x1x3x1xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

// Near misses, unchanged: every tap reads the input somewhere (dilation 2
// and padding 2 over a 3x3 map: tap 0 reads element 0 at the last position;
// an ordinary 3x3 conv with padding 1).
// CHECK-LABEL: func @near_misses
// CHECK: tessera.conv %arg0, %arg1 {dilations = array<i64: 2, 2>, group = 1 : i64, pads = array<i64: 2, 2, 2, 2>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>)
// CHECK: tessera.conv %arg0, %arg1 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>)
// CHECK-NOT: tessera.slice
func.func @near_misses(%x: tensor<1x1x3x3xf32>, %w: tensor<1x1x3x3xf32>) -> (tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>) {
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 2, 2, 2, 2>, dilations = array<i64: 2, 2>, group = 1 : i64} : (tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>
  %1 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>
  return %0, %1 : tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>
}
