// State-space and linear-attention ops: CausalConvWithState and
// LinearAttention from ONNX Runtime's com.microsoft domain and from ONNX
// opset 27 (the same semantics; the contrib forms add attributes). The conv
// becomes tessera.causal_conv1d, or a concat with the carried state and a
// valid depthwise conv; the plain and gated recurrences become
// tessera.linear_attention; the delta rules, which are no tessera op, are
// unrolled over the static time steps into primitive ops. Semantics follow
// ONNX's reference implementation and ONNX Runtime's CPU kernels.
#include "frontends/onnx/Importer.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

namespace {
/// The contrib ops are a superset of the opset-27 ones: more attributes,
/// key heads that may be fewer than the value heads, inverse GQA.
enum class Domain { Onnx, Microsoft };
} // namespace

/// Delta-rule recurrences unroll into ~10 ops per step; longer sequences are
/// refused rather than turned into an unbounded function.
constexpr int64_t kMaxUnrolledSteps = 16384;

static RankedTensorType typeOf(Value v) { return Importer::typeOf(v); }

/// `a` op `b` with numpy broadcasting (shapes already checked by the caller).
template <typename OpTy> static Value binary(Importer &im, Value a, Value b) {
  SmallVector<int64_t> shape;
  (void)broadcastShapes(typeOf(a).getShape(), typeOf(b).getShape(), shape);
  return im.create<OpTy>(typeOf(a).clone(shape), a, b);
}

/// `size` elements of dimension `axis` of `x` from `start`.
static Value sliceAxis(Importer &im, Value x, int64_t axis, int64_t start,
                       int64_t size) {
  auto t = typeOf(x);
  SmallVector<int64_t> starts(t.getRank(), 0), steps(t.getRank(), 1);
  SmallVector<int64_t> shape(t.getShape());
  starts[axis] = start;
  shape[axis] = size;
  return im.create<SliceOp>(t.clone(shape), x,
                            im.builder.getDenseI64ArrayAttr(starts),
                            im.builder.getDenseI64ArrayAttr(steps));
}

static Value concatAxis(Importer &im, ArrayRef<Value> parts, int64_t axis) {
  if (parts.size() == 1)
    return parts[0];
  auto t = typeOf(parts[0]);
  SmallVector<int64_t> shape(t.getShape());
  shape[axis] = 0;
  for (Value p : parts)
    shape[axis] += typeOf(p).getDimSize(axis);
  return ConcatOp::create(im.builder, im.loc, t.clone(shape), parts,
                          uint64_t(axis))
      .getResult();
}

/// Dimension `axis` of `x` holds `n` equal blocks (heads); each is repeated
/// `r` times in place, as numpy.repeat does heads: [.., n*D, ..] ->
/// [.., n*r*D, ..].
static Value repeatBlocks(Importer &im, Value x, int64_t axis, int64_t n,
                          int64_t r) {
  if (r == 1)
    return x;
  auto t = typeOf(x);
  SmallVector<int64_t> shape(t.getShape().take_front(axis));
  shape.append({n, 1, t.getDimSize(axis) / n});
  llvm::append_range(shape, t.getShape().drop_front(axis + 1));
  Value e = im.reshape(x, shape);
  shape[axis + 1] = r;
  e = im.create<BroadcastToOp>(t.clone(shape), e);
  SmallVector<int64_t> out(t.getShape());
  out[axis] *= r;
  return im.reshape(e, out);
}

static std::string tensorStr(ArrayRef<int64_t> shape, Type et) {
  return typeStr(RankedTensorType::get(shape, et));
}

/// Reads optional input `i` into `v`; false after reporting an error.
static bool optionalInput(Importer &im, unsigned i, Value &v) {
  return !im.hasInput(i) || (v = im.operand(i));
}

/// Inputs past the definition's last one are refused, not ignored.
static LogicalResult rejectExtraInputs(Importer &im, unsigned count) {
  for (unsigned i = count; int(i) < im.node->input_size(); ++i)
    if (im.hasInput(i))
      return im.fail("input " + Twine(i) + " '" + im.node->input(i) +
                     "' is not supported (the op takes " + Twine(count) +
                     " inputs)");
  return success();
}

