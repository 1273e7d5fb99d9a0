// fp32 linear layers with constant weights -> tessera.qlinear: the weight is
// quantized here, once, symmetric per output channel or per group of k; the
// activations stay f32 (weight-only) or are quantized per row at run time
// (dynamic int8) or at a fixed scale measured on calibration inputs (static
// int8). What is left alone is counted by reason for --report.
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"
#include "tessera/IR/TesseraOps.h"

#include <cmath>

namespace mlir::tessera {
#define GEN_PASS_DEF_QUANTIZE
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {

/// The scheme a --quantize mode stands for.
struct Scheme {
  StringRef mode; // qlinear's mode
  int64_t bits;
  int64_t groupSize; // 0: one group per output channel
};

FailureOr<Scheme> parseScheme(StringRef mode, int64_t groupSize) {
  if (mode == "int8" && groupSize == 0)
    return Scheme{"dynamic", 8, 0};
  if (mode == "int8-static" && groupSize == 0)
    return Scheme{"static", 8, 0};
  if (mode == "w8")
    return Scheme{"weight_only", 8, groupSize};
  if (mode == "w4")
    return Scheme{"weight_only", 4, groupSize == 0 ? 32 : groupSize};
  return failure();
}

/// q and per-group scales of one weight, row-major [N, K] and [N, G].
struct QuantizedWeight {
  std::vector<int8_t> q;
  std::vector<float> scale;
};

/// Symmetric quantization of w(n, k) in groups of `gs` consecutive k: 8 bits
/// as round(w / s) with s = max|w| / 127; 4 bits with s = w_m / -8 for the
/// w_m of largest magnitude, so that the whole of [-8, 7] is used (the
/// extreme maps to -8 exactly). Rounding is half to even.
QuantizedWeight quantize(function_ref<double(int64_t, int64_t)> w, int64_t n,
                         int64_t k, int64_t gs, int64_t bits) {
  int64_t groups = k / gs;
  QuantizedWeight out;
  out.q.resize(n * k);
  out.scale.resize(n * groups);
  int lo = bits == 8 ? -127 : -8, hi = bits == 8 ? 127 : 7;
  for (int64_t r = 0; r < n; ++r)
    for (int64_t g = 0; g < groups; ++g) {
      double extreme = 0.0;
      for (int64_t c = g * gs; c < (g + 1) * gs; ++c)
        if (std::abs(w(r, c)) > std::abs(extreme))
          extreme = w(r, c);
      float s = bits == 8 ? float(std::abs(extreme) / 127.0)
                          : float(extreme / -8.0);
      if (s == 0.0f || !std::isfinite(s))
        s = 1.0f;
      out.scale[r * groups + g] = s;
      for (int64_t c = g * gs; c < (g + 1) * gs; ++c) {
        double q = std::nearbyint(w(r, c) / double(s));
        out.q[r * k + c] = int8_t(std::clamp<double>(q, lo, hi));
      }
    }
  return out;
}

struct QuantizeStats {
  int64_t quantized = 0, notConstant = 0, notF32 = 0, groupMismatch = 0,
          kTooLarge = 0, bytesBefore = 0, bytesAfter = 0;
};

/// The fixed activation quantization of a static int8 layer whose input
/// ranges over [lo, hi] (widened to hold 0): asymmetric uint8.
std::pair<float, int64_t> staticInputQuantization(double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  float scale = float((hi - lo) / 255.0);
  if (!(scale > 0.0f) || !std::isfinite(scale))
    return {1.0f, 0};
  double zp = std::nearbyint(-lo / double(scale));
  return {scale, int64_t(std::clamp(zp, 0.0, 255.0))};
}

/// The layer number the accuracy report matches the two builds by.
constexpr StringLiteral kLayerAttr = "tessera.qlayer";

struct QuantizePass : tessera::impl::QuantizeBase<QuantizePass> {
  using QuantizeBase::QuantizeBase;
  int64_t nextLayer = 0;

  void runOnOperation() override {
    FailureOr<Scheme> scheme = parseScheme(mode, groupSize);
    if (failed(scheme) || groupSize < 0 ||
        (scheme->bits == 4 && scheme->groupSize % 32 != 0)) {
      getOperation()->emitError()
          << "tessera-quantize: unsupported mode '" << mode
          << "' with group-size " << groupSize
          << " (modes: int8 and int8-static with one scale per channel; w8 "
             "with any group size; w4 with a multiple of 32)";
      return signalPassFailure();
    }
    if (scheme->mode != "static" && !inputRanges.empty()) {
      getOperation()->emitError()
          << "tessera-quantize: unsupported mode '" << mode
          << "' with input-ranges (they apply to int8-static only)";
      return signalPassFailure();
    }
    QuantizeStats stats;
    SmallVector<LinearOp> linears;
    getOperation()->walk([&](LinearOp op) { linears.push_back(op); });
    for (LinearOp op : linears)
      rewrite(op, *scheme, stats);
    if (scheme->mode == "static" && !tagOnly &&
        int64_t(inputRanges.size()) != 2 * nextLayer) {
      getOperation()->emitError()
          << "tessera-quantize: int8-static needs the input range (lo,hi) of "
             "each of the "
          << nextLayer << " layers it quantizes; input-ranges has "
          << inputRanges.size() << " numbers";
      return signalPassFailure();
    }
    fusion::recordCounts(getOperation(), "tessera-quantize",
                         {{"quantized", stats.quantized},
                          {"skipped-not-constant", stats.notConstant},
                          {"skipped-not-f32", stats.notF32},
                          {"skipped-k-not-multiple-of-group",
                           stats.groupMismatch},
                          {"skipped-k-too-large", stats.kTooLarge},
                          {"weight-kib-before", stats.bytesBefore / 1024},
                          {"weight-kib-after", stats.bytesAfter / 1024}});
    numQuantized += stats.quantized;
  }

  void rewrite(LinearOp op, const Scheme &scheme, QuantizeStats &stats) {
    if (!op.getType().getElementType().isF32()) {
      ++stats.notF32;
      return;
    }
    auto wt = op.getWeight().getType();
    bool transposed = op.getTransposeWeight();
    int64_t n = wt.getDimSize(transposed ? 0 : 1),
            k = wt.getDimSize(transposed ? 1 : 0);
    int64_t gs = scheme.groupSize == 0 ? k : scheme.groupSize;
    if (k % gs != 0) {
      ++stats.groupMismatch;
      return;
    }
    if ((scheme.mode == "dynamic" || scheme.mode == "static") && k > 32768) {
      ++stats.kTooLarge;
      return;
    }
    // Decided on the op alone, identically with tag-only, so that both
    // builds number the same layers.
    auto cst = fusion::defOf<ConstantOp>(op.getWeight());
    if (!cst || cst.getType().getNumElements() > (int64_t(1) << 24)) {
      ++stats.notConstant;
      return;
    }
    auto layer = IntegerAttr::get(IntegerType::get(op.getContext(), 64),
                                  nextLayer++);
    if (tagOnly) {
      op->setAttr(kLayerAttr, layer);
      return;
    }
    // int8-static with no range for this layer: numbered only, so that
    // runOnOperation reports how many ranges it needed (no op without its
    // scale is ever made).
    if (scheme.mode == "static" &&
        2 * layer.getInt() + 1 >= int64_t(inputRanges.size()))
      return;
    std::optional<SmallVector<double>> w =
        fusion::getConstantValues(op.getWeight());
    if (!w) {
      ++stats.notConstant;
      return;
    }
    QuantizedWeight qw = quantize(
        [&](int64_t r, int64_t c) {
          return transposed ? (*w)[r * k + c] : (*w)[c * n + r];
        },
        n, k, gs, scheme.bits);
    OpBuilder b(op);
    Location loc = op.getLoc();
    int64_t groups = k / gs;
    Value q = fusion::resourceConstant<int8_t>(
        b, loc, RankedTensorType::get({n, k}, b.getI8Type()), "qweight", qw.q);
    Value s = fusion::resourceConstant<float>(
        b, loc, RankedTensorType::get({n, groups}, b.getF32Type()), "qscale",
        qw.scale);
    FloatAttr inputScale;
    IntegerAttr inputZeroPoint;
    if (scheme.mode == "static") {
      int64_t index = layer.getInt();
      auto [scale, zp] = staticInputQuantization(inputRanges[2 * index],
                                                 inputRanges[2 * index + 1]);
      inputScale = b.getF32FloatAttr(scale);
      inputZeroPoint = b.getI64IntegerAttr(zp);
    }
    auto qlinear = QLinearOp::create(
        b, loc, op.getType(), op.getInput(), q, s, op.getBias(),
        op.getResidual(), b.getStringAttr(scheme.mode),
        b.getI64IntegerAttr(scheme.bits), op.getActivationAttr(), inputScale,
        inputZeroPoint);
    qlinear->setAttr(kLayerAttr, layer);
    op.replaceAllUsesWith(qlinear.getResult());
    op.erase();
    ++stats.quantized;
    stats.bytesBefore += n * k * 4;
    stats.bytesAfter += n * k * scheme.bits / 8 + n * groups * 4;
  }
};

} // namespace
