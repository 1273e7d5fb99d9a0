// Pass declarations for Tessera. Each pass is usable alone from tessera-opt.
#ifndef TESSERA_PASSES_TD
#define TESSERA_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertTesseraToLinalg : Pass<"convert-tessera-to-linalg", "func::FuncOp"> {
  let summary = "Lower every tessera op to linalg/tensor/arith/math on tensors";
  let description = [{
    Rewrites each tessera op with the dialect-conversion framework into ops on
    tensors: elementwise ops (numpy broadcasting included) become one
    `linalg.generic` each, `tessera.matmul` becomes `linalg.matmul` or
    `linalg.batch_matmul`, reductions, softmax, layer norm, convolution,
    einsum and cumulative sums become `linalg.generic` reductions, and data
    movement becomes `tensor` ops (`expand_shape`/`collapse_shape`,
    `extract_slice`, `insert_slice`, `pad`) or `linalg.transpose`. Pooling,
    gathers and resize become `linalg.generic`s with index math; scatters
    become `scf.for` nests that `tensor.insert` into a copy of the input.
    `tessera.constant` becomes `arith.constant` with the same attribute
    (dense resources stay resources). The pass fails if any tessera op is
    left. With `conv-kernel`, one-group f32 1-d and 2-d convolutions call the
    runtime's implicit-GEMM convolution (tessera_conv2d_f32) instead of
    im2col + matmul, unless their output positions are few enough for the
    positions-as-rows im2col form.
  }];
  let options = [
    Option<"convKernel", "conv-kernel", "bool", "false",
           "f32 convolutions call the CPU runtime's implicit-GEMM kernel">,
    Option<"normKernels", "norm-kernels", "bool", "false",
           "f32 layer and RMS norms call the row kernels (CPU runtime or CUDA)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

//===----------------------------------------------------------------------===//
// Fusion (passes/fusion/): primitive ops -> fused graph-level ops
//===----------------------------------------------------------------------===//

def AttentionFusion : Pass<"tessera-fuse-attention"> {
  let summary = "Recognise softmax(Q·Kᵀ·scale + mask)·V as tessera.attention";
  let description = [{
    Matches a matmul whose left operand is a softmax over the last axis of
    scores built as `Q·Kᵀ` times any scalar factors (on Q, on K, on the
    scores, as divisions) plus additive masks or Where selects with a -inf or
    huge negative fill. Rank-3 ([B*H, S, D]) and rank-4 ([B, H, S, D]) forms
    are accepted. K/V repeated to the query heads (Expand/Reshape, Gather with
    h / rep indices, or one broadcast head) are taken un-repeated (grouped-
    query attention). A constant lower-triangular mask becomes `causal`.
    Near misses (softmax over another axis, a non-scalar scale, a mask that
    depends on the scores) stay unfused.
  }];
  let statistics = [
    Statistic<"numFused", "attention", "attention blocks fused">,
    Statistic<"numCausal", "causal", "with a causal mask recorded as causal">,
    Statistic<"numGrouped", "grouped-query", "with fewer key/value heads">,
    Statistic<"numMasked", "masked", "with a mask operand">,
  ];
}

def NormFusion : Pass<"tessera-fuse-norms"> {
  let summary = "Recognise decomposed LayerNorm and RMSNorm";
  let description = [{
    `(x - mean(x)) / sqrt(var(x) + eps)` (division, rsqrt or reciprocal; the
    variance as a mean of `d*d` or `d^2`) becomes `tessera.layer_norm`, and
    `x / sqrt(mean(x*x) + eps)` becomes `tessera.rms_norm`, over trailing
    axes; a following per-feature multiply (and, for layer norm, add) is
    folded into the op's scale (and bias).
  }];
  let statistics = [
    Statistic<"numLayerNorm", "layer-norm", "decomposed layer norms fused">,
    Statistic<"numRmsNorm", "rms-norm", "RMS norms fused">,
    Statistic<"numAffine", "affine", "scales/biases folded into a norm">,
  ];
}

def ActivationFusion : Pass<"tessera-fuse-activations"> {
  let summary = "Recognise GELU (erf and tanh forms), SiLU and HardSwish";
  let description = [{
    `0.5·x·(1 + erf(x/√2))` becomes `tessera.gelu`,
    `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` becomes `tessera.gelu_tanh`,
    `x·sigmoid(x)` becomes `tessera.silu`, and `c·x·clamp(a·x + b, 0, hi)`
    with b/a = 3, hi/a = 6 and c·a = 1/6 (x·HardSigmoid(x) with alpha 1/6 and
    beta 1/2, x·relu6(x + 3)/6) becomes `tessera.hardswish`, whatever the
    order of the products; constants must match to 1e-4 relative.
  }];
  let statistics = [
    Statistic<"numGelu", "gelu", "erf GELUs fused">,
    Statistic<"numGeluTanh", "gelu-tanh", "tanh GELUs fused">,
    Statistic<"numSilu", "silu", "SiLUs fused">,
    Statistic<"numHardSwish", "hardswish", "HardSwishes fused">,
  ];
}

def RotaryFusion : Pass<"tessera-fuse-rotary"> {
  let summary = "Recognise rotary position embeddings as tessera.rotary";
  let description = [{
    `x·cos + rotate(x)·sin` with cos/sin at full width: rotate(x) is traced
    element by element through slices, negations, concatenations and
    reshapes of x's last dimension and must be exactly rotate_half
    (`[-x2, x1]`) or the interleaved pair swap (`[-x1, x0, -x3, x2, ...]`).
  }];
  let statistics = [
    Statistic<"numHalfSplit", "half-split", "rotate_half rotaries fused">,
    Statistic<"numInterleaved", "interleaved", "interleaved rotaries fused">,
  ];
}

def LinearFusion : Pass<"tessera-fuse-linear"> {
  let summary = "MatMul with a 2-D weight + bias + activation + residual -> tessera.linear";
  let description = [{
    A matmul whose right operand is a rank-2 weight (or its transpose, kept
    untransposed with `transpose_weight`) becomes `tessera.linear`; a
    following bias add of shape [N], an activation (relu, gelu, gelu_tanh,
    silu, sigmoid, tanh) and a residual add of the result's shape are folded
    into its epilogue when the linear has no other use. A patch embedding
    (a convolution whose stride equals its kernel, without padding, dilation
    or groups, kernel larger than 1x1) becomes a patch transpose and a
    linear op, so that its GEMM gets the linear layer's kernels (and
    --quantize).
  }];
  let statistics = [
    Statistic<"numLinear", "linear", "matmuls turned into linear ops">,
    Statistic<"numPatchConv", "patch-conv", "patch-embedding convs turned into linear ops">,
    Statistic<"numBias", "bias", "bias adds folded">,
    Statistic<"numActivation", "activation", "activations folded">,
    Statistic<"numResidual", "residual", "residual adds folded">,
  ];
}

