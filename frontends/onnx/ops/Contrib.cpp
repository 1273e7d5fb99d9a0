// ONNX Runtime's com.microsoft contrib ops that its transformer optimizer and
// exporters emit (attention, skip/RMS norms, GELU with bias, rotary
// embeddings), imported into tessera's fused ops. Semantics follow ONNX
// Runtime's ContribOperators.md and its CPU kernels.
#include "frontends/onnx/Importer.h"

#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

/// Fails naming the first of `inputs` (index, name) the node has.
static LogicalResult
rejectInputs(Importer &im,
             std::initializer_list<std::pair<unsigned, const char *>> inputs,
             StringRef why) {
  for (auto [i, name] : inputs)
    if (im.hasInput(i))
      return im.fail("input " + Twine(i) + " '" + name + "' " +
                     (why.empty() ? "" : why + " ") + "is not supported");
  return success();
}

/// Fails naming the first of `outputs` (index, name) the node has.
static LogicalResult
rejectOutputs(Importer &im,
              std::initializer_list<std::pair<unsigned, const char *>> outputs,
              StringRef why) {
  for (auto [i, name] : outputs)
    if (im.hasOutput(i))
      return im.fail("output " + Twine(i) + " '" + name + "' " +
                     (why.empty() ? "" : why + " ") + "is not supported");
  return success();
}

/// The attention scale: the attribute when set (0 means unset in ONNX
/// Runtime), else 1/sqrt(head size).
static double attentionScale(Importer &im, int64_t headSize) {
  float scale = im.attrFloat("scale", 0.f);
  return scale != 0.f ? double(scale) : 1.0 / std::sqrt(double(headSize));
}

/// Checks that an optional float parameter is `[n]` of element type `et`.
static LogicalResult checkVector(Importer &im, Value p, int64_t n, Type et,
                                 StringRef name) {
  auto t = Importer::typeOf(p);
  if (t.getRank() == 1 && t.getDimSize(0) == n && t.getElementType() == et)
    return success();
  return im.fail(name + " must be " + typeStr(RankedTensorType::get({n}, et)) +
                 ", found " + typeStr(t));
}

/// ONNX Runtime's integer attention masks (nonzero = attend) as an additive
/// mask that adds `filter` (mask_filter_value: what ONNX Runtime adds, so
/// fully masked rows stay finite as they do there) on masked keys. Shapes:
/// (B) valid key counts (right padding), (B, Skv) key padding, or
/// (B, S, Skv) per query.
static Value intMaskToAdditive(Importer &im, Value m, int64_t b, int64_t s,
                               int64_t skv, Type et, float filter,
                               StringRef name) {
  auto mt = Importer::typeOf(m);
  Type it = mt.getElementType();
  if (!isa<IntegerType>(it) || it.isInteger(1)) {
    (void)im.fail(name + " must be an integer tensor, found " + typeStr(mt));
    return Value();
  }
  ArrayRef<int64_t> ms = mt.getShape();
  Type i1 = im.builder.getI1Type();
  Value keep;
  if (ms == ArrayRef<int64_t>{b}) {
    SmallVector<int64_t> range(skv);
    for (int64_t j = 0; j < skv; ++j)
      range[j] = j;
    Value keys = im.constant(
        makeConst(RankedTensorType::get({1, 1, 1, skv}, it), range));
    keep = im.create<LessOp>(RankedTensorType::get({b, 1, 1, skv}, i1), keys,
                             im.reshape(m, {b, 1, 1, 1}));
  } else if (ms == ArrayRef<int64_t>{b, skv} ||
             ms == ArrayRef<int64_t>{b, s, skv}) {
    keep = im.create<GreaterOp>(mt.clone(i1), m, im.scalar(it, 0));
    keep = im.reshape(keep, {b, 1, ms.size() == 3 ? s : 1, skv});
  } else {
    (void)im.fail(name + " of shape " + shapeStr(ms) +
                  " is not supported (supported: (B) key counts, (B, Skv) "
                  "key padding, (B, S, Skv))");
    return Value();
  }
  auto type = RankedTensorType::get(Importer::typeOf(keep).getShape(), et);
  return im.create<WhereOp>(type, keep, im.scalar(et, 0.0),
                            im.scalar(et, filter));
}

