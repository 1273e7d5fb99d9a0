// Opset-23 ONNX ops that are whole fused computations (Attention,
// RMSNormalization, RotaryEmbedding) imported straight into tessera's fused
// ops, plus the head-layout, attention and rotary builders that the
// com.microsoft importers (Contrib.cpp) share.
#include "frontends/onnx/Importer.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

std::string onnx_import::typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

std::string onnx_import::shapeStr(ArrayRef<int64_t> shape) {
  return "[" +
         llvm::join(llvm::map_range(
                        shape, [](int64_t d) { return std::to_string(d); }),
                    ", ") +
         "]";
}

Value onnx_import::splitHeads(Importer &im, Value x, int64_t heads) {
  ArrayRef<int64_t> s = Importer::typeOf(x).getShape();
  return im.transpose(im.reshape(x, {s[0], s[1], heads, s[2] / heads}),
                      {0, 2, 1, 3});
}

Value onnx_import::mergeHeads(Importer &im, Value x) {
  ArrayRef<int64_t> s = Importer::typeOf(x).getShape();
  return im.reshape(im.transpose(x, {0, 2, 1, 3}), {s[0], s[2], s[1] * s[3]});
}

Value onnx_import::sliceLast(Importer &im, Value v, int64_t start,
                             int64_t size) {
  auto t = Importer::typeOf(v);
  if (start == 0 && size == t.getShape().back())
    return v;
  SmallVector<int64_t> starts(t.getRank(), 0), steps(t.getRank(), 1);
  SmallVector<int64_t> shape(t.getShape());
  starts.back() = start;
  shape.back() = size;
  return im.create<SliceOp>(t.clone(shape), v,
                            im.builder.getDenseI64ArrayAttr(starts),
                            im.builder.getDenseI64ArrayAttr(steps));
}

static Value concatLast(Importer &im, ArrayRef<Value> parts) {
  auto t = Importer::typeOf(parts[0]);
  SmallVector<int64_t> shape(t.getShape());
  shape.back() = 0;
  for (Value p : parts)
    shape.back() += Importer::typeOf(p).getShape().back();
  return ConcatOp::create(im.builder, im.loc, t.clone(shape), parts,
                          uint64_t(t.getRank() - 1))
      .getResult();
}

Value onnx_import::buildAttention(Importer &im, Value q, Value k, Value v,
                                  Value mask, StringRef maskKind, double scale,
                                  bool causal) {
  auto qt = Importer::typeOf(q), kt = Importer::typeOf(k),
       vt = Importer::typeOf(v);
  Type et = qt.getElementType();
  if (!isa<FloatType>(et) || kt.getElementType() != et ||
      vt.getElementType() != et) {
    (void)im.fail("query, key and value must be float tensors of one type, "
                  "found " +
                  typeStr(qt) + ", " + typeStr(kt) + ", " + typeStr(vt));
    return Value();
  }
  ArrayRef<int64_t> qs = qt.getShape(), ks = kt.getShape(), vs = vt.getShape();
  if (ks[0] != qs[0] || vs[0] != qs[0] || ks[1] != vs[1] || ks[2] != vs[2] ||
      ks[3] != qs[3]) {
    (void)im.fail("query [B, H, S, D], key [B, Hkv, Skv, D] and value "
                  "[B, Hkv, Skv, Dv] disagree: " +
                  shapeStr(qs) + ", " + shapeStr(ks) + ", " + shapeStr(vs));
    return Value();
  }
  if (ks[1] == 0 || qs[1] % ks[1] != 0) {
    (void)im.fail("query heads (" + Twine(qs[1]) +
                  ") must be a multiple of key/value heads (" + Twine(ks[1]) +
                  ")");
    return Value();
  }
  SmallVector<int64_t> scores = {qs[0], qs[1], qs[2], ks[2]};
  if (mask) {
    auto mt = Importer::typeOf(mask);
    SmallVector<int64_t> shape;
    if (mt.getRank() > 4 ||
        failed(broadcastShapes(mt.getShape(), scores, shape)) ||
        ArrayRef<int64_t>(shape) != ArrayRef<int64_t>(scores)) {
      (void)im.fail("mask of shape " + shapeStr(mt.getShape()) +
                    " does not broadcast to the attention scores [B, H, S, "
                    "Skv] = " +
                    shapeStr(scores));
      return Value();
    }
  }
  auto type = RankedTensorType::get({qs[0], qs[1], qs[2], vs[3]}, et);
  return AttentionOp::create(im.builder, im.loc, type, q, k, v, mask,
                             im.builder.getF64FloatAttr(scale),
                             im.builder.getBoolAttr(causal),
                             im.builder.getStringAttr(mask ? maskKind : "none"))
      .getResult();
}

