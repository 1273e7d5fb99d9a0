// x·cos + rotate(x)·sin -> tessera.rotary, where rotate(x) is recognised as a
// signed permutation of x's last dimension (slices, negations, concats and
// reshapes traced element by element): rotate_half (GPT-NeoX/Llama) or the
// interleaved pair swap (GPT-J).
#include "FusionUtils.h"
#include "passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_ROTARYFUSION
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::fusion;

namespace {

/// A value whose leading dimensions are x's (all but the last) and whose
/// trailing dimensions, flattened row-major, hold sign[i] * x[..., src[i]].
struct LastAxisMap {
  SmallVector<int64_t> trailing;
  SmallVector<int64_t> src;
  SmallVector<int> sign;
};

std::optional<LastAxisMap> traceLastAxis(Value v, Value x, int depth = 0) {
  auto xt = cast<RankedTensorType>(x.getType());
  auto vt = cast<RankedTensorType>(v.getType());
  ArrayRef<int64_t> lead = xt.getShape().drop_back();
  if (vt.getRank() <= int64_t(lead.size()) ||
      vt.getShape().take_front(lead.size()) != lead || depth > 12)
    return std::nullopt;
  SmallVector<int64_t> trailing(vt.getShape().drop_front(lead.size()));
  if (v == x) {
    LastAxisMap m{trailing, {}, {}};
    for (int64_t i = 0; i < xt.getShape().back(); ++i) {
      m.src.push_back(i);
      m.sign.push_back(1);
    }
    return m;
  }
  Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt;
  auto negate = [&](Value a) -> std::optional<LastAxisMap> {
    auto m = traceLastAxis(a, x, depth + 1);
    if (m)
      for (int &s : m->sign)
        s = -s;
    return m;
  };
  if (auto neg = dyn_cast<NegOp>(def))
    return negate(neg.getInput());
  if (auto mul = dyn_cast<MulOp>(def)) {
    if (isSplatNear(mul.getRhs(), -1.0, 0.0) && mul.getLhs().getType() == vt)
      return negate(mul.getLhs());
    if (isSplatNear(mul.getLhs(), -1.0, 0.0) && mul.getRhs().getType() == vt)
      return negate(mul.getRhs());
    return std::nullopt;
  }
  if (auto reshape = dyn_cast<ReshapeOp>(def)) {
    auto m = traceLastAxis(reshape.getInput(), x, depth + 1);
    if (m)
      m->trailing = trailing; // row-major order is unchanged
    return m;
  }
  if (auto slice = dyn_cast<SliceOp>(def)) {
    // Only along the last dimension.
    auto in = slice.getInput().getType();
    int64_t r = in.getRank();
    for (int64_t d = 0; d + 1 < r; ++d)
      if (slice.getStarts()[d] != 0 || slice.getSteps()[d] != 1 ||
          in.getDimSize(d) != vt.getDimSize(d))
        return std::nullopt;
    auto m = traceLastAxis(slice.getInput(), x, depth + 1);
    if (!m || m->trailing.size() != 1 ||
        int64_t(m->src.size()) != in.getShape().back())
      return std::nullopt;
    LastAxisMap out{trailing, {}, {}};
    int64_t start = slice.getStarts()[r - 1], step = slice.getSteps()[r - 1];
    for (int64_t i = 0; i < vt.getShape().back(); ++i) {
      out.src.push_back(m->src[start + i * step]);
      out.sign.push_back(m->sign[start + i * step]);
    }
    return out;
  }
  if (auto concat = dyn_cast<ConcatOp>(def)) {
    int64_t r = vt.getRank(), axis = concat.getAxis();
    if (axis != r - 1)
      return std::nullopt;
    // Trailing dims [outer..., n_k]: blocks of each input interleave per row.
    int64_t rows = 1;
    for (int64_t d : ArrayRef<int64_t>(trailing).drop_back())
      rows *= d;
    SmallVector<LastAxisMap> parts;
    for (Value in : concat.getInputs()) {
      auto m = traceLastAxis(in, x, depth + 1);
      int64_t n = cast<RankedTensorType>(in.getType()).getShape().back();
      if (!m || int64_t(m->src.size()) != rows * n)
        return std::nullopt;
      parts.push_back(*m);
    }
    LastAxisMap out{trailing, {}, {}};
    for (int64_t row = 0; row < rows; ++row)
      for (auto [in, m] : llvm::zip(concat.getInputs(), parts)) {
        int64_t n = cast<RankedTensorType>(in.getType()).getShape().back();
        for (int64_t j = 0; j < n; ++j) {
          out.src.push_back(m.src[row * n + j]);
          out.sign.push_back(m.sign[row * n + j]);
        }
      }
    return out;
  }
  return std::nullopt;
}

/// Whether `m` is rotate(x) over d = x's last size: half-split (interleaved
/// = false) or pair swap (interleaved = true).
std::optional<bool> rotationKind(const LastAxisMap &m, int64_t d) {
  if (int64_t(m.src.size()) != d || d % 2 != 0)
    return std::nullopt;
  auto matches = [&](bool interleaved) {
    for (int64_t i = 0; i < d; ++i) {
      int64_t src;
      int sign;
      if (interleaved) {
        src = i % 2 == 0 ? i + 1 : i - 1;
        sign = i % 2 == 0 ? -1 : 1;
      } else {
        src = i < d / 2 ? i + d / 2 : i - d / 2;
        sign = i < d / 2 ? -1 : 1;
      }
      if (m.src[i] != src || m.sign[i] != sign)
        return false;
    }
    return true;
  };
  if (matches(false))
    return false;
  if (matches(true))
    return true;
  return std::nullopt;
}

struct FuseRotary : OpRewritePattern<AddOp> {
  FuseRotary(MLIRContext *ctx, RotaryFusionStats &stats)
      : OpRewritePattern(ctx), stats(stats) {}

  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    auto type = op.getType();
    if (type.getRank() < 2 || !isa<FloatType>(type.getElementType()))
      return failure();
    int64_t d = type.getShape().back();
    auto lhs = defOf<MulOp>(op.getLhs()), rhs = defOf<MulOp>(op.getRhs());
    if (!lhs || !rhs)
      return failure();
    // One product is x * cos, the other rotate(x) * sin; operands either way.
    for (auto [xc, rs] : {std::pair(lhs, rhs), std::pair(rhs, lhs)}) {
      for (int i = 0; i < 2; ++i) {
        Value x = xc->getOperand(i), cos = xc->getOperand(1 - i);
        if (x.getType() != type)
          continue;
        for (int j = 0; j < 2; ++j) {
          Value rot = rs->getOperand(j), sin = rs->getOperand(1 - j);
          if (rot.getType() != type)
            continue;
          std::optional<LastAxisMap> m = traceLastAxis(rot, x);
          if (!m)
            continue;
          std::optional<bool> interleaved = rotationKind(*m, d);
          auto ct = cast<RankedTensorType>(cos.getType()),
               st = cast<RankedTensorType>(sin.getType());
          if (!interleaved || ct.getRank() < 1 || st.getRank() < 1 ||
              ct.getShape().back() != d || st.getShape().back() != d ||
              !broadcastsTo(ct.getShape(), type.getShape()) ||
              !broadcastsTo(st.getShape(), type.getShape()))
            continue;
          rewriter.replaceOpWithNewOp<RotaryOp>(op, type, x, cos, sin,
                                                rewriter.getBoolAttr(
                                                    *interleaved));
          ++(*interleaved ? stats.interleaved : stats.halfSplit);
          return success();
        }
      }
    }
    return failure();
  }

  RotaryFusionStats &stats;
};

struct RotaryFusionPass : tessera::impl::RotaryFusionBase<RotaryFusionPass> {
  void runOnOperation() override {
    RotaryFusionStats stats;
    RewritePatternSet patterns(&getContext());
    populateRotaryFusionPatterns(patterns, stats);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    recordCounts(getOperation(), "tessera-fuse-rotary",
                 {{"half-split", stats.halfSplit},
                  {"interleaved", stats.interleaved}});
    numHalfSplit += stats.halfSplit;
    numInterleaved += stats.interleaved;
  }
};
} // namespace

void mlir::tessera::populateRotaryFusionPatterns(RewritePatternSet &patterns,
                                                 RotaryFusionStats &stats) {
  patterns.add<FuseRotary>(patterns.getContext(), stats);
}
