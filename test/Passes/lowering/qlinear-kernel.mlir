// RUN: tessera-opt %s -split-input-file --convert-tessera-to-linalg | FileCheck %s
// RUN: tessera-opt %s -split-input-file --convert-tessera-to-linalg --one-shot-bufferize=bufferize-function-boundaries --tessera-linalg-to-runtime-calls | FileCheck %s --check-prefix=CALL
// tessera.qlinear lowers to the runtime's tessera_qlinear_f32 on matrices:
// flags = activation code | 16 bias | 32 residual | 128 dynamic int8 |
// 256 4-bit weights | 512 dynamic int8 per tensor; the call gets the constant-operand mask last. Static
// int8 calls tessera_qlinear_static_f32 with the input scale's bits and the
// zero point after the flags.

// CHECK-LABEL: func @dynamic_3d
// CHECK: %[[X:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<2x5x12xf32> into tensor<10x12xf32>
// CHECK: %[[C:.*]] = tessera.call_kernel "tessera_qlinear_f32" ins(%[[X]], %arg1, %arg2, %arg3, %[[X]] : tensor<10x12xf32>, tensor<20x12xi8>, tensor<20x1xf32>, tensor<20xf32>, tensor<10x12xf32>) outs(%{{.*}} : tensor<10x20xf32>) {constant_mask, scalars = [146]} -> tensor<10x20xf32>
// CHECK: tensor.expand_shape %[[C]] {{\[\[}}0, 1], [2]] output_shape [2, 5, 20] : tensor<10x20xf32> into tensor<2x5x20xf32>
// CALL-LABEL: func @dynamic_3d
// CALL: call @tessera_qlinear_f32(%{{.*}}) : (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64) -> ()
func.func @dynamic_3d(%x: tensor<2x5x12xf32>, %q: tensor<20x12xi8>, %s: tensor<20x1xf32>, %b: tensor<20xf32>) -> tensor<2x5x20xf32> {
  %0 = tessera.qlinear %x, %q, %s bias %b {mode = "dynamic", activation = "gelu"} : (tensor<2x5x12xf32>, tensor<20x12xi8>, tensor<20x1xf32>, tensor<20xf32>) -> tensor<2x5x20xf32>
  return %0 : tensor<2x5x20xf32>
}

// -----

// 4-bit weights are packed here, two to a byte, [N, K/2]: in each block of 32
// k, byte j holds q[j] + 8 low and q[16 + j] + 8 high. q = k - 8 for k < 16
// and 7 - (k - 16) for 16 <= k < 32: byte j = (j) | (15 - j) << 4.
// CHECK-LABEL: func @int4_packed
// CHECK: %[[W:.*]] = arith.constant dense_resource<qweight_int4> : tensor<1x16xi8>
// CHECK: tessera.call_kernel "tessera_qlinear_f32" ins(%arg0, %[[W]], %{{.*}}, %{{.*}}, %arg1 : tensor<3x32xf32>, tensor<1x16xi8>, tensor<1x1xf32>, tensor<0xf32>, tensor<3x1xf32>) outs(%{{.*}} : tensor<3x1xf32>) {constant_mask, scalars = [288]}
// CHECK: qweight_int4: "0x08000000F0E1D2C3B4A5968778695A4B3C2D1E0F"
// CALL-LABEL: func @int4_packed
// CALL: %[[MASK:.*]] = arith.constant 6 : i64
// CALL: call @tessera_qlinear_f32({{.*}}, %[[MASK]])
func.func @int4_packed(%x: tensor<3x32xf32>, %r: tensor<3x1xf32>) -> tensor<3x1xf32> {
  %q = tessera.constant dense<[[-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1, 0, -1, -2, -3, -4, -5, -6, -7, -8]]> : tensor<1x32xi8>
  %s = tessera.constant dense<0.5> : tensor<1x1xf32>
  %0 = tessera.qlinear %x, %q, %s residual %r {mode = "weight_only", bits = 4 : i64} : (tensor<3x32xf32>, tensor<1x32xi8>, tensor<1x1xf32>, tensor<3x1xf32>) -> tensor<3x1xf32>
  return %0 : tensor<3x1xf32>
}

// -----

