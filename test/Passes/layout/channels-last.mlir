// RUN: tessera-opt %s -split-input-file --tessera-channels-last | FileCheck %s
// 2-d f32 convs (any group count), max and average pools become channels_last
// between transposes; the transposes back sink through elementwise ops and
// cancel against the next op's, so only the chain's ends transpose.

// A conv, an elementwise op, a depthwise conv whose residual is the first
// conv, and a max pool: one transpose in, one out.
// CHECK-LABEL: func @chain
// CHECK: %[[X:.+]] = tessera.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>} : tensor<1x4x8x8xf32> to tensor<1x8x8x4xf32>
// CHECK: %[[C:.+]] = tessera.conv %[[X]], %arg1 {channels_last, clamp_min = 0.000000e+00 : f64, {{.*}}} : (tensor<1x8x8x4xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32>
// CHECK: %[[S:.+]] = tessera.sigmoid %[[C]] : tensor<1x8x8x8xf32>
// CHECK: %[[D:.+]] = tessera.conv %[[S]], %arg2 residual %[[C]] {channels_last, {{.*}}group = 8 : i64
// CHECK: %[[P:.+]] = tessera.max_pool %[[D]] {channels_last, {{.*}}} : tensor<1x8x8x8xf32> to tensor<1x4x4x8xf32>
// CHECK: %[[Y:.+]] = tessera.transpose %[[P]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x4x8xf32> to tensor<1x8x4x4xf32>
// CHECK: return %[[Y]]
func.func @chain(%x: tensor<1x4x8x8xf32>, %w1: tensor<8x4x3x3xf32>, %w2: tensor<8x1x3x3xf32>) -> tensor<1x8x4x4xf32> {
  %0 = tessera.conv %x, %w1 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, clamp_min = 0.0 : f64} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32>
  %1 = tessera.sigmoid %0 : tensor<1x8x8x8xf32>
  %2 = tessera.conv %1, %w2 residual %0 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 8 : i64} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %3 = tessera.max_pool %2 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x8x8xf32> to tensor<1x8x4x4xf32>
  return %3 : tensor<1x8x4x4xf32>
}

// -----

