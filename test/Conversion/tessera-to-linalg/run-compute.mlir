// Numerics of the compute lowering (reductions, arg-reductions, softmax,
// layer norm, matmul, einsum, conv, cumsum, trilu), JIT-compiled on the CPU.
// RUN: tessera-opt %s --convert-tessera-to-linalg | tessera-opt %cpu-pipeline | %mlir-runner | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefI64(tensor<*xi64>)

func.func @main() {
  %x = tessera.constant dense<[[1.0, 3.0, -2.0, 3.0], [0.5, -1.0, 4.0, 2.0]]> : tensor<2x4xf32>

  %rm = tessera.reduce_mean %x {axes = array<i64: 1>, keepdims = true} : tensor<2x4xf32> to tensor<2x1xf32>
  %rm_u = tensor.cast %rm : tensor<2x1xf32> to tensor<*xf32>
  call @printMemrefF32(%rm_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}1.25],
  // CHECK-NEXT: [1.375]]
  %rx = tessera.reduce_max %x {axes = array<i64: 0, 1>, keepdims = false} : tensor<2x4xf32> to tensor<f32>
  %rx_u = tensor.cast %rx : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%rx_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [4]
  %rn = tessera.reduce_min %x {axes = array<i64: 0>, keepdims = false} : tensor<2x4xf32> to tensor<4xf32>
  %rn_u = tensor.cast %rn : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%rn_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [0.5, -1, -2, 2]

  // Integer reductions and arg-reductions.
  %ix = tessera.constant dense<[[3, -1, 3], [2, 5, -4]]> : tensor<2x3xi64>
  %ip = tessera.reduce_prod %ix {axes = array<i64: 1>, keepdims = false} : tensor<2x3xi64> to tensor<2xi64>
  %ip_u = tensor.cast %ip : tensor<2xi64> to tensor<*xi64>
  call @printMemrefI64(%ip_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [-9, -40]
  %is = tessera.reduce_sum %ix {axes = array<i64: 0>, keepdims = false} : tensor<2x3xi64> to tensor<3xi64>
  %is_u = tensor.cast %is : tensor<3xi64> to tensor<*xi64>
  call @printMemrefI64(%is_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [5, 4, -1]
  %iam = tessera.argmax %ix {axis = 1 : i64, keepdims = false, select_last_index = true} : tensor<2x3xi64> to tensor<2xi64>
  %iam_u = tensor.cast %iam : tensor<2xi64> to tensor<*xi64>
  call @printMemrefI64(%iam_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [2, 1]
  %ian = tessera.argmin %ix {axis = 1 : i64, keepdims = false} : tensor<2x3xi64> to tensor<2xi64>
  %ian_u = tensor.cast %ian : tensor<2xi64> to tensor<*xi64>
  call @printMemrefI64(%ian_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [1, 2]

  // argmax returns the first NaN.
  %nx = tessera.constant dense<[[1.0, 0x7FC00000, 5.0, 0x7FC00000]]> : tensor<1x4xf32>
  %nam = tessera.argmax %nx {axis = 1 : i64, keepdims = false} : tensor<1x4xf32> to tensor<1xi64>
  %nam_u = tensor.cast %nam : tensor<1xi64> to tensor<*xi64>
  call @printMemrefI64(%nam_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [1]

  // Ties: the first index, or the last with select_last_index.
  %am = tessera.argmax %x {axis = 1 : i64, keepdims = false} : tensor<2x4xf32> to tensor<2xi64>
  %am_u = tensor.cast %am : tensor<2xi64> to tensor<*xi64>
  call @printMemrefI64(%am_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [1, 2]
  %al = tessera.argmax %x {axis = 1 : i64, keepdims = true, select_last_index = true} : tensor<2x4xf32> to tensor<2x1xi64>
  %al_u = tensor.cast %al : tensor<2x1xi64> to tensor<*xi64>
  call @printMemrefI64(%al_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}3],
  // CHECK-NEXT: [2]]
  %an = tessera.argmin %x {axis = 0 : i64, keepdims = false} : tensor<2x4xf32> to tensor<4xi64>
  %an_u = tensor.cast %an : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%an_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [1, 1, 0, 1]

  %sm = tessera.softmax %x {axis = 1 : i64} : tensor<2x4xf32>
  %sm_u = tensor.cast %sm : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%sm_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}0.0631796, 0.466837, 0.00314553, 0.466837],
  // CHECK-NEXT: [0.0257597, 0.00574777, 0.853045, 0.115447]]
  %ls = tessera.log_softmax %x {axis = 0 : i64} : tensor<2x4xf32>
  %ls_u = tensor.cast %ls : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%ls_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}-0.474077, -0.01815, -6.00248, -0.313262],
  // CHECK-NEXT: [-0.974077, -4.01815, -0.00247565, -1.31326]]

  %g = tessera.constant dense<[1.0, 2.0, 0.5, -1.0]> : tensor<4xf32>
  %b = tessera.constant dense<[0.0, 1.0, 0.0, -1.0]> : tensor<4xf32>
  %ln = tessera.layer_norm %x, %g, %b {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %ln_u = tensor.cast %ln : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%ln_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}-0.122169, 2.71037, -0.7941, -1.85519],
  // CHECK-NEXT: [-0.473016, -1.5678, 0.709523, -1.33787]]
  %ln2 = tessera.layer_norm %x, %g {axis = 0 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %ln2_u = tensor.cast %ln2 : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%ln2_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}-0.160128, 1.72938, -0.848678, -0.864691],
  // CHECK-NEXT: [-0.416333, -2.36989, 0.68855, -0.352282]]

  // Batched matmul with broadcast batch dims: [2,1,2,3] x [3,3,2] -> [2,3,2,2].
  %ma = tessera.constant dense<[[[[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]]], [[[2.0, 1.0, 0.0], [1.0, 1.0, 1.0]]]]> : tensor<2x1x2x3xf32>
  %mb = tessera.constant dense<[[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [[-1.0, 0.0], [0.0, -1.0], [2.0, 2.0]]]> : tensor<3x3x2xf32>
  %mm = tessera.matmul %ma, %mb : (tensor<2x1x2x3xf32>, tensor<3x3x2xf32>) -> tensor<2x3x2x2xf32>
  %mm_u = tensor.cast %mm : tensor<2x3x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%mm_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}{{\[}}11, 14],
  // CHECK-NEXT: [-2, -2]],
  // CHECK-NEXT: {{\[}}{{\[}}2, 3],
  // CHECK-NEXT: [0, -1]],
  // CHECK-NEXT: {{\[}}{{\[}}3, 4],
  // CHECK-NEXT: [-2, -3]]],
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}5, 8],
  // CHECK-NEXT: [9, 12]],
  // CHECK-NEXT: {{\[}}{{\[}}1, 2],
  // CHECK-NEXT: [2, 2]],
  // CHECK-NEXT: {{\[}}{{\[}}-2, -1],
  // CHECK-NEXT: [1, 1]]]]

  // Lhs batch folded into M against a rank-2 rhs.
  %w2 = tessera.constant dense<[[1.0, -1.0], [2.0, 0.5], [0.0, 3.0]]> : tensor<3x2xf32>
  %mr = tessera.matmul %ma, %w2 : (tensor<2x1x2x3xf32>, tensor<3x2xf32>) -> tensor<2x1x2x2xf32>
  %mr_u = tensor.cast %mr : tensor<2x1x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%mr_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}{{\[}}1, 5],
  // CHECK-NEXT: [2, -2.5]]],
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}4, -1.5],
  // CHECK-NEXT: [3, 2.5]]]]

  // Einsum: batched contraction with a transpose, and diagonal * vector.
  %ea = tessera.einsum %mb, %ma {equation = "bkn,ijmk->jbnm"} : (tensor<3x3x2xf32>, tensor<2x1x2x3xf32>) -> tensor<1x3x2x2xf32>
  %ea_u = tensor.cast %ea : tensor<1x3x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%ea_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}{{\[}}16, 7],
  // CHECK-NEXT: [22, 10]],
  // CHECK-NEXT: {{\[}}{{\[}}3, 2],
  // CHECK-NEXT: [5, 1]],
  // CHECK-NEXT: {{\[}}{{\[}}1, -1],
  // CHECK-NEXT: [3, -2]]]]
  %sq = tessera.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]> : tensor<3x3xf32>
  %v = tessera.constant dense<[1.0, -1.0, 2.0]> : tensor<3xf32>
  %ed = tessera.einsum %sq, %v {equation = "ii,i->i"} : (tensor<3x3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %ed_u = tensor.cast %ed : tensor<3xf32> to tensor<*xf32>
  call @printMemrefF32(%ed_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [1, -5, 18]
  %et = tessera.einsum %sq {equation = "ii->"} : (tensor<3x3xf32>) -> tensor<f32>
  %et_u = tensor.cast %et : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%et_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [15]

  // Conv 1-d: 4 channels in 2 groups, stride 2, dilation 2, pads (2, 1), bias.
  %ci = tessera.constant dense<[[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [0.0, 1.0, 0.0, 1.0, 0.0, 1.0], [-1.0, 2.0, -3.0, 4.0, -5.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]]> : tensor<1x4x6xf32>
  %cw = tessera.constant dense<[[[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]], [[0.5, 0.5, 0.5], [1.0, -1.0, 1.0]], [[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]], [[-1.0, 0.0, 1.0], [1.0, 1.0, 1.0]], [[0.0, 1.0, 0.0], [2.0, 0.0, -2.0]], [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]]> : tensor<6x2x3xf32>
  %cb = tessera.constant dense<[0.0, 1.0, -1.0, 0.5, 0.0, 2.0]> : tensor<6xf32>
  %cv = tessera.conv %ci, %cw, %cb {strides = array<i64: 2>, pads = array<i64: 2, 1>, dilations = array<i64: 2>, group = 2 : i64} : (tensor<1x4x6xf32>, tensor<6x2x3xf32>, tensor<6xf32>) -> tensor<1x6x3xf32>
  %cv_u = tensor.cast %cv : tensor<1x6x3xf32> to tensor<*xf32>
  call @printMemrefF32(%cv_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}-3, -4, 3],
  // CHECK-NEXT: [3, 5.5, 5],
  // CHECK-NEXT: [10, 21, 12],
  // CHECK-NEXT: [-0.5, -0.5, 5.5],
  // CHECK-NEXT: [-3, -3, -3],
  // CHECK-NEXT: [0, -4, -4]]]

  // Conv 2-d without bias, padding 1, stride 1.
  %c2i = tessera.constant dense<[[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]]> : tensor<1x1x3x3xf32>
  %c2w = tessera.constant dense<[[[[0.0, 1.0], [1.0, -1.0]]], [[[1.0, 1.0], [1.0, 1.0]]]]> : tensor<2x1x2x2xf32>
  %c2 = tessera.conv %c2i, %c2w {strides = array<i64: 1, 1>, pads = array<i64: 1, 0, 0, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x3x3xf32>, tensor<2x1x2x2xf32>) -> tensor<1x2x3x3xf32>
  %c2_u = tensor.cast %c2 : tensor<1x2x3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%c2_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}{{\[}}-1, -1, 3],
  // CHECK-NEXT: [1, 2, 6],
  // CHECK-NEXT: [4, 5, 9]],
  // CHECK-NEXT: {{\[}}{{\[}}3, 5, 3],
  // CHECK-NEXT: [12, 16, 9],
  // CHECK-NEXT: [24, 28, 15]]]]

  // Depthwise conv 1-d (the named linalg op): stride 2, dilation 2, pads (1, 2), bias.
  %dw = tessera.constant dense<[[[1.0, 0.0, -1.0]], [[0.5, 0.5, 0.5]], [[1.0, 2.0, 3.0]], [[-1.0, 0.0, 1.0]]]> : tensor<4x1x3xf32>
  %db = tessera.constant dense<[0.0, 1.0, -1.0, 0.5]> : tensor<4xf32>
  %dc = tessera.conv %ci, %dw, %db {strides = array<i64: 2>, pads = array<i64: 1, 2>, dilations = array<i64: 2>, group = 4 : i64} : (tensor<1x4x6xf32>, tensor<4x1x3xf32>, tensor<4xf32>) -> tensor<1x4x3xf32>
  %dc_u = tensor.cast %dc : tensor<1x4x3xf32> to tensor<*xf32>
  call @printMemrefF32(%dc_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}-4, -4, 4],
  // CHECK-NEXT: [2, 2.5, 2],
  // CHECK-NEXT: [15, 27, 15],
  // CHECK-NEXT: [1.5, 0.5, -0.5]]]

  %cs_in = tessera.constant dense<[[1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0]]> : tensor<2x4xf32>
  %cs0 = tessera.cumsum %cs_in {axis = 1 : i64} : tensor<2x4xf32>
  %cs0_u = tensor.cast %cs0 : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%cs0_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}1, 3, 6, 10],
  // CHECK-NEXT: [10, 30, 60, 100]]
  %cs1 = tessera.cumsum %cs_in {axis = 1 : i64, exclusive = true} : tensor<2x4xf32>
  %cs1_u = tensor.cast %cs1 : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%cs1_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}0, 1, 3, 6],
  // CHECK-NEXT: [0, 10, 30, 60]]
  %cs2 = tessera.cumsum %cs_in {axis = 1 : i64, reverse = true} : tensor<2x4xf32>
  %cs2_u = tensor.cast %cs2 : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%cs2_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}10, 9, 7, 4],
  // CHECK-NEXT: [100, 90, 70, 40]]
  %cs3 = tessera.cumsum %cs_in {axis = 0 : i64, exclusive = true, reverse = true} : tensor<2x4xf32>
  %cs3_u = tensor.cast %cs3 : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%cs3_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}10, 20, 30, 40],
  // CHECK-NEXT: [0, 0, 0, 0]]

  %tu = tessera.trilu %sq {upper = true, k = 1 : i64} : tensor<3x3xf32>
  %tu_u = tensor.cast %tu : tensor<3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%tu_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}0, 2, 3],
  // CHECK-NEXT: [0, 0, 6],
  // CHECK-NEXT: [0, 0, 0]]
  %tl = tessera.trilu %sq {upper = false, k = -1 : i64} : tensor<3x3xf32>
  %tl_u = tensor.cast %tl : tensor<3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%tl_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}0, 0, 0],
  // CHECK-NEXT: [4, 0, 0],
  // CHECK-NEXT: [7, 8, 0]]
  return
}