def ConvActivationFusion : Pass<"tessera-fuse-conv-activation"> {
  let summary = "Residual Add and activations after a convolution -> the conv";
  let description = [{
    A `tessera.add` of a convolution (with no other use, no clamp and no
    residual yet) and a tensor of the same type (no broadcast) becomes the
    conv's `residual` operand; a `tessera.relu`, or a `tessera.clamp` (ONNX
    Clip with constant bounds: ReLU6), whose input is such a conv (with or
    without a residual) becomes its `clamp_min` / `clamp_max`; a
    `tessera.silu`, `sigmoid`, `tanh`, `gelu` or `gelu_tanh` whose input is
    a conv with none of these yet becomes its `activation` (applied before a
    residual fused later). The runtime's conv kernels apply them as they
    store the output instead of separate passes over it: ResNet's
    `relu(conv(x) + identity)` and EfficientNet's `silu(conv(x))` are one
    conv each. Runs after the QDQ and SSM fusions, which match plain
    convolutions.
  }];
  let statistics = [
    Statistic<"numFolded", "conv-activation", "activations folded into convs">,
    Statistic<"numResiduals", "conv-residual", "residual adds folded into convs">,
  ];
}

def SinkIntoConcat : Pass<"tessera-sink-into-concat"> {
  let summary = "Apply elementwise ops to a concat's pieces instead of its result";
  let description = [{
    An elementwise op (a unary one, or a broadcasting binary one) on a
    `tessera.concat` that nothing else reads, whose result has the concat's
    type, becomes the concat of the op applied to each piece; its other
    operands are sliced along the concat's axis where they are not
    broadcast along it (a per-channel scale). Chains sink op by op. The
    pieces are then computed straight into their slices of the concat's
    buffer (eliminate-empty-tensors), so the concat's copies and the op's
    pass over its result become one pass: DenseNet's batch norm and ReLU
    over the concat of all earlier features before every layer. Runs after
    the fusion passes, whose patterns (rotary's `concat(-x2, x1)`) match
    concats.
  }];
  let statistics = [
    Statistic<"numSunk", "sunk", "elementwise ops moved into concats">,
  ];
}

def PruneConvTaps : Pass<"tessera-prune-conv-taps"> {
  let summary = "Cut the kernel taps of a convolution that read only padding";
  let description = [{
    Along each spatial dimension of a `tessera.conv`, the taps at the kernel's ends that read the zero padding at every output
    position (large dilations over a small map: DeepLabV3's ASPP convs with
    dilation 24 and 36 over a 20x20 map are 1x1 convs) are cut from the
    weight (a new constant for a constant f32 weight, else a `tessera.slice`
    of it), the begin pad shrinks by the taps cut times the dilation and the
    end pad is the one that keeps the output size (a kernel of one tap gets
    dilation 1). Exact: the cut taps only ever multiplied zeros (a weight
    that is infinite or NaN there would have given NaN; the cut conv gives
    the finite sum, as ONNX Runtime's kernels do). A dimension whose taps
    all read padding, or whose cut would need a negative pad, is left as it
    is.
  }];
  let statistics = [
    Statistic<"numPruned", "pruned", "convs whose kernel was cut">,
  ];
}

def Conv3dAsConv2d : Pass<"tessera-conv3d-as-conv2d"> {
  let summary = "3-d convolutions of one clip as 2-d convolutions over its frames";
  let description = [{
    An f32 `tessera.conv` over `[1, C, T, H, W]` without a fused activation
    becomes, per temporal tap dt, a 2-d conv of the frames `[T', C, H, W]`
    that tap reads (the clip reshaped to `[C, T, H, W]`, zero-padded along
    time, transposed, and for dt > 0 or a temporal stride sliced) with the
    weight's slice `[F, C/G, KH, KW]`, each conv taking the previous one's
    result as its residual (the first the bias and the original residual,
    the last the clamp); then the frames `[T', F, H', W']` transposed back.
    The 2-d convs run on the runtime's conv kernels (reading the transposed
    frames through strides) instead of im2col + GEMM: torchvision's video
    models (R3D, MC3, R(2+1)D). Runs after tessera-fuse-conv-activation and
    before tessera-channels-last, on the CPU with the fused kernels.
  }];
  let statistics = [
    Statistic<"numRewritten", "rewritten", "3-d convs rewritten">,
  ];
}

def ChannelsLast : Pass<"tessera-channels-last"> {
  let summary = "Convolutions and pools in channels-last layout";
  let description = [{
    Each 2-d f32 `tessera.conv` (any group count), and each 2-d f32
    `tessera.max_pool` and `tessera.avg_pool`, gets `channels_last`: its input, residual and result
    become `[N, H, W, C]`, between `tessera.transpose`s from and back to
    `[N, C, H, W]`; so does each 1-d f32 conv (`[N, L, C]`). A conv whose
    input and result would both only be transposed goes back to
    channel-first. The transposes back then sink through elementwise ops
    (unary ones; binary ones whose other operands are the same transpose,
    constants or spatially uniform tensors such as a squeeze-and-excitation
    gate, which move to the new layout instead; concats and slices of such
    transposes; channel permutations, a reshape that splits the channels
    into factors, a transpose of only those and a reshape back, such as
    ShuffleNet's channel shuffle, which then permute the channels
    innermost; reductions that keep their dims, such as global average
    pooling) and
    cancel against the next conv's, so a chain of convs, pools and the
    activations or residual adds between them runs channels-last, and the
    transposes left at its ends become strided views of the kernels'
    operands (tessera-fold-kernel-transposes). The runtime's kernels read a
    position's channels contiguously: no transposes in the depthwise conv
    and max pool, no transposed stores in the direct conv, and 1x1 convs are
    GEMMs with the positions as rows.
  }];
  let statistics = [
    Statistic<"numOps", "channels-last", "convs and pools made channels-last">,
  ];
}

def ProjectionMerge : Pass<"tessera-merge-projections"> {
  let summary = "Merge linear ops that share an input into one wider GEMM";
  let description = [{
    Linear ops reading the same input with constant f32 weights of the same
    layout, the same activation, biases on all or none and no residual (the
    Q/K/V projections) become one linear op over the concatenated weights,
    followed by slices. A gated MLP `act(x·Wg) * (x·Wu)` (SwiGLU, GeGLU)
    becomes `tessera.glu` over the merged `x·[Wg|Wu]`.
  }];
  let statistics = [
    Statistic<"numGated", "gated-mlp", "gated MLPs merged into glu">,
    Statistic<"numMerged", "merged-gemms", "sibling projections merged">,
  ];
}

def QdqLinearFusion : Pass<"tessera-fuse-qdq-linear"> {
  let summary = "QDQ linear layers (QuantizeLinear/DequantizeLinear) -> static tessera.qlinear";
  let description = [{
    Pre-quantized models on the int8 kernels. An f32 `tessera.linear` whose
    input is an activation's QuantizeLinear -> DequantizeLinear (one scale
    and zero point, uint8 or int8) and whose weight is the DequantizeLinear
    of constant int8 weights in [-127, 127] with zero point 0 and one scale
    per tensor or per output channel becomes `tessera.qlinear` in `static`
    mode with those scales (int8 activations as uint8 with the zero point
    moved by 128). Matched on the arithmetic the importer makes of the QDQ
    ops (scale, round, zero point, clamp, the integer casts), so the
    integers are those of the model. Results differ from the QDQ graph's
    only by the float rounding of its dequantized product. A `tessera.conv`
    of one group with such an input and weight ([F, C, K1..Kk], one scale
    per tensor or output channel) becomes im2col (zero padding, one strided
    window per kernel offset) and the same static qlinear. Anything else
    (asymmetric weights, -128, per-channel activations, K > 32768, grouped
    convs) stays as imported. Counted in --report as `qdq-linear` and
    `qdq-conv`.
  }];
  let dependentDialects = ["mlir::tessera::TesseraDialect"];
}