/// The optional float attention_bias input `i`, in element type `et`.
static FailureOr<Value> attentionBias(Importer &im, unsigned i, Type et) {
  if (!im.hasInput(i))
    return Value();
  Value bias = im.operand(i);
  if (!bias)
    return failure();
  auto bt = Importer::typeOf(bias);
  if (!isa<FloatType>(bt.getElementType()))
    return im.fail("attention_bias must be a float tensor, found " +
                   typeStr(bt));
  if (bt.getElementType() != et)
    bias = im.create<CastOp>(bt.clone(et), bias);
  return bias;
}

/// The sum of two additive masks.
static Value addMasks(Importer &im, Value a, Value b) {
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(Importer::typeOf(a).getShape(),
                             Importer::typeOf(b).getShape(), shape))) {
    (void)im.fail("attention_bias " + typeStr(b.getType()) +
                  " does not broadcast with the mask " + typeStr(a.getType()));
    return Value();
  }
  return im.create<AddOp>(Importer::typeOf(a).clone(shape), a, b);
}

/// Attention with its additive mask from an integer mask input and an
/// attention_bias input, and the output as [B, S, H * Dv].
static LogicalResult finishAttention(Importer &im, Value q, Value k, Value v,
                                     unsigned maskInput, unsigned biasInput,
                                     bool causal) {
  ArrayRef<int64_t> qs = Importer::typeOf(q).getShape();
  int64_t skv = Importer::typeOf(k).getDimSize(2);
  Type et = Importer::typeOf(q).getElementType();
  Value mask;
  if (im.hasInput(maskInput)) {
    Value m = im.operand(maskInput);
    if (!m)
      return failure();
    StringRef name =
        im.node->op_type() == "Attention" ? "mask_index" : "key_padding_mask";
    mask = intMaskToAdditive(im, m, qs[0], qs[2], skv, et,
                             im.attrFloat("mask_filter_value", -10000.f), name);
    if (!mask)
      return failure();
  }
  FailureOr<Value> bias = attentionBias(im, biasInput, et);
  if (failed(bias))
    return failure();
  if (!mask)
    mask = *bias;
  else if (*bias && !(mask = addMasks(im, mask, *bias)))
    return failure();
  Value out = buildAttention(im, q, k, v, mask, "additive",
                             attentionScale(im, qs[3]), causal);
  if (!out)
    return failure();
  im.setOutput(0, mergeHeads(im, out));
  return success();
}

/// com.microsoft Attention: the Q/K/V projection with packed weights
/// [K, Nq + Nk + Nv] (and bias), then multi-head attention.
static LogicalResult importAttention(Importer &im) {
  if (failed(rejectInputs(im, {{4, "past"}}, "(a KV cache)")) ||
      failed(rejectInputs(im, {{6, "past_sequence_length"}}, "")) ||
      failed(rejectOutputs(im, {{1, "present"}}, "(a KV cache)")))
    return failure();
  if (im.attrInt("do_rotary", 0))
    return im.fail("do_rotary is not supported");
  int64_t heads = im.attrInt("num_heads", 0);
  if (heads <= 0)
    return im.fail("num_heads must be positive, found " + Twine(heads));
  Value x = im.operand(0);
  Value w = x ? im.operand(1) : Value();
  if (!w)
    return failure();
  auto xt = Importer::typeOf(x), wt = Importer::typeOf(w);
  Type et = xt.getElementType();
  if (xt.getRank() != 3 || !isa<FloatType>(et) || wt.getRank() != 2 ||
      wt.getDimSize(0) != xt.getDimSize(2) || wt.getElementType() != et)
    return im.fail("input must be a float [B, S, K] and weights [K, N] of "
                   "its type, found " +
                   typeStr(xt) + " and " + typeStr(wt));
  int64_t n = wt.getDimSize(1);
  SmallVector<int64_t> sizes(3, n / 3);
  if (std::optional<SmallVector<int64_t>> given =
          im.attrInts("qkv_hidden_sizes"))
    sizes = *given;
  if (sizes.size() != 3 || sizes[0] != sizes[1] ||
      sizes[0] + sizes[1] + sizes[2] != n || sizes[0] % heads != 0 ||
      sizes[2] % heads != 0 || sizes[0] == 0)
    return im.fail("Q, K and V hidden sizes " + shapeStr(sizes) +
                   " must split the weights' " + Twine(n) +
                   " columns, Q and K equal, each a multiple of num_heads " +
                   Twine(heads));
  Value bias;
  if (im.hasInput(2) &&
      (!(bias = im.operand(2)) || failed(checkVector(im, bias, n, et, "bias"))))
    return failure();
  auto projType =
      RankedTensorType::get({xt.getDimSize(0), xt.getDimSize(1), n}, et);
  Value qkv =
      LinearOp::create(im.builder, im.loc, projType, x, w, bias, Value(),
                       Value(), /*transpose_weight=*/false, "none",
                       /*sparsity=*/StringAttr())
          .getResult();
  Value q = splitHeads(im, sliceLast(im, qkv, 0, sizes[0]), heads);
  Value k = splitHeads(im, sliceLast(im, qkv, sizes[0], sizes[1]), heads);
  Value v = splitHeads(im, sliceLast(im, qkv, 2 * sizes[0], sizes[2]), heads);
  return finishAttention(im, q, k, v, /*maskInput=*/3, /*biasInput=*/5,
                         im.attrInt("unidirectional", 0) != 0);
}