/// A half-width cos/sin table at full width: `[c, c]` for the half-split
/// form, every element twice for the interleaved one (what tessera.rotary's
/// pairing reads).
static Value fullWidth(Importer &im, Value half, bool interleaved) {
  if (!interleaved)
    return concatLast(im, {half, half});
  SmallVector<int64_t> shape(Importer::typeOf(half).getShape());
  int64_t n = shape.back();
  shape.push_back(1);
  Value col = im.reshape(half, shape);
  shape.pop_back();
  shape.back() = 2 * n;
  return im.reshape(concatLast(im, {col, col}), shape);
}

Value onnx_import::buildRotaryEmbedding(Importer &im, Value x, Value cosCache,
                                        Value sinCache, Value positions,
                                        bool headsFirst, bool interleaved,
                                        int64_t rotaryDim) {
  auto xt = Importer::typeOf(x);
  ArrayRef<int64_t> xs = xt.getShape();
  int64_t b = xs[0], s = xs[headsFirst ? 2 : 1], d = xs[3];
  if (rotaryDim <= 0 || rotaryDim > d || rotaryDim % 2 != 0) {
    (void)im.fail("rotary dimension " + Twine(rotaryDim) +
                  " must be even and in (0, head size " + Twine(d) + "]");
    return Value();
  }
  auto ct = Importer::typeOf(cosCache);
  if (ct != Importer::typeOf(sinCache) ||
      ct.getElementType() != xt.getElementType()) {
    (void)im.fail("cos_cache and sin_cache must have one shape and the "
                  "input's element type, found " +
                  typeStr(ct) + " and " + typeStr(Importer::typeOf(sinCache)));
    return Value();
  }
  int64_t half = rotaryDim / 2;
  Value cosH = cosCache, sinH = sinCache;
  int64_t pb;
  if (positions) {
    auto pt = Importer::typeOf(positions);
    if (!isa<IntegerType>(pt.getElementType()) || pt.getRank() != 2 ||
        (pt.getDimSize(0) != b && pt.getDimSize(0) != 1) ||
        pt.getDimSize(1) != s) {
      (void)im.fail("position_ids must be integers of shape [" + Twine(b) +
                    " or 1, " + Twine(s) + "], found " + typeStr(pt));
      return Value();
    }
    if (ct.getRank() != 2 || ct.getDimSize(1) != half) {
      (void)im.fail("with position_ids, cos_cache and sin_cache must be "
                    "[max_position, " +
                    Twine(half) + "], found " + typeStr(ct));
      return Value();
    }
    pb = pt.getDimSize(0);
    auto gathered = ct.clone({pb, s, half});
    cosH = im.create<GatherOp>(gathered, cosCache, positions, uint64_t(0));
    sinH = im.create<GatherOp>(gathered, sinCache, positions, uint64_t(0));
  } else {
    if (ct.getRank() != 3 || (ct.getDimSize(0) != b && ct.getDimSize(0) != 1) ||
        ct.getDimSize(1) != s || ct.getDimSize(2) != half) {
      (void)im.fail("without position_ids, cos_cache and sin_cache must be "
                    "[" +
                    Twine(b) + " or 1, " + Twine(s) + ", " + Twine(half) +
                    "], found " + typeStr(ct));
      return Value();
    }
    pb = ct.getDimSize(0);
  }
  // One table row per (batch, position), broadcast over the heads.
  SmallVector<int64_t> shape = headsFirst
                                   ? SmallVector<int64_t>{pb, 1, s, half}
                                   : SmallVector<int64_t>{pb, s, 1, half};
  Value cosF = fullWidth(im, im.reshape(cosH, shape), interleaved);
  Value sinF = fullWidth(im, im.reshape(sinH, shape), interleaved);
  Value rotated = sliceLast(im, x, 0, rotaryDim);
  Value y = RotaryOp::create(im.builder, im.loc, Importer::typeOf(rotated),
                             rotated, cosF, sinF, interleaved)
                .getResult();
  if (rotaryDim == d)
    return y;
  return concatLast(im, {y, sliceLast(im, x, rotaryDim, d - rotaryDim)});
}

Value onnx_import::buildRmsNorm(Importer &im, Value x, Value scale,
                                int64_t axis, float epsilon) {
  auto xt = Importer::typeOf(x);
  Type et = xt.getElementType();
  bool widen = et.isF16() || et.isBF16();
  if (widen) {
    Type f32 = im.builder.getF32Type();
    x = im.create<CastOp>(xt.clone(f32), x);
    scale = im.create<CastOp>(Importer::typeOf(scale).clone(f32), scale);
  }
  Value y = RmsNormOp::create(im.builder, im.loc, x.getType(), x, scale,
                              im.builder.getI64IntegerAttr(axis),
                              im.builder.getF32FloatAttr(epsilon))
                .getResult();
  return widen ? im.create<CastOp>(xt, y) : y;
}

