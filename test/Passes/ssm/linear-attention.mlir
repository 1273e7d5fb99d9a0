// RUN: tessera-opt %s -split-input-file -tessera-fuse-linear-attention -canonicalize | FileCheck %s
// Unrolled linear-attention recurrences -> one tessera.linear_attention.

// Gated linear attention: per-key decay, einsum read-out, stacked on axis 2.
// CHECK-LABEL: func @gla
// CHECK: %[[O:.*]], %{{.*}} = tessera.linear_attention %arg0, %arg1, %arg2 gate %arg3 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x3xf32>, tensor<1x2x3x4xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x4x3xf32>)
// CHECK-NEXT: return %[[O]]
func.func @gla(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x3x4xf32>, %v: tensor<1x2x3x3xf32>, %g: tensor<1x2x3x4xf32>) -> tensor<1x2x3x3xf32> {
  %s0 = tessera.constant dense<0.0> : tensor<1x2x4x3xf32>
  %i0 = tessera.constant dense<0> : tensor<i64>
  %i1 = tessera.constant dense<1> : tensor<i64>
  %i2 = tessera.constant dense<2> : tensor<i64>
  %g0 = tessera.gather %g, %i0 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ge0 = tessera.reshape %g0 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %m0 = tessera.mul %ge0, %s0 : (tensor<1x2x4x1xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %k0 = tessera.gather %k, %i0 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ke0 = tessera.reshape %k0 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %v0 = tessera.gather %v, %i0 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ve0 = tessera.reshape %v0 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %kv0 = tessera.mul %ke0, %ve0 : (tensor<1x2x4x1xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x4x3xf32>
  %s1 = tessera.add %m0, %kv0 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q0 = tessera.gather %q, %i0 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %o0 = tessera.einsum %q0, %s1 {equation = "abc,abcd->abd"} : (tensor<1x2x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3xf32>
  %r0 = tessera.reshape %o0 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %g1 = tessera.gather %g, %i1 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ge1 = tessera.reshape %g1 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %m1 = tessera.mul %ge1, %s1 : (tensor<1x2x4x1xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %k1 = tessera.gather %k, %i1 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ke1 = tessera.reshape %k1 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %v1 = tessera.gather %v, %i1 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ve1 = tessera.reshape %v1 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %kv1 = tessera.mul %ke1, %ve1 : (tensor<1x2x4x1xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x4x3xf32>
  %s2 = tessera.add %m1, %kv1 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q1 = tessera.gather %q, %i1 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %o1 = tessera.einsum %q1, %s2 {equation = "abc,abcd->abd"} : (tensor<1x2x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3xf32>
  %r1 = tessera.reshape %o1 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %g2 = tessera.gather %g, %i2 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ge2 = tessera.reshape %g2 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %m2 = tessera.mul %ge2, %s2 : (tensor<1x2x4x1xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %k2 = tessera.gather %k, %i2 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ke2 = tessera.reshape %k2 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %v2 = tessera.gather %v, %i2 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ve2 = tessera.reshape %v2 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %kv2 = tessera.mul %ke2, %ve2 : (tensor<1x2x4x1xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x4x3xf32>
  %s3 = tessera.add %m2, %kv2 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q2 = tessera.gather %q, %i2 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %o2 = tessera.einsum %q2, %s3 {equation = "abc,abcd->abd"} : (tensor<1x2x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3xf32>
  %r2 = tessera.reshape %o2 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %o = tessera.concat %r0, %r1, %r2 {axis = 2 : i64} : (tensor<1x2x1x3xf32>, tensor<1x2x1x3xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x3x3xf32>
  return %o : tensor<1x2x3x3xf32>
}

// -----

// Ungated, as matmuls of keep-dim slices (the first state is k_0ᵀv_0 itself), torch.cat.
// CHECK-LABEL: func @matmuls
// CHECK: %[[O:.*]], %{{.*}} = tessera.linear_attention %arg0, %arg1, %arg2 :
// CHECK-NEXT: return %[[O]]
func.func @matmuls(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x3x4xf32>, %v: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %k0 = tessera.slice %k {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x4xf32> to tensor<1x2x1x4xf32>
  %kt0 = tessera.transpose %k0 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x1x4xf32> to tensor<1x2x4x1xf32>
  %v0 = tessera.slice %v {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x3xf32> to tensor<1x2x1x3xf32>
  %kv0 = tessera.matmul %kt0, %v0 : (tensor<1x2x4x1xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x4x3xf32>
  %s0 = tessera.reshape %kv0 : tensor<1x2x4x3xf32> to tensor<1x2x4x3xf32>
  %q0 = tessera.slice %q {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x4xf32> to tensor<1x2x1x4xf32>
  %o0 = tessera.matmul %q0, %s0 : (tensor<1x2x1x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x1x3xf32>
  %k1 = tessera.slice %k {starts = array<i64: 0, 0, 1, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x4xf32> to tensor<1x2x1x4xf32>
  %kt1 = tessera.transpose %k1 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x1x4xf32> to tensor<1x2x4x1xf32>
  %v1 = tessera.slice %v {starts = array<i64: 0, 0, 1, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x3xf32> to tensor<1x2x1x3xf32>
  %kv1 = tessera.matmul %kt1, %v1 : (tensor<1x2x4x1xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x4x3xf32>
  %s1 = tessera.add %s0, %kv1 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q1 = tessera.slice %q {starts = array<i64: 0, 0, 1, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x4xf32> to tensor<1x2x1x4xf32>
  %o1 = tessera.matmul %q1, %s1 : (tensor<1x2x1x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x1x3xf32>
  %k2 = tessera.slice %k {starts = array<i64: 0, 0, 2, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x4xf32> to tensor<1x2x1x4xf32>
  %kt2 = tessera.transpose %k2 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x1x4xf32> to tensor<1x2x4x1xf32>
  %v2 = tessera.slice %v {starts = array<i64: 0, 0, 2, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x3xf32> to tensor<1x2x1x3xf32>
  %kv2 = tessera.matmul %kt2, %v2 : (tensor<1x2x4x1xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x4x3xf32>
  %s2 = tessera.add %s1, %kv2 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q2 = tessera.slice %q {starts = array<i64: 0, 0, 2, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x4xf32> to tensor<1x2x1x4xf32>
  %o2 = tessera.matmul %q2, %s2 : (tensor<1x2x1x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x1x3xf32>
  %o = tessera.concat %o0, %o1, %o2 {axis = 2 : i64} : (tensor<1x2x1x3xf32>, tensor<1x2x1x3xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x3x3xf32>
  return %o : tensor<1x2x3x3xf32>
}

// -----

// Near miss: the decay varies along the value dim.
// CHECK-LABEL: func @gate_on_value
// CHECK-NOT: tessera.linear_attention
// CHECK-COUNT-3: tessera.einsum
func.func @gate_on_value(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x3x4xf32>, %v: tensor<1x2x3x3xf32>, %g: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %s0 = tessera.constant dense<0.0> : tensor<1x2x4x3xf32>
  %i0 = tessera.constant dense<0> : tensor<i64>
  %i1 = tessera.constant dense<1> : tensor<i64>
  %i2 = tessera.constant dense<2> : tensor<i64>
  %g0 = tessera.gather %g, %i0 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ge0 = tessera.reshape %g0 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %m0 = tessera.mul %ge0, %s0 : (tensor<1x2x1x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %k0 = tessera.gather %k, %i0 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ke0 = tessera.reshape %k0 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %v0 = tessera.gather %v, %i0 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ve0 = tessera.reshape %v0 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %kv0 = tessera.mul %ke0, %ve0 : (tensor<1x2x4x1xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x4x3xf32>
  %s1 = tessera.add %m0, %kv0 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q0 = tessera.gather %q, %i0 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %o0 = tessera.einsum %q0, %s1 {equation = "abc,abcd->abd"} : (tensor<1x2x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3xf32>
  %r0 = tessera.reshape %o0 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %g1 = tessera.gather %g, %i1 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ge1 = tessera.reshape %g1 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %m1 = tessera.mul %ge1, %s1 : (tensor<1x2x1x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %k1 = tessera.gather %k, %i1 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ke1 = tessera.reshape %k1 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %v1 = tessera.gather %v, %i1 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ve1 = tessera.reshape %v1 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %kv1 = tessera.mul %ke1, %ve1 : (tensor<1x2x4x1xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x4x3xf32>
  %s2 = tessera.add %m1, %kv1 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q1 = tessera.gather %q, %i1 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %o1 = tessera.einsum %q1, %s2 {equation = "abc,abcd->abd"} : (tensor<1x2x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3xf32>
  %r1 = tessera.reshape %o1 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %g2 = tessera.gather %g, %i2 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ge2 = tessera.reshape %g2 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %m2 = tessera.mul %ge2, %s2 : (tensor<1x2x1x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %k2 = tessera.gather %k, %i2 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ke2 = tessera.reshape %k2 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %v2 = tessera.gather %v, %i2 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ve2 = tessera.reshape %v2 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %kv2 = tessera.mul %ke2, %ve2 : (tensor<1x2x4x1xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x4x3xf32>
  %s3 = tessera.add %m2, %kv2 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q2 = tessera.gather %q, %i2 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %o2 = tessera.einsum %q2, %s3 {equation = "abc,abcd->abd"} : (tensor<1x2x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3xf32>
  %r2 = tessera.reshape %o2 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %o = tessera.concat %r0, %r1, %r2 {axis = 2 : i64} : (tensor<1x2x1x3xf32>, tensor<1x2x1x3xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x3x3xf32>
  return %o : tensor<1x2x3x3xf32>
}

// -----

// Near miss: the last step decays with step 1's gate.
// CHECK-LABEL: func @wrong_time_index
// CHECK-NOT: tessera.linear_attention
// CHECK-COUNT-3: tessera.einsum
func.func @wrong_time_index(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x3x4xf32>, %v: tensor<1x2x3x3xf32>, %g: tensor<1x2x3x4xf32>) -> tensor<1x2x3x3xf32> {
  %s0 = tessera.constant dense<0.0> : tensor<1x2x4x3xf32>
  %i0 = tessera.constant dense<0> : tensor<i64>
  %i1 = tessera.constant dense<1> : tensor<i64>
  %i2 = tessera.constant dense<2> : tensor<i64>
  %g0 = tessera.gather %g, %i0 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ge0 = tessera.reshape %g0 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %m0 = tessera.mul %ge0, %s0 : (tensor<1x2x4x1xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %k0 = tessera.gather %k, %i0 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ke0 = tessera.reshape %k0 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %v0 = tessera.gather %v, %i0 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ve0 = tessera.reshape %v0 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %kv0 = tessera.mul %ke0, %ve0 : (tensor<1x2x4x1xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x4x3xf32>
  %s1 = tessera.add %m0, %kv0 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q0 = tessera.gather %q, %i0 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %o0 = tessera.einsum %q0, %s1 {equation = "abc,abcd->abd"} : (tensor<1x2x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3xf32>
  %r0 = tessera.reshape %o0 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %g1 = tessera.gather %g, %i1 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ge1 = tessera.reshape %g1 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %m1 = tessera.mul %ge1, %s1 : (tensor<1x2x4x1xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %k1 = tessera.gather %k, %i1 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ke1 = tessera.reshape %k1 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %v1 = tessera.gather %v, %i1 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ve1 = tessera.reshape %v1 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %kv1 = tessera.mul %ke1, %ve1 : (tensor<1x2x4x1xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x4x3xf32>
  %s2 = tessera.add %m1, %kv1 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q1 = tessera.gather %q, %i1 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %o1 = tessera.einsum %q1, %s2 {equation = "abc,abcd->abd"} : (tensor<1x2x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3xf32>
  %r1 = tessera.reshape %o1 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %g2 = tessera.gather %g, %i1 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ge2 = tessera.reshape %g2 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %m2 = tessera.mul %ge2, %s2 : (tensor<1x2x4x1xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %k2 = tessera.gather %k, %i2 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ke2 = tessera.reshape %k2 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %v2 = tessera.gather %v, %i2 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ve2 = tessera.reshape %v2 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %kv2 = tessera.mul %ke2, %ve2 : (tensor<1x2x4x1xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x4x3xf32>
  %s3 = tessera.add %m2, %kv2 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q2 = tessera.gather %q, %i2 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %o2 = tessera.einsum %q2, %s3 {equation = "abc,abcd->abd"} : (tensor<1x2x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3xf32>
  %r2 = tessera.reshape %o2 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %o = tessera.concat %r0, %r1, %r2 {axis = 2 : i64} : (tensor<1x2x1x3xf32>, tensor<1x2x1x3xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x3x3xf32>
  return %o : tensor<1x2x3x3xf32>
}

// -----

// Near miss: the input k_t·S is not an outer product of k_t and v_t.
// CHECK-LABEL: func @not_outer_product
// CHECK-NOT: tessera.linear_attention
// CHECK-COUNT-3: tessera.einsum
func.func @not_outer_product(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x3x4xf32>, %v: tensor<1x2x3x3xf32>, %g: tensor<1x2x3x4xf32>) -> tensor<1x2x3x3xf32> {
  %s0 = tessera.constant dense<0.0> : tensor<1x2x4x3xf32>
  %i0 = tessera.constant dense<0> : tensor<i64>
  %i1 = tessera.constant dense<1> : tensor<i64>
  %i2 = tessera.constant dense<2> : tensor<i64>
  %g0 = tessera.gather %g, %i0 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ge0 = tessera.reshape %g0 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %m0 = tessera.mul %ge0, %s0 : (tensor<1x2x4x1xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %k0 = tessera.gather %k, %i0 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ke0 = tessera.reshape %k0 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %v0 = tessera.gather %v, %i0 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ve0 = tessera.reshape %v0 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %kv0 = tessera.mul %ke0, %s0 : (tensor<1x2x4x1xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %s1 = tessera.add %m0, %kv0 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q0 = tessera.gather %q, %i0 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %o0 = tessera.einsum %q0, %s1 {equation = "abc,abcd->abd"} : (tensor<1x2x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3xf32>
  %r0 = tessera.reshape %o0 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %g1 = tessera.gather %g, %i1 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ge1 = tessera.reshape %g1 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %m1 = tessera.mul %ge1, %s1 : (tensor<1x2x4x1xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %k1 = tessera.gather %k, %i1 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ke1 = tessera.reshape %k1 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %v1 = tessera.gather %v, %i1 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ve1 = tessera.reshape %v1 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %kv1 = tessera.mul %ke1, %s1 : (tensor<1x2x4x1xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %s2 = tessera.add %m1, %kv1 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q1 = tessera.gather %q, %i1 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %o1 = tessera.einsum %q1, %s2 {equation = "abc,abcd->abd"} : (tensor<1x2x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3xf32>
  %r1 = tessera.reshape %o1 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %g2 = tessera.gather %g, %i2 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ge2 = tessera.reshape %g2 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %m2 = tessera.mul %ge2, %s2 : (tensor<1x2x4x1xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %k2 = tessera.gather %k, %i2 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %ke2 = tessera.reshape %k2 : tensor<1x2x4xf32> to tensor<1x2x4x1xf32>
  %v2 = tessera.gather %v, %i2 {axis = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<i64>) -> tensor<1x2x3xf32>
  %ve2 = tessera.reshape %v2 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %kv2 = tessera.mul %ke2, %s2 : (tensor<1x2x4x1xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %s3 = tessera.add %m2, %kv2 : (tensor<1x2x4x3xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  %q2 = tessera.gather %q, %i2 {axis = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x4xf32>
  %o2 = tessera.einsum %q2, %s3 {equation = "abc,abcd->abd"} : (tensor<1x2x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3xf32>
  %r2 = tessera.reshape %o2 : tensor<1x2x3xf32> to tensor<1x2x1x3xf32>
  %o = tessera.concat %r0, %r1, %r2 {axis = 2 : i64} : (tensor<1x2x1x3xf32>, tensor<1x2x1x3xf32>, tensor<1x2x1x3xf32>) -> tensor<1x2x3x3xf32>
  return %o : tensor<1x2x3x3xf32>
}