def Quantize : Pass<"tessera-quantize"> {
  let summary = "fp32 linear layers with constant weights -> tessera.qlinear";
  let description = [{
    Opt-in, accuracy-changing (tessera-compile --quantize=). Each f32
    `tessera.linear` whose weight is a constant becomes `tessera.qlinear`
    with the weight quantized here, symmetric, per output channel or per
    group of `group-size` consecutive k:
    - `int8`: 8-bit weights (`s = max|w| / 127`), activations quantized per
      row at run time (mode `dynamic`, W8A8);
    - `w8`: 8-bit weights, fp32 compute (mode `weight_only`);
    - `int8-static`: as `int8`, with the activations quantized at one
      fixed scale and zero point per layer (mode `static`), from the range
      `[lo, hi]` of that layer's input that `input-ranges` gives (two
      numbers per layer, in `tessera.qlayer` order; tessera-compile measures
      them on the calibration inputs): with `lo <= 0 <= hi` widened to hold
      0, `s = (hi - lo) / 255` and `zp = clamp(round(-lo / s), 0, 255)`;
    - `w4`: 4-bit weights (`s = w_m / -8` for the w_m of largest magnitude,
      q in [-8, 7]), fp32 compute.
    Left alone, and counted by reason in the report: weights that are not
    constants (products of two activations), K not a multiple of the group
    size, and for int8 K above 32768 (the integer dot product could
    overflow i32). Each layer quantized is numbered in `tessera.qlayer`
    (walk order), and so is each layer that would be with `tag-only`: the
    accuracy report compares the two builds layer by layer.
  }];
  let options = [
    Option<"mode", "mode", "std::string", "\"int8\"",
           "int8 (dynamic W8A8), int8-static, w8 or w4 (weight-only)">,
    ListOption<"inputRanges", "input-ranges", "double",
               "int8-static: lo,hi of each layer's input, in layer order">,
    Option<"groupSize", "group-size", "int64_t", "0",
           "consecutive k per scale; 0: one scale per output channel for "
           "int8 and w8, 32 for w4 (w4 needs a multiple of 32)">,
    Option<"tagOnly", "tag-only", "bool", "false",
           "only number the layers that would be quantized (the fp32 "
           "reference build of the accuracy report)">,
  ];
  let statistics = [
    Statistic<"numQuantized", "quantized", "linear layers quantized">,
  ];
}

