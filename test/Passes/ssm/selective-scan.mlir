// RUN: tessera-opt %s -split-input-file -tessera-fuse-selective-scan -canonicalize | FileCheck %s
// Unrolled selective scans -> one tessera.selective_scan; near misses stay unrolled.

// mamba-minimal's form: exp(Δ·A) and Δ·B·u computed for all steps, sliced per
// step, read out with an einsum, stacked on axis 1; softplus, skip and gate fold in.
// CHECK-LABEL: func @presliced
// CHECK: %[[Y:.*]], %{{.*}} = tessera.selective_scan %arg0, %arg1, %arg2, %arg3, %arg4 D %arg5 z %arg6 {delta_softplus = true} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<4x2xf32>, tensor<2x3x2xf32>, tensor<2x3x2xf32>, tensor<4xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x4x2xf32>)
// CHECK-NEXT: return %[[Y]]
func.func @presliced(%u: tensor<2x3x4xf32>, %dt: tensor<2x3x4xf32>, %A: tensor<4x2xf32>, %B: tensor<2x3x2xf32>, %C: tensor<2x3x2xf32>, %D: tensor<4xf32>, %z: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>) {
  %sp = tessera.softplus %dt : tensor<2x3x4xf32>
  %dt4 = tessera.reshape %sp : tensor<2x3x4xf32> to tensor<2x3x4x1xf32>
  %p = tessera.mul %dt4, %A : (tensor<2x3x4x1xf32>, tensor<4x2xf32>) -> tensor<2x3x4x2xf32>
  %dA = tessera.exp %p : tensor<2x3x4x2xf32>
  %B4 = tessera.reshape %B : tensor<2x3x2xf32> to tensor<2x3x1x2xf32>
  %dB = tessera.mul %dt4, %B4 : (tensor<2x3x4x1xf32>, tensor<2x3x1x2xf32>) -> tensor<2x3x4x2xf32>
  %u4 = tessera.reshape %u : tensor<2x3x4xf32> to tensor<2x3x4x1xf32>
  %dBu = tessera.mul %dB, %u4 : (tensor<2x3x4x2xf32>, tensor<2x3x4x1xf32>) -> tensor<2x3x4x2xf32>
  %h0 = tessera.constant dense<0.0> : tensor<2x4x2xf32>
  %i0 = tessera.constant dense<0> : tensor<i64>
  %i1 = tessera.constant dense<1> : tensor<i64>
  %i2 = tessera.constant dense<2> : tensor<i64>
  %a0 = tessera.gather %dA, %i0 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m0 = tessera.mul %a0, %h0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b0 = tessera.gather %dBu, %i0 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h1 = tessera.add %m0, %b0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c0 = tessera.gather %C, %i0 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y0 = tessera.einsum %h1, %c0 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r0 = tessera.reshape %y0 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %a1 = tessera.gather %dA, %i1 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m1 = tessera.mul %a1, %h1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b1 = tessera.gather %dBu, %i1 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h2 = tessera.add %m1, %b1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c1 = tessera.gather %C, %i1 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y1 = tessera.einsum %h2, %c1 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r1 = tessera.reshape %y1 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %a2 = tessera.gather %dA, %i2 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m2 = tessera.mul %a2, %h2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b2 = tessera.gather %dBu, %i2 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h3 = tessera.add %m2, %b2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c2 = tessera.gather %C, %i2 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y2 = tessera.einsum %h3, %c2 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r2 = tessera.reshape %y2 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %y = tessera.concat %r0, %r1, %r2 {axis = 1 : i64} : (tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>) -> tensor<2x3x4xf32>
  %ud = tessera.mul %u, %D : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %ys = tessera.add %y, %ud : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %g = tessera.silu %z : tensor<2x3x4xf32>
  %o = tessera.mul %ys, %g : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %o : tensor<2x3x4xf32>
}

// -----

