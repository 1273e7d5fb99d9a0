// RUN: tessera-opt %s --convert-tessera-to-linalg -split-input-file | FileCheck %s

// Depthwise f32 (group == channels, multiplier 1): one parallel generic
// summing the taps, each a strided slice of the padded input.
// CHECK-DAG: #[[BIAS:.+]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[W0:.+]] = affine_map<(d0, d1, d2) -> (d1, 0, 0)>
// CHECK-DAG: #[[W3:.+]] = affine_map<(d0, d1, d2) -> (d1, 0, 3)>
// CHECK-LABEL: func @conv1d_grouped
// CHECK: %[[P:.+]] = tensor.pad %arg0 low[0, 0, 3] high[0, 0, 0]
// CHECK: } : tensor<1x8x16xf32> to tensor<1x8x19xf32>
// CHECK: %[[INIT:.+]] = linalg.generic {indexing_maps = [#[[BIAS]], #{{.+}}]{{.*}} ins(%arg2 : tensor<8xf32>)
// CHECK: %[[S0:.+]] = tensor.extract_slice %[[P]][0, 0, 0] [1, 8, 16] [1, 1, 1] : tensor<1x8x19xf32> to tensor<1x8x16xf32>
// CHECK: %[[S3:.+]] = tensor.extract_slice %[[P]][0, 0, 3] [1, 8, 16] [1, 1, 1]
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[W0]], {{.+}}, #[[ID]], #[[W3]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[S0]], %arg1, {{.+}}, %[[S3]], %arg1 : {{.+}}) outs(%[[INIT]] : tensor<1x8x16xf32>)
// CHECK-COUNT-4: arith.mulf
// CHECK: return %[[R]]
func.func @conv1d_grouped(%x: tensor<1x8x16xf32>, %w: tensor<8x1x4xf32>, %b: tensor<8xf32>) -> tensor<1x8x16xf32> {
  %0 = tessera.conv %x, %w, %b {strides = array<i64: 1>, pads = array<i64: 3, 0>, dilations = array<i64: 1>, group = 8 : i64} : (tensor<1x8x16xf32>, tensor<8x1x4xf32>, tensor<8xf32>) -> tensor<1x8x16xf32>
  return %0 : tensor<1x8x16xf32>
}

// -----

