// RUN: tessera-opt %s --convert-tessera-to-linalg -split-input-file | FileCheck %s
// RUN: tessera-opt %s --convert-tessera-to-linalg=conv-kernel -split-input-file | FileCheck %s --check-prefix=KERNEL

// With the runtime's kernels an f32 2-d max pool is one call of
// tessera_max_pool2d_f32 (kernel, strides, dilations, begin pads, flags),
// which skips the taps outside the input: no tensor.pad. Integer and 1-d pools keep
// the generic (KERNEL checks below).
// KERNEL-LABEL: func @max_pool
// KERNEL-NOT: tensor.pad
// KERNEL: %[[E:.+]] = tensor.empty() : tensor<1x1x2x2xf32>
// KERNEL: tessera.call_kernel "tessera_max_pool2d_f32" ins(%arg0 : tensor<1x1x4x4xf32>) outs(%[[E]] : tensor<1x1x2x2xf32>) {scalars = [3, 3, 2, 2, 1, 1, 1, 1, 0]} -> tensor<1x1x2x2xf32>
// KERNEL-NOT: linalg.generic

// Max pooling pads with -inf (begin pads, and nothing at the end since the
// last window ends inside), then reduces the window in one generic.
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-DAG: #[[Y:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @max_pool
// CHECK: %[[NINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[P:.+]] = tensor.pad %{{.+}} low[0, 0, 1, 1] high[0, 0, 0, 0]
// CHECK: tensor.yield %[[NINF]]
// CHECK: %[[WIN:.+]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[INIT:.+]] = linalg.fill ins(%[[NINF]] : f32)
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[Y]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[P]], %[[WIN]] : tensor<1x1x5x5xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<1x1x2x2xf32>)
// CHECK: arith.maximumf
func.func @max_pool(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %0 = tessera.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x1x4x4xf32> to tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// Integer max pooling starts from the smallest integer; no padding needed.
// KERNEL-LABEL: func @max_pool_i8
// KERNEL-NOT: call_kernel
// KERNEL: arith.maxsi
// CHECK-LABEL: func @max_pool_i8
// CHECK-NOT: tensor.pad
// CHECK: %[[MIN:.+]] = arith.constant -128 : i8
// CHECK: linalg.fill ins(%[[MIN]] : i8)
// CHECK: arith.maxsi
func.func @max_pool_i8(%x: tensor<1x2x6xi8>) -> tensor<1x2x3xi8> {
  %0 = tessera.max_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : tensor<1x2x6xi8> to tensor<1x2x3xi8>
  return %0 : tensor<1x2x3xi8>
}

// -----

// Average pooling without counted padding divides by a per-position count.
// With the kernels: a depthwise conv of weights 1 (one channel: the
// implicit GEMM; 1-d: height 1), then the division.
// KERNEL-LABEL: func @avg_pool_border
// KERNEL-NOT: tensor.pad
// KERNEL: arith.constant dense<1.000000e+00> : tensor<1x1x3xf32>
// KERNEL: tessera.call_kernel "tessera_conv2d_f32" {{.*}} scalars = [0, 1, 3, 1, 2, 1, 1, 0, 1,
// KERNEL: arith.constant dense<[2.000000e+00, 3.000000e+00, 2.000000e+00]> : tensor<3xf32>
// KERNEL: arith.divf
// CHECK-DAG: #[[C:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func @avg_pool_border
// CHECK: tensor.pad %{{.+}} low[0, 0, 1] high[0, 0, 1]
// CHECK: %[[SUM:.+]] = linalg.generic
// CHECK: arith.addf
// CHECK: %[[CNT:.+]] = arith.constant dense<[2.000000e+00, 3.000000e+00, 2.000000e+00]> : tensor<3xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[C]], #{{.+}}]{{.*}} ins(%[[SUM]], %[[CNT]] : tensor<1x1x3xf32>, tensor<3xf32>)
// CHECK: arith.divf
func.func @avg_pool_border(%x: tensor<1x1x5xf32>) -> tensor<1x1x3xf32> {
  %0 = tessera.avg_pool %x {kernel_shape = array<i64: 3>, strides = array<i64: 2>, pads = array<i64: 1, 1>, dilations = array<i64: 1>} : tensor<1x1x5xf32> to tensor<1x1x3xf32>
  return %0 : tensor<1x1x3xf32>
}

// -----

// Counted padding and no ceil overhang: one divisor for every position.
// With the kernels, weights of 1/9 and no division.
// KERNEL-LABEL: func @avg_pool_uniform
// KERNEL: arith.constant dense<0.111111112> : tensor<1x1x3x3xf32>
// KERNEL: tessera.call_kernel "tessera_conv2d_f32" {{.*}} scalars = [0, 3, 3, 2, 2, 1, 1, 1, 1,
// KERNEL-NOT: arith.divf
// KERNEL: return
// CHECK-LABEL: func @avg_pool_uniform
// CHECK: %[[SUM:.+]] = linalg.generic
// CHECK: %[[NINE:.+]] = arith.constant 9.000000e+00 : f32
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x1x2x2xf32>)
// CHECK: arith.divf %{{.+}}, %[[NINE]]
func.func @avg_pool_uniform(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %0 = tessera.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, count_include_pad = true} : tensor<1x1x4x4xf32> to tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// ceil_mode: the pad covers what the last window reads past the input.
// With the kernels, the last window's uncounted tap reads zero.
// KERNEL-LABEL: func @avg_pool_ceil
// KERNEL-NOT: tensor.pad
// KERNEL: tessera.call_kernel "tessera_conv2d_f32" {{.*}} -> tensor<1x1x1x3xf32>
// KERNEL: arith.constant dense<[2.000000e+00, 2.000000e+00, 1.000000e+00]> : tensor<3xf32>
// CHECK-LABEL: func @avg_pool_ceil
// CHECK: tensor.pad %{{.+}} low[0, 0, 0] high[0, 0, 1]
// CHECK: } : tensor<1x1x5xf32> to tensor<1x1x6xf32>
// CHECK: arith.constant dense<[2.000000e+00, 2.000000e+00, 1.000000e+00]> : tensor<3xf32>
func.func @avg_pool_ceil(%x: tensor<1x1x5xf32>) -> tensor<1x1x3xf32> {
  %0 = tessera.avg_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, ceil_mode = true} : tensor<1x1x5xf32> to tensor<1x1x3xf32>
  return %0 : tensor<1x1x3xf32>
}