/// One of the P stacked tensors of a packed [B, S, N, P, H] input, as
/// [B, N, S, H].
static Value unpack(Importer &im, Value packed, int64_t index) {
  auto t = Importer::typeOf(packed);
  SmallVector<int64_t> shape(t.getShape()), starts(5, 0), steps(5, 1);
  starts[3] = index;
  shape[3] = 1;
  Value one = im.create<SliceOp>(t.clone(shape), packed,
                                 im.builder.getDenseI64ArrayAttr(starts),
                                 im.builder.getDenseI64ArrayAttr(steps));
  return im.transpose(im.reshape(one, {shape[0], shape[1], shape[2], shape[4]}),
                      {0, 2, 1, 3});
}

/// com.microsoft MultiHeadAttention: Q/K/V as [B, S, hidden] (with an
/// optional packed bias), Q/K/V packed as [B, S, N, 3, H], K/V packed as
/// [B, Skv, N, 2, H], or K/V already [B, N, Skv, H].
static LogicalResult importMultiHeadAttention(Importer &im) {
  if (failed(rejectInputs(im, {{6, "past_key"}, {7, "past_value"}},
                          "(a KV cache)")) ||
      failed(rejectInputs(
          im, {{8, "past_sequence_length"}, {9, "cache_indirection"}}, "")) ||
      failed(rejectOutputs(im, {{1, "present_key"}, {2, "present_value"}},
                           "(a KV cache)")) ||
      failed(rejectOutputs(im, {{3, "qk"}}, "")))
    return failure();
  int64_t heads = im.attrInt("num_heads", 0);
  if (heads <= 0)
    return im.fail("num_heads must be positive, found " + Twine(heads));
  Value query = im.operand(0);
  if (!query)
    return failure();
  Value key, value, bias;
  if ((im.hasInput(1) && !(key = im.operand(1))) ||
      (im.hasInput(2) && !(value = im.operand(2))) ||
      (im.hasInput(3) && !(bias = im.operand(3))))
    return failure();
  int64_t qRank = Importer::typeOf(query).getRank();
  int64_t kRank = key ? Importer::typeOf(key).getRank() : 0;
  int64_t vRank = value ? Importer::typeOf(value).getRank() : 0;
  // The stacked dimension of a packed input holds Q, K, V or K, V.
  auto packs = [](Value t, int64_t n) {
    return Importer::typeOf(t).getDimSize(3) == n;
  };
  Value q, k, v;
  if (qRank == 5 && packs(query, 3) && !key && !value && !bias) {
    q = unpack(im, query, 0);
    k = unpack(im, query, 1);
    v = unpack(im, query, 2);
  } else if (qRank == 3 && kRank == 5 && packs(key, 2) && !value && !bias) {
    k = unpack(im, key, 0);
    v = unpack(im, key, 1);
  } else if (qRank == 3 && kRank == 4 && vRank == 4 && !bias) {
    k = key;
    v = value;
  } else if (qRank == 3 && kRank == 3 && vRank == 3) {
    int64_t hq = Importer::typeOf(query).getDimSize(2);
    int64_t hk = Importer::typeOf(key).getDimSize(2);
    int64_t hv = Importer::typeOf(value).getDimSize(2);
    if (hq % heads || hk % heads || hv % heads)
      return im.fail("query, key and value hidden sizes (" + Twine(hq) + ", " +
                     Twine(hk) + ", " + Twine(hv) +
                     ") must be multiples of num_heads " + Twine(heads));
    if (bias) {
      Type et = Importer::typeOf(query).getElementType();
      if (failed(checkVector(im, bias, hq + hk + hv, et, "bias")))
        return failure();
      auto addBias = [&](Value t, int64_t start, int64_t size) {
        return im.create<AddOp>(t.getType(), t,
                                sliceLast(im, bias, start, size));
      };
      query = addBias(query, 0, hq);
      key = addBias(key, hq, hk);
      value = addBias(value, hq + hk, hv);
    }
    k = splitHeads(im, key, heads);
    v = splitHeads(im, value, heads);
  } else {
    return im.fail("unsupported combination of query/key/value ranks (" +
                   Twine(qRank) + ", " + Twine(kRank) + ", " + Twine(vRank) +
                   ")" + (bias ? " with a bias" : "") +
                   "; supported: 3-D Q/K/V (optional bias), packed QKV "
                   "[B, S, N, 3, H], 3-D Q with packed KV [B, S, N, 2, H] or "
                   "with [B, N, S, H] K and V");
  }
  if (!q) {
    if (Importer::typeOf(query).getDimSize(2) % heads != 0)
      return im.fail("query hidden size must be a multiple of num_heads " +
                     Twine(heads));
    q = splitHeads(im, query, heads);
  }
  if (Importer::typeOf(k).getDimSize(1) != heads)
    return im.fail("key/value have " +
                   Twine(Importer::typeOf(k).getDimSize(1)) +
                   " heads, num_heads is " + Twine(heads));
  return finishAttention(im, q, k, v, /*maskInput=*/4, /*biasInput=*/5,
                         im.attrInt("unidirectional", 0) != 0);
}