// An initial state and the final state as a result.
// CHECK-LABEL: func @with_state
// CHECK: %[[Y:.*]], %[[H:.*]] = tessera.selective_scan %arg0, %arg1, %arg2, %arg3, %arg4 initial_state %arg7 {delta_softplus = true}
// CHECK-NOT: tessera.einsum
// CHECK: return %[[Y]], %[[H]]
func.func @with_state(%u: tensor<2x3x4xf32>, %dt: tensor<2x3x4xf32>, %A: tensor<4x2xf32>, %B: tensor<2x3x2xf32>, %C: tensor<2x3x2xf32>, %D: tensor<4xf32>, %z: tensor<2x3x4xf32>, %h: tensor<2x4x2xf32>) -> (tensor<2x3x4xf32>, tensor<2x4x2xf32>) {
  %sp = tessera.softplus %dt : tensor<2x3x4xf32>
  %dt4 = tessera.reshape %sp : tensor<2x3x4xf32> to tensor<2x3x4x1xf32>
  %p = tessera.mul %dt4, %A : (tensor<2x3x4x1xf32>, tensor<4x2xf32>) -> tensor<2x3x4x2xf32>
  %dA = tessera.exp %p : tensor<2x3x4x2xf32>
  %B4 = tessera.reshape %B : tensor<2x3x2xf32> to tensor<2x3x1x2xf32>
  %dB = tessera.mul %dt4, %B4 : (tensor<2x3x4x1xf32>, tensor<2x3x1x2xf32>) -> tensor<2x3x4x2xf32>
  %u4 = tessera.reshape %u : tensor<2x3x4xf32> to tensor<2x3x4x1xf32>
  %dBu = tessera.mul %dB, %u4 : (tensor<2x3x4x2xf32>, tensor<2x3x4x1xf32>) -> tensor<2x3x4x2xf32>
  %h0 = tessera.reshape %h : tensor<2x4x2xf32> to tensor<2x4x2xf32>
  %i0 = tessera.constant dense<0> : tensor<i64>
  %i1 = tessera.constant dense<1> : tensor<i64>
  %i2 = tessera.constant dense<2> : tensor<i64>
  %a0 = tessera.gather %dA, %i0 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m0 = tessera.mul %a0, %h0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b0 = tessera.gather %dBu, %i0 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h1 = tessera.add %m0, %b0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c0 = tessera.gather %C, %i0 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y0 = tessera.einsum %h1, %c0 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r0 = tessera.reshape %y0 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %a1 = tessera.gather %dA, %i1 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m1 = tessera.mul %a1, %h1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b1 = tessera.gather %dBu, %i1 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h2 = tessera.add %m1, %b1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c1 = tessera.gather %C, %i1 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y1 = tessera.einsum %h2, %c1 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r1 = tessera.reshape %y1 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %a2 = tessera.gather %dA, %i2 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m2 = tessera.mul %a2, %h2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b2 = tessera.gather %dBu, %i2 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h3 = tessera.add %m2, %b2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c2 = tessera.gather %C, %i2 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y2 = tessera.einsum %h3, %c2 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r2 = tessera.reshape %y2 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %y = tessera.concat %r0, %r1, %r2 {axis = 1 : i64} : (tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>) -> tensor<2x3x4xf32>
  return %y, %h3 : tensor<2x3x4xf32>, tensor<2x4x2xf32>
}

// -----