//===----------------------------------------------------------------------===//
// CausalConvWithState
//===----------------------------------------------------------------------===//

/// Channels-first causal conv: (output, present_state or null when the
/// kernel carries no state). Without past_state, tessera.causal_conv1d;
/// with it, a valid depthwise conv over past_state ++ x.
static std::pair<Value, Value> buildCausalConv(Importer &im, Value x, Value w,
                                               Value bias, Value past,
                                               int64_t dilation,
                                               StringRef act) {
  auto yType = typeOf(x);
  int64_t c = yType.getDimSize(1), l = yType.getDimSize(2);
  int64_t k = typeOf(w).getDimSize(2), s = (k - 1) * dilation;
  if (!past) {
    Value y = CausalConv1dOp::create(im.builder, im.loc, yType, x,
                                     im.reshape(w, {c, k}), bias,
                                     im.builder.getI64IntegerAttr(dilation),
                                     im.builder.getStringAttr(act), UnitAttr())
                  .getResult();
    // The last S steps of zeros ++ x.
    if (s == 0)
      return {y, Value()};
    return {y, l >= s ? sliceAxis(im, x, 2, l - s, s)
                      : im.pad(x, {0, 0, s - l, 0, 0, 0}, 0.0)};
  }
  Value xp = concatAxis(im, {past, x}, 2);
  Value y =
      ConvOp::create(im.builder, im.loc, yType, xp, w, bias, Value(),
                     im.builder.getDenseI64ArrayAttr({1}),
                     im.builder.getDenseI64ArrayAttr({0, 0}),
                     im.builder.getDenseI64ArrayAttr({dilation}),
                     im.builder.getI64IntegerAttr(c), FloatAttr(), FloatAttr())
          .getResult();
  if (act != "none")
    y = im.create<SiluOp>(yType, y);
  return {y, sliceAxis(im, xp, 2, l, s)};
}

