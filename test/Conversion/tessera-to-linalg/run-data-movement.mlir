// Numerics of the data-movement lowering, JIT-compiled on the CPU.
// RUN: tessera-opt %s --convert-tessera-to-linalg | tessera-opt %cpu-pipeline | %mlir-runner | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x = tessera.constant dense<[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]]> : tensor<3x4xf32>

  // Reshape that is neither a pure collapse nor a pure expand.
  %rs = tessera.reshape %x : tensor<3x4xf32> to tensor<2x6xf32>
  %rs_u = tensor.cast %rs : tensor<2x6xf32> to tensor<*xf32>
  call @printMemrefF32(%rs_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[0, 1, 2, 3, 4, 5],
  // CHECK-NEXT: [6, 7, 8, 9, 10, 11]]

  %tr = tessera.transpose %x {perm = array<i64: 1, 0>} : tensor<3x4xf32> to tensor<4x3xf32>
  %tr_u = tensor.cast %tr : tensor<4x3xf32> to tensor<*xf32>
  call @printMemrefF32(%tr_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[0, 4, 8],
  // CHECK-NEXT: [1, 5, 9],
  // CHECK-NEXT: [2, 6, 10],
  // CHECK-NEXT: [3, 7, 11]]

  %row = tessera.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %bc = tessera.broadcast_to %row : tensor<2x1xf32> to tensor<2x3xf32>
  %cc = tessera.concat %bc, %row {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  // printMemrefF32 may write its operand: print %bc after its last use.
  %bc_u = tensor.cast %bc : tensor<2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%bc_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[1, 1, 1],
  // CHECK-NEXT: [2, 2, 2]]

  %cc_u = tensor.cast %cc : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%cc_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[1, 1, 1, 1],
  // CHECK-NEXT: [2, 2, 2, 2]]

  // x[2::-2, 3::-2] (negative steps) and x[0:3:2, 1:4:2].
  %sn = tessera.slice %x {starts = array<i64: 2, 3>, steps = array<i64: -2, -2>} : tensor<3x4xf32> to tensor<2x2xf32>
  %sn_u = tensor.cast %sn : tensor<2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%sn_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[11, 9],
  // CHECK-NEXT: [3, 1]]
  %sp = tessera.slice %x {starts = array<i64: 0, 1>, steps = array<i64: 2, 2>} : tensor<3x4xf32> to tensor<2x2xf32>
  %sp_u = tensor.cast %sp : tensor<2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%sp_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[1, 3],
  // CHECK-NEXT: [9, 11]]

  // Gather along axis 1 with a negative index.
  %ids = tessera.constant dense<[[-1, 0], [1, -4]]> : tensor<2x2xi64>
  %ga = tessera.gather %x, %ids {axis = 1 : i64} : (tensor<3x4xf32>, tensor<2x2xi64>) -> tensor<3x2x2xf32>
  %ga_u = tensor.cast %ga : tensor<3x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%ga_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}[3, 0],
  // CHECK-NEXT: [1, 0]],
  // CHECK-NEXT: {{\[}}[7, 4],
  // CHECK-NEXT: [5, 4]],
  // CHECK-NEXT: {{\[}}[11, 8],
  // CHECK-NEXT: [9, 8]]]

  // One known index (a slice): column -3 = 1, and row 2.
  %i1 = tessera.constant dense<-3> : tensor<i32>
  %gc = tessera.gather %x, %i1 {axis = 1 : i64} : (tensor<3x4xf32>, tensor<i32>) -> tensor<3xf32>
  %gc_u = tensor.cast %gc : tensor<3xf32> to tensor<*xf32>
  call @printMemrefF32(%gc_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [1, 5, 9]
  %i2 = tessera.constant dense<2> : tensor<i64>
  %gr = tessera.gather %x, %i2 {axis = 0 : i64} : (tensor<3x4xf32>, tensor<i64>) -> tensor<4xf32>
  %gr_u = tensor.cast %gr : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%gr_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [8, 9, 10, 11]

  // Pads: constant with a crop, reflect, edge.
  %pc = tessera.pad %x {mode = "constant", pads = array<i64: 1, -1, -2, 0>, value = 9.5} : tensor<3x4xf32> to tensor<2x3xf32>
  %pc_u = tensor.cast %pc : tensor<2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%pc_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[9.5, 9.5, 9.5],
  // CHECK-NEXT: [1, 2, 3]]
  %pr = tessera.pad %x {mode = "reflect", pads = array<i64: 0, 2, 1, 1>} : tensor<3x4xf32> to tensor<4x7xf32>
  %pr_u = tensor.cast %pr : tensor<4x7xf32> to tensor<*xf32>
  call @printMemrefF32(%pr_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[2, 1, 0, 1, 2, 3, 2],
  // CHECK-NEXT: [6, 5, 4, 5, 6, 7, 6],
  // CHECK-NEXT: [10, 9, 8, 9, 10, 11, 10],
  // CHECK-NEXT: [6, 5, 4, 5, 6, 7, 6]]
  %pe = tessera.pad %x {mode = "edge", pads = array<i64: 1, 0, 0, 2>} : tensor<3x4xf32> to tensor<4x6xf32>
  %pe_u = tensor.cast %pe : tensor<4x6xf32> to tensor<*xf32>
  call @printMemrefF32(%pe_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[0, 1, 2, 3, 3, 3],
  // CHECK-NEXT: [0, 1, 2, 3, 3, 3],
  // CHECK-NEXT: [4, 5, 6, 7, 7, 7],
  // CHECK-NEXT: [8, 9, 10, 11, 11, 11]]
  return
}
