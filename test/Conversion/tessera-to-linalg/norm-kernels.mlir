// RUN: tessera-opt %s --convert-tessera-to-linalg=norm-kernels -split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-decompose-fused --convert-tessera-to-linalg -split-input-file | FileCheck %s --check-prefix=LINALG

// norm-kernels (the CPU with its fused kernels, and --target=cuda): an f32
// layer norm becomes a call of the row kernel on its rows [R, C] (leading and normalized dimensions
// collapsed), the scale and bias as [C], epsilon and flags 1 (a bias), the
// result expanded back. Without the option, the linalg reductions.
// CHECK-LABEL: func.func @layer_norm(
// CHECK: %[[X:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<2x4x8xf32> into tensor<8x8xf32>
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<8x8xf32>
// CHECK: %[[Y:.*]] = tessera.call_kernel "tessera_layer_norm_f32" ins(%[[X]], %arg1, %arg2 : tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>) outs(%[[INIT]] : tensor<8x8xf32>) {scalars = [9.99999974E-6 : f32, 1]}
// CHECK: tensor.expand_shape %[[Y]] {{\[\[}}0, 1], [2]] output_shape [2, 4, 8] : tensor<8x8xf32> into tensor<2x4x8xf32>
// CHECK-NOT: linalg.generic
// LINALG-LABEL: func.func @layer_norm(
// LINALG-NOT: tessera.call_kernel
// LINALG: linalg.generic
func.func @layer_norm(%x: tensor<2x4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<2x4x8xf32> {
  %0 = tessera.layer_norm %x, %g, %b {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// Over two dimensions, no bias (flags 0, the scale stands in for it); a
// rank-2 input needs no reshapes.
// CHECK-LABEL: func.func @two_dims_and_rank2(
// CHECK: %[[X:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0], [1, 2]] : tensor<3x4x6xf32> into tensor<3x24xf32>
// CHECK: %[[G:.*]] = tensor.collapse_shape %arg1 {{\[\[}}0, 1]] : tensor<4x6xf32> into tensor<24xf32>
// CHECK: tessera.call_kernel "tessera_layer_norm_f32" ins(%[[X]], %[[G]], %[[G]] : {{.*}}) {scalars = [{{.*}} : f32, 0]}
// CHECK: tensor.expand_shape
// CHECK: %[[R:.*]] = tessera.call_kernel "tessera_rms_norm_f32" ins(%arg2, %arg3, %arg3 : tensor<5x33xf32>, tensor<33xf32>, tensor<33xf32>) outs(%{{.*}} : tensor<5x33xf32>) {scalars = [9.99999997E-7 : f32, 0]}
// CHECK: return %{{.*}}, %[[R]]
func.func @two_dims_and_rank2(%x: tensor<3x4x6xf32>, %g: tensor<4x6xf32>, %y: tensor<5x33xf32>, %h: tensor<33xf32>) -> (tensor<3x4x6xf32>, tensor<5x33xf32>) {
  %0 = tessera.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<3x4x6xf32>, tensor<4x6xf32>) -> tensor<3x4x6xf32>
  %1 = tessera.rms_norm %y, %h {axis = 1 : i64, epsilon = 1.0e-06 : f32} : (tensor<5x33xf32>, tensor<33xf32>) -> tensor<5x33xf32>
  return %0, %1 : tensor<3x4x6xf32>, tensor<5x33xf32>
}

// -----

// Near misses, the linalg reductions: a scale broadcast over a normalized
// dimension, the whole tensor normalized (axis 0), f64.
// CHECK-LABEL: func.func @near_misses(
// CHECK-NOT: tessera.call_kernel
// CHECK: linalg.generic
func.func @near_misses(%x: tensor<2x3x4x5xf32>, %g: tensor<1x5xf32>, %y: tensor<4x8xf32>, %h: tensor<4x8xf32>, %z: tensor<2x8xf64>, %k: tensor<8xf64>) -> (tensor<2x3x4x5xf32>, tensor<4x8xf32>, tensor<2x8xf64>) {
  %0 = tessera.layer_norm %x, %g {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x3x4x5xf32>, tensor<1x5xf32>) -> tensor<2x3x4x5xf32>
  %1 = tessera.layer_norm %y, %h {axis = 0 : i64, epsilon = 1.0e-05 : f32} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = tessera.layer_norm %z, %k {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x8xf64>, tensor<8xf64>) -> tensor<2x8xf64>
  return %0, %1, %2 : tensor<2x3x4x5xf32>, tensor<4x8xf32>, tensor<2x8xf64>
}