def Sparsify : Pass<"tessera-sparsify"> {
  let summary = "Prune linear weights by magnitude and pick sparse kernels";
  let description = [{
    Works on each f32 `tessera.linear` whose weight is a constant, in the
    weight's `[N, K]` view (N outputs, K inputs), per layer. `sparsity`:
    - `auto`: nothing is pruned (results unchanged); a weight already sparse
      enough for a sparse kernel to beat the dense GEMM is marked for it;
    - `unstructured:P`: the fraction P of weights of least magnitude become
      zero; marked `block:1x1` when that kernel wins at this sparsity;
    - `block:RxC:P`: the fraction P of R x C blocks (R outputs by C
      consecutive k) of least L2 norm become zero; marked `block:RxC`;
    - `N:M` (e.g. `2:4`): the N weights of largest magnitude in every group
      of M consecutive k are kept; marked `N:M`.
    Whether a kernel wins is decided per format from the break-even
    sparsities measured with `tessera-sparse-gemm-bench` (below 16 rows of
    input, only among the formats that still win there), for the AVX-512
    kernels or, with `kernels=avx2`, the AVX2 ones. `skip-first` and
    `skip-last` leave the first and last such layer (walk order) dense and
    unpruned. Layers whose shape the pattern does not tile, and weights that
    are not constants, are left alone and counted. Each layer pruned (or
    marked) is numbered in `tessera.slayer`, and so is each layer that would
    be with `tag-only`: the accuracy report compares the two builds layer
    by layer.
  }];
  let options = [
    Option<"sparsity", "sparsity", "std::string", "\"auto\"",
           "auto, unstructured:P, block:RxC:P or N:M">,
    Option<"skipFirst", "skip-first", "bool", "false",
           "leave the first linear layer dense">,
    Option<"skipLast", "skip-last", "bool", "false",
           "leave the last linear layer dense">,
    Option<"tagOnly", "tag-only", "bool", "false",
           "only number the layers that would be pruned (the dense "
           "reference build of the accuracy report)">,
    Option<"kernels", "kernels", "std::string", "\"avx512\"",
           "whose break-even sparsities decide: avx512 or avx2 (the CPU "
           "the model will run on)">,
  ];
  let statistics = [
    Statistic<"numPruned", "pruned", "linear layers pruned">,
    Statistic<"numSparse", "sparse-kernels", "linear layers given a sparse kernel">,
  ];
}

