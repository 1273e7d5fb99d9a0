// RUN: tessera-opt %s -split-input-file -tessera-drop-layers=measure=1 | FileCheck %s --check-prefix=MEASURE
// RUN: tessera-opt %s -split-input-file -tessera-drop-layers="attention=0" -canonicalize | FileCheck %s --check-prefix=ATTN
// RUN: tessera-opt %s -split-input-file -tessera-drop-layers="mlp=0" -canonicalize | FileCheck %s --check-prefix=MLP
// RUN: tessera-opt %s -split-input-file -tessera-drop-layers="attention=0 mlp=0" -canonicalize | FileCheck %s --check-prefix=BOTH

// One pre-LN block on [2, 4, 8] after a positional embedding: the attention
// sublayer ends in an add (the stream on the right), the MLP one in a linear
// layer's residual epilogue. Near misses that are no sublayer: the
// embedding's add (a constant, not computed from the stream) and
// h + gelu(h) (no linear layer or attention on the branch).
// MEASURE-LABEL: func.func @block
// MEASURE-SAME: -> (tensor<2x4x8xf32>, tensor<f32> {tessera.name = "sublayer0", tessera.sublayer_index = 0 : i64, tessera.sublayer_kind = "attention", tessera.sublayer_node = "attn_add"}, tensor<f32> {tessera.name = "sublayer1", tessera.sublayer_index = 0 : i64, tessera.sublayer_kind = "mlp", tessera.sublayer_node = ""})
// MEASURE: %[[R:.*]] = tessera.add %{{.*}}, %[[X:.*]] : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
// MEASURE: %[[XY:.*]] = tessera.mul %[[X]], %[[R]]
// MEASURE: %[[DOT:.*]] = tessera.reduce_sum %[[XY]] {axes = array<i64: 2>, keepdims = false} : tensor<2x4x8xf32> to tensor<2x4xf32>
// MEASURE: tessera.sqrt
// MEASURE: %[[COS:.*]] = tessera.div %[[DOT]], %{{.*}} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
// MEASURE: %[[S0:.*]] = tessera.reduce_mean %[[COS]] {axes = array<i64: 0, 1>, keepdims = false} : tensor<2x4xf32> to tensor<f32>
// MEASURE: %[[Y:.*]] = tessera.linear {{.*}} residual %[[R]]
// MEASURE: %[[S1:.*]] = tessera.reduce_mean {{.*}} : tensor<2x4xf32> to tensor<f32>
// MEASURE: return %{{.*}}, %[[S0]], %[[S1]]
// ATTN-LABEL: func.func @block
// ATTN-NOT: tessera.attention
// ATTN: %[[X:.*]] = tessera.add %arg0, %{{.*}} : (tensor<2x4x8xf32>, tensor<4x8xf32>) -> tensor<2x4x8xf32>
// ATTN: tessera.layer_norm %[[X]]
// ATTN: tessera.linear {{.*}} residual %[[X]]
// MLP-LABEL: func.func @block
// MLP: %[[R:.*]] = tessera.add %{{.*}}, %{{.*}} : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
// MLP-NOT: tessera.linear
// MLP: %[[G:.*]] = tessera.gelu %[[R]]
// MLP: tessera.add %[[R]], %[[G]]
// BOTH-LABEL: func.func @block
// BOTH-NOT: tessera.attention
// BOTH-NOT: tessera.linear
// BOTH: %[[X:.*]] = tessera.add %arg0, %{{.*}} : (tensor<2x4x8xf32>, tensor<4x8xf32>) -> tensor<2x4x8xf32>
// BOTH: %[[G:.*]] = tessera.gelu %[[X]]
// BOTH: tessera.add %[[X]], %[[G]]
func.func @block(%in: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %pos = tessera.constant dense<0.5> : tensor<4x8xf32>
  %g = tessera.constant dense<1.0> : tensor<8xf32>
  %z = tessera.constant dense<0.0> : tensor<8xf32>
  %wq = tessera.constant dense<0.1> : tensor<8x8xf32>
  %wo = tessera.constant dense<0.2> : tensor<8x8xf32>
  %w1 = tessera.constant dense<0.3> : tensor<8x16xf32>
  %w2 = tessera.constant dense<0.4> : tensor<16x8xf32>
  %x = tessera.add %in, %pos : (tensor<2x4x8xf32>, tensor<4x8xf32>) -> tensor<2x4x8xf32>
  %n1 = tessera.layer_norm %x, %g, %z {axis = 2 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  %p = tessera.linear %n1, %wq : (tensor<2x4x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
  %h = tessera.reshape %p : tensor<2x4x8xf32> to tensor<2x4x2x4xf32>
  %q = tessera.transpose %h {perm = array<i64: 0, 2, 1, 3>} : tensor<2x4x2x4xf32> to tensor<2x2x4x4xf32>
  %a = tessera.attention %q, %q, %q {scale = 0.5 : f64} : (tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32>
  %t = tessera.transpose %a {perm = array<i64: 0, 2, 1, 3>} : tensor<2x2x4x4xf32> to tensor<2x4x2x4xf32>
  %o = tessera.reshape %t : tensor<2x4x2x4xf32> to tensor<2x4x8xf32>
  %po = tessera.linear %o, %wo : (tensor<2x4x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
  %r = tessera.add %po, %x : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32> loc("attn_add")
  %n2 = tessera.layer_norm %r, %g, %z {axis = 2 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  %f = tessera.linear %n2, %w1 {activation = "gelu"} : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
  %y = tessera.linear %f, %w2 residual %r : (tensor<2x4x16xf32>, tensor<16x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %e = tessera.gelu %y : tensor<2x4x8xf32>
  %out = tessera.add %y, %e : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return %out : tensor<2x4x8xf32>
}
