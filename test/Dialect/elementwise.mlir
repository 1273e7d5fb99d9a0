// RUN: tessera-opt %s -split-input-file | tessera-opt | FileCheck %s
// Round trip of the elementwise ops.

// CHECK-LABEL: func @unary
func.func @unary(%x: tensor<2x8xf32>, %i: tensor<4xi64>, %b: tensor<3xi1>) -> tensor<2x8xf32> {
  // CHECK: tessera.abs %{{.*}} : tensor<2x8xf32>
  %0 = tessera.abs %x : tensor<2x8xf32>
  // CHECK: tessera.neg
  %1 = tessera.neg %0 : tensor<2x8xf32>
  // CHECK: tessera.exp
  %2 = tessera.exp %1 : tensor<2x8xf32>
  // CHECK: tessera.log
  %3 = tessera.log %2 : tensor<2x8xf32>
  // CHECK: tessera.sqrt
  %4 = tessera.sqrt %3 : tensor<2x8xf32>
  // CHECK: tessera.rsqrt
  %5 = tessera.rsqrt %4 : tensor<2x8xf32>
  // CHECK: tessera.reciprocal
  %6 = tessera.reciprocal %5 : tensor<2x8xf32>
  // CHECK: tessera.tanh
  %7 = tessera.tanh %6 : tensor<2x8xf32>
  // CHECK: tessera.sigmoid
  %8 = tessera.sigmoid %7 : tensor<2x8xf32>
  // CHECK: tessera.relu
  %9 = tessera.relu %8 : tensor<2x8xf32>
  // CHECK: tessera.erf
  %10 = tessera.erf %9 : tensor<2x8xf32>
  // CHECK: tessera.sin
  %11 = tessera.sin %10 : tensor<2x8xf32>
  // CHECK: tessera.cos
  %12 = tessera.cos %11 : tensor<2x8xf32>
  // CHECK: tessera.softplus
  %13 = tessera.softplus %12 : tensor<2x8xf32>
  // CHECK: tessera.floor
  %14 = tessera.floor %13 : tensor<2x8xf32>
  // CHECK: tessera.ceil
  %15 = tessera.ceil %14 : tensor<2x8xf32>
  // CHECK: tessera.round
  %16 = tessera.round %15 : tensor<2x8xf32>
  // CHECK: tessera.gelu
  %17 = tessera.gelu %16 : tensor<2x8xf32>
  // CHECK: tessera.silu
  %18 = tessera.silu %17 : tensor<2x8xf32>
  // CHECK: tessera.sign
  %19 = tessera.sign %18 : tensor<2x8xf32>
  // CHECK: tessera.relu %{{.*}} : tensor<4xi64>
  %20 = tessera.relu %i : tensor<4xi64>
  // CHECK: tessera.not %{{.*}} : tensor<3xi1>
  %21 = tessera.not %b : tensor<3xi1>
  // CHECK: tessera.clamp %{{.*}} {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<2x8xf32>
  %22 = tessera.clamp %19 {min = 0.0 : f64, max = 6.0 : f64} : tensor<2x8xf32>
  return %22 : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func @binary
func.func @binary(%x: tensor<2x8xf32>, %y: tensor<8xf32>, %s: tensor<f32>) -> tensor<2x8xf32> {
  // CHECK: tessera.add %{{.*}}, %{{.*}} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %0 = tessera.add %x, %y : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  // CHECK: tessera.sub
  %1 = tessera.sub %0, %s : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  // CHECK: tessera.mul
  %2 = tessera.mul %1, %y : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  // CHECK: tessera.div
  %3 = tessera.div %2, %y : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  // CHECK: tessera.pow
  %4 = tessera.pow %3, %s : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  // CHECK: tessera.max
  %5 = tessera.max %4, %y : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  // CHECK: tessera.min
  %6 = tessera.min %5, %y : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  // CHECK: tessera.mod %{{.*}}, %{{.*}} {fmod = true}
  %7 = tessera.mod %6, %y {fmod = true} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %7 : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func @broadcast_both_ways
func.func @broadcast_both_ways(%x: tensor<4x1xf32>, %y: tensor<1x5xf32>) -> tensor<4x5xf32> {
  // CHECK: tessera.add %{{.*}}, %{{.*}} : (tensor<4x1xf32>, tensor<1x5xf32>) -> tensor<4x5xf32>
  %0 = tessera.add %x, %y : (tensor<4x1xf32>, tensor<1x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// CHECK-LABEL: func @logic
func.func @logic(%a: tensor<4xi1>, %b: tensor<4xi1>, %x: tensor<4xi64>, %y: tensor<i64>) -> tensor<4xi1> {
  // CHECK: tessera.and
  %0 = tessera.and %a, %b : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  // CHECK: tessera.or
  %1 = tessera.or %0, %b : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  // CHECK: tessera.xor
  %2 = tessera.xor %1, %a : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  // CHECK: tessera.equal %{{.*}}, %{{.*}} : (tensor<4xi64>, tensor<i64>) -> tensor<4xi1>
  %3 = tessera.equal %x, %y : (tensor<4xi64>, tensor<i64>) -> tensor<4xi1>
  // CHECK: tessera.less
  %4 = tessera.less %x, %y : (tensor<4xi64>, tensor<i64>) -> tensor<4xi1>
  // CHECK: tessera.less_equal
  %5 = tessera.less_equal %x, %y : (tensor<4xi64>, tensor<i64>) -> tensor<4xi1>
  // CHECK: tessera.greater
  %6 = tessera.greater %x, %y : (tensor<4xi64>, tensor<i64>) -> tensor<4xi1>
  // CHECK: tessera.greater_equal
  %7 = tessera.greater_equal %x, %y : (tensor<4xi64>, tensor<i64>) -> tensor<4xi1>
  %8 = tessera.and %2, %3 : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %9 = tessera.and %4, %5 : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %10 = tessera.and %6, %7 : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %11 = tessera.or %8, %9 : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %12 = tessera.or %11, %10 : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  return %12 : tensor<4xi1>
}

// -----

// CHECK-LABEL: func @where_cast
func.func @where_cast(%c: tensor<4x4xi1>, %x: tensor<4x4xf32>, %y: tensor<f32>) -> tensor<4x4xi64> {
  // CHECK: tessera.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x4xi1>, tensor<4x4xf32>, tensor<f32>) -> tensor<4x4xf32>
  %0 = tessera.where %c, %x, %y : (tensor<4x4xi1>, tensor<4x4xf32>, tensor<f32>) -> tensor<4x4xf32>
  // CHECK: tessera.cast %{{.*}} : tensor<4x4xf32> to tensor<4x4xi64>
  %1 = tessera.cast %0 : tensor<4x4xf32> to tensor<4x4xi64>
  return %1 : tensor<4x4xi64>
}

// -----

// CHECK-LABEL: func @constants
func.func @constants() -> (tensor<2xf32>, tensor<3xi64>, tensor<2xbf16>) {
  // CHECK: tessera.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
  %0 = tessera.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: tessera.constant dense_resource<blob> : tensor<3xi64>
  %1 = tessera.constant dense_resource<blob> : tensor<3xi64>
  // CHECK: tessera.constant dense<5.000000e-01> : tensor<2xbf16>
  %2 = tessera.constant dense<0.5> : tensor<2xbf16>
  return %0, %1, %2 : tensor<2xf32>, tensor<3xi64>, tensor<2xbf16>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x08000000010000000000000002000000000000000300000000000000"
    }
  }
#-}