// Constant operands of binary ops (a per-channel [C, 1, 1] scale and a
// scalar) are moved to the channels-last layout instead.
// CHECK-LABEL: func @constants
// CHECK-DAG: %[[H:.+]] = tessera.constant dense<5.000000e-01> : tensor<1x1x1x1xf32>
// CHECK-DAG: %[[S:.+]] = tessera.constant dense<{{\[\[\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]]]]> : tensor<1x1x1x8xf32>
// CHECK: %[[C:.+]] = tessera.conv {{.*}}channels_last
// CHECK: %[[M:.+]] = tessera.mul %[[C]], %[[S]] : (tensor<1x8x8x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x8x8x8xf32>
// CHECK: %[[A:.+]] = tessera.add %[[H]], %[[M]]
// CHECK: %[[D:.+]] = tessera.conv %[[A]], %arg2 {channels_last
// CHECK: tessera.transpose %[[D]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK-NOT: tessera.transpose
func.func @constants(%x: tensor<1x4x8x8xf32>, %w1: tensor<8x4x1x1xf32>, %w2: tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32> {
  %s = tessera.constant dense<[[[1.0]], [[2.0]], [[3.0]], [[4.0]], [[5.0]], [[6.0]], [[7.0]], [[8.0]]]> : tensor<8x1x1xf32>
  %h = tessera.constant dense<0.5> : tensor<f32>
  %0 = tessera.conv %x, %w1 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x8x8xf32>
  %1 = tessera.mul %0, %s : (tensor<1x8x8x8xf32>, tensor<8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %2 = tessera.add %h, %1 : (tensor<f32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %3 = tessera.conv %2, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x8x8xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  return %3 : tensor<1x8x8x8xf32>
}

// -----

// A channel concat of two convs (SqueezeNet's Fire module) feeding a conv:
// the concat runs channels-last, along the last dim.
// CHECK-LABEL: func @concat
// CHECK: %[[A:.+]] = tessera.conv {{.*}}channels_last{{.*}} -> tensor<1x8x8x4xf32>
// CHECK: %[[B:.+]] = tessera.conv {{.*}}channels_last{{.*}} -> tensor<1x8x8x4xf32>
// CHECK: %[[C:.+]] = tessera.concat %[[A]], %[[B]] {axis = 3 : i64} : (tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>) -> tensor<1x8x8x8xf32>
// CHECK: tessera.conv %[[C]], %arg3 {channels_last
// CHECK-NOT: tessera.concat
func.func @concat(%x: tensor<1x4x8x8xf32>, %w1: tensor<4x4x1x1xf32>, %w3: tensor<4x4x3x3xf32>, %w: tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32> {
  %0 = tessera.conv %x, %w1 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %1 = tessera.conv %x, %w3 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %2 = tessera.concat %0, %1 {axis = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x8x8x8xf32>
  %3 = tessera.conv %2, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x8x8xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  return %3 : tensor<1x8x8x8xf32>
}

// -----

// A squeeze-and-excitation block (MobileNetV3, EfficientNet): the global
// average pool reduces the channels-last dims, the gate [1, 1, 1, C] scales
// the conv's channels-last output, and nothing transposes between the convs.
// CHECK-LABEL: func @squeeze_excite
// CHECK: %[[C:.+]] = tessera.conv {{.*}}channels_last{{.*}} -> tensor<1x8x8x8xf32>
// CHECK: %[[P:.+]] = tessera.reduce_mean %[[C]] {axes = array<i64: 1, 2>} : tensor<1x8x8x8xf32> to tensor<1x1x1x8xf32>
// CHECK: %[[F:.+]] = tessera.conv %[[P]], %arg2 {channels_last
// CHECK: %[[G:.+]] = tessera.sigmoid %[[F]] : tensor<1x1x1x8xf32>
// CHECK: %[[M:.+]] = tessera.mul %[[C]], %[[G]] : (tensor<1x8x8x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x8x8x8xf32>
// CHECK: tessera.conv %[[M]], %arg3 {channels_last
// CHECK-NOT: tessera.reduce_mean
func.func @squeeze_excite(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x1x1xf32>, %wf: tensor<8x8x1x1xf32>, %w2: tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32> {
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x8x8xf32>
  %1 = tessera.reduce_mean %0 {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x8x8x8xf32> to tensor<1x8x1x1xf32>
  %2 = tessera.conv %1, %wf {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x1x1xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x1x1xf32>
  %3 = tessera.sigmoid %2 : tensor<1x8x1x1xf32>
  %4 = tessera.mul %0, %3 : (tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  %5 = tessera.conv %4, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x8x8xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  return %5 : tensor<1x8x8x8xf32>
}

// -----

// A grouped conv that is not depthwise (the runtime's conv kernel takes it
// channels-last too), followed by an op that takes the layout on.
// CHECK-LABEL: func @grouped
// CHECK: %[[X:.+]] = tessera.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>} : tensor<1x4x8x8xf32> to tensor<1x8x8x4xf32>
// CHECK: %[[C:.+]] = tessera.conv %[[X]], %arg1 {channels_last, dilations = array<i64: 1, 1>, group = 2 : i64{{.*}}} : (tensor<1x8x8x4xf32>, tensor<8x2x3x3xf32>) -> tensor<1x6x6x8xf32>
// CHECK: %[[S:.+]] = tessera.sigmoid %[[C]]
// CHECK: tessera.transpose %[[S]] {perm = array<i64: 0, 3, 1, 2>}
func.func @grouped(%x: tensor<1x4x8x8xf32>, %wg: tensor<8x2x3x3xf32>) -> tensor<1x8x6x6xf32> {
  %0 = tessera.conv %x, %wg {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x6x6xf32>
  %1 = tessera.sigmoid %0 : tensor<1x8x6x6xf32>
  return %1 : tensor<1x8x6x6xf32>
}

// -----

// A conv that would only be transposed on both sides goes back to
// channel-first (its kernel would read the transpose's input in place and
// its result would be copied back): a 2-d conv between group norms (a norm
// over [C/G, H*W] per group), the 1x1 conv of a batch of 1x1 maps (its
// input a reshape) with a residual. Near miss: the conv whose result also
// feeds a sigmoid stays channels-last.
// CHECK-LABEL: func @isolated_2d
// CHECK: %[[N:.+]] = tessera.layer_norm
// CHECK: %[[M:.+]] = tessera.reshape %[[N]] : tensor<1x4x64xf32> to tensor<1x4x8x8xf32>
// CHECK: %[[C:.+]] = tessera.conv %[[M]], %arg1 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
// CHECK: %[[R:.+]] = tessera.reshape %[[C]] : tensor<1x4x8x8xf32> to tensor<1x4x64xf32>
// CHECK: tessera.layer_norm %[[R]]
// CHECK: %[[P:.+]] = tessera.conv %arg3, %arg2 residual %arg3 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<2x4x1x1xf32>, tensor<4x4x1x1xf32>, tensor<2x4x1x1xf32>) -> tensor<2x4x1x1xf32>
// CHECK: %[[K:.+]] = tessera.conv %{{.+}}, %arg1 {channels_last
// CHECK: tessera.sigmoid %[[K]]
func.func @isolated_2d(%x: tensor<1x4x64xf32>, %w: tensor<4x4x3x3xf32>, %w1: tensor<4x4x1x1xf32>, %v: tensor<2x4x1x1xf32>, %g: tensor<64xf32>) -> (tensor<1x4x64xf32>, tensor<2x4x1x1xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %0 = tessera.layer_norm %x, %g {axis = 2 : i64, epsilon = 1.0e-5 : f32} : (tensor<1x4x64xf32>, tensor<64xf32>) -> tensor<1x4x64xf32>
  %1 = tessera.reshape %0 : tensor<1x4x64xf32> to tensor<1x4x8x8xf32>
  %2 = tessera.conv %1, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %3 = tessera.reshape %2 : tensor<1x4x8x8xf32> to tensor<1x4x64xf32>
  %4 = tessera.layer_norm %3, %g {axis = 2 : i64, epsilon = 1.0e-5 : f32} : (tensor<1x4x64xf32>, tensor<64xf32>) -> tensor<1x4x64xf32>
  %5 = tessera.conv %v, %w1 residual %v {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<2x4x1x1xf32>, tensor<4x4x1x1xf32>, tensor<2x4x1x1xf32>) -> tensor<2x4x1x1xf32>
  %6 = tessera.conv %1, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %7 = tessera.sigmoid %6 : tensor<1x4x8x8xf32>
  return %4, %5, %6, %7 : tensor<1x4x64xf32>, tensor<2x4x1x1xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}

// -----

// Near misses: an f16 conv and a 1-d average pool keep their layout (and a
// 1-d conv that would only be transposed); an Add with a tensor that is
// neither the same transpose nor a constant nor spatially uniform keeps the
// transpose before it, and so do a concat with such a tensor and a
// reduction that drops its dims (the conv stays channels-last for the
// ReLU that takes its layout on).
// CHECK-LABEL: func @near_misses
// CHECK: tessera.conv %arg2, %arg3 {dilations = array<i64: 1>, group = 1 : i64
// CHECK: tessera.conv %arg4, %arg5 {dilations = array<i64: 1, 1>, group = 1 : i64
// CHECK: tessera.avg_pool %arg8 {dilations
// CHECK: %[[C:.+]] = tessera.conv {{.*}}channels_last
// CHECK: %[[T:.+]] = tessera.transpose %[[C]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK: tessera.add %[[T]], %arg6
// CHECK: tessera.concat %[[T]], %arg6 {axis = 1 : i64}
// CHECK: tessera.reduce_mean %[[T]] {axes = array<i64: 2, 3>, keepdims = false}
func.func @near_misses(%x: tensor<1x4x8x8xf32>, %wg: tensor<8x2x3x3xf32>, %x1: tensor<1x4x8xf32>, %w1: tensor<8x4x3xf32>, %xh: tensor<1x4x8x8xf16>, %wh: tensor<8x4x1x1xf16>, %r: tensor<1x8x8x8xf32>, %w: tensor<8x4x1x1xf32>, %p1: tensor<1x4x8xf32>) -> (tensor<1x8x6xf32>, tensor<1x8x8x8xf16>, tensor<1x4x4xf32>, tensor<1x8x8x8xf32>, tensor<1x16x8x8xf32>, tensor<1x8xf32>, tensor<1x8x8x8xf32>) {
  %1 = tessera.conv %x1, %w1 {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x4x8xf32>, tensor<8x4x3xf32>) -> tensor<1x8x6xf32>
  %2 = tessera.conv %xh, %wh {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf16>, tensor<8x4x1x1xf16>) -> tensor<1x8x8x8xf16>
  %3 = tessera.avg_pool %p1 {kernel_shape = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, count_include_pad = false} : tensor<1x4x8xf32> to tensor<1x4x4xf32>
  %4 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x8x8xf32>
  %5 = tessera.add %4, %r : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %6 = tessera.concat %4, %r {axis = 1 : i64} : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x16x8x8xf32>
  %7 = tessera.reduce_mean %4 {axes = array<i64: 2, 3>, keepdims = false} : tensor<1x8x8x8xf32> to tensor<1x8xf32>
  %8 = tessera.relu %4 : tensor<1x8x8x8xf32>
  return %1, %2, %3, %5, %6, %7, %8 : tensor<1x8x6xf32>, tensor<1x8x8x8xf16>, tensor<1x4x4xf32>, tensor<1x8x8x8xf32>, tensor<1x16x8x8xf32>, tensor<1x8xf32>, tensor<1x8x8x8xf32>
}

// -----

// DenseNet's transition: BN + ReLU, a 1x1 conv, a 2x2 average pool, and the
// next block's concat and conv: the pool runs channels-last between the
// convs, and only the chain's ends transpose.
// CHECK-LABEL: func @transition
// CHECK: tessera.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>}
// CHECK: %[[C:.+]] = tessera.conv {{.*}}channels_last{{.*}} -> tensor<1x8x8x4xf32>
// CHECK: %[[P:.+]] = tessera.avg_pool %[[C]] {channels_last, {{.*}}} : tensor<1x8x8x4xf32> to tensor<1x4x4x4xf32>
// CHECK: %[[D:.+]] = tessera.conv %[[P]], {{.*}}channels_last
// CHECK: %[[K:.+]] = tessera.concat %[[P]], %[[D]] {axis = 3 : i64}
// CHECK: tessera.transpose %[[K]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK-NOT: tessera.transpose
// CHECK: return
func.func @transition(%x: tensor<1x8x8x8xf32>, %w: tensor<4x8x1x1xf32>, %w2: tensor<2x4x3x3xf32>) -> tensor<1x6x4x4xf32> {
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x8x8xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x8x8xf32>
  %1 = tessera.avg_pool %0 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x4x8x8xf32> to tensor<1x4x4x4xf32>
  %2 = tessera.conv %1, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x4x4xf32>, tensor<2x4x3x3xf32>) -> tensor<1x2x4x4xf32>
  %3 = tessera.concat %1, %2 {axis = 1 : i64} : (tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x6x4x4xf32>
  return %3 : tensor<1x6x4x4xf32>
}

// -----

// Inception's pooling branch: an explicit pad (here on H and W, and a
// reflect pad too) before the average pool, after a conv: the pads move to
// the channels-last dims and nothing transposes between the conv and the
// pool. Near miss: a pad of a graph input (no channels-last source) stays
// channel-first.
// CHECK-LABEL: func @pad_pool
// CHECK: %[[C:.+]] = tessera.conv {{.*}}channels_last{{.*}} -> tensor<1x6x6x4xf32>
// CHECK: %[[P:.+]] = tessera.pad %[[C]] {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>} : tensor<1x6x6x4xf32> to tensor<1x8x8x4xf32>
// CHECK: %[[A:.+]] = tessera.avg_pool %[[P]] {channels_last
// CHECK: %[[R:.+]] = tessera.pad %[[C]] {mode = "reflect", pads = array<i64: 0, 2, 1, 0, 0, 0, 1, 0>} : tensor<1x6x6x4xf32> to tensor<1x8x8x4xf32>
// CHECK: tessera.transpose %[[R]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK: tessera.pad %arg0 {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : tensor<1x8x6x6xf32> to tensor<1x8x8x8xf32>
// CHECK: return
func.func @pad_pool(%x: tensor<1x8x6x6xf32>, %w: tensor<4x8x1x1xf32>) -> (tensor<1x4x6x6xf32>, tensor<1x4x8x8xf32>, tensor<1x8x8x8xf32>) {
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x6x6xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x6x6xf32>
  %1 = tessera.pad %0 {mode = "constant", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 0.0} : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  %2 = tessera.avg_pool %1 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x4x8x8xf32> to tensor<1x4x6x6xf32>
  %3 = tessera.pad %0 {mode = "reflect", pads = array<i64: 0, 0, 2, 1, 0, 0, 0, 1>} : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  %4 = tessera.pad %x {mode = "constant", pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 0.0} : tensor<1x8x6x6xf32> to tensor<1x8x8x8xf32>
  return %2, %3, %4 : tensor<1x4x6x6xf32>, tensor<1x4x8x8xf32>, tensor<1x8x8x8xf32>
}

// -----

// ShuffleNet's unit after a conv: a channel split (two slices), a branch
// conv, the concat and the channel shuffle (reshape into [N, 2, C/2, H, W],
// swap, reshape back): all channels-last; the shuffle permutes the channels
// innermost, and only the chain's ends transpose (at the end the shuffle and
// the transpose back to channel-first are one transpose).
// CHECK-LABEL: func @shuffle
// CHECK: %[[X:.+]] = tessera.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>}
// CHECK: %[[C0:.+]] = tessera.conv %[[X]], %arg1 {channels_last
// CHECK-DAG: %[[A:.+]] = tessera.slice %[[C0]] {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x4x4x8xf32> to tensor<1x4x4x4xf32>
// CHECK-DAG: %[[B:.+]] = tessera.slice %[[C0]] {starts = array<i64: 0, 0, 0, 4>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x4x4x8xf32> to tensor<1x4x4x4xf32>
// CHECK: %[[C:.+]] = tessera.conv %[[B]], %arg2 {channels_last
// CHECK: %[[K:.+]] = tessera.concat %[[A]], %[[C]] {axis = 3 : i64}
// CHECK: %[[R:.+]] = tessera.reshape %[[K]] : tensor<1x4x4x8xf32> to tensor<4x4x2x4xf32>
// CHECK: %[[P:.+]] = tessera.transpose %[[R]] {perm = array<i64: 3, 2, 0, 1>} : tensor<4x4x2x4xf32> to tensor<4x2x4x4xf32>
// CHECK: %[[Y:.+]] = tessera.reshape %[[P]] : tensor<4x2x4x4xf32> to tensor<1x8x4x4xf32>
// CHECK: return %[[Y]]
func.func @shuffle(%x0: tensor<1x8x4x4xf32>, %w0: tensor<8x8x1x1xf32>, %w: tensor<4x4x1x1xf32>) -> tensor<1x8x4x4xf32> {
  %x = tessera.conv %x0, %w0 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %a = tessera.slice %x {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x8x4x4xf32> to tensor<1x4x4x4xf32>
  %b = tessera.slice %x {starts = array<i64: 0, 4, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x8x4x4xf32> to tensor<1x4x4x4xf32>
  %c = tessera.conv %b, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %k = tessera.concat %a, %c {axis = 1 : i64} : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x8x4x4xf32>
  %r = tessera.reshape %k : tensor<1x8x4x4xf32> to tensor<1x2x4x4x4xf32>
  %p = tessera.transpose %r {perm = array<i64: 0, 2, 1, 3, 4>} : tensor<1x2x4x4x4xf32> to tensor<1x4x2x4x4xf32>
  %m = tessera.reshape %p : tensor<1x4x2x4x4xf32> to tensor<1x8x4x4xf32>
  return %m : tensor<1x8x4x4xf32>
}

// -----

// Near misses of the channel permutation: a split of H rather than C, and a
// transpose that also moves a spatial dim, keep the transpose before them
// (the conv stays channels-last for the ReLU).
// CHECK-LABEL: func @not_a_channel_permutation
// CHECK: %[[C:.+]] = tessera.conv {{.*}}channels_last
// CHECK: %[[T:.+]] = tessera.transpose %[[C]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK: tessera.reshape %[[T]] : tensor<1x8x4x4xf32> to tensor<1x8x2x2x4xf32>
// CHECK: tessera.reshape %[[T]] : tensor<1x8x4x4xf32> to tensor<1x2x4x4x4xf32>
// CHECK: tessera.transpose %{{.+}} {perm = array<i64: 0, 2, 1, 4, 3>}
func.func @not_a_channel_permutation(%x: tensor<1x4x4x4xf32>, %w: tensor<8x4x1x1xf32>) -> (tensor<1x8x2x2x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) {
  %c = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x4x4xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x4x4xf32>
  %h = tessera.reshape %c : tensor<1x8x4x4xf32> to tensor<1x8x2x2x4xf32>
  %r = tessera.reshape %c : tensor<1x8x4x4xf32> to tensor<1x2x4x4x4xf32>
  %p = tessera.transpose %r {perm = array<i64: 0, 2, 1, 4, 3>} : tensor<1x2x4x4x4xf32> to tensor<1x4x2x4x4xf32>
  %m = tessera.reshape %p : tensor<1x4x2x4x4xf32> to tensor<1x8x4x4xf32>
  %z = tessera.relu %c : tensor<1x8x4x4xf32>
  return %h, %m, %z : tensor<1x8x2x2x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>
}

// -----

// A quantize-dequantize pair between two convs (casts to and from integers,
// a comparison and a where on i64): the transposes sink through the
// non-f32 steps too, so the chain transposes once in and once out.
// CHECK-LABEL: func @quantize_dequantize
// CHECK: %[[C:.+]] = tessera.conv {{.*}}channels_last
// CHECK: %[[I:.+]] = tessera.cast %[[C]] : tensor<1x8x8x8xf32> to tensor<1x8x8x8xi64>
// CHECK: %[[L:.+]] = tessera.less %[[I]], %{{.+}} : (tensor<1x8x8x8xi64>, tensor<1x1x1x1xi64>) -> tensor<1x8x8x8xi1>
// CHECK: %[[W:.+]] = tessera.where %[[L]], %{{.+}}, %[[I]] : (tensor<1x8x8x8xi1>, tensor<1x8x8x8xi64>, tensor<1x8x8x8xi64>) -> tensor<1x8x8x8xi64>
// CHECK: %[[F:.+]] = tessera.cast %[[W]] : tensor<1x8x8x8xi64> to tensor<1x8x8x8xf32>
// CHECK: %[[D:.+]] = tessera.conv %[[F]], %arg2 {channels_last
// CHECK: tessera.transpose %[[D]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK-NOT: tessera.transpose
func.func @quantize_dequantize(%x: tensor<1x4x8x8xf32>, %w1: tensor<8x4x1x1xf32>, %w2: tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32> {
  %zero = tessera.constant dense<0> : tensor<i64>
  %off = tessera.constant dense<256> : tensor<i64>
  %0 = tessera.conv %x, %w1 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x8x8xf32>
  %1 = tessera.cast %0 : tensor<1x8x8x8xf32> to tensor<1x8x8x8xi64>
  %2 = tessera.less %1, %zero : (tensor<1x8x8x8xi64>, tensor<i64>) -> tensor<1x8x8x8xi1>
  %3 = tessera.add %1, %off : (tensor<1x8x8x8xi64>, tensor<i64>) -> tensor<1x8x8x8xi64>
  %4 = tessera.where %2, %3, %1 : (tensor<1x8x8x8xi1>, tensor<1x8x8x8xi64>, tensor<1x8x8x8xi64>) -> tensor<1x8x8x8xi64>
  %5 = tessera.cast %4 : tensor<1x8x8x8xi64> to tensor<1x8x8x8xf32>
  %6 = tessera.conv %5, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x8x8xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  return %6 : tensor<1x8x8x8xf32>
}

// -----

// DeepLabV3's ASPP: the image-pooling branch (global average pool, 1x1
// conv, a bilinear resize of [1, C, 1, 1] to the map) and a conv branch,
// concatenated along the channels before the projection conv. The resize
// takes the pooled conv's output ([1, 1, 1, C], whose channel-first form is
// a reshape) with its scales moved to [N, H, W, C], so the concat runs
// channels-last. A crop-and-resize that shrinks moves too, with its roi's
// begins and ends. Near miss: the upsampling of the last conv, before a
// channel-first output, stays after the transpose (which stays on the
// smaller tensor).
// CHECK-LABEL: func @resize
// CHECK: %[[A:.+]] = tessera.conv {{.*}}channels_last{{.*}} -> tensor<1x6x6x4xf32>
// CHECK: %[[M:.+]] = tessera.reduce_mean %[[A]] {axes = array<i64: 1, 2>} : tensor<1x6x6x4xf32> to tensor<1x1x1x4xf32>
// CHECK: %[[P:.+]] = tessera.conv %[[M]], {{.*}}channels_last{{.*}} -> tensor<1x1x1x4xf32>
// CHECK: %[[R:.+]] = tessera.resize %[[P]] {{{.*}}scales = array<f64: 1.000000e+00, 6.000000e+00, 6.000000e+00, 1.000000e+00>} : tensor<1x1x1x4xf32> to tensor<1x6x6x4xf32>
// CHECK: %[[C:.+]] = tessera.concat %[[A]], %[[R]] {axis = 3 : i64}
// CHECK: %[[Y:.+]] = tessera.conv %[[C]], {{.*}}channels_last{{.*}} -> tensor<1x6x6x4xf32>
// CHECK: %[[YT:.+]] = tessera.transpose %[[Y]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x6x6x4xf32> to tensor<1x4x6x6xf32>
// CHECK: %[[U:.+]] = tessera.resize %[[YT]] {{{.*}}scales = array<f64: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>} : tensor<1x4x6x6xf32> to tensor<1x4x12x12xf32>
// CHECK: %[[K:.+]] = tessera.resize %[[A]] {{{.*}}roi = array<f64: 0.000000e+00, 1.000000e-01, 2.000000e-01, 0.000000e+00, 1.000000e+00, 9.000000e-01, 8.000000e-01, 1.000000e+00>, scales = array<f64: 1.000000e+00, 5.000000e-01, 5.000000e-01, 1.000000e+00>} : tensor<1x6x6x4xf32> to tensor<1x3x3x4xf32>
// CHECK: %[[KT:.+]] = tessera.transpose %[[K]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK: return %[[U]], %[[KT]]
func.func @resize(%x: tensor<1x4x6x6xf32>, %w: tensor<4x4x1x1xf32>, %w2: tensor<4x8x1x1xf32>) -> (tensor<1x4x12x12xf32>, tensor<1x4x3x3xf32>) {
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x6x6xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x6x6xf32>
  %1 = tessera.reduce_mean %0 {axes = array<i64: 2, 3>} : tensor<1x4x6x6xf32> to tensor<1x4x1x1xf32>
  %2 = tessera.conv %1, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x1x1xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  %3 = tessera.resize %2 {mode = "linear", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 6.0, 6.0>} : tensor<1x4x1x1xf32> to tensor<1x4x6x6xf32>
  %4 = tessera.concat %0, %3 {axis = 1 : i64} : (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) -> tensor<1x8x6x6xf32>
  %5 = tessera.conv %4, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x6x6xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x6x6xf32>
  %6 = tessera.resize %5 {mode = "linear", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x4x6x6xf32> to tensor<1x4x12x12xf32>
  %7 = tessera.resize %0 {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f64: 0.0, 0.0, 0.1, 0.2, 1.0, 1.0, 0.9, 0.8>, scales = array<f64: 1.0, 1.0, 0.5, 0.5>} : tensor<1x4x6x6xf32> to tensor<1x4x3x3xf32>
  return %6, %7 : tensor<1x4x12x12xf32>, tensor<1x4x3x3xf32>
}

// -----

// 1-d convs ([N, C, L] -> [N, L, C]): wav2vec2's feature-extractor convs
// and a Conformer's conv module (a pointwise conv, a GLU as two channel
// slices, a sigmoid and a mul, a depthwise conv, a per-channel [C, 1]
// scale): one transpose in, one out.
// CHECK-LABEL: func @conv1d_chain
// CHECK-DAG: %[[X:.+]] = tessera.transpose %arg0 {perm = array<i64: 0, 2, 1>} : tensor<1x8x40xf32> to tensor<1x40x8xf32>
// CHECK-DAG: %[[S:.+]] = tessera.constant dense<{{\[\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]]]> : tensor<1x1x8xf32>
// CHECK: %[[A:.+]] = tessera.conv %[[X]], %arg1 {activation = "gelu", channels_last, {{.*}}} : (tensor<1x40x8xf32>, tensor<16x8x3xf32>) -> tensor<1x19x16xf32>
// CHECK: %[[L:.+]] = tessera.slice %[[A]] {starts = array<i64: 0, 0, 0>, {{.*}}} : tensor<1x19x16xf32> to tensor<1x19x8xf32>
// CHECK: %[[R:.+]] = tessera.slice %[[A]] {starts = array<i64: 0, 0, 8>, {{.*}}} : tensor<1x19x16xf32> to tensor<1x19x8xf32>
// CHECK: %[[G:.+]] = tessera.sigmoid %[[R]] : tensor<1x19x8xf32>
// CHECK: %[[M:.+]] = tessera.mul %[[L]], %[[G]] : (tensor<1x19x8xf32>, tensor<1x19x8xf32>) -> tensor<1x19x8xf32>
// CHECK: %[[D:.+]] = tessera.conv %[[M]], %arg2 {channels_last, {{.*}}group = 8 : i64{{.*}}} : (tensor<1x19x8xf32>, tensor<8x1x5xf32>) -> tensor<1x19x8xf32>
// CHECK: %[[Y:.+]] = tessera.mul %[[D]], %[[S]] : (tensor<1x19x8xf32>, tensor<1x1x8xf32>) -> tensor<1x19x8xf32>
// CHECK: %[[T:.+]] = tessera.transpose %[[Y]] {perm = array<i64: 0, 2, 1>} : tensor<1x19x8xf32> to tensor<1x8x19xf32>
// CHECK: return %[[T]]
func.func @conv1d_chain(%x: tensor<1x8x40xf32>, %w1: tensor<16x8x3xf32>, %wd: tensor<8x1x5xf32>) -> tensor<1x8x19xf32> {
  %s = tessera.constant dense<[[1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0], [8.0]]> : tensor<8x1xf32>
  %0 = tessera.conv %x, %w1 {strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64, activation = "gelu"} : (tensor<1x8x40xf32>, tensor<16x8x3xf32>) -> tensor<1x16x19xf32>
  %1 = tessera.slice %0 {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<1x16x19xf32> to tensor<1x8x19xf32>
  %2 = tessera.slice %0 {starts = array<i64: 0, 8, 0>, steps = array<i64: 1, 1, 1>} : tensor<1x16x19xf32> to tensor<1x8x19xf32>
  %3 = tessera.sigmoid %2 : tensor<1x8x19xf32>
  %4 = tessera.mul %1, %3 : (tensor<1x8x19xf32>, tensor<1x8x19xf32>) -> tensor<1x8x19xf32>
  %5 = tessera.conv %4, %wd {strides = array<i64: 1>, pads = array<i64: 2, 2>, dilations = array<i64: 1>, group = 8 : i64} : (tensor<1x8x19xf32>, tensor<8x1x5xf32>) -> tensor<1x8x19xf32>
  %6 = tessera.mul %5, %s : (tensor<1x8x19xf32>, tensor<8x1xf32>) -> tensor<1x8x19xf32>
  return %6 : tensor<1x8x19xf32>
}

// -----

// A 1-d conv that would only gain transposes goes back to channel-first:
// wav2vec2's first conv, on a 1-channel waveform (whose channels-last form
// is a reshape) and followed by a norm over time, and a conv between two
// such norms. Its successor in a chain stays channels-last, the transpose
// between them on the norm's output. Near miss: a 1-d max pool keeps its
// layout.
// CHECK-LABEL: func @conv1d_isolated
// CHECK: %[[A:.+]] = tessera.conv %arg0, %arg1 {dilations = array<i64: 1>, group = 1 : i64, pads = array<i64: 0, 0>, strides = array<i64: 5>} : (tensor<1x1x64xf32>, tensor<8x1x10xf32>) -> tensor<1x8x11xf32>
// CHECK: %[[N:.+]] = tessera.layer_norm %[[A]]
// CHECK: %[[B:.+]] = tessera.conv %[[N]], %arg2 {dilations = array<i64: 1>, group = 1 : i64, pads = array<i64: 1, 1>, strides = array<i64: 1>} : (tensor<1x8x11xf32>, tensor<8x8x3xf32>) -> tensor<1x8x11xf32>
// CHECK: %[[M:.+]] = tessera.layer_norm %[[B]]
// CHECK: %[[T:.+]] = tessera.transpose %[[M]] {perm = array<i64: 0, 2, 1>} : tensor<1x8x11xf32> to tensor<1x11x8xf32>
// CHECK: %[[C:.+]] = tessera.conv %[[T]], %arg2 {channels_last, {{.*}}} : (tensor<1x11x8xf32>, tensor<8x8x3xf32>) -> tensor<1x11x8xf32>
// CHECK: %[[D:.+]] = tessera.conv %[[C]], %arg2 {channels_last, {{.*}}} : (tensor<1x11x8xf32>, tensor<8x8x3xf32>) -> tensor<1x11x8xf32>
// CHECK: %[[E:.+]] = tessera.transpose %[[D]] {perm = array<i64: 0, 2, 1>} : tensor<1x11x8xf32> to tensor<1x8x11xf32>
// CHECK: tessera.max_pool %[[E]] {{.*}} : tensor<1x8x11xf32> to tensor<1x8x5xf32>
func.func @conv1d_isolated(%x: tensor<1x1x64xf32>, %w0: tensor<8x1x10xf32>, %w: tensor<8x8x3xf32>, %g: tensor<11xf32>) -> tensor<1x8x5xf32> {
  %0 = tessera.conv %x, %w0 {strides = array<i64: 5>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x1x64xf32>, tensor<8x1x10xf32>) -> tensor<1x8x11xf32>
  %1 = tessera.layer_norm %0, %g {axis = 2 : i64, epsilon = 1.0e-5 : f32} : (tensor<1x8x11xf32>, tensor<11xf32>) -> tensor<1x8x11xf32>
  %2 = tessera.conv %1, %w {strides = array<i64: 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x8x11xf32>, tensor<8x8x3xf32>) -> tensor<1x8x11xf32>
  %3 = tessera.layer_norm %2, %g {axis = 2 : i64, epsilon = 1.0e-5 : f32} : (tensor<1x8x11xf32>, tensor<11xf32>) -> tensor<1x8x11xf32>
  %4 = tessera.conv %3, %w {strides = array<i64: 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x8x11xf32>, tensor<8x8x3xf32>) -> tensor<1x8x11xf32>
  %5 = tessera.conv %4, %w {strides = array<i64: 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x8x11xf32>, tensor<8x8x3xf32>) -> tensor<1x8x11xf32>
  %6 = tessera.max_pool %5 {kernel_shape = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : tensor<1x8x11xf32> to tensor<1x8x5xf32>
  return %6 : tensor<1x8x5xf32>
}

// -----

// A decoding step's short conv (one output position, whose channel-first
// form is a reshape of the channels-last one) on a concat of past and
// present inputs goes back too.
// CHECK-LABEL: func @conv1d_one_position
// CHECK: %[[C:.+]] = tessera.concat %arg1, %arg0 {axis = 2 : i64}
// CHECK: %[[Y:.+]] = tessera.conv %[[C]], %arg2 {activation = "silu", dilations = array<i64: 1>, group = 4 : i64, pads = array<i64: 0, 0>, strides = array<i64: 1>} : (tensor<1x4x3xf32>, tensor<4x1x3xf32>) -> tensor<1x4x1xf32>
// CHECK-NEXT: return %[[Y]]
func.func @conv1d_one_position(%x: tensor<1x4x1xf32>, %past: tensor<1x4x2xf32>, %w: tensor<4x1x3xf32>) -> tensor<1x4x1xf32> {
  %0 = tessera.concat %past, %x {axis = 2 : i64} : (tensor<1x4x2xf32>, tensor<1x4x1xf32>) -> tensor<1x4x3xf32>
  %1 = tessera.conv %0, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 4 : i64, activation = "silu"} : (tensor<1x4x3xf32>, tensor<4x1x3xf32>) -> tensor<1x4x1xf32>
  return %1 : tensor<1x4x1xf32>
}

// -----

// A layer norm over all of each image's C*L elements ([N, 1, C*L], a splat
// scale and bias: a one-group GroupNorm as torch exports it, Conv-TasNet's
// global layer norm) between channels-last convs takes the channels-last
// image reshaped the same way: no transpose between the convs.
// CHECK-LABEL: func @whole_image_norm
// CHECK: %[[A:.+]] = tessera.conv %{{.+}}, %arg1 {channels_last, {{.*}}} : (tensor<2x16x8xf32>, tensor<8x8x1xf32>) -> tensor<2x16x8xf32>
// CHECK: %[[F:.+]] = tessera.reshape %[[A]] : tensor<2x16x8xf32> to tensor<2x1x128xf32>
// CHECK: %[[N:.+]] = tessera.layer_norm %[[F]], %{{.+}}, %{{.+}} {axis = 2 : i64, epsilon = 9.99999974E-6 : f32} : (tensor<2x1x128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<2x1x128xf32>
// CHECK: %[[U:.+]] = tessera.reshape %[[N]] : tensor<2x1x128xf32> to tensor<2x16x8xf32>
// CHECK: %[[B:.+]] = tessera.conv %[[U]], %arg2 {channels_last, {{.*}}} : (tensor<2x16x8xf32>, tensor<8x8x1xf32>) -> tensor<2x16x8xf32>
// CHECK: %[[T:.+]] = tessera.transpose %[[B]] {perm = array<i64: 0, 2, 1>}
// CHECK: return %[[T]]
func.func @whole_image_norm(%x: tensor<2x8x16xf32>, %w1: tensor<8x8x1xf32>, %w2: tensor<8x8x1xf32>) -> tensor<2x8x16xf32> {
  %g = tessera.constant dense<1.0> : tensor<128xf32>
  %b = tessera.constant dense<0.0> : tensor<128xf32>
  %0 = tessera.conv %x, %w1 {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<2x8x16xf32>, tensor<8x8x1xf32>) -> tensor<2x8x16xf32>
  %1 = tessera.reshape %0 : tensor<2x8x16xf32> to tensor<2x1x128xf32>
  %2 = tessera.layer_norm %1, %g, %b {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x1x128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<2x1x128xf32>
  %3 = tessera.reshape %2 : tensor<2x1x128xf32> to tensor<2x8x16xf32>
  %4 = tessera.conv %3, %w2 {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<2x8x16xf32>, tensor<8x8x1xf32>) -> tensor<2x8x16xf32>
  return %4 : tensor<2x8x16xf32>
}

// -----

// Near misses keep the transposes around the norm: a scale that is not a
// splat (its order is the channel-first one), a norm over each channel's
// positions only ([N*C, L]: the leading dims hold more than N), and a
// reshaped image that something else reads too. (The conv stays
// channels-last for the conv after it.)
// CHECK-LABEL: func @whole_image_norm_near_misses
// CHECK: %[[A:.+]] = tessera.conv {{.*}}channels_last
// CHECK: %[[T:.+]] = tessera.transpose %[[A]] {perm = array<i64: 0, 2, 1>} : tensor<2x16x8xf32> to tensor<2x8x16xf32>
// CHECK: %[[F:.+]] = tessera.reshape %[[T]] : tensor<2x8x16xf32> to tensor<2x1x128xf32>
// CHECK: tessera.layer_norm %[[F]], %{{.+}} {axis = 2 : i64
// CHECK: %[[P:.+]] = tessera.reshape %[[T]] : tensor<2x8x16xf32> to tensor<16x16xf32>
// CHECK: tessera.layer_norm %[[P]], %{{.+}} {axis = 1 : i64
// CHECK: %[[Q:.+]] = tessera.reshape %[[T]] : tensor<2x8x16xf32> to tensor<2x128xf32>
// CHECK: tessera.layer_norm %[[Q]], %{{.+}} {axis = 1 : i64
// CHECK: return
func.func @whole_image_norm_near_misses(%x: tensor<2x8x16xf32>, %w1: tensor<8x8x1xf32>, %gv: tensor<128xf32>) -> (tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x128xf32>, tensor<2x8x16xf32>) {
  %g = tessera.constant dense<1.0> : tensor<16xf32>
  %g2 = tessera.constant dense<1.0> : tensor<128xf32>
  %0 = tessera.conv %x, %w1 {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<2x8x16xf32>, tensor<8x8x1xf32>) -> tensor<2x8x16xf32>
  %1 = tessera.reshape %0 : tensor<2x8x16xf32> to tensor<2x1x128xf32>
  %2 = tessera.layer_norm %1, %gv {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x1x128xf32>, tensor<128xf32>) -> tensor<2x1x128xf32>
  %3 = tessera.reshape %2 : tensor<2x1x128xf32> to tensor<2x8x16xf32>
  %4 = tessera.reshape %0 : tensor<2x8x16xf32> to tensor<16x16xf32>
  %5 = tessera.layer_norm %4, %g {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<16x16xf32>, tensor<16xf32>) -> tensor<16x16xf32>
  %6 = tessera.reshape %5 : tensor<16x16xf32> to tensor<2x8x16xf32>
  %7 = tessera.reshape %0 : tensor<2x8x16xf32> to tensor<2x128xf32>
  %8 = tessera.layer_norm %7, %g2 {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x128xf32>, tensor<128xf32>) -> tensor<2x128xf32>
  %9 = tessera.reshape %8 : tensor<2x128xf32> to tensor<2x8x16xf32>
  %10 = tessera.conv %0, %w1 {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<2x8x16xf32>, tensor<8x8x1xf32>) -> tensor<2x8x16xf32>
  return %3, %6, %9, %7, %10 : tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x128xf32>, tensor<2x8x16xf32>
}

// -----

// MaxViT's departition (windows back to [N, C, H, W]), a batch norm's
// per-channel multiply and add, then a conv: the conv's transpose to
// channels-last moves above the multiply and add (their constants moved to
// the channels-last layout) and joins the departition's: one transpose
// that moves whole runs of the 8 channels.
// CHECK-LABEL: func @departition_norm
// CHECK: %[[P:.+]] = tessera.reshape %arg0 : tensor<1x4x4x8xf32> to tensor<2x2x2x2x8xf32>
// CHECK: %[[T:.+]] = tessera.transpose %[[P]] {perm = array<i64: 0, 2, 1, 3, 4>} : tensor<2x2x2x2x8xf32> to tensor<2x2x2x2x8xf32>
// CHECK: %[[I:.+]] = tessera.reshape %[[T]] : tensor<2x2x2x2x8xf32> to tensor<1x4x4x8xf32>
// CHECK: %[[M:.+]] = tessera.mul %[[I]], %{{.+}} : (tensor<1x4x4x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32>
// CHECK: %[[A:.+]] = tessera.add %[[M]], %{{.+}} : (tensor<1x4x4x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32>
// CHECK: %[[C:.+]] = tessera.conv %[[A]], %arg1 {channels_last
// CHECK: tessera.transpose %[[C]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK-NOT: tessera.transpose
func.func @departition_norm(%x: tensor<1x4x4x8xf32>, %w: tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32> {
  %s = tessera.constant dense<2.0> : tensor<8x1x1xf32>
  %b = tessera.constant dense<0.5> : tensor<8x1x1xf32>
  %0 = tessera.reshape %x : tensor<1x4x4x8xf32> to tensor<1x2x2x2x2x8xf32>
  %1 = tessera.transpose %0 {perm = array<i64: 0, 5, 1, 3, 2, 4>} : tensor<1x2x2x2x2x8xf32> to tensor<1x8x2x2x2x2xf32>
  %2 = tessera.reshape %1 : tensor<1x8x2x2x2x2xf32> to tensor<1x8x4x4xf32>
  %3 = tessera.mul %2, %s : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %4 = tessera.add %3, %b : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %5 = tessera.conv %4, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  return %5 : tensor<1x8x4x4xf32>
}

// -----

// Near misses: an add whose result has another user, and one of a function
// argument (nothing before it to meet), keep the conv's transpose after
// them (each conv followed by a max pool, so that it stays channels-last).
// CHECK-LABEL: func @hoist_near_misses
// CHECK: %[[A:.+]] = tessera.add %{{.+}}, %{{.+}} : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
// CHECK: tessera.transpose %[[A]] {perm = array<i64: 0, 2, 3, 1>}
// CHECK: %[[B:.+]] = tessera.add %arg2, %{{.+}} : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
// CHECK: tessera.transpose %[[B]] {perm = array<i64: 0, 2, 3, 1>}
func.func @hoist_near_misses(%x: tensor<1x4x4x8xf32>, %w: tensor<8x8x1x1xf32>, %y: tensor<1x8x4x4xf32>) -> (tensor<1x8x4x4xf32>, tensor<1x8x2x2xf32>, tensor<1x8x2x2xf32>) {
  %b = tessera.constant dense<0.5> : tensor<8x1x1xf32>
  %0 = tessera.reshape %x : tensor<1x4x4x8xf32> to tensor<1x2x2x2x2x8xf32>
  %1 = tessera.transpose %0 {perm = array<i64: 0, 5, 1, 3, 2, 4>} : tensor<1x2x2x2x2x8xf32> to tensor<1x8x2x2x2x2xf32>
  %2 = tessera.reshape %1 : tensor<1x8x2x2x2x2xf32> to tensor<1x8x4x4xf32>
  %3 = tessera.add %2, %b : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %4 = tessera.conv %3, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %5 = tessera.add %y, %b : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %6 = tessera.conv %5, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %7 = tessera.max_pool %4 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x4x4xf32> to tensor<1x8x2x2xf32>
  %8 = tessera.max_pool %6 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x8x4x4xf32> to tensor<1x8x2x2xf32>
  return %3, %7, %8 : tensor<1x8x4x4xf32>, tensor<1x8x2x2xf32>, tensor<1x8x2x2xf32>
}