def PaddingFree : Pass<"tessera-padding-free"> {
  let summary = "Compute linear layers on the valid tokens of a padded batch only";
  let description = [{
    Finds the key-padding masks of attention: a function argument `m : [B, S]`
    from which an attention's mask is computed elementwise (through unit-dim
    reshapes), such that an entry 0 makes the key's score at most -1e4 (or
    -inf, or false for a boolean mask) and an entry 1 leaves it finite. Then
    every f32 `tessera.linear` whose input is `[B, S, K]` gets `token_mask m`
    (its padding rows are not computed and are 0) when no valid token can
    see those rows: every use of its result, followed transitively, is
    token-wise (linear, norms, softmax over a feature axis, elementwise ops,
    reshapes, transposes and slices that keep the token dims, glu) or is
    the query, key or value of an attention masked by `m`, or a function
    result. A linear's rows must also be the mask's tokens: connected to the
    keys or values of an attention masked by `m` through ops that keep rows
    aligned (a decoder's rows of the same shape are not). A self-attention
    over those tokens whose output rows are invisible in the same way gets
    `padding_queries` (padding queries are not computed). Results that
    padding rows reach differ from the padded build at padding positions
    only; they carry `tessera.padding_differs = "<mask input name>"`. A
    linear with any other use is left alone, with a remark, and counted.
  }];
  let statistics = [
    Statistic<"numLinears", "padding-free-linears",
              "linear layers computed on valid tokens only">,
  ];
}

