// RUN: tessera-opt %s -split-input-file -tessera-outline-kernels | FileCheck %s
// Dispatch formation on buffers: computations become calls of kernel
// functions, identical kernels are created once.

#id = affine_map<(d0) -> (d0)>

// Two identical elementwise loops on different buffers (two layers): one
// kernel, called twice. The constant they read is cloned in, the buffers and
// the non-constant scalar become arguments. Views, copies and calls stay.
// CHECK-LABEL: func.func private @layers_generic_0(
// CHECK-SAME: %{{.*}}: memref<16xf32>, %{{.*}}: memref<16xf32>, %[[S:.*]]: f32)
// CHECK-SAME: attributes {tessera.kernel}
// CHECK:   %[[C:.*]] = arith.constant 2.0
// CHECK:   linalg.generic
// CHECK:     arith.mulf %{{.*}}, %[[C]]
// CHECK:     arith.addf %{{.*}}, %[[S]]
// CHECK:   return
// CHECK-NOT: func.func private @layers_generic
// CHECK-LABEL: func.func @layers(
// CHECK:   call @layers_generic_0(%arg0, %arg1, %arg3)
// CHECK:   memref.copy
// CHECK:   call @ext(%arg1)
// CHECK:   call @layers_generic_0(%arg1, %arg2, %arg3)
// CHECK-NOT: linalg.generic
func.func private @ext(memref<16xf32>)
func.func @layers(%a: memref<16xf32>, %b: memref<16xf32>, %c: memref<16xf32>, %s: f32) {
  %two = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : memref<16xf32>) outs(%b : memref<16xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %two : f32
    %r = arith.addf %m, %s : f32
    linalg.yield %r : f32
  }
  memref.copy %a, %c : memref<16xf32> to memref<16xf32>
  func.call @ext(%b) : (memref<16xf32>) -> ()
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%b : memref<16xf32>) outs(%c : memref<16xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %two : f32
    %r = arith.addf %m, %s : f32
    linalg.yield %r : f32
  }
  return
}

// -----

#id = affine_map<(d0) -> (d0)>

// The same code on another shape is the same kernel, with that size
// dynamic (identity layouts stay identity) and the smaller twin's work
// recorded for tessera-parallelize-kernels; its calls cast their buffers.
// Near miss: another constant is another kernel, which keeps its static
// shapes.
// CHECK-LABEL: func.func private @near_generic_0(%{{.*}}: memref<?xf32>, %{{.*}}: memref<?xf32>)
// CHECK-SAME: tessera.min_work = 8 : i64
// CHECK:   arith.constant 2.0
// CHECK-NOT: func.func private @near_generic_1
// CHECK-LABEL: func.func private @near_generic_2(%{{.*}}: memref<16xf32>, %{{.*}}: memref<16xf32>)
// CHECK-NOT: tessera.min_work
// CHECK:   arith.constant 3.0
// CHECK-LABEL: func.func @near(
// CHECK:   %[[A:.*]] = memref.cast %arg0 : memref<16xf32> to memref<?xf32>
// CHECK:   %[[B:.*]] = memref.cast %arg1 : memref<16xf32> to memref<?xf32>
// CHECK:   call @near_generic_0(%[[A]], %[[B]])
// CHECK:   %[[C:.*]] = memref.cast %arg2 : memref<8xf32> to memref<?xf32>
// CHECK:   %[[D:.*]] = memref.cast %arg3 : memref<8xf32> to memref<?xf32>
// CHECK:   call @near_generic_0(%[[C]], %[[D]])
// CHECK:   call @near_generic_2(%arg0, %arg1)
func.func @near(%a: memref<16xf32>, %b: memref<16xf32>, %c: memref<8xf32>, %d: memref<8xf32>) {
  %two = arith.constant 2.0 : f32
  %three = arith.constant 3.0 : f32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : memref<16xf32>) outs(%b : memref<16xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %two : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%c : memref<8xf32>) outs(%d : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %two : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : memref<16xf32>) outs(%b : memref<16xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %three : f32
    linalg.yield %m : f32
  }
  return
}

// -----

#map2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>