// -----

// A 1-d f32 max pool keeps the padded generic with the kernels on too.
// KERNEL-LABEL: func @max_pool_1d
// KERNEL-NOT: call_kernel
// KERNEL: tensor.pad
// KERNEL: arith.maximumf
// CHECK-LABEL: func @max_pool_1d
// CHECK: tensor.pad
func.func @max_pool_1d(%x: tensor<1x2x6xf32>) -> tensor<1x2x3xf32> {
  %0 = tessera.max_pool %x {kernel_shape = array<i64: 3>, strides = array<i64: 2>, pads = array<i64: 1, 0>, dilations = array<i64: 1>} : tensor<1x2x6xf32> to tensor<1x2x3xf32>
  return %0 : tensor<1x2x3xf32>
}

// -----

// Channels-last: the kernel's flags say so (256) and it takes the
// [N, H, W, C] tensors; without the kernels, the channel-first pool between
// transposes.
// KERNEL-LABEL: func @max_pool_channels_last
// KERNEL: tessera.call_kernel "tessera_max_pool2d_f32" ins(%arg0 : tensor<1x4x4x3xf32>) outs(%{{.+}} : tensor<1x2x2x3xf32>) {scalars = [3, 3, 2, 2, 1, 1, 1, 1, 256]} -> tensor<1x2x2x3xf32>
// CHECK-LABEL: func @max_pool_channels_last
// CHECK: linalg.transpose ins(%arg0 : tensor<1x4x4x3xf32>) outs(%{{.+}} : tensor<1x3x4x4xf32>) permutation = [0, 3, 1, 2]
// CHECK: arith.maximumf
// CHECK: linalg.transpose ins(%{{.+}} : tensor<1x3x2x2xf32>) outs(%{{.+}} : tensor<1x2x2x3xf32>) permutation = [0, 2, 3, 1]
func.func @max_pool_channels_last(%x: tensor<1x4x4x3xf32>) -> tensor<1x2x2x3xf32> {
  %0 = tessera.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, channels_last} : tensor<1x4x4x3xf32> to tensor<1x2x2x3xf32>
  return %0 : tensor<1x2x2x3xf32>
}

// -----