/// com.microsoft GroupQueryAttention without a KV cache: Q [B, S, N * H]
/// (or packed QKV), K/V [B, Skv, Nkv * H]; seqlens_k[b] + 1 keys are valid
/// in batch b.
static LogicalResult importGroupQueryAttention(Importer &im) {
  if (failed(rejectInputs(im, {{3, "past_key"}, {4, "past_value"}},
                          "(a KV cache)")) ||
      failed(rejectInputs(im,
                          {{11, "head_sink"},
                           {12, "k_scale"},
                           {13, "v_scale"},
                           {14, "q_norm_weight"},
                           {15, "k_norm_weight"}},
                          "")) ||
      failed(rejectOutputs(im, {{1, "present_key"}, {2, "present_value"}},
                           "(a KV cache)")) ||
      failed(rejectOutputs(im, {{3, "output_qk"}}, "")))
    return failure();
  if (im.attrInt("do_rotary", 0))
    return im.fail("do_rotary is not supported (apply RotaryEmbedding to Q "
                   "and K before the op)");
  if (float cap = im.attrFloat("softcap", 0.f); cap != 0.f)
    return im.fail("softcap " + std::to_string(cap) +
                   " is not supported (only 0)");
  if (im.attrInt("smooth_softmax", 0))
    return im.fail("smooth_softmax is not supported");
  if (int64_t window = im.attrInt("local_window_size", -1); window != -1)
    return im.fail("local_window_size " + Twine(window) +
                   " is not supported (only -1)");
  if (int64_t qk = im.attrInt("qk_output", 0))
    return im.fail("qk_output " + Twine(qk) + " is not supported (only 0)");
  int64_t heads = im.attrInt("num_heads", 0);
  int64_t kvHeads = im.attrInt("kv_num_heads", 0);
  if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
    return im.fail("num_heads (" + Twine(heads) +
                   ") must be a positive multiple of kv_num_heads (" +
                   Twine(kvHeads) + ")");
  Value query = im.operand(0);
  if (!query)
    return failure();
  auto qt = Importer::typeOf(query);
  if (qt.getRank() != 3)
    return im.fail("query must be [B, S, hidden], found " + typeStr(qt));
  Value key, value;
  if (im.hasInput(1) != im.hasInput(2))
    return im.fail("key and value must be given together");
  if (im.hasInput(1) && (!(key = im.operand(1)) || !(value = im.operand(2))))
    return failure();
  int64_t hidden = qt.getDimSize(2);
  int64_t packedHeads = key ? heads : heads + 2 * kvHeads;
  if (hidden % packedHeads != 0)
    return im.fail("query hidden size " + Twine(hidden) +
                   " is not a multiple of " + Twine(packedHeads) + " heads");
  int64_t headSize = hidden / packedHeads;
  if (!key) {
    key = sliceLast(im, query, heads * headSize, kvHeads * headSize);
    value =
        sliceLast(im, query, (heads + kvHeads) * headSize, kvHeads * headSize);
    query = sliceLast(im, query, 0, heads * headSize);
  }
  for (Value t : {key, value}) {
    auto tt = Importer::typeOf(t);
    if (tt.getRank() != 3 || tt.getDimSize(2) != kvHeads * headSize)
      return im.fail("key and value must be [B, Skv, " +
                     Twine(kvHeads * headSize) + "], found " + typeStr(tt));
  }
  Value q = splitHeads(im, query, heads);
  Value k = splitHeads(im, key, kvHeads);
  Value v = splitHeads(im, value, kvHeads);
  int64_t b = qt.getDimSize(0), s = qt.getDimSize(1);
  int64_t skv = Importer::typeOf(k).getDimSize(2);
  bool causal = im.attrInt("causal", 1) != 0;
  if (causal && s != skv)
    return im.fail("causal attention needs as many keys as queries without "
                   "a KV cache, found " +
                   Twine(s) + " queries and " + Twine(skv) + " keys");

  // seqlens_k and total_sequence_length are required inputs. A known total
  // must be Skv; known per-batch lengths that cover every key need no mask.
  TensorInfo *total = im.hasInput(6) ? im.input(6) : nullptr;
  TensorInfo *lens = im.input(5);
  if ((im.hasInput(6) && !total) || !lens)
    return failure();
  if (total && total->constant &&
      (total->constant->numElements() != 1 ||
       total->constant->getInt(0) != skv))
    return im.fail("total_sequence_length must be " + Twine(skv) +
                   " without a KV cache");
  if (!isa<IntegerType>(lens->type.getElementType()) ||
      lens->type.getShape() != ArrayRef<int64_t>{b})
    return im.fail("seqlens_k must be integers of shape [" + Twine(b) +
                   "], found " + typeStr(lens->type));
  bool fullLengths =
      lens->constant && llvm::all_of(lens->constant->toInts(),
                                     [&](int64_t n) { return n == skv - 1; });
  Type et = qt.getElementType();
  Value keep;
  if (!fullLengths) {
    Type it = lens->type.getElementType();
    SmallVector<int64_t> range(skv);
    for (int64_t j = 0; j < skv; ++j)
      range[j] = j;
    Value keys = im.constant(
        makeConst(RankedTensorType::get({1, 1, 1, skv}, it), range));
    keep = im.create<LessEqualOp>(
        RankedTensorType::get({b, 1, 1, skv}, im.builder.getI1Type()), keys,
        im.reshape(im.materialize(*lens), {b, 1, 1, 1}));
  }
  FailureOr<Value> bias = attentionBias(im, 10, et);
  if (failed(bias))
    return failure();
  Value mask = keep ? keep : *bias;
  StringRef kind = keep ? "boolean" : "additive";
  if (keep && *bias) {
    SmallVector<int64_t> shape;
    if (failed(broadcastShapes(Importer::typeOf(keep).getShape(),
                               Importer::typeOf(*bias).getShape(), shape)))
      return im.fail("attention_bias " + typeStr(bias->getType()) +
                     " does not broadcast to [B, N, S, Skv]");
    mask = im.create<WhereOp>(RankedTensorType::get(shape, et), keep, *bias,
                              im.scalar(et, -INFINITY));
    kind = "additive";
  }
  Value out = buildAttention(im, q, k, v, mask, kind,
                             attentionScale(im, headSize), causal);
  if (!out)
    return failure();
  im.setOutput(0, mergeHeads(im, out));
  return success();
}

