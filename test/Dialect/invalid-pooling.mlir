// RUN: tessera-opt %s -split-input-file -verify-diagnostics
// Verifier errors of the pooling ops.

func.func @rank(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{input and result must share a rank >= 3, found 2 and 2}}
  %0 = tessera.max_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : tensor<4x8xf32> to tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @attr_sizes(%x: tensor<1x1x8x8xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{kernel_shape, strides and dilations need 2 entries and pads 4}}
  %0 = tessera.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x1x8x8xf32> to tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @stride_zero(%x: tensor<1x1x8xf32>) -> tensor<1x1x4xf32> {
  // expected-error @+1 {{kernel_shape, strides and dilations must be positive}}
  %0 = tessera.avg_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 0>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : tensor<1x1x8xf32> to tensor<1x1x4xf32>
  return %0 : tensor<1x1x4xf32>
}

// -----

func.func @negative_pad(%x: tensor<1x1x8xf32>) -> tensor<1x1x4xf32> {
  // expected-error @+1 {{pads must be non-negative}}
  %0 = tessera.avg_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: -1, 0>, dilations = array<i64: 1>} : tensor<1x1x8xf32> to tensor<1x1x4xf32>
  return %0 : tensor<1x1x4xf32>
}

// -----

func.func @too_big(%x: tensor<1x1x3xf32>) -> tensor<1x1x1xf32> {
  // expected-error @+1 {{window is larger than the padded input in spatial dimension 0}}
  %0 = tessera.max_pool %x {kernel_shape = array<i64: 3>, strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 2>} : tensor<1x1x3xf32> to tensor<1x1x1xf32>
  return %0 : tensor<1x1x1xf32>
}

// -----

func.func @result(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x3x3xf32> {
  // expected-error @+1 {{result type must be 'tensor<1x3x4x4xf32>', found 'tensor<1x3x3x3xf32>'}}
  %0 = tessera.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x3x8x8xf32> to tensor<1x3x3x3xf32>
  return %0 : tensor<1x3x3x3xf32>
}

// -----

func.func @ceil_result(%x: tensor<1x1x3xf32>) -> tensor<1x1x3xf32> {
  // A window starting in the end padding is dropped, so the size is 2, not 3.
  // expected-error @+1 {{result type must be 'tensor<1x1x2xf32>', found 'tensor<1x1x3xf32>'}}
  %0 = tessera.avg_pool %x {kernel_shape = array<i64: 1>, strides = array<i64: 2>, pads = array<i64: 0, 1>, dilations = array<i64: 1>, ceil_mode = true} : tensor<1x1x3xf32> to tensor<1x1x3xf32>
  return %0 : tensor<1x1x3xf32>
}

// -----

func.func @bool_max(%x: tensor<1x1x4xi1>) -> tensor<1x1x2xi1> {
  // expected-error @+1 {{element type must not be i1}}
  %0 = tessera.max_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : tensor<1x1x4xi1> to tensor<1x1x2xi1>
  return %0 : tensor<1x1x2xi1>
}

// -----

func.func @avg_int(%x: tensor<1x1x4xi32>) -> tensor<1x1x2xi32> {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of}}
  %0 = tessera.avg_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : tensor<1x1x4xi32> to tensor<1x1x2xi32>
  return %0 : tensor<1x1x2xi32>
}

// -----

// Channels-last: [N, H, W, C] in and out.
func.func @channels_last_result(%x: tensor<1x8x8x3xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+1 {{result type must be 'tensor<1x4x4x3xf32>', found 'tensor<1x3x4x4xf32>'}}
  %0 = tessera.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, channels_last} : tensor<1x8x8x3xf32> to tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}