// A channels-last average pool: padded in H and W, the window loops before
// the channels, which are the innermost loop; the border counts indexed by
// the output's H and W. With the kernels, the depthwise kernel over the
// [N, H, W, C] tensors (flags 256), then the division.
// KERNEL-LABEL: func @avg_pool_channels_last
// KERNEL: arith.constant dense<1.000000e+00> : tensor<3x1x3x3xf32>
// KERNEL: tessera.call_kernel "tessera_depthwise_conv2d_f32" ins(%arg0, {{.*}} outs(%{{.+}} : tensor<1x2x2x3xf32>) {constant_mask, scalars = [256, 3, 3, 2, 2, 1, 1, 1, 1,
// KERNEL: arith.divf
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4, d5)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4)>
// CHECK-DAG: #[[Y:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>
// CHECK-DAG: #[[HW:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-LABEL: func @avg_pool_channels_last
// CHECK: tensor.pad %{{.+}} low[0, 1, 1, 0] high[0, 0, 0, 0]
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[Y]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
// CHECK: arith.addf
// CHECK: %[[CNT:.+]] = arith.constant dense<{{\[\[}}4.000000e+00, 6.000000e+00], [6.000000e+00, 9.000000e+00]]> : tensor<2x2xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[HW]], #{{.+}}]{{.*}} ins(%[[SUM]], %[[CNT]] : tensor<1x2x2x3xf32>, tensor<2x2xf32>)
// CHECK: arith.divf
func.func @avg_pool_channels_last(%x: tensor<1x4x4x3xf32>) -> tensor<1x2x2x3xf32> {
  %0 = tessera.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, channels_last} : tensor<1x4x4x3xf32> to tensor<1x2x2x3xf32>
  return %0 : tensor<1x2x2x3xf32>
}

// -----

// A 3-d pool (with the kernels; f32, channel-first) is two 2-d ones: over
// [H, W] on [N, C*T, H, W] (the 2x3x3 window's spatial part, stride 2, pad
// 1), then over T on [N, C, T, H'*W'] with a 2x1 window (stride 1, the
// temporal dilation 2 and pad 1). Without the kernels, one loop nest.
// KERNEL-LABEL: func @max_pool_3d
// KERNEL: %[[X:.+]] = tensor.collapse_shape %arg0 {{\[\[}}0], [1, 2], [3], [4]] : tensor<2x3x5x8x8xf32> into tensor<2x15x8x8xf32>
// KERNEL: %[[S:.+]] = tessera.call_kernel "tessera_max_pool2d_f32" ins(%[[X]] : tensor<2x15x8x8xf32>) outs(%{{.+}} : tensor<2x15x4x4xf32>) {scalars = [3, 3, 2, 2, 1, 1, 1, 1, 0]}
// KERNEL: %[[C:.+]] = tensor.collapse_shape %[[S]] {{.*}} : tensor<2x15x4x4xf32> into tensor<2x15x16xf32>
// KERNEL: %[[R:.+]] = tensor.expand_shape %[[C]] {{.*}} : tensor<2x15x16xf32> into tensor<2x3x5x16xf32>
// KERNEL: %[[T:.+]] = tessera.call_kernel "tessera_max_pool2d_f32" ins(%[[R]] : tensor<2x3x5x16xf32>) outs(%{{.+}} : tensor<2x3x5x16xf32>) {scalars = [2, 1, 1, 1, 2, 1, 1, 0, 0]}
// KERNEL: tensor.expand_shape %[[T]] {{.*}} : tensor<2x3x5x16xf32> into tensor<2x3x5x4x4xf32>
// CHECK-LABEL: func @max_pool_3d
// CHECK: tensor.pad
// CHECK: linalg.generic
// CHECK-NOT: linalg.generic
func.func @max_pool_3d(%x: tensor<2x3x5x8x8xf32>) -> tensor<2x3x5x4x4xf32> {
  %0 = tessera.max_pool %x {kernel_shape = array<i64: 2, 3, 3>, strides = array<i64: 1, 2, 2>, pads = array<i64: 1, 1, 1, 1, 1, 1>, dilations = array<i64: 2, 1, 1>} : tensor<2x3x5x8x8xf32> to tensor<2x3x5x4x4xf32>
  return %0 : tensor<2x3x5x4x4xf32>
}

// -----

// Near misses of the kernel path: an f16 pool and a 3-d one keep the
// padded window loops.
// KERNEL-LABEL: func @avg_pool_f16
// KERNEL-NOT: call_kernel
// KERNEL: tensor.pad
// KERNEL: arith.addf
// KERNEL-LABEL: func @avg_pool_3d
// KERNEL-NOT: call_kernel
// KERNEL: arith.addf
// CHECK-LABEL: func @avg_pool_f16
// CHECK-LABEL: func @avg_pool_3d
func.func @avg_pool_f16(%x: tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16> {
  %0 = tessera.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, count_include_pad = true} : tensor<1x2x4x4xf16> to tensor<1x2x4x4xf16>
  return %0 : tensor<1x2x4x4xf16>
}
func.func @avg_pool_3d(%x: tensor<1x2x4x4x4xf32>) -> tensor<1x2x2x2x2xf32> {
  %0 = tessera.avg_pool %x {kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 2, 2, 2>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>} : tensor<1x2x4x4x4xf32> to tensor<1x2x2x2x2xf32>
  return %0 : tensor<1x2x2x2x2xf32>
}