/// CausalConvWithState (input [B, C, L], weight [C, 1, K], bias? [C],
/// past_state? [B, C, S]) -> (output [B, C, L], present_state [B, C, S]) with
/// S = (K - 1) * dilation: a depthwise conv of concat(past_state or zeros,
/// input) without padding, and the last S steps of that concatenation. The
/// contrib op adds dilation, channels_last ([B, L, d...] activations and
/// [B, S, d...] states), ndim and state_window.
static LogicalResult importCausalConvWithState(Importer &im, Domain domain) {
  bool ms = domain == Domain::Microsoft;
  std::string act = im.attrString("activation", "none");
  if (act != "none" && act != "silu" && act != "swish")
    return im.fail("activation '" + act +
                   "' is not supported (none, silu, swish)");
  int64_t dilation = 1;
  bool channelsLast = false;
  if (ms) {
    if (int64_t ndim = im.attrInt("ndim", 1); ndim != 1)
      return im.fail("ndim " + Twine(ndim) + " is not supported (only 1)");
    if (int64_t window = im.attrInt("state_window", 0); window != 0)
      return im.fail("state_window " + Twine(window) +
                     " is not supported (only 0: one carried state)");
    dilation = im.attrInt("dilation", 1);
    if (dilation < 1)
      return im.fail("dilation must be >= 1, found " + Twine(dilation));
    channelsLast = im.attrInt("channels_last", 0) != 0;
  }
  if (failed(rejectExtraInputs(im, 4)))
    return failure();
  Value x = im.operand(0);
  Value w = x ? im.operand(1) : Value();
  Value bias, past;
  if (!w || !optionalInput(im, 2, bias) || !optionalInput(im, 3, past))
    return failure();
  auto xt = typeOf(x), wt = typeOf(w);
  Type et = xt.getElementType();
  if (!isa<FloatType>(et))
    return im.fail("input must be a float tensor, found " + typeStr(xt));
  // Channels-first [B, C, L] from here on; channels_last folds d... into C.
  ArrayRef<int64_t> xs = xt.getShape();
  int64_t b, c, l;
  if (channelsLast) {
    if (xt.getRank() < 3)
      return im.fail("with channels_last = 1 the input must be [B, L, d1, "
                     "...] (rank >= 3), found " +
                     typeStr(xt));
    b = xs[0];
    l = xs[1];
    c = 1;
    for (int64_t d : xs.drop_front(2))
      c *= d;
    x = im.transpose(im.reshape(x, {b, l, c}), {0, 2, 1});
  } else {
    if (xt.getRank() != 3)
      return im.fail("input must be [B, C, L] (rank 3), found " + typeStr(xt));
    b = xs[0];
    c = xs[1];
    l = xs[2];
  }
  if (wt.getRank() != 3 || wt.getDimSize(0) != c || wt.getDimSize(1) != 1 ||
      wt.getDimSize(2) < 1 || wt.getElementType() != et)
    return im.fail("weight must be [C, 1, K] with C = " + Twine(c) +
                   " and the input's element type, found " + typeStr(wt));
  int64_t k = wt.getDimSize(2), s = (k - 1) * dilation;
  if (bias && typeOf(bias) != RankedTensorType::get({c}, et))
    return im.fail("bias must be " + tensorStr({c}, et) + ", found " +
                   typeStr(typeOf(bias)));
  SmallVector<int64_t> stateShape = {b, c, s};
  if (channelsLast) {
    stateShape = {b, s};
    llvm::append_range(stateShape, xs.drop_front(2));
  }
  if (s == 0 && (past || im.hasOutput(1)))
    return im.fail("a kernel of size 1 carries no state: an empty "
                   "past_state/present_state is not supported");
  if (past) {
    if (typeOf(past) != RankedTensorType::get(stateShape, et))
      return im.fail("past_state must be " + tensorStr(stateShape, et) +
                     " (the last (K - 1) * dilation = " + Twine(s) +
                     " steps), found " + typeStr(typeOf(past)));
    if (channelsLast)
      past = im.transpose(im.reshape(past, {b, s, c}), {0, 2, 1});
  }

  auto [y, present] = buildCausalConv(im, x, w, bias, past, dilation,
                                      act == "none" ? "none" : "silu");
  if (channelsLast) {
    y = im.reshape(im.transpose(y, {0, 2, 1}), xs);
    if (present)
      present = im.reshape(im.transpose(present, {0, 2, 1}), stateShape);
  }
  im.setOutput(0, y);
  if (present)
    im.setOutput(1, present);
  return success();
}

//===----------------------------------------------------------------------===//
// LinearAttention
//===----------------------------------------------------------------------===//

namespace {
/// A LinearAttention node's operands, checked, in the packed [B, T, H*D]
/// layout; keys already repeated to the kv_num_heads state heads.
struct LinearAttention {
  int64_t b, t, hq, hkv, dk, dv;
  Type et;
  double scale;
  Value q, k, v;
  Value gate; // exp(decay): [B, T, Hkv] or [B, T, Hkv * Dk], or null
  Value beta; // [B, T, Hkv] or [B, T, 1], or null (no delta rule)
  Value past; // [B, Hkv, Dk, Dv], or null
};
} // namespace

