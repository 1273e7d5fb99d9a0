// RUN: tessera-opt %s -split-input-file --tessera-parallel-kernel-calls | FileCheck %s

// A range kernel's calls go to the thread pool: the arguments before lo/hi
// go into a stack struct (allocated in the entry block), a trampoline
// unpacks them, and the pool gets the trip count: the call's `hi` (a
// constant, or, for a kernel of dynamic shapes, the size its caller
// computed). One trampoline per kernel.
// CHECK: llvm.func @tessera_parallel_range(!llvm.ptr, !llvm.ptr, i64){{$}}
// CHECK-LABEL: llvm.func @k(
// CHECK-LABEL: llvm.func internal @k_task(
// CHECK-SAME: %[[CTX:[^:]*]]: !llvm.ptr, %[[LO:[^:]*]]: i64, %[[HI:[^:]*]]: i64)
// CHECK:   %[[P0:.*]] = llvm.getelementptr %[[CTX]][0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, i64, f32)>
// CHECK:   %[[A:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK:   %[[P1:.*]] = llvm.getelementptr %[[CTX]][0, 1]
// CHECK:   %[[B:.*]] = llvm.load %[[P1]] : !llvm.ptr -> i64
// CHECK:   %[[P2:.*]] = llvm.getelementptr %[[CTX]][0, 2]
// CHECK:   %[[C:.*]] = llvm.load %[[P2]] : !llvm.ptr -> f32
// CHECK:   llvm.call @k(%[[A]], %[[B]], %[[C]], %[[LO]], %[[HI]])
// CHECK-NOT: llvm.func internal @k_task
// CHECK-LABEL: llvm.func @main(
// CHECK:   %[[SLOT:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr, i64, f32)>
// CHECK:   %[[SLOT2:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr, i64, f32)>
// CHECK:   %[[N:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK:   llvm.store %arg0, %{{.*}} : !llvm.ptr, !llvm.ptr
// CHECK:   llvm.store %arg1, %{{.*}} : i64, !llvm.ptr
// CHECK:   llvm.store %arg2, %{{.*}} : f32, !llvm.ptr
// CHECK:   %[[F:.*]] = llvm.mlir.addressof @k_task : !llvm.ptr
// CHECK:   llvm.call @tessera_parallel_range(%[[F]], %{{.*}}, %[[N]])
// CHECK:   llvm.call @tessera_parallel_range(%{{.*}}, %{{.*}}, %arg3)
// CHECK-NOT: llvm.call @k(
// CHECK:   llvm.call @serial(
llvm.func @k(%a: !llvm.ptr, %b: i64, %c: f32, %lo: i64, %hi: i64) attributes {tessera.kernel, tessera.parallel_trip = 8 : i64} {
  llvm.return
}
// Near miss: a kernel without a range is called as it is.
llvm.func @serial(%a: !llvm.ptr) attributes {tessera.kernel} {
  llvm.return
}
llvm.func @main(%a: !llvm.ptr, %b: i64, %c: f32, %n: i64) {
  %lo = llvm.mlir.constant(0 : i64) : i64
  %hi = llvm.mlir.constant(8 : i64) : i64
  llvm.call @k(%a, %b, %c, %lo, %hi) : (!llvm.ptr, i64, f32, i64, i64) -> ()
  llvm.call @k(%a, %b, %c, %lo, %n) : (!llvm.ptr, i64, f32, i64, i64) -> ()
  llvm.call @serial(%a) : (!llvm.ptr) -> ()
  llvm.return
}

// -----

// Without range kernels nothing changes (and no pool declaration appears).
// CHECK-LABEL: llvm.func @plain(
// CHECK: llvm.call @serial2(
// CHECK-NOT: tessera_parallel_range
llvm.func @serial2(%a: !llvm.ptr) attributes {tessera.kernel} {
  llvm.return
}
llvm.func @plain(%a: !llvm.ptr) {
  llvm.call @serial2(%a) : (!llvm.ptr) -> ()
  llvm.return
}
