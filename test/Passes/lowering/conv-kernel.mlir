// RUN: tessera-opt %s -split-input-file --convert-tessera-to-linalg=conv-kernel | FileCheck %s
// RUN: tessera-opt %s -split-input-file --convert-tessera-to-linalg=conv-kernel --one-shot-bufferize=bufferize-function-boundaries --tessera-linalg-to-runtime-calls | FileCheck %s --check-prefix=CALL
// RUN: tessera-opt %s -split-input-file --convert-tessera-to-linalg | FileCheck %s --check-prefix=OFF
// With conv-kernel, f32 1-d and 2-d convs call the runtime's
// convolution on the unpadded input: scalars = [flags (16: bias, 128:
// residual, 256: channels-last), kh, kw, sh, sw, dh, dw, pad top, pad left,
// clamp lo, clamp hi], the weight as [F, C*K..], the residual (an empty stand-in without one), the
// constant-operand mask last (bit 1: the weight); depthwise ones the
// depthwise kernel. Without the option they stay im2col + matmul
// and the tap loop.

// CHECK-LABEL: func @conv2d_bias
// CHECK-NOT: tensor.pad
// CHECK: %[[W:.+]] = tensor.collapse_shape %arg1 {{\[\[}}0], [1, 2, 3]] : tensor<24x16x3x3xf32> into tensor<24x144xf32>
// CHECK: %[[R:.+]] = tensor.empty() : tensor<0x0x0x0xf32>
// CHECK: %[[Y:.+]] = tessera.call_kernel "tessera_conv2d_f32" ins(%arg0, %[[W]], %arg2, %[[R]] : tensor<2x16x20x21xf32>, tensor<24x144xf32>, tensor<24xf32>, tensor<0x0x0x0xf32>) outs(%{{.+}} : tensor<2x24x10x10xf32>) {constant_mask, scalars = [16, 3, 3, 2, 2, 1, 2, 0, 1, 0.000000e+00 : f32, 0.000000e+00 : f32]} -> tensor<2x24x10x10xf32>
// CHECK: return %[[Y]]
// CALL-LABEL: func @conv2d_bias
// CALL: call @tessera_conv2d_f32({{.*}}) : (memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, i64, i64, i64, i64, i64, i64, i64, i64, i64, f32, f32, i64) -> ()
// OFF-LABEL: func @conv2d_bias
// OFF-NOT: call_kernel
// OFF: linalg.matmul
func.func @conv2d_bias(%x: tensor<2x16x20x21xf32>, %w: tensor<24x16x3x3xf32>, %b: tensor<24xf32>) -> tensor<2x24x10x10xf32> {
  %0 = tessera.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 0, 1, 1, 1>, dilations = array<i64: 1, 2>, group = 1 : i64} : (tensor<2x16x20x21xf32>, tensor<24x16x3x3xf32>, tensor<24xf32>) -> tensor<2x24x10x10xf32>
  return %0 : tensor<2x24x10x10xf32>
}

// -----