// dynamic_tensor: flag 512 (plus 16 for the bias).
// CHECK-LABEL: func @dynamic_tensor
// CHECK: tessera.call_kernel "tessera_qlinear_f32" ins(%arg0, %arg1, %arg2, %arg3, %arg0 : tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>, tensor<8xf32>, tensor<4x64xf32>) outs(%{{.*}} : tensor<4x8xf32>) {constant_mask, scalars = [528]} -> tensor<4x8xf32>
// CALL-LABEL: func @dynamic_tensor
// CALL: call @tessera_qlinear_f32(%{{.*}}) : (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64) -> ()
func.func @dynamic_tensor(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %0 = tessera.qlinear %x, %q, %s bias %b {mode = "dynamic_tensor"} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Static int8: scale 0.25 is 0x3E800000 = 1048576000, zero point 128.
// CHECK-LABEL: func @static_int8
// CHECK: tessera.call_kernel "tessera_qlinear_static_f32" ins(%arg0, %arg1, %arg2, %{{.*}}, %arg0 : tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>, tensor<0xf32>, tensor<4x64xf32>) outs(%{{.*}} : tensor<4x8xf32>) {constant_mask, scalars = [1, 1048576000, 128]} -> tensor<4x8xf32>
// CALL-LABEL: func @static_int8
// CALL: call @tessera_qlinear_static_f32(%{{.*}}) : (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64, i64, i64) -> ()
func.func @static_int8(%x: tensor<4x64xf32>, %q: tensor<8x64xi8>, %s: tensor<8x1xf32>) -> tensor<4x8xf32> {
  %0 = tessera.qlinear %x, %q, %s {mode = "static", activation = "relu", input_scale = 0.25 : f32, input_zero_point = 128 : i64} : (tensor<4x64xf32>, tensor<8x64xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// tessera.qconv calls tessera_qconv2d_static_f32 on the NCHW input and the
// channels-last result: flags (16 = bias), kh, kw, sh, sw, dh, dw, padT,
// padL, the input scale's bits (0.1f = 1036831949), the zero point.
// CHECK-LABEL: func @qconv
// CHECK: %[[Y:.*]] = tessera.call_kernel "tessera_qconv2d_static_f32" ins(%arg0, %arg1, %arg2, %arg3 : tensor<1x2x4x4xf32>, tensor<3x8xi8>, tensor<3x1xf32>, tensor<3xf32>) outs(%{{.*}} : tensor<1x3x3x3xf32>) {constant_mask, scalars = [16, 2, 2, 2, 1, 1, 1, 1, 0, 1036831949, 125]} -> tensor<1x3x3x3xf32>
// CHECK: return %[[Y]]
// CALL-LABEL: func @qconv
// CALL: call @tessera_qconv2d_static_f32(%{{.*}}) : (memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> ()
func.func @qconv(%x: tensor<1x2x4x4xf32>, %q: tensor<3x8xi8>, %s: tensor<3x1xf32>, %b: tensor<3xf32>) -> tensor<1x3x3x3xf32> {
  %0 = tessera.qconv %x, %q, %s bias %b {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 1>, pads = array<i64: 1, 0, 1, 0>, dilations = array<i64: 1, 1>, input_scale = 0.1 : f32, input_zero_point = 125 : i64} : (tensor<1x2x4x4xf32>, tensor<3x8xi8>, tensor<3x1xf32>, tensor<3xf32>) -> tensor<1x3x3x3xf32>
  return %0 : tensor<1x3x3x3xf32>
}

// -----

// Without a bias the flags are 0 and the bias operand an empty tensor.
// CHECK-LABEL: func @qconv_no_bias
// CHECK: %[[E:.*]] = tensor.empty() : tensor<0xf32>
// CHECK: tessera.call_kernel "tessera_qconv2d_static_f32" ins(%arg0, %arg1, %arg2, %[[E]] : {{.*}}) {constant_mask, scalars = [0, 3, 3, 1, 1, 2, 2, 2, 2, 1036831949, 0]}
func.func @qconv_no_bias(%x: tensor<1x4x6x6xf32>, %q: tensor<2x36xi8>, %s: tensor<2x1xf32>) -> tensor<1x6x6x2xf32> {
  %0 = tessera.qconv %x, %q, %s {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 2, 2, 2, 2>, dilations = array<i64: 2, 2>, input_scale = 0.1 : f32, input_zero_point = 0 : i64} : (tensor<1x4x6x6xf32>, tensor<2x36xi8>, tensor<2x1xf32>) -> tensor<1x6x6x2xf32>
  return %0 : tensor<1x6x6x2xf32>
}
