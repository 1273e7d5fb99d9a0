// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// The SSM ops round-trip.

// CHECK-LABEL: func @scan
// CHECK: tessera.selective_scan %arg0, %arg1, %arg2, %arg3, %arg4 D %arg5 z %arg0 delta_bias %arg5 initial_state %arg6 {delta_softplus = true}
func.func @scan(%x: tensor<2x5x8xf32>, %dt: tensor<2x5x8xf32>, %A: tensor<8x4xf32>, %B: tensor<2x5x4xf32>, %C: tensor<8x4xf32>, %D: tensor<8xf32>, %h: tensor<2x8x4xf32>) -> tensor<2x5x8xf32> {
  %y, %s = tessera.selective_scan %x, %dt, %A, %B, %C D %D z %x delta_bias %D initial_state %h {delta_softplus = true} : (tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<8x4xf32>, tensor<2x5x4xf32>, tensor<8x4xf32>, tensor<8xf32>, tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x8x4xf32>) -> (tensor<2x5x8xf32>, tensor<2x8x4xf32>)
  return %y : tensor<2x5x8xf32>
}

// CHECK-LABEL: func @conv
// CHECK: tessera.causal_conv1d %arg0, %arg1, %arg2 {activation = "silu", dilation = 2 : i64}
func.func @conv(%x: tensor<1x8x16xf32>, %w: tensor<8x4xf32>, %b: tensor<8xf32>) -> tensor<1x8x16xf32> {
  %y = tessera.causal_conv1d %x, %w, %b {activation = "silu", dilation = 2 : i64} : (tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// Time-major [Bt, L, C]: the channels are the last axis.
// CHECK-LABEL: func @conv_channels_last
// CHECK: tessera.causal_conv1d %arg0, %arg1 {channels_last} : (tensor<2x16x8xf32>, tensor<8x4xf32>) -> tensor<2x16x8xf32>
func.func @conv_channels_last(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>) -> tensor<2x16x8xf32> {
  %y = tessera.causal_conv1d %x, %w {channels_last} : (tensor<2x16x8xf32>, tensor<8x4xf32>) -> tensor<2x16x8xf32>
  return %y : tensor<2x16x8xf32>
}

// CHECK-LABEL: func @linear_attention
// CHECK: tessera.linear_attention %arg0, %arg1, %arg2 gate %arg3 {normalize = true, scale = 1.250000e-01 : f64}
func.func @linear_attention(%q: tensor<1x2x6x4xf32>, %k: tensor<1x2x6x4xf32>, %v: tensor<1x2x6x8xf32>, %g: tensor<1x2x6x1xf32>) -> tensor<1x2x6x8xf32> {
  %o, %s = tessera.linear_attention %q, %k, %v gate %g {scale = 0.125 : f64, normalize = true} : (tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x1xf32>) -> (tensor<1x2x6x8xf32>, tensor<1x2x4x8xf32>)
  return %o : tensor<1x2x6x8xf32>
}
