// RUN: tessera-opt %s -split-input-file -tessera-quantize="mode=int8-static input-ranges=-1,3,0.5,2" | FileCheck %s
// RUN: tessera-opt %s -split-input-file -tessera-quantize="mode=int8-static tag-only" | FileCheck %s --check-prefix=TAG
// RUN: tessera-opt %s -split-input-file -tessera-quantize="mode=int8-static input-ranges=0,0,0,0" | FileCheck %s --check-prefix=ZERO
// int8-static: the weights as for int8 (per channel, symmetric), the
// activations at one scale and zero point per layer from the range of its
// input (input-ranges, lo,hi per layer in layer order), widened to hold 0:
// s = (hi - lo) / 255, zp = clamp(round(-lo / s), 0, 255).

// Layer 0: [-1, 3] -> s = 4/255, zp = round(63.75) = 64. Layer 1: [0.5, 2]
// widened to [0, 2] -> s = 2/255, zp = 0.
// CHECK-LABEL: func @two_layers
// CHECK: %[[Y:.*]] = tessera.qlinear %arg0, %{{.*}}, %{{.*}} {activation = "gelu", input_scale = 0.0156862754 : f32, input_zero_point = 64 : i64, mode = "static", tessera.qlayer = 0 : i64} : (tensor<3x4xf32>, tensor<2x4xi8>, tensor<2x1xf32>) -> tensor<3x2xf32>
// CHECK: tessera.qlinear %[[Y]], %{{.*}}, %{{.*}} {input_scale = 0.00784313772 : f32, input_zero_point = 0 : i64, mode = "static", tessera.qlayer = 1 : i64}
// CHECK-NOT: tessera.linear
// ZERO-LABEL: func @two_layers
// TAG-LABEL: func @two_layers
// TAG: tessera.linear %arg0, %{{.*}} {activation = "gelu", tessera.qlayer = 0 : i64}
// TAG: tessera.linear %{{.*}}, %{{.*}} {tessera.qlayer = 1 : i64}
// TAG-NOT: qlinear
func.func @two_layers(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = tessera.constant dense<[[1.0, 0.1], [-0.5, 0.2], [0.25, -0.3], [2.0, 0.4]]> : tensor<4x2xf32>
  %w2 = tessera.constant dense<[[1.0, 0.5], [-1.0, 0.25]]> : tensor<2x2xf32>
  %0 = tessera.linear %x, %w {activation = "gelu"} : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  %1 = tessera.linear %0, %w2 : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// -----

// A weight that is an activation is left alone and takes no range: the two
// ranges go to the two constant-weight layers around it. Inputs that were 0
// throughout (ZERO) still get a valid scale: 1, zero point 0.
// CHECK-LABEL: func @skips_activation_weight
// CHECK: tessera.qlinear %arg0, {{.*}}input_zero_point = 64 : i64, mode = "static", tessera.qlayer = 0 : i64
// CHECK: tessera.linear %{{.*}}, %{{.*}} {transpose_weight = true}
// CHECK: tessera.qlinear {{.*}}input_zero_point = 0 : i64, mode = "static", tessera.qlayer = 1 : i64
// ZERO-LABEL: func @skips_activation_weight
// ZERO: tessera.qlinear %arg0, {{.*}}input_scale = 1.000000e+00 : f32, input_zero_point = 0 : i64
// ZERO: tessera.qlinear {{.*}}input_scale = 1.000000e+00 : f32, input_zero_point = 0 : i64
// TAG-LABEL: func @skips_activation_weight
// TAG: tessera.linear %arg0, %{{.*}} {tessera.qlayer = 0 : i64}
// TAG: tessera.linear %{{.*}}, %{{.*}} {transpose_weight = true}
// TAG: tessera.linear %{{.*}}, %{{.*}} {tessera.qlayer = 1 : i64}
func.func @skips_activation_weight(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %w = tessera.constant dense<0.5> : tensor<4x4xf32>
  %0 = tessera.linear %x, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %1 = tessera.linear %0, %0 {transpose_weight = true} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %2 = tessera.linear %1, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %2 : tensor<4x4xf32>
}
