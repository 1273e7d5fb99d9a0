// Window ops: max and average pooling over the spatial dims of [N, C, D1..Dk].
#ifndef TESSERA_POOLING_OPS_TD
#define TESSERA_POOLING_OPS_TD

class Tessera_PoolOp<string mnemonic, string semantics, Type type, dag extra>
    : Tessera_Op<mnemonic, [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "N-d " # semantics # " pooling, NC[spatial] layout";
  let arguments = !con((ins type:$input, DenseI64ArrayAttr:$kernel_shape,
                            DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                            DenseI64ArrayAttr:$dilations,
                            DefaultValuedAttr<BoolAttr, "false">:$ceil_mode),
                       extra);
  let results = (outs type:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def Tessera_MaxPoolOp : Tessera_PoolOp<"max_pool", "max", Tessera_Tensor,
    (ins UnitAttr:$channels_last)> {
  let description = [{
    `input` is `[N, C, D1..Dk]`; each output element is the maximum of a
    `kernel_shape` window whose element `w` reads spatial index
    `o * stride + w * dilation - pad_begin`. `pads` holds k begin pads then k
    end pads; padding never wins. Output size per spatial dim:
    `(D + pb + pe - dilation * (K - 1) - 1) / stride + 1`, rounded down, or up
    with `ceil_mode`, in which case a last window that would start in the end
    padding is dropped. With `channels_last` (set by tessera-channels-last)
    the input and result are `[N, D1..Dk, C]`.

    ```mlir
    %y = tessera.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x3x8x8xf32> to tensor<1x3x4x4xf32>
    ```
  }];
}

def Tessera_AvgPoolOp : Tessera_PoolOp<"avg_pool", "average", Tessera_FloatTensor,
    (ins DefaultValuedAttr<BoolAttr, "false">:$count_include_pad,
         UnitAttr:$channels_last)> {
  let hasCanonicalizer = 1;
  let description = [{
    Like `tessera.max_pool` (same windows and output size) but averages. The
    divisor counts the window elements inside the input, plus those in the
    explicit `pads` when `count_include_pad`; elements a `ceil_mode` window
    reads past the end padding never count. With `channels_last` (set by
    tessera-channels-last) the input and result are `[N, D1..Dk, C]`.

    Canonicalization takes a zero `tessera.pad` of the spatial dims into
    `pads` with `count_include_pad` (PyTorch exports `avg_pool2d(x, 3, 1,
    1)` as a Pad and an AveragePool).

    ```mlir
    %y = tessera.avg_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, count_include_pad = false} : tensor<1x3x8xf32> to tensor<1x3x4xf32>
    ```
  }];
}

#endif // TESSERA_POOLING_OPS_TD
