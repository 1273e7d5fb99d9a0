// RUN: tessera-opt %s -split-input-file -tessera-decompose-fused | FileCheck %s
// RUN: tessera-opt %s -split-input-file -tessera-decompose-fused=keep-kernels | FileCheck %s --check-prefix=KEEP
// RUN: tessera-opt %s -split-input-file -tessera-decompose-fused=keep-gpu-linear | FileCheck %s --check-prefix=GPU
// RUN: tessera-opt %s -split-input-file -tessera-decompose-fused=keep-gpu-kernels | FileCheck %s --check-prefix=GPUK
// The reference decomposition of every fused op into primitive ops; with
// keep-kernels, f32 attention stays (its mask made additive and rank 4).

// CHECK-LABEL: func @attention_gqa_causal
// CHECK-DAG: %[[TRI:.*]] = tessera.constant dense<{{\[\[}}0.000000e+00, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000]
// CHECK: tessera.broadcast_to %{{.*}} : tensor<1x2x1x5x8xf32> to tensor<1x2x2x5x8xf32>
// CHECK: tessera.transpose %{{.*}} {perm = array<i64: 0, 1, 3, 2>} : tensor<1x4x5x8xf32> to tensor<1x4x8x5xf32>
// CHECK: tessera.matmul %arg0, %{{.*}} : (tensor<1x4x3x8xf32>, tensor<1x4x8x5xf32>) -> tensor<1x4x3x5xf32>
// CHECK: tessera.mul
// CHECK: tessera.where %arg2, %{{.*}}, %{{.*}} : (tensor<3x5xi1>, tensor<1x4x3x5xf32>, tensor<f32>) -> tensor<1x4x3x5xf32>
// CHECK: tessera.add %{{.*}}, %[[TRI]] : (tensor<1x4x3x5xf32>, tensor<3x5xf32>) -> tensor<1x4x3x5xf32>
// CHECK: tessera.softmax %{{.*}} {axis = 3 : i64}
// CHECK: tessera.matmul %{{.*}}, %{{.*}} : (tensor<1x4x3x5xf32>, tensor<1x4x5x8xf32>) -> tensor<1x4x3x8xf32>
// CHECK-NOT: tessera.attention
// KEEP-LABEL: func @attention_gqa_causal
// KEEP: %[[W:.*]] = tessera.where %arg2, %{{.*}}, %{{.*}} : (tensor<3x5xi1>, tensor<f32>, tensor<f32>) -> tensor<3x5xf32>
// KEEP: %[[M:.*]] = tessera.reshape %[[W]] : tensor<3x5xf32> to tensor<1x1x3x5xf32>
// KEEP: tessera.attention %arg0, %arg1, %arg1, %[[M]] {causal = true, mask_kind = "additive"
func.func @attention_gqa_causal(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x5x8xf32>, %keep: tensor<3x5xi1>) -> tensor<1x4x3x8xf32> {
  %0 = tessera.attention %q, %k, %k, %keep {scale = 0.5 : f64, causal = true, mask_kind = "boolean"} : (tensor<1x4x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<3x5xi1>) -> tensor<1x4x3x8xf32>
  return %0 : tensor<1x4x3x8xf32>
}

// -----

