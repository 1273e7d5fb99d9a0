// RUN: tessera-opt %s -split-input-file -tessera-fuse-attention -canonicalize | FileCheck %s
// softmax(Q·Kᵀ·scale + mask)·V -> tessera.attention, and near misses that
// must stay unfused.

// Head split, division by sqrt(d), key-padding mask [B, 1, 1, S].
// CHECK-LABEL: func @mha_padding_mask
// CHECK: %[[O:.*]] = tessera.attention %arg0, %arg1, %arg2, %arg3 {mask_kind = "additive", scale = 0.35355{{[0-9]+}} : f64} : (tensor<2x4x6x8xf32>, tensor<2x4x6x8xf32>, tensor<2x4x6x8xf32>, tensor<2x1x1x6xf32>) -> tensor<2x4x6x8xf32>
// CHECK-NOT: tessera.softmax
// CHECK: return %[[O]]
func.func @mha_padding_mask(%q: tensor<2x4x6x8xf32>, %k: tensor<2x4x6x8xf32>, %v: tensor<2x4x6x8xf32>, %m: tensor<2x1x1x6xf32>) -> tensor<2x4x6x8xf32> {
  %kt = tessera.transpose %k {perm = array<i64: 0, 1, 3, 2>} : tensor<2x4x6x8xf32> to tensor<2x4x8x6xf32>
  %s = tessera.matmul %q, %kt : (tensor<2x4x6x8xf32>, tensor<2x4x8x6xf32>) -> tensor<2x4x6x6xf32>
  %c = tessera.constant dense<2.82842712> : tensor<f32>
  %d = tessera.div %s, %c : (tensor<2x4x6x6xf32>, tensor<f32>) -> tensor<2x4x6x6xf32>
  %a = tessera.add %d, %m : (tensor<2x4x6x6xf32>, tensor<2x1x1x6xf32>) -> tensor<2x4x6x6xf32>
  %p = tessera.softmax %a {axis = 3 : i64} : tensor<2x4x6x6xf32>
  %o = tessera.matmul %p, %v : (tensor<2x4x6x6xf32>, tensor<2x4x6x8xf32>) -> tensor<2x4x6x8xf32>
  return %o : tensor<2x4x6x8xf32>
}

// -----