/// SkipLayerNormalization (input, skip, gamma, beta?, bias?) and
/// SkipSimplifiedLayerNormalization (input, skip, gamma, bias?): a norm of
/// input + skip + bias over the last dimension; output 3 is that sum.
template <bool Rms> static LogicalResult importSkipNorm(Importer &im) {
  if (failed(rejectOutputs(im, {{1, "mean"}, {2, "inv_std_var"}}, "")))
    return failure();
  Value x = im.operand(0);
  Value skip = x ? im.operand(1) : Value();
  Value gamma = skip ? im.operand(2) : Value();
  if (!gamma)
    return failure();
  Value beta, bias;
  unsigned biasInput = Rms ? 3 : 4;
  if ((!Rms && im.hasInput(3) && !(beta = im.operand(3))) ||
      (im.hasInput(biasInput) && !(bias = im.operand(biasInput))))
    return failure();
  auto xt = Importer::typeOf(x);
  Type et = xt.getElementType();
  if (!isa<FloatType>(et) || xt.getRank() < 1)
    return im.fail("input must be a float tensor, found " + typeStr(xt));
  auto st = Importer::typeOf(skip);
  SmallVector<int64_t> shape;
  if (st.getElementType() != et ||
      failed(broadcastShapes(xt.getShape(), st.getShape(), shape)) ||
      ArrayRef<int64_t>(shape) != xt.getShape())
    return im.fail("skip " + typeStr(st) + " must broadcast to the input " +
                   typeStr(xt));
  int64_t hidden = xt.getShape().back();
  if (failed(checkVector(im, gamma, hidden, et, "gamma")) ||
      (beta && failed(checkVector(im, beta, hidden, et, "beta"))) ||
      (bias && failed(checkVector(im, bias, hidden, et, "bias"))))
    return failure();
  Value sum = im.create<AddOp>(xt, x, skip);
  if (bias)
    sum = im.create<AddOp>(xt, sum, bias);
  float eps = im.attrFloat("epsilon", 1e-12f);
  int64_t axis = xt.getRank() - 1;
  Value y = Rms ? buildRmsNorm(im, sum, gamma, axis, eps)
                : LayerNormOp::create(im.builder, im.loc, xt, sum, gamma, beta,
                                      im.builder.getI64IntegerAttr(axis),
                                      im.builder.getF32FloatAttr(eps))
                      .getResult();
  im.setOutput(0, y);
  im.setOutput(3, sum);
  return success();
}

