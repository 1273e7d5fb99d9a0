// RUN: tessera-opt %s -split-input-file --tessera-gpu-lower-host-copies | FileCheck %s

// Staging copies become the runtime's stream-ordered copies: from an
// argument to the device, back to an argument to the host, with byte
// addresses (aligned pointer + offset) and sizes. Other copies stay.
// CHECK-DAG: func.func private @tessera_cuda_copy_to_device(index, index, index)
// CHECK-DAG: func.func private @tessera_cuda_copy_to_host(index, index, index)
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %[[X:.*]]: memref<4x8xf32>, %[[Y:.*]]: memref<?x3xi8>)
// CHECK:     %[[DX:.*]] = memref.alloc
// CHECK:     %{{.*}}, %[[XO:.*]], %[[XS:.*]]:2, %{{.*}}:2 = memref.extract_strided_metadata %[[X]]
// CHECK:     %[[C4:.*]] = arith.constant 4 : index
// CHECK:     %[[XP:.*]] = memref.extract_aligned_pointer_as_index %[[X]]
// CHECK:     %[[XOB:.*]] = arith.muli %[[XO]], %[[C4]]
// CHECK:     %[[B0:.*]] = arith.muli %[[C4]], %[[XS]]#0
// CHECK:     %[[B1:.*]] = arith.muli %[[B0]], %[[XS]]#1
// CHECK:     %[[SRC:.*]] = arith.addi %[[XP]], %[[XOB]]
// CHECK:     %[[DP:.*]] = memref.extract_aligned_pointer_as_index %[[DX]]
// CHECK:     %[[DST:.*]] = arith.addi %[[DP]],
// CHECK:     call @tessera_cuda_copy_to_device(%[[DST]], %[[SRC]], %[[B1]]) : (index, index, index) -> ()
// CHECK:     memref.copy %[[DX]], %{{.*}} : memref<4x8xf32> to memref<4x8xf32>
// CHECK:     %[[DY:.*]] = memref.alloc(
// CHECK:     memref.extract_strided_metadata %[[DY]] : memref<?x3xi8>
// CHECK:     arith.constant 1 : index
// CHECK:     call @tessera_cuda_copy_to_host(
// CHECK-NOT: memref.copy
// CHECK:     return
func.func @main_graph(%x: memref<4x8xf32>, %y: memref<?x3xi8>) {
  %c0 = arith.constant 0 : index
  %dx = memref.alloc() : memref<4x8xf32>
  memref.copy %x, %dx {tessera.host_copy} : memref<4x8xf32> to memref<4x8xf32>
  %t = memref.alloc() : memref<4x8xf32>
  memref.copy %dx, %t : memref<4x8xf32> to memref<4x8xf32>
  %n = memref.dim %y, %c0 : memref<?x3xi8>
  %dy = memref.alloc(%n) : memref<?x3xi8>
  memref.copy %dy, %y {tessera.host_copy} : memref<?x3xi8> to memref<?x3xi8>
  return
}

// -----

// No staging copies: nothing is declared.
// CHECK-LABEL: func.func @no_copies(
// CHECK-NOT: tessera_cuda_copy
func.func @no_copies(%x: memref<4xf32>) {
  return
}
