// RUN: tessera-opt %s -split-input-file -tessera-decompose-fused=keep-kernels -convert-tessera-to-linalg | FileCheck %s
// f32 SSM ops lower to their runtime kernels; flags say which optional
// operands are there (absent ones get unread stand-ins of the right rank).

// Selective scan flags: 1 softplus, 2 D, 4 z, 8 delta_bias, 16 initial
// state, 64/128 time-invariant B/C (passed as [1, D, N]).
// CHECK-LABEL: func @scan
// CHECK: %[[C:.*]] = tensor.expand_shape %arg4 {{\[}}[0, 1], [2]] output_shape [1, 8, 4] : tensor<8x4xf32> into tensor<1x8x4xf32>
// CHECK: tessera.call_kernel "tessera_selective_scan_f32" ins(%arg0, %arg1, %arg2, %arg3, %[[C]], %arg5, %arg0, %{{.*}}, %arg0 : {{.*}}) outs(%{{.*}}, %{{.*}} : tensor<2x5x8xf32>, tensor<2x8x4xf32>) {scalars = [135]}
func.func @scan(%x: tensor<2x5x8xf32>, %dt: tensor<2x5x8xf32>, %A: tensor<8x4xf32>, %B: tensor<2x5x4xf32>, %C: tensor<8x4xf32>, %D: tensor<8xf32>) -> tensor<2x5x8xf32> {
  %y, %s = tessera.selective_scan %x, %dt, %A, %B, %C D %D z %x {delta_softplus = true} : (tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<8x4xf32>, tensor<2x5x4xf32>, tensor<8x4xf32>, tensor<8xf32>, tensor<2x5x8xf32>) -> (tensor<2x5x8xf32>, tensor<2x8x4xf32>)
  return %y : tensor<2x5x8xf32>
}

// -----

// CHECK-LABEL: func @scan_state
// CHECK: tessera.call_kernel "tessera_selective_scan_f32" ins(%arg0, %arg1, %arg2, %arg3, %arg3, %{{.*}}, %arg0, %arg5, %arg4 : {{.*}}) {scalars = [24]}
func.func @scan_state(%x: tensor<1x5x8xf32>, %dt: tensor<1x5x8xf32>, %A: tensor<8x4xf32>, %B: tensor<1x5x4xf32>, %h: tensor<1x8x4xf32>, %bias: tensor<8xf32>) -> tensor<1x8x4xf32> {
  %y, %s = tessera.selective_scan %x, %dt, %A, %B, %B delta_bias %bias initial_state %h : (tensor<1x5x8xf32>, tensor<1x5x8xf32>, tensor<8x4xf32>, tensor<1x5x4xf32>, tensor<1x5x4xf32>, tensor<8xf32>, tensor<1x8x4xf32>) -> (tensor<1x5x8xf32>, tensor<1x8x4xf32>)
  return %s : tensor<1x8x4xf32>
}

// -----

// Causal conv: dilation, then an activation code | 16 for a bias.
// CHECK-LABEL: func @conv
// CHECK: tessera.call_kernel "tessera_causal_conv1d_f32" ins(%arg0, %arg1, %arg2 : tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<8xf32>) outs(%{{.*}} : tensor<1x8x16xf32>) {scalars = [2, 20]}
func.func @conv(%x: tensor<1x8x16xf32>, %w: tensor<8x4xf32>, %b: tensor<8xf32>) -> tensor<1x8x16xf32> {
  %y = tessera.causal_conv1d %x, %w, %b {activation = "silu", dilation = 2 : i64} : (tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// -----

// Time-major (channels_last): the [Bt, L, C] buffers as they are, flag 256.
// CHECK-LABEL: func @conv_channels_last
// CHECK: tessera.call_kernel "tessera_causal_conv1d_f32" ins(%arg0, %arg1, %{{.*}} : tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<0xf32>) outs(%{{.*}} : tensor<2x16x8xf32>) {scalars = [1, 256]}
func.func @conv_channels_last(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>) -> tensor<2x16x8xf32> {
  %y = tessera.causal_conv1d %x, %w {channels_last} : (tensor<2x16x8xf32>, tensor<8x4xf32>) -> tensor<2x16x8xf32>
  return %y : tensor<2x16x8xf32>
}

// -----

// Linear attention: scale, epsilon, flags 1 gate, 2 normalize, 4 initial state.
// CHECK-LABEL: func @linattn
// CHECK: tessera.call_kernel "tessera_linear_attention_f32" ins(%arg0, %arg1, %arg2, %arg3, %arg0 : {{.*}}) outs(%{{.*}}, %{{.*}} : tensor<1x2x6x8xf32>, tensor<1x2x4x8xf32>) {scalars = [5.000000e-01 : f32, 9.99999997E-7 : f32, 3]}
func.func @linattn(%q: tensor<1x2x6x4xf32>, %k: tensor<1x2x6x4xf32>, %v: tensor<1x2x6x8xf32>, %g: tensor<1x2x6x1xf32>) -> tensor<1x2x6x8xf32> {
  %o, %s = tessera.linear_attention %q, %k, %v gate %g {scale = 0.5 : f64, normalize = true, epsilon = 1.0e-6 : f64} : (tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x1xf32>) -> (tensor<1x2x6x8xf32>, tensor<1x2x4x8xf32>)
  return %o : tensor<1x2x6x8xf32>
}