// f32 with one group: im2col into [C*Kh*Kw, N*Oh*Ow], one matmul, transpose.
// CHECK-DAG: #[[PX:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d0, d4 * 2 + d1 * 2, d5 * 2 + d2)>
// CHECK-LABEL: func @conv2d_strided
// CHECK-NOT: tensor.pad
// CHECK: %[[PT:.+]] = linalg.generic {indexing_maps = [#[[PX]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%{{.+}} : tensor<2x3x9x9xf32>) outs(%{{.+}} : tensor<3x3x3x2x3x4xf32>)
// CHECK: %[[P2:.+]] = tensor.collapse_shape %[[PT]] {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<3x3x3x2x3x4xf32> into tensor<27x24xf32>
// CHECK: %[[W2:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0], [1, 2, 3]] : tensor<4x3x3x3xf32> into tensor<4x27xf32>
// CHECK: %[[Z:.+]] = linalg.fill
// CHECK: %[[M:.+]] = linalg.matmul ins(%[[W2]], %[[P2]] : tensor<4x27xf32>, tensor<27x24xf32>) outs(%[[Z]] : tensor<4x24xf32>)
// CHECK: %[[E:.+]] = tensor.expand_shape %[[M]] {{\[\[}}0], [1, 2, 3]] output_shape [4, 2, 3, 4]
// CHECK: linalg.transpose ins(%[[E]] : tensor<4x2x3x4xf32>) outs(%{{.+}} : tensor<2x4x3x4xf32>) permutation = [1, 0, 2, 3]
func.func @conv2d_strided(%x: tensor<2x3x9x9xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x3x4xf32> {
  %0 = tessera.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 1>, group = 1 : i64} : (tensor<2x3x9x9xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x3x4xf32>
  return %0 : tensor<2x4x3x4xf32>
}

// -----

// f32 with groups (not depthwise): im2col into [G, C/G*K, N*O], one
// batch_matmul over the groups, [G, F/G, N, O] -> [N, G, F/G, O] = [N, F, O],
// which for one image (N = 1) is a reshape, no transpose.
// CHECK-DAG: #[[PXG:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d3, d0 * 2 + d1, d4 * 2 + d2 * 2)>
// CHECK-DAG: #[[BIASG:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @conv1d_groups2
// CHECK-SAME: %[[IN:.+]]: tensor<1x4x6xf32>, %[[WT:.+]]: tensor<6x2x3xf32>, %[[B:.+]]: tensor<6xf32>
// CHECK: %[[P:.+]] = tensor.pad %[[IN]] low[0, 0, 2] high[0, 0, 1]
// CHECK: %[[PT:.+]] = linalg.generic {indexing_maps = [#[[PXG]], #{{.+}}]{{.*}} ins(%[[P]] : tensor<1x4x9xf32>) outs(%{{.+}} : tensor<2x2x3x1x3xf32>)
// CHECK: %[[P2:.+]] = tensor.collapse_shape %[[PT]] {{\[\[}}0], [1, 2], [3, 4]] : tensor<2x2x3x1x3xf32> into tensor<2x6x3xf32>
// CHECK: %[[W2:.+]] = tensor.collapse_shape %[[WT]] {{\[\[}}0], [1, 2]] : tensor<6x2x3xf32> into tensor<6x6xf32>
// CHECK: %[[WG:.+]] = tensor.expand_shape %[[W2]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 6]
// CHECK: %[[BG:.+]] = tensor.expand_shape %[[B]] {{\[\[}}0, 1]] output_shape [2, 3]
// CHECK: %[[INIT:.+]] = linalg.generic {indexing_maps = [#[[BIASG]], #{{.+}}]{{.*}} ins(%[[BG]] : tensor<2x3xf32>)
// CHECK: %[[M:.+]] = linalg.batch_matmul ins(%[[WG]], %[[P2]] : tensor<2x3x6xf32>, tensor<2x6x3xf32>) outs(%[[INIT]] : tensor<2x3x3xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: %[[F:.+]] = tensor.collapse_shape %[[M]] {{\[\[}}0, 1], [2]] : tensor<2x3x3xf32> into tensor<6x3xf32>
// CHECK: %[[R:.+]] = tensor.expand_shape %[[F]] {{\[\[}}0, 1], [2]] output_shape [1, 6, 3] : tensor<6x3xf32> into tensor<1x6x3xf32>
// CHECK: return %[[R]]
func.func @conv1d_groups2(%x: tensor<1x4x6xf32>, %w: tensor<6x2x3xf32>, %b: tensor<6xf32>) -> tensor<1x6x3xf32> {
  %0 = tessera.conv %x, %w, %b {strides = array<i64: 2>, pads = array<i64: 2, 1>, dilations = array<i64: 2>, group = 2 : i64} : (tensor<1x4x6xf32>, tensor<6x2x3xf32>, tensor<6xf32>) -> tensor<1x6x3xf32>
  return %0 : tensor<1x6x3xf32>
}

// -----

// Near miss: the same grouping in f64 (no runtime GEMM) is one generic over
// n, g, f, o (parallel) and c, k (reduction).
// CHECK-DAG: #[[BIAS:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4, d3 * 2 + d5 * 2)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d2, d4, d5)>
// CHECK-DAG: #[[Y:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @conv1d_groups2_f64
// CHECK-SAME: %[[IN:.+]]: tensor<1x4x6xf64>, %[[WT:.+]]: tensor<6x2x3xf64>, %[[B:.+]]: tensor<6xf64>
// CHECK: %[[P:.+]] = tensor.pad %[[IN]] low[0, 0, 2] high[0, 0, 1]
// CHECK: %[[XG:.+]] = tensor.expand_shape %[[P]] {{\[\[}}0], [1, 2], [3]] output_shape [1, 2, 2, 9]
// CHECK: %[[WG:.+]] = tensor.expand_shape %[[WT]] {{\[\[}}0, 1], [2], [3]] output_shape [2, 3, 2, 3]
// CHECK: %[[BG:.+]] = tensor.expand_shape %[[B]] {{\[\[}}0, 1]] output_shape [2, 3]
// CHECK: %[[INIT:.+]] = linalg.generic {indexing_maps = [#[[BIAS]], #{{.+}}]{{.*}} ins(%[[BG]] : tensor<2x3xf64>)
// CHECK: %[[C:.+]] = linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[Y]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[XG]], %[[WG]] : tensor<1x2x2x9xf64>, tensor<2x3x2x3xf64>) outs(%[[INIT]] : tensor<1x2x3x3xf64>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[R:.+]] = tensor.collapse_shape %[[C]] {{\[\[}}0], [1, 2], [3]] : tensor<1x2x3x3xf64> into tensor<1x6x3xf64>
// CHECK: return %[[R]]
func.func @conv1d_groups2_f64(%x: tensor<1x4x6xf64>, %w: tensor<6x2x3xf64>, %b: tensor<6xf64>) -> tensor<1x6x3xf64> {
  %0 = tessera.conv %x, %w, %b {strides = array<i64: 2>, pads = array<i64: 2, 1>, dilations = array<i64: 2>, group = 2 : i64} : (tensor<1x4x6xf64>, tensor<6x2x3xf64>, tensor<6xf64>) -> tensor<1x6x3xf64>
  return %0 : tensor<1x6x3xf64>
}

// -----

// Strided depthwise f32: the slices step by the stride.
// CHECK-LABEL: func @conv2d_depthwise
// CHECK: %[[P:.+]] = tensor.pad %{{.+}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.extract_slice %[[P]][0, 0, 2, 2] [1, 4, 3, 3] [1, 1, 2, 2] : tensor<1x4x7x7xf32> to tensor<1x4x3x3xf32>
// CHECK: linalg.generic
// CHECK-COUNT-9: arith.mulf
func.func @conv2d_depthwise(%x: tensor<1x4x5x5xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x3x3xf32> {
  %0 = tessera.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x5x5xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %0 : tensor<1x4x3x3xf32>
}

// -----

// Other element types keep the named depthwise conv.
// CHECK-LABEL: func @conv2d_depthwise_f64
// CHECK: %[[WD:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1], [2], [3]] : tensor<4x1x3x3xf64> into tensor<4x3x3xf64>
// CHECK: linalg.depthwise_conv_2d_nchw_chw {{.*}} ins(%{{.+}}, %[[WD]] : tensor<1x4x7x7xf64>, tensor<4x3x3xf64>)
func.func @conv2d_depthwise_f64(%x: tensor<1x4x5x5xf64>, %w: tensor<4x1x3x3xf64>) -> tensor<1x4x5x5xf64> {
  %0 = tessera.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x5x5xf64>, tensor<4x1x3x3xf64>) -> tensor<1x4x5x5xf64>
  return %0 : tensor<1x4x5x5xf64>
}

// -----

// Other element types keep the named convs.
// CHECK-LABEL: func @conv3d_f64
// CHECK: linalg.conv_3d_ncdhw_fcdhw {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x2x4x4x4xf64>, tensor<3x2x2x2x2xf64>) outs(%{{.+}} : tensor<1x3x3x3x3xf64>)
func.func @conv3d_f64(%x: tensor<1x2x4x4x4xf64>, %w: tensor<3x2x2x2x2xf64>, %b: tensor<3xf64>) -> tensor<1x3x3x3x3xf64> {
  %0 = tessera.conv %x, %w, %b {strides = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, group = 1 : i64} : (tensor<1x2x4x4x4xf64>, tensor<3x2x2x2x2xf64>, tensor<3xf64>) -> tensor<1x3x3x3x3xf64>
  return %0 : tensor<1x3x3x3x3xf64>
}

// -----

// 3-d f32 with a bias: the matmul accumulates into the bias.
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func @conv3d_bias
// CHECK: %[[INIT:.+]] = linalg.generic {indexing_maps = [#[[ROW]], #{{.+}}]{{.*}} ins(%arg2 : tensor<3xf32>) outs(%{{.+}} : tensor<3x27xf32>)
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<3x16xf32>, tensor<16x27xf32>) outs(%[[INIT]] : tensor<3x27xf32>)
func.func @conv3d_bias(%x: tensor<1x2x4x4x4xf32>, %w: tensor<3x2x2x2x2xf32>, %b: tensor<3xf32>) -> tensor<1x3x3x3x3xf32> {
  %0 = tessera.conv %x, %w, %b {strides = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, dilations = array<i64: 1, 1, 1>, group = 1 : i64} : (tensor<1x2x4x4x4xf32>, tensor<3x2x2x2x2xf32>, tensor<3xf32>) -> tensor<1x3x3x3x3xf32>
  return %0 : tensor<1x3x3x3x3xf32>
}
