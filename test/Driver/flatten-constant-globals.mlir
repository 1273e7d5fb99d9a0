// RUN: tessera-opt %s --tessera-flatten-constant-globals | FileCheck %s

// Constant N-d globals become 1-D and are read back through expand_shape;
// 1-D, mutable and uninitialized globals stay as they are.
// CHECK-DAG: memref.global "private" constant @w : memref<6xf32> = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00]>
// CHECK-DAG: memref.global "private" constant @v : memref<3xf32> = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]>
// CHECK-DAG: memref.global "private" @m : memref<2x2xf32> = dense<0.000000e+00>
// CHECK-DAG: memref.global "private" constant @r : memref<4xi8> = dense_resource<blob>
memref.global "private" constant @w : memref<2x3xf32> = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]>
memref.global "private" constant @v : memref<3xf32> = dense<[1.0, 2.0, 3.0]>
memref.global "private" @m : memref<2x2xf32> = dense<0.0>
memref.global "private" constant @r : memref<2x2xi8> = dense_resource<blob>

// CHECK-LABEL: func.func @read
// CHECK: %[[W:.+]] = memref.get_global @w : memref<6xf32>
// CHECK: %[[E:.+]] = memref.expand_shape %[[W]] {{\[\[}}0, 1]] output_shape [2, 3] : memref<6xf32> into memref<2x3xf32>
// CHECK: %[[R:.+]] = memref.get_global @r : memref<4xi8>
// CHECK: memref.expand_shape %[[R]] {{\[\[}}0, 1]] output_shape [2, 2] : memref<4xi8> into memref<2x2xi8>
// CHECK: memref.get_global @m : memref<2x2xf32>
// CHECK: return %[[E]]
func.func @read() -> memref<2x3xf32> {
  %w = memref.get_global @w : memref<2x3xf32>
  %r = memref.get_global @r : memref<2x2xi8>
  %m = memref.get_global @m : memref<2x2xf32>
  return %w : memref<2x3xf32>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x0400000001020304"
    }
  }
#-}
