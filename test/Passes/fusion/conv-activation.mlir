// RUN: tessera-opt %s -split-input-file --tessera-fuse-conv-activation | FileCheck %s
// A ReLU or a Clip (tessera.clamp) right after a convolution with no other
// use becomes its clamp_min / clamp_max; an Add of such a conv and a tensor
// of its type becomes its residual (before the clamp); a SiLU, sigmoid,
// tanh or GELU right after a conv with none of these becomes its
// activation (before the residual).

// CHECK-LABEL: func @relu
// CHECK: %[[C:.+]] = tessera.conv %arg0, %arg1 {clamp_min = 0.000000e+00 : f64, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
// CHECK-NOT: tessera.relu
// CHECK: return %[[C]]
func.func @relu(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32> {
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32>
  %1 = tessera.relu %0 : tensor<1x8x8x8xf32>
  return %1 : tensor<1x8x8x8xf32>
}

// -----

// ReLU6 (Clip 0..6) after a depthwise conv; a Clip with only a lower bound.
// CHECK-LABEL: func @clamps
// CHECK: tessera.conv %arg0, %arg1 {clamp_max = 6.000000e+00 : f64, clamp_min = 0.000000e+00 : f64, {{.*}}group = 4 : i64
// CHECK: tessera.conv %arg0, %arg2 {clamp_min = -1.000000e+00 : f64, {{.*}}group = 1 : i64
// CHECK-NOT: tessera.clamp
// CHECK: return
func.func @clamps(%x: tensor<1x4x8x8xf32>, %wd: tensor<4x1x3x3xf32>, %w: tensor<8x4x1x1xf32>) -> (tensor<1x4x6x6xf32>, tensor<1x8x8x8xf32>) {
  %0 = tessera.conv %x, %wd {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  %1 = tessera.clamp %0 {min = 0.0, max = 6.0} : tensor<1x4x6x6xf32>
  %2 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x8x8xf32>
  %3 = tessera.clamp %2 {min = -1.0} : tensor<1x8x8x8xf32>
  return %1, %3 : tensor<1x4x6x6xf32>, tensor<1x8x8x8xf32>
}

// -----

// Near misses: the conv has another use (its unclamped value is needed), a
// second activation on an already clamped conv stays a separate op, a
// clamp without bounds, and a ReLU of something that is not a conv.
// CHECK-LABEL: func @near_misses
// CHECK: %[[C0:.+]] = tessera.conv %arg0, %arg1 {dilations
// CHECK: tessera.relu %[[C0]]
// CHECK: %[[C1:.+]] = tessera.conv %arg0, %arg1 {clamp_min = 0.000000e+00 : f64
// CHECK: tessera.clamp %[[C1]] {max = 6.000000e+00 : f64}
// CHECK: %[[C2:.+]] = tessera.conv %arg0, %arg1 {dilations
// CHECK: tessera.clamp %[[C2]] :
// CHECK: tessera.relu %arg0
func.func @near_misses(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) -> (tensor<1x8x6x6xf32>, tensor<1x8x6x6xf32>, tensor<1x8x6x6xf32>, tensor<1x8x6x6xf32>, tensor<1x4x8x8xf32>) {
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x6x6xf32>
  %1 = tessera.relu %0 : tensor<1x8x6x6xf32>
  %2 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x6x6xf32>
  %3 = tessera.relu %2 : tensor<1x8x6x6xf32>
  %4 = tessera.clamp %3 {max = 6.0} : tensor<1x8x6x6xf32>
  %5 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x6x6xf32>
  %6 = tessera.clamp %5 : tensor<1x8x6x6xf32>
  %7 = tessera.relu %x : tensor<1x4x8x8xf32>
  return %0, %1, %4, %6, %7 : tensor<1x8x6x6xf32>, tensor<1x8x6x6xf32>, tensor<1x8x6x6xf32>, tensor<1x8x6x6xf32>, tensor<1x4x8x8xf32>
}

// -----

// ResNet's relu(conv(x) + identity), the conv on either side of the Add, and
// a residual Add without an activation.
// CHECK-LABEL: func @residual
// CHECK: %[[A:.+]] = tessera.conv %arg0, %arg1, %arg2 residual %arg0 {clamp_min = 0.000000e+00 : f64, dilations
// CHECK: %[[B:.+]] = tessera.conv %[[A]], %arg1 residual %arg0 {dilations
// CHECK-NOT: tessera.add
// CHECK-NOT: tessera.relu
// CHECK: return %[[B]]
func.func @residual(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %0 = tessera.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %1 = tessera.add %0, %x : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %2 = tessera.relu %1 : tensor<1x4x8x8xf32>
  %3 = tessera.conv %2, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %4 = tessera.add %x, %3 : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %4 : tensor<1x4x8x8xf32>
}

// -----

// Near misses: a broadcast Add (the other side is not of the result's
// type), an Add after a clamped conv (clamp(conv) + r is not clamp(conv +
// r)), a conv with another use, and a conv that already has a residual.
// CHECK-LABEL: func @residual_near_misses
// CHECK: %[[C0:.+]] = tessera.conv %arg0, %arg1 {dilations
// CHECK: tessera.add %[[C0]], %arg2
// CHECK: %[[C1:.+]] = tessera.conv %arg0, %arg1 {clamp_min
// CHECK: tessera.add %[[C1]], %arg0
// CHECK: %[[C2:.+]] = tessera.conv %arg0, %arg1 {dilations
// CHECK: tessera.add %[[C2]], %arg0
// CHECK: %[[C3:.+]] = tessera.conv %arg0, %arg1 residual %arg0 {dilations
// CHECK: tessera.add %[[C3]], %arg0
func.func @residual_near_misses(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>, %c: tensor<4x1x1xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = tessera.add %0, %c : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %2 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %3 = tessera.relu %2 : tensor<1x4x8x8xf32>
  %4 = tessera.add %3, %x : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %5 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %6 = tessera.add %5, %x : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %7 = tessera.conv %x, %w residual %x {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %8 = tessera.add %7, %x : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %1, %4, %5, %6, %8 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}

// -----

// EfficientNet's silu(conv) and its squeeze-and-excitation gate
// sigmoid(conv); tanh, both GELUs; silu(conv) + r, then a ReLU: activation,
// residual and clamp in one conv.
// CHECK-LABEL: func @activations
// CHECK: %[[S:.+]] = tessera.conv %arg0, %arg1 {activation = "silu", dilations
// CHECK: %[[G:.+]] = tessera.conv %[[S]], %arg2 {activation = "sigmoid", dilations{{.*}}group = 8 : i64
// CHECK: %[[T:.+]] = tessera.conv %[[G]], %arg2 {activation = "tanh", dilations
// CHECK: %[[E:.+]] = tessera.conv %[[T]], %arg2 {activation = "gelu", dilations
// CHECK: %[[E2:.+]] = tessera.conv %[[E]], %arg2 {activation = "gelu_tanh", dilations
// CHECK: %[[R:.+]] = tessera.conv %[[E2]], %arg2 residual %[[E2]] {activation = "silu", clamp_min = 0.000000e+00 : f64, dilations
// CHECK: %[[H:.+]] = tessera.conv %[[R]], %arg2 {activation = "hardswish", dilations
// CHECK-NOT: tessera.silu
// CHECK-NOT: tessera.sigmoid
// CHECK-NOT: tessera.tanh
// CHECK-NOT: tessera.gelu
// CHECK-NOT: tessera.add
// CHECK-NOT: tessera.relu
// CHECK-NOT: tessera.hardswish
// CHECK: return %[[H]]
func.func @activations(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x1x1xf32>, %wd: tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32> {
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x8x8xf32>
  %1 = tessera.silu %0 : tensor<1x8x8x8xf32>
  %2 = tessera.conv %1, %wd {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 8 : i64} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32>
  %3 = tessera.sigmoid %2 : tensor<1x8x8x8xf32>
  %4 = tessera.conv %3, %wd {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 8 : i64} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32>
  %5 = tessera.tanh %4 : tensor<1x8x8x8xf32>
  %6 = tessera.conv %5, %wd {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 8 : i64} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32>
  %7 = tessera.gelu %6 : tensor<1x8x8x8xf32>
  %8 = tessera.conv %7, %wd {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 8 : i64} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32>
  %9 = tessera.gelu_tanh %8 : tensor<1x8x8x8xf32>
  %10 = tessera.conv %9, %wd {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 8 : i64} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32>
  %11 = tessera.silu %10 : tensor<1x8x8x8xf32>
  %12 = tessera.add %11, %9 : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %13 = tessera.relu %12 : tensor<1x8x8x8xf32>
  %14 = tessera.conv %13, %wd {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 8 : i64} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32>
  %15 = tessera.hardswish %14 : tensor<1x8x8x8xf32>
  return %15 : tensor<1x8x8x8xf32>
}

// -----

// Near misses: a SiLU after a residual (act(conv + r) is not
// act(conv) + r), after a clamp, of a conv with another use, a second
// activation of a conv that has one, and a SiLU of something else.
// CHECK-LABEL: func @activation_near_misses
// CHECK: %[[C0:.+]] = tessera.conv %arg0, %arg1 residual %arg0 {dilations
// CHECK: tessera.silu %[[C0]]
// CHECK: %[[C1:.+]] = tessera.conv %arg0, %arg1 {clamp_min
// CHECK: tessera.silu %[[C1]]
// CHECK: %[[C2:.+]] = tessera.conv %arg0, %arg1 {dilations
// CHECK: tessera.sigmoid %[[C2]]
// CHECK: %[[C3:.+]] = tessera.conv %arg0, %arg1 {activation = "silu", dilations
// CHECK: tessera.tanh %[[C3]]
// CHECK: tessera.silu %arg0
func.func @activation_near_misses(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %0 = tessera.conv %x, %w residual %x {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %1 = tessera.silu %0 : tensor<1x4x8x8xf32>
  %2 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %3 = tessera.relu %2 : tensor<1x4x8x8xf32>
  %4 = tessera.silu %3 : tensor<1x4x8x8xf32>
  %5 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %6 = tessera.sigmoid %5 : tensor<1x4x8x8xf32>
  %7 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %8 = tessera.silu %7 : tensor<1x4x8x8xf32>
  %9 = tessera.tanh %8 : tensor<1x4x8x8xf32>
  %10 = tessera.silu %x : tensor<1x4x8x8xf32>
  return %1, %4, %5, %6, %9, %10 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}
