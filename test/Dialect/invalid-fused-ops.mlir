// RUN: tessera-opt %s -split-input-file -verify-diagnostics
// Verifier errors of the fused ops and the kernel call op.

func.func @attention_rank(%q: tensor<8x16x64xf32>, %k: tensor<2x8x16x64xf32>) -> tensor<8x16x64xf32> {
  // expected-error @+1 {{query, key and value must be [B, H, S, D] (rank 4), found ranks 3, 4, 4}}
  %0 = tessera.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> tensor<8x16x64xf32>
  return %0 : tensor<8x16x64xf32>
}

// -----

func.func @attention_heads(%q: tensor<1x6x4x8xf32>, %k: tensor<1x4x4x8xf32>) -> tensor<1x6x4x8xf32> {
  // expected-error @+1 {{query heads (6) must be a multiple of key/value heads (4)}}
  %0 = tessera.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x6x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x6x4x8xf32>
  return %0 : tensor<1x6x4x8xf32>
}

// -----

func.func @attention_head_size(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32> {
  // expected-error @+1 {{query and key head sizes differ: 8 vs 16}}
  %0 = tessera.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
  return %0 : tensor<1x2x4x16xf32>
}

// -----

func.func @attention_kv(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{key [B, Hkv, Skv, D] and value [B, Hkv, Skv, Dv] disagree on Hkv or Skv}}
  %0 = tessera.attention %q, %k, %v {scale = 1.0 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @attention_result(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{result type must be 'tensor<1x2x4x8xf32>', found 'tensor<1x2x8x4xf32>'}}
  %0 = tessera.attention %q, %q, %q {scale = 1.0 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @attention_mask_shape(%q: tensor<1x2x4x8xf32>, %m: tensor<1x1x3x4xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{mask 'tensor<1x1x3x4xf32>' does not broadcast to the scores [B, H, S, Skv] = 'tensor<1x2x4x4xf32>'}}
  %0 = tessera.attention %q, %q, %q, %m {scale = 1.0 : f64, mask_kind = "additive"} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x3x4xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @attention_mask_kind(%q: tensor<1x2x4x8xf32>, %m: tensor<4x4xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{boolean mask must be i1, found 'f32'}}
  %0 = tessera.attention %q, %q, %q, %m {scale = 1.0 : f64, mask_kind = "boolean"} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<4x4xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @attention_mask_missing(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{mask_kind 'additive' needs a mask operand}}
  %0 = tessera.attention %q, %q, %q {scale = 1.0 : f64, mask_kind = "additive"} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @attention_mask_unexpected(%q: tensor<1x2x4x8xf32>, %m: tensor<4x4xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{has a mask operand but mask_kind 'none'}}
  %0 = tessera.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<4x4xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @attention_mask_kind_name(%q: tensor<1x2x4x8xf32>, %m: tensor<4x4xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{mask_kind must be none, additive or boolean, found 'bias'}}
  %0 = tessera.attention %q, %q, %q, %m {scale = 1.0 : f64, mask_kind = "bias"} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<4x4xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @rms_axis(%x: tensor<4x8xf32>, %g: tensor<8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{axis 2 out of range for rank 2}}
  %0 = tessera.rms_norm %x, %g {axis = 2 : i64, epsilon = 1.0e-06 : f32} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @rms_scale(%x: tensor<4x8xf32>, %g: tensor<4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{scale 'tensor<4xf32>' does not broadcast to the normalized dimensions}}
  %0 = tessera.rms_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-06 : f32} : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @rotary_odd(%x: tensor<2x7xf32>) -> tensor<2x7xf32> {
  // expected-error @+1 {{last dimension must be even, found 7}}
  %0 = tessera.rotary %x, %x, %x : (tensor<2x7xf32>, tensor<2x7xf32>, tensor<2x7xf32>) -> tensor<2x7xf32>
  return %0 : tensor<2x7xf32>
}

// -----

func.func @rotary_half_width(%x: tensor<2x8xf32>, %c: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{cos/sin 'tensor<2x4xf32>' must have last dimension 8 and broadcast to the input 'tensor<2x8xf32>'}}
  %0 = tessera.rotary %x, %c, %c : (tensor<2x8xf32>, tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @linear_k(%x: tensor<2x16xf32>, %w: tensor<8x32xf32>) -> tensor<2x32xf32> {
  // expected-error @+1 {{contraction sizes differ: input has K = 16, weight has K = 8}}
  %0 = tessera.linear %x, %w : (tensor<2x16xf32>, tensor<8x32xf32>) -> tensor<2x32xf32>
  return %0 : tensor<2x32xf32>
}

// -----

func.func @linear_transposed_k(%x: tensor<2x16xf32>, %w: tensor<16x32xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{contraction sizes differ: input has K = 16, weight has K = 32}}
  %0 = tessera.linear %x, %w {transpose_weight = true} : (tensor<2x16xf32>, tensor<16x32xf32>) -> tensor<2x16xf32>
  return %0 : tensor<2x16xf32>
}

// -----

func.func @linear_bias(%x: tensor<2x16xf32>, %w: tensor<16x32xf32>, %b: tensor<16xf32>) -> tensor<2x32xf32> {
  // expected-error @+1 {{bias must be 'tensor<32xf32>', found 'tensor<16xf32>'}}
  %0 = tessera.linear %x, %w bias %b : (tensor<2x16xf32>, tensor<16x32xf32>, tensor<16xf32>) -> tensor<2x32xf32>
  return %0 : tensor<2x32xf32>
}

// -----

func.func @linear_residual(%x: tensor<2x16xf32>, %w: tensor<16x32xf32>, %r: tensor<32xf32>) -> tensor<2x32xf32> {
  // expected-error @+1 {{residual must have the result type 'tensor<2x32xf32>', found 'tensor<32xf32>'}}
  %0 = tessera.linear %x, %w residual %r : (tensor<2x16xf32>, tensor<16x32xf32>, tensor<32xf32>) -> tensor<2x32xf32>
  return %0 : tensor<2x32xf32>
}

// -----

func.func @linear_activation(%x: tensor<2x16xf32>, %w: tensor<16x32xf32>) -> tensor<2x32xf32> {
  // expected-error @+1 {{unknown activation 'swish'}}
  %0 = tessera.linear %x, %w {activation = "swish"} : (tensor<2x16xf32>, tensor<16x32xf32>) -> tensor<2x32xf32>
  return %0 : tensor<2x32xf32>
}

// -----

func.func @linear_sparsity_syntax(%x: tensor<2x16xf32>, %w: tensor<16x32xf32>) -> tensor<2x32xf32> {
  // expected-error @+1 {{sparsity must be 'block:RxC' or 'N:M' (N < M), found 'block:1x0'}}
  %0 = tessera.linear %x, %w {sparsity = "block:1x0"} : (tensor<2x16xf32>, tensor<16x32xf32>) -> tensor<2x32xf32>
  return %0 : tensor<2x32xf32>
}

// -----

func.func @linear_sparsity_nm(%x: tensor<2x16xf32>, %w: tensor<16x32xf32>) -> tensor<2x32xf32> {
  // expected-error @+1 {{sparsity must be 'block:RxC' or 'N:M' (N < M), found '4:4'}}
  %0 = tessera.linear %x, %w {sparsity = "4:4"} : (tensor<2x16xf32>, tensor<16x32xf32>) -> tensor<2x32xf32>
  return %0 : tensor<2x32xf32>
}

// -----

// [N, K] = [32, 16]: 16 divides K, not 3 (rows of blocks).
func.func @linear_sparsity_tiles(%x: tensor<2x16xf32>, %w: tensor<16x32xf32>) -> tensor<2x32xf32> {
  // expected-error @+1 {{sparsity 'block:3x16' does not tile the [N, K] = [32, 16] weight}}
  %0 = tessera.linear %x, %w {sparsity = "block:3x16"} : (tensor<2x16xf32>, tensor<16x32xf32>) -> tensor<2x32xf32>
  return %0 : tensor<2x32xf32>
}

// -----

func.func @linear_sparsity_groups(%x: tensor<2x6xf32>, %w: tensor<8x6xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{sparsity '2:4' does not tile the [N, K] = [8, 6] weight}}
  %0 = tessera.linear %x, %w {sparsity = "2:4", transpose_weight = true} : (tensor<2x6xf32>, tensor<8x6xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @linear_sparsity_f64(%x: tensor<2x16xf64>, %w: tensor<16x32xf64>) -> tensor<2x32xf64> {
  // expected-error @+1 {{sparsity applies to f32 weights only}}
  %0 = tessera.linear %x, %w {sparsity = "block:1x16"} : (tensor<2x16xf64>, tensor<16x32xf64>) -> tensor<2x32xf64>
  return %0 : tensor<2x32xf64>
}

// -----

func.func @glu_odd(%x: tensor<2x7xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{last input dimension must be even, found 'tensor<2x7xf32>'}}
  %0 = tessera.glu %x {activation = "silu"} : (tensor<2x7xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @glu_result(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{result type must be 'tensor<2x4xf32>', found 'tensor<2x8xf32>'}}
  %0 = tessera.glu %x {activation = "silu"} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @glu_activation(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{unknown gate activation 'tanh'}}
  %0 = tessera.glu %x {activation = "tanh"} : (tensor<2x8xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @call_kernel_mixed(%t: tensor<4xf32>, %m: memref<4xf32>) {
  // expected-error @+1 {{outputs must all be tensors (with results) or all buffers (without)}}
  tessera.call_kernel "k" outs(%t, %m : tensor<4xf32>, memref<4xf32>)
  return
}

// -----

func.func @call_kernel_scalars(%m: memref<4xf32>) {
  // expected-error @+1 {{scalars must be float or integer attributes}}
  tessera.call_kernel "k" outs(%m : memref<4xf32>) {scalars = ["x"]}
  return
}

// -----

func.func @token_merge_rank(%x: tensor<17x64xf32>, %k: tensor<2x17x16xf32>, %s: tensor<2x17xf32>) {
  // expected-error @+1 {{input must be a static [B, T, C] tensor}}
  %y, %ys = tessera.token_merge %x, %k, %s {r = 4 : i64} : (tensor<17x64xf32>, tensor<2x17x16xf32>, tensor<2x17xf32>) -> (tensor<2x13x64xf32>, tensor<2x13xf32>)
  return
}

// -----

func.func @token_merge_metric(%x: tensor<2x17x64xf32>, %k: tensor<2x16x16xf32>, %s: tensor<2x17xf32>) {
  // expected-error @+1 {{metric must be [2, 17, M]}}
  %y, %ys = tessera.token_merge %x, %k, %s {r = 4 : i64} : (tensor<2x17x64xf32>, tensor<2x16x16xf32>, tensor<2x17xf32>) -> (tensor<2x13x64xf32>, tensor<2x13xf32>)
  return
}

// -----

func.func @token_merge_size(%x: tensor<2x17x64xf32>, %k: tensor<2x17x16xf32>, %s: tensor<2x17x1xf32>) {
  // expected-error @+1 {{size must be [2, 17]}}
  %y, %ys = tessera.token_merge %x, %k, %s {r = 4 : i64} : (tensor<2x17x64xf32>, tensor<2x17x16xf32>, tensor<2x17x1xf32>) -> (tensor<2x13x64xf32>, tensor<2x13xf32>)
  return
}

// -----

func.func @token_merge_too_many(%x: tensor<2x17x64xf32>, %k: tensor<2x17x16xf32>, %s: tensor<2x17xf32>) {
  // expected-error @+1 {{r must be in [0, 8] for 17 tokens (token 0 protected), found 9}}
  %y, %ys = tessera.token_merge %x, %k, %s {r = 9 : i64, protect_first = true} : (tensor<2x17x64xf32>, tensor<2x17x16xf32>, tensor<2x17xf32>) -> (tensor<2x8x64xf32>, tensor<2x8xf32>)
  return
}

// -----

func.func @token_merge_result(%x: tensor<2x17x64xf32>, %k: tensor<2x17x16xf32>, %s: tensor<2x17xf32>) {
  // expected-error @+1 {{result must be 'tensor<2x13x64xf32>', found 'tensor<2x14x64xf32>'}}
  %y, %ys = tessera.token_merge %x, %k, %s {r = 4 : i64} : (tensor<2x17x64xf32>, tensor<2x17x16xf32>, tensor<2x17xf32>) -> (tensor<2x14x64xf32>, tensor<2x13xf32>)
  return
}

// -----

func.func @token_merge_result_size(%x: tensor<2x17x64xf32>, %k: tensor<2x17x16xf32>, %s: tensor<2x17xf32>) {
  // expected-error @+1 {{result size must be 'tensor<2x13xf32>', found 'tensor<2x17xf32>'}}
  %y, %ys = tessera.token_merge %x, %k, %s {r = 4 : i64} : (tensor<2x17x64xf32>, tensor<2x17x16xf32>, tensor<2x17xf32>) -> (tensor<2x13x64xf32>, tensor<2x17xf32>)
  return
}

// -----

func.func @token_prune_rank(%x: tensor<17x64xf32>, %p: tensor<2x17xf32>, %s: tensor<2x17xf32>) {
  // expected-error @+1 {{input must be a static [B, T, C] tensor}}
  %y, %ys = tessera.token_prune %x, %p, %s {keep = 9 : i64} : (tensor<17x64xf32>, tensor<2x17xf32>, tensor<2x17xf32>) -> (tensor<2x9x64xf32>, tensor<2x9xf32>)
  return
}

// -----

func.func @token_prune_scores(%x: tensor<2x17x64xf32>, %p: tensor<2x16xf32>, %s: tensor<2x17xf32>) {
  // expected-error @+1 {{scores must be [2, 17]}}
  %y, %ys = tessera.token_prune %x, %p, %s {keep = 9 : i64} : (tensor<2x17x64xf32>, tensor<2x16xf32>, tensor<2x17xf32>) -> (tensor<2x9x64xf32>, tensor<2x9xf32>)
  return
}

// -----

func.func @token_prune_size(%x: tensor<2x17x64xf32>, %p: tensor<2x17xf32>, %s: tensor<2x17x1xf32>) {
  // expected-error @+1 {{size must be [2, 17]}}
  %y, %ys = tessera.token_prune %x, %p, %s {keep = 9 : i64} : (tensor<2x17x64xf32>, tensor<2x17xf32>, tensor<2x17x1xf32>) -> (tensor<2x9x64xf32>, tensor<2x9xf32>)
  return
}

// -----

func.func @token_prune_none(%x: tensor<2x17x64xf32>, %p: tensor<2x17xf32>, %s: tensor<2x17xf32>) {
  // expected-error @+1 {{keep must be in [1, 17]}}
  %y, %ys = tessera.token_prune %x, %p, %s {keep = 0 : i64} : (tensor<2x17x64xf32>, tensor<2x17xf32>, tensor<2x17xf32>) -> (tensor<2x0x64xf32>, tensor<2x0xf32>)
  return
}

// -----

func.func @token_prune_too_many(%x: tensor<2x17x64xf32>, %p: tensor<2x17xf32>, %s: tensor<2x17xf32>) {
  // expected-error @+1 {{keep must be in [1, 17]}}
  %y, %ys = tessera.token_prune %x, %p, %s {keep = 18 : i64} : (tensor<2x17x64xf32>, tensor<2x17xf32>, tensor<2x17xf32>) -> (tensor<2x18x64xf32>, tensor<2x18xf32>)
  return
}

// -----

func.func @token_prune_result(%x: tensor<2x17x64xf32>, %p: tensor<2x17xf32>, %s: tensor<2x17xf32>) {
  // expected-error @+1 {{result must be 'tensor<2x9x64xf32>', found 'tensor<2x8x64xf32>'}}
  %y, %ys = tessera.token_prune %x, %p, %s {keep = 9 : i64} : (tensor<2x17x64xf32>, tensor<2x17xf32>, tensor<2x17xf32>) -> (tensor<2x8x64xf32>, tensor<2x9xf32>)
  return
}

// -----

func.func @token_prune_result_size(%x: tensor<2x17x64xf32>, %p: tensor<2x17xf32>, %s: tensor<2x17xf32>) {
  // expected-error @+1 {{result size must be 'tensor<2x9xf32>', found 'tensor<2x17xf32>'}}
  %y, %ys = tessera.token_prune %x, %p, %s {keep = 9 : i64} : (tensor<2x17x64xf32>, tensor<2x17xf32>, tensor<2x17xf32>) -> (tensor<2x9x64xf32>, tensor<2x17xf32>)
  return
}

// -----

func.func @linear_token_mask_shape(%x: tensor<2x5x16xf32>, %w: tensor<16x32xf32>, %m: tensor<2x4xi64>) -> tensor<2x5x32xf32> {
  // expected-error @+1 {{token_mask must have the input's leading shape [2, 5], found 'tensor<2x4xi64>'}}
  %0 = tessera.linear %x, %w token_mask %m : (tensor<2x5x16xf32>, tensor<16x32xf32>, tensor<2x4xi64>) -> tensor<2x5x32xf32>
  return %0 : tensor<2x5x32xf32>
}

// -----

func.func @linear_token_mask_sparse(%x: tensor<2x5x16xf32>, %w: tensor<16x32xf32>, %m: tensor<2x5xi64>) -> tensor<2x5x32xf32> {
  // expected-error @+1 {{token_mask and sparsity are not supported together}}
  %0 = tessera.linear %x, %w token_mask %m {sparsity = "block:1x16"} : (tensor<2x5x16xf32>, tensor<16x32xf32>, tensor<2x5xi64>) -> tensor<2x5x32xf32>
  return %0 : tensor<2x5x32xf32>
}

// -----

func.func @attention_padding_queries_cross(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %m: tensor<1x1x1x6xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{padding_queries needs self-attention (S == Skv) and a key-padding mask [B, 1, 1, Skv]}}
  %0 = tessera.attention %q, %k, %k, %m {scale = 0.35 : f64, mask_kind = "additive", padding_queries = true} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<1x1x1x6xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @attention_padding_queries_no_mask(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{padding_queries needs self-attention (S == Skv) and a key-padding mask [B, 1, 1, Skv]}}
  %0 = tessera.attention %q, %q, %q {scale = 0.35 : f64, padding_queries = true} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}