// DenseNet's norm over a wider prefix of one buffer in each layer: the
// sizes that differ become dynamic, those that agree (the rows, the wide
// buffer's row stride) stay static.
// CHECK-LABEL: func.func private @sizes_generic_0(
// CHECK-SAME: %{{.*}}: memref<4x?xf32, strided<[32, 1]>>, %{{.*}}: memref<?xf32>, %{{.*}}: memref<4x?xf32>)
// CHECK-SAME: tessera.min_work = 64 : i64
// CHECK-NOT: func.func private @sizes_generic_1
// CHECK-LABEL: func.func @sizes(
// CHECK:   call @sizes_generic_0(
// CHECK:   call @sizes_generic_0(
func.func @sizes(%buf: memref<4x32xf32>, %s8: memref<8xf32>, %s16: memref<16xf32>, %o8: memref<4x8xf32>, %o16: memref<4x16xf32>) {
  %v8 = memref.subview %buf[0, 0] [4, 8] [1, 1] : memref<4x32xf32> to memref<4x8xf32, strided<[32, 1]>>
  linalg.generic {indexing_maps = [#map2, #row, #map2], iterator_types = ["parallel", "parallel"]}
      ins(%v8, %s8 : memref<4x8xf32, strided<[32, 1]>>, memref<8xf32>) outs(%o8 : memref<4x8xf32>) {
  ^bb0(%x: f32, %s: f32, %y: f32):
    %m = arith.mulf %x, %s : f32
    %r = arith.maximumf %m, %s : f32
    linalg.yield %r : f32
  }
  %v16 = memref.subview %buf[0, 0] [4, 16] [1, 1] : memref<4x32xf32> to memref<4x16xf32, strided<[32, 1]>>
  linalg.generic {indexing_maps = [#map2, #row, #map2], iterator_types = ["parallel", "parallel"]}
      ins(%v16, %s16 : memref<4x16xf32, strided<[32, 1]>>, memref<16xf32>) outs(%o16 : memref<4x16xf32>) {
  ^bb0(%x: f32, %s: f32, %y: f32):
    %m = arith.mulf %x, %s : f32
    %r = arith.maximumf %m, %s : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A loop over time that yields a buffer (the SSM reference lowering): the
// kernel returns it; loop bounds stay constants inside.
// CHECK-LABEL: func.func private @loop_for_0(%{{.*}}: memref<4xf32>) -> memref<4xf32>
// CHECK-DAG:  arith.constant 0 : index
// CHECK-DAG:  arith.constant 8 : index
// CHECK:      scf.for
// CHECK:      return %{{.*}} : memref<4xf32>
// CHECK-LABEL: func.func @loop(
// CHECK:   %[[R:.*]] = call @loop_for_0(%arg0) : (memref<4xf32>) -> memref<4xf32>
// CHECK:   return %[[R]]
func.func @loop(%init: memref<4xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %r = scf.for %i = %c0 to %c8 step %c1 iter_args(%acc = %init) -> memref<4xf32> {
    %n = memref.alloc() : memref<4xf32>
    memref.copy %acc, %n : memref<4xf32> to memref<4xf32>
    scf.yield %n : memref<4xf32>
  }
  return %r : memref<4xf32>
}

// -----

#map2 = affine_map<(d0, d1) -> (d0, d1)>

// The same loop writing a whole buffer and column slices of two wider ones
// (DenseNet's pieces of a concat): kernels that differ only in their
// buffers' static offsets and strides become one, whose buffers have those
// layouts dynamic where they differ; the unit innermost stride stays. The
// calls cast their buffers. Near miss: through a transposed view (innermost
// stride 4) the loop is a kernel of its own, with its static layout.
// CHECK-LABEL: func.func private @layouts_generic_0(
// CHECK-SAME: %{{.*}}: memref<4x8xf32>, %{{.*}}: memref<4x8xf32, strided<[?, 1], offset: ?>>)
// CHECK-NOT: func.func private @layouts_generic_1
// CHECK-NOT: func.func private @layouts_generic_2
// CHECK-LABEL: func.func private @layouts_generic_3(
// CHECK-SAME: %{{.*}}: memref<4x8xf32>, %{{.*}}: memref<4x8xf32, strided<[1, 4]>>)
// CHECK-LABEL: func.func @layouts(
// CHECK:   %[[B:.*]] = memref.cast %arg1 : memref<4x8xf32> to memref<4x8xf32, strided<[?, 1], offset: ?>>
// CHECK:   call @layouts_generic_0(%arg0, %[[B]])
// CHECK:   %[[W:.*]] = memref.cast %{{.*}} : memref<4x8xf32, strided<[24, 1], offset: 8>> to memref<4x8xf32, strided<[?, 1], offset: ?>>
// CHECK:   call @layouts_generic_0(%arg0, %[[W]])
// CHECK:   %[[V:.*]] = memref.cast %{{.*}} : memref<4x8xf32, strided<[16, 1], offset: 8>> to memref<4x8xf32, strided<[?, 1], offset: ?>>
// CHECK:   call @layouts_generic_0(%arg0, %[[V]])
// CHECK:   call @layouts_generic_3(%arg0, %{{.*}}) : (memref<4x8xf32>, memref<4x8xf32, strided<[1, 4]>>) -> ()
func.func @layouts(%a: memref<4x8xf32>, %b: memref<4x8xf32>, %w: memref<4x24xf32>, %v: memref<4x16xf32>, %t: memref<8x4xf32>) {
  linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x8xf32>) outs(%b : memref<4x8xf32>) {
  ^bb0(%x: f32, %y: f32):
    %r = arith.negf %x : f32
    linalg.yield %r : f32
  }
  %sw = memref.subview %w[0, 8] [4, 8] [1, 1] : memref<4x24xf32> to memref<4x8xf32, strided<[24, 1], offset: 8>>
  linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x8xf32>) outs(%sw : memref<4x8xf32, strided<[24, 1], offset: 8>>) {
  ^bb0(%x: f32, %y: f32):
    %r = arith.negf %x : f32
    linalg.yield %r : f32
  }
  %sv = memref.subview %v[0, 8] [4, 8] [1, 1] : memref<4x16xf32> to memref<4x8xf32, strided<[16, 1], offset: 8>>
  linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x8xf32>) outs(%sv : memref<4x8xf32, strided<[16, 1], offset: 8>>) {
  ^bb0(%x: f32, %y: f32):
    %r = arith.negf %x : f32
    linalg.yield %r : f32
  }
  %tt = memref.transpose %t (i, j) -> (j, i) : memref<8x4xf32> to memref<4x8xf32, strided<[1, 4]>>
  linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x8xf32>) outs(%tt : memref<4x8xf32, strided<[1, 4]>>) {
  ^bb0(%x: f32, %y: f32):
    %r = arith.negf %x : f32
    linalg.yield %r : f32
  }
  return
}

// -----

#map2 = affine_map<(d0, d1) -> (d0, d1)>

// Where the twins agree on a layout's offset, it stays static. Near miss: a
// kernel that reads a buffer other than through a linalg op (here a loop of
// loads) keeps its layouts, and its twin stays a kernel of its own.
// CHECK-LABEL: func.func private @agree_generic_0(
// CHECK-SAME: %{{.*}}: memref<4x8xf32>, %{{.*}}: memref<4x8xf32, strided<[?, 1], offset: 8>>)
// CHECK-NOT: func.func private @agree_generic_1
// CHECK-LABEL: func.func private @agree_for_2(
// CHECK-SAME: memref<4x8xf32, strided<[24, 1], offset: 8>>
// CHECK-LABEL: func.func private @agree_for_3(
// CHECK-SAME: memref<4x8xf32, strided<[16, 1], offset: 8>>
// CHECK-LABEL: func.func @agree(
// CHECK:   memref.cast %{{.*}} to memref<4x8xf32, strided<[?, 1], offset: 8>>
// CHECK:   call @agree_generic_0
// CHECK:   memref.cast %{{.*}} to memref<4x8xf32, strided<[?, 1], offset: 8>>
// CHECK:   call @agree_generic_0
// CHECK:   call @agree_for_2
// CHECK:   call @agree_for_3
func.func @agree(%a: memref<4x8xf32>, %w: memref<4x24xf32>, %v: memref<4x16xf32>) -> (f32, f32) {
  %sw = memref.subview %w[0, 8] [4, 8] [1, 1] : memref<4x24xf32> to memref<4x8xf32, strided<[24, 1], offset: 8>>
  linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x8xf32>) outs(%sw : memref<4x8xf32, strided<[24, 1], offset: 8>>) {
  ^bb0(%x: f32, %y: f32):
    %r = arith.negf %x : f32
    linalg.yield %r : f32
  }
  %sv = memref.subview %v[0, 8] [4, 8] [1, 1] : memref<4x16xf32> to memref<4x8xf32, strided<[16, 1], offset: 8>>
  linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x8xf32>) outs(%sv : memref<4x8xf32, strided<[16, 1], offset: 8>>) {
  ^bb0(%x: f32, %y: f32):
    %r = arith.negf %x : f32
    linalg.yield %r : f32
  }
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %s1 = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> f32 {
    %x = memref.load %sw[%i, %c0] : memref<4x8xf32, strided<[24, 1], offset: 8>>
    %n = arith.addf %acc, %x : f32
    scf.yield %n : f32
  }
  %s2 = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> f32 {
    %x = memref.load %sv[%i, %c0] : memref<4x8xf32, strided<[16, 1], offset: 8>>
    %n = arith.addf %acc, %x : f32
    scf.yield %n : f32
  }
  return %s1, %s2 : f32, f32
}