LogicalResult onnx_import::importRmsNormalization(Importer &im) {
  if (int64_t stash = im.attrInt("stash_type", 1); stash != 1)
    return im.fail("stash_type " + Twine(stash) +
                   " is not supported (only 1, float32 statistics)");
  if (im.hasOutput(1))
    return im.fail("the inv_std_var output is not supported");
  Value x = im.operand(0);
  Value scale = x ? im.operand(1) : Value();
  if (!scale)
    return failure();
  auto xt = Importer::typeOf(x);
  if (!isa<FloatType>(xt.getElementType()) || xt.getRank() == 0)
    return im.fail("input must be a float tensor of rank >= 1, found " +
                   typeStr(xt));
  FailureOr<int64_t> axis = im.normAxis(im.attrInt("axis", -1), xt.getRank());
  if (failed(axis))
    return failure();
  // The scale broadcasts to the normalized dimensions; leading ones beyond
  // them (a [1, 1, D] scale) are dropped so the fused op sees [.., D].
  ArrayRef<int64_t> norm = xt.getShape().drop_front(*axis);
  auto st = Importer::typeOf(scale);
  ArrayRef<int64_t> ss = st.getShape();
  while (ss.size() > norm.size() && ss.front() == 1)
    ss = ss.drop_front();
  SmallVector<int64_t> shape;
  if (st.getElementType() != xt.getElementType() || ss.size() > norm.size() ||
      failed(broadcastShapes(ss, norm, shape)) ||
      ArrayRef<int64_t>(shape) != norm)
    return im.fail("scale " + typeStr(st) +
                   " must broadcast to the normalized dimensions " +
                   shapeStr(norm) + " with the input's element type");
  Value y = buildRmsNorm(im, x, im.reshape(scale, ss), *axis,
                         im.attrFloat("epsilon", 1e-5f));
  im.setOutput(0, y);
  return success();
}

/// ONNX Attention (opset 23): Q, K, V as [B, heads, S, D], or as
/// [B, S, heads * D] with q_num_heads/kv_num_heads; attn_mask bool (true =
/// attend) or float (added); is_causal is a top-left aligned lower triangle.
static LogicalResult importAttention(Importer &im) {
  if (im.hasInput(4) || im.hasInput(5))
    return im.fail("past_key/past_value inputs (a KV cache) are not "
                   "supported");
  if (im.hasInput(6))
    return im.fail("the nonpad_kv_seqlen input is not supported");
  if (im.hasOutput(1) || im.hasOutput(2))
    return im.fail("present_key/present_value outputs (a KV cache) are not "
                   "supported");
  if (im.hasOutput(3))
    return im.fail("the qk_matmul_output output is not supported");
  if (float cap = im.attrFloat("softcap", 0.f); cap != 0.f)
    return im.fail("softcap " + std::to_string(cap) +
                   " is not supported (only 0)");
  if (int64_t mode = im.attrInt("qk_matmul_output_mode", 0))
    return im.fail("qk_matmul_output_mode " + Twine(mode) +
                   " is not supported (only 0)");
  Value q = im.operand(0);
  Value k = q ? im.operand(1) : Value();
  Value v = k ? im.operand(2) : Value();
  if (!v)
    return failure();
  int64_t rank = Importer::typeOf(q).getRank();
  if ((rank != 3 && rank != 4) || Importer::typeOf(k).getRank() != rank ||
      Importer::typeOf(v).getRank() != rank)
    return im.fail("Q, K and V must all be 3-D [B, S, heads * D] or all 4-D "
                   "[B, heads, S, D], found ranks " +
                   Twine(rank) + ", " + Twine(Importer::typeOf(k).getRank()) +
                   ", " + Twine(Importer::typeOf(v).getRank()));
  if (rank == 3) {
    int64_t qHeads = im.attrInt("q_num_heads", 0);
    int64_t kvHeads = im.attrInt("kv_num_heads", 0);
    if (qHeads <= 0 || kvHeads <= 0)
      return im.fail("3-D inputs need positive q_num_heads and kv_num_heads "
                     "attributes");
    for (auto [val, heads, name] :
         {std::tuple(q, qHeads, "Q"), std::tuple(k, kvHeads, "K"),
          std::tuple(v, kvHeads, "V")}) {
      int64_t hidden = Importer::typeOf(val).getShape().back();
      if (hidden % heads != 0)
        return im.fail(Twine(name) + " hidden size " + Twine(hidden) +
                       " is not a multiple of its " + Twine(heads) + " heads");
    }
    q = splitHeads(im, q, qHeads);
    k = splitHeads(im, k, kvHeads);
    v = splitHeads(im, v, kvHeads);
  }
  auto qt = Importer::typeOf(q);
  double scale = im.attr("scale")
                     ? double(im.attrFloat("scale", 1.f))
                     : 1.0 / std::sqrt(double(qt.getShape().back()));
  Value mask;
  StringRef kind = "none";
  if (im.hasInput(3)) {
    if (!(mask = im.operand(3)))
      return failure();
    auto mt = Importer::typeOf(mask);
    Type met = mt.getElementType();
    if (met.isInteger(1)) {
      kind = "boolean";
    } else if (isa<FloatType>(met)) {
      kind = "additive";
      if (met != qt.getElementType())
        mask = im.create<CastOp>(mt.clone(qt.getElementType()), mask);
    } else {
      return im.fail("attn_mask must be bool or float, found " + typeStr(mt));
    }
    // A mask narrower than the keys leaves the keys past it out (opset 24
    // spells this out; in opset 23 a width of 1 broadcasts instead).
    int64_t skv = Importer::typeOf(k).getDimSize(2);
    int64_t width = mt.getRank() ? mt.getShape().back() : 1;
    if (width < skv && (width != 1 || im.opset >= 24)) {
      SmallVector<int64_t> pads(2 * mt.getRank(), 0);
      pads.back() = skv - width;
      mask = im.pad(mask, pads, kind == "boolean" ? 0.0 : -INFINITY);
    }
  }
  Value out = buildAttention(im, q, k, v, mask, kind, scale,
                             im.attrInt("is_causal", 0) != 0);
  if (!out)
    return failure();
  im.setOutput(0, rank == 3 ? mergeHeads(im, out) : out);
  return success();
}

