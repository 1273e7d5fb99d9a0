// RUN: tessera-opt %s -split-input-file -tessera-fuse-causal-conv1d -canonicalize | FileCheck %s
// Causal depthwise Conv1d -> tessera.causal_conv1d (+ the SiLU after it).

// PyTorch's Conv1d(padding=K-1) sliced back to L, then SiLU through a transpose.
// CHECK-LABEL: func @conv_then_slice
// CHECK: %[[W:.*]] = tessera.reshape %arg1 : tensor<8x1x4xf32> to tensor<8x4xf32>
// CHECK: %[[C:.*]] = tessera.causal_conv1d %arg0, %[[W]], %arg2 {activation = "silu"} : (tensor<2x8x10xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<2x8x10xf32>
// CHECK: %[[T:.*]] = tessera.transpose %[[C]] {perm = array<i64: 0, 2, 1>}
// CHECK-NEXT: return %[[T]]
func.func @conv_then_slice(%x: tensor<2x8x10xf32>, %w: tensor<8x1x4xf32>, %b: tensor<8xf32>) -> tensor<2x10x8xf32> {
  %c = tessera.conv %x, %w, %b {dilations = array<i64: 1>, group = 8 : i64, pads = array<i64: 3, 3>, strides = array<i64: 1>} : (tensor<2x8x10xf32>, tensor<8x1x4xf32>, tensor<8xf32>) -> tensor<2x8x13xf32>
  %s = tessera.slice %c {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x8x13xf32> to tensor<2x8x10xf32>
  %t = tessera.transpose %s {perm = array<i64: 0, 2, 1>} : tensor<2x8x10xf32> to tensor<2x10x8xf32>
  %y = tessera.silu %t : tensor<2x10x8xf32>
  return %y : tensor<2x10x8xf32>
}

// -----

// An explicit zero Pad on the left, then an unpadded dilated conv.
// CHECK-LABEL: func @pad_then_conv
// CHECK: tessera.causal_conv1d %arg0, %{{.*}} {dilation = 2 : i64} : (tensor<1x4x9xf32>, tensor<4x3xf32>) -> tensor<1x4x9xf32>
func.func @pad_then_conv(%x: tensor<1x4x9xf32>, %w: tensor<4x1x3xf32>) -> tensor<1x4x9xf32> {
  %p = tessera.pad %x {mode = "constant", pads = array<i64: 0, 0, 4, 0, 0, 0>, value = 0.0} : tensor<1x4x9xf32> to tensor<1x4x13xf32>
  %c = tessera.conv %p, %w {dilations = array<i64: 2>, group = 4 : i64, pads = array<i64: 0, 0>, strides = array<i64: 1>} : (tensor<1x4x13xf32>, tensor<4x1x3xf32>) -> tensor<1x4x9xf32>
  return %c : tensor<1x4x9xf32>
}

// -----

// Near miss: left padding K-2 is not causal (it sees one future step).
// CHECK-LABEL: func @short_pad
// CHECK-NOT: causal_conv1d
// CHECK: tessera.conv
func.func @short_pad(%x: tensor<1x4x9xf32>, %w: tensor<4x1x4xf32>) -> tensor<1x4x9xf32> {
  %c = tessera.conv %x, %w {dilations = array<i64: 1>, group = 4 : i64, pads = array<i64: 2, 1>, strides = array<i64: 1>} : (tensor<1x4x9xf32>, tensor<4x1x4xf32>) -> tensor<1x4x9xf32>
  return %c : tensor<1x4x9xf32>
}

// -----

// Near miss: the slice keeps the last L steps (anti-causal), not the first.
// CHECK-LABEL: func @slice_from_end
// CHECK-NOT: causal_conv1d
// CHECK: tessera.conv
func.func @slice_from_end(%x: tensor<1x4x9xf32>, %w: tensor<4x1x4xf32>) -> tensor<1x4x9xf32> {
  %c = tessera.conv %x, %w {dilations = array<i64: 1>, group = 4 : i64, pads = array<i64: 3, 3>, strides = array<i64: 1>} : (tensor<1x4x9xf32>, tensor<4x1x4xf32>) -> tensor<1x4x12xf32>
  %s = tessera.slice %c {starts = array<i64: 0, 0, 3>, steps = array<i64: 1, 1, 1>} : tensor<1x4x12xf32> to tensor<1x4x9xf32>
  return %s : tensor<1x4x9xf32>
}

// -----

// Near miss: a dense (not depthwise) conv.
// CHECK-LABEL: func @not_depthwise
// CHECK-NOT: causal_conv1d
// CHECK: tessera.conv
func.func @not_depthwise(%x: tensor<1x4x9xf32>, %w: tensor<4x4x3xf32>) -> tensor<1x4x9xf32> {
  %c = tessera.conv %x, %w {dilations = array<i64: 1>, group = 1 : i64, pads = array<i64: 2, 0>, strides = array<i64: 1>} : (tensor<1x4x9xf32>, tensor<4x4x3xf32>) -> tensor<1x4x9xf32>
  return %c : tensor<1x4x9xf32>
}

// -----

// Mamba on [B, L, D]: conv1d(x.transpose(1, 2))[..., :L].transpose(1, 2),
// then SiLU: the op reads and writes the time-major tensors (channels_last),
// no transpose left.
// CHECK-LABEL: func @transposed_both_sides
// CHECK-NOT: tessera.transpose
// CHECK: %[[C:.*]] = tessera.causal_conv1d %arg0, %{{.*}}, %arg2 {activation = "silu", channels_last} : (tensor<2x10x8xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<2x10x8xf32>
// CHECK-NEXT: return %[[C]]
func.func @transposed_both_sides(%x: tensor<2x10x8xf32>, %w: tensor<8x1x4xf32>, %b: tensor<8xf32>) -> tensor<2x10x8xf32> {
  %t = tessera.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<2x10x8xf32> to tensor<2x8x10xf32>
  %c = tessera.conv %t, %w, %b {dilations = array<i64: 1>, group = 8 : i64, pads = array<i64: 3, 3>, strides = array<i64: 1>} : (tensor<2x8x10xf32>, tensor<8x1x4xf32>, tensor<8xf32>) -> tensor<2x8x13xf32>
  %s = tessera.slice %c {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x8x13xf32> to tensor<2x8x10xf32>
  %u = tessera.transpose %s {perm = array<i64: 0, 2, 1>} : tensor<2x8x10xf32> to tensor<2x10x8xf32>
  %y = tessera.silu %u : tensor<2x10x8xf32>
  return %y : tensor<2x10x8xf32>
}

// -----

// Near miss: only the input is transposed; the result stays channel-first.
// CHECK-LABEL: func @transposed_input_only
// CHECK: %[[T:.*]] = tessera.transpose %arg0
// CHECK: tessera.causal_conv1d %[[T]], %{{.*}} : (tensor<1x4x9xf32>, tensor<4x3xf32>) -> tensor<1x4x9xf32>
// CHECK-NOT: channels_last
func.func @transposed_input_only(%x: tensor<1x9x4xf32>, %w: tensor<4x1x3xf32>) -> tensor<1x4x9xf32> {
  %t = tessera.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<1x9x4xf32> to tensor<1x4x9xf32>
  %c = tessera.conv %t, %w {dilations = array<i64: 1>, group = 4 : i64, pads = array<i64: 2, 0>, strides = array<i64: 1>} : (tensor<1x4x9xf32>, tensor<4x1x3xf32>) -> tensor<1x4x9xf32>
  return %c : tensor<1x4x9xf32>
}

// -----

// Near miss: the result is also used channel-first, so the transposes stay.
// CHECK-LABEL: func @result_used_twice
// CHECK: tessera.transpose %arg0
// CHECK: %[[C:.*]] = tessera.causal_conv1d %{{.*}} : (tensor<1x4x9xf32>, tensor<4x3xf32>) -> tensor<1x4x9xf32>
// CHECK: tessera.transpose %[[C]]
// CHECK-NOT: channels_last
func.func @result_used_twice(%x: tensor<1x9x4xf32>, %w: tensor<4x1x3xf32>) -> (tensor<1x9x4xf32>, tensor<1x4x9xf32>) {
  %t = tessera.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<1x9x4xf32> to tensor<1x4x9xf32>
  %c = tessera.conv %t, %w {dilations = array<i64: 1>, group = 4 : i64, pads = array<i64: 2, 0>, strides = array<i64: 1>} : (tensor<1x4x9xf32>, tensor<4x1x3xf32>) -> tensor<1x4x9xf32>
  %u = tessera.transpose %c {perm = array<i64: 0, 2, 1>} : tensor<1x4x9xf32> to tensor<1x9x4xf32>
  return %u, %c : tensor<1x9x4xf32>, tensor<1x4x9xf32>
}

// -----

// Near miss: a transpose of the batch and channel axes is not the time-major
// layout.
// CHECK-LABEL: func @other_perm
// CHECK-NOT: channels_last
// CHECK: return
func.func @other_perm(%x: tensor<4x1x9xf32>, %w: tensor<4x1x3xf32>) -> tensor<4x1x9xf32> {
  %t = tessera.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<4x1x9xf32> to tensor<1x4x9xf32>
  %c = tessera.conv %t, %w {dilations = array<i64: 1>, group = 4 : i64, pads = array<i64: 2, 0>, strides = array<i64: 1>} : (tensor<1x4x9xf32>, tensor<4x1x3xf32>) -> tensor<1x4x9xf32>
  %u = tessera.transpose %c {perm = array<i64: 1, 0, 2>} : tensor<1x4x9xf32> to tensor<4x1x9xf32>
  return %u : tensor<4x1x9xf32>
}
