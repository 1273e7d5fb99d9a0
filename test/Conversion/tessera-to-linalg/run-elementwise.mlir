// Numerics of the elementwise lowering, JIT-compiled on the CPU.
// RUN: tessera-opt %s --convert-tessera-to-linalg | tessera-opt %cpu-pipeline | %mlir-runner | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefI64(tensor<*xi64>)

func.func @main() {
  // Broadcast [2,1] + [3] -> [2,3].
  %a = tessera.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %b = tessera.constant dense<[10.0, 20.0, 30.0]> : tensor<3xf32>
  %add = tessera.add %a, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %add_u = tensor.cast %add : tensor<2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%add_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[11, 21, 31],
  // CHECK-NEXT: [12, 22, 32]]

  // Python float mod takes the divisor's sign; fmod the dividend's.
  %x = tessera.constant dense<[5.5, -5.5, 5.5, -5.5]> : tensor<4xf32>
  %y = tessera.constant dense<[2.0, 2.0, -2.0, -2.0]> : tensor<4xf32>
  %m = tessera.mod %x, %y {fmod = false} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %m_u = tensor.cast %m : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%m_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [1.5, 0.5, -0.5, -1.5]
  %fm = tessera.mod %x, %y {fmod = true} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %fm_u = tensor.cast %fm : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%fm_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [1.5, -1.5, 1.5, -1.5]

  // Integer mod (Python), integer division (truncating).
  %ix = tessera.constant dense<[7, -7, 7, -7]> : tensor<4xi64>
  %iy = tessera.constant dense<[3, 3, -3, -3]> : tensor<4xi64>
  %im = tessera.mod %ix, %iy {fmod = false} : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %im_u = tensor.cast %im : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%im_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [1, 2, -2, -1]
  %id = tessera.div %ix, %iy : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %id_u = tensor.cast %id : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%id_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [2, -2, -2, 2]

  // pow with a negative base and an integral exponent stays real.
  %pb = tessera.constant dense<[-2.0, 2.0, 4.0]> : tensor<3xf32>
  %pe = tessera.constant dense<[3.0, 0.5, -1.0]> : tensor<3xf32>
  %pw = tessera.pow %pb, %pe : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %pw_u = tensor.cast %pw : tensor<3xf32> to tensor<*xf32>
  call @printMemrefF32(%pw_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [-8, 1.41421, 0.25]

  // Integer clamp, relu, sign.
  %iv = tessera.constant dense<[-5, 0, 3, 9]> : tensor<4xi64>
  %icl = tessera.clamp %iv {min = -2.0, max = 4.0} : tensor<4xi64>
  %icl_u = tensor.cast %icl : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%icl_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [-2, 0, 3, 4]
  %irl = tessera.relu %iv : tensor<4xi64>
  %irl_u = tensor.cast %irl : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%irl_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [0, 0, 3, 9]
  %isg = tessera.sign %iv : tensor<4xi64>
  %isg_u = tensor.cast %isg : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%isg_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [-1, 0, 1, 1]

  // Integer division and mod by 0 give 0 (numpy); by -1 never traps.
  %zx = tessera.constant dense<[7, -9223372036854775808, 7, -7]> : tensor<4xi64>
  %zy = tessera.constant dense<[0, -1, -1, 0]> : tensor<4xi64>
  %zd = tessera.div %zx, %zy : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %zd_u = tensor.cast %zd : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%zd_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [0, -9223372036854775808, -7, 0]
  %zm = tessera.mod %zx, %zy : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %zm_u = tensor.cast %zm : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%zm_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [0, 0, 0, 0]

  // Round half to even.
  %r_in = tessera.constant dense<[0.5, 1.5, 2.5, -1.5, 2.4, 2.6]> : tensor<6xf32>
  %r = tessera.round %r_in : tensor<6xf32>
  %r_u = tensor.cast %r : tensor<6xf32> to tensor<*xf32>
  call @printMemrefF32(%r_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [0, 2, 2, -2, 2, 3]

  // float -> int truncates; -> i1 is != 0; i1 -> float is 0/1.
  %c_in = tessera.constant dense<[-1.7, 1.7, 0.0, 0.5]> : tensor<4xf32>
  %ci = tessera.cast %c_in : tensor<4xf32> to tensor<4xi64>
  %ci_u = tensor.cast %ci : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%ci_u) : (tensor<*xi64>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [-1, 1, 0, 0]
  %cb = tessera.cast %c_in : tensor<4xf32> to tensor<4xi1>
  %cbf = tessera.cast %cb : tensor<4xi1> to tensor<4xf32>
  %cbf_u = tensor.cast %cbf : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%cbf_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [1, 1, 0, 1]

  // Stable activations at the extremes.
  %s_in = tessera.constant dense<[-100.0, 0.0, 100.0, 1.0]> : tensor<4xf32>
  %sig = tessera.sigmoid %s_in : tensor<4xf32>
  %sig_u = tensor.cast %sig : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%sig_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [{{[0-9.]+}}e-44, 0.5, 1, 0.731059]
  %sp = tessera.softplus %s_in : tensor<4xf32>
  %sp_u = tensor.cast %sp : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%sp_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [{{[0-9.]+}}e-44, 0.693147, 100, 1.31326]
  %ge = tessera.gelu %s_in : tensor<4xf32>
  %ge_u = tensor.cast %ge : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%ge_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [-0, 0, 100, 0.841345]
  %si = tessera.silu %s_in : tensor<4xf32>
  %si_u = tensor.cast %si : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%si_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [-{{[0-9.]+}}e-42, 0, 100, 0.731059]

  // Sign, clamp, NaN-propagating max.
  %g_in = tessera.constant dense<[-3.0, 0.0, 2.0, 7.0]> : tensor<4xf32>
  %sg = tessera.sign %g_in : tensor<4xf32>
  %sg_u = tensor.cast %sg : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%sg_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [-1, 0, 1, 1]
  %cl = tessera.clamp %g_in {min = 0.0, max = 6.0} : tensor<4xf32>
  %cl_u = tensor.cast %cl : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%cl_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [0, 0, 2, 6]
  %n_in = tessera.constant dense<[1.0, 0x7FC00000]> : tensor<2xf32>
  %n_in2 = tessera.constant dense<[2.0, 0.0]> : tensor<2xf32>
  %mx = tessera.max %n_in, %n_in2 : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %mx_u = tensor.cast %mx : tensor<2xf32> to tensor<*xf32>
  call @printMemrefF32(%mx_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [2, nan]

  // where with a broadcast condition.
  %one = tessera.constant dense<1.0> : tensor<1xf32>
  %neg = tessera.constant dense<-1.0> : tensor<f32>
  %cond = tessera.less %g_in, %one : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xi1>
  %wh = tessera.where %cond, %g_in, %neg : (tensor<4xi1>, tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %wh_u = tensor.cast %wh : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%wh_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: [-3, 0, -1, -1]
  return
}
