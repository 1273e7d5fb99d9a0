// RUN: tessera-opt %s -split-input-file --tessera-gpu-stage-arguments | FileCheck %s

// An input that is only read is copied in; an output that is only written is
// copied back; both copies stay on the host (tessera.host_copy) and the
// kernels' ops use the device-visible buffers.
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %[[X:.*]]: memref<4x8xf32>, %[[Y:.*]]: memref<4x8xf32>)
// CHECK-DAG: %[[DY:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x8xf32>
// CHECK-DAG: %[[DX:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x8xf32>
// CHECK:     memref.copy %[[X]], %[[DX]] {tessera.host_copy}
// CHECK-NOT: memref.copy %[[Y]]
// CHECK:     linalg.generic {{.*}} ins(%[[DX]] : memref<4x8xf32>) outs(%[[DY]] : memref<4x8xf32>)
// CHECK:     memref.dealloc %[[DX]]
// CHECK-NOT: memref.copy %[[DX]]
// CHECK:     memref.copy %[[DY]], %[[Y]] {tessera.host_copy}
// CHECK:     memref.dealloc %[[DY]]
// CHECK-NEXT: return
func.func @main_graph(%x: memref<4x8xf32>, %y: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : memref<4x8xf32>) outs(%y : memref<4x8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// Dynamic sizes come from the argument; an unused argument is left alone;
// a buffer written through a view counts as written; an alloca becomes a
// heap buffer freed at the end of its block.
// CHECK-LABEL: func.func @dynamic(
// CHECK-SAME: %[[X:.*]]: memref<?x8xf32>, %[[U:.*]]: memref<2xf32>, %[[Y:.*]]: memref<?x8xf32>)
// CHECK-DAG: %[[NY:.*]] = memref.dim %[[Y]], %{{.*}} : memref<?x8xf32>
// CHECK-DAG: %[[DY:.*]] = memref.alloc(%[[NY]]) {{.*}} : memref<?x8xf32>
// CHECK-DAG: %[[NX:.*]] = memref.dim %[[X]], %{{.*}} : memref<?x8xf32>
// CHECK-DAG: %[[DX:.*]] = memref.alloc(%[[NX]]) {{.*}} : memref<?x8xf32>
// CHECK:     memref.copy %[[X]], %[[DX]] {tessera.host_copy}
// CHECK:     %[[T:.*]] = memref.alloc() : memref<8xf32>
// CHECK-NOT: memref.alloca
// CHECK:     memref.load %[[DX]]
// CHECK:     memref.subview %[[DY]]
// CHECK:     memref.copy %[[DY]], %[[Y]] {tessera.host_copy}
// CHECK:     memref.dealloc %[[T]]
// CHECK-NEXT: return
// CHECK-NOT: %[[U]]
func.func @dynamic(%x: memref<?x8xf32>, %unused: memref<2xf32>, %y: memref<?x8xf32>) {
  %tmp = memref.alloca() : memref<8xf32>
  %c0 = arith.constant 0 : index
  %v = memref.load %x[%c0, %c0] : memref<?x8xf32>
  memref.store %v, %tmp[%c0] : memref<8xf32>
  %row = memref.subview %y[0, 0] [1, 8] [1, 1] : memref<?x8xf32> to memref<8xf32, strided<[1]>>
  linalg.fill ins(%v : f32) outs(%row : memref<8xf32, strided<[1]>>)
  return
}

// -----

// Private functions are called by the model's own code, on device buffers
// already: nothing to stage.
// CHECK-LABEL: func.func private @helper(
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: return
func.func private @helper(%x: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %v = memref.load %x[%c0] : memref<4xf32>
  return
}

// -----

// An op that does not describe its memory effects (a call) may read and
// write: the buffer is copied both ways.
// CHECK-LABEL: func.func @opaque(
// CHECK-SAME: %[[X:.*]]: memref<4xf32>)
// CHECK: %[[DX:.*]] = memref.alloc()
// CHECK: memref.copy %[[X]], %[[DX]] {tessera.host_copy}
// CHECK: call @use(%[[DX]])
// CHECK: memref.copy %[[DX]], %[[X]] {tessera.host_copy}
func.func private @use(memref<4xf32>)
func.func @opaque(%x: memref<4xf32>) {
  call @use(%x) : (memref<4xf32>) -> ()
  return
}