// 1-d: a 2-d conv of height 1; no bias (an unread empty stand-in).
// CHECK-LABEL: func @conv1d_nobias
// CHECK: %[[X:.+]] = tensor.expand_shape %arg0 {{\[\[}}0], [1], [2, 3]] output_shape [1, 8, 1, 600] : tensor<1x8x600xf32> into tensor<1x8x1x600xf32>
// CHECK: %[[W:.+]] = tensor.collapse_shape %arg1 {{\[\[}}0], [1, 2]] : tensor<12x8x3xf32> into tensor<12x24xf32>
// CHECK: %[[E:.+]] = tensor.empty() : tensor<0xf32>
// CHECK: %[[E4:.+]] = tensor.empty() : tensor<0x0x0x0xf32>
// CHECK: %[[Y:.+]] = tessera.call_kernel "tessera_conv2d_f32" ins(%[[X]], %[[W]], %[[E]], %[[E4]] : {{.+}}) outs(%{{.+}} : tensor<1x12x1x300xf32>) {constant_mask, scalars = [0, 1, 3, 1, 2, 1, 3, 0, 4, 0.000000e+00 : f32, 0.000000e+00 : f32]}
// CHECK: %[[R:.+]] = tensor.collapse_shape %[[Y]] {{\[\[}}0], [1], [2, 3]] : tensor<1x12x1x300xf32> into tensor<1x12x300xf32>
// CHECK: return %[[R]]
func.func @conv1d_nobias(%x: tensor<1x8x600xf32>, %w: tensor<12x8x3xf32>) -> tensor<1x12x300xf32> {
  %0 = tessera.conv %x, %w {strides = array<i64: 2>, pads = array<i64: 4, 1>, dilations = array<i64: 3>, group = 1 : i64} : (tensor<1x8x600xf32>, tensor<12x8x3xf32>) -> tensor<1x12x300xf32>
  return %0 : tensor<1x12x300xf32>
}

// -----

// A fused ReLU6 (no bias): flags 32 (clamp_min) | 64 (clamp_max), the bounds
// as f32 scalars after the i64 ones; a depthwise conv clamped below only;
// without the kernels, one elementwise max/min after each conv.
// CHECK-LABEL: func @clamped
// CHECK: tessera.call_kernel "tessera_conv2d_f32" {{.*}} {constant_mask, scalars = [96, 3, 3, 1, 1, 1, 1, 1, 1, 0.000000e+00 : f32, 6.000000e+00 : f32]}
// CHECK: tessera.call_kernel "tessera_depthwise_conv2d_f32" {{.*}} {constant_mask, scalars = [32, 3, 3, 1, 1, 1, 1, 1, 1, -2.500000e-01 : f32, 0.000000e+00 : f32]}
// CALL-LABEL: func @clamped
// CALL: call @tessera_conv2d_f32({{.*}}) : ({{.*}}, i64, i64, i64, i64, i64, i64, i64, i64, i64, f32, f32, i64) -> ()
// CALL: call @tessera_depthwise_conv2d_f32({{.*}}) : ({{.*}}, i64, i64, i64, i64, i64, i64, i64, i64, i64, f32, f32, i64) -> ()
// OFF-LABEL: func @clamped
// OFF: linalg.matmul
// OFF: arith.maximumf
// OFF: arith.minimumf
// OFF: arith.maximumf
// OFF-NOT: arith.minimumf
// OFF: return
func.func @clamped(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>, %wd: tensor<4x1x3x3xf32>) -> (tensor<1x8x8x8xf32>, tensor<1x4x8x8xf32>) {
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, clamp_min = 0.0, clamp_max = 6.0} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32>
  %1 = tessera.conv %x, %wd {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64, clamp_min = -0.25} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0, %1 : tensor<1x8x8x8xf32>, tensor<1x4x8x8xf32>
}

// -----

