// RUN: tessera-opt %s -split-input-file --tessera-plan-arena | FileCheck %s

// Three temporaries: %a dies before %c is born, so %c reuses %a's bytes;
// %b overlaps both and sits after the largest. One arena, allocated first and
// freed before the return; offsets are 64-byte aligned.
// CHECK-LABEL: func.func @reuse(
// CHECK-SAME: tessera.arena_buffers = 3 : i64, tessera.arena_bytes = 4160 : i64, tessera.arena_unplanned_bytes = 8256 : i64
// CHECK:   %[[ARENA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4160xi8>
// CHECK:   %[[C0:.*]] = arith.constant 0 : index
// CHECK:   %[[A:.*]] = memref.view %[[ARENA]][%[[C0]]][] : memref<4160xi8> to memref<1024xf32>
// CHECK:   %[[C4096:.*]] = arith.constant 4096 : index
// CHECK:   %[[B:.*]] = memref.view %[[ARENA]][%[[C4096]]][] : memref<4160xi8> to memref<16xf32>
// CHECK:   call @use(%[[A]], %[[B]])
// CHECK:   %[[C0b:.*]] = arith.constant 0 : index
// CHECK:   %[[C:.*]] = memref.view %[[ARENA]][%[[C0b]]][] : memref<4160xi8> to memref<1024xf32>
// CHECK:   call @use(%[[C]], %[[B]])
// CHECK-NOT: memref.dealloc %[[A]]
// CHECK:   memref.dealloc %[[ARENA]]
// CHECK-NEXT: return
func.func private @use(memref<1024xf32>, memref<16xf32>)
func.func @reuse() {
  %a = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
  %b = memref.alloc() : memref<16xf32>
  func.call @use(%a, %b) : (memref<1024xf32>, memref<16xf32>) -> ()
  memref.dealloc %a : memref<1024xf32>
  %c = memref.alloc() : memref<1024xf32>
  func.call @use(%c, %b) : (memref<1024xf32>, memref<16xf32>) -> ()
  memref.dealloc %c : memref<1024xf32>
  memref.dealloc %b : memref<16xf32>
  return
}

// -----

// Centred: %small, born after %big dies, takes the middle of %big's bytes
// (1024 + 512 = 2048, %big's centre), where a 2-thread kernel's two halves
// of it fall on the same threads' halves of %big. %tiny is live with
// %small, and the centre is taken: it opens a column of its own above.
// CHECK-LABEL: func.func @centered(
// CHECK-SAME: tessera.arena_buffers = 3 : i64, tessera.arena_bytes = 4160 : i64
// CHECK:   %[[C0:.*]] = arith.constant 0 : index
// CHECK:   memref.view %{{.*}}[%[[C0]]][] : memref<4160xi8> to memref<1024xf32>
// CHECK:   %[[C1536:.*]] = arith.constant 1536 : index
// CHECK:   memref.view %{{.*}}[%[[C1536]]][] : memref<4160xi8> to memref<256xf32>
// CHECK:   %[[C4096:.*]] = arith.constant 4096 : index
// CHECK:   memref.view %{{.*}}[%[[C4096]]][] : memref<4160xi8> to memref<16xf32>
func.func private @use2(memref<1024xf32>)
func.func private @use3(memref<256xf32>, memref<16xf32>)
func.func @centered() {
  %big = memref.alloc() : memref<1024xf32>
  func.call @use2(%big) : (memref<1024xf32>) -> ()
  memref.dealloc %big : memref<1024xf32>
  %small = memref.alloc() : memref<256xf32>
  %tiny = memref.alloc() : memref<16xf32>
  func.call @use3(%small, %tiny) : (memref<256xf32>, memref<16xf32>) -> ()
  memref.dealloc %tiny : memref<16xf32>
  memref.dealloc %small : memref<256xf32>
  return
}

// -----

// Near misses stay heap buffers: a returned buffer (no dealloc), a dynamic
// shape, a buffer allocated in a loop; with fewer than two plannable
// temporaries there is no arena.
// CHECK-LABEL: func.func @unplanned(
// CHECK-NOT: tessera.arena
// CHECK:   memref.alloc() : memref<8xf32>
// CHECK:   memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK:   scf.for
// CHECK:     memref.alloc() : memref<4xf32>
// CHECK:   memref.alloc() : memref<32xf32>
// CHECK-NOT: memref.view
func.func private @use1(memref<?xf32>)
func.func @unplanned(%n: index) -> memref<8xf32> {
  %r = memref.alloc() : memref<8xf32>
  %d = memref.alloc(%n) : memref<?xf32>
  func.call @use1(%d) : (memref<?xf32>) -> ()
  memref.dealloc %d : memref<?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %t = memref.alloc() : memref<4xf32>
    memref.dealloc %t : memref<4xf32>
  }
  %one = memref.alloc() : memref<32xf32>
  memref.dealloc %one : memref<32xf32>
  return %r : memref<8xf32>
}
