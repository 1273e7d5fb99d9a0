// RUN: tessera-opt %s -split-input-file -tessera-distinct-results | FileCheck %s
// A tensor returned in several result positions is copied once per repeat,
// so that each result bufferizes to its own out-param. End to end: an ONNX
// graph whose outputs are copies of one value (RUN lines at the bottom).

// CHECK-LABEL: func @repeated
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: %[[C1:.*]] = linalg.copy ins(%arg0 : tensor<2x3xf32>) outs(%[[E1]] : tensor<2x3xf32>)
// CHECK: %[[E2:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: %[[C2:.*]] = linalg.copy ins(%arg0 : tensor<2x3xf32>) outs(%[[E2]] : tensor<2x3xf32>)
// CHECK: return %arg0, %arg1, %[[C1]], %[[C2]]
func.func @repeated(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> (tensor<2x3xf32>, tensor<4xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  return %a, %b, %a, %a : tensor<2x3xf32>, tensor<4xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Dynamic sizes come from the value; distinct results are left alone.
// CHECK-LABEL: func @dynamic
// CHECK: %[[D:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x3xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x3xf32>
// CHECK: %[[C:.*]] = linalg.copy ins(%arg0 : tensor<?x3xf32>) outs(%[[E]] : tensor<?x3xf32>)
// CHECK: return %arg0, %[[C]]
// CHECK-LABEL: func @distinct
// CHECK-NOT: linalg.copy
func.func @dynamic(%a: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  return %a, %a : tensor<?x3xf32>, tensor<?x3xf32>
}
func.func @distinct(%a: tensor<2xf32>, %b: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  return %a, %b : tensor<2xf32>, tensor<2xf32>
}

// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/repeated_outputs.py %t
// RUN: tessera-compile %t/model.onnx -o %t/model
// RUN: %t/model --input X=%t/X.npy --output-dir %t/out
// RUN: %python %S/Inputs/repeated_outputs.py %t --check | FileCheck %s --check-prefix=E2E
// E2E: o1 ok
// E2E: o2 ok
// E2E: o3 ok
