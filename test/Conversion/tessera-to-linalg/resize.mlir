// RUN: tessera-opt %s --convert-tessera-to-linalg -split-input-file | FileCheck %s
// The resized dims' index math runs at compile time: per output index, the
// input indices read and their weights are constant tables the generics
// read along that dim. Linear and cubic f32 resizes run one dim at a time.

// Nearest: unchanged dims use the loop index; the resized one reads its
// index table (asymmetric + floor: 0, 0, 1, 1, ...) and extracts.
// CHECK-LABEL: func @nearest
// CHECK-SAME: %[[X:.+]]: tensor<1x2x4xf32>
// CHECK: %[[T:.+]] = arith.constant dense<[0, 0, 1, 1, 2, 2, 3, 3]> : tensor<8xi64>
// CHECK: linalg.generic {{.*}} ins(%[[T]] : tensor<8xi64>) outs(%{{.+}} : tensor<1x2x8xf32>)
// CHECK: ^bb0(%[[IN:.+]]: i64, %{{.+}}: f32):
// CHECK: %[[D0:.+]] = linalg.index 0
// CHECK: %[[D1:.+]] = linalg.index 1
// CHECK: %[[I:.+]] = arith.index_cast %[[IN]] : i64 to index
// CHECK: tensor.extract %[[X]][%[[D0]], %[[D1]], %[[I]]]
// CHECK-NOT: linalg.generic
func.func @nearest(%x: tensor<1x2x4xf32>) -> tensor<1x2x8xf32> {
  %0 = tessera.resize %x {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor", scales = array<f64: 1.0, 1.0, 2.0>} : tensor<1x2x4xf32> to tensor<1x2x8xf32>
  return %0 : tensor<1x2x8xf32>
}

// -----

// Bilinear: the rows first (innermost, two taps per output column: 0.75 and
// 0.25 of columns 0 and 1 at half-pixel offsets), then the columns of that,
// two whole rows blended per output row.
// CHECK-LABEL: func @bilinear
// CHECK-SAME: %[[X:.+]]: tensor<1x1x2x2xf32>
// CHECK: arith.constant dense<[0, 0, 0, 1]> : tensor<4xi64>
// CHECK: arith.constant dense<[0, 1, 1, 1]> : tensor<4xi64>
// CHECK: arith.constant dense<[2.500000e-01, 7.500000e-01, 2.500000e-01, 7.500000e-01]> : tensor<4xf32>
// CHECK: arith.constant dense<[7.500000e-01, 2.500000e-01, 7.500000e-01, 2.500000e-01]> : tensor<4xf32>
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[COL:.+]], #[[COL]], #[[COL]], #[[COL]], {{.+}}]
// CHECK: %[[D0:.+]] = linalg.index 0
// CHECK: %[[D1:.+]] = linalg.index 1
// CHECK: %[[D2:.+]] = linalg.index 2
// CHECK-COUNT-2: tensor.extract %[[X]][%[[D0]], %[[D1]], %[[D2]], %{{.+}}]
// CHECK: -> tensor<1x1x2x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ROW:.+]], #[[ROW]], #[[ROW]], #[[ROW]], {{.+}}]
// CHECK: %[[E0:.+]] = linalg.index 0
// CHECK: %[[E1:.+]] = linalg.index 1
// CHECK: linalg.index 2
// CHECK: %[[E3:.+]] = linalg.index 3
// CHECK-COUNT-2: tensor.extract %[[R]][%[[E0]], %[[E1]], %{{.+}}, %[[E3]]]
// CHECK: -> tensor<1x1x4x4xf32>
func.func @bilinear(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %0 = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x1x2x2xf32> to tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// Cubic over two dims: four clamped taps per dim (floor(x) - 1 .. + 2),
// their weights from the fraction; one dim at a time, four reads each.
// CHECK-LABEL: func @bicubic
// CHECK: arith.constant dense<[0, 0, 0, 0, 0, 1, 1, 2]> : tensor<8xi64>
// CHECK: arith.constant dense<[1, 2, 2, 3, 3, 3, 3, 3]> : tensor<8xi64>
// CHECK: arith.constant dense<[-0.03515625, -0.10546875, {{.*}}]> : tensor<8xf32>
// CHECK: linalg.generic
// CHECK-COUNT-4: tensor.extract
// CHECK-NOT: tensor.extract
// CHECK: -> tensor<1x1x4x8xf32>
// CHECK: linalg.generic
// CHECK-COUNT-4: tensor.extract
// CHECK-NOT: tensor.extract
// CHECK: -> tensor<1x1x8x8xf32>
func.func @bicubic(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32> {
  %0 = tessera.resize %x {mode = "cubic", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x1x4x4xf32> to tensor<1x1x8x8xf32>
  return %0 : tensor<1x1x8x8xf32>
}

// -----

// exclude_outside: the weight of a tap outside [0, in) is zero and the
// others renormalized (output 0 reads tap -1, weight 0; the rest sum to 1).
// CHECK-LABEL: func @cubic_exclude_outside
// CHECK: arith.constant dense<[0.000000e+00, -6.250000e-02, -0.0109409187]> : tensor<3xf32>
// CHECK: arith.constant dense<[0.886214435, 5.625000e-01, 0.124726474]> : tensor<3xf32>
// CHECK: arith.constant dense<[0.124726474, 5.625000e-01, 0.886214435]> : tensor<3xf32>
// CHECK: arith.constant dense<[-0.0109409187, -6.250000e-02, 0.000000e+00]> : tensor<3xf32>
// CHECK: linalg.generic
// CHECK-COUNT-4: tensor.extract
// CHECK-NOT: tensor.extract
func.func @cubic_exclude_outside(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %0 = tessera.resize %x {mode = "cubic", coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -0.5, exclude_outside = true, scales = array<f64: 1.0, 0.75>} : tensor<1x4xf32> to tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// tf_crop_and_resize: where the coordinate falls outside [0, in - 1] (a
// table of flags) the result is the extrapolation value; the f64 weights
// round to f32 in the generic, as a multi-dim gather does.
// CHECK-LABEL: func @crop
// CHECK: arith.constant dense<[5.000000e-01, 1.000000e+00, 5.000000e-01]> : tensor<3xf64>
// CHECK: arith.constant dense<[false, false, true]> : tensor<3xi1>
// CHECK: linalg.generic
// CHECK: ^bb0({{.*}}%[[OUT:.+]]: i1, %{{.+}}: f32):
// CHECK: arith.truncf %{{.+}} : f64 to f32
// CHECK: %[[E:.+]] = arith.constant 1.000000e+01 : f32
// CHECK: arith.select %[[OUT]], %[[E]], %{{.+}} : f32
// CHECK: linalg.yield
func.func @crop(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %0 = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f64: 0.0, 0.5, 1.0, 1.5>, extrapolation_value = 10.0, scales = array<f64: 1.0, 0.75>} : tensor<1x4xf32> to tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// The most shrinking dim first: rows halved (pairs of rows, 0.5 each) before
// columns doubled, so the intermediate is [1, 1, 4, 2].
// CHECK-LABEL: func @order
// CHECK: arith.constant dense<[0, 2, 4, 6]> : tensor<4xi64>
// CHECK: arith.constant dense<[1, 3, 5, 7]> : tensor<4xi64>
// CHECK: linalg.generic
// CHECK: -> tensor<1x1x4x2xf32>
// CHECK: linalg.generic
// CHECK: -> tensor<1x1x4x4xf32>
func.func @order(%x: tensor<1x1x8x2xf32>) -> tensor<1x1x4x4xf32> {
  %0 = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 0.5, 2.0>} : tensor<1x1x8x2xf32> to tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// f16 (near miss of the separable form): one generic over every corner, the
// weights multiplied in f64 and rounded once to f16.
// CHECK-LABEL: func @half
// CHECK: linalg.generic
// CHECK: arith.mulf %{{.+}}, %{{.+}} : f64
// CHECK: arith.truncf %{{.+}} : f64 to f16
// CHECK-COUNT-3: tensor.extract
// CHECK-NOT: linalg.generic
func.func @half(%x: tensor<1x1x2x2xf16>) -> tensor<1x1x4x4xf16> {
  %0 = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x1x2x2xf16> to tensor<1x1x4x4xf16>
  return %0 : tensor<1x1x4x4xf16>
}

// -----

// tf_half_pixel_for_nn moves indices by half a pixel, but a dim that keeps
// its size at scale 1 (the batch, the channels) keeps its indices, as in
// ONNX Runtime: one table, for the resized dim ((x + 0.5) / 2, ceil).
// CHECK-LABEL: func @tf_half_pixel_batch
// CHECK-SAME: %[[X:.+]]: tensor<2x3x4xf32>
// CHECK: %[[T:.+]] = arith.constant dense<[1, 1, 2, 2, 3, 3, 3, 3]> : tensor<8xi64>
// CHECK: linalg.generic {{.*}} ins(%[[T]] : tensor<8xi64>)
// CHECK: %[[D0:.+]] = linalg.index 0
// CHECK: %[[D1:.+]] = linalg.index 1
// CHECK: %[[I:.+]] = arith.index_cast
// CHECK: tensor.extract %[[X]][%[[D0]], %[[D1]], %[[I]]]
func.func @tf_half_pixel_batch(%x: tensor<2x3x4xf32>) -> tensor<2x3x8xf32> {
  %0 = tessera.resize %x {mode = "nearest", coordinate_transformation_mode = "tf_half_pixel_for_nn", nearest_mode = "ceil", scales = array<f64: 1.0, 1.0, 2.0>} : tensor<2x3x4xf32> to tensor<2x3x8xf32>
  return %0 : tensor<2x3x8xf32>
}
