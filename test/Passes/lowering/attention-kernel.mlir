// RUN: tessera-opt %s -split-input-file --convert-tessera-to-linalg | FileCheck %s
// RUN: tessera-opt %s -split-input-file --convert-tessera-to-linalg --one-shot-bufferize=bufferize-function-boundaries --tessera-linalg-to-runtime-calls | FileCheck %s --check-prefix=CALL
// f32 attention lowers to the runtime kernel: scale and flags (1 causal,
// 2 has a mask) as scalars; without a mask, the query stands in (unread).

// CHECK-LABEL: func @masked
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<2x4x6x8xf32>
// CHECK: tessera.call_kernel "tessera_attention_f32" ins(%arg0, %arg1, %arg1, %arg2 : tensor<2x4x6x8xf32>, tensor<2x2x6x8xf32>, tensor<2x2x6x8xf32>, tensor<2x1x1x6xf32>) outs(%[[INIT]] : tensor<2x4x6x8xf32>) {scalars = [1.250000e-01 : f32, 3]} -> tensor<2x4x6x8xf32>
// CALL-LABEL: func @masked
// CALL: call @tessera_attention_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, f32, i64) -> ()
func.func @masked(%q: tensor<2x4x6x8xf32>, %k: tensor<2x2x6x8xf32>, %m: tensor<2x1x1x6xf32>) -> tensor<2x4x6x8xf32> {
  %0 = tessera.attention %q, %k, %k, %m {scale = 0.125 : f64, causal = true, mask_kind = "additive"} : (tensor<2x4x6x8xf32>, tensor<2x2x6x8xf32>, tensor<2x2x6x8xf32>, tensor<2x1x1x6xf32>) -> tensor<2x4x6x8xf32>
  return %0 : tensor<2x4x6x8xf32>
}

// -----

// CHECK-LABEL: func @unmasked
// CHECK: tessera.call_kernel "tessera_attention_f32" ins(%arg0, %arg0, %arg0, %arg0 : {{.*}}) outs(%{{.*}} : tensor<1x2x3x4xf32>) {scalars = [1.000000e+00 : f32, 0]}
func.func @unmasked(%q: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %0 = tessera.attention %q, %q, %q {scale = 1.0 : f64} : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  return %0 : tensor<1x2x3x4xf32>
}

// -----

// padding_queries: flag 8 (with the mask's 2).
// CHECK-LABEL: func @padding_queries
// CHECK: tessera.call_kernel "tessera_attention_f32" {{.*}} {scalars = [{{.*}} : f32, 10]}
func.func @padding_queries(%q: tensor<2x1x4x8xf32>, %m: tensor<2x1x1x4xf32>) -> tensor<2x1x4x8xf32> {
  %0 = tessera.attention %q, %q, %q, %m {scale = 0.35 : f64, mask_kind = "additive", padding_queries = true} : (tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x1x4xf32>) -> tensor<2x1x4x8xf32>
  return %0 : tensor<2x1x4x8xf32>
}