// Depthwise (groups = channels = filters): the depthwise kernel on the
// unpadded input, the weight [C, 1, Kh, Kw] as [C, Kh*Kw], no constant mask.
// CHECK-LABEL: func @depthwise
// CHECK-NOT: tensor.pad
// CHECK: %[[W:.+]] = tensor.collapse_shape %arg1 {{\[\[}}0], [1, 2, 3]] : tensor<4x1x3x3xf32> into tensor<4x9xf32>
// CHECK: tessera.call_kernel "tessera_depthwise_conv2d_f32" ins(%arg0, %[[W]], %arg2 : tensor<1x4x30x30xf32>, tensor<4x9xf32>, tensor<4xf32>) outs(%{{.+}} : tensor<1x4x15x15xf32>) {constant_mask, scalars = [16, 3, 3, 2, 2, 1, 1, 1, 1, 0.000000e+00 : f32, 0.000000e+00 : f32]} -> tensor<1x4x15x15xf32>
// CALL-LABEL: func @depthwise
// CALL: call @tessera_depthwise_conv2d_f32({{.*}}) : (memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, i64, i64, i64, i64, i64, i64, i64, i64, i64, f32, f32, i64) -> ()
// OFF-LABEL: func @depthwise
// OFF-NOT: call_kernel
// OFF: tensor.pad
func.func @depthwise(%x: tensor<1x4x30x30xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x15x15xf32> {
  %0 = tessera.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x30x30xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<1x4x15x15xf32>
  return %0 : tensor<1x4x15x15xf32>
}

// -----

// A fused residual: the 4th input with flag 128 (| 16 bias | 32 clamp_min);
// 1-d, the residual expanded to height 1 like the output; depthwise, the
// kernel without the clamp, then one generic adds the residual and clamps.
// CHECK-LABEL: func @residual
// CHECK: tessera.call_kernel "tessera_conv2d_f32" ins(%arg0, %{{.+}}, %arg2, %arg3 : tensor<1x4x8x8xf32>, tensor<8x36xf32>, tensor<8xf32>, tensor<1x8x8x8xf32>) outs(%{{.+}} : tensor<1x8x8x8xf32>) {constant_mask, scalars = [176, 3, 3, 1, 1, 1, 1, 1, 1, 0.000000e+00 : f32, 0.000000e+00 : f32]}
// CHECK: %[[R1:.+]] = tensor.expand_shape %arg6 {{\[\[}}0], [1], [2, 3]] output_shape [1, 6, 1, 10] : tensor<1x6x10xf32> into tensor<1x6x1x10xf32>
// CHECK: tessera.call_kernel "tessera_conv2d_f32" ins(%{{.+}}, %{{.+}}, %{{.+}}, %[[R1]] : {{.*}}) {constant_mask, scalars = [128,
// CHECK: %[[D:.+]] = tessera.call_kernel "tessera_depthwise_conv2d_f32" {{.*}} {constant_mask, scalars = [0,
// CHECK: linalg.generic {{.*}} ins(%[[D]], %arg0 :
// CHECK: arith.addf
// CHECK: arith.maximumf
// CALL-LABEL: func @residual
// CALL: call @tessera_conv2d_f32
// OFF-LABEL: func @residual
// OFF: linalg.matmul
// OFF: linalg.generic
// OFF: arith.addf
// OFF: arith.maximumf
func.func @residual(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>, %b: tensor<8xf32>, %r: tensor<1x8x8x8xf32>, %x1: tensor<1x4x10xf32>, %w1: tensor<6x4x1xf32>, %r1: tensor<1x6x10xf32>, %wd: tensor<4x1x3x3xf32>) -> (tensor<1x8x8x8xf32>, tensor<1x6x10xf32>, tensor<1x4x8x8xf32>) {
  %0 = tessera.conv %x, %w, %b residual %r {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, clamp_min = 0.0} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %1 = tessera.conv %x1, %w1 residual %r1 {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x4x10xf32>, tensor<6x4x1xf32>, tensor<1x6x10xf32>) -> tensor<1x6x10xf32>
  %2 = tessera.conv %x, %wd residual %x {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64, clamp_min = 0.0} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %0, %1, %2 : tensor<1x8x8x8xf32>, tensor<1x6x10xf32>, tensor<1x4x8x8xf32>
}

// -----

// Grouped convs that are not depthwise take tessera_conv2d_f32 too, the
// weight [F, C/G*K..] (the runtime finds G from C*kh*kw over its columns):
// two groups of 2 -> 4 channels, and a channel multiplier of 2 (4 groups
// of 1 -> 2). Without the kernels, im2col + batch_matmul over the groups.
// CHECK-LABEL: func @grouped
// CHECK: tessera.call_kernel "tessera_conv2d_f32" ins(%arg0, %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x4x30x30xf32>, tensor<8x18xf32>, tensor<0xf32>, tensor<0x0x0x0xf32>) outs(%{{.+}} : tensor<1x8x28x28xf32>) {constant_mask, scalars = [0, 3, 3, 1, 1, 1, 1, 0, 0, 0.000000e+00 : f32, 0.000000e+00 : f32]}
// CHECK: tessera.call_kernel "tessera_conv2d_f32" ins(%arg0, %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x4x30x30xf32>, tensor<8x9xf32>, tensor<8xf32>, tensor<0x0x0x0xf32>) outs(%{{.+}} : tensor<1x8x28x28xf32>) {constant_mask, scalars = [48, 3, 3, 1, 1, 1, 1, 0, 0, -1.000000e+00 : f32, 0.000000e+00 : f32]}
// CHECK-NOT: linalg.batch_matmul
// OFF-LABEL: func @grouped
// OFF: linalg.batch_matmul
// OFF: linalg.batch_matmul
func.func @grouped(%x: tensor<1x4x30x30xf32>, %w: tensor<8x2x3x3xf32>, %wm: tensor<8x1x3x3xf32>, %b: tensor<8xf32>) -> (tensor<1x8x28x28xf32>, tensor<1x8x28x28xf32>) {
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x4x30x30xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x28x28xf32>
  %1 = tessera.conv %x, %wm, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 4 : i64, clamp_min = -1.0 : f64} : (tensor<1x4x30x30xf32>, tensor<8x1x3x3xf32>, tensor<8xf32>) -> tensor<1x8x28x28xf32>
  return %0, %1 : tensor<1x8x28x28xf32>, tensor<1x8x28x28xf32>
}

