// GELU (erf and tanh forms), SiLU and HardSwish written out as elementwise
// products -> tessera.gelu / tessera.gelu_tanh / tessera.silu /
// tessera.hardswish. Products are flattened, so the order of the factors and
// where the constants sit do not matter.
#include "FusionUtils.h"
#include "passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::tessera {
#define GEN_PASS_DEF_ACTIVATIONFUSION
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::fusion;

namespace {

/// A product flattened into a constant coefficient and other factors.
struct Product {
  double coefficient = 1.0;
  SmallVector<Value, 4> factors;
};

/// Only single-use products are looked into: a product with other uses (the
/// `x` of `x * sigmoid(x)` may itself be one) is a factor of its own.
void flatten(Value v, Product &p, int depth = 0) {
  if (std::optional<double> c = getSplatValue(v)) {
    p.coefficient *= *c;
    return;
  }
  if (depth < 6 && (depth == 0 || v.hasOneUse())) {
    if (auto mul = defOf<MulOp>(v)) {
      flatten(mul.getLhs(), p, depth + 1);
      flatten(mul.getRhs(), p, depth + 1);
      return;
    }
    if (auto div = defOf<DivOp>(v)) {
      if (std::optional<double> c = getSplatValue(div.getRhs())) {
        flatten(div.getLhs(), p, depth + 1);
        p.coefficient /= *c;
        return;
      }
    }
  }
  p.factors.push_back(v);
}

bool near(double a, double b) { return std::abs(a - b) <= 1e-4 * std::abs(b); }

/// `1 + f(...)`: the operand of f, for f = OpTy.
template <typename OpTy> Value onePlus(Value v) {
  auto add = defOf<AddOp>(v);
  if (!add)
    return {};
  for (auto [one, other] : {std::pair(add.getLhs(), add.getRhs()),
                            std::pair(add.getRhs(), add.getLhs())})
    if (isSplatNear(one, 1.0, 0.0))
      if (auto f = defOf<OpTy>(other))
        return f.getInput();
  return {};
}

/// x / sqrt(2)
bool isErfArgument(Value z, Value x) {
  Product p;
  flatten(z, p);
  return p.factors.size() == 1 && p.factors[0] == x &&
         near(p.coefficient, M_SQRT1_2);
}

/// sqrt(2/pi) * (x + 0.044715 * x^3)
bool isTanhArgument(Value u, Value x) {
  Product outer;
  flatten(u, outer);
  if (outer.factors.size() != 1 || !near(outer.coefficient, std::sqrt(2.0 / M_PI)))
    return false;
  auto add = defOf<AddOp>(outer.factors[0]);
  if (!add)
    return false;
  for (auto [lin, cubic] : {std::pair(add.getLhs(), add.getRhs()),
                            std::pair(add.getRhs(), add.getLhs())}) {
    if (lin != x)
      continue;
    Product c;
    flatten(cubic, c);
    if (c.factors.size() == 1)
      if (auto pow = defOf<PowOp>(c.factors[0]);
          pow && pow.getLhs() == x && isSplatNear(pow.getRhs(), 3.0, 0.0))
        return near(c.coefficient, 0.044715);
    if (c.factors.size() == 3 &&
        llvm::all_of(c.factors, [&](Value f) { return f == x; }))
      return near(c.coefficient, 0.044715);
  }
  return false;
}

/// x * c * clamp(a*x + b, 0, hi) is HardSwish, x * min(max(x + 3, 0), 6) / 6,
/// when b/a = 3, hi/a = 6 and c*a = 1/6 (a > 0): clamp(a*x + b, 0, hi) =
/// a * clamp(x + b/a, 0, hi/a). So x * HardSigmoid(x) with alpha 1/6 and
/// beta 1/2 (torch's export below opset 14) and x * relu6(x + 3) / 6.
bool isHardSwish(Value other, Value x, double coefficient) {
  auto clamp = defOf<ClampOp>(other);
  if (!clamp || !clamp.getMinAttr() || !clamp.getMaxAttr() ||
      clamp.getMinAttr().getValueAsDouble() != 0.0)
    return false;
  double hi = clamp.getMaxAttr().getValueAsDouble();
  auto add = defOf<AddOp>(clamp.getInput());
  if (!add)
    return false;
  for (auto [lin, shift] : {std::pair(add.getLhs(), add.getRhs()),
                            std::pair(add.getRhs(), add.getLhs())}) {
    std::optional<double> b = getSplatValue(shift);
    Product p;
    flatten(lin, p);
    if (!b || p.factors.size() != 1 || p.factors[0] != x ||
        p.coefficient <= 0.0)
      continue;
    double a = p.coefficient;
    return near(*b / a, 3.0) && near(hi / a, 6.0) &&
           near(coefficient * a, 1.0 / 6.0);
  }
  return false;
}

/// The product rooted at a Mul, or at a Div by a constant (x * relu6(x + 3)
/// / 6).
template <typename RootOp> struct FuseActivation : OpRewritePattern<RootOp> {
  FuseActivation(MLIRContext *ctx, ActivationFusionStats &stats)
      : OpRewritePattern<RootOp>(ctx), stats(stats) {}

  LogicalResult matchAndRewrite(RootOp op,
                                PatternRewriter &rewriter) const override {
    auto type = op.getType();
    if (!isa<FloatType>(type.getElementType()))
      return failure();
    Product p;
    flatten(op.getResult(), p);
    if (p.factors.size() != 2 || p.factors[0] == p.factors[1])
      return failure();
    // x times f(x), either way round.
    for (int i = 0; i < 2; ++i) {
      Value x = p.factors[i], other = p.factors[1 - i];
      if (x.getType() != type)
        continue;
      if (near(p.coefficient, 1.0))
        if (auto sig = defOf<SigmoidOp>(other); sig && sig.getInput() == x) {
          rewriter.replaceOpWithNewOp<SiluOp>(op, type, x);
          ++stats.silu;
          return success();
        }
      if (isHardSwish(other, x, p.coefficient)) {
        rewriter.replaceOpWithNewOp<HardSwishOp>(op, type, x);
        ++stats.hardSwish;
        return success();
      }
      if (!near(p.coefficient, 0.5))
        continue;
      if (Value z = onePlus<ErfOp>(other); z && isErfArgument(z, x)) {
        rewriter.replaceOpWithNewOp<GeluOp>(op, type, x);
        ++stats.gelu;
        return success();
      }
      if (Value u = onePlus<TanhOp>(other); u && isTanhArgument(u, x)) {
        rewriter.replaceOpWithNewOp<GeluTanhOp>(op, type, x);
        ++stats.geluTanh;
        return success();
      }
    }
    return failure();
  }

  ActivationFusionStats &stats;
};

struct ActivationFusionPass
    : tessera::impl::ActivationFusionBase<ActivationFusionPass> {
  void runOnOperation() override {
    ActivationFusionStats stats;
    RewritePatternSet patterns(&getContext());
    populateActivationFusionPatterns(patterns, stats);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    recordCounts(getOperation(), "tessera-fuse-activations",
                 {{"gelu", stats.gelu},
                  {"gelu-tanh", stats.geluTanh},
                  {"silu", stats.silu},
                  {"hardswish", stats.hardSwish}});
    numGelu += stats.gelu;
    numGeluTanh += stats.geluTanh;
    numSilu += stats.silu;
    numHardSwish += stats.hardSwish;
  }
};
} // namespace

void mlir::tessera::populateActivationFusionPatterns(
    RewritePatternSet &patterns, ActivationFusionStats &stats) {
  patterns.add<FuseActivation<MulOp>, FuseActivation<DivOp>>(
      patterns.getContext(), stats);
}
