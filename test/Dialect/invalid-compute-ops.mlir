// RUN: tessera-opt %s -split-input-file -verify-diagnostics
// Verifier errors of contractions, reductions, normalization, convolution and scans.

func.func @matmul_rank(%a: tensor<8xf32>, %b: tensor<8x4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{operands must have rank >= 2, found 1 and 2}}
  %0 = tessera.matmul %a, %b : (tensor<8xf32>, tensor<8x4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @matmul_k(%a: tensor<2x8xf32>, %b: tensor<7x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{contraction sizes differ: lhs has K = 8, rhs has K = 7}}
  %0 = tessera.matmul %a, %b : (tensor<2x8xf32>, tensor<7x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @matmul_batch(%a: tensor<3x2x8xf32>, %b: tensor<2x8x4xf32>) -> tensor<3x2x4xf32> {
  // expected-error @+1 {{batch dimensions do not broadcast}}
  %0 = tessera.matmul %a, %b : (tensor<3x2x8xf32>, tensor<2x8x4xf32>) -> tensor<3x2x4xf32>
  return %0 : tensor<3x2x4xf32>
}

// -----

func.func @matmul_result(%a: tensor<2x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{result type must be 'tensor<2x4xf32>', found 'tensor<4x2xf32>'}}
  %0 = tessera.matmul %a, %b : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @einsum_implicit(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{equation 'ij' is not an explicit einsum over lower-case letters}}
  %0 = tessera.einsum %a {equation = "ij"} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @einsum_ellipsis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{equation '...j->...j' is not an explicit einsum over lower-case letters}}
  %0 = tessera.einsum %a {equation = "...j->...j"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @einsum_operand_count(%a: tensor<2x3xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{equation names 2 operands, found 1}}
  %0 = tessera.einsum %a {equation = "ij,kj->ik"} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @einsum_rank(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{operand 0 has rank 2 but subscripts 'ijk'}}
  %0 = tessera.einsum %a {equation = "ijk->i"} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @einsum_sizes(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{letter 'j' has sizes 3 and 4}}
  %0 = tessera.einsum %a, %b {equation = "ij,jk->ik"} : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @einsum_element_type(%a: tensor<2x3xi64>) -> tensor<2xf32> {
  // expected-error @+1 {{operand 0 element type differs from the result's}}
  %0 = tessera.einsum %a {equation = "ij->i"} : (tensor<2x3xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @einsum_output_rank(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{output subscripts 'ij' do not match result rank 1}}
  %0 = tessera.einsum %a {equation = "ij->ij"} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @einsum_unknown_letter(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{output letter 'k' names no input dimension}}
  %0 = tessera.einsum %a {equation = "ij->k"} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @einsum_result_dim(%a: tensor<2x3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{result dimension 0 must be 2}}
  %0 = tessera.einsum %a {equation = "ij->i"} : (tensor<2x3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @reduce_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = tessera.reduce_sum %x {axes = array<i64: 2>} : tensor<2x3xf32> to tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @reduce_unsorted(%x: tensor<2x3xf32>) -> tensor<1x1xf32> {
  // expected-error @+1 {{axes must be sorted and unique}}
  %0 = tessera.reduce_max %x {axes = array<i64: 1, 0>} : tensor<2x3xf32> to tensor<1x1xf32>
  return %0 : tensor<1x1xf32>
}

// -----

func.func @reduce_result(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  // expected-error @+1 {{result type must be 'tensor<2xf32>', found 'tensor<2x1xf32>'}}
  %0 = tessera.reduce_mean %x {axes = array<i64: 1>, keepdims = false} : tensor<2x3xf32> to tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

func.func @argmax_result(%x: tensor<2x3xf32>) -> tensor<3xi64> {
  // expected-error @+1 {{result type must be 'tensor<2xi64>', found 'tensor<3xi64>'}}
  %0 = tessera.argmax %x {axis = 1 : i64, keepdims = false} : tensor<2x3xf32> to tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis -1 is out of range for rank 2}}
  %0 = tessera.softmax %x {axis = -1 : i64} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @cumsum_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis 5 is out of range for rank 2}}
  %0 = tessera.cumsum %x {axis = 5 : i64} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @trilu_rank(%x: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{operand must have rank >= 2, found 1}}
  %0 = tessera.trilu %x {upper = false} : tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @layer_norm_scale(%x: tensor<2x8xf32>, %g: tensor<4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{scale and bias must broadcast to the normalized shape, found 'tensor<4xf32>'}}
  %0 = tessera.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x8xf32>, tensor<4xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @layer_norm_axis(%x: tensor<2x8xf32>, %g: tensor<8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = tessera.layer_norm %x, %g {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @layer_norm_result(%x: tensor<2x8xf32>, %g: tensor<8xf32>) -> tensor<16xf32> {
  // expected-error @+1 {{result type must equal the input type 'tensor<2x8xf32>'}}
  %0 = tessera.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

func.func @conv_rank(%x: tensor<8x16xf32>, %w: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{input, weight and result must share a rank >= 3}}
  %0 = tessera.conv %x, %w {strides = array<i64>, pads = array<i64>, dilations = array<i64>, group = 1 : i64} : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @conv_activation_unknown(%x: tensor<1x8x16xf32>, %w: tensor<8x8x3xf32>) -> tensor<1x8x14xf32> {
  // expected-error @+1 {{unknown activation 'swish' (none, relu, gelu, gelu_tanh, silu, sigmoid, tanh or hardswish)}}
  %0 = tessera.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64, activation = "swish"} : (tensor<1x8x16xf32>, tensor<8x8x3xf32>) -> tensor<1x8x14xf32>
  return %0 : tensor<1x8x14xf32>
}

// -----

func.func @conv_residual_type(%x: tensor<1x8x16xf32>, %w: tensor<8x8x3xf32>, %r: tensor<1x8x16xf32>) -> tensor<1x8x14xf32> {
  // expected-error @+1 {{residual must have the result type 'tensor<1x8x14xf32>', found 'tensor<1x8x16xf32>'}}
  %0 = tessera.conv %x, %w residual %r {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x8x16xf32>, tensor<8x8x3xf32>, tensor<1x8x16xf32>) -> tensor<1x8x14xf32>
  return %0 : tensor<1x8x14xf32>
}

// -----

func.func @conv_attr_sizes(%x: tensor<1x8x16xf32>, %w: tensor<8x8x3xf32>) -> tensor<1x8x14xf32> {
  // expected-error @+1 {{strides and dilations need 1 entries and pads 2}}
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x8x16xf32>, tensor<8x8x3xf32>) -> tensor<1x8x14xf32>
  return %0 : tensor<1x8x14xf32>
}

// -----

func.func @conv_group(%x: tensor<1x8x16xf32>, %w: tensor<6x3x3xf32>) -> tensor<1x6x14xf32> {
  // expected-error @+1 {{group 3 must divide the 8 input and 6 output channels}}
  %0 = tessera.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 3 : i64} : (tensor<1x8x16xf32>, tensor<6x3x3xf32>) -> tensor<1x6x14xf32>
  return %0 : tensor<1x6x14xf32>
}

// -----

func.func @conv_weight_channels(%x: tensor<1x8x16xf32>, %w: tensor<8x4x3xf32>) -> tensor<1x8x14xf32> {
  // expected-error @+1 {{weight dimension 1 must be 8 (channels / group), found 4}}
  %0 = tessera.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x8x16xf32>, tensor<8x4x3xf32>) -> tensor<1x8x14xf32>
  return %0 : tensor<1x8x14xf32>
}

// -----

func.func @conv_bias(%x: tensor<1x8x16xf32>, %w: tensor<8x8x3xf32>, %b: tensor<4xf32>) -> tensor<1x8x14xf32> {
  // expected-error @+1 {{bias must be tensor<8x...>, found 'tensor<4xf32>'}}
  %0 = tessera.conv %x, %w, %b {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x8x16xf32>, tensor<8x8x3xf32>, tensor<4xf32>) -> tensor<1x8x14xf32>
  return %0 : tensor<1x8x14xf32>
}

// -----

func.func @conv_stride(%x: tensor<1x8x16xf32>, %w: tensor<8x8x3xf32>) -> tensor<1x8x14xf32> {
  // expected-error @+1 {{strides and dilations must be positive}}
  %0 = tessera.conv %x, %w {strides = array<i64: 0>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x8x16xf32>, tensor<8x8x3xf32>) -> tensor<1x8x14xf32>
  return %0 : tensor<1x8x14xf32>
}

// -----

func.func @conv_kernel_too_large(%x: tensor<1x8x2xf32>, %w: tensor<8x8x3xf32>) -> tensor<1x8x1xf32> {
  // expected-error @+1 {{kernel is larger than the padded input in spatial dimension 0}}
  %0 = tessera.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x8x2xf32>, tensor<8x8x3xf32>) -> tensor<1x8x1xf32>
  return %0 : tensor<1x8x1xf32>
}

// -----

func.func @conv_result(%x: tensor<1x8x16xf32>, %w: tensor<8x8x3xf32>) -> tensor<1x8x16xf32> {
  // expected-error @+1 {{result type must be 'tensor<1x8x14xf32>', found 'tensor<1x8x16xf32>'}}
  %0 = tessera.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x8x16xf32>, tensor<8x8x3xf32>) -> tensor<1x8x16xf32>
  return %0 : tensor<1x8x16xf32>
}

// -----

// Channels-last: the result's channels come last ([N, OH, OW, F]).
func.func @conv_channels_last_result(%x: tensor<1x8x8x4xf32>, %w: tensor<5x4x3x3xf32>) -> tensor<1x5x6x6xf32> {
  // expected-error @+1 {{result type must be 'tensor<1x6x6x5xf32>', found 'tensor<1x5x6x6xf32>'}}
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, channels_last} : (tensor<1x8x8x4xf32>, tensor<5x4x3x3xf32>) -> tensor<1x5x6x6xf32>
  return %0 : tensor<1x5x6x6xf32>
}

// -----

// Channels-last: the input's channels are its last dim.
func.func @conv_channels_last_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>) -> tensor<1x2x6x6xf32> {
  // expected-error @+1 {{weight dimension 1 must be 8 (channels / group), found 4}}
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, channels_last} : (tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>) -> tensor<1x2x6x6xf32>
  return %0 : tensor<1x2x6x6xf32>
}