def CausalConv1dFusion : Pass<"tessera-fuse-causal-conv1d"> {
  let summary = "Recognise causal depthwise Conv1d as tessera.causal_conv1d";
  let description = [{
    A grouped Conv1d with one filter per channel whose left padding is
    (K-1)·dilation (in the conv or a zero Pad before it) and that is either
    not padded on the right or sliced back to the input length; a SiLU after
    it (directly or through a transpose) becomes its activation. With
    [0, 2, 1] transposes before and after it (a [B, L, C] model's
    `conv1d(x.transpose(1, 2)).transpose(1, 2)`), the op takes the
    untransposed input and gives the transposed result itself
    (`channels_last`), so neither transposed copy is made.
  }];
  let statistics = [
    Statistic<"numConvs", "causal-conv1d", "causal convolutions fused">,
  ];
}

def SelectiveScanFusion : Pass<"tessera-fuse-selective-scan"> {
  let summary = "Recognise unrolled Mamba selective scans as tessera.selective_scan";
  let description = [{
    A chain of steps h_t = a_t * h_{t-1} + b_t over t = 0..L-1 with
    a_t = exp(Δ_t·A), b_t = Δ_t·B_t·x_t (computed per step or sliced from
    full tensors), read out as y_t = sum_n h_t·C_t and stacked along a time
    axis, becomes one selective scan; roles come from the products' factor
    structure, so any op order and layout match. A softplus on Δ, a skip
    `y + x·D` and a gate `y·silu(z)` fold into the op. Near misses (a step
    reading another time index, a decay that is not exp(Δ·A) with A diagonal,
    a subtracted input) stay unfused.
  }];
  let statistics = [
    Statistic<"numScans", "selective-scan", "selective scans fused">,
  ];
}

def LinearAttentionFusion : Pass<"tessera-fuse-linear-attention"> {
  let summary = "Recognise unrolled linear-attention recurrences as tessera.linear_attention";
  let description = [{
    A chain of steps S_t = g_t ⊙ S_{t-1} + k_t v_tᵀ (g optional, per step or
    per key dim; k_t v_tᵀ an outer product, computed per step or sliced),
    read out as o_t = q_tᵀ S_t (einsum, reduce_sum or a [.., 1, K] matmul)
    and stacked along time, becomes one linear attention. A decay along the
    value dim, an input that is not an outer product or a step reading
    another time index stays unfused.
  }];
  let statistics = [
    Statistic<"numFused", "linear-attention", "linear-attention recurrences fused">,
  ];
}

def LowerConcatChains : Pass<"tessera-lower-concat-chains", "func::FuncOp"> {
  let summary = "Give concats that extend one another one buffer";
  let description = [{
    A chain of `tessera.concat`s along one axis, each of whose inputs are
    the previous one's followed by more (DenseNet: layer k concatenates the
    block's features x0..xk), becomes one `tensor.empty` of the last
    concat's shape into which each concat inserts only its new inputs
    (`tensor.insert_slice`); each concat's value is the prefix so far
    (`tensor.extract_slice`). Bufferized in place, the features are
    written once rather than copied into every later concat, and the IR
    grows with the number of layers rather than its square. A second
    concat extending the same one is left to convert-tessera-to-linalg.
    tessera-sink-into-concat leaves chains alone.
  }];
  let dependentDialects = ["tensor::TensorDialect"];
  let statistics = [
    Statistic<"numChains", "chains", "concat chains given one buffer">,
    Statistic<"numConcats", "concats", "concats lowered in chains">,
  ];
}

