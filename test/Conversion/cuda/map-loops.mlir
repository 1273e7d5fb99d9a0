// RUN: tessera-opt %s -split-input-file --tessera-gpu-map-loops | FileCheck %s
// RUN: tessera-opt %s -split-input-file --tessera-gpu-map-loops=block-size=128 | FileCheck %s --check-prefix=B128

// Both parallel dimensions collapse into one (4 x 300 = 1200 iterations),
// tiled by 256: the tiles go to blocks, a tile's iterations to threads, and
// the last tile's tail is guarded. The indices come back by div/rem.
// CHECK-LABEL: func.func @elementwise(
// CHECK:   %[[N:.*]] = arith.muli %{{.*}}, %c300{{.*}} : index
// CHECK:   %[[TILE:.*]] = arith.muli %{{.*}}, %c256 : index
// CHECK:   scf.parallel (%[[B:.*]]) = (%{{.*}}) to (%[[N]]) step (%[[TILE]]) {
// CHECK:     scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%[[TILE]]) step (%{{.*}}) {
// CHECK:       %[[I:.*]] = arith.addi %[[T]], %[[B]] : index
// CHECK:       %[[IN:.*]] = arith.cmpi ult, %{{.*}}, %[[N]] : index
// CHECK:       scf.if
// CHECK:         arith.remsi %[[I]], %c300
// CHECK:         arith.divsi %[[I]], %c300
// CHECK:         math.exp
// CHECK:     } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK:   } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK-NOT: linalg.generic
// B128-LABEL: func.func @elementwise(
// B128: arith.muli %{{.*}}, %c128 : index
func.func @elementwise(%x: memref<4x300xf32>, %y: memref<4x300xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : memref<4x300xf32>) outs(%y : memref<4x300xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// A loop shorter than a block gets a block of its own length: no guard.
// CHECK-LABEL: func.func @short(
// CHECK:   %[[TILE:.*]] = arith.muli %{{.*}}, %c3{{.*}} : index
// CHECK:   scf.parallel (%{{.*}}) = (%{{.*}}) to (%c3) step (%[[TILE]])
// CHECK-NOT: scf.if
// CHECK:   memref.store
// CHECK: processor = thread_x
// CHECK: processor = block_x
func.func @short(%x: memref<3xf32>, %y: memref<3xf32>) {
  linalg.copy ins(%x : memref<3xf32>) outs(%y : memref<3xf32>)
  return
}

// -----

// A contraction: each thread owns one output element and runs the reduction
// sequentially.
// CHECK-LABEL: func.func @matmul(
// CHECK:   scf.parallel
// CHECK:     scf.parallel
// CHECK:       scf.if
// CHECK:         scf.for %{{.*}} = %{{.*}} to %c16
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK: processor = thread_x
// CHECK: processor = block_x
func.func @matmul(%a: memref<8x16xf32>, %b: memref<16x4xf32>, %c: memref<8x4xf32>) {
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x4xf32>) outs(%c : memref<8x4xf32>)
  return
}

// -----

// No parallel dimension: a one-thread kernel, not a host loop over device
// memory.
// CHECK-LABEL: func.func @full_reduction(
// CHECK:   scf.parallel (%{{.*}}) = (%{{.*}}) to (%c1{{.*}})
// CHECK:     scf.parallel
// CHECK:       scf.for %{{.*}} = %{{.*}} to %c64
// CHECK: processor = thread_x
// CHECK: processor = block_x
func.func @full_reduction(%x: memref<64xf32>, %y: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]} ins(%x : memref<64xf32>) outs(%y : memref<f32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A copy between device buffers is a kernel; the host's staging copy
// (tessera.host_copy) stays a memref.copy.
// CHECK-LABEL: func.func @copies(
// CHECK-SAME: %[[X:.*]]: memref<?xf32>, %[[Y:.*]]: memref<?xf32>, %[[Z:.*]]: memref<?xf32>)
// CHECK:   scf.parallel
// CHECK:     memref.load %[[X]]
// CHECK:     memref.store %{{.*}}, %[[Y]]
// CHECK:   memref.copy %[[X]], %[[Z]] {tessera.host_copy}
func.func @copies(%x: memref<?xf32>, %y: memref<?xf32>, %z: memref<?xf32>) {
  memref.copy %x, %y : memref<?xf32> to memref<?xf32>
  memref.copy %x, %z {tessera.host_copy} : memref<?xf32> to memref<?xf32>
  return
}

// -----

// A loop over time on the host (the SSM reference lowering) keeps its
// sequential loop; the op inside becomes a kernel per step.
// CHECK-LABEL: func.func @time_loop(
// CHECK:   scf.for
// CHECK:     scf.parallel
// CHECK:       scf.parallel
// CHECK:         arith.addf
func.func @time_loop(%x: memref<8x32xf32>, %h: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %t = %c0 to %c8 step %c1 {
    %row = memref.subview %x[%t, 0] [1, 32] [1, 1] : memref<8x32xf32> to memref<32xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%row : memref<32xf32, strided<[1], offset: ?>>) outs(%h : memref<32xf32>) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  }
  return
}

// -----

// A parallel loop that asks for its block size (tessera-gpu-expand-kernels'
// row kernels: 64) is collapsed and tiled by it; without the attribute, the
// default 256 (or the block-size option).
// CHECK-LABEL: func.func @block_size_attr(
// CHECK:   %[[N:.*]] = arith.muli %{{.*}}, %c200{{.*}} : index
// CHECK:   %[[TILE:.*]] = arith.muli %{{.*}}, %c64 : index
// CHECK:   scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[N]]) step (%[[TILE]])
// CHECK:     processor = thread_x
// CHECK:   %[[TILE2:.*]] = arith.muli %{{.*}}, %c256 : index
// CHECK:   scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%[[TILE2]])
// B128-LABEL: func.func @block_size_attr(
// B128: arith.muli %{{.*}}, %c64 : index
// B128: arith.muli %{{.*}}, %c128 : index
func.func @block_size_attr(%x: memref<3x200xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c200 = arith.constant 200 : index
  %v = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c3, %c200) step (%c1, %c1) {
    memref.store %v, %x[%i, %j] : memref<3x200xf32>
    scf.reduce
  } {tessera.gpu_block_size = 64 : i64}
  scf.parallel (%i, %j) = (%c0, %c0) to (%c3, %c200) step (%c1, %c1) {
    memref.store %v, %x[%i, %j] : memref<3x200xf32>
    scf.reduce
  }
  return
}
