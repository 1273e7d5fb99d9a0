// RUN: tessera-opt %s --tessera-decompose-fused=keep-kernels=1 --convert-tessera-to-linalg | FileCheck %s
// RUN: tessera-opt %s --tessera-decompose-fused --convert-tessera-to-linalg | FileCheck %s
// RUN: tessera-opt %s --convert-tessera-to-linalg --one-shot-bufferize=bufferize-function-boundaries --tessera-linalg-to-runtime-calls | FileCheck %s --check-prefix=CALL
// tessera.token_merge and tessera.token_prune have no decomposition (they
// sort): with or without the fused kernels they lower to the runtime's
// kernels, two outputs each, r and protect_first (merge) or keep (prune) as
// scalars.

// CHECK-LABEL: func.func @merge
// CHECK: %[[X:.*]] = tensor.empty() : tensor<2x13x64xf32>
// CHECK: %[[S:.*]] = tensor.empty() : tensor<2x13xf32>
// CHECK: tessera.call_kernel "tessera_token_merge_f32" ins(%arg0, %arg1, %arg2 : tensor<2x17x64xf32>, tensor<2x17x16xf32>, tensor<2x17xf32>) outs(%[[X]], %[[S]] : tensor<2x13x64xf32>, tensor<2x13xf32>) {scalars = [4, 1]} -> tensor<2x13x64xf32>, tensor<2x13xf32>
// CALL-LABEL: func.func @merge
// CALL: call @tessera_token_merge_f32({{.*}}) : (memref<?x?x?xf32, {{.*}}>, memref<?x?x?xf32, {{.*}}>, memref<?x?xf32, {{.*}}>, memref<?x?x?xf32, {{.*}}>, memref<?x?xf32, {{.*}}>, i64, i64) -> ()
func.func @merge(%x: tensor<2x17x64xf32>, %k: tensor<2x17x16xf32>, %s: tensor<2x17xf32>) -> (tensor<2x13x64xf32>, tensor<2x13xf32>) {
  %y, %ys = tessera.token_merge %x, %k, %s {r = 4 : i64, protect_first = true} : (tensor<2x17x64xf32>, tensor<2x17x16xf32>, tensor<2x17xf32>) -> (tensor<2x13x64xf32>, tensor<2x13xf32>)
  return %y, %ys : tensor<2x13x64xf32>, tensor<2x13xf32>
}

// CHECK-LABEL: func.func @prune
// CHECK: %[[X:.*]] = tensor.empty() : tensor<2x9x64xf32>
// CHECK: %[[S:.*]] = tensor.empty() : tensor<2x9xf32>
// CHECK: tessera.call_kernel "tessera_token_prune_f32" ins(%arg0, %arg1, %arg2 : tensor<2x17x64xf32>, tensor<2x17xf32>, tensor<2x17xf32>) outs(%[[X]], %[[S]] : tensor<2x9x64xf32>, tensor<2x9xf32>) {scalars = [9]} -> tensor<2x9x64xf32>, tensor<2x9xf32>
// CALL-LABEL: func.func @prune
// CALL: call @tessera_token_prune_f32({{.*}}) : (memref<?x?x?xf32, {{.*}}>, memref<?x?xf32, {{.*}}>, memref<?x?xf32, {{.*}}>, memref<?x?x?xf32, {{.*}}>, memref<?x?xf32, {{.*}}>, i64) -> ()
func.func @prune(%x: tensor<2x17x64xf32>, %p: tensor<2x17xf32>, %s: tensor<2x17xf32>) -> (tensor<2x9x64xf32>, tensor<2x9xf32>) {
  %y, %ys = tessera.token_prune %x, %p, %s {keep = 9 : i64} : (tensor<2x17x64xf32>, tensor<2x17xf32>, tensor<2x17xf32>) -> (tensor<2x9x64xf32>, tensor<2x9xf32>)
  return %y, %ys : tensor<2x9x64xf32>, tensor<2x9xf32>
}