// -----

// Near misses: 3-d (im2col + matmul), f64 (no runtime kernel), a 3-d
// depthwise conv.
// CHECK-LABEL: func @near_misses
// CHECK-NOT: call_kernel
// CHECK: linalg.matmul
// CHECK-NOT: call_kernel
// CHECK: return
func.func @near_misses(%x3: tensor<1x2x6x6x6xf32>, %w3: tensor<3x2x2x2x2xf32>, %xd: tensor<1x4x30x30xf64>, %wd: tensor<8x4x3x3xf64>, %wdw3: tensor<2x1x2x2x2xf32>) -> (tensor<1x3x5x5x5xf32>, tensor<1x8x28x28xf64>, tensor<1x2x5x5x5xf32>) {
  %1 = tessera.conv %x3, %w3 {strides = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, group = 1 : i64} : (tensor<1x2x6x6x6xf32>, tensor<3x2x2x2x2xf32>) -> tensor<1x3x5x5x5xf32>
  %2 = tessera.conv %xd, %wd {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x30x30xf64>, tensor<8x4x3x3xf64>) -> tensor<1x8x28x28xf64>
  %4 = tessera.conv %x3, %wdw3 {strides = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, group = 2 : i64} : (tensor<1x2x6x6x6xf32>, tensor<2x1x2x2x2xf32>) -> tensor<1x2x5x5x5xf32>
  return %1, %2, %4 : tensor<1x3x5x5x5xf32>, tensor<1x8x28x28xf64>, tensor<1x2x5x5x5xf32>
}

// -----