/// The head counts and sizes from the attributes and the query, key and
/// value shapes, into `la` (keys not yet repeated); `hk` gets the key heads.
static LogicalResult readHeads(Importer &im, bool ms, LinearAttention &la,
                               int64_t &hk) {
  la.hq = im.attrInt("q_num_heads", 0);
  la.hkv = im.attrInt("kv_num_heads", 0);
  if (la.hq <= 0 || la.hkv <= 0)
    return im.fail("q_num_heads and kv_num_heads must be positive, found " +
                   Twine(la.hq) + " and " + Twine(la.hkv));
  if (la.hq % la.hkv != 0 && (!ms || la.hkv % la.hq != 0))
    return im.fail("q_num_heads (" + Twine(la.hq) +
                   ") must be a multiple of kv_num_heads (" + Twine(la.hkv) +
                   ")" + (ms ? " or divide it" : ""));
  la.q = im.operand(0);
  la.k = la.q ? im.operand(1) : Value();
  la.v = la.k ? im.operand(2) : Value();
  if (!la.v)
    return failure();
  auto qt = typeOf(la.q), kt = typeOf(la.k), vt = typeOf(la.v);
  la.et = qt.getElementType();
  if (qt.getRank() != 3 || kt.getRank() != 3 || vt.getRank() != 3 ||
      !isa<FloatType>(la.et) || kt.getElementType() != la.et ||
      vt.getElementType() != la.et || kt.getDimSize(0) != qt.getDimSize(0) ||
      vt.getDimSize(0) != qt.getDimSize(0) ||
      kt.getDimSize(1) != qt.getDimSize(1) ||
      vt.getDimSize(1) != qt.getDimSize(1))
    return im.fail("query, key and value must be float [B, T, H * D] tensors "
                   "of one element type, B and T, found " +
                   typeStr(qt) + ", " + typeStr(kt) + ", " + typeStr(vt));
  la.b = qt.getDimSize(0);
  la.t = qt.getDimSize(1);
  if (la.t == 0)
    return im.fail("an empty sequence (T = 0) is not supported");
  int64_t qh = qt.getDimSize(2), kh = kt.getDimSize(2), vh = vt.getDimSize(2);
  if (qh % la.hq != 0 || qh == 0)
    return im.fail("query hidden size " + Twine(qh) +
                   " is not a positive multiple of q_num_heads " +
                   Twine(la.hq));
  la.dk = qh / la.hq;
  // ONNX Runtime derives the key heads from the key's width; ONNX has one
  // key head per state head.
  hk = kh % la.dk == 0 ? kh / la.dk : 0;
  if (!ms && hk != la.hkv)
    return im.fail("key hidden size " + Twine(kh) +
                   " must be kv_num_heads * Dk = " + Twine(la.hkv * la.dk));
  if (ms && (hk == 0 || la.hkv % hk != 0))
    return im.fail("key hidden size " + Twine(kh) +
                   " must be a number of heads of size Dk = " + Twine(la.dk) +
                   " that divides kv_num_heads " + Twine(la.hkv));
  if (vh % la.hkv != 0 || vh == 0)
    return im.fail("value hidden size " + Twine(vh) +
                   " is not a positive multiple of kv_num_heads " +
                   Twine(la.hkv));
  la.dv = vh / la.hkv;
  return success();
}

/// A [B, T, w] input of the query's element type, w one of `widths`.
static LogicalResult checkPacked(Importer &im, const LinearAttention &la,
                                 Value x, ArrayRef<int64_t> widths,
                                 StringRef name, StringRef forms) {
  auto xt = typeOf(x);
  if (xt.getRank() == 3 && xt.getDimSize(0) == la.b &&
      xt.getDimSize(1) == la.t &&
      llvm::is_contained(widths, xt.getDimSize(2)) &&
      xt.getElementType() == la.et)
    return success();
  auto form = [&](int64_t w) { return tensorStr({la.b, la.t, w}, la.et); };
  return im.fail(name + " must be [B, T, " + forms +
                 "] = " + llvm::join(llvm::map_range(widths, form), " or ") +
                 ", found " + typeStr(xt));
}

/// The decay and beta inputs `rule` uses, and past_state, into `la`.
static LogicalResult readStateInputs(Importer &im, bool ms, StringRef rule,
                                     LinearAttention &la) {
  bool gated = rule == "gated" || rule == "gated_delta";
  bool delta = rule == "delta" || rule == "gated_delta";
  Value past, decay, beta;
  if (!optionalInput(im, 3, past) || !optionalInput(im, 4, decay) ||
      !optionalInput(im, 5, beta))
    return failure();
  if (gated && !decay)
    return im.fail("update_rule '" + rule + "' needs the decay input (4)");
  if (delta && !beta)
    return im.fail("update_rule '" + rule + "' needs the beta input (5)");
  // ONNX forbids the inputs a rule does not use; ONNX Runtime ignores them.
  if (!ms && !gated && decay)
    return im.fail("update_rule '" + rule + "' takes no decay input");
  if (!ms && !delta && beta)
    return im.fail("update_rule '" + rule + "' takes no beta input");
  if (gated && failed(checkPacked(im, la, decay, {la.hkv, la.hkv * la.dk},
                                  "decay", "kv_num_heads (* Dk)")))
    return failure();
  if (delta && failed(checkPacked(im, la, beta, {la.hkv, 1}, "beta",
                                  "kv_num_heads or 1")))
    return failure();
  auto stateType = RankedTensorType::get({la.b, la.hkv, la.dk, la.dv}, la.et);
  if (past && typeOf(past) != stateType)
    return im.fail("past_state must be " + typeStr(stateType) +
                   " ([B, kv_num_heads, Dk, Dv], the query's element type), "
                   "found " +
                   typeStr(typeOf(past)));
  la.gate = gated ? im.create<ExpOp>(typeOf(decay), decay) : Value();
  la.beta = delta ? beta : Value();
  la.past = past;
  return success();
}

