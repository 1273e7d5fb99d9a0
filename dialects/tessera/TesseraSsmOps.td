// State-space-model and linear-attention ops: what passes/ssm/ recognises in
// graphs unrolled over time (or imported from ONNX Scan/Loop) and what the
// com.microsoft contrib ops import into. Each op states its reference
// semantics; tessera-decompose-fused rewrites it into a loop over time of
// primitive ops, so every pass can be switched off.
#ifndef TESSERA_SSM_OPS_TD
#define TESSERA_SSM_OPS_TD

def Tessera_SelectiveScanOp : Tessera_Op<"selective_scan",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "Mamba selective scan (diagonal state-space recurrence)";
  let description = [{
    For each batch `b` and channel `d`, with state `h[n]` starting at
    `initial_state[b, d, :]` (or 0):

    ```
    dt    = delta[b,t,d] (+ delta_bias[d]); dt = softplus(dt) if delta_softplus
    h[n]  = exp(dt * A[d,n]) * h[n] + dt * B[b,t,n] * x[b,t,d]
    y     = sum_n C[b,t,n] * h[n]  (+ D[d] * x[b,t,d])  (* silu(z[b,t,d]))
    ```

    `x`, `delta`, `z` and the result `y` are `[Bt, L, D]`; `A` is `[D, N]`
    (diagonal: one decay per channel and state). `B` and `C` are selective,
    `[Bt, L, N]`, or time-invariant per channel, `[D, N]`. `D` and
    `delta_bias` are `[D]`; `initial_state` and the second result (the state
    after the last step) are `[Bt, D, N]`.

    ```mlir
    %y, %h = tessera.selective_scan %x, %dt, %A, %B, %C D %D z %z {delta_softplus = true} : (tensor<1x64x128xf32>, tensor<1x64x128xf32>, tensor<128x16xf32>, tensor<1x64x16xf32>, tensor<1x64x16xf32>, tensor<128xf32>, tensor<1x64x128xf32>) -> (tensor<1x64x128xf32>, tensor<1x128x16xf32>)
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$x, Tessera_FloatTensor:$delta,
                       Tessera_FloatTensor:$A, Tessera_FloatTensor:$B,
                       Tessera_FloatTensor:$C,
                       Optional<Tessera_FloatTensor>:$D,
                       Optional<Tessera_FloatTensor>:$z,
                       Optional<Tessera_FloatTensor>:$delta_bias,
                       Optional<Tessera_FloatTensor>:$initial_state,
                       DefaultValuedAttr<BoolAttr, "false">:$delta_softplus);
  let results = (outs Tessera_FloatTensor:$y, Tessera_FloatTensor:$final_state);
  let assemblyFormat = [{
    $x `,` $delta `,` $A `,` $B `,` $C (`D` $D^)? (`z` $z^)? (`delta_bias` $delta_bias^)? (`initial_state` $initial_state^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Tessera_CausalConv1dOp : Tessera_Op<"causal_conv1d", [Pure]> {
  let summary = "Depthwise causal 1-d convolution with an activation";
  let description = [{
    `y[b,c,t] = act(bias[c] + sum_k weight[c,k] * x[b,c,t-(K-1-k)*dilation])`
    with `x` zero before `t = 0`: a depthwise Conv1d padded on the left only,
    so `y` has the input's shape `[Bt, C, L]`. `weight` is `[C, K]`, `bias`
    `[C]`; `activation` is one of `none`, `silu`, `relu`, `gelu`,
    `gelu_tanh`, `sigmoid`, `tanh`. With `channels_last` (set by
    tessera-fuse-causal-conv1d where transposes surround the op) the input
    and the result are `[Bt, L, C]` instead, time-major as Mamba's blocks
    hold them: the same convolution, without the transposed copies.

    ```mlir
    %y = tessera.causal_conv1d %x, %w, %b {activation = "silu"} : (tensor<1x128x64xf32>, tensor<128x4xf32>, tensor<128xf32>) -> tensor<1x128x64xf32>
    %z = tessera.causal_conv1d %u, %w, %b {activation = "silu", channels_last} : (tensor<1x64x128xf32>, tensor<128x4xf32>, tensor<128xf32>) -> tensor<1x64x128xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input, Tessera_FloatTensor:$weight,
                       Optional<Tessera_FloatTensor>:$bias,
                       DefaultValuedAttr<I64Attr, "1">:$dilation,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$activation,
                       UnitAttr:$channels_last);
  let results = (outs Tessera_FloatTensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Tessera_LinearAttentionOp : Tessera_Op<"linear_attention",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "Causal linear attention as a (gated) matrix-state recurrence";
  let description = [{
    For each batch `b` and head `h`, with the state `S` (`[Dk, Dv]`) starting
    at `initial_state[b, h]` (or 0) and the normaliser `zn` (`[Dk]`) at 0:

    ```
    S[i,j] = g_t[i] * S[i,j] + k[b,h,t,i] * v[b,h,t,j]
    o[j]   = scale * sum_i q[b,h,t,i] * S[i,j]
    with normalize: zn[i] = g_t[i] * zn[i] + k[b,h,t,i];
                    o[j] /= scale * sum_i q[b,h,t,i] * zn[i] + epsilon
    ```

    `q`, `k` are `[B, H, T, Dk]`, `v` and the result `[B, H, T, Dv]`. The
    optional `gate` is the multiplicative decay, `[B, H, T, 1]` (one per head
    and step) or `[B, H, T, Dk]` (per key dimension, gated linear attention);
    without it `g_t = 1`. `initial_state` and the second result (the state
    after the last step) are `[B, H, Dk, Dv]`.

    ```mlir
    %o, %s = tessera.linear_attention %q, %k, %v gate %g {scale = 1.0 : f64} : (tensor<1x4x256x64xf32>, tensor<1x4x256x64xf32>, tensor<1x4x256x64xf32>, tensor<1x4x256x1xf32>) -> (tensor<1x4x256x64xf32>, tensor<1x4x64x64xf32>)
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$query, Tessera_FloatTensor:$key,
                       Tessera_FloatTensor:$value,
                       Optional<Tessera_FloatTensor>:$gate,
                       Optional<Tessera_FloatTensor>:$initial_state,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale,
                       DefaultValuedAttr<BoolAttr, "false">:$normalize,
                       DefaultValuedAttr<F64Attr, "0.0">:$epsilon);
  let results = (outs Tessera_FloatTensor:$result, Tessera_FloatTensor:$final_state);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`gate` $gate^)? (`initial_state` $initial_state^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // TESSERA_SSM_OPS_TD
