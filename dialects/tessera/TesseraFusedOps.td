// Graph-level fused ops: what the fusion passes (passes/fusion/) recognise in
// an imported graph and what contrib/opset-23 ONNX ops import into. Each op
// states its reference semantics; tessera-decompose-fused rewrites it back into
// primitive ops, so every pass can be switched off.
#ifndef TESSERA_FUSED_OPS_TD
#define TESSERA_FUSED_OPS_TD

def Tessera_AttentionOp : Tessera_Op<"attention", [Pure]> {
  let summary = "Scaled dot-product attention (multi-head, grouped-query, cross)";
  let description = [{
    `out[b,h,i,:] = softmax_j(scale * q[b,h,i,:]·k[b,g,j,:] + mask[b,h,i,j]) · v[b,g,j,:]`
    with `q : [B, H, S, D]`, `k : [B, Hkv, Skv, D]`, `v : [B, Hkv, Skv, Dv]`,
    result `[B, H, S, Dv]` and `g = h / (H / Hkv)` (grouped-query attention when
    `Hkv < H`; `H` must be a multiple of `Hkv`), or `g = h % Hkv` with
    `kv_tiled` (K/V heads repeated whole, as ONNX Tile does).

    `mask_kind` says how the optional `mask` (rank <= 4, broadcastable to
    `[B, H, S, Skv]`) enters: `additive` adds it (any float type of q),
    `boolean` keeps key `j` where it is true (masked scores are -inf);
    `none` has no mask operand. With `causal`, key `j` is kept for query `i`
    only if `j <= i` (a top-left aligned lower triangle, what
    `triu(full(-inf), 1)` expresses), on top of any mask.

    `padding_queries` (set by `tessera-padding-free`, self-attention over a
    padded batch, `S == Skv`, mask `[B or 1, 1, 1, Skv]`): query `i` is a
    padding token when its own key is masked (`mask[b,0,0,i] <= -1e4` for an
    additive mask, false for a boolean one); its output row is 0 and is not
    computed.

    ```mlir
    %o = tessera.attention %q, %k, %v, %m {scale = 0.125 : f64, causal = false, mask_kind = "additive"} : (tensor<2x8x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x2x16x64xf32>, tensor<2x1x1x16xf32>) -> tensor<2x8x16x64xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$query, Tessera_FloatTensor:$key,
                       Tessera_FloatTensor:$value, Optional<Tessera_Tensor>:$mask,
                       F64Attr:$scale, DefaultValuedAttr<BoolAttr, "false">:$causal,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$mask_kind,
                       DefaultValuedAttr<BoolAttr, "false">:$kv_tiled,
                       DefaultValuedAttr<BoolAttr, "false">:$padding_queries);
  let results = (outs Tessera_FloatTensor:$result);
  let assemblyFormat = "$query `,` $key `,` $value (`,` $mask^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Tessera_RmsNormOp : Tessera_Op<"rms_norm", [Pure]> {
  let summary = "RMS normalization over the trailing dimensions from `axis`";
  let description = [{
    `x / sqrt(mean(x^2) + epsilon) * scale`, the mean over dimensions
    `axis..rank-1`; `scale` broadcasts to those trailing dimensions.

    ```mlir
    %y = tessera.rms_norm %x, %g {axis = 2 : i64, epsilon = 1.0e-06 : f32} : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input, Tessera_FloatTensor:$scale,
                       I64Attr:$axis, F32Attr:$epsilon);
  let results = (outs Tessera_FloatTensor:$result);
  let assemblyFormat = "$input `,` $scale attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Tessera_GeluTanhOp : Tessera_UnaryOp<"gelu_tanh", Tessera_FloatTensor,
    "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))">;

def Tessera_RotaryOp : Tessera_Op<"rotary", [Pure]> {
  let summary = "Rotary position embedding of the last dimension";
  let description = [{
    Rotates pairs of the last dimension (size `D`, even) by angles whose cosine
    and sine are given at full width `D` (`cos`, `sin` broadcast to the input).
    The half-split form (`interleaved = false`, GPT-NeoX/Llama `rotate_half`)
    pairs `i` with `i + D/2`:
    `y[i] = x[i]*cos[i] - x[i+D/2]*sin[i]`, `y[i+D/2] = x[i+D/2]*cos[i+D/2] + x[i]*sin[i+D/2]`.
    The interleaved form (GPT-J) pairs `2i` with `2i+1`:
    `y[2i] = x[2i]*cos[2i] - x[2i+1]*sin[2i]`, `y[2i+1] = x[2i+1]*cos[2i+1] + x[2i]*sin[2i+1]`.

    ```mlir
    %y = tessera.rotary %x, %cos, %sin {interleaved = false} : (tensor<1x4x10x16xf32>, tensor<1x1x10x16xf32>, tensor<1x1x10x16xf32>) -> tensor<1x4x10x16xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input, Tessera_FloatTensor:$cos,
                       Tessera_FloatTensor:$sin,
                       DefaultValuedAttr<BoolAttr, "false">:$interleaved);
  let results = (outs Tessera_FloatTensor:$result);
  let assemblyFormat = "$input `,` $cos `,` $sin attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Tessera_LinearOp : Tessera_Op<"linear", [Pure, AttrSizedOperandSegments]> {
  let summary = "Matrix product with a bias, activation and residual epilogue";
  let description = [{
    `y = act(x · W + bias) + residual` with `x : [..., K]` and the weight
    `[K, N]`, or `[N, K]` (`W` transposed) when `transpose_weight` is set, so
    importing a PyTorch/Gemm weight never needs a transpose copy. `bias` is `[N]`;
    `residual` has the result's shape `[..., N]`. `activation` is one of `none`,
    `relu`, `gelu` (erf), `gelu_tanh`, `silu`, `sigmoid`, `tanh`, `hardswish`.

    `sparsity` (set by `tessera-sparsify`) says that a constant weight is
    mostly zero in a pattern a sparse kernel exploits, in the `[N, K]` view
    of the weight: `block:RxC` (blocks of R output rows by C consecutive k;
    R divides N, C divides K; `block:1x1` is unstructured) or `N:M` (at most
    N nonzeros in each group of M consecutive k). It does not change the
    result for finite inputs: the block format stores every block that has
    a nonzero, and a weight that breaks an N:M pattern is stored as blocks
    instead. Zeros that are not stored are not multiplied, so a NaN or
    infinity in `x` reaches only the outputs whose stored weights meet it.

    `token_mask` (set by `tessera-padding-free`) has the shape of the
    input's leading dimensions `[...]` (one entry per row, any integer, bool
    or float type): rows whose entry is 0 are padding; they are not
    computed and are 0 in the result.

    ```mlir
    %y = tessera.linear %x, %w, %b {transpose_weight = true, activation = "gelu"} : (tensor<2x16x64xf32>, tensor<256x64xf32>, tensor<256xf32>) -> tensor<2x16x256xf32>
    %z = tessera.linear %x, %w token_mask %m {transpose_weight = true} : (tensor<2x16x64xf32>, tensor<256x64xf32>, tensor<2x16xi64>) -> tensor<2x16x256xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input, Tessera_FloatTensor:$weight,
                       Optional<Tessera_FloatTensor>:$bias,
                       Optional<Tessera_FloatTensor>:$residual,
                       Optional<Tessera_Tensor>:$token_mask,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_weight,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$activation,
                       OptionalAttr<StrAttr>:$sparsity);
  let results = (outs Tessera_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`bias` $bias^)? (`residual` $residual^)? (`token_mask` $token_mask^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Tessera_GluOp : Tessera_Op<"glu", [Pure]> {
  let summary = "Gated linear unit over the last dimension (SwiGLU, GeGLU)";
  let description = [{
    Splits the last dimension `2N` into a gate half `x[..., :N]` and a value
    half `x[..., N:]` and returns `act(gate) * value`; `activation` is one of
    `silu` (SwiGLU), `gelu` (GeGLU), `gelu_tanh`, `sigmoid` (GLU), `relu`,
    `hardswish`.

    ```mlir
    %y = tessera.glu %x {activation = "silu"} : (tensor<1x10x256xf32>) -> tensor<1x10x128xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input, StrAttr:$activation);
  let results = (outs Tessera_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Tessera_TokenMergeOp : Tessera_Op<"token_merge", [Pure]> {
  let summary = "Token Merging (ToMe): bipartite soft matching, size-weighted merge";
  let description = [{
    Merges `r` pairs of similar tokens of `x : [B, T, C]`, per batch item, as
    Token Merging (Bolya et al., 2023) does, with the similarity taken from
    `metric : [B, T, M]` (a layer's head-averaged keys) and `size : [B, T]`
    the number of original tokens each token stands for:
    - the metric rows are L2-normalised; tokens split alternately into
      `A` (even indices) and `B` (odd); each `a` in `A` finds its most
      similar `b` (cosine, the first on ties); with `protect_first`, token 0
      is never merged;
    - the `r` tokens of `A` with the highest similarity (a stable sort: the
      lower index first on ties) are merged into their `b`:
      `x_b = (sum size_i * x_i) / (sum size_i)` over `b` and the tokens merged
      into it, and `size_b = sum size_i`;
    - the result is the unmerged tokens of `A` in their original order, then
      every token of `B` in order: `T - r` tokens (`protect_first` keeps
      token 0 first).
    `r <= (T - protect_first) / 2`. Unlike the reference implementation the
    unmerged tokens keep their order also without `protect_first`, which no
    permutation-invariant consumer can tell apart.

    ```mlir
    %y, %s = tessera.token_merge %x, %k, %size {r = 4 : i64, protect_first = true} : (tensor<2x17x64xf32>, tensor<2x17x16xf32>, tensor<2x17xf32>) -> (tensor<2x13x64xf32>, tensor<2x13xf32>)
    ```
  }];
  let arguments = (ins F32Tensor:$input, F32Tensor:$metric, F32Tensor:$size,
                       I64Attr:$r, DefaultValuedAttr<BoolAttr, "false">:$protect_first);
  let results = (outs F32Tensor:$result, F32Tensor:$result_size);
  let assemblyFormat = "$input `,` $metric `,` $size attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Tessera_TokenPruneOp : Tessera_Op<"token_prune", [Pure]> {
  let summary = "Token pruning: keep token 0 and the highest-scoring tokens";
  let description = [{
    Keeps `keep` tokens of `x : [B, T, C]` per batch item: token 0 (a class
    token) and the `keep - 1` others with the highest `scores : [B, T]` (e.g.
    the class token's attention to each; a stable choice: the lower index
    first on ties, NaN lowest), in their original order. `size : [B, T]`
    (the original tokens each stands for, after merging) is kept alongside.

    ```mlir
    %y, %s = tessera.token_prune %x, %scores, %size {keep = 33 : i64} : (tensor<8x65x64xf32>, tensor<8x65xf32>, tensor<8x65xf32>) -> (tensor<8x33x64xf32>, tensor<8x33xf32>)
    ```
  }];
  let arguments = (ins F32Tensor:$input, F32Tensor:$scores, F32Tensor:$size,
                       I64Attr:$keep);
  let results = (outs F32Tensor:$result, F32Tensor:$result_size);
  let assemblyFormat = "$input `,` $scores `,` $size attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // TESSERA_FUSED_OPS_TD