// Channels-last (256 in the flags): the kernels take the [N, H, W, C]
// input, residual and output as they are; the depthwise test reads the
// channels from the last dim; a grouped conv the conv kernel. Without the
// kernels, the channel-first conv between transposes.
// CHECK-LABEL: func @channels_last
// CHECK: tessera.call_kernel "tessera_conv2d_f32" ins(%arg0, %{{.+}}, %{{.+}}, %arg3 : tensor<1x9x9x16xf32>, tensor<24x144xf32>, tensor<0xf32>, tensor<1x9x9x24xf32>) outs(%{{.+}} : tensor<1x9x9x24xf32>) {constant_mask, scalars = [384, 3, 3, 1, 1, 1, 1, 1, 1, 0.000000e+00 : f32, 0.000000e+00 : f32]}
// CHECK: tessera.call_kernel "tessera_depthwise_conv2d_f32" ins(%arg0, %{{.+}}, %{{.+}} : tensor<1x9x9x16xf32>, tensor<16x9xf32>, tensor<0xf32>) outs(%{{.+}} : tensor<1x9x9x16xf32>) {constant_mask, scalars = [352, 3, 3, 1, 1, 1, 1, 1, 1, 0.000000e+00 : f32, 6.000000e+00 : f32]}
// CHECK: tessera.call_kernel "tessera_conv2d_f32" ins(%arg0, %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x9x9x16xf32>, tensor<8x8xf32>, tensor<0xf32>, tensor<0x0x0x0xf32>) outs(%{{.+}} : tensor<1x9x9x8xf32>) {constant_mask, scalars = [256, 1, 1, 1, 1, 1, 1, 0, 0, 0.000000e+00 : f32, 0.000000e+00 : f32]}
// CHECK-NOT: linalg.transpose
// OFF-LABEL: func @channels_last
// OFF: linalg.transpose ins(%arg0 : tensor<1x9x9x16xf32>) outs(%{{.+}} : tensor<1x16x9x9xf32>) permutation = [0, 3, 1, 2]
// OFF: linalg.batch_matmul
// OFF: linalg.transpose ins(%{{.+}} : tensor<1x8x9x9xf32>) outs(%{{.+}} : tensor<1x9x9x8xf32>) permutation = [0, 2, 3, 1]
func.func @channels_last(%x: tensor<1x9x9x16xf32>, %w: tensor<24x16x3x3xf32>, %wd: tensor<16x1x3x3xf32>, %r: tensor<1x9x9x24xf32>, %wg: tensor<8x8x1x1xf32>) -> (tensor<1x9x9x24xf32>, tensor<1x9x9x16xf32>, tensor<1x9x9x8xf32>) {
  %0 = tessera.conv %x, %w residual %r {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, channels_last} : (tensor<1x9x9x16xf32>, tensor<24x16x3x3xf32>, tensor<1x9x9x24xf32>) -> tensor<1x9x9x24xf32>
  %1 = tessera.conv %x, %wd {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 16 : i64, clamp_min = 0.0 : f64, clamp_max = 6.0 : f64, channels_last} : (tensor<1x9x9x16xf32>, tensor<16x1x3x3xf32>) -> tensor<1x9x9x16xf32>
  %2 = tessera.conv %x, %wg {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64, channels_last} : (tensor<1x9x9x16xf32>, tensor<8x8x1x1xf32>) -> tensor<1x9x9x8xf32>
  return %0, %1, %2 : tensor<1x9x9x24xf32>, tensor<1x9x9x16xf32>, tensor<1x9x9x8xf32>
}

// -----

