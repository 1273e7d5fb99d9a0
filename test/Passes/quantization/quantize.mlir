// RUN: tessera-opt %s -split-input-file -tessera-quantize | FileCheck %s --check-prefix=INT8
// RUN: tessera-opt %s -split-input-file -tessera-quantize="mode=w8 group-size=2" | FileCheck %s --check-prefix=W8
// RUN: tessera-opt %s -split-input-file -tessera-quantize="mode=w4" | FileCheck %s --check-prefix=W4
// RUN: tessera-opt %s -split-input-file -tessera-quantize="mode=w4 group-size=64" | FileCheck %s --check-prefix=W4G64
// RUN: tessera-opt %s -split-input-file -tessera-quantize="tag-only" | FileCheck %s --check-prefix=TAG
// f32 linear layers with constant weights -> tessera.qlinear, the weight
// quantized symmetric (half to even) into [N, K] integers and [N, G] scales,
// each numbered in tessera.qlayer; tag-only numbers the same layers and
// leaves them f32 (the accuracy report's reference build).
// Resources print as hex: 4 bytes of alignment, then the data.

// [K, N] weight (not transposed) read as W[n, k]. Row 0 = (1, -0.5, 0.25, 2):
// s = 2/127, q = (63.5 -> 64, -31.75 -> -32, 15.875 -> 16, 127);
// row 1 = (0.1, 0.2, -0.3, 0.4): s = 0.4/127, q = (32, 64, -95, 127).
// INT8-LABEL: func @int8_kn
// INT8-DAG: %[[Q:.*]] = tessera.constant dense_resource<qweight> : tensor<2x4xi8>
// INT8-DAG: %[[S:.*]] = tessera.constant dense_resource<qscale> : tensor<2x1xf32>
// INT8: tessera.qlinear %arg0, %[[Q]], %[[S]] bias %{{.*}} {activation = "gelu", mode = "dynamic", tessera.qlayer = 0 : i64} : (tensor<3x4xf32>, tensor<2x4xi8>, tensor<2x1xf32>, tensor<2xf32>) -> tensor<3x2xf32>
// INT8-NOT: tessera.linear
// INT8: qweight: "0x0800000040E0107F2040A17F"
// In groups of 2 k: (1, -0.5) s = 1/127 -> (127, -63.5 -> -64); (0.25, 2)
// -> (16, 127); (0.1, 0.2) -> (64, 127); (-0.3, 0.4) -> (-95, 127).
// W8-LABEL: func @int8_kn
// W8: tessera.qlinear %arg0, %{{.*}}, %{{.*}} bias %{{.*}} {activation = "gelu", mode = "weight_only", tessera.qlayer = 0 : i64} : (tensor<3x4xf32>, tensor<2x4xi8>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
// W8: qweight: "0x080000007FC0107F407FA17F"
// W4 needs K to be a multiple of its group size (32): left alone.
// W4-LABEL: func @int8_kn
// W4: tessera.linear
func.func @int8_kn(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = tessera.constant dense<[[1.0, 0.1], [-0.5, 0.2], [0.25, -0.3], [2.0, 0.4]]> : tensor<4x2xf32>
  %b = tessera.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = tessera.linear %x, %w bias %b {activation = "gelu"} : (tensor<3x4xf32>, tensor<4x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// 4 bits, [N, K] weight with K = 64: groups of 32 (G = 2) by default, one
// group with group-size=64. Row 0 is k/8 for k < 32 and -k/8 after: the
// extreme of group 0 is 31/8 (s = -31/64, 31/8 -> -8), of group 1 -63/8
// (s = 63/64, -63/8 -> -8). q never leaves [-8, 7].
// W4-LABEL: func @w4_nk
// W4: %[[Q:.*]] = tessera.constant dense_resource<qweight> : tensor<1x64xi8>
// W4: %[[S:.*]] = tessera.constant dense_resource<qscale> : tensor<1x2xf32>
// W4: tessera.qlinear %arg0, %[[Q]], %[[S]] residual %arg1 {bits = 4 : i64, mode = "weight_only", tessera.qlayer = 0 : i64} : (tensor<2x64xf32>, tensor<1x64xi8>, tensor<1x2xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
// Group 0 scale -31/64 = -0.484375 (0xBEF80000), group 1 63/64 (0x3F7C0000).
// W4: qscale: "0x080000000000F8BE00007C3F"
// W4G64-LABEL: func @w4_nk
// W4G64: tessera.qlinear %arg0, %{{.*}}, %{{.*}} residual %arg1 {bits = 4 : i64, mode = "weight_only", tessera.qlayer = 0 : i64} : (tensor<2x64xf32>, tensor<1x64xi8>, tensor<1x1xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
func.func @w4_nk(%x: tensor<2x64xf32>, %r: tensor<2x1xf32>) -> tensor<2x1xf32> {
  %w = tessera.constant dense<[[0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0, 1.125, 1.25, 1.375, 1.5, 1.625, 1.75, 1.875, 2.0, 2.125, 2.25, 2.375, 2.5, 2.625, 2.75, 2.875, 3.0, 3.125, 3.25, 3.375, 3.5, 3.625, 3.75, 3.875, -4.0, -4.125, -4.25, -4.375, -4.5, -4.625, -4.75, -4.875, -5.0, -5.125, -5.25, -5.375, -5.5, -5.625, -5.75, -5.875, -6.0, -6.125, -6.25, -6.375, -6.5, -6.625, -6.75, -6.875, -7.0, -7.125, -7.25, -7.375, -7.5, -7.625, -7.75, -7.875]]> : tensor<1x64xf32>
  %0 = tessera.linear %x, %w residual %r {transpose_weight = true} : (tensor<2x64xf32>, tensor<1x64xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

// Near misses, left alone in every mode: a weight that is an activation (x
// times its own transpose), an f64 layer, and a zero weight (scale 1, q 0:
// quantized, but no division by zero).
// INT8-LABEL: func @near_misses
// INT8: tessera.linear %arg0, %arg1
// INT8: tessera.linear %arg2
// INT8: tessera.qlinear
// INT8: qscale: "0x080000000000803F0000803F"
// W8-LABEL: func @near_misses
// W8: tessera.linear %arg0, %arg1
// W8: tessera.linear %arg2
// TAG-LABEL: func @near_misses
// TAG: tessera.linear %arg0, %arg1 :
// TAG: tessera.linear %arg2
// TAG-NOT: tessera.qlinear
// TAG: tessera.linear %arg0, %{{.*}} {tessera.qlayer = 0 : i64}
func.func @near_misses(%x: tensor<3x4xf32>, %y: tensor<4x4xf32>, %d: tensor<3x4xf64>) -> (tensor<3x4xf32>, tensor<3x2xf64>, tensor<3x2xf32>) {
  %0 = tessera.linear %x, %y : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
  %w = tessera.constant dense<1.0> : tensor<4x2xf64>
  %1 = tessera.linear %d, %w : (tensor<3x4xf64>, tensor<4x2xf64>) -> tensor<3x2xf64>
  %z = tessera.constant dense<0.0> : tensor<4x2xf32>
  %2 = tessera.linear %x, %z : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return %0, %1, %2 : tensor<3x4xf32>, tensor<3x2xf64>, tensor<3x2xf32>
}

// -----

// int8 accumulates K products of |q| <= 255 * 127 in i32: above K = 32768
// the layer stays f32.
// INT8-LABEL: func @int8_k_too_large
// INT8: tessera.linear
// W8-LABEL: func @int8_k_too_large
// W8: tessera.qlinear
func.func @int8_k_too_large(%x: tensor<1x32770xf32>) -> tensor<1x2xf32> {
  %w = tessera.constant dense<0.5> : tensor<32770x2xf32>
  %0 = tessera.linear %x, %w : (tensor<1x32770xf32>, tensor<32770x2xf32>) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}