/// ONNX RotaryEmbedding (opset 23): X is [B, heads, S, D] or [B, S, heads *
/// D] (with num_heads); the caches are [max_position, R/2] tables gathered
/// at position_ids [B, S], or [B, S, R/2] when position_ids is absent.
static LogicalResult importRotaryEmbedding(Importer &im) {
  Value x = im.operand(0);
  Value cosCache = x ? im.operand(1) : Value();
  Value sinCache = cosCache ? im.operand(2) : Value();
  if (!sinCache)
    return failure();
  Value positions;
  if (im.hasInput(3) && !(positions = im.operand(3)))
    return failure();
  auto xt = Importer::typeOf(x);
  int64_t heads = im.attrInt("num_heads", 0);
  if (xt.getRank() == 3) {
    int64_t hidden = xt.getDimSize(2);
    if (heads <= 0 || hidden % heads != 0)
      return im.fail("a 3-D input [B, S, " + Twine(hidden) +
                     "] needs a num_heads attribute that divides it, found " +
                     Twine(heads));
    x = im.reshape(x,
                   {xt.getDimSize(0), xt.getDimSize(1), heads, hidden / heads});
  } else if (xt.getRank() != 4) {
    return im.fail("input must be [B, heads, S, D] or [B, S, hidden], found " +
                   typeStr(xt));
  } else if (heads != 0 && heads != xt.getDimSize(1)) {
    return im.fail("num_heads " + Twine(heads) +
                   " differs from the input's heads dimension " +
                   Twine(xt.getDimSize(1)));
  }
  int64_t d = Importer::typeOf(x).getDimSize(3);
  int64_t rotaryDim = im.attrInt("rotary_embedding_dim", 0);
  Value y = buildRotaryEmbedding(im, x, cosCache, sinCache, positions,
                                 /*headsFirst=*/xt.getRank() == 4,
                                 im.attrInt("interleaved", 0) != 0,
                                 rotaryDim ? rotaryDim : d);
  if (!y)
    return failure();
  im.setOutput(0, im.reshape(y, xt.getShape()));
  return success();
}

/// Ops that opset 23 introduced: an older model cannot mean them.
static OpHandler since23(OpHandler handler) {
  return [handler](Importer &im) -> LogicalResult {
    if (im.opset < 23)
      return im.fail("this op exists from opset 23 on");
    return handler(im);
  };
}

void mlir::tessera::onnx_import::registerFusedOps(OpTable &t) {
  t["Attention"] = since23(importAttention);
  t["RMSNormalization"] = since23(importRmsNormalization);
  t["RotaryEmbedding"] = since23(importRotaryEmbedding);
  // ONNX Runtime registers its RMS norm in the default domain.
  t["SimplifiedLayerNormalization"] = importRmsNormalization;
}