// Channels-last 1-d convs: [N, L, C] read as [N, 1, L, C] (the unit height
// before the length), with a residual; depthwise. Without the kernels, the
// channel-first conv between [0, 2, 1] transposes.
// CHECK-LABEL: func @channels_last_1d
// CHECK: %[[X:.+]] = tensor.expand_shape %arg0 {{\[\[}}0, 1], [2], [3]] output_shape [1, 1, 20, 16] : tensor<1x20x16xf32> into tensor<1x1x20x16xf32>
// CHECK: %[[R:.+]] = tensor.expand_shape %arg3 {{\[\[}}0, 1], [2], [3]] output_shape [1, 1, 9, 24] : tensor<1x9x24xf32> into tensor<1x1x9x24xf32>
// CHECK: %[[Y:.+]] = tessera.call_kernel "tessera_conv2d_f32" ins(%[[X]], %{{.+}}, %{{.+}}, %[[R]] : tensor<1x1x20x16xf32>, tensor<24x48xf32>, tensor<0xf32>, tensor<1x1x9x24xf32>) outs(%{{.+}} : tensor<1x1x9x24xf32>) {constant_mask, scalars = [386, 1, 3, 1, 2, 1, 1, 0, 0, 0.000000e+00 : f32, 0.000000e+00 : f32]}
// CHECK: tensor.collapse_shape %[[Y]] {{\[\[}}0, 1], [2], [3]] : tensor<1x1x9x24xf32> into tensor<1x9x24xf32>
// CHECK: tessera.call_kernel "tessera_depthwise_conv2d_f32" ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<1x1x20x16xf32>, tensor<16x5xf32>, tensor<0xf32>) outs(%{{.+}} : tensor<1x1x20x16xf32>) {constant_mask, scalars = [260, 1, 5, 1, 1, 1, 1, 0, 2, 0.000000e+00 : f32, 0.000000e+00 : f32]}
// OFF-LABEL: func @channels_last_1d
// OFF: linalg.transpose ins(%arg0 : tensor<1x20x16xf32>) outs(%{{.+}} : tensor<1x16x20xf32>) permutation = [0, 2, 1]
// OFF: linalg.transpose ins(%{{.+}} : tensor<1x24x9xf32>) outs(%{{.+}} : tensor<1x9x24xf32>) permutation = [0, 2, 1]
func.func @channels_last_1d(%x: tensor<1x20x16xf32>, %w: tensor<24x16x3xf32>, %wd: tensor<16x1x5xf32>, %r: tensor<1x9x24xf32>) -> (tensor<1x9x24xf32>, tensor<1x20x16xf32>) {
  %0 = tessera.conv %x, %w residual %r {strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64, channels_last, activation = "gelu"} : (tensor<1x20x16xf32>, tensor<24x16x3xf32>, tensor<1x9x24xf32>) -> tensor<1x9x24xf32>
  %1 = tessera.conv %x, %wd {strides = array<i64: 1>, pads = array<i64: 2, 2>, dilations = array<i64: 1>, group = 16 : i64, channels_last, activation = "silu"} : (tensor<1x20x16xf32>, tensor<16x1x5xf32>) -> tensor<1x20x16xf32>
  return %0, %1 : tensor<1x9x24xf32>, tensor<1x20x16xf32>
}

// -----

// A fused activation: its code in the flags' low bits (4: silu, 5:
// sigmoid) of both kernels. Without the kernels, its op after the conv
// (lowered in turn), then the residual and the clamp.
// CHECK-LABEL: func @activation
// CHECK: tessera.call_kernel "tessera_conv2d_f32" {{.*}} {constant_mask, scalars = [420, 3, 3, 1, 1, 1, 1, 1, 1, 0.000000e+00 : f32, 0.000000e+00 : f32]}
// CHECK: tessera.call_kernel "tessera_depthwise_conv2d_f32" {{.*}} {constant_mask, scalars = [325, 3, 3, 1, 1, 1, 1, 1, 1, 0.000000e+00 : f32, 6.000000e+00 : f32]}
// OFF-LABEL: func @activation
// OFF: linalg.matmul
// OFF: math.exp
// OFF: arith.addf
// OFF: arith.maximumf
func.func @activation(%x: tensor<1x9x9x16xf32>, %w: tensor<24x16x3x3xf32>, %wd: tensor<16x1x3x3xf32>, %r: tensor<1x9x9x24xf32>) -> (tensor<1x9x9x24xf32>, tensor<1x9x9x16xf32>) {
  %0 = tessera.conv %x, %w residual %r {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, channels_last, activation = "silu", clamp_min = 0.0 : f64} : (tensor<1x9x9x16xf32>, tensor<24x16x3x3xf32>, tensor<1x9x9x24xf32>) -> tensor<1x9x9x24xf32>
  %1 = tessera.conv %x, %wd {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 16 : i64, clamp_max = 6.0 : f64, channels_last, activation = "sigmoid"} : (tensor<1x9x9x16xf32>, tensor<16x1x3x3xf32>) -> tensor<1x9x9x16xf32>
  return %0, %1 : tensor<1x9x9x24xf32>, tensor<1x9x9x16xf32>
}