/// Reads and checks the node's inputs and attributes into `la`.
static LogicalResult readLinearAttention(Importer &im, Domain domain,
                                         LinearAttention &la) {
  bool ms = domain == Domain::Microsoft;
  std::string rule = im.attrString("update_rule", "gated_delta");
  if (rule != "linear" && rule != "gated" && rule != "delta" &&
      rule != "gated_delta")
    return im.fail("update_rule '" + rule +
                   "' is not supported (linear, gated, delta, gated_delta)");
  if (ms)
    if (int64_t window = im.attrInt("state_window", 0); window != 0)
      return im.fail("state_window " + Twine(window) +
                     " is not supported (only 0: one carried state)");
  int64_t hk;
  if (failed(rejectExtraInputs(im, 6)) || failed(readHeads(im, ms, la, hk)) ||
      failed(readStateInputs(im, ms, rule, la)))
    return failure();
  la.k = repeatBlocks(im, la.k, 2, hk, la.hkv / hk);
  float scale = im.attrFloat("scale", 0.f);
  la.scale = scale != 0.f ? double(scale) : 1.0 / std::sqrt(double(la.dk));
  return success();
}

/// S_t = g_t * S_{t-1} + k_t v_t^T as one tessera.linear_attention over
/// max(Hq, Hkv) heads: with GQA every state head is repeated for the query
/// heads that read it (their copies evolve identically, one is kept as the
/// final state); with inverse GQA the queries are repeated instead.
static std::pair<Value, Value> buildRecurrence(Importer &im,
                                               const LinearAttention &la) {
  int64_t h = std::max(la.hq, la.hkv);
  int64_t g = la.hq > la.hkv ? la.hq / la.hkv : 1;
  Value q = repeatBlocks(im, la.q, 2, la.hq, h / la.hq);
  Value k = repeatBlocks(im, la.k, 2, la.hkv, g);
  Value v = repeatBlocks(im, la.v, 2, la.hkv, g);
  Value gate, past;
  if (la.gate)
    gate = splitHeads(im, repeatBlocks(im, la.gate, 2, la.hkv, g), h);
  if (la.past)
    past = repeatBlocks(im, la.past, 1, la.hkv, g);
  auto outType = RankedTensorType::get({la.b, h, la.t, la.dv}, la.et);
  auto stateType = RankedTensorType::get({la.b, h, la.dk, la.dv}, la.et);
  auto op = LinearAttentionOp::create(
      im.builder, im.loc, outType, stateType, splitHeads(im, q, h),
      splitHeads(im, k, h), splitHeads(im, v, h), gate, past,
      im.builder.getF64FloatAttr(la.scale), im.builder.getBoolAttr(false),
      im.builder.getF64FloatAttr(0.0));
  Value state = op.getFinalState();
  if (g > 1) {
    Value grouped = im.reshape(state, {la.b, la.hkv, g, la.dk * la.dv});
    state = im.reshape(sliceAxis(im, grouped, 2, 0, 1),
                       {la.b, la.hkv, la.dk, la.dv});
  }
  return {mergeHeads(im, op.getResult()), state};
}

