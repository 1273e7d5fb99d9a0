// RUN: tessera-opt %s -split-input-file -tessera-decompose-fused | FileCheck %s
// The reference lowering of the SSM ops: the scans become an scf.for over
// time of primitive ops on each step's slices; the conv a left-padded conv.

// CHECK-LABEL: func @scan
// CHECK: %[[SP:.*]] = tessera.softplus %arg1
// CHECK: %[[DA:.*]] = tessera.exp
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[H:.*]] = %{{.*}}, %[[Y:.*]] = %{{.*}}) -> (tensor<2x8x4xf32>, tensor<2x5x8xf32>)
// CHECK: tensor.extract_slice %[[DA]][0, %[[T]], 0, 0] [2, 1, 8, 4]
// CHECK: %[[M:.*]] = tessera.mul %{{.*}}, %[[H]]
// CHECK: %[[HN:.*]] = tessera.add %[[M]], %{{.*}}
// CHECK: %[[YC:.*]] = tessera.mul %[[HN]], %arg4 : (tensor<2x8x4xf32>, tensor<8x4xf32>)
// CHECK: tessera.reduce_sum %[[YC]] {axes = array<i64: 2>, keepdims = false}
// CHECK: %[[INS:.*]] = tensor.insert_slice %{{.*}} into %[[Y]][0, %[[T]], 0] [2, 1, 8]
// CHECK: scf.yield %[[HN]], %[[INS]]
// CHECK: %[[SKIP:.*]] = tessera.mul %arg0, %arg5
// CHECK: tessera.add %[[LOOP]]#1, %[[SKIP]]
// CHECK: tessera.silu %arg0
func.func @scan(%x: tensor<2x5x8xf32>, %dt: tensor<2x5x8xf32>, %A: tensor<8x4xf32>, %B: tensor<2x5x4xf32>, %C: tensor<8x4xf32>, %D: tensor<8xf32>) -> tensor<2x5x8xf32> {
  %y, %s = tessera.selective_scan %x, %dt, %A, %B, %C D %D z %x {delta_softplus = true} : (tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<8x4xf32>, tensor<2x5x4xf32>, tensor<8x4xf32>, tensor<8xf32>, tensor<2x5x8xf32>) -> (tensor<2x5x8xf32>, tensor<2x8x4xf32>)
  return %y : tensor<2x5x8xf32>
}

// -----

// CHECK-LABEL: func @conv
// CHECK: %[[W:.*]] = tessera.reshape %arg1 : tensor<8x4xf32> to tensor<8x1x4xf32>
// CHECK: %[[C:.*]] = tessera.conv %arg0, %[[W]], %arg2 {dilations = array<i64: 2>, group = 8 : i64, pads = array<i64: 6, 0>, strides = array<i64: 1>}
// CHECK: tessera.silu %[[C]]
func.func @conv(%x: tensor<1x8x16xf32>, %w: tensor<8x4xf32>, %b: tensor<8xf32>) -> tensor<1x8x16xf32> {
  %y = tessera.causal_conv1d %x, %w, %b {activation = "silu", dilation = 2 : i64} : (tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// -----

// Time-major (channels_last): the channel-first conv between [0, 2, 1]
// transposes.
// CHECK-LABEL: func @conv_channels_last
// CHECK: %[[X:.*]] = tessera.transpose %arg0 {perm = array<i64: 0, 2, 1>} : tensor<2x16x8xf32> to tensor<2x8x16xf32>
// CHECK: %[[C:.*]] = tessera.conv %[[X]], %{{.*}} {dilations = array<i64: 1>, group = 8 : i64, pads = array<i64: 3, 0>, strides = array<i64: 1>} : (tensor<2x8x16xf32>, tensor<8x1x4xf32>) -> tensor<2x8x16xf32>
// CHECK: %[[T:.*]] = tessera.transpose %[[C]] {perm = array<i64: 0, 2, 1>} : tensor<2x8x16xf32> to tensor<2x16x8xf32>
// CHECK: return %[[T]]
func.func @conv_channels_last(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>) -> tensor<2x16x8xf32> {
  %y = tessera.causal_conv1d %x, %w {channels_last} : (tensor<2x16x8xf32>, tensor<8x4xf32>) -> tensor<2x16x8xf32>
  return %y : tensor<2x16x8xf32>
}

// -----

// Gated, normalised linear attention: S = g·S + k vᵀ, o = s·qᵀS / (s·q·z + eps).
// CHECK-LABEL: func @linattn
// CHECK: scf.for %[[T:.*]] = {{.*}} iter_args(%[[S:.*]] = %{{.*}}, %[[O:.*]] = %{{.*}}, %[[Z:.*]] = %{{.*}}) -> (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x4x1xf32>)
// CHECK: %[[KV:.*]] = tessera.mul %{{.*}}, %{{.*}} : (tensor<1x2x4x1xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x4x8xf32>
// CHECK: %[[GS:.*]] = tessera.mul %{{.*}}, %[[S]] : (tensor<1x2x1x1xf32>, tensor<1x2x4x8xf32>)
// CHECK: %[[SN:.*]] = tessera.add %[[GS]], %[[KV]]
// CHECK: tessera.reduce_sum %{{.*}} {axes = array<i64: 2>} : tensor<1x2x4x8xf32> to tensor<1x2x1x8xf32>
// CHECK: tessera.div
// CHECK: scf.yield %[[SN]]
func.func @linattn(%q: tensor<1x2x6x4xf32>, %k: tensor<1x2x6x4xf32>, %v: tensor<1x2x6x8xf32>, %g: tensor<1x2x6x1xf32>) -> tensor<1x2x6x8xf32> {
  %o, %s = tessera.linear_attention %q, %k, %v gate %g {scale = 0.5 : f64, normalize = true, epsilon = 1.0e-6 : f64} : (tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x1xf32>) -> (tensor<1x2x6x8xf32>, tensor<1x2x4x8xf32>)
  return %o : tensor<1x2x6x8xf32>
}
