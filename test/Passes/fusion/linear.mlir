// RUN: tessera-opt %s -split-input-file -tessera-fuse-linear -canonicalize | FileCheck %s
// MatMul by a 2-D weight + bias + activation + residual -> tessera.linear.

// nn.Linear on 3-D input (MatMul + Add), GELU, then the residual.
// CHECK-LABEL: func @mlp_epilogue
// CHECK: %[[L:.*]] = tessera.linear %arg0, %arg1 bias %arg2 residual %arg0 {activation = "gelu"} : (tensor<2x5x8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
// CHECK-NEXT: return %[[L]]
func.func @mlp_epilogue(%x: tensor<2x5x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<2x5x8xf32> {
  %m = tessera.matmul %x, %w : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  %a = tessera.add %b, %m : (tensor<8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
  %g = tessera.gelu %a : tensor<2x5x8xf32>
  %r = tessera.add %x, %g : (tensor<2x5x8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
  return %r : tensor<2x5x8xf32>
}

// -----

// Gemm with transB: the [N, K] weight is kept as it is; the bias [1, N].
// CHECK-LABEL: func @gemm_transposed
// CHECK: tessera.linear %arg0, %arg1 bias %{{.*}} {activation = "relu", transpose_weight = true} : (tensor<4x16xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<4x32xf32>
func.func @gemm_transposed(%x: tensor<4x16xf32>, %w: tensor<32x16xf32>, %b: tensor<1x32xf32>) -> tensor<4x32xf32> {
  %wt = tessera.transpose %w {perm = array<i64: 1, 0>} : tensor<32x16xf32> to tensor<16x32xf32>
  %m = tessera.matmul %x, %wt : (tensor<4x16xf32>, tensor<16x32xf32>) -> tensor<4x32xf32>
  %a = tessera.add %m, %b : (tensor<4x32xf32>, tensor<1x32xf32>) -> tensor<4x32xf32>
  %r = tessera.relu %a : tensor<4x32xf32>
  return %r : tensor<4x32xf32>
}

// -----

// Near misses: a batched (3-D) right operand, a bias that varies per row,
// an activation on a linear with another use, an add that broadcasts the
// linear up.
// CHECK-LABEL: func @near_misses
// CHECK: tessera.matmul %arg0, %arg3
// CHECK: %[[L1:.*]] = tessera.linear %arg0, %arg1 :
// CHECK: tessera.add %[[L1]], %arg2
// CHECK: %[[L2:.*]] = tessera.linear %arg0, %arg1 :
// CHECK: tessera.relu %[[L2]]
// CHECK: %[[L3:.*]] = tessera.linear %arg4, %arg1 :
// CHECK: tessera.add %[[L3]], %arg0
func.func @near_misses(%x: tensor<2x5x8xf32>, %w: tensor<8x8xf32>, %rowbias: tensor<2x5x1xf32>, %wb: tensor<2x8x8xf32>, %x1: tensor<5x8xf32>) -> (tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>) {
  %m0 = tessera.matmul %x, %wb : (tensor<2x5x8xf32>, tensor<2x8x8xf32>) -> tensor<2x5x8xf32>
  %m1 = tessera.matmul %x, %w : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  %a1 = tessera.add %m1, %rowbias : (tensor<2x5x8xf32>, tensor<2x5x1xf32>) -> tensor<2x5x8xf32>
  %m2 = tessera.matmul %x, %w : (tensor<2x5x8xf32>, tensor<8x8xf32>) -> tensor<2x5x8xf32>
  %r2 = tessera.relu %m2 : tensor<2x5x8xf32>
  %m3 = tessera.matmul %x1, %w : (tensor<5x8xf32>, tensor<8x8xf32>) -> tensor<5x8xf32>
  %a3 = tessera.add %m3, %x : (tensor<5x8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
  return %m0, %a1, %r2, %m2, %a3 : tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>
}

// -----

// CHECK-LABEL: func @scalar_add
// CHECK: tessera.add
func.func @scalar_add(%a: tensor<f32>, %b: tensor<f32>) -> tensor<f32> {
  %z = tessera.add %a, %b : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %z : tensor<f32>
}

// -----

// Patch embeddings (stride = kernel, no padding, dilation or groups): the
// patches as rows, one linear op, the result back in NCHW. 66 is not a
// multiple of 32: the conv drops the last 2 columns, so does the slice.
// CHECK-LABEL: func @patch_conv_2d
// CHECK: %[[S:.*]] = tessera.slice %arg0 {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x3x64x66xf32> to tensor<1x3x64x64xf32>
// CHECK: %[[R:.*]] = tessera.reshape %[[S]] : tensor<1x3x64x64xf32> to tensor<1x3x2x32x2x32xf32>
// CHECK: %[[T:.*]] = tessera.transpose %[[R]] {perm = array<i64: 0, 2, 4, 1, 3, 5>} : tensor<1x3x2x32x2x32xf32> to tensor<1x2x2x3x32x32xf32>
// CHECK-DAG: %[[W:.*]] = tessera.reshape %arg1 : tensor<16x3x32x32xf32> to tensor<16x3072xf32>
// CHECK-DAG: %[[X:.*]] = tessera.reshape %[[T]] : tensor<1x2x2x3x32x32xf32> to tensor<1x2x2x3072xf32>
// CHECK: %[[L:.*]] = tessera.linear %[[X]], %[[W]] bias %arg2 {transpose_weight = true} : (tensor<1x2x2x3072xf32>, tensor<16x3072xf32>, tensor<16xf32>) -> tensor<1x2x2x16xf32>
// CHECK: tessera.transpose %[[L]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x2x2x16xf32> to tensor<1x16x2x2xf32>
func.func @patch_conv_2d(%x: tensor<1x3x64x66xf32>, %w: tensor<16x3x32x32xf32>, %b: tensor<16xf32>) -> tensor<1x16x2x2xf32> {
  %0 = tessera.conv %x, %w, %b {strides = array<i64: 32, 32>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x64x66xf32>, tensor<16x3x32x32xf32>, tensor<16xf32>) -> tensor<1x16x2x2xf32>
  return %0 : tensor<1x16x2x2xf32>
}

// -----

// 1-d, no bias: [N, C, L] -> [N, L/K, C·K].
// CHECK-LABEL: func @patch_conv_1d
// CHECK: tessera.transpose %{{.*}} {perm = array<i64: 0, 2, 1, 3>} : tensor<2x4x5x3xf32> to tensor<2x5x4x3xf32>
// CHECK: tessera.linear %{{.*}}, %{{.*}} {transpose_weight = true} : (tensor<2x5x12xf32>, tensor<8x12xf32>) -> tensor<2x5x8xf32>
// CHECK: tessera.transpose %{{.*}} {perm = array<i64: 0, 2, 1>} : tensor<2x5x8xf32> to tensor<2x8x5xf32>
func.func @patch_conv_1d(%x: tensor<2x4x15xf32>, %w: tensor<8x4x3xf32>) -> tensor<2x8x5xf32> {
  %0 = tessera.conv %x, %w {strides = array<i64: 3>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<2x4x15xf32>, tensor<8x4x3xf32>) -> tensor<2x8x5xf32>
  return %0 : tensor<2x8x5xf32>
}

// -----

// Near misses stay convolutions: overlapping windows (stride < kernel),
// padding, groups, dilation, and a 1x1 conv (only transposes to gain).
// CHECK-LABEL: func @patch_conv_near_misses
// CHECK-NOT: tessera.linear
// CHECK-COUNT-5: tessera.conv
func.func @patch_conv_near_misses(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x2x2xf32>, %g: tensor<4x2x2x2xf32>, %p: tensor<4x4x1x1xf32>) -> (tensor<1x4x7x7xf32>, tensor<1x4x5x5xf32>, tensor<1x4x4x4xf32>, tensor<1x4x3x3xf32>, tensor<1x4x8x8xf32>) {
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x2x2xf32>) -> tensor<1x4x7x7xf32>
  %1 = tessera.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x2x2xf32>) -> tensor<1x4x5x5xf32>
  %2 = tessera.conv %x, %g {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<4x2x2x2xf32>) -> tensor<1x4x4x4xf32>
  %3 = tessera.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x2x2xf32>) -> tensor<1x4x3x3xf32>
  %4 = tessera.conv %x, %p {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  return %0, %1, %2, %3, %4 : tensor<1x4x7x7xf32>, tensor<1x4x5x5xf32>, tensor<1x4x4x4xf32>, tensor<1x4x3x3xf32>, tensor<1x4x8x8xf32>
}

// -----

// An imported int8 layer (tessera.qlinear, e.g. ONNX Runtime's dynamic
// MatMuls) takes the same epilogue: bias, activation, residual. Its mode
// and input quantization attributes are kept.
// CHECK-LABEL: func @qlinear_epilogue
// CHECK: %[[Q:.*]] = tessera.qlinear %arg0, %arg1, %arg2 bias %arg3 residual %arg0 {activation = "silu", input_scale = 2.000000e-02 : f32, input_zero_point = 128 : i64, mode = "static"}
// CHECK-NEXT: return %[[Q]]
func.func @qlinear_epilogue(%x: tensor<4x8xf32>, %q: tensor<8x8xi8>, %s: tensor<8x1xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %y = tessera.qlinear %x, %q, %s {mode = "static", input_scale = 0.02 : f32, input_zero_point = 128 : i64} : (tensor<4x8xf32>, tensor<8x8xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  %a = tessera.add %y, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %g = tessera.silu %a : tensor<4x8xf32>
  %r = tessera.add %g, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// Near misses: a qlinear whose result has another use keeps its add; one
// that already has a residual takes no activation.
// CHECK-LABEL: func @qlinear_near_misses
// CHECK: %[[Q1:.*]] = tessera.qlinear %arg0, %arg1, %arg2 {mode = "dynamic_tensor"}
// CHECK: tessera.add %[[Q1]], %arg3
// CHECK: %[[Q2:.*]] = tessera.qlinear %arg0, %arg1, %arg2 residual %arg0 {mode = "dynamic"}
// CHECK: tessera.relu %[[Q2]]
func.func @qlinear_near_misses(%x: tensor<4x8xf32>, %q: tensor<8x8xi8>, %s: tensor<8x1xf32>, %b: tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %y = tessera.qlinear %x, %q, %s {mode = "dynamic_tensor"} : (tensor<4x8xf32>, tensor<8x8xi8>, tensor<8x1xf32>) -> tensor<4x8xf32>
  %a = tessera.add %y, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %z = tessera.qlinear %x, %q, %s residual %x {mode = "dynamic"} : (tensor<4x8xf32>, tensor<8x8xi8>, tensor<8x1xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %r = tessera.relu %z : tensor<4x8xf32>
  return %y, %a, %r : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// torch's attention output projection: the linear on the [S*B, E] rows, the
// result viewed as [S, B, E] for the residual add. The residual is viewed as
// rows instead and taken by the epilogue; the view moves after the linear.
// CHECK-LABEL: func @residual_through_reshape
// CHECK-SAME: %[[X:[^:]*]]: tensor<6x8xf32>, %[[W:[^:]*]]: tensor<8x8xf32>, %[[B:[^:]*]]: tensor<8xf32>, %[[R:[^:]*]]: tensor<3x2x8xf32>
// CHECK: %[[RR:.*]] = tessera.reshape %[[R]] : tensor<3x2x8xf32> to tensor<6x8xf32>
// CHECK: %[[L:.*]] = tessera.linear %[[X]], %[[W]] bias %[[B]] residual %[[RR]] {transpose_weight = true} : (tensor<6x8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<6x8xf32>) -> tensor<6x8xf32>
// CHECK: %[[Y:.*]] = tessera.reshape %[[L]] : tensor<6x8xf32> to tensor<3x2x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @residual_through_reshape(%x: tensor<6x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>, %r: tensor<3x2x8xf32>) -> tensor<3x2x8xf32> {
  %l = tessera.linear %x, %w bias %b {transpose_weight = true} : (tensor<6x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<6x8xf32>
  %v = tessera.reshape %l : tensor<6x8xf32> to tensor<3x2x8xf32>
  %y = tessera.add %v, %r : (tensor<3x2x8xf32>, tensor<3x2x8xf32>) -> tensor<3x2x8xf32>
  return %y : tensor<3x2x8xf32>
}

// -----

// Near misses: a reshape that regroups the rows' width (rows of 8 viewed
// as rows of 4), and a reshaped linear that something else also reads.
// CHECK-LABEL: func @residual_reshape_kept
// CHECK: %[[L1:.*]] = tessera.linear %arg0, %arg1 :
// CHECK: %[[V1:.*]] = tessera.reshape %[[L1]] : tensor<6x8xf32> to tensor<12x4xf32>
// CHECK: tessera.add %[[V1]], %arg2
// CHECK: %[[L2:.*]] = tessera.linear %arg0, %arg1 :
// CHECK: %[[V2:.*]] = tessera.reshape %[[L2]] : tensor<6x8xf32> to tensor<3x2x8xf32>
// CHECK: tessera.add %[[V2]], %arg3
// CHECK: return
func.func @residual_reshape_kept(%x: tensor<6x8xf32>, %w: tensor<8x8xf32>, %r: tensor<12x4xf32>, %s: tensor<3x2x8xf32>) -> (tensor<12x4xf32>, tensor<3x2x8xf32>, tensor<3x2x8xf32>) {
  %l = tessera.linear %x, %w : (tensor<6x8xf32>, tensor<8x8xf32>) -> tensor<6x8xf32>
  %v = tessera.reshape %l : tensor<6x8xf32> to tensor<12x4xf32>
  %y = tessera.add %v, %r : (tensor<12x4xf32>, tensor<12x4xf32>) -> tensor<12x4xf32>
  %l2 = tessera.linear %x, %w : (tensor<6x8xf32>, tensor<8x8xf32>) -> tensor<6x8xf32>
  %v2 = tessera.reshape %l2 : tensor<6x8xf32> to tensor<3x2x8xf32>
  %z = tessera.add %v2, %s : (tensor<3x2x8xf32>, tensor<3x2x8xf32>) -> tensor<3x2x8xf32>
  return %y, %z, %v2 : tensor<12x4xf32>, tensor<3x2x8xf32>, tensor<3x2x8xf32>
}
