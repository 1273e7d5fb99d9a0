// RUN: tessera-opt %s -split-input-file | tessera-opt | FileCheck %s
// Round trip of the pooling ops.

// CHECK-LABEL: func @max_pool
func.func @max_pool(%x: tensor<1x3x8x8xf32>, %i: tensor<2x4x9xi8>) -> (tensor<1x3x4x4xf32>, tensor<2x4x5xi8>) {
  // CHECK: tessera.max_pool %{{.*}} {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x3x8x8xf32> to tensor<1x3x4x4xf32>
  %0 = tessera.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x3x8x8xf32> to tensor<1x3x4x4xf32>
  // ceil_mode: (9 - 2) / 2 rounds up to 4, plus one.
  // CHECK: tessera.max_pool %{{.*}} {ceil_mode = true, {{.*}}} : tensor<2x4x9xi8> to tensor<2x4x5xi8>
  %1 = tessera.max_pool %i {kernel_shape = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, ceil_mode = true} : tensor<2x4x9xi8> to tensor<2x4x5xi8>
  return %0, %1 : tensor<1x3x4x4xf32>, tensor<2x4x5xi8>
}

// -----

// CHECK-LABEL: func @avg_pool
func.func @avg_pool(%x: tensor<1x2x6x6x6xf32>) -> tensor<1x2x3x3x3xf32> {
  // CHECK: tessera.avg_pool %{{.*}} {count_include_pad = true, dilations = array<i64: 1, 1, 1>, kernel_shape = array<i64: 2, 2, 2>, pads = array<i64: 0, 0, 0, 0, 0, 0>, strides = array<i64: 2, 2, 2>} : tensor<1x2x6x6x6xf32> to tensor<1x2x3x3x3xf32>
  %0 = tessera.avg_pool %x {kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 2, 2, 2>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, count_include_pad = true} : tensor<1x2x6x6x6xf32> to tensor<1x2x3x3x3xf32>
  return %0 : tensor<1x2x3x3x3xf32>
}

// -----

// A ceil_mode window that would start in the end padding is dropped:
// (3 + 1 - 1) / 2 rounds up to 2, plus one is 3, but window 2 starts at
// 2 * 2 = 4 >= 3 + 0 (entirely in the end padding).
// CHECK-LABEL: func @avg_pool_ceil_drop
func.func @avg_pool_ceil_drop(%x: tensor<1x1x3xf32>) -> tensor<1x1x2xf32> {
  // CHECK: tessera.avg_pool %{{.*}} : tensor<1x1x3xf32> to tensor<1x1x2xf32>
  %0 = tessera.avg_pool %x {kernel_shape = array<i64: 1>, strides = array<i64: 2>, pads = array<i64: 0, 1>, dilations = array<i64: 1>, ceil_mode = true} : tensor<1x1x3xf32> to tensor<1x1x2xf32>
  return %0 : tensor<1x1x2xf32>
}

// -----

// CHECK-LABEL: func @max_pool_channels_last
// CHECK: tessera.max_pool %arg0 {channels_last, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x8x8x3xf32> to tensor<1x4x4x3xf32>
func.func @max_pool_channels_last(%x: tensor<1x8x8x3xf32>) -> tensor<1x4x4x3xf32> {
  %0 = tessera.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, channels_last} : tensor<1x8x8x3xf32> to tensor<1x4x4x3xf32>
  return %0 : tensor<1x4x4x3xf32>
}