def DecomposeFused : Pass<"tessera-decompose-fused", "func::FuncOp"> {
  let summary = "Rewrite fused ops back into primitive tessera ops";
  let description = [{
    The reference lowering of every fused op (attention as
    matmul-softmax-matmul, norms as reductions, linear as matmul plus its
    epilogue, ...), so that any fusion can be switched off and fused kernels
    can be checked against it. With `keep-kernels`, ops that have a runtime
    kernel on the CPU (f32 attention and linear) are left for
    convert-tessera-to-linalg. The SSM ops (selective scan, linear
    attention) become an scf.for over time.
  }];
  let options = [
    Option<"keepKernels", "keep-kernels", "bool", "false",
           "leave ops that have a CPU runtime kernel">,
    Option<"keepGpuLinear", "keep-gpu-linear", "bool", "false",
           "leave the f32 linear ops whose epilogue cuBLASLt applies (bias; "
           "relu or gelu_tanh, or a residual)">,
    Option<"keepGpuKernels", "keep-gpu-kernels", "bool", "false",
           "leave f32 attention, selective scans and the RMS norms that "
           "fit its row kernel (the CUDA target generates their kernels)">,
  ];
  let dependentDialects = ["arith::ArithDialect", "scf::SCFDialect",
                           "tensor::TensorDialect"];
}

//===----------------------------------------------------------------------===//
// Dispatch formation (passes/dispatch/): kernels as their own functions
//===----------------------------------------------------------------------===//

def OutlineKernels : Pass<"tessera-outline-kernels", "ModuleOp"> {
  let summary = "Outline each loop nest of a model into a kernel function and "
                "deduplicate identical kernels";
  let description = [{
    On buffers (after bufferization, before loops are lowered): every
    top-level op of a function body that carries a computation (a linalg op
    or an op with regions, e.g. an scf.for over time) moves into its own
    private function, called from where it was. Buffers and other values it
    reads become arguments; constants it reads are cloned in, so loop bounds
    and scalars stay visible to LLVM. Kernels whose bodies are identical
    (repeated layers: same shapes, same code, different weights passed as
    arguments) are created once and called from every place. Kernels carry
    `tessera.kernel`; the CPU target keeps them out of LLVM's inliner, so
    LLVM optimizes many small functions instead of one huge one, and each
    distinct kernel once: compile time follows the number of distinct
    kernels, not the model's depth. Kernels whose only buffer uses are
    linalg ops and that differ only in their buffers' static sizes,
    offsets and strides are then one kernel, those dynamic where the twins
    differ (the calls cast their buffers); it records the least twin's work
    as `tessera.min_work`.
  }];
  let statistics = [
    Statistic<"numOutlined", "outlined", "Ops outlined into kernels">,
    Statistic<"numKernels", "kernels", "Distinct kernel functions">,
    Statistic<"numMerged", "layout-merged",
              "Kernels merged into a twin whose buffer shapes or layouts "
              "are dynamic">,
  ];
  let dependentDialects = ["func::FuncDialect", "memref::MemRefDialect"];
}