/// FastGelu (X, bias?: the tanh approximation) and BiasGelu (A, B: erf) of
/// the input plus a broadcast bias.
template <typename GeluOpTy, bool NeedsBias>
static LogicalResult importBiasGelu(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto xt = Importer::typeOf(x);
  if (!isa<FloatType>(xt.getElementType()))
    return im.fail("input must be a float tensor, found " + typeStr(xt));
  if (NeedsBias || im.hasInput(1)) {
    Value bias = im.operand(1);
    if (!bias)
      return failure();
    auto bt = Importer::typeOf(bias);
    SmallVector<int64_t> shape;
    if (bt.getElementType() != xt.getElementType() ||
        failed(broadcastShapes(xt.getShape(), bt.getShape(), shape)) ||
        ArrayRef<int64_t>(shape) != xt.getShape())
      return im.fail("bias " + typeStr(bt) + " must broadcast to the input " +
                     typeStr(xt));
    x = im.create<AddOp>(xt, x, bias);
  }
  im.setOutput(0, im.create<GeluOpTy>(xt, x));
  return success();
}

/// com.microsoft RotaryEmbedding (input, position_ids, cos_cache,
/// sin_cache): input [B, S, hidden] or [B, N, S, H]; position_ids [B, S] or
/// one start position for every batch.
static LogicalResult importRotaryEmbedding(Importer &im) {
  if (int64_t packed = im.attrInt("is_packed_batching", 0))
    return im.fail("is_packed_batching " + Twine(packed) +
                   " is not supported (only 0)");
  Value x = im.operand(0);
  Value positions = x ? im.operand(1) : Value();
  Value cosCache = positions ? im.operand(2) : Value();
  Value sinCache = cosCache ? im.operand(3) : Value();
  if (!sinCache)
    return failure();
  auto xt = Importer::typeOf(x);
  auto ct = Importer::typeOf(cosCache);
  if ((xt.getRank() != 3 && xt.getRank() != 4) || ct.getRank() != 2)
    return im.fail("input must be [B, S, hidden] or [B, N, S, H] and the "
                   "caches [max_position, R/2], found " +
                   typeStr(xt) + " and " + typeStr(ct));
  int64_t heads = im.attrInt("num_heads", 0);
  int64_t rotaryDim = im.attrInt("rotary_embedding_dim", 0);
  if (rotaryDim > 0 && heads <= 0)
    return im.fail("rotary_embedding_dim needs a positive num_heads");
  // Head size as ONNX Runtime derives it: from num_heads with a partial
  // rotation, else from the full-width caches.
  int64_t hidden = xt.getRank() == 3 ? xt.getDimSize(2)
                                     : xt.getDimSize(1) * xt.getDimSize(3);
  int64_t headSize = rotaryDim > 0 ? hidden / std::max<int64_t>(heads, 1)
                                   : 2 * ct.getDimSize(1);
  if (headSize == 0 || hidden % headSize != 0 ||
      (heads > 0 && heads * headSize != hidden) ||
      (xt.getRank() == 4 && headSize != xt.getDimSize(3)))
    return im.fail("cannot split hidden size " + Twine(hidden) +
                   " into heads of size " + Twine(headSize));
  int64_t s = xt.getDimSize(xt.getRank() == 3 ? 1 : 2);
  if (xt.getRank() == 3)
    x = im.reshape(x, {xt.getDimSize(0), s, hidden / headSize, headSize});
  auto pt = Importer::typeOf(positions);
  if (pt.getNumElements() == 1 && isa<IntegerType>(pt.getElementType())) {
    // One start position p: token i of every batch sits at p + i.
    SmallVector<int64_t> range(s);
    for (int64_t i = 0; i < s; ++i)
      range[i] = i;
    auto rowType = RankedTensorType::get({1, s}, pt.getElementType());
    positions =
        im.create<AddOp>(rowType, im.constant(makeConst(rowType, range)),
                         im.reshape(positions, {1, 1}));
  }
  // The scale attribute only rescales caches that ONNX Runtime would have to
  // regenerate for sequences beyond them, which it does not implement.
  Value y = buildRotaryEmbedding(im, x, cosCache, sinCache, positions,
                                 /*headsFirst=*/xt.getRank() == 4,
                                 im.attrInt("interleaved", 0) != 0,
                                 rotaryDim > 0 ? rotaryDim : headSize);
  if (!y)
    return failure();
  im.setOutput(0, im.reshape(y, xt.getShape()));
  return success();
}