// Computed per step, mamba_ssm's [b, d, l] layout, reduce_sum read-out,
// stacked on axis 2, factors in another order.
// CHECK-LABEL: func @per_step
// CHECK: %[[X:.*]] = tessera.transpose %arg0 {perm = array<i64: 0, 2, 1>}
// CHECK: %[[DT:.*]] = tessera.transpose %arg1 {perm = array<i64: 0, 2, 1>}
// CHECK: %[[B:.*]] = tessera.transpose %arg3 {perm = array<i64: 0, 2, 1>}
// CHECK: %[[C:.*]] = tessera.transpose %arg4 {perm = array<i64: 0, 2, 1>}
// CHECK: %[[Y:.*]], %{{.*}} = tessera.selective_scan %[[X]], %[[DT]], %arg2, %[[B]], %[[C]] :
// CHECK: %[[T:.*]] = tessera.transpose %[[Y]] {perm = array<i64: 0, 2, 1>}
// CHECK-NEXT: return %[[T]]
func.func @per_step(%u: tensor<2x4x3xf32>, %dt: tensor<2x4x3xf32>, %A: tensor<4x2xf32>, %B: tensor<2x2x3xf32>, %C: tensor<2x2x3xf32>) -> tensor<2x4x3xf32> {
  %h0 = tessera.constant dense<0.0> : tensor<2x4x2xf32>
  %i0 = tessera.constant dense<0> : tensor<i64>
  %i1 = tessera.constant dense<1> : tensor<i64>
  %i2 = tessera.constant dense<2> : tensor<i64>
  %d0 = tessera.gather %dt, %i0 {axis = 2 : i64} : (tensor<2x4x3xf32>, tensor<i64>) -> tensor<2x4xf32>
  %d0e = tessera.reshape %d0 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %p0 = tessera.mul %A, %d0e : (tensor<4x2xf32>, tensor<2x4x1xf32>) -> tensor<2x4x2xf32>
  %a0 = tessera.exp %p0 : tensor<2x4x2xf32>
  %bt0 = tessera.gather %B, %i0 {axis = 2 : i64} : (tensor<2x2x3xf32>, tensor<i64>) -> tensor<2x2xf32>
  %bt0e = tessera.reshape %bt0 : tensor<2x2xf32> to tensor<2x1x2xf32>
  %x0 = tessera.gather %u, %i0 {axis = 2 : i64} : (tensor<2x4x3xf32>, tensor<i64>) -> tensor<2x4xf32>
  %x0e = tessera.reshape %x0 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %dx0 = tessera.mul %x0e, %d0e : (tensor<2x4x1xf32>, tensor<2x4x1xf32>) -> tensor<2x4x1xf32>
  %b0 = tessera.mul %bt0e, %dx0 : (tensor<2x1x2xf32>, tensor<2x4x1xf32>) -> tensor<2x4x2xf32>
  %m0 = tessera.mul %h0, %a0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %h1 = tessera.add %b0, %m0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c0 = tessera.gather %C, %i0 {axis = 2 : i64} : (tensor<2x2x3xf32>, tensor<i64>) -> tensor<2x2xf32>
  %c0e = tessera.reshape %c0 : tensor<2x2xf32> to tensor<2x1x2xf32>
  %hc0 = tessera.mul %h1, %c0e : (tensor<2x4x2xf32>, tensor<2x1x2xf32>) -> tensor<2x4x2xf32>
  %y0 = tessera.reduce_sum %hc0 {axes = array<i64: 2>, keepdims = false} : tensor<2x4x2xf32> to tensor<2x4xf32>
  %r0 = tessera.reshape %y0 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %d1 = tessera.gather %dt, %i1 {axis = 2 : i64} : (tensor<2x4x3xf32>, tensor<i64>) -> tensor<2x4xf32>
  %d1e = tessera.reshape %d1 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %p1 = tessera.mul %A, %d1e : (tensor<4x2xf32>, tensor<2x4x1xf32>) -> tensor<2x4x2xf32>
  %a1 = tessera.exp %p1 : tensor<2x4x2xf32>
  %bt1 = tessera.gather %B, %i1 {axis = 2 : i64} : (tensor<2x2x3xf32>, tensor<i64>) -> tensor<2x2xf32>
  %bt1e = tessera.reshape %bt1 : tensor<2x2xf32> to tensor<2x1x2xf32>
  %x1 = tessera.gather %u, %i1 {axis = 2 : i64} : (tensor<2x4x3xf32>, tensor<i64>) -> tensor<2x4xf32>
  %x1e = tessera.reshape %x1 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %dx1 = tessera.mul %x1e, %d1e : (tensor<2x4x1xf32>, tensor<2x4x1xf32>) -> tensor<2x4x1xf32>
  %b1 = tessera.mul %bt1e, %dx1 : (tensor<2x1x2xf32>, tensor<2x4x1xf32>) -> tensor<2x4x2xf32>
  %m1 = tessera.mul %h1, %a1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %h2 = tessera.add %b1, %m1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c1 = tessera.gather %C, %i1 {axis = 2 : i64} : (tensor<2x2x3xf32>, tensor<i64>) -> tensor<2x2xf32>
  %c1e = tessera.reshape %c1 : tensor<2x2xf32> to tensor<2x1x2xf32>
  %hc1 = tessera.mul %h2, %c1e : (tensor<2x4x2xf32>, tensor<2x1x2xf32>) -> tensor<2x4x2xf32>
  %y1 = tessera.reduce_sum %hc1 {axes = array<i64: 2>, keepdims = false} : tensor<2x4x2xf32> to tensor<2x4xf32>
  %r1 = tessera.reshape %y1 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %d2 = tessera.gather %dt, %i2 {axis = 2 : i64} : (tensor<2x4x3xf32>, tensor<i64>) -> tensor<2x4xf32>
  %d2e = tessera.reshape %d2 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %p2 = tessera.mul %A, %d2e : (tensor<4x2xf32>, tensor<2x4x1xf32>) -> tensor<2x4x2xf32>
  %a2 = tessera.exp %p2 : tensor<2x4x2xf32>
  %bt2 = tessera.gather %B, %i2 {axis = 2 : i64} : (tensor<2x2x3xf32>, tensor<i64>) -> tensor<2x2xf32>
  %bt2e = tessera.reshape %bt2 : tensor<2x2xf32> to tensor<2x1x2xf32>
  %x2 = tessera.gather %u, %i2 {axis = 2 : i64} : (tensor<2x4x3xf32>, tensor<i64>) -> tensor<2x4xf32>
  %x2e = tessera.reshape %x2 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %dx2 = tessera.mul %x2e, %d2e : (tensor<2x4x1xf32>, tensor<2x4x1xf32>) -> tensor<2x4x1xf32>
  %b2 = tessera.mul %bt2e, %dx2 : (tensor<2x1x2xf32>, tensor<2x4x1xf32>) -> tensor<2x4x2xf32>
  %m2 = tessera.mul %h2, %a2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %h3 = tessera.add %b2, %m2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c2 = tessera.gather %C, %i2 {axis = 2 : i64} : (tensor<2x2x3xf32>, tensor<i64>) -> tensor<2x2xf32>
  %c2e = tessera.reshape %c2 : tensor<2x2xf32> to tensor<2x1x2xf32>
  %hc2 = tessera.mul %h3, %c2e : (tensor<2x4x2xf32>, tensor<2x1x2xf32>) -> tensor<2x4x2xf32>
  %y2 = tessera.reduce_sum %hc2 {axes = array<i64: 2>, keepdims = false} : tensor<2x4x2xf32> to tensor<2x4xf32>
  %r2 = tessera.reshape %y2 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %y = tessera.concat %r0, %r1, %r2 {axis = 2 : i64} : (tensor<2x4x1xf32>, tensor<2x4x1xf32>, tensor<2x4x1xf32>) -> tensor<2x4x3xf32>
  return %y : tensor<2x4x3xf32>
}

