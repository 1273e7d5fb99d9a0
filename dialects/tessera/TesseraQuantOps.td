// Quantized graph-level ops: what tessera-quantize (passes/quantization/)
// makes of fp32 linear layers. Each states its reference semantics;
// tessera-decompose-fused rewrites it into primitive ops (the dequantized
// weight, and for dynamic int8 the activations' quantize-dequantize), which
// the runtime kernels are tested against.
#ifndef TESSERA_QUANT_OPS_TD
#define TESSERA_QUANT_OPS_TD

def Tessera_QLinearOp : Tessera_Op<"qlinear", [Pure, AttrSizedOperandSegments]> {
  let summary = "Linear layer with int8/int4 weights (W8A8 dynamic or static, or weight-only)";
  let description = [{
    `y = act(x · Wᵀ + bias) + residual` with `x : [..., K]` (f32), the weight
    `W[n, k] = scale[n, k / (K / G)] * q[n, k]` given by integers `q : [N, K]`
    (i8) and f32 scales `scale : [N, G]` (G groups along K, G = 1 per output
    channel), `bias : [N]`, `residual` of the result's shape `[..., N]`, and
    `activation` as for `tessera.linear`. `bits` bounds `q`: `[-128, 127]` for
    8, `[-8, 7]` for 4 (kernels store 4-bit weights two to a byte).

    `mode` says how `x` enters:
    - `weight_only`: as it is (fp32 compute; the weight's bytes are what
      shrinks);
    - `dynamic`: each row `x[i, :]` is quantized at run time to unsigned 8
      bits, asymmetric, in f32 arithmetic:
      `mn = min(0, min_k x)`, `mx = max(0, max_k x)`,
      `inv = 255 / (mx - mn)`, `s = (mx - mn) / 255` (both 1 when `mx = mn`),
      `zp = clamp(round(-mn * inv), 0, 255)`,
      `x'[i, k] = (clamp(round(x[i, k] * inv) + zp, 0, 255) - zp) * s`,
      with `round` half to even; then `y = act(x' · Wᵀ + bias) + residual`.
      Needs 8-bit, per-channel weights (G = 1). Kernels compute `x'·Wᵀ` as
      an exact integer dot product (u8 · s8) scaled by `s * scale[n]`.

    - `static`: as `dynamic`, with one scale `s = input_scale` and zero
      point `zp = input_zero_point` (in [0, 255]) for every row, fixed at
      compile time from calibration (`--quantize=int8-static`) or from a QDQ
      model, and ONNX QuantizeLinear's division:
      `x'[i, k] = (clamp(round(x[i, k] / s) + zp, 0, 255) - zp) * s`.
    - `dynamic_tensor`: one scale and zero point for the whole of `x`, from
      its range at run time as ONNX DynamicQuantizeLinear computes them
      (ONNX Runtime's com.microsoft DynamicQuantizeMatMul):
      `mn = min(0, min x)`, `mx = max(0, max x)`,
      `s = (mx - mn) / 255` (1 when `mx = mn`),
      `zp = clamp(round(-mn / s), 0, 255)`, then `x'` as for `static`.

    ```mlir
    %y = tessera.qlinear %x, %q, %s bias %b {mode = "dynamic", bits = 8 : i64, activation = "gelu"} : (tensor<2x16x64xf32>, tensor<256x64xi8>, tensor<256x1xf32>, tensor<256xf32>) -> tensor<2x16x256xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input,
                       StaticShapeTensorOf<[I8]>:$weight,
                       Tessera_FloatTensor:$scale,
                       Optional<Tessera_FloatTensor>:$bias,
                       Optional<Tessera_FloatTensor>:$residual,
                       StrAttr:$mode,
                       DefaultValuedAttr<I64Attr, "8">:$bits,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$activation,
                       OptionalAttr<F32Attr>:$input_scale,
                       OptionalAttr<I64Attr>:$input_zero_point);
  let results = (outs Tessera_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $scale (`bias` $bias^)? (`residual` $residual^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// K / G: how many consecutive k share one scale.
    int64_t getGroupSize() {
      auto w = getWeight().getType(), s = getScale().getType();
      return w.getDimSize(1) / std::max<int64_t>(1, s.getDimSize(1));
    }
  }];
}

def Tessera_QConvOp : Tessera_Op<"qconv", [Pure]> {
  let summary = "2-D convolution with int8 weights on a statically quantized input (channels-last result)";
  let description = [{
    The convolution of `tessera.qlinear` in `static` mode: `input : [N, C,
    H, W]` (f32) is quantized with `input_scale` s and `input_zero_point` zp
    as ONNX QuantizeLinear does (`clamp(round(x / s) + zp, 0, 255)`, the
    padding quantizing to zp), and each output position's patch, its kernel
    offsets (r, t) in row-major order with the C channels of each
    contiguous, is multiplied by `weight : [F, KH·KW·C]` (i8, columns in that
    order) with one `scale : [F, 1]` per output channel:
    `result[n, oh, ow, f] = bias[f] + s · scale[f] · Σ (xq - zp) · weight[f, (r·KW + t)·C + c]`
    over r < KH, t < KW, c < C, where xq is the quantized input at
    `[n, c, oh·strides[0] + r·dilations[0] - pads[0], ow·strides[1] + t·dilations[1] - pads[1]]`.
    `pads` is [top, left, bottom, right]; the result is channels-last
    `[N, OH, OW, F]`. tessera-decompose-fused rewrites it into the im2col
    patches and `tessera.qlinear` (the reference); on the CPU it is one
    runtime kernel that quantizes the input once and gathers the patches as
    bytes.

    ```mlir
    %y = tessera.qconv %x, %q, %s bias %b {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, input_scale = 0.05 : f32, input_zero_point = 128 : i64} : (tensor<1x8x6x6xf32>, tensor<16x72xi8>, tensor<16x1xf32>, tensor<16xf32>) -> tensor<1x6x6x16xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input,
                       StaticShapeTensorOf<[I8]>:$weight,
                       Tessera_FloatTensor:$scale,
                       Optional<Tessera_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       F32Attr:$input_scale,
                       I64Attr:$input_zero_point);
  let results = (outs Tessera_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $scale (`bias` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // TESSERA_QUANT_OPS_TD