def ParallelizeKernels : Pass<"tessera-parallelize-kernels", "ModuleOp"> {
  let summary = "Give each big enough kernel a range of its outermost "
                "parallel loop, so that a thread pool can split it";
  let description = [{
    For every kernel function (`tessera.kernel`) whose computation is a
    linalg op with a parallel loop and at least `min-work` loop iterations
    times body ops: the op becomes loops here (scf.parallel over the
    parallel dims), the kernel gains two trailing `index` arguments `lo` and
    `hi`, and the outermost parallel dim with at least 4 iterations (or else
    the longest) runs over `[lo, hi)` instead of its full range `[0, T)`.
    Callers pass `0, T`, so the program still computes the same thing
    sequentially; the kernel records `tessera.parallel_trip = T`, and the
    CPU code generator turns its calls into calls of the runtime's thread
    pool, which runs disjoint ranges on its threads. Each output element is
    still computed by one thread in the same order: results do not depend
    on the thread count. A kernel of dynamic loop ranges (merged from twins
    of other shapes) counts the work its `tessera.min_work` records; a
    dynamic dim (the size of an argument's dim) counts as long, and when it
    takes the range the kernel records `tessera.parallel_trip = 0` and each
    call passes that size (`memref.dim` of its buffer) as `hi`.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", "32768",
           "loop iterations x body ops below which a kernel stays serial">,
  ];
  let statistics = [
    Statistic<"numParallel", "parallel-kernels", "Kernels given a range">,
  ];
  let dependentDialects = ["scf::SCFDialect", "func::FuncDialect"];
}

def TokenMerge : Pass<"tessera-token-merge", "ModuleOp"> {
  let summary = "Token Merging (ToMe) in the encoder layers of a fused model";
  let description = [{
    After the attention of every layer (where its output is added back to
    the residual stream), inserts `tessera.token_merge`: the `r` most similar
    pairs of tokens (cosine similarity of the layer's head-averaged keys,
    bipartite soft matching) are merged by a size-weighted mean, and the ops
    after it run on the smaller token count. Later attention adds log(size)
    to the logits of each key (proportional attention); a mean over the
    tokens becomes the size-weighted mean; with `protect-first`, token 0 (a
    class token) is never merged and stays first, so reading it stays right.
    The token axis is followed through reshapes, transposes, norms, linear
    layers and elementwise ops by their semantics; anything the merged
    tokens cannot flow through (causal attention, a per-key mask, a
    per-token constant, an output with a row per token, a read of token 0
    without `protect-first`) is an error naming the op. With `tag-only`
    nothing changes (the reference build of the accuracy report).
  }];
  let options = [
    Option<"r", "r", "int64_t", "8", "token pairs merged per layer">,
    Option<"protectFirst", "protect-first", "bool", "false",
           "never merge token 0 (a class token)">,
    Option<"tagOnly", "tag-only", "bool", "false",
           "change nothing (the reference build of the accuracy report)">,
  ];
  let dependentDialects = ["mlir::func::FuncDialect"];
  let statistics = [
    Statistic<"numMerges", "merges", "token merges inserted">,
  ];
}

def DropLayers : Pass<"tessera-drop-layers", "ModuleOp"> {
  let summary = "Drop whole attention or MLP sublayers of a residual network";
  let description = [{
    A sublayer is a residual site `y = x + f(x)` (an add, or a linear
    layer's residual epilogue) whose branch `f` is computed from the stream
    `x` through a linear layer or an attention: an attention sublayer when
    the branch holds a `tessera.attention`, else an MLP sublayer. Sublayers
    are numbered per kind in program order (0-based); those listed in
    `attention` and `mlp` are dropped (`y = x`, the branch is erased). With
    `measure`, nothing is dropped: the function returns, per sublayer, the
    cosine similarity of its input and output rows (last axis), averaged, as
    an extra scalar result `sublayer<N>` (result attributes
    `tessera.sublayer_kind`, `tessera.sublayer_index`,
    `tessera.sublayer_node`): the driver's calibration build, from which
    `--drop-layers=attention:K` drops the K most similar (most redundant).
  }];
  let options = [
    ListOption<"attention", "attention", "int64_t",
               "attention sublayers to drop (their index among them)">,
    ListOption<"mlp", "mlp", "int64_t",
               "MLP sublayers to drop (their index among them)">,
    Option<"measure", "measure", "bool", "false",
           "drop nothing; number each sublayer's input/output cosine "
           "similarity for a calibration build">,
  ];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def TokenPrune : Pass<"tessera-token-prune", "ModuleOp"> {
  let summary = "Prune the tokens the class token attends to least";
  let description = [{
    After the attention of one encoder layer (`layer`, 0-based; -1: a
    quarter of the depth), inserts `tessera.token_prune`: token 0 (the class
    token) and the fraction `keep` of the other tokens that it attends to
    most (its attention probabilities averaged over the heads) are kept, in
    order, and the ops after it run on the smaller token count. The token
    axis is followed as in `tessera-token-merge`, with the same refusals
    (causal attention, per-key masks, per-token constants, outputs with a
    row per token). With `tag-only` nothing changes.
  }];
  let options = [
    Option<"keep", "keep", "double", "0.5",
           "fraction of the tokens besides token 0 kept">,
    Option<"layer", "layer", "int64_t", "-1",
           "prune after this layer's attention (-1: a quarter of the depth)">,
    Option<"tagOnly", "tag-only", "bool", "false",
           "change nothing (the reference build of the accuracy report)">,
  ];
  let dependentDialects = ["mlir::func::FuncDialect"];
  let statistics = [
    Statistic<"numPrunes", "prunes", "token prunings inserted">,
  ];
}

#endif // TESSERA_PASSES_TD