/// The delta rules, one step at a time over the Hkv state heads:
///   S   = g_t * S                               (gated_delta)
///   S  += k_t (beta_t * (v_t - S^T k_t))^T
///   o_t = scale * q_t^T S   (the Hq / Hkv query heads of a group at once)
static FailureOr<std::pair<Value, Value>>
buildDeltaRule(Importer &im, const LinearAttention &la) {
  if (la.t > kMaxUnrolledSteps)
    return im.fail("the delta rule is unrolled over time; " + Twine(la.t) +
                   " steps are above the limit of " + Twine(kMaxUnrolledSteps));
  int64_t b = la.b, hkv = la.hkv, dk = la.dk, dv = la.dv;
  int64_t g = la.hq > hkv ? la.hq / hkv : 1;
  Value q = repeatBlocks(im, la.q, 2, la.hq, hkv * g / la.hq);
  if (la.scale != 1.0)
    q = binary<MulOp>(im, q, im.scalar(la.et, la.scale));
  int64_t gateWidth = la.gate ? typeOf(la.gate).getDimSize(2) / hkv : 0;
  int64_t betaHeads = typeOf(la.beta).getDimSize(2);
  Value s = la.past ? la.past
                    : im.constant(makeSplat(
                          RankedTensorType::get({b, hkv, dk, dv}, la.et), 0));
  SmallVector<Value> outs;
  for (int64_t i = 0; i < la.t; ++i) {
    auto step = [&](Value x, ArrayRef<int64_t> shape) {
      return im.reshape(sliceAxis(im, x, 1, i, 1), shape);
    };
    Value kt = step(la.k, {b, hkv, 1, dk});
    if (la.gate)
      s = binary<MulOp>(im, s, step(la.gate, {b, hkv, gateWidth, 1}));
    Value recalled = im.create<MatmulOp>(
        RankedTensorType::get({b, hkv, 1, dv}, la.et), kt, s);
    Value err = binary<SubOp>(im, step(la.v, {b, hkv, 1, dv}), recalled);
    Value upd = binary<MulOp>(im, step(la.beta, {b, betaHeads, 1, 1}), err);
    s = binary<AddOp>(im, s,
                      binary<MulOp>(im, im.reshape(kt, {b, hkv, dk, 1}), upd));
    Value o = im.create<MatmulOp>(RankedTensorType::get({b, hkv, g, dv}, la.et),
                                  step(q, {b, hkv, g, dk}), s);
    outs.push_back(im.reshape(o, {b, 1, hkv * g * dv}));
  }
  return std::pair{concatAxis(im, outs, 1), s};
}

/// LinearAttention (query [B, T, Hq*Dk], key [B, T, Hk*Dk], value
/// [B, T, Hkv*Dv], past_state? [B, Hkv, Dk, Dv], decay? (log space), beta?)
/// -> (output [B, T, max(Hq, Hkv)*Dv], present_state [B, Hkv, Dk, Dv]).
static LogicalResult importLinearAttention(Importer &im, Domain domain) {
  LinearAttention la;
  if (failed(readLinearAttention(im, domain, la)))
    return failure();
  std::pair<Value, Value> results;
  if (la.beta) {
    FailureOr<std::pair<Value, Value>> unrolled = buildDeltaRule(im, la);
    if (failed(unrolled))
      return failure();
    results = *unrolled;
  } else {
    results = buildRecurrence(im, la);
  }
  im.setOutput(0, results.first);
  im.setOutput(1, results.second);
  return success();
}

/// Ops that opset 27 introduced: an older model cannot mean them.
static OpHandler since27(LogicalResult (*handler)(Importer &, Domain)) {
  return [handler](Importer &im) -> LogicalResult {
    if (im.opset < 27)
      return im.fail("this op exists from opset 27 on");
    return handler(im, Domain::Onnx);
  };
}

void mlir::tessera::onnx_import::registerSsmOps(OpTable &t) {
  t["CausalConvWithState"] = since27(importCausalConvWithState);
  t["LinearAttention"] = since27(importLinearAttention);
}

void mlir::tessera::onnx_import::registerSsmContribOps(OpTable &t) {
  t["CausalConvWithState"] = [](Importer &im) {
    return importCausalConvWithState(im, Domain::Microsoft);
  };
  t["LinearAttention"] = [](Importer &im) {
    return importLinearAttention(im, Domain::Microsoft);
  };
}
