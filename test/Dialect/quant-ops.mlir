// RUN: tessera-opt %s -split-input-file | tessera-opt | FileCheck %s
// Round trip of the quantized ops.

// CHECK-LABEL: func @qlinear
func.func @qlinear(%x: tensor<2x16x64xf32>, %q: tensor<256x64xi8>, %s: tensor<256x1xf32>, %g: tensor<256x2xf32>, %b: tensor<256xf32>, %r: tensor<2x16x256xf32>) -> (tensor<2x16x256xf32>, tensor<2x16x256xf32>, tensor<2x16x256xf32>) {
  // CHECK: tessera.qlinear %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} {activation = "gelu", mode = "dynamic"} : (tensor<2x16x64xf32>, tensor<256x64xi8>, tensor<256x1xf32>, tensor<256xf32>) -> tensor<2x16x256xf32>
  %0 = tessera.qlinear %x, %q, %s bias %b {mode = "dynamic", bits = 8 : i64, activation = "gelu"} : (tensor<2x16x64xf32>, tensor<256x64xi8>, tensor<256x1xf32>, tensor<256xf32>) -> tensor<2x16x256xf32>
  // CHECK: tessera.qlinear %{{.*}}, %{{.*}}, %{{.*}} residual %{{.*}} {bits = 4 : i64, mode = "weight_only"} : (tensor<2x16x64xf32>, tensor<256x64xi8>, tensor<256x2xf32>, tensor<2x16x256xf32>) -> tensor<2x16x256xf32>
  %1 = tessera.qlinear %x, %q, %g residual %r {mode = "weight_only", bits = 4 : i64} : (tensor<2x16x64xf32>, tensor<256x64xi8>, tensor<256x2xf32>, tensor<2x16x256xf32>) -> tensor<2x16x256xf32>
  // CHECK: tessera.qlinear %{{.*}}, %{{.*}}, %{{.*}} {mode = "weight_only"} : (tensor<2x16x64xf32>, tensor<256x64xi8>, tensor<256x2xf32>) -> tensor<2x16x256xf32>
  %2 = tessera.qlinear %x, %q, %g {mode = "weight_only"} : (tensor<2x16x64xf32>, tensor<256x64xi8>, tensor<256x2xf32>) -> tensor<2x16x256xf32>
  return %0, %1, %2 : tensor<2x16x256xf32>, tensor<2x16x256xf32>, tensor<2x16x256xf32>
}

// -----

// A vector input: the result is [N].
// CHECK-LABEL: func @qlinear_vector
// CHECK: tessera.qlinear %{{.*}} : (tensor<64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<8xf32>
func.func @qlinear_vector(%x: tensor<64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<8xf32> {
  %0 = tessera.qlinear %x, %q, %s {mode = "dynamic"} : (tensor<64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Static int8: one input scale and zero point for every row.
// CHECK-LABEL: func @qlinear_static
// CHECK: tessera.qlinear %{{.*}}, %{{.*}}, %{{.*}} {input_scale = 2.500000e-01 : f32, input_zero_point = 128 : i64, mode = "static"} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
func.func @qlinear_static(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  %0 = tessera.qlinear %x, %q, %s {mode = "static", input_scale = 0.25 : f32, input_zero_point = 128 : i64} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// One scale and zero point for the whole input, from its range at run time
// (com.microsoft DynamicQuantizeMatMul).
// CHECK-LABEL: func @qlinear_dynamic_tensor
// CHECK: tessera.qlinear %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} {mode = "dynamic_tensor"} : (tensor<2x3x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
func.func @qlinear_dynamic_tensor(%x: tensor<2x3x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>, %b: tensor<8xf32>) -> tensor<2x3x8xf32> {
  %0 = tessera.qlinear %x, %q, %s bias %b {mode = "dynamic_tensor"} : (tensor<2x3x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  return %0 : tensor<2x3x8xf32>
}

// -----

// CHECK-LABEL: func @qconv
func.func @qconv(%x: tensor<1x8x6x6xf32>, %q: tensor<16x72xi8>, %s: tensor<16x1xf32>, %b: tensor<16xf32>) -> (tensor<1x6x6x16xf32>, tensor<1x2x3x16xf32>) {
  // CHECK: tessera.qconv %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} {dilations = array<i64: 1, 1>, input_scale = 5.000000e-02 : f32, input_zero_point = 128 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6xf32>, tensor<16x72xi8>, tensor<16x1xf32>, tensor<16xf32>) -> tensor<1x6x6x16xf32>
  %0 = tessera.qconv %x, %q, %s bias %b {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, input_scale = 0.05 : f32, input_zero_point = 128 : i64} : (tensor<1x8x6x6xf32>, tensor<16x72xi8>, tensor<16x1xf32>, tensor<16xf32>) -> tensor<1x6x6x16xf32>
  // Strided and dilated, no bias, asymmetric pads: OH = (6 + 0 + 1 - 2*2 - 1) / 2 + 1 = 2.
  // CHECK: tessera.qconv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 2, 1>, {{.*}}} : (tensor<1x8x6x6xf32>, tensor<16x72xi8>, tensor<16x1xf32>) -> tensor<1x2x3x16xf32>
  %1 = tessera.qconv %x, %q, %s {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 1, 1, 0>, dilations = array<i64: 2, 1>, input_scale = 0.05 : f32, input_zero_point = 0 : i64} : (tensor<1x8x6x6xf32>, tensor<16x72xi8>, tensor<16x1xf32>) -> tensor<1x2x3x16xf32>
  return %0, %1 : tensor<1x6x6x16xf32>, tensor<1x2x3x16xf32>
}
