// RUN: tessera-opt %s -split-input-file --tessera-padding-free | FileCheck %s
// RUN: tessera-opt %s -split-input-file --tessera-padding-free -verify-diagnostics -o /dev/null

// A key-padding mask (1 - m) * -1e4 on [B, 1, 1, S]: both linears see only
// token-wise uses and the attention masked by %m, so both skip the padding
// rows; the result is marked as differing at padding positions.
// CHECK-LABEL: func.func @encoder(
// CHECK-SAME: %[[X:.*]]: tensor<2x4x8xf32>, %[[M:.*]]: tensor<2x4xi64> {tessera.name = "attention_mask"})
// CHECK-SAME: tessera.padding_differs = "attention_mask"
// CHECK: tessera.linear %[[X]], %{{.*}} token_mask %[[M]] :
// CHECK: tessera.attention {{.*}} {mask_kind = "additive", padding_queries = true, scale
// CHECK: tessera.linear %{{.*}}, %{{.*}} residual %[[X]] token_mask %[[M]] :
func.func @encoder(%x: tensor<2x4x8xf32>, %m: tensor<2x4xi64> {tessera.name = "attention_mask"}) -> tensor<2x4x8xf32> {
  %w = tessera.constant dense<0.5> : tensor<8x8xf32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %big = tessera.constant dense<-10000.0> : tensor<f32>
  %r = tessera.reshape %m : tensor<2x4xi64> to tensor<2x1x1x4xi64>
  %f = tessera.cast %r : tensor<2x1x1x4xi64> to tensor<2x1x1x4xf32>
  %s = tessera.sub %one, %f : (tensor<f32>, tensor<2x1x1x4xf32>) -> tensor<2x1x1x4xf32>
  %mask = tessera.mul %s, %big : (tensor<2x1x1x4xf32>, tensor<f32>) -> tensor<2x1x1x4xf32>
  %q = tessera.linear %x, %w : (tensor<2x4x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
  %q4 = tessera.reshape %q : tensor<2x4x8xf32> to tensor<2x4x1x8xf32>
  %qt = tessera.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x4x1x8xf32> to tensor<2x1x4x8xf32>
  %a = tessera.attention %qt, %qt, %qt, %mask {mask_kind = "additive", scale = 0.35 : f64} : (tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x1x4xf32>) -> tensor<2x1x4x8xf32>
  %at = tessera.transpose %a {perm = array<i64: 0, 2, 1, 3>} : tensor<2x1x4x8xf32> to tensor<2x4x1x8xf32>
  %a3 = tessera.reshape %at : tensor<2x4x1x8xf32> to tensor<2x4x8xf32>
  %o = tessera.linear %a3, %w residual %x : (tensor<2x4x8xf32>, tensor<8x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return %o : tensor<2x4x8xf32>
}

// -----

// A boolean mask (key kept where m != 0) works the same.
// CHECK-LABEL: func.func @boolean(
// CHECK: tessera.linear %{{.*}}, %{{.*}} token_mask %arg1 :
func.func @boolean(%x: tensor<2x4x8xf32>, %m: tensor<2x4xi1>) -> tensor<2x1x4x8xf32> {
  %w = tessera.constant dense<0.5> : tensor<8x8xf32>
  %mask = tessera.reshape %m : tensor<2x4xi1> to tensor<2x1x1x4xi1>
  %q = tessera.linear %x, %w : (tensor<2x4x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
  %q4 = tessera.reshape %q : tensor<2x4x8xf32> to tensor<2x4x1x8xf32>
  %qt = tessera.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x4x1x8xf32> to tensor<2x1x4x8xf32>
  %a = tessera.attention %qt, %qt, %qt, %mask {mask_kind = "boolean", scale = 0.35 : f64} : (tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x1x4xi1>) -> tensor<2x1x4x8xf32>
  return %a : tensor<2x1x4x8xf32>
}

// -----

// Near miss: a masked key still gets a weight (-1 is not a removal), so the
// padding rows of the keys are visible; nothing changes.
// CHECK-LABEL: func.func @weak_mask(
// CHECK-NOT: token_mask
// CHECK-NOT: padding_queries
func.func @weak_mask(%x: tensor<2x4x8xf32>, %m: tensor<2x4xi64>) -> tensor<2x1x4x8xf32> {
  %w = tessera.constant dense<0.5> : tensor<8x8xf32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %small = tessera.constant dense<-1.0> : tensor<f32>
  %r = tessera.reshape %m : tensor<2x4xi64> to tensor<2x1x1x4xi64>
  %f = tessera.cast %r : tensor<2x1x1x4xi64> to tensor<2x1x1x4xf32>
  %s = tessera.sub %one, %f : (tensor<f32>, tensor<2x1x1x4xf32>) -> tensor<2x1x1x4xf32>
  %mask = tessera.mul %s, %small : (tensor<2x1x1x4xf32>, tensor<f32>) -> tensor<2x1x1x4xf32>
  %q = tessera.linear %x, %w : (tensor<2x4x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
  %q4 = tessera.reshape %q : tensor<2x4x8xf32> to tensor<2x4x1x8xf32>
  %qt = tessera.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x4x1x8xf32> to tensor<2x1x4x8xf32>
  %a = tessera.attention %qt, %qt, %qt, %mask {mask_kind = "additive", scale = 0.35 : f64} : (tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x1x4xf32>) -> tensor<2x1x4x8xf32>
  return %a : tensor<2x1x4x8xf32>
}

// -----

// Near miss: a mean over the tokens (pooling) would average padding rows in;
// that linear computes every row and says why. The second linear, after the
// pooling, has no [B, S] rows.
// CHECK-LABEL: func.func @pooled(
// CHECK-NOT: token_mask
func.func @pooled(%x: tensor<2x4x8xf32>, %m: tensor<2x4xi64>) -> tensor<2x8xf32> {
  %w = tessera.constant dense<0.5> : tensor<8x8xf32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %big = tessera.constant dense<-10000.0> : tensor<f32>
  %r = tessera.reshape %m : tensor<2x4xi64> to tensor<2x1x1x4xi64>
  %f = tessera.cast %r : tensor<2x1x1x4xi64> to tensor<2x1x1x4xf32>
  %s = tessera.sub %one, %f : (tensor<f32>, tensor<2x1x1x4xf32>) -> tensor<2x1x1x4xf32>
  %mask = tessera.mul %s, %big : (tensor<2x1x1x4xf32>, tensor<f32>) -> tensor<2x1x1x4xf32>
  %x4 = tessera.reshape %x : tensor<2x4x8xf32> to tensor<2x4x1x8xf32>
  %xt = tessera.transpose %x4 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x4x1x8xf32> to tensor<2x1x4x8xf32>
  %a = tessera.attention %xt, %xt, %xt, %mask {mask_kind = "additive", scale = 0.35 : f64} : (tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x1x4xf32>) -> tensor<2x1x4x8xf32>
  // expected-remark @+1 {{tessera-padding-free: computes padding rows: tessera.reduce_mean: mixes tokens or is not known to keep them apart}}
  %h = tessera.linear %x, %w : (tensor<2x4x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
  %p = tessera.reduce_mean %h {axes = array<i64: 1>, keepdims = false} : tensor<2x4x8xf32> to tensor<2x8xf32>
  return %p : tensor<2x8xf32>
}

// -----

// Cross-attention: the decoder's rows have the encoder mask's shape, but
// they are not its tokens (the encoder mask only removes keys); only the
// encoder's linear skips padding rows.
// CHECK-LABEL: func.func @cross(
// CHECK: %[[E:.*]] = tessera.linear %arg0, %{{.*}} token_mask %arg2 :
// CHECK: %[[D:.*]] = tessera.linear %arg1, %{{.*}} : (tensor<2x4x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
// CHECK-NOT: padding_queries
func.func @cross(%enc: tensor<2x4x8xf32>, %dec: tensor<2x4x8xf32>, %m: tensor<2x4xi64>) -> tensor<2x1x4x8xf32> {
  %w = tessera.constant dense<0.5> : tensor<8x8xf32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %big = tessera.constant dense<-10000.0> : tensor<f32>
  %r = tessera.reshape %m : tensor<2x4xi64> to tensor<2x1x1x4xi64>
  %f = tessera.cast %r : tensor<2x1x1x4xi64> to tensor<2x1x1x4xf32>
  %s = tessera.sub %one, %f : (tensor<f32>, tensor<2x1x1x4xf32>) -> tensor<2x1x1x4xf32>
  %mask = tessera.mul %s, %big : (tensor<2x1x1x4xf32>, tensor<f32>) -> tensor<2x1x1x4xf32>
  %k = tessera.linear %enc, %w : (tensor<2x4x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
  %k4 = tessera.reshape %k : tensor<2x4x8xf32> to tensor<2x4x1x8xf32>
  %kt = tessera.transpose %k4 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x4x1x8xf32> to tensor<2x1x4x8xf32>
  %q = tessera.linear %dec, %w : (tensor<2x4x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
  %q4 = tessera.reshape %q : tensor<2x4x8xf32> to tensor<2x4x1x8xf32>
  %qt = tessera.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : tensor<2x4x1x8xf32> to tensor<2x1x4x8xf32>
  %a = tessera.attention %qt, %kt, %kt, %mask {mask_kind = "additive", scale = 0.35 : f64} : (tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x1x4xf32>) -> tensor<2x1x4x8xf32>
  return %a : tensor<2x1x4x8xf32>
}