/// The values of an initializer input as doubles (integer or float element
/// types), whether the importer keeps it as a known constant or as a weight
/// blob; fails naming the input otherwise.
static FailureOr<std::vector<double>> initializerValues(Importer &im,
                                                        unsigned i,
                                                        StringRef what) {
  TensorInfo *info = im.input(i);
  if (!info)
    return failure();
  if (std::optional<std::vector<double>> values = initializerDoubles(im, i))
    return *values;
  (void)im.fail(what + " (input " + Twine(i) +
                ") must be an initializer of uint8 or float32, found " +
                typeStr(info->type));
  return failure();
}

/// com.microsoft MatMulNBits (4-bit blockwise weights, ONNX Runtime's
/// MatMul4BitsQuantizer): y = A · dequant(B)ᵀ + bias with B [N, K/bs,
/// bs/2] packed low nibble first, per-block scales and optional uint8 zero
/// points (4-bit packed, default 8). Imported as a weight-only
/// tessera.qlinear with q = nibble - zero point: 4-bit when every zero point
/// is 8 (q in [-8, 7]), else 8-bit (q in [-15, 15]); the values are exact.
static LogicalResult importMatMulNBits(Importer &im) {
  int64_t k = im.attrInt("K", 0), n = im.attrInt("N", 0);
  int64_t bits = im.attrInt("bits", 4), bs = im.attrInt("block_size", 0);
  if (bits != 4)
    return im.fail("bits " + Twine(bits) + " is not supported (only 4)");
  if (k <= 0 || n <= 0 || bs < 16 || (bs & (bs - 1)) != 0 || k % bs != 0)
    return im.fail("K " + Twine(k) + ", N " + Twine(n) + " and block_size " +
                   Twine(bs) + " must be positive, block_size a power of 2 "
                   ">= 16 dividing K");
  if (failed(rejectInputs(im, {{4, "g_idx"}}, "")))
    return failure();
  Value a = im.operand(0);
  if (!a)
    return failure();
  auto at = Importer::typeOf(a);
  if (!at.getElementType().isF32() || at.getRank() < 1 ||
      at.getShape().back() != k)
    return im.fail("A must be f32 [..., K = " + Twine(k) + "], found " +
                   typeStr(at));
  int64_t blocks = k / bs;
  TensorInfo *bInfo = im.input(1);
  if (!bInfo)
    return failure();
  if (bInfo->type.getNumElements() != n * blocks * bs / 2)
    return im.fail("B must hold N x K/block_size x block_size/2 = " +
                   Twine(n * blocks * bs / 2) + " bytes, found " +
                   typeStr(bInfo->type));
  FailureOr<std::vector<double>> packed = initializerValues(im, 1, "B");
  if (failed(packed))
    return failure();
  FailureOr<std::vector<double>> scales = initializerValues(im, 2, "scales");
  if (failed(scales))
    return failure();
  if (int64_t(scales->size()) != n * blocks)
    return im.fail("scales must hold N x K/block_size = " +
                   Twine(n * blocks) + " values, found " +
                   Twine(scales->size()));
  std::vector<double> zp(n * blocks, 8.0);
  if (im.hasInput(3)) {
    TensorInfo *zInfo = im.input(3);
    if (!zInfo || !isa<IntegerType>(zInfo->type.getElementType()))
      return im.fail("zero_points must be uint8 (float zero points are not "
                     "supported)");
    FailureOr<std::vector<double>> z = initializerValues(im, 3, "zero_points");
    if (failed(z))
      return failure();
    int64_t perRow = (blocks + 1) / 2;
    if (int64_t(z->size()) != n * perRow)
      return im.fail("zero_points must hold N x ceil(K/block_size / 2) = " +
                     Twine(n * perRow) + " bytes");
    for (int64_t r = 0; r < n; ++r)
      for (int64_t b = 0; b < blocks; ++b) {
        auto byte = uint8_t((*z)[r * perRow + b / 2]);
        zp[r * blocks + b] = b % 2 ? byte >> 4 : byte & 15;
      }
  }
  std::vector<int8_t> q(n * k);
  bool fitsInt4 = true;
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c) {
      auto byte = uint8_t((*packed)[r * k / 2 + c / 2]);
      int nibble = c % 2 ? byte >> 4 : byte & 15;
      int v = nibble - int(zp[r * blocks + c / bs]);
      fitsInt4 &= v >= -8 && v <= 7;
      q[r * k + c] = int8_t(v);
    }
  std::vector<float> scaleValues(scales->begin(), scales->end());
  Value qv = blobConstant(im, RankedTensorType::get({n, k}, im.builder.getI8Type()),
                          "matmulnbits_q", ArrayRef<int8_t>(q));
  Value sv = blobConstant(
      im, RankedTensorType::get({n, blocks}, im.builder.getF32Type()),
      "matmulnbits_scale", ArrayRef<float>(scaleValues));
  Value bias;
  if (im.hasInput(5)) {
    bias = im.operand(5);
    if (!bias || failed(checkVector(im, bias, n, at.getElementType(), "bias")))
      return failure();
  }
  SmallVector<int64_t> shape(at.getShape().drop_back());
  shape.push_back(n);
  im.setOutput(
      0, im.create<QLinearOp>(
             RankedTensorType::get(shape, at.getElementType()), a, qv, sv, bias,
             Value(), im.builder.getStringAttr("weight_only"),
             im.builder.getI64IntegerAttr(fitsInt4 ? 4 : 8),
             im.builder.getStringAttr("none"), FloatAttr(), IntegerAttr()));
  return success();
}

void mlir::tessera::onnx_import::registerContribOps(OpTable &t) {
  t["Attention"] = importAttention;
  t["MultiHeadAttention"] = importMultiHeadAttention;
  t["GroupQueryAttention"] = importGroupQueryAttention;
  t["SkipLayerNormalization"] = importSkipNorm</*Rms=*/false>;
  t["SkipSimplifiedLayerNormalization"] = importSkipNorm</*Rms=*/true>;
  t["SimplifiedLayerNormalization"] = importRmsNormalization;
  t["FastGelu"] = importBiasGelu<GeluTanhOp, /*NeedsBias=*/false>;
  t["BiasGelu"] = importBiasGelu<GeluOp, /*NeedsBias=*/true>;
  t["RotaryEmbedding"] = importRotaryEmbedding;
  t["MatMulNBits"] = importMatMulNBits;
}
