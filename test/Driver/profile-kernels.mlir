// RUN: tessera-opt %s --tessera-profile-kernels | FileCheck %s

// Kernel calls of the entry function get profile hooks labelled with the
// kernel and the ONNX nodes of the call's location; a pool call is named
// after its kernel; allocation calls, calls inside kernels and calls from
// private functions are left alone.
// CHECK-DAG: llvm.mlir.global internal constant @__tessera_profile_{{[0-9]+}}("k|/layer/Add\00")
// CHECK-DAG: llvm.mlir.global internal constant @__tessera_profile_{{[0-9]+}}("linear_f32|/layer/MatMul,/layer/Relu\00")
// CHECK-DAG: llvm.mlir.global internal constant @__tessera_profile_{{[0-9]+}}("p|\00")
// CHECK-LABEL: llvm.func @main_graph(
// CHECK: llvm.call @malloc
// CHECK: %[[L1:.*]] = llvm.mlir.addressof @__tessera_profile_
// CHECK: %[[T1:.*]] = llvm.call @tessera_profile_begin(%[[L1]]) : (!llvm.ptr) -> i64
// CHECK: llvm.call @k(
// CHECK: llvm.call @tessera_profile_end(%[[L1]], %[[T1]]) : (!llvm.ptr, i64) -> ()
// CHECK: llvm.call @tessera_profile_begin
// CHECK: llvm.call @_mlir_ciface_tessera_linear_f32(
// CHECK: llvm.call @tessera_profile_end
// CHECK: llvm.call @tessera_profile_begin
// CHECK: llvm.call @tessera_parallel_range(
// CHECK: llvm.call @tessera_profile_end
// CHECK-NOT: tessera_profile_begin
// CHECK: llvm.return
// CHECK-LABEL: llvm.func private @helper(
// CHECK-NOT: tessera_profile
// CHECK: llvm.return
llvm.func @malloc(i64) -> !llvm.ptr
llvm.func @_mlir_ciface_tessera_linear_f32(!llvm.ptr)
llvm.func @tessera_parallel_range(!llvm.ptr, !llvm.ptr, i64)
llvm.func @k(%a: !llvm.ptr) attributes {tessera.kernel} {
  llvm.call @_mlir_ciface_tessera_linear_f32(%a) : (!llvm.ptr) -> ()
  llvm.return
}
llvm.func internal @p_task(%c: !llvm.ptr, %lo: i64, %hi: i64) attributes {tessera.task} {
  llvm.return
}
llvm.func @main_graph(%a: !llvm.ptr) {
  %n = llvm.mlir.constant(64 : i64) : i64
  %m = llvm.call @malloc(%n) : (i64) -> !llvm.ptr
  llvm.call @k(%a) : (!llvm.ptr) -> () loc("/layer/Add")
  llvm.call @_mlir_ciface_tessera_linear_f32(%a) : (!llvm.ptr) -> () loc(fused["/layer/MatMul", "/layer/Relu"])
  %f = llvm.mlir.addressof @p_task : !llvm.ptr
  llvm.call @tessera_parallel_range(%f, %a, %n) : (!llvm.ptr, !llvm.ptr, i64) -> ()
  llvm.return
}
llvm.func private @helper(%a: !llvm.ptr) {
  llvm.call @k(%a) : (!llvm.ptr) -> ()
  llvm.return
}
