// Compute ops: contractions, reductions, normalizations, convolution, scans.
#ifndef TESSERA_COMPUTE_OPS_TD
#define TESSERA_COMPUTE_OPS_TD

def Tessera_MatmulOp : Tessera_Op<"matmul", [Pure, AllElementTypesMatch<["lhs", "rhs", "result"]>]> {
  let summary = "Batched matrix product with numpy batch broadcasting";
  let description = [{
    `lhs` is `[..., M, K]`, `rhs` is `[..., K, N]` (both rank >= 2); the batch
    dimensions broadcast, and the result is `[batch..., M, N]`.

    ```mlir
    %c = tessera.matmul %a, %b : (tensor<4x8x16xf32>, tensor<16x32xf32>) -> tensor<4x8x32xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$lhs, Tessera_Tensor:$rhs);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Tessera_EinsumOp : Tessera_Op<"einsum", [Pure]> {
  let summary = "Einstein summation in explicit form";
  let description = [{
    `equation` is explicit (`ab,bc->ac`), one lower-case letter per dimension,
    no ellipsis (the importer expands `...`). Letters absent from the output are
    summed over; repeated letters in one operand take its diagonal.

    ```mlir
    %s = tessera.einsum %q, %k {equation = "bhqd,bhkd->bhqk"} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
    ```
  }];
  let arguments = (ins Variadic<Tessera_Tensor>:$inputs, StrAttr:$equation);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results)";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

class Tessera_ReduceOp<string mnemonic, string semantics, Type type = Tessera_Tensor>
    : Tessera_Op<mnemonic, [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "Reduce with " # semantics # " over the given axes";
  let description = "Reduces the sorted, non-negative `axes` with " # semantics
      # "; `keepdims` keeps them as size 1.\n\n```mlir\n%r = tessera." # mnemonic
      # " %x {axes = array<i64: 1>, keepdims = true} : tensor<2x8xf32> to tensor<2x1xf32>\n```";
  let arguments = (ins type:$input, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs type:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def Tessera_ReduceSumOp : Tessera_ReduceOp<"reduce_sum", "a sum">;
def Tessera_ReduceMeanOp : Tessera_ReduceOp<"reduce_mean", "the mean", Tessera_FloatTensor>;
def Tessera_ReduceMaxOp : Tessera_ReduceOp<"reduce_max", "the maximum">;
def Tessera_ReduceMinOp : Tessera_ReduceOp<"reduce_min", "the minimum">;
def Tessera_ReduceProdOp : Tessera_ReduceOp<"reduce_prod", "a product">;

class Tessera_ArgReduceOp<string mnemonic, string semantics>
    : Tessera_Op<mnemonic, [Pure]> {
  let summary = "Index of the " # semantics # " along an axis";
  let description = "Returns i64 indices of the " # semantics # " along `axis` "
      # "(the first occurrence unless `select_last_index`).\n\n```mlir\n%i = tessera."
      # mnemonic # " %x {axis = 1 : i64, keepdims = false} : tensor<2x8xf32> to tensor<2xi64>\n```";
  let arguments = (ins Tessera_Tensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                       DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs StaticShapeTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def Tessera_ArgMaxOp : Tessera_ArgReduceOp<"argmax", "maximum">;
def Tessera_ArgMinOp : Tessera_ArgReduceOp<"argmin", "minimum">;

class Tessera_SoftmaxLikeOp<string mnemonic, string semantics>
    : Tessera_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = semantics # " along one axis";
  let description = "Computes " # semantics # " along the non-negative `axis`, "
      # "subtracting the maximum first for stability.\n\n```mlir\n%p = tessera."
      # mnemonic # " %x {axis = 1 : i64} : tensor<2x8xf32>\n```";
  let arguments = (ins Tessera_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Tessera_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Tessera_SoftmaxOp : Tessera_SoftmaxLikeOp<"softmax", "softmax">;
def Tessera_LogSoftmaxOp : Tessera_SoftmaxLikeOp<"log_softmax", "log-softmax">;

def Tessera_LayerNormOp : Tessera_Op<"layer_norm", [Pure]> {
  let summary = "Layer normalization over the trailing dimensions from `axis`";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * scale + bias`, mean and variance over
    dimensions `axis..rank-1`. `scale` and the optional `bias` broadcast to
    those trailing dimensions.

    ```mlir
    %y = tessera.layer_norm %x, %g, %b {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<1x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input, Tessera_FloatTensor:$scale,
                       Optional<Tessera_FloatTensor>:$bias, I64Attr:$axis, F32Attr:$epsilon);
  let results = (outs Tessera_FloatTensor:$result);
  let assemblyFormat = "$input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Tessera_ConvOp : Tessera_Op<"conv", [Pure, AttrSizedOperandSegments]> {
  let summary = "N-d grouped convolution, NC[spatial] layout";
  let description = [{
    `input` is `[N, C, D1..Dk]`, `weight` is `[F, C/group, K1..Kk]`, optional
    `bias` is `[F]`. `pads` holds k begin pads then k end pads. Output size per
    spatial dim: `(D + pb + pe - dilation * (K - 1) - 1) / stride + 1`.
    Optional `residual` (the result's type) is added to the output, and
    optional `clamp_min` / `clamp_max` clamp the sum (a residual Add and a
    ReLU or Clip fused by tessera-fuse-conv-activation); NaN stays NaN.
    `activation` (`none`, `relu`, `gelu`, `gelu_tanh`, `silu`, `sigmoid`,
    `tanh`, `hardswish`; one fused by the same pass) applies before the
    residual:
    `result = clamp(act(conv(input, weight) + bias) + residual)`.
    With `channels_last` (set by tessera-channels-last) the input, residual
    and result are `[N, D1..Dk, C]` instead; the weight is unchanged.

    ```mlir
    %y = tessera.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 3, 0>, dilations = array<i64: 1>, group = 8 : i64} : (tensor<1x8x16xf32>, tensor<8x1x4xf32>) -> tensor<1x8x16xf32>
    %z = tessera.conv %x, %w, %b residual %r {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64, clamp_min = 0.0 : f64} : (tensor<1x8x16xf32>, tensor<4x8x1xf32>, tensor<4xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input, Tessera_FloatTensor:$weight,
                       Optional<Tessera_FloatTensor>:$bias,
                       Optional<Tessera_FloatTensor>:$residual, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations, I64Attr:$group,
                       OptionalAttr<F64Attr>:$clamp_min, OptionalAttr<F64Attr>:$clamp_max,
                       UnitAttr:$channels_last,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$activation);
  let results = (outs Tessera_FloatTensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? (`residual` $residual^)? attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// Whether a residual, a clamp or an activation is fused into the conv
    /// (rewrites that replace the conv alone would drop them).
    bool hasFusedEpilogue() {
      return getResidual() || getClampMin() || getClampMax() ||
             getActivation() != "none";
    }
  }];
  let hasVerifier = 1;
}

def Tessera_CumSumOp : Tessera_Op<"cumsum", [Pure, SameOperandsAndResultType]> {
  let summary = "Cumulative sum along an axis";
  let description = [{
    Inclusive running sum along `axis`; `exclusive` shifts by one, `reverse`
    runs from the end.

    ```mlir
    %y = tessera.cumsum %x {axis = 1 : i64} : tensor<2x8xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                       DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Tessera_TriluOp : Tessera_Op<"trilu", [Pure, SameOperandsAndResultType]> {
  let summary = "Keep the upper or lower triangle of the last two dimensions";
  let description = [{
    With `upper`, keeps elements where `col - row >= k`; otherwise where
    `col - row <= k`. Everything else becomes zero.

    ```mlir
    %y = tessera.trilu %x {upper = true, k = 1 : i64} : tensor<4x4xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, BoolAttr:$upper,
                       DefaultValuedAttr<I64Attr, "0">:$k);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

#endif // TESSERA_COMPUTE_OPS_TD
