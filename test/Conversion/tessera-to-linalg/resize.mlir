// RUN: tessera-opt %s --convert-tessera-to-linalg -split-input-file | FileCheck %s

// Nearest: unchanged dims use the loop index; resized ones map the index
// through f64 math, round, clamp, and extract.
// CHECK-LABEL: func @nearest
// CHECK-SAME: %[[X:.+]]: tensor<1x2x4xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<1x2x8xf32>)
// CHECK: %[[D0:.+]] = linalg.index 0
// CHECK: %[[D1:.+]] = linalg.index 1
// CHECK: %[[D2:.+]] = linalg.index 2
// CHECK: arith.sitofp %{{.+}} : i64 to f64
// CHECK: arith.divf
// CHECK: math.floor
// CHECK: %[[I:.+]] = arith.index_cast %{{.+}} : i64 to index
// CHECK: tensor.extract %[[X]][%[[D0]], %[[D1]], %[[I]]]
func.func @nearest(%x: tensor<1x2x4xf32>) -> tensor<1x2x8xf32> {
  %0 = tessera.resize %x {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor", scales = array<f64: 1.0, 1.0, 2.0>} : tensor<1x2x4xf32> to tensor<1x2x8xf32>
  return %0 : tensor<1x2x8xf32>
}

// -----

// Linear over two dims blends four corners.
// CHECK-LABEL: func @bilinear
// CHECK: linalg.generic
// CHECK-COUNT-4: tensor.extract
// CHECK-NOT: tensor.extract
// CHECK: linalg.yield
func.func @bilinear(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %0 = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x1x2x2xf32> to tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}
