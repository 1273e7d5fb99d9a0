// RUN: tessera-opt %s --convert-tessera-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func @reshape_collapse
// CHECK: %[[C:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: return %[[C]]
func.func @reshape_collapse(%x: tensor<2x3x4xf32>) -> tensor<6x4xf32> {
  %0 = tessera.reshape %x : tensor<2x3x4xf32> to tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

// CHECK-LABEL: func @reshape_expand
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0, 1], [2, 3]] output_shape [2, 3, 2, 2]
func.func @reshape_expand(%x: tensor<6x4xf32>) -> tensor<2x3x2x2xf32> {
  %0 = tessera.reshape %x : tensor<6x4xf32> to tensor<2x3x2x2xf32>
  return %0 : tensor<2x3x2x2xf32>
}

// -----

// CHECK-LABEL: func @reshape_general
// CHECK: %[[F:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1]] : tensor<3x4xf32> into tensor<12xf32>
// CHECK: tensor.expand_shape %[[F]] {{\[\[}}0, 1]] output_shape [2, 6]
func.func @reshape_general(%x: tensor<3x4xf32>) -> tensor<2x6xf32> {
  %0 = tessera.reshape %x : tensor<3x4xf32> to tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

// Neither a collapse nor an expand: each run of dims with equal products is
// collapsed, then expanded ([197,1,384] -> [197,384] -> [197,6,64]), so the
// heads of a strided slice stay a view after bufferization.
// CHECK-LABEL: func @reshape_runs
// CHECK: %[[C:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0], [1, 2]] : tensor<5x1x8xf32> into tensor<5x8xf32>
// CHECK: tensor.expand_shape %[[C]] {{\[\[}}0], [1, 2]] output_shape [5, 2, 4] : tensor<5x8xf32> into tensor<5x2x4xf32>
func.func @reshape_runs(%x: tensor<5x1x8xf32>) -> tensor<5x2x4xf32> {
  %0 = tessera.reshape %x : tensor<5x1x8xf32> to tensor<5x2x4xf32>
  return %0 : tensor<5x2x4xf32>
}

// -----

// Runs that need several dims on both sides, and trailing unit dims:
// [2,3,4,1] -> [3,2,2,2]: {0,1} -> {0,1} (6), {2,3} -> {2,3} (4).
// CHECK-LABEL: func @reshape_runs_both
// CHECK: %[[C:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1], [2, 3]] : tensor<2x3x4x1xf32> into tensor<6x4xf32>
// CHECK: tensor.expand_shape %[[C]] {{\[\[}}0, 1], [2, 3]] output_shape [3, 2, 2, 2]
func.func @reshape_runs_both(%x: tensor<2x3x4x1xf32>) -> tensor<3x2x2x2xf32> {
  %0 = tessera.reshape %x : tensor<2x3x4x1xf32> to tensor<3x2x2x2xf32>
  return %0 : tensor<3x2x2x2xf32>
}

// -----

// A zero-sized dim: through the flat vector.
// CHECK-LABEL: func @reshape_empty
// CHECK: %[[F:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2]] : tensor<0x3x2xf32> into tensor<0xf32>
// CHECK: tensor.expand_shape %[[F]] {{\[\[}}0, 1, 2]] output_shape [3, 0, 2]
func.func @reshape_empty(%x: tensor<0x3x2xf32>) -> tensor<3x0x2xf32> {
  %0 = tessera.reshape %x : tensor<0x3x2xf32> to tensor<3x0x2xf32>
  return %0 : tensor<3x0x2xf32>
}

// -----

// CHECK-LABEL: func @reshape_scalar
// CHECK: tensor.collapse_shape %{{.+}} [] : tensor<1x1xi64> into tensor<i64>
func.func @reshape_scalar(%x: tensor<1x1xi64>) -> tensor<i64> {
  %0 = tessera.reshape %x : tensor<1x1xi64> to tensor<i64>
  return %0 : tensor<i64>
}

// -----

// CHECK-LABEL: func @transpose
// CHECK: %[[E:.+]] = tensor.empty() : tensor<4x2x3xf32>
// CHECK: linalg.transpose ins(%{{.+}} : tensor<2x3x4xf32>) outs(%[[E]] : tensor<4x2x3xf32>) permutation = [2, 0, 1]
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = tessera.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> to tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func @broadcast_to
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel"]} ins(%{{.+}} : tensor<3x1xf32>)
// CHECK-NEXT: ^bb0(%[[V:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: linalg.yield %[[V]]
func.func @broadcast_to(%x: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %0 = tessera.broadcast_to %x : tensor<3x1xf32> to tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func @concat
// CHECK-SAME: %[[A:.+]]: tensor<2x3xf32>, %[[B:.+]]: tensor<2x5xf32>
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x8xf32>
// CHECK: %[[I:.+]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [2, 3] [1, 1]
// CHECK: tensor.insert_slice %[[B]] into %[[I]][0, 3] [2, 5] [1, 1]
func.func @concat(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> tensor<2x8xf32> {
  %0 = tessera.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

// The result's empty tensor comes before the first operand computed here
// (eliminate-empty-tensors then computes them into their slices).
// CHECK-LABEL: func @concat_computed
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x8xf32>
// CHECK: %[[A:.+]] = linalg.generic
// CHECK: math.exp
// CHECK: %[[B:.+]] = linalg.generic
// CHECK: math.exp
// CHECK: %[[I:.+]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [2, 3] [1, 1]
// CHECK: tensor.insert_slice %[[B]] into %[[I]][0, 3] [2, 5] [1, 1]
func.func @concat_computed(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> tensor<2x8xf32> {
  %0 = tessera.exp %a : tensor<2x3xf32>
  %1 = tessera.exp %b : tensor<2x5xf32>
  %2 = tessera.concat %0, %1 {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  return %2 : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func @slice_positive
// CHECK: tensor.extract_slice %{{.+}}[0, 1] [4, 3] [1, 2] : tensor<4x8xf32> to tensor<4x3xf32>
func.func @slice_positive(%x: tensor<4x8xf32>) -> tensor<4x3xf32> {
  %0 = tessera.slice %x {starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : tensor<4x8xf32> to tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func @slice_negative
// CHECK-SAME: %[[X:.+]]: tensor<4x8xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<4x3xf32>)
// CHECK: %[[J:.+]] = linalg.index 1 : index
// CHECK: %[[STEP:.+]] = arith.constant -3 : index
// CHECK: %[[S:.+]] = arith.muli %[[J]], %[[STEP]] : index
// CHECK: %[[START:.+]] = arith.constant 7 : index
// CHECK: %[[C:.+]] = arith.addi %[[S]], %[[START]] : index
// CHECK: tensor.extract %[[X]][%{{.+}}, %[[C]]] : tensor<4x8xf32>
func.func @slice_negative(%x: tensor<4x8xf32>) -> tensor<4x3xf32> {
  %0 = tessera.slice %x {starts = array<i64: 0, 7>, steps = array<i64: 1, -3>} : tensor<4x8xf32> to tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-DAG: #[[IDS:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @gather
// CHECK-SAME: %[[T:.+]]: tensor<100x16xf32>, %[[IDS_ARG:.+]]: tensor<2x7xi32>
// CHECK: linalg.generic {indexing_maps = [#[[IDS]], #{{.+}}]{{.*}} ins(%[[IDS_ARG]] : tensor<2x7xi32>)
// CHECK: ^bb0(%[[I:.+]]: i32, %{{.+}}: f32):
// CHECK: %[[NEG:.+]] = arith.cmpi slt, %[[I]], %{{.+}} : i32
// CHECK: %[[W:.+]] = arith.addi %[[I]], %{{.+}} : i32
// CHECK: %[[SEL:.+]] = arith.select %[[NEG]], %[[W]], %[[I]] : i32
// CHECK: arith.minsi %[[SEL]]
// CHECK: %[[POS:.+]] = arith.index_cast %{{.+}} : i32 to index
// CHECK: %[[K:.+]] = linalg.index 2 : index
// CHECK: tensor.extract %[[T]][%[[POS]], %[[K]]] : tensor<100x16xf32>
func.func @gather(%t: tensor<100x16xf32>, %ids: tensor<2x7xi32>) -> tensor<2x7x16xf32> {
  %0 = tessera.gather %t, %ids {axis = 0 : i64} : (tensor<100x16xf32>, tensor<2x7xi32>) -> tensor<2x7x16xf32>
  return %0 : tensor<2x7x16xf32>
}

// -----

// One known index: a slice of the input (a view once bufferized), negative
// indices counted from the end.
// CHECK-LABEL: func @gather_known_index
// CHECK-SAME: %[[T:.+]]: tensor<4x3x5xf32>
// CHECK-NOT: linalg.generic
// CHECK: %[[S:.+]] = tensor.extract_slice %[[T]][0, 2, 0] [4, 1, 5] [1, 1, 1] : tensor<4x3x5xf32> to tensor<4x5xf32>
// CHECK: return %[[S]]
func.func @gather_known_index(%t: tensor<4x3x5xf32>) -> tensor<4x5xf32> {
  %i = tessera.constant dense<-1> : tensor<i64>
  %0 = tessera.gather %t, %i {axis = 1 : i64} : (tensor<4x3x5xf32>, tensor<i64>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Near miss: a known index tensor of one element but rank 1 keeps its dim:
// the generic.
// CHECK-LABEL: func @gather_known_index_rank1
// CHECK: linalg.generic
// CHECK: tensor.extract
func.func @gather_known_index_rank1(%t: tensor<4x3xf32>) -> tensor<1x3xf32> {
  %i = tessera.constant dense<[2]> : tensor<1xi64>
  %0 = tessera.gather %t, %i {axis = 0 : i64} : (tensor<4x3xf32>, tensor<1xi64>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// CHECK-LABEL: func @pad_constant
// CHECK: %[[V:.+]] = arith.constant 5.000000e-01 : f32
// CHECK: tensor.pad %{{.+}} low[0, 1] high[0, 1]
// CHECK: tensor.yield %[[V]] : f32
func.func @pad_constant(%x: tensor<2x3xf32>) -> tensor<2x5xf32> {
  %0 = tessera.pad %x {mode = "constant", pads = array<i64: 0, 1, 0, 1>, value = 0.5} : tensor<2x3xf32> to tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// CHECK-LABEL: func @pad_crop_int
// CHECK: %[[S:.+]] = tensor.extract_slice %{{.+}}[1, 0] [3, 3] [1, 1] : tensor<4x3xi64> to tensor<3x3xi64>
// CHECK: %[[V:.+]] = arith.constant 7 : i64
// CHECK: tensor.pad %[[S]] low[0, 0] high[0, 1]
// CHECK: tensor.yield %[[V]] : i64
func.func @pad_crop_int(%x: tensor<4x3xi64>) -> tensor<3x4xi64> {
  %0 = tessera.pad %x {mode = "constant", pads = array<i64: -1, 0, 0, 1>, value = 7.0} : tensor<4x3xi64> to tensor<3x4xi64>
  return %0 : tensor<3x4xi64>
}

// -----

// CHECK-LABEL: func @pad_reflect
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<7xf32>)
// CHECK: arith.cmpi slt
// CHECK: arith.cmpi sgt
// CHECK: %[[M:.+]] = arith.constant 6 : index
// CHECK: arith.subi %[[M]]
// CHECK: tensor.extract
func.func @pad_reflect(%x: tensor<4xf32>) -> tensor<7xf32> {
  %0 = tessera.pad %x {mode = "reflect", pads = array<i64: 2, 1>} : tensor<4xf32> to tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

// CHECK-LABEL: func @pad_edge
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<6xf32>)
// CHECK-NOT: arith.cmpi
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: tensor.extract
func.func @pad_edge(%x: tensor<4xf32>) -> tensor<6xf32> {
  %0 = tessera.pad %x {mode = "edge", pads = array<i64: 1, 1>} : tensor<4xf32> to tensor<6xf32>
  return %0 : tensor<6xf32>
}
