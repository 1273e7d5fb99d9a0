// Pre-quantized (QDQ) linear layers and convolutions onto the int8 kernels:
// an f32 tessera.linear (or a tessera.conv of one group, as im2col and a
// qlinear) whose input is QuantizeLinear -> DequantizeLinear of an
// activation (per tensor) and whose weight is DequantizeLinear of constant
// int8 weights (symmetric, per tensor or per output channel) becomes a
// static tessera.qlinear with the same scales. Matched on what the imported
// ops compute, whatever the exporter named them; results equal the QDQ
// graph's up to the float rounding of its dequantized product (the kernel
// sums the integers exactly).
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"
#include "tessera/IR/TesseraOps.h"

#include <cmath>

namespace mlir::tessera {
#define GEN_PASS_DEF_QDQLINEARFUSION
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using fusion::defOf;

namespace {

/// The one value of a constant splat, looking through casts (integer zero
/// points arrive cast to f32).
std::optional<double> splatThroughCasts(Value v) {
  while (auto cast = defOf<CastOp>(v))
    v = cast.getInput();
  return fusion::getSplatValue(v);
}

/// `a * b` (either order) with `b` a constant splat: a and the splat.
std::optional<std::pair<Value, double>> mulBySplat(Value v) {
  auto mul = defOf<MulOp>(v);
  if (!mul)
    return std::nullopt;
  for (auto [a, b] : {std::pair{mul.getLhs(), mul.getRhs()},
                      std::pair{mul.getRhs(), mul.getLhs()}})
    if (std::optional<double> s = splatThroughCasts(b))
      return std::pair{a, *s};
  return std::nullopt;
}

/// `v - z` with `z` a constant splat (z = 0 without the subtraction).
std::pair<Value, double> minusSplat(Value v) {
  if (auto sub = defOf<SubOp>(v))
    if (std::optional<double> z = splatThroughCasts(sub.getRhs()))
      return {sub.getLhs(), *z};
  return {v, 0.0};
}

bool isInt(Value v) {
  return isa<IntegerType>(cast<RankedTensorType>(v.getType()).getElementType());
}

unsigned intWidth(Value v) {
  return cast<RankedTensorType>(v.getType())
      .getElementType()
      .getIntOrFloatBitWidth();
}

/// An activation's QuantizeLinear -> DequantizeLinear: the float input, its
/// scale and zero point, and whether the integers are unsigned ([0, 255])
/// or signed ([-128, 127]).
struct FakeQuant {
  Value x;
  double scale, zeroPoint;
  bool isUnsigned;
};

/// Matches x' = (q - zp) * s with q = clamp(round(x / s) + zp, lo, hi)
/// stored as 8-bit integers (and read back through the importer's unsigned
/// widening when lo = 0): the integers must survive every cast in between.
std::optional<FakeQuant> matchFakeQuant(Value xq) {
  auto scaled = mulBySplat(xq);
  if (!scaled)
    return std::nullopt;
  auto [centered, zp] = minusSplat(scaled->first);
  auto toFloat = defOf<CastOp>(centered);
  if (!toFloat || !isInt(toFloat.getInput()))
    return std::nullopt;
  // Integer casts and the unsigned widening where(j < 0, j + 256, j), back
  // to the cast of the clamped float.
  Value v = toFloat.getInput();
  unsigned narrowest = 64;
  bool widened = false;
  while (true) {
    if (auto c = defOf<CastOp>(v); c && isInt(c.getInput())) {
      narrowest = std::min(narrowest, intWidth(v));
      v = c.getInput();
      continue;
    }
    if (auto w = defOf<WhereOp>(v)) {
      auto less = defOf<LessOp>(w.getCond());
      auto add = defOf<AddOp>(w.getX());
      if (!less || !add || less.getLhs() != w.getY() ||
          add.getLhs() != w.getY() || splatThroughCasts(less.getRhs()) != 0.0 ||
          splatThroughCasts(add.getRhs()) != 256.0 || widened)
        return std::nullopt;
      narrowest = std::min(narrowest, intWidth(v));
      widened = true;
      v = w.getY();
      continue;
    }
    break;
  }
  auto fromFloat = defOf<CastOp>(v);
  if (!fromFloat || isInt(fromFloat.getInput()))
    return std::nullopt;
  narrowest = std::min(narrowest, intWidth(v));
  // clamp(t, lo, hi) as max-then-min, min-then-max or tessera.clamp.
  Value t = fromFloat.getInput();
  std::optional<double> lo, hi;
  for (int bound = 0; bound < 2; ++bound) {
    if (auto mx = defOf<MaxOp>(t); mx && !lo) {
      lo = splatThroughCasts(mx.getRhs());
      t = mx.getLhs();
    } else if (auto mn = defOf<MinOp>(t); mn && !hi) {
      hi = splatThroughCasts(mn.getRhs());
      t = mn.getLhs();
    } else if (auto cl = defOf<ClampOp>(t);
               cl && !lo && !hi && cl.getMin() && cl.getMax()) {
      lo = cl.getMin()->convertToDouble();
      hi = cl.getMax()->convertToDouble();
      t = cl.getInput();
    }
  }
  if (!lo || !hi)
    return std::nullopt;
  bool isUnsigned = *lo == 0.0 && *hi == 255.0;
  bool isSigned = *lo == -128.0 && *hi == 127.0;
  // Unsigned integers in an 8-bit type need the widening to read back;
  // signed ones must not have it.
  if (!(isUnsigned && (narrowest > 8 || widened)) &&
      !(isSigned && narrowest >= 8 && !widened))
    return std::nullopt;
  auto [rounded, zp2] = [&]() -> std::pair<Value, double> {
    if (auto add = defOf<AddOp>(t))
      if (std::optional<double> z = splatThroughCasts(add.getRhs()))
        return {add.getLhs(), *z};
    return {t, 0.0};
  }();
  auto round = defOf<RoundOp>(rounded);
  auto div = round ? defOf<DivOp>(round.getInput()) : DivOp();
  if (!div)
    return std::nullopt;
  std::optional<double> s2 = splatThroughCasts(div.getRhs());
  if (!s2 || float(*s2) != float(scaled->second) || zp2 != zp ||
      !(float(*s2) > 0.0f) || !std::isfinite(float(*s2)) ||
      zp != std::nearbyint(zp) || zp < *lo || zp > *hi)
    return std::nullopt;
  if (div.getLhs().getType() != xq.getType())
    return std::nullopt;
  return FakeQuant{div.getLhs(), *s2, zp, isUnsigned};
}

/// The two sides of a weight's DequantizeLinear w' = (q - 0) * s (either
/// order): q's constant 8-bit integers (w's shape, read through the cast to
/// float) and s's constant values with its type, for each order that fits;
/// `accept` says whether s's type can scale w.
struct DequantizedWeight {
  SmallVector<double> q, s;
  RankedTensorType scaleType;
};

SmallVector<DequantizedWeight>
dequantizedWeights(Value w, function_ref<bool(RankedTensorType)> accept) {
  SmallVector<DequantizedWeight> found;
  auto mul = defOf<MulOp>(w);
  if (!mul)
    return found;
  auto wt = cast<RankedTensorType>(w.getType());
  for (auto [qs, ss] : {std::pair{mul.getLhs(), mul.getRhs()},
                        std::pair{mul.getRhs(), mul.getLhs()}}) {
    auto [centered, zp] = minusSplat(qs);
    auto toFloat = defOf<CastOp>(centered);
    if (zp != 0.0 || !toFloat || !isInt(toFloat.getInput()) ||
        intWidth(toFloat.getInput()) != 8 ||
        cast<RankedTensorType>(toFloat.getInput().getType()).getShape() !=
            wt.getShape())
      continue;
    auto st = dyn_cast<RankedTensorType>(ss.getType());
    if (!st || !accept(st))
      continue;
    std::optional<SmallVector<double>> qv =
        fusion::getConstantValues(toFloat.getInput());
    std::optional<SmallVector<double>> sv = fusion::getConstantValues(ss);
    if (qv && sv)
      found.push_back({std::move(*qv), std::move(*sv), st});
  }
  return found;
}

/// A weight's DequantizeLinear: q [N, K] in [-127, 127] and one scale per
/// output channel.
struct QWeight {
  std::vector<int8_t> q;
  std::vector<float> scale;
};

/// Matches w' = (q - 0) * s over constant int8 q ([K, N], or [N, K] when
/// `transposed`) with s constant along K.
std::optional<QWeight> matchQuantizedWeight(Value w, bool transposed) {
  auto wt = cast<RankedTensorType>(w.getType());
  int64_t rows = wt.getDimSize(0), cols = wt.getDimSize(1);
  int64_t n = transposed ? rows : cols, k = transposed ? cols : rows;
  for (DequantizedWeight &dw : dequantizedWeights(
           w, [](RankedTensorType st) { return st.getRank() <= 2; })) {
    RankedTensorType st = dw.scaleType;
    const SmallVector<double> *qv = &dw.q, *sv = &dw.s;
    // The scale broadcast (right-aligned) against [rows, cols].
    SmallVector<int64_t> sShape(2 - st.getRank(), 1);
    llvm::append_range(sShape, st.getShape());
    auto scaleAt = [&](int64_t r, int64_t c) {
      return (
          *sv)[(sShape[0] == 1 ? 0 : r) * sShape[1] + (sShape[1] == 1 ? 0 : c)];
    };
    QWeight out;
    out.q.resize(n * k);
    out.scale.resize(n);
    bool ok = true;
    for (int64_t j = 0; j < n && ok; ++j) {
      out.scale[j] = float(transposed ? scaleAt(j, 0) : scaleAt(0, j));
      ok = out.scale[j] > 0.0f && std::isfinite(out.scale[j]);
      for (int64_t i = 0; i < k && ok; ++i) {
        int64_t r = transposed ? j : i, c = transposed ? i : j;
        double q = (*qv)[r * cols + c];
        ok = float(scaleAt(r, c)) == out.scale[j] && q >= -127 && q <= 127;
        out.q[j * k + i] = int8_t(q);
      }
    }
    if (ok)
      return out;
  }
  return std::nullopt;
}

/// Matches a conv weight's DequantizeLinear: w' = (q - 0) * s over constant
/// int8 q [F, C, K1..Kk] in [-127, 127], s one constant per tensor or per
/// output channel (shaped [F, 1, .., 1]); q as [F, C·K1..Kk].
std::optional<QWeight> matchQuantizedConvWeight(Value w) {
  auto wt = cast<RankedTensorType>(w.getType());
  int64_t f = wt.getDimSize(0),
          kk = wt.getNumElements() / std::max<int64_t>(f, 1);
  auto perChannel = [&](RankedTensorType st) {
    return st.getRank() == wt.getRank() && st.getDimSize(0) == f &&
           st.getNumElements() == f;
  };
  for (DequantizedWeight &dw : dequantizedWeights(w, [&](RankedTensorType st) {
         return st.getNumElements() == 1 || perChannel(st);
       })) {
    bool perTensor = dw.scaleType.getNumElements() == 1;
    const SmallVector<double> *qv = &dw.q, *sv = &dw.s;
    QWeight out;
    out.q.resize(f * kk);
    out.scale.resize(f);
    bool ok = true;
    for (int64_t o = 0; o < f && ok; ++o) {
      out.scale[o] = float((*sv)[perTensor ? 0 : o]);
      ok = out.scale[o] > 0.0f && std::isfinite(out.scale[o]);
      for (int64_t j = 0; j < kk && ok; ++j) {
        double q = (*qv)[o * kk + j];
        ok = q >= -127 && q <= 127;
        out.q[o * kk + j] = int8_t(q);
      }
    }
    if (ok)
      return out;
  }
  return std::nullopt;
}

struct QdqLinearFusionPass
    : tessera::impl::QdqLinearFusionBase<QdqLinearFusionPass> {
  void runOnOperation() override {
    int64_t fused = 0, fusedConvs = 0;
    SmallVector<LinearOp> linears;
    SmallVector<ConvOp> convs;
    getOperation()->walk([&](Operation *op) {
      if (auto lin = dyn_cast<LinearOp>(op))
        linears.push_back(lin);
      else if (auto conv = dyn_cast<ConvOp>(op))
        convs.push_back(conv);
    });
    for (LinearOp op : linears)
      fused += rewrite(op);
    for (ConvOp op : convs)
      fusedConvs += rewrite(op);
    fusion::recordCounts(getOperation(), "tessera-fuse-qdq-linear",
                         {{"qdq-linear", fused}, {"qdq-conv", fusedConvs}});
  }

  /// conv(QDQ(x), DQ(w)): im2col and a static qlinear per group, where
  /// qlinearConvFits.
  bool rewrite(ConvOp op) {
    if (op.hasFusedEpilogue())
      return false; // a fused residual or activation it would drop
    auto wt = op.getWeight().getType();
    int64_t group = op.getGroup(),
            kk = wt.getNumElements() / std::max<int64_t>(wt.getDimSize(0), 1);
    if (!op.getType().getElementType().isF32() || !qlinearConvFits(group, kk))
      return false;
    std::optional<FakeQuant> x = matchFakeQuant(op.getInput());
    if (!x)
      return false;
    std::optional<QWeight> w = matchQuantizedConvWeight(op.getWeight());
    if (!w)
      return false;
    OpBuilder b(op);
    // Signed activations are the unsigned ones shifted by 128.
    int64_t zp = int64_t(x->zeroPoint) + (x->isUnsigned ? 0 : 128);
    Value y = buildQLinearConv(b, op.getLoc(), x->x, w->q, w->scale,
                               op.getBias(), group, wt.getShape().drop_front(2),
                               op.getStrides(), op.getPads(), op.getDilations(),
                               "static", b.getF32FloatAttr(float(x->scale)),
                               b.getI64IntegerAttr(zp));
    op.replaceAllUsesWith(y);
    op.erase();
    return true;
  }

  bool rewrite(LinearOp op) {
    if (!op.getType().getElementType().isF32() || op.getSparsity())
      return false;
    bool transposed = op.getTransposeWeight();
    auto wt = op.getWeight().getType();
    int64_t n = wt.getDimSize(transposed ? 0 : 1),
            k = wt.getDimSize(transposed ? 1 : 0);
    if (k > 32768)
      return false; // the integer dot product could overflow i32
    std::optional<FakeQuant> x = matchFakeQuant(op.getInput());
    if (!x)
      return false;
    std::optional<QWeight> w = matchQuantizedWeight(op.getWeight(), transposed);
    if (!w)
      return false;
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value q = fusion::resourceConstant<int8_t>(
        b, loc, RankedTensorType::get({n, k}, b.getI8Type()), "qweight", w->q);
    Value s = fusion::resourceConstant<float>(
        b, loc, RankedTensorType::get({n, 1}, b.getF32Type()), "qscale",
        w->scale);
    // Signed activations are the unsigned ones shifted by 128.
    int64_t zp = int64_t(x->zeroPoint) + (x->isUnsigned ? 0 : 128);
    auto qlinear = QLinearOp::create(
        b, loc, op.getType(), x->x, q, s, op.getBias(), op.getResidual(),
        b.getStringAttr("static"), b.getI64IntegerAttr(8),
        op.getActivationAttr(), b.getF32FloatAttr(float(x->scale)),
        b.getI64IntegerAttr(zp));
    op.replaceAllUsesWith(qlinear.getResult());
    op.erase();
    return true;
  }
};

} // namespace