// CHECK-LABEL: func @norm_rotary_glu_gelu
// CHECK: tessera.reduce_mean %{{.*}} {axes = array<i64: 1>} : tensor<2x8xf32> to tensor<2x1xf32>
// CHECK: tessera.rsqrt
// CHECK: tessera.slice %{{.*}} {starts = array<i64: 0, 4>
// CHECK: tessera.neg
// CHECK: tessera.concat
// CHECK: tessera.sigmoid
// CHECK: tessera.tanh
// CHECK-NOT: tessera.rms_norm
// CHECK-NOT: tessera.rotary
// CHECK-NOT: tessera.glu
// CHECK-NOT: tessera.gelu_tanh
func.func @norm_rotary_glu_gelu(%x: tensor<2x8xf32>, %g: tensor<8xf32>) -> (tensor<2x4xf32>, tensor<2x8xf32>) {
  %0 = tessera.rms_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-06 : f32} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %1 = tessera.rotary %0, %x, %x : (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %2 = tessera.glu %1 {activation = "sigmoid"} : (tensor<2x8xf32>) -> tensor<2x4xf32>
  %3 = tessera.gelu_tanh %1 : tensor<2x8xf32>
  return %2, %3 : tensor<2x4xf32>, tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func @linear
// CHECK: %[[WT:.*]] = tessera.transpose %arg1 {perm = array<i64: 1, 0>} : tensor<6x4xf32> to tensor<4x6xf32>
// CHECK: %[[M:.*]] = tessera.matmul %arg0, %[[WT]] : (tensor<3x4xf32>, tensor<4x6xf32>) -> tensor<3x6xf32>
// CHECK: %[[B:.*]] = tessera.add %[[M]], %arg2
// CHECK: %[[A:.*]] = tessera.silu %[[B]]
// CHECK: tessera.add %[[A]], %arg3
func.func @linear(%x: tensor<3x4xf32>, %w: tensor<6x4xf32>, %b: tensor<6xf32>, %r: tensor<3x6xf32>) -> tensor<3x6xf32> {
  %0 = tessera.linear %x, %w bias %b residual %r {transpose_weight = true, activation = "silu"} : (tensor<3x4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<3x6xf32>) -> tensor<3x6xf32>
  return %0 : tensor<3x6xf32>
}

// -----

// Dynamic int8 qlinear: the dequantized weight scale ⊙ q (one group), and
// per row the activations quantized to 0..255 around a zero point and back.
// The runtime kernel stays with keep-kernels.
// CHECK-LABEL: func @qlinear_dynamic
// CHECK: %[[QF:.*]] = tessera.cast %arg1 : tensor<2x4xi8> to tensor<2x4xf32>
// CHECK: %[[W:.*]] = tessera.mul %{{.*}}, %{{.*}} : (tensor<2x1x4xf32>, tensor<2x1x1xf32>) -> tensor<2x1x4xf32>
// CHECK: %[[MN0:.*]] = tessera.reduce_min %arg0 {axes = array<i64: 1>} : tensor<3x4xf32> to tensor<3x1xf32>
// CHECK: %[[MN:.*]] = tessera.min %[[MN0]]
// CHECK: %[[MX0:.*]] = tessera.reduce_max %arg0 {axes = array<i64: 1>} : tensor<3x4xf32> to tensor<3x1xf32>
// CHECK: %[[MX:.*]] = tessera.max %[[MX0]]
// CHECK: %[[RANGE:.*]] = tessera.sub %[[MX]], %[[MN]]
// CHECK: %[[POS:.*]] = tessera.greater %[[RANGE]]
// CHECK: %[[INV:.*]] = tessera.where %[[POS]]
// CHECK: %[[S:.*]] = tessera.where %[[POS]]
// CHECK: %[[NEG:.*]] = tessera.neg %[[MN]]
// CHECK: %[[ZP0:.*]] = tessera.mul %[[NEG]], %[[INV]]
// CHECK: %[[ZP1:.*]] = tessera.round %[[ZP0]]
// CHECK: %[[ZP:.*]] = tessera.clamp %[[ZP1]] {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64}
// CHECK: %[[XS:.*]] = tessera.mul %arg0, %[[INV]]
// CHECK: %[[XR:.*]] = tessera.round %[[XS]]
// CHECK: %[[XZ:.*]] = tessera.add %[[XR]], %[[ZP]]
// CHECK: %[[XQ:.*]] = tessera.clamp %[[XZ]] {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64}
// CHECK: %[[XC:.*]] = tessera.sub %[[XQ]], %[[ZP]]
// CHECK: %[[X:.*]] = tessera.mul %[[XC]], %[[S]]
// CHECK: tessera.matmul %[[X]], %{{.*}} : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
// CHECK: tessera.relu
// KEEP-LABEL: func @qlinear_dynamic
// KEEP: tessera.qlinear
func.func @qlinear_dynamic(%x: tensor<3x4xf32>, %q: tensor<2x4xi8>, %s: tensor<2x1xf32>) -> tensor<3x2xf32> {
  %0 = tessera.qlinear %x, %q, %s {mode = "dynamic", activation = "relu"} : (tensor<3x4xf32>, tensor<2x4xi8>, tensor<2x1xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Static int8: the activations divided by the fixed scale, rounded, offset
// by the zero point, clamped to 0..255 and back.
// CHECK-LABEL: func @qlinear_static
// CHECK-DAG: %[[S:.*]] = tessera.constant dense<2.500000e-01> : tensor<f32>
// CHECK-DAG: %[[ZP:.*]] = tessera.constant dense<1.280000e+02> : tensor<f32>
// CHECK: %[[XS:.*]] = tessera.div %arg0, %[[S]]
// CHECK: %[[XR:.*]] = tessera.round %[[XS]]
// CHECK: %[[XZ:.*]] = tessera.add %[[XR]], %[[ZP]]
// CHECK: %[[XQ:.*]] = tessera.clamp %[[XZ]] {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64}
// CHECK: %[[XC:.*]] = tessera.sub %[[XQ]], %[[ZP]]
// CHECK: %[[X:.*]] = tessera.mul %[[XC]], %[[S]]
// CHECK: tessera.matmul %[[X]], %{{.*}} : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
// KEEP-LABEL: func @qlinear_static
// KEEP: tessera.qlinear
func.func @qlinear_static(%x: tensor<3x4xf32>, %q: tensor<2x4xi8>, %s: tensor<2x1xf32>) -> tensor<3x2xf32> {
  %0 = tessera.qlinear %x, %q, %s {mode = "static", input_scale = 0.25 : f32, input_zero_point = 128 : i64} : (tensor<3x4xf32>, tensor<2x4xi8>, tensor<2x1xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// qconv: the input channels-last, zero-padded, one strided window per kernel
// offset (r, t) in row-major order, stacked into patches [N, OH, OW,
// KH*KW*C] and a static qlinear on them (itself decomposed in turn).
// CHECK-LABEL: func @qconv
// CHECK: %[[T:.*]] = tessera.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>} : tensor<1x2x4x4xf32> to tensor<1x4x4x2xf32>
// CHECK: %[[P:.*]] = tessera.pad %[[T]] {pads = array<i64: 0, 1, 0, 0, 0, 1, 0, 0>} : tensor<1x4x4x2xf32> to tensor<1x6x4x2xf32>
// CHECK: tessera.slice %[[P]] {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 2, 1, 1>}
// CHECK: tessera.slice %[[P]] {starts = array<i64: 0, 0, 1, 0>, steps = array<i64: 1, 2, 1, 1>}
// CHECK: tessera.slice %[[P]] {starts = array<i64: 0, 1, 0, 0>, steps = array<i64: 1, 2, 1, 1>}
// CHECK: tessera.slice %[[P]] {starts = array<i64: 0, 1, 1, 0>, steps = array<i64: 1, 2, 1, 1>}
// CHECK: tessera.concat {{.*}} {axis = 3 : i64} : ({{.*}}) -> tensor<1x3x3x4x2xf32>
// CHECK: tessera.reshape %{{.*}} : tensor<1x3x3x4x2xf32> to tensor<1x3x3x8xf32>
// CHECK-NOT: tessera.qconv
// CHECK-NOT: tessera.qlinear
// KEEP-LABEL: func @qconv
// KEEP: tessera.qconv
func.func @qconv(%x: tensor<1x2x4x4xf32>, %q: tensor<3x8xi8>, %s: tensor<3x1xf32>, %b: tensor<3xf32>) -> tensor<1x3x3x3xf32> {
  %0 = tessera.qconv %x, %q, %s bias %b {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 1>, pads = array<i64: 1, 0, 1, 0>, dilations = array<i64: 1, 1>, input_scale = 0.1 : f32, input_zero_point = 125 : i64} : (tensor<1x2x4x4xf32>, tensor<3x8xi8>, tensor<3x1xf32>, tensor<3xf32>) -> tensor<1x3x3x3xf32>
  return %0 : tensor<1x3x3x3xf32>
}

// -----

// dynamic_tensor: one scale s = (max(0, max x) - min(0, min x)) / 255 (1 when
// 0) and zero point round(-min / s) from all of x, then the static form's
// division.
// CHECK-LABEL: func @qlinear_dynamic_tensor
// CHECK: %[[MN0:.*]] = tessera.reduce_min %arg0 {axes = array<i64: 0, 1>, keepdims = false} : tensor<3x4xf32> to tensor<f32>
// CHECK: %[[MN:.*]] = tessera.min %[[MN0]]
// CHECK: %[[MX0:.*]] = tessera.reduce_max %arg0 {axes = array<i64: 0, 1>, keepdims = false} : tensor<3x4xf32> to tensor<f32>
// CHECK: %[[MX:.*]] = tessera.max %[[MX0]]
// CHECK: %[[RANGE:.*]] = tessera.sub %[[MX]], %[[MN]]
// CHECK: %[[POS:.*]] = tessera.greater %[[RANGE]]
// CHECK: %[[S:.*]] = tessera.where %[[POS]], %{{.*}}, %{{.*}} : (tensor<i1>, tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK: %[[NEG:.*]] = tessera.neg %[[MN]]
// CHECK: %[[ZD:.*]] = tessera.div %[[NEG]], %[[S]]
// CHECK: %[[ZR:.*]] = tessera.round %[[ZD]]
// CHECK: %[[ZP:.*]] = tessera.clamp %[[ZR]] {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<f32>
// CHECK: %[[XS:.*]] = tessera.div %arg0, %[[S]]
// CHECK: %[[XR:.*]] = tessera.round %[[XS]]
// CHECK: %[[XZ:.*]] = tessera.add %[[XR]], %[[ZP]]
// CHECK: %[[XQ:.*]] = tessera.clamp %[[XZ]] {max = 2.550000e+02 : f64, min = 0.000000e+00 : f64} : tensor<3x4xf32>
// CHECK: %[[XC:.*]] = tessera.sub %[[XQ]], %[[ZP]]
// CHECK: %[[X:.*]] = tessera.mul %[[XC]], %[[S]]
// CHECK: tessera.matmul %[[X]], %{{.*}} : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
// KEEP-LABEL: func @qlinear_dynamic_tensor
// KEEP: tessera.qlinear {{.*}} {mode = "dynamic_tensor"}
func.func @qlinear_dynamic_tensor(%x: tensor<3x4xf32>, %q: tensor<2x4xi8>, %s: tensor<2x1xf32>) -> tensor<3x2xf32> {
  %0 = tessera.qlinear %x, %q, %s {mode = "dynamic_tensor"} : (tensor<3x4xf32>, tensor<2x4xi8>, tensor<2x1xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Weight-only with groups of 2 k: q [2, 4] -> [2, 2, 2] times scale [2, 2, 1],
// the activations untouched. A 4-bit weight that is not a constant has no
// kernel (4-bit kernels take weights packed at compile time): decomposed
// even with keep-kernels, into the f32 linear layer that stays.
// CHECK-LABEL: func @qlinear_groups
// CHECK: %[[QF:.*]] = tessera.cast %arg1 : tensor<2x4xi8> to tensor<2x4xf32>
// CHECK: %[[Q3:.*]] = tessera.reshape %[[QF]] : tensor<2x4xf32> to tensor<2x2x2xf32>
// CHECK: tessera.mul %[[Q3]], %{{.*}} : (tensor<2x2x2xf32>, tensor<2x2x1xf32>) -> tensor<2x2x2xf32>
// CHECK-NOT: tessera.round
// CHECK: tessera.matmul %arg0
// KEEP-LABEL: func @qlinear_groups
// KEEP-NOT: tessera.qlinear
// KEEP: tessera.linear %arg0, %{{.*}} residual %arg3 {transpose_weight = true} : (tensor<3x4xf32>, tensor<2x4xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
func.func @qlinear_groups(%x: tensor<3x4xf32>, %q: tensor<2x4xi8>, %s: tensor<2x2xf32>, %r: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %0 = tessera.qlinear %x, %q, %s residual %r {mode = "weight_only", bits = 4 : i64} : (tensor<3x4xf32>, tensor<2x4xi8>, tensor<2x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// A linear with a token mask: the padding rows (mask entry 0) are 0.
// CHECK-LABEL: func.func @linear_token_mask
// CHECK-DAG: %[[ZF:.*]] = tessera.constant dense<0.000000e+00> : tensor<f32>
// CHECK-DAG: %[[Z:.*]] = tessera.constant dense<0> : tensor<i64>
// CHECK: %[[Y:.*]] = tessera.add
// CHECK: %[[R:.*]] = tessera.reshape %arg3 : tensor<2x5xi64> to tensor<2x5x1xi64>
// CHECK: %[[P:.*]] = tessera.equal %[[R]], %[[Z]] : (tensor<2x5x1xi64>, tensor<i64>) -> tensor<2x5x1xi1>
// CHECK: tessera.where %[[P]], %[[ZF]], %[[Y]]
// KEEP-LABEL: func.func @linear_token_mask
// KEEP: tessera.linear %arg0, %arg1 bias %arg2 token_mask %arg3
func.func @linear_token_mask(%x: tensor<2x5x12xf32>, %w: tensor<12x20xf32>, %b: tensor<20xf32>, %m: tensor<2x5xi64>) -> tensor<2x5x20xf32> {
  %0 = tessera.linear %x, %w bias %b token_mask %m : (tensor<2x5x12xf32>, tensor<12x20xf32>, tensor<20xf32>, tensor<2x5xi64>) -> tensor<2x5x20xf32>
  return %0 : tensor<2x5x20xf32>
}

// -----

// padding_queries: the rows of queries whose own key is masked are 0.
// CHECK-LABEL: func.func @attention_padding_queries
// CHECK: %[[Y:.*]] = tessera.matmul %{{.*}}, %{{.*}} : (tensor<2x1x4x4xf32>, tensor<2x1x4x8xf32>) -> tensor<2x1x4x8xf32>
// CHECK: %[[R:.*]] = tessera.reshape %arg1 : tensor<2x1x1x4xf32> to tensor<2x1x4x1xf32>
// CHECK: %[[P:.*]] = tessera.less_equal %[[R]], %{{.*}} : (tensor<2x1x4x1xf32>, tensor<f32>) -> tensor<2x1x4x1xi1>
// CHECK: tessera.where %[[P]], %{{.*}}, %[[Y]]
// KEEP-LABEL: func.func @attention_padding_queries
// KEEP: tessera.attention {{.*}}padding_queries = true
func.func @attention_padding_queries(%q: tensor<2x1x4x8xf32>, %m: tensor<2x1x1x4xf32>) -> tensor<2x1x4x8xf32> {
  %0 = tessera.attention %q, %q, %q, %m {scale = 0.35 : f64, mask_kind = "additive", padding_queries = true} : (tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x1x4xf32>) -> tensor<2x1x4x8xf32>
  return %0 : tensor<2x1x4x8xf32>
}

// -----

// keep-gpu-linear (--target=cuda): the linear ops whose epilogue cuBLASLt
// applies stay fused: bias then ReLU, the tanh GELU without a bias, a bias
// and a residual; the near misses are decomposed: the erf GELU, an
// activation with a residual, f64.
// GPU-LABEL: func.func @gpu_linear
// GPU: tessera.linear %arg0, %arg1 bias %arg2 {activation = "relu"
// GPU: tessera.linear %arg0, %arg1 {activation = "gelu_tanh"
// GPU: tessera.linear %arg0, %arg1 bias %arg2 residual %arg3
// GPU-NOT: tessera.linear
// GPU: return
// CHECK-LABEL: func.func @gpu_linear
// CHECK-NOT: tessera.linear
func.func @gpu_linear(%x: tensor<3x4xf32>, %w: tensor<4x6xf32>, %b: tensor<6xf32>, %r: tensor<3x6xf32>, %xd: tensor<3x4xf64>, %wd: tensor<4x6xf64>) -> (tensor<3x6xf32>, tensor<3x6xf32>, tensor<3x6xf32>, tensor<3x6xf32>, tensor<3x6xf32>, tensor<3x6xf64>) {
  %0 = tessera.linear %x, %w bias %b {activation = "relu"} : (tensor<3x4xf32>, tensor<4x6xf32>, tensor<6xf32>) -> tensor<3x6xf32>
  %1 = tessera.linear %x, %w {activation = "gelu_tanh"} : (tensor<3x4xf32>, tensor<4x6xf32>) -> tensor<3x6xf32>
  %2 = tessera.linear %x, %w bias %b residual %r : (tensor<3x4xf32>, tensor<4x6xf32>, tensor<6xf32>, tensor<3x6xf32>) -> tensor<3x6xf32>
  %3 = tessera.linear %x, %w bias %b {activation = "gelu"} : (tensor<3x4xf32>, tensor<4x6xf32>, tensor<6xf32>) -> tensor<3x6xf32>
  %4 = tessera.linear %x, %w bias %b residual %r {activation = "relu"} : (tensor<3x4xf32>, tensor<4x6xf32>, tensor<6xf32>, tensor<3x6xf32>) -> tensor<3x6xf32>
  %5 = tessera.linear %xd, %wd : (tensor<3x4xf64>, tensor<4x6xf64>) -> tensor<3x6xf64>
  return %0, %1, %2, %3, %4, %5 : tensor<3x6xf32>, tensor<3x6xf32>, tensor<3x6xf32>, tensor<3x6xf32>, tensor<3x6xf32>, tensor<3x6xf64>
}

// -----

// keep-gpu-kernels (--target=cuda): f32 attention (its boolean mask made
// additive and rank 4, as for the CPU kernel) and the f32 selective scan
// and an f32 RMS norm whose scale covers its rows stay for their generated
// GPU kernels; the near misses are decomposed: an f64 attention, an RMS norm
// with a broadcast scale, the causal conv1d and a linear layer
// (keep-gpu-linear's).
// GPUK-LABEL: func.func @gpu_kernels
// GPUK: %[[ADD:.*]] = tessera.where %arg2, %{{.*}}, %{{.*}} : (tensor<3x5xi1>, tensor<f32>, tensor<f32>) -> tensor<3x5xf32>
// GPUK: %[[M4:.*]] = tessera.reshape %[[ADD]] : tensor<3x5xf32> to tensor<1x1x3x5xf32>
// GPUK: tessera.attention %arg0, %arg1, %arg1, %[[M4]] {{{.*}}mask_kind = "additive"
// GPUK-NOT: tessera.attention
// GPUK: tessera.matmul {{.*}}f64
// GPUK: tessera.selective_scan
// GPUK: tessera.rms_norm %arg10, %arg11 {axis = 1
// GPUK-NOT: tessera.rms_norm
// GPUK-NOT: tessera.causal_conv1d
// GPUK-NOT: tessera.linear
// GPUK: return
// CHECK-LABEL: func.func @gpu_kernels
// CHECK-NOT: tessera.attention
// CHECK-NOT: tessera.selective_scan
// KEEP-LABEL: func.func @gpu_kernels
// KEEP: tessera.selective_scan
// KEEP: tessera.causal_conv1d
func.func @gpu_kernels(%q: tensor<1x2x3x8xf32>, %k: tensor<1x2x5x8xf32>, %keep: tensor<3x5xi1>, %qd: tensor<1x2x3x8xf64>, %x: tensor<2x5x6xf32>, %a: tensor<6x4xf32>, %b: tensor<2x5x4xf32>, %w: tensor<6x3xf32>, %xl: tensor<3x4xf32>, %wl: tensor<4x6xf32>, %xr: tensor<3x4x6xf32>, %gr: tensor<4x6xf32>, %gb: tensor<6xf32>) -> (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf64>, tensor<2x5x6xf32>, tensor<2x6x4xf32>, tensor<2x6x5xf32>, tensor<3x6xf32>, tensor<3x4x6xf32>, tensor<3x4x6xf32>) {
  %0 = tessera.attention %q, %k, %k, %keep {scale = 0.35 : f64, mask_kind = "boolean"} : (tensor<1x2x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<3x5xi1>) -> tensor<1x2x3x8xf32>
  %1 = tessera.attention %qd, %qd, %qd {scale = 0.35 : f64} : (tensor<1x2x3x8xf64>, tensor<1x2x3x8xf64>, tensor<1x2x3x8xf64>) -> tensor<1x2x3x8xf64>
  %y, %h = tessera.selective_scan %x, %x, %a, %b, %b {delta_softplus = true} : (tensor<2x5x6xf32>, tensor<2x5x6xf32>, tensor<6x4xf32>, tensor<2x5x4xf32>, tensor<2x5x4xf32>) -> (tensor<2x5x6xf32>, tensor<2x6x4xf32>)
  %xt = tessera.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<2x5x6xf32> to tensor<2x6x5xf32>
  %c = tessera.causal_conv1d %xt, %w : (tensor<2x6x5xf32>, tensor<6x3xf32>) -> tensor<2x6x5xf32>
  %l = tessera.linear %xl, %wl {activation = "relu"} : (tensor<3x4xf32>, tensor<4x6xf32>) -> tensor<3x6xf32>
  %n = tessera.rms_norm %xr, %gr {axis = 1 : i64, epsilon = 1.0e-06 : f32} : (tensor<3x4x6xf32>, tensor<4x6xf32>) -> tensor<3x4x6xf32>
  %nb = tessera.rms_norm %xr, %gb {axis = 1 : i64, epsilon = 1.0e-06 : f32} : (tensor<3x4x6xf32>, tensor<6xf32>) -> tensor<3x4x6xf32>
  return %0, %1, %y, %h, %c, %l, %n, %nb : tensor<1x2x3x8xf32>, tensor<1x2x3x8xf64>, tensor<2x5x6xf32>, tensor<2x6x4xf32>, tensor<2x6x5xf32>, tensor<3x6xf32>, tensor<3x4x6xf32>, tensor<3x4x6xf32>
}
