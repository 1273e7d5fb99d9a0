// RUN: tessera-opt %s --convert-tessera-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[RED:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func @softmax
// CHECK: %[[NINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAXINIT:.+]] = linalg.fill ins(%[[NINF]] : f32)
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%{{.+}} : tensor<2x3x8xf32>) outs(%[[MAXINIT]] : tensor<2x8xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SH:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[ID]]]{{.*}} ins(%{{.+}}, %[[MAX]] :
// CHECK: arith.subf
// CHECK: %[[EXP:.+]] = linalg.generic {{.*}} ins(%[[SH]] :
// CHECK: math.exp
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[EXP]] :
// CHECK: arith.addf
// CHECK: %[[R:.+]] = linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] :
// CHECK: arith.divf
// CHECK: return %[[R]]
func.func @softmax(%x: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  %0 = tessera.softmax %x {axis = 1 : i64} : tensor<2x3x8xf32>
  return %0 : tensor<2x3x8xf32>
}

// -----

// CHECK-LABEL: func @log_softmax
// CHECK: arith.maximumf
// CHECK: %[[SH:.+]] = linalg.generic
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[SUM:.+]] = linalg.generic
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[SH]], %[[SUM]] :
// CHECK: %[[LOG:.+]] = math.log %{{.+}} : f32
// CHECK: arith.subf %{{.+}}, %[[LOG]] : f32
func.func @log_softmax(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %0 = tessera.log_softmax %x {axis = 1 : i64} : tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[RED:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[PARAM:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func @layer_norm
// CHECK-SAME: %[[X:.+]]: tensor<1x4x8xf32>, %[[G:.+]]: tensor<8xf32>, %[[B:.+]]: tensor<8xf32>
// CHECK: %[[N:.+]] = arith.constant 8.000000e+00 : f32
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: %[[MEAN:.+]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x4xf32>)
// CHECK: arith.divf %{{.+}}, %[[N]]
// CHECK: %[[C:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[MEAN]] :
// CHECK: arith.subf
// CHECK: %[[SQ:.+]] = linalg.generic {{.*}} ins(%[[C]] : tensor<1x4x8xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[INV:.+]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<1x4xf32>)
// CHECK: arith.divf %{{.+}}, %[[N]]
// CHECK: arith.constant 9.99999974E-6 : f32
// CHECK: math.rsqrt
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[PARAM]], #[[PARAM]], #[[ID]]]{{.*}} ins(%[[C]], %[[INV]], %[[G]], %[[B]] :
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @layer_norm(%x: tensor<1x4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<1x4x8xf32> {
  %0 = tessera.layer_norm %x, %g, %b {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<1x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}

// -----

// CHECK-DAG: #[[SCALE:.+]] = affine_map<(d0, d1, d2) -> (0, d2)>
// CHECK-LABEL: func @layer_norm_no_bias
// CHECK: arith.constant 3.200000e+01 : f32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #[[SCALE]], #{{.+}}]
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK-NOT: arith.addf
// CHECK: linalg.yield
func.func @layer_norm_no_bias(%x: tensor<2x4x8xf32>, %g: tensor<1x8xf32>) -> tensor<2x4x8xf32> {
  %0 = tessera.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x4x8xf32>, tensor<1x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}
