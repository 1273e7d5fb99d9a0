// Numerics of the gather/scatter and trigonometric lowerings, JIT-compiled on
// the CPU. Expected values follow the ONNX operator definitions (numpy).
// RUN: tessera-opt %s --convert-tessera-to-linalg | tessera-opt %cpu-pipeline | %mlir-runner | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x = tessera.constant dense<[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]]> : tensor<3x4xf32>

  // GatherElements along axis 1, with a negative index.
  %gi = tessera.constant dense<[[3, 0], [-1, 1], [2, -4]]> : tensor<3x2xi64>
  %ge = tessera.gather_elements %x, %gi {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  %ge_u = tensor.cast %ge : tensor<3x2xf32> to tensor<*xf32>
  call @printMemrefF32(%ge_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[3, 0],
  // CHECK-NEXT: [7, 5],
  // CHECK-NEXT: [10, 8]]

  // GatherND: full tuples (scalars) and row tuples; i32 indices.
  %ni = tessera.constant dense<[[2, 1], [0, -1]]> : tensor<2x2xi32>
  %gn = tessera.gather_nd %x, %ni : (tensor<3x4xf32>, tensor<2x2xi32>) -> tensor<2xf32>
  %gn_u = tensor.cast %gn : tensor<2xf32> to tensor<*xf32>
  call @printMemrefF32(%gn_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [9, 3]
  %ri = tessera.constant dense<[[1], [-3]]> : tensor<2x1xi64>
  %gr = tessera.gather_nd %x, %ri : (tensor<3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
  %gr_u = tensor.cast %gr : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%gr_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[4, 5, 6, 7],
  // CHECK-NEXT: [0, 1, 2, 3]]

  // GatherND with batch_dims = 1: row b picks column idx[b].
  %bi = tessera.constant dense<[[3], [0], [2]]> : tensor<3x1xi64>
  %gb = tessera.gather_nd %x, %bi {batch_dims = 1 : i64} : (tensor<3x4xf32>, tensor<3x1xi64>) -> tensor<3xf32>
  %gb_u = tensor.cast %gb : tensor<3xf32> to tensor<*xf32>
  call @printMemrefF32(%gb_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [3, 4, 10]

  // ScatterElements along axis 0 with add; both updates of column 0 land on
  // row 1 and accumulate.
  %si = tessera.constant dense<[[1, 0, -1], [1, 2, 0]]> : tensor<2x3xi64>
  %su = tessera.constant dense<[[100.0, 200.0, 300.0], [1000.0, 2000.0, 3000.0]]> : tensor<2x3xf32>
  %sx = tessera.constant dense<1.0> : tensor<3x3xf32>
  %se = tessera.scatter_elements %sx, %si, %su {axis = 0 : i64, reduction = "add"} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  %se_u = tensor.cast %se : tensor<3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%se_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[1, 201, 3001],
  // CHECK-NEXT: [1101, 1, 1],
  // CHECK-NEXT: [1, 2001, 301]]

  // ScatterElements overwrite along axis 1.
  %ti = tessera.constant dense<[[2], [0], [-1]]> : tensor<3x1xi64>
  %tu = tessera.constant dense<[[-1.0], [-2.0], [-3.0]]> : tensor<3x1xf32>
  %te = tessera.scatter_elements %x, %ti, %tu {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x1xi64>, tensor<3x1xf32>) -> tensor<3x4xf32>
  %te_u = tensor.cast %te : tensor<3x4xf32> to tensor<*xf32>
  call @printMemrefF32(%te_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[0, 1, -1, 3],
  // CHECK-NEXT: [-2, 5, 6, 7],
  // CHECK-NEXT: [8, 9, 10, -3]]

  // ScatterND: whole rows (overwrite) and single elements (mul).
  %ndi = tessera.constant dense<[[-1], [0]]> : tensor<2x1xi64>
  %ndu = tessera.constant dense<[[20.0, 21.0, 22.0, 23.0], [30.0, 31.0, 32.0, 33.0]]> : tensor<2x4xf32>
  %nd = tessera.scatter_nd %x, %ndi, %ndu : (tensor<3x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<3x4xf32>
  %nd_u = tensor.cast %nd : tensor<3x4xf32> to tensor<*xf32>
  call @printMemrefF32(%nd_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[30, 31, 32, 33],
  // CHECK-NEXT: [4, 5, 6, 7],
  // CHECK-NEXT: [20, 21, 22, 23]]
  %mi = tessera.constant dense<[[1, 1], [2, 3], [1, 1]]> : tensor<3x2xi64>
  %mu = tessera.constant dense<[2.0, -1.0, 10.0]> : tensor<3xf32>
  %md = tessera.scatter_nd %x, %mi, %mu {reduction = "mul"} : (tensor<3x4xf32>, tensor<3x2xi64>, tensor<3xf32>) -> tensor<3x4xf32>
  %md_u = tensor.cast %md : tensor<3x4xf32> to tensor<*xf32>
  call @printMemrefF32(%md_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[0, 1, 2, 3],
  // CHECK-NEXT: [4, 100, 6, 7],
  // CHECK-NEXT: [8, 9, 10, -11]]

  // Trigonometric and hyperbolic functions at 0.5.
  %h = tessera.constant dense<0.5> : tensor<1xf32>
  %t0 = tessera.tan %h : tensor<1xf32>
  %t1 = tessera.asin %h : tensor<1xf32>
  %t2 = tessera.acos %h : tensor<1xf32>
  %t3 = tessera.atan %h : tensor<1xf32>
  %t4 = tessera.sinh %h : tensor<1xf32>
  %t5 = tessera.cosh %h : tensor<1xf32>
  %t6 = tessera.asinh %h : tensor<1xf32>
  %t7 = tessera.atanh %h : tensor<1xf32>
  %two = tessera.constant dense<2.0> : tensor<1xf32>
  %t8 = tessera.acosh %two : tensor<1xf32>
  %all = tessera.concat %t0, %t1, %t2, %t3, %t4, %t5, %t6, %t7, %t8 {axis = 0 : i64} : (tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<9xf32>
  %all_u = tensor.cast %all : tensor<9xf32> to tensor<*xf32>
  call @printMemrefF32(%all_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [0.546302, 0.523599, 1.0472, 0.463648, 0.521095, 1.12763, 0.481212, 0.549306, 1.31696]
  return
}