// -----

// Near miss: h = a·h - b (the input subtracted).
// CHECK-LABEL: func @wrong_sign
// CHECK-NOT: tessera.selective_scan
// CHECK-COUNT-3: tessera.einsum
func.func @wrong_sign(%u: tensor<2x3x4xf32>, %dt: tensor<2x3x4xf32>, %A: tensor<4x2xf32>, %B: tensor<2x3x2xf32>, %C: tensor<2x3x2xf32>, %D: tensor<4xf32>, %z: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>) {
  %sp = tessera.softplus %dt : tensor<2x3x4xf32>
  %dt4 = tessera.reshape %sp : tensor<2x3x4xf32> to tensor<2x3x4x1xf32>
  %p = tessera.mul %dt4, %A : (tensor<2x3x4x1xf32>, tensor<4x2xf32>) -> tensor<2x3x4x2xf32>
  %dA = tessera.exp %p : tensor<2x3x4x2xf32>
  %B4 = tessera.reshape %B : tensor<2x3x2xf32> to tensor<2x3x1x2xf32>
  %dB = tessera.mul %dt4, %B4 : (tensor<2x3x4x1xf32>, tensor<2x3x1x2xf32>) -> tensor<2x3x4x2xf32>
  %u4 = tessera.reshape %u : tensor<2x3x4xf32> to tensor<2x3x4x1xf32>
  %dBu = tessera.mul %dB, %u4 : (tensor<2x3x4x2xf32>, tensor<2x3x4x1xf32>) -> tensor<2x3x4x2xf32>
  %h0 = tessera.constant dense<0.0> : tensor<2x4x2xf32>
  %i0 = tessera.constant dense<0> : tensor<i64>
  %i1 = tessera.constant dense<1> : tensor<i64>
  %i2 = tessera.constant dense<2> : tensor<i64>
  %a0 = tessera.gather %dA, %i0 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m0 = tessera.mul %a0, %h0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b0 = tessera.gather %dBu, %i0 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h1 = tessera.sub %m0, %b0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c0 = tessera.gather %C, %i0 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y0 = tessera.einsum %h1, %c0 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r0 = tessera.reshape %y0 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %a1 = tessera.gather %dA, %i1 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m1 = tessera.mul %a1, %h1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b1 = tessera.gather %dBu, %i1 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h2 = tessera.sub %m1, %b1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c1 = tessera.gather %C, %i1 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y1 = tessera.einsum %h2, %c1 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r1 = tessera.reshape %y1 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %a2 = tessera.gather %dA, %i2 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m2 = tessera.mul %a2, %h2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b2 = tessera.gather %dBu, %i2 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h3 = tessera.sub %m2, %b2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c2 = tessera.gather %C, %i2 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y2 = tessera.einsum %h3, %c2 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r2 = tessera.reshape %y2 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %y = tessera.concat %r0, %r1, %r2 {axis = 1 : i64} : (tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// Near miss: the last step decays with step 1's exp(Δ·A).
// CHECK-LABEL: func @wrong_time_index
// CHECK-NOT: tessera.selective_scan
// CHECK-COUNT-3: tessera.einsum
func.func @wrong_time_index(%u: tensor<2x3x4xf32>, %dt: tensor<2x3x4xf32>, %A: tensor<4x2xf32>, %B: tensor<2x3x2xf32>, %C: tensor<2x3x2xf32>, %D: tensor<4xf32>, %z: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>) {
  %sp = tessera.softplus %dt : tensor<2x3x4xf32>
  %dt4 = tessera.reshape %sp : tensor<2x3x4xf32> to tensor<2x3x4x1xf32>
  %p = tessera.mul %dt4, %A : (tensor<2x3x4x1xf32>, tensor<4x2xf32>) -> tensor<2x3x4x2xf32>
  %dA = tessera.exp %p : tensor<2x3x4x2xf32>
  %B4 = tessera.reshape %B : tensor<2x3x2xf32> to tensor<2x3x1x2xf32>
  %dB = tessera.mul %dt4, %B4 : (tensor<2x3x4x1xf32>, tensor<2x3x1x2xf32>) -> tensor<2x3x4x2xf32>
  %u4 = tessera.reshape %u : tensor<2x3x4xf32> to tensor<2x3x4x1xf32>
  %dBu = tessera.mul %dB, %u4 : (tensor<2x3x4x2xf32>, tensor<2x3x4x1xf32>) -> tensor<2x3x4x2xf32>
  %h0 = tessera.constant dense<0.0> : tensor<2x4x2xf32>
  %i0 = tessera.constant dense<0> : tensor<i64>
  %i1 = tessera.constant dense<1> : tensor<i64>
  %i2 = tessera.constant dense<2> : tensor<i64>
  %a0 = tessera.gather %dA, %i0 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m0 = tessera.mul %a0, %h0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b0 = tessera.gather %dBu, %i0 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h1 = tessera.add %m0, %b0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c0 = tessera.gather %C, %i0 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y0 = tessera.einsum %h1, %c0 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r0 = tessera.reshape %y0 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %a1 = tessera.gather %dA, %i1 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m1 = tessera.mul %a1, %h1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b1 = tessera.gather %dBu, %i1 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h2 = tessera.add %m1, %b1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c1 = tessera.gather %C, %i1 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y1 = tessera.einsum %h2, %c1 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r1 = tessera.reshape %y1 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %a2 = tessera.gather %dA, %i1 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m2 = tessera.mul %a2, %h2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b2 = tessera.gather %dBu, %i2 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h3 = tessera.add %m2, %b2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c2 = tessera.gather %C, %i2 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y2 = tessera.einsum %h3, %c2 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r2 = tessera.reshape %y2 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %y = tessera.concat %r0, %r1, %r2 {axis = 1 : i64} : (tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// Near miss: the last step reads C of step 0.
// CHECK-LABEL: func @wrong_readout_index
// CHECK-NOT: tessera.selective_scan
// CHECK-COUNT-3: tessera.einsum
func.func @wrong_readout_index(%u: tensor<2x3x4xf32>, %dt: tensor<2x3x4xf32>, %A: tensor<4x2xf32>, %B: tensor<2x3x2xf32>, %C: tensor<2x3x2xf32>, %D: tensor<4xf32>, %z: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>) {
  %sp = tessera.softplus %dt : tensor<2x3x4xf32>
  %dt4 = tessera.reshape %sp : tensor<2x3x4xf32> to tensor<2x3x4x1xf32>
  %p = tessera.mul %dt4, %A : (tensor<2x3x4x1xf32>, tensor<4x2xf32>) -> tensor<2x3x4x2xf32>
  %dA = tessera.exp %p : tensor<2x3x4x2xf32>
  %B4 = tessera.reshape %B : tensor<2x3x2xf32> to tensor<2x3x1x2xf32>
  %dB = tessera.mul %dt4, %B4 : (tensor<2x3x4x1xf32>, tensor<2x3x1x2xf32>) -> tensor<2x3x4x2xf32>
  %u4 = tessera.reshape %u : tensor<2x3x4xf32> to tensor<2x3x4x1xf32>
  %dBu = tessera.mul %dB, %u4 : (tensor<2x3x4x2xf32>, tensor<2x3x4x1xf32>) -> tensor<2x3x4x2xf32>
  %h0 = tessera.constant dense<0.0> : tensor<2x4x2xf32>
  %i0 = tessera.constant dense<0> : tensor<i64>
  %i1 = tessera.constant dense<1> : tensor<i64>
  %i2 = tessera.constant dense<2> : tensor<i64>
  %a0 = tessera.gather %dA, %i0 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m0 = tessera.mul %a0, %h0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b0 = tessera.gather %dBu, %i0 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h1 = tessera.add %m0, %b0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c0 = tessera.gather %C, %i0 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y0 = tessera.einsum %h1, %c0 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r0 = tessera.reshape %y0 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %a1 = tessera.gather %dA, %i1 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m1 = tessera.mul %a1, %h1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b1 = tessera.gather %dBu, %i1 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h2 = tessera.add %m1, %b1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c1 = tessera.gather %C, %i1 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y1 = tessera.einsum %h2, %c1 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r1 = tessera.reshape %y1 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %a2 = tessera.gather %dA, %i2 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %m2 = tessera.mul %a2, %h2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %b2 = tessera.gather %dBu, %i2 {axis = 1 : i64} : (tensor<2x3x4x2xf32>, tensor<i64>) -> tensor<2x4x2xf32>
  %h3 = tessera.add %m2, %b2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c2 = tessera.gather %C, %i0 {axis = 1 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<2x2xf32>
  %y2 = tessera.einsum %h3, %c2 {equation = "abc,ac->ab"} : (tensor<2x4x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %r2 = tessera.reshape %y2 : tensor<2x4xf32> to tensor<2x1x4xf32>
  %y = tessera.concat %r0, %r1, %r2 {axis = 1 : i64} : (tensor<2x1x4xf32>, tensor<2x1x4xf32>, tensor<2x1x4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// Near miss: the decay is exp(Δ)·A, not exp(Δ·A).
// CHECK-LABEL: func @decay_not_exp
// CHECK-NOT: tessera.selective_scan
// CHECK-COUNT-3: tessera.reduce_sum
func.func @decay_not_exp(%u: tensor<2x4x3xf32>, %dt: tensor<2x4x3xf32>, %A: tensor<4x2xf32>, %B: tensor<2x2x3xf32>, %C: tensor<2x2x3xf32>) -> tensor<2x4x3xf32> {
  %h0 = tessera.constant dense<0.0> : tensor<2x4x2xf32>
  %i0 = tessera.constant dense<0> : tensor<i64>
  %i1 = tessera.constant dense<1> : tensor<i64>
  %i2 = tessera.constant dense<2> : tensor<i64>
  %d0 = tessera.gather %dt, %i0 {axis = 2 : i64} : (tensor<2x4x3xf32>, tensor<i64>) -> tensor<2x4xf32>
  %d0e = tessera.reshape %d0 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %e0 = tessera.exp %d0e : tensor<2x4x1xf32>
  %a0 = tessera.mul %e0, %A : (tensor<2x4x1xf32>, tensor<4x2xf32>) -> tensor<2x4x2xf32>
  %bt0 = tessera.gather %B, %i0 {axis = 2 : i64} : (tensor<2x2x3xf32>, tensor<i64>) -> tensor<2x2xf32>
  %bt0e = tessera.reshape %bt0 : tensor<2x2xf32> to tensor<2x1x2xf32>
  %x0 = tessera.gather %u, %i0 {axis = 2 : i64} : (tensor<2x4x3xf32>, tensor<i64>) -> tensor<2x4xf32>
  %x0e = tessera.reshape %x0 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %dx0 = tessera.mul %x0e, %d0e : (tensor<2x4x1xf32>, tensor<2x4x1xf32>) -> tensor<2x4x1xf32>
  %b0 = tessera.mul %bt0e, %dx0 : (tensor<2x1x2xf32>, tensor<2x4x1xf32>) -> tensor<2x4x2xf32>
  %m0 = tessera.mul %h0, %a0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %h1 = tessera.add %b0, %m0 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c0 = tessera.gather %C, %i0 {axis = 2 : i64} : (tensor<2x2x3xf32>, tensor<i64>) -> tensor<2x2xf32>
  %c0e = tessera.reshape %c0 : tensor<2x2xf32> to tensor<2x1x2xf32>
  %hc0 = tessera.mul %h1, %c0e : (tensor<2x4x2xf32>, tensor<2x1x2xf32>) -> tensor<2x4x2xf32>
  %y0 = tessera.reduce_sum %hc0 {axes = array<i64: 2>, keepdims = false} : tensor<2x4x2xf32> to tensor<2x4xf32>
  %r0 = tessera.reshape %y0 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %d1 = tessera.gather %dt, %i1 {axis = 2 : i64} : (tensor<2x4x3xf32>, tensor<i64>) -> tensor<2x4xf32>
  %d1e = tessera.reshape %d1 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %e1 = tessera.exp %d1e : tensor<2x4x1xf32>
  %a1 = tessera.mul %e1, %A : (tensor<2x4x1xf32>, tensor<4x2xf32>) -> tensor<2x4x2xf32>
  %bt1 = tessera.gather %B, %i1 {axis = 2 : i64} : (tensor<2x2x3xf32>, tensor<i64>) -> tensor<2x2xf32>
  %bt1e = tessera.reshape %bt1 : tensor<2x2xf32> to tensor<2x1x2xf32>
  %x1 = tessera.gather %u, %i1 {axis = 2 : i64} : (tensor<2x4x3xf32>, tensor<i64>) -> tensor<2x4xf32>
  %x1e = tessera.reshape %x1 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %dx1 = tessera.mul %x1e, %d1e : (tensor<2x4x1xf32>, tensor<2x4x1xf32>) -> tensor<2x4x1xf32>
  %b1 = tessera.mul %bt1e, %dx1 : (tensor<2x1x2xf32>, tensor<2x4x1xf32>) -> tensor<2x4x2xf32>
  %m1 = tessera.mul %h1, %a1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %h2 = tessera.add %b1, %m1 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c1 = tessera.gather %C, %i1 {axis = 2 : i64} : (tensor<2x2x3xf32>, tensor<i64>) -> tensor<2x2xf32>
  %c1e = tessera.reshape %c1 : tensor<2x2xf32> to tensor<2x1x2xf32>
  %hc1 = tessera.mul %h2, %c1e : (tensor<2x4x2xf32>, tensor<2x1x2xf32>) -> tensor<2x4x2xf32>
  %y1 = tessera.reduce_sum %hc1 {axes = array<i64: 2>, keepdims = false} : tensor<2x4x2xf32> to tensor<2x4xf32>
  %r1 = tessera.reshape %y1 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %d2 = tessera.gather %dt, %i2 {axis = 2 : i64} : (tensor<2x4x3xf32>, tensor<i64>) -> tensor<2x4xf32>
  %d2e = tessera.reshape %d2 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %e2 = tessera.exp %d2e : tensor<2x4x1xf32>
  %a2 = tessera.mul %e2, %A : (tensor<2x4x1xf32>, tensor<4x2xf32>) -> tensor<2x4x2xf32>
  %bt2 = tessera.gather %B, %i2 {axis = 2 : i64} : (tensor<2x2x3xf32>, tensor<i64>) -> tensor<2x2xf32>
  %bt2e = tessera.reshape %bt2 : tensor<2x2xf32> to tensor<2x1x2xf32>
  %x2 = tessera.gather %u, %i2 {axis = 2 : i64} : (tensor<2x4x3xf32>, tensor<i64>) -> tensor<2x4xf32>
  %x2e = tessera.reshape %x2 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %dx2 = tessera.mul %x2e, %d2e : (tensor<2x4x1xf32>, tensor<2x4x1xf32>) -> tensor<2x4x1xf32>
  %b2 = tessera.mul %bt2e, %dx2 : (tensor<2x1x2xf32>, tensor<2x4x1xf32>) -> tensor<2x4x2xf32>
  %m2 = tessera.mul %h2, %a2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %h3 = tessera.add %b2, %m2 : (tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %c2 = tessera.gather %C, %i2 {axis = 2 : i64} : (tensor<2x2x3xf32>, tensor<i64>) -> tensor<2x2xf32>
  %c2e = tessera.reshape %c2 : tensor<2x2xf32> to tensor<2x1x2xf32>
  %hc2 = tessera.mul %h3, %c2e : (tensor<2x4x2xf32>, tensor<2x1x2xf32>) -> tensor<2x4x2xf32>
  %y2 = tessera.reduce_sum %hc2 {axes = array<i64: 2>, keepdims = false} : tensor<2x4x2xf32> to tensor<2x4xf32>
  %r2 = tessera.reshape %y2 : tensor<2x4xf32> to tensor<2x4x1xf32>
  %y = tessera.concat %r0, %r1, %r2 {axis = 2 : i64} : (tensor<2x4x1xf32>, tensor<2x4x1xf32>, tensor<2x4x1xf32>) -> tensor<2x4x3xf32>
  return %y : tensor<2x4x3xf32>
}

// -----

// Near miss: a non-diagonal A (h = h·A + b).
// CHECK-LABEL: func @non_diagonal
// CHECK-NOT: tessera.selective_scan
// CHECK-COUNT-3: tessera.matmul
func.func @non_diagonal(%A: tensor<2x2xf32>, %b: tensor<3x4x2xf32>, %C: tensor<3x2xf32>) -> tensor<3x4xf32> {
  %h0 = tessera.constant dense<0.0> : tensor<4x2xf32>
  %i0 = tessera.constant dense<0> : tensor<i64>
  %i1 = tessera.constant dense<1> : tensor<i64>
  %i2 = tessera.constant dense<2> : tensor<i64>
  %m0 = tessera.matmul %h0, %A : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %b0 = tessera.gather %b, %i0 {axis = 0 : i64} : (tensor<3x4x2xf32>, tensor<i64>) -> tensor<4x2xf32>
  %h1 = tessera.add %m0, %b0 : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %c0 = tessera.gather %C, %i0 {axis = 0 : i64} : (tensor<3x2xf32>, tensor<i64>) -> tensor<2xf32>
  %y0 = tessera.einsum %h1, %c0 {equation = "ab,b->a"} : (tensor<4x2xf32>, tensor<2xf32>) -> tensor<4xf32>
  %r0 = tessera.reshape %y0 : tensor<4xf32> to tensor<1x4xf32>
  %m1 = tessera.matmul %h1, %A : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %b1 = tessera.gather %b, %i1 {axis = 0 : i64} : (tensor<3x4x2xf32>, tensor<i64>) -> tensor<4x2xf32>
  %h2 = tessera.add %m1, %b1 : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %c1 = tessera.gather %C, %i1 {axis = 0 : i64} : (tensor<3x2xf32>, tensor<i64>) -> tensor<2xf32>
  %y1 = tessera.einsum %h2, %c1 {equation = "ab,b->a"} : (tensor<4x2xf32>, tensor<2xf32>) -> tensor<4xf32>
  %r1 = tessera.reshape %y1 : tensor<4xf32> to tensor<1x4xf32>
  %m2 = tessera.matmul %h2, %A : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %b2 = tessera.gather %b, %i2 {axis = 0 : i64} : (tensor<3x4x2xf32>, tensor<i64>) -> tensor<4x2xf32>
  %h3 = tessera.add %m2, %b2 : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %c2 = tessera.gather %C, %i2 {axis = 0 : i64} : (tensor<3x2xf32>, tensor<i64>) -> tensor<2xf32>
  %y2 = tessera.einsum %h3, %c2 {equation = "ab,b->a"} : (tensor<4x2xf32>, tensor<2xf32>) -> tensor<4xf32>
  %r2 = tessera.reshape %y2 : tensor<4xf32> to tensor<1x4xf32>
  %y = tessera.concat %r0, %r1, %r2 {axis = 0 : i64} : (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}