// Scores shifted by their row maximum first (torchaudio's wav2vec2): softmax
// is unchanged; a shift by the maximum over the queries is not.
// CHECK-LABEL: func @shifted_by_row_max
// CHECK: tessera.attention %arg0, %arg0, %arg0 {scale = 1.000000e+00 : f64}
// CHECK: tessera.softmax
func.func @shifted_by_row_max(%x: tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %kt = tessera.transpose %x {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x8xf32> to tensor<1x2x8x4xf32>
  %s = tessera.matmul %x, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %m = tessera.reduce_max %s {axes = array<i64: 3>, keepdims = true} : tensor<1x2x4x4xf32> to tensor<1x2x4x1xf32>
  %d = tessera.sub %s, %m : (tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x4xf32>
  %p = tessera.softmax %d {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %o = tessera.matmul %p, %x : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %m2 = tessera.reduce_max %s {axes = array<i64: 2>, keepdims = true} : tensor<1x2x4x4xf32> to tensor<1x2x1x4xf32>
  %d2 = tessera.sub %s, %m2 : (tensor<1x2x4x4xf32>, tensor<1x2x1x4xf32>) -> tensor<1x2x4x4xf32>
  %p2 = tessera.softmax %d2 {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %o2 = tessera.matmul %p2, %x : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o, %o2 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}

// -----

// The scale split over Q and Kᵀ; the mask added before a further scaling
// is scaled with the scores.
// CHECK-LABEL: func @scale_on_q_and_k
// CHECK: %[[M:.*]] = tessera.mul %arg3, %{{.*}} : (tensor<6x6xf32>, tensor<f32>) -> tensor<6x6xf32>
// CHECK: %[[M4:.*]] = tessera.reshape %[[M]] : tensor<6x6xf32> to tensor<1x1x6x6xf32>
// CHECK: tessera.attention %arg0, %arg1, %arg2, %[[M4]] {mask_kind = "additive", scale = 5.000000e-01 : f64}
func.func @scale_on_q_and_k(%q: tensor<1x2x6x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %m: tensor<6x6xf32>) -> tensor<1x2x6x8xf32> {
  %c = tessera.constant dense<0.5> : tensor<f32>
  %c2 = tessera.constant dense<2.0> : tensor<f32>
  %qs = tessera.mul %q, %c : (tensor<1x2x6x8xf32>, tensor<f32>) -> tensor<1x2x6x8xf32>
  %kt = tessera.transpose %k {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x6x8xf32> to tensor<1x2x8x6xf32>
  %ks = tessera.mul %c, %kt : (tensor<f32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  %s = tessera.matmul %qs, %ks : (tensor<1x2x6x8xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x6x6xf32>
  %a = tessera.add %s, %m : (tensor<1x2x6x6xf32>, tensor<6x6xf32>) -> tensor<1x2x6x6xf32>
  %b = tessera.mul %a, %c2 : (tensor<1x2x6x6xf32>, tensor<f32>) -> tensor<1x2x6x6xf32>
  %p = tessera.softmax %b {axis = 3 : i64} : tensor<1x2x6x6xf32>
  %o = tessera.matmul %p, %v : (tensor<1x2x6x6xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x6x8xf32>
  return %o : tensor<1x2x6x8xf32>
}

// -----

// Rank-3 [B*H, S, D] (torch.nn.MultiheadAttention's bmm form), cross
// attention with 5 keys; a constant lower triangle of -inf is `causal`.
// CHECK-LABEL: func @rank3_causal
// CHECK: %[[Q:.*]] = tessera.reshape %arg0 : tensor<4x3x8xf32> to tensor<1x4x3x8xf32>
// CHECK: %[[O:.*]] = tessera.attention %[[Q]], %{{.*}}, %{{.*}} {causal = true, scale = 5.000000e-01 : f64} : (tensor<1x4x3x8xf32>, tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>) -> tensor<1x4x3x8xf32>
// CHECK: tessera.reshape %[[O]] : tensor<1x4x3x8xf32> to tensor<4x3x8xf32>
func.func @rank3_causal(%q: tensor<4x3x8xf32>, %kt: tensor<4x8x5xf32>, %v: tensor<4x5x8xf32>) -> tensor<4x3x8xf32> {
  %c = tessera.constant dense<0.5> : tensor<f32>
  %tri = tessera.constant dense<[[0.0, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000, 0xFF800000]]> : tensor<3x5xf32>
  %s = tessera.matmul %q, %kt : (tensor<4x3x8xf32>, tensor<4x8x5xf32>) -> tensor<4x3x5xf32>
  %d = tessera.mul %s, %c : (tensor<4x3x5xf32>, tensor<f32>) -> tensor<4x3x5xf32>
  %a = tessera.add %tri, %d : (tensor<3x5xf32>, tensor<4x3x5xf32>) -> tensor<4x3x5xf32>
  %p = tessera.softmax %a {axis = 2 : i64} : tensor<4x3x5xf32>
  %o = tessera.matmul %p, %v : (tensor<4x3x5xf32>, tensor<4x5x8xf32>) -> tensor<4x3x8xf32>
  return %o : tensor<4x3x8xf32>
}

// -----

// An unfolded Trilu of a -inf splat (large masks stay unfolded), unsqueezed.
// CHECK-LABEL: func @trilu_causal
// CHECK: tessera.attention %arg0, %arg0, %arg0 {causal = true, scale = 1.000000e+00 : f64}
// CHECK-NOT: tessera.trilu
// The same Trilu keeping the diagonal masked too (k = 0) is not causal.
// CHECK: tessera.trilu %{{.*}} {upper = true}
// CHECK: tessera.attention %arg0, %arg0, %arg0, %{{.*}} {mask_kind = "additive"
func.func @trilu_causal(%x: tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %ninf = tessera.constant dense<0xFF800000> : tensor<4x4xf32>
  %tri = tessera.trilu %ninf {upper = true, k = 1 : i64} : tensor<4x4xf32>
  %tri4 = tessera.reshape %tri : tensor<4x4xf32> to tensor<1x1x4x4xf32>
  %kt = tessera.transpose %x {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x8xf32> to tensor<1x2x8x4xf32>
  %s = tessera.matmul %x, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %a = tessera.add %s, %tri4 : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = tessera.softmax %a {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %o = tessera.matmul %p, %x : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %tri0 = tessera.trilu %ninf {upper = true, k = 0 : i64} : tensor<4x4xf32>
  %a0 = tessera.add %s, %tri0 : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  %p0 = tessera.softmax %a0 {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %o0 = tessera.matmul %p0, %x : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o, %o0 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}

// -----

// The upper triangle kept instead (anti-causal): fused, but as a mask.
// CHECK-LABEL: func @not_causal_triangle
// CHECK: tessera.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {mask_kind = "additive"
// CHECK-NOT: causal = true
func.func @not_causal_triangle(%q: tensor<1x1x3x8xf32>, %k: tensor<1x1x3x8xf32>, %v: tensor<1x1x3x8xf32>) -> tensor<1x1x3x8xf32> {
  %tri = tessera.constant dense<[[0.0, 0.0, 0.0], [0xFF800000, 0.0, 0.0], [0xFF800000, 0xFF800000, 0.0]]> : tensor<3x3xf32>
  %kt = tessera.transpose %k {perm = array<i64: 0, 1, 3, 2>} : tensor<1x1x3x8xf32> to tensor<1x1x8x3xf32>
  %s = tessera.matmul %q, %kt : (tensor<1x1x3x8xf32>, tensor<1x1x8x3xf32>) -> tensor<1x1x3x3xf32>
  %a = tessera.add %s, %tri : (tensor<1x1x3x3xf32>, tensor<3x3xf32>) -> tensor<1x1x3x3xf32>
  %p = tessera.softmax %a {axis = 3 : i64} : tensor<1x1x3x3xf32>
  %o = tessera.matmul %p, %v : (tensor<1x1x3x3xf32>, tensor<1x1x3x8xf32>) -> tensor<1x1x3x8xf32>
  return %o : tensor<1x1x3x8xf32>
}

// -----

// Boolean masks through Where: keep where true (fill -inf), or the inverted
// select; a huge finite fill becomes an additive mask.
// CHECK-LABEL: func @where_masks
// CHECK: tessera.attention %arg0, %arg0, %arg0, %{{.*}} {mask_kind = "boolean", scale = 1.000000e+00 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x4x4xi1>)
// CHECK: %[[KEEP:.*]] = tessera.not %arg1
// CHECK: tessera.attention %arg0, %arg0, %arg0, %{{.*}} {mask_kind = "boolean"
// CHECK: tessera.where %arg1, %{{.*}}, %{{.*}} : (tensor<4x4xi1>, tensor<f32>, tensor<f32>) -> tensor<4x4xf32>
// CHECK: tessera.attention %arg0, %arg0, %arg0, %{{.*}} {mask_kind = "additive"
func.func @where_masks(%x: tensor<1x2x4x8xf32>, %keep: tensor<4x4xi1>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %ninf = tessera.constant dense<0xFF800000> : tensor<f32>
  %min = tessera.constant dense<-3.40282347E+38> : tensor<f32>
  %kt = tessera.transpose %x {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x8xf32> to tensor<1x2x8x4xf32>
  %s = tessera.matmul %x, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %w1 = tessera.where %keep, %s, %ninf : (tensor<4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p1 = tessera.softmax %w1 {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %o1 = tessera.matmul %p1, %x : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %w2 = tessera.where %keep, %ninf, %s : (tensor<4x4xi1>, tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p2 = tessera.softmax %w2 {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %o2 = tessera.matmul %p2, %x : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %w3 = tessera.where %keep, %s, %min : (tensor<4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p3 = tessera.softmax %w3 {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %o3 = tessera.matmul %p3, %x : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o1, %o2, %o3 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}

// -----

// Grouped-query attention: K/V repeated by Unsqueeze/Expand/Reshape and by a
// Gather of head indices h / 2 are taken un-repeated.
// CHECK-LABEL: func @grouped_query
// CHECK: tessera.attention %arg0, %arg1, %arg2 {scale = 1.000000e+00 : f64} : (tensor<1x4x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x4x5x8xf32>
// CHECK: tessera.attention %arg0, %arg1, %arg1 {scale = 1.000000e+00 : f64} : (tensor<1x4x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x4x5x8xf32>
func.func @grouped_query(%q: tensor<1x4x5x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>) -> (tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>) {
  %k1 = tessera.reshape %k : tensor<1x2x5x8xf32> to tensor<1x2x1x5x8xf32>
  %k2 = tessera.broadcast_to %k1 : tensor<1x2x1x5x8xf32> to tensor<1x2x2x5x8xf32>
  %k3 = tessera.reshape %k2 : tensor<1x2x2x5x8xf32> to tensor<1x4x5x8xf32>
  %v1 = tessera.reshape %v : tensor<1x2x5x8xf32> to tensor<1x2x1x5x8xf32>
  %v2 = tessera.broadcast_to %v1 : tensor<1x2x1x5x8xf32> to tensor<1x2x2x5x8xf32>
  %v3 = tessera.reshape %v2 : tensor<1x2x2x5x8xf32> to tensor<1x4x5x8xf32>
  %kt = tessera.transpose %k3 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x4x5x8xf32> to tensor<1x4x8x5xf32>
  %s = tessera.matmul %q, %kt : (tensor<1x4x5x8xf32>, tensor<1x4x8x5xf32>) -> tensor<1x4x5x5xf32>
  %p = tessera.softmax %s {axis = 3 : i64} : tensor<1x4x5x5xf32>
  %o = tessera.matmul %p, %v3 : (tensor<1x4x5x5xf32>, tensor<1x4x5x8xf32>) -> tensor<1x4x5x8xf32>
  %idx = tessera.constant dense<[0, 0, 1, 1]> : tensor<4xi64>
  %g = tessera.gather %k, %idx {axis = 1 : i64} : (tensor<1x2x5x8xf32>, tensor<4xi64>) -> tensor<1x4x5x8xf32>
  %gt = tessera.transpose %g {perm = array<i64: 0, 1, 3, 2>} : tensor<1x4x5x8xf32> to tensor<1x4x8x5xf32>
  %s2 = tessera.matmul %q, %gt : (tensor<1x4x5x8xf32>, tensor<1x4x8x5xf32>) -> tensor<1x4x5x5xf32>
  %p2 = tessera.softmax %s2 {axis = 3 : i64} : tensor<1x4x5x5xf32>
  %o2 = tessera.matmul %p2, %g : (tensor<1x4x5x5xf32>, tensor<1x4x5x8xf32>) -> tensor<1x4x5x8xf32>
  return %o, %o2 : tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>
}

// -----

// Heads repeated whole (ONNX Tile: h -> h % 2), as a Concat of copies or a
// Gather of [0, 1, 0, 1], are taken un-repeated with kv_tiled; a Gather of
// another order ([1, 0, 0, 1]) is no repeat at all.
// CHECK-LABEL: func @tiled_heads
// CHECK: tessera.attention %arg0, %arg1, %arg1 {kv_tiled = true, scale = 1.000000e+00 : f64} : (tensor<1x4x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>)
// CHECK: tessera.attention %arg0, %arg1, %arg1 {kv_tiled = true, scale = 1.000000e+00 : f64} : (tensor<1x4x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>)
// CHECK: %[[G:.*]] = tessera.gather
// CHECK: tessera.attention %arg0, %[[G]], %[[G]] {scale = 1.000000e+00 : f64} : (tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>)
func.func @tiled_heads(%q: tensor<1x4x5x8xf32>, %k: tensor<1x2x5x8xf32>) -> (tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>) {
  %c = tessera.concat %k, %k {axis = 1 : i64} : (tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x4x5x8xf32>
  %ct = tessera.transpose %c {perm = array<i64: 0, 1, 3, 2>} : tensor<1x4x5x8xf32> to tensor<1x4x8x5xf32>
  %s0 = tessera.matmul %q, %ct : (tensor<1x4x5x8xf32>, tensor<1x4x8x5xf32>) -> tensor<1x4x5x5xf32>
  %p0 = tessera.softmax %s0 {axis = 3 : i64} : tensor<1x4x5x5xf32>
  %o0 = tessera.matmul %p0, %c : (tensor<1x4x5x5xf32>, tensor<1x4x5x8xf32>) -> tensor<1x4x5x8xf32>
  %idx = tessera.constant dense<[0, 1, 0, 1]> : tensor<4xi64>
  %g = tessera.gather %k, %idx {axis = 1 : i64} : (tensor<1x2x5x8xf32>, tensor<4xi64>) -> tensor<1x4x5x8xf32>
  %gt = tessera.transpose %g {perm = array<i64: 0, 1, 3, 2>} : tensor<1x4x5x8xf32> to tensor<1x4x8x5xf32>
  %s = tessera.matmul %q, %gt : (tensor<1x4x5x8xf32>, tensor<1x4x8x5xf32>) -> tensor<1x4x5x5xf32>
  %p = tessera.softmax %s {axis = 3 : i64} : tensor<1x4x5x5xf32>
  %o = tessera.matmul %p, %g : (tensor<1x4x5x5xf32>, tensor<1x4x5x8xf32>) -> tensor<1x4x5x8xf32>
  %idx2 = tessera.constant dense<[1, 0, 0, 1]> : tensor<4xi64>
  %g2 = tessera.gather %k, %idx2 {axis = 1 : i64} : (tensor<1x2x5x8xf32>, tensor<4xi64>) -> tensor<1x4x5x8xf32>
  %gt2 = tessera.transpose %g2 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x4x5x8xf32> to tensor<1x4x8x5xf32>
  %s2 = tessera.matmul %q, %gt2 : (tensor<1x4x5x8xf32>, tensor<1x4x8x5xf32>) -> tensor<1x4x5x5xf32>
  %p2 = tessera.softmax %s2 {axis = 3 : i64} : tensor<1x4x5x5xf32>
  %o2 = tessera.matmul %p2, %g2 : (tensor<1x4x5x5xf32>, tensor<1x4x5x8xf32>) -> tensor<1x4x5x8xf32>
  return %o0, %o, %o2 : tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>
}

// -----

// Near misses: softmax over the queries, a scale that is not a scalar, a
// mask computed from the scores, a fill that is not -inf or huge.
// Rank 5, [B, G, H, S, D] (torchvision's MaxViT: einsums over grids or
// windows G): the leading dims merge into the batch, the relative position
// bias [H, S, S] and a per-window mask [B, G, 1, 1, S] with them; the scale
// sits on K.
// CHECK-LABEL: func @rank5_grids
// CHECK-DAG: %[[Q:.*]] = tessera.reshape %arg0 : tensor<2x3x4x5x8xf32> to tensor<6x4x5x8xf32>
// CHECK-DAG: %[[B:.*]] = tessera.reshape %arg3 : tensor<4x5x5xf32> to tensor<1x4x5x5xf32>
// CHECK-DAG: %[[W:.*]] = tessera.reshape %arg4 : tensor<2x3x1x1x5xf32> to tensor<6x1x1x5xf32>
// CHECK: %[[M:.*]] = tessera.add %[[B]], %[[W]] : (tensor<1x4x5x5xf32>, tensor<6x1x1x5xf32>) -> tensor<6x4x5x5xf32>
// CHECK: %[[O:.*]] = tessera.attention %[[Q]], %{{.*}}, %{{.*}}, %[[M]] {mask_kind = "additive", scale = 2.500000e-01 : f64} : (tensor<6x4x5x8xf32>, tensor<6x4x5x8xf32>, tensor<6x4x5x8xf32>, tensor<6x4x5x5xf32>) -> tensor<6x4x5x8xf32>
// CHECK: tessera.reshape %[[O]] : tensor<6x4x5x8xf32> to tensor<2x3x4x5x8xf32>
// CHECK-NOT: tessera.softmax
func.func @rank5_grids(%q: tensor<2x3x4x5x8xf32>, %k: tensor<2x3x4x5x8xf32>, %v: tensor<2x3x4x5x8xf32>, %bias: tensor<4x5x5xf32>, %w: tensor<2x3x1x1x5xf32>) -> tensor<2x3x4x5x8xf32> {
  %c = tessera.constant dense<0.25> : tensor<f32>
  %ks = tessera.mul %k, %c : (tensor<2x3x4x5x8xf32>, tensor<f32>) -> tensor<2x3x4x5x8xf32>
  %kt = tessera.transpose %ks {perm = array<i64: 0, 1, 2, 4, 3>} : tensor<2x3x4x5x8xf32> to tensor<2x3x4x8x5xf32>
  %s = tessera.matmul %q, %kt : (tensor<2x3x4x5x8xf32>, tensor<2x3x4x8x5xf32>) -> tensor<2x3x4x5x5xf32>
  %a = tessera.add %s, %bias : (tensor<2x3x4x5x5xf32>, tensor<4x5x5xf32>) -> tensor<2x3x4x5x5xf32>
  %a2 = tessera.add %a, %w : (tensor<2x3x4x5x5xf32>, tensor<2x3x1x1x5xf32>) -> tensor<2x3x4x5x5xf32>
  %p = tessera.softmax %a2 {axis = 4 : i64} : tensor<2x3x4x5x5xf32>
  %o = tessera.matmul %p, %v : (tensor<2x3x4x5x5xf32>, tensor<2x3x4x5x8xf32>) -> tensor<2x3x4x5x8xf32>
  return %o : tensor<2x3x4x5x8xf32>
}

// -----

// Near miss: rank 5 with the query broadcast over the grids (K and V have
// G = 3, Q has 1) stays unfused.
// CHECK-LABEL: func @rank5_broadcast_query
// CHECK-NOT: tessera.attention
// CHECK: tessera.softmax
func.func @rank5_broadcast_query(%q: tensor<2x1x4x5x8xf32>, %k: tensor<2x3x4x5x8xf32>, %v: tensor<2x3x4x5x8xf32>) -> tensor<2x3x4x5x8xf32> {
  %kt = tessera.transpose %k {perm = array<i64: 0, 1, 2, 4, 3>} : tensor<2x3x4x5x8xf32> to tensor<2x3x4x8x5xf32>
  %s = tessera.matmul %q, %kt : (tensor<2x1x4x5x8xf32>, tensor<2x3x4x8x5xf32>) -> tensor<2x3x4x5x5xf32>
  %p = tessera.softmax %s {axis = 4 : i64} : tensor<2x3x4x5x5xf32>
  %o = tessera.matmul %p, %v : (tensor<2x3x4x5x5xf32>, tensor<2x3x4x5x8xf32>) -> tensor<2x3x4x5x8xf32>
  return %o : tensor<2x3x4x5x8xf32>
}

// -----

// CHECK-LABEL: func @near_misses
// CHECK-NOT: tessera.attention
// CHECK-COUNT-4: tessera.softmax
// CHECK-NOT: tessera.attention
func.func @near_misses(%x: tensor<1x1x4x8xf32>, %keep: tensor<4x4xi1>) -> (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) {
  %kt = tessera.transpose %x {perm = array<i64: 0, 1, 3, 2>} : tensor<1x1x4x8xf32> to tensor<1x1x8x4xf32>
  %s = tessera.matmul %x, %kt : (tensor<1x1x4x8xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x4x4xf32>
  %p1 = tessera.softmax %s {axis = 2 : i64} : tensor<1x1x4x4xf32>
  %o1 = tessera.matmul %p1, %x : (tensor<1x1x4x4xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  %w = tessera.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %sw = tessera.mul %s, %w : (tensor<1x1x4x4xf32>, tensor<4xf32>) -> tensor<1x1x4x4xf32>
  %p2 = tessera.softmax %sw {axis = 3 : i64} : tensor<1x1x4x4xf32>
  %o2 = tessera.matmul %p2, %x : (tensor<1x1x4x4xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  %e = tessera.exp %s : tensor<1x1x4x4xf32>
  %se = tessera.add %s, %e : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %p3 = tessera.softmax %se {axis = 3 : i64} : tensor<1x1x4x4xf32>
  %o3 = tessera.matmul %p3, %x : (tensor<1x1x4x4xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  %m1 = tessera.constant dense<-1.0> : tensor<f32>
  %sm = tessera.where %keep, %s, %m1 : (tensor<4x4xi1>, tensor<1x1x4x4xf32>, tensor<f32>) -> tensor<1x1x4x4xf32>
  %p4 = tessera.softmax %sm {axis = 3 : i64} : tensor<1x1x4x4xf32>
  %o4 = tessera.matmul %p4, %x : (tensor<1x1x4x4xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o1, %o2, %o3, %o4 : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>
}
