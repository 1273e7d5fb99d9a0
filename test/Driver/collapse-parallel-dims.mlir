// RUN: tessera-opt %s -split-input-file --tessera-collapse-parallel-dims | FileCheck %s

// A channel-first ReLU: every operand dense, all four loops become one.
// CHECK-LABEL: func.func @dense(
// CHECK-DAG: %[[X:.*]] = memref.collapse_shape %arg0 {{\[}}[0, 1, 2, 3]] : memref<1x48x7x7xf32> into memref<2352xf32>
// CHECK-DAG: %[[Y:.*]] = memref.collapse_shape %arg1 {{\[}}[0, 1, 2, 3]] : memref<1x48x7x7xf32> into memref<2352xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel"]
// CHECK-SAME: ins(%[[X]] : memref<2352xf32>) outs(%[[Y]] : memref<2352xf32>)
// CHECK: arith.maximumf
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @dense(%x: memref<1x48x7x7xf32>, %y: memref<1x48x7x7xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%x : memref<1x48x7x7xf32>) outs(%y : memref<1x48x7x7xf32>) {
  ^bb0(%a: f32, %b: f32):
    %m = arith.maximumf %a, %z : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// A per-channel scale of a channel-first image: the broadcast operand reads
// d1 alone, so only the spatial loops merge (d0, d1 stay apart: the scale
// would need d1 out of a merged index).
// CHECK-LABEL: func.func @per_channel(
// CHECK-DAG: memref.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : memref<2x48x7x7xf32> into memref<2x48x49xf32>
// CHECK-DAG: memref.collapse_shape %arg2 {{\[}}[0], [1], [2, 3]] : memref<2x48x7x7xf32> into memref<2x48x49xf32>
// CHECK-NOT: memref.collapse_shape %arg1
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: memref<2x48x49xf32>, memref<48xf32>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @per_channel(%x: memref<2x48x7x7xf32>, %s: memref<48xf32>, %y: memref<2x48x7x7xf32>) {
  linalg.generic {indexing_maps = [#id4, #ch, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%x, %s : memref<2x48x7x7xf32>, memref<48xf32>) outs(%y : memref<2x48x7x7xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// A channels-last slice of a wider buffer (a concat's operand): its rows are
// 96 floats apart, so the positions merge but the channels stay their own
// loop.
// CHECK-LABEL: func.func @strided_slice(
// CHECK-DAG: memref.collapse_shape %arg0 {{\[}}[0, 1, 2], [3]] : memref<1x8x8x32xf32, strided<[6144, 768, 96, 1], offset: 64>> into memref<64x32xf32, strided<[96, 1], offset: 64>>
// CHECK-DAG: memref.collapse_shape %arg2 {{\[}}[0, 1, 2], [3]] : memref<1x8x8x32xf32> into memref<64x32xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#last = affine_map<(d0, d1, d2, d3) -> (d3)>
func.func @strided_slice(%x: memref<1x8x8x32xf32, strided<[6144, 768, 96, 1], offset: 64>>, %b: memref<32xf32>, %y: memref<1x8x8x32xf32>) {
  linalg.generic {indexing_maps = [#id4, #last, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%x, %b : memref<1x8x8x32xf32, strided<[6144, 768, 96, 1], offset: 64>>, memref<32xf32>) outs(%y : memref<1x8x8x32xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.addf %a, %c : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// Near misses, left alone: a transpose (d1, d0 are not in order in its
// input), a reduction, a body that reads its indices, dynamic strides, and
// a one-loop generic.
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT: memref.collapse_shape
// CHECK: return
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>
#row = affine_map<(d0, d1) -> (d0)>
#id1 = affine_map<(d0) -> (d0)>
func.func @left_alone(%a: memref<8x16xf32>, %b: memref<16x8xf32>, %r: memref<8xf32>,
                      %d: memref<8x16xf32, strided<[?, 1]>>, %v: memref<8xf32>) {
  linalg.generic {indexing_maps = [#tr, #id2], iterator_types = ["parallel", "parallel"]}
    ins(%b : memref<16x8xf32>) outs(%a : memref<8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
    ins(%a : memref<8x16xf32>) outs(%r : memref<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]}
    outs(%a : memref<8x16xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 1 : index
    %c = arith.index_cast %i : index to i32
    %f = arith.sitofp %c : i32 to f32
    linalg.yield %f : f32
  }
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
    ins(%d : memref<8x16xf32, strided<[?, 1]>>) outs(%a : memref<8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
    ins(%r : memref<8xf32>) outs(%v : memref<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  return
}
