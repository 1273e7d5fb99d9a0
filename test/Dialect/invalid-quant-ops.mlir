// RUN: tessera-opt %s -split-input-file -verify-diagnostics
// Verifier errors of the quantized ops, each next to the rule it breaks.

func.func @qlinear_k(%x: tensor<4x32xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{contraction sizes differ: input has K = 32, weight [N, K] has K = 64}}
  %0 = tessera.qlinear %x, %q, %s {mode = "dynamic"} : (tensor<4x32xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_groups(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x3xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{scale must be f32 [N = 8, G] with G >= 1 dividing K = 64, found 'tensor<8x3xf32>'}}
  %0 = tessera.qlinear %x, %q, %s {mode = "weight_only"} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x3xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_scale_rows(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<4x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{scale must be f32 [N = 8, G]}}
  %0 = tessera.qlinear %x, %q, %s {mode = "weight_only"} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_dynamic_groups(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x2xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{dynamic mode needs 8-bit weights with one scale per output channel, found 8 bits and 2 groups}}
  %0 = tessera.qlinear %x, %q, %s {mode = "dynamic"} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x2xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_dynamic_int4(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{dynamic mode needs 8-bit weights with one scale per output channel, found 4 bits and 1 groups}}
  %0 = tessera.qlinear %x, %q, %s {mode = "dynamic", bits = 4 : i64} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_dynamic_tensor_groups(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x2xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{dynamic_tensor mode needs 8-bit weights with one scale per output channel, found 8 bits and 2 groups}}
  %0 = tessera.qlinear %x, %q, %s {mode = "dynamic_tensor"} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x2xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_dynamic_tensor_scale(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{input_scale and input_zero_point go with static mode only, and static mode needs both}}
  %0 = tessera.qlinear %x, %q, %s {mode = "dynamic_tensor", input_scale = 0.5 : f32, input_zero_point = 3 : i64} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_bits(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{bits must be 8 or 4, found 2}}
  %0 = tessera.qlinear %x, %q, %s {mode = "weight_only", bits = 2 : i64} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_mode(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{mode must be 'dynamic', 'dynamic_tensor', 'static' or 'weight_only', found 'fixed'}}
  %0 = tessera.qlinear %x, %q, %s {mode = "fixed"} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_f64(%x: tensor<4x64xf64>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf64> {
  // expected-error @+1 {{input and result must be f32, found 'f64' and 'f64'}}
  %0 = tessera.qlinear %x, %q, %s {mode = "weight_only"} : (tensor<4x64xf64>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf64>
  return %0 : tensor<4x8xf64>
}

// -----

func.func @qlinear_result(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x9xf32> {
  // expected-error @+1 {{result type must be 'tensor<4x8xf32>', found 'tensor<4x9xf32>'}}
  %0 = tessera.qlinear %x, %q, %s {mode = "weight_only"} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x9xf32>
  return %0 : tensor<4x9xf32>
}

// -----

func.func @qlinear_bias(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>, %b: tensor<4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{bias must be 'tensor<8xf32>', found 'tensor<4xf32>'}}
  %0 = tessera.qlinear %x, %q, %s bias %b {mode = "weight_only"} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>, tensor<4xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_residual(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>, %r: tensor<1x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{residual must have the result type 'tensor<4x8xf32>', found 'tensor<1x8xf32>'}}
  %0 = tessera.qlinear %x, %q, %s residual %r {mode = "weight_only"} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_activation(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{unknown activation 'swish'}}
  %0 = tessera.qlinear %x, %q, %s {mode = "weight_only", activation = "swish"} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_weight_type(%x: tensor<4x64xf32>, %q: tensor<8x64xi32>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{operand #1 must be statically shaped tensor of 8-bit signless integer values}}
  %0 = tessera.qlinear %x, %q, %s {mode = "weight_only"} : (tensor<4x64xf32>, tensor<8x64xi32>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_static_missing(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{input_scale and input_zero_point go with static mode only, and static mode needs both}}
  %0 = tessera.qlinear %x, %q, %s {mode = "static", input_scale = 0.5 : f32} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_dynamic_with_scale(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{input_scale and input_zero_point go with static mode only}}
  %0 = tessera.qlinear %x, %q, %s {mode = "dynamic", input_scale = 0.5 : f32, input_zero_point = 3 : i64} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_static_zero_point(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{static mode needs a finite input_scale > 0 and an input_zero_point in [0, 255], found 5.000000e-01 and 256}}
  %0 = tessera.qlinear %x, %q, %s {mode = "static", input_scale = 0.5 : f32, input_zero_point = 256 : i64} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_static_scale(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{static mode needs a finite input_scale > 0}}
  %0 = tessera.qlinear %x, %q, %s {mode = "static", input_scale = 0.0 : f32, input_zero_point = 0 : i64} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qlinear_static_int4(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{static mode needs 8-bit weights with one scale per output channel, found 4 bits and 1 groups}}
  %0 = tessera.qlinear %x, %q, %s {mode = "static", bits = 4 : i64, input_scale = 0.5 : f32, input_zero_point = 0 : i64} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @qconv_weight_columns(%x: tensor<1x8x6x6xf32>, %q: tensor<16x64xi8>, %s: tensor<16x1xf32>) -> tensor<1x6x6x16xf32> {
  // expected-error @+1 {{weight must be [F, KH*KW*C] = [16, 72], found 'tensor<16x64xi8>'}}
  %0 = tessera.qconv %x, %q, %s {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, input_scale = 0.05 : f32, input_zero_point = 128 : i64} : (tensor<1x8x6x6xf32>, tensor<16x64xi8>, tensor<16x1xf32>) -> tensor<1x6x6x16xf32>
  return %0 : tensor<1x6x6x16xf32>
}

// -----

func.func @qconv_scale(%x: tensor<1x8x6x6xf32>, %q: tensor<16x72xi8>, %s: tensor<16x2xf32>) -> tensor<1x6x6x16xf32> {
  // expected-error @+1 {{scale must be [F, 1] = [16, 1], found 'tensor<16x2xf32>'}}
  %0 = tessera.qconv %x, %q, %s {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, input_scale = 0.05 : f32, input_zero_point = 128 : i64} : (tensor<1x8x6x6xf32>, tensor<16x72xi8>, tensor<16x2xf32>) -> tensor<1x6x6x16xf32>
  return %0 : tensor<1x6x6x16xf32>
}

// -----

func.func @qconv_bias(%x: tensor<1x8x6x6xf32>, %q: tensor<16x72xi8>, %s: tensor<16x1xf32>, %b: tensor<8xf32>) -> tensor<1x6x6x16xf32> {
  // expected-error @+1 {{bias must be [F] = [16], found 'tensor<8xf32>'}}
  %0 = tessera.qconv %x, %q, %s bias %b {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, input_scale = 0.05 : f32, input_zero_point = 128 : i64} : (tensor<1x8x6x6xf32>, tensor<16x72xi8>, tensor<16x1xf32>, tensor<8xf32>) -> tensor<1x6x6x16xf32>
  return %0 : tensor<1x6x6x16xf32>
}

// -----

// The result is channels-last [N, OH, OW, F]; the channel-first shape is refused.
func.func @qconv_result(%x: tensor<1x8x6x6xf32>, %q: tensor<16x72xi8>, %s: tensor<16x1xf32>) -> tensor<1x16x6x6xf32> {
  // expected-error @+1 {{result must be [N, OH, OW, F] = [1, 6, 6, 16], found 'tensor<1x16x6x6xf32>'}}
  %0 = tessera.qconv %x, %q, %s {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, input_scale = 0.05 : f32, input_zero_point = 128 : i64} : (tensor<1x8x6x6xf32>, tensor<16x72xi8>, tensor<16x1xf32>) -> tensor<1x16x6x6xf32>
  return %0 : tensor<1x16x6x6xf32>
}

// -----

func.func @qconv_pads(%x: tensor<1x8x6x6xf32>, %q: tensor<16x72xi8>, %s: tensor<16x1xf32>) -> tensor<1x6x6x16xf32> {
  // expected-error @+1 {{kernel_shape, strides and dilations need 2 values, pads 4}}
  %0 = tessera.qconv %x, %q, %s {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>, input_scale = 0.05 : f32, input_zero_point = 128 : i64} : (tensor<1x8x6x6xf32>, tensor<16x72xi8>, tensor<16x1xf32>) -> tensor<1x6x6x16xf32>
  return %0 : tensor<1x6x6x16xf32>
}

// -----

func.func @qconv_stride(%x: tensor<1x8x6x6xf32>, %q: tensor<16x72xi8>, %s: tensor<16x1xf32>) -> tensor<1x6x6x16xf32> {
  // expected-error @+1 {{kernel_shape, strides and dilations must be positive, pads non-negative}}
  %0 = tessera.qconv %x, %q, %s {kernel_shape = array<i64: 3, 3>, strides = array<i64: 0, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, input_scale = 0.05 : f32, input_zero_point = 128 : i64} : (tensor<1x8x6x6xf32>, tensor<16x72xi8>, tensor<16x1xf32>) -> tensor<1x6x6x16xf32>
  return %0 : tensor<1x6x6x16xf32>
}

// -----

func.func @qconv_kernel_too_big(%x: tensor<1x8x2x2xf32>, %q: tensor<16x72xi8>, %s: tensor<16x1xf32>) -> tensor<1x1x1x16xf32> {
  // expected-error @+1 {{the kernel is larger than the padded input}}
  %0 = tessera.qconv %x, %q, %s {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, input_scale = 0.05 : f32, input_zero_point = 128 : i64} : (tensor<1x8x2x2xf32>, tensor<16x72xi8>, tensor<16x1xf32>) -> tensor<1x1x1x16xf32>
  return %0 : tensor<1x1x1x16xf32>
}

// -----

func.func @qconv_zero_point(%x: tensor<1x8x6x6xf32>, %q: tensor<16x72xi8>, %s: tensor<16x1xf32>) -> tensor<1x6x6x16xf32> {
  // expected-error @+1 {{input_zero_point must lie in [0, 255], found 256}}
  %0 = tessera.qconv %x, %q, %s {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, input_scale = 0.05 : f32, input_zero_point = 256 : i64} : (tensor<1x8x6x6xf32>, tensor<16x72xi8>, tensor<16x1xf32>) -> tensor<1x6x6x16xf32>
  return %0 : tensor<1x6x6x16xf32>
}

// -----

func.func @qconv_input_scale(%x: tensor<1x8x6x6xf32>, %q: tensor<16x72xi8>, %s: tensor<16x1xf32>) -> tensor<1x6x6x16xf32> {
  // expected-error @+1 {{input_scale must be positive and finite, found 0}}
  %0 = tessera.qconv %x, %q, %s {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, input_scale = 0.0 : f32, input_zero_point = 128 : i64} : (tensor<1x8x6x6xf32>, tensor<16x72xi8>, tensor<16x1xf32>) -> tensor<1x6x6x16xf32>
  return %0 : tensor<1x6x6x16xf32>
}
