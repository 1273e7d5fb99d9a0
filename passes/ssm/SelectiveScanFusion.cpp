// Recognises the Mamba selective scan in a graph unrolled over time (as torch
// exports a Python loop, or as ONNX Scan/Loop import) and replaces it with
// one tessera.selective_scan:
//
//   h_t = a_t * h_{t-1} + b_t         (a chain of steps, any operand order)
//   a_t = exp(Δ_t · A)                 (per step, or a slice of exp(Δ·A))
//   b_t = Δ_t · B_t · x_t              (per step, or a slice of a product)
//   y_t = sum_n h_t · C_t              (einsum or reduce_sum of a product)
//   y   = stack_t y_t                  (unsqueeze + one concat)
//
// Roles are read from the algebra, not from names or op order: the products
// are factored into a common frame (state dims + time), the state dim summed
// by the read-out is N, the dim A varies along is D, what is left is batch.
// A skip `y + x·D` and a gate `y · silu(z)` that follow fold into the op.
#include "Recurrence.h"
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_SELECTIVESCANFUSION
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::ssm;
using fusion::defOf;

namespace {

RankedTensorType typeOf(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// The exponent of a step's decay a_t = exp(p_t), or of a slice of exp(P).
bool factorizeDecay(Value a, ArrayRef<int64_t> aDims, int64_t t,
                    int64_t timeDim, Product &out) {
  if (auto e = defOf<ExpOp>(a))
    return factorize(e.getInput(), aDims, t, timeDim, out);
  std::optional<TimeSlice> ts = matchTimeSlice(a);
  if (!ts || ts->index != t)
    return false;
  auto e = defOf<ExpOp>(ts->src);
  if (!e)
    return false;
  int64_t srcRank = typeOf(ts->src).getRank();
  SmallVector<int64_t> src(srcRank, -1);
  for (int64_t j = 0; j < srcRank; ++j)
    src[j] = j == ts->axis ? timeDim
                           : aDims[ts->keepsAxis || j < ts->axis ? j : j - 1];
  for (auto [j, s] : llvm::enumerate(typeOf(ts->src).getShape()))
    if (s == 1)
      src[j] = -1;
  return factorize(e.getInput(), src, std::nullopt, timeDim, out);
}

/// Removes one occurrence of each factor of `sub` from `from`.
bool removeFactors(SmallVector<Factor, 4> &from, ArrayRef<Factor> sub) {
  for (const Factor &f : sub) {
    auto it = llvm::find(from, f);
    if (it == from.end())
      return false;
    from.erase(it);
  }
  return true;
}

LogicalResult tryFuseChain(ArrayRef<Step> chain, PatternRewriter &rewriter) {
  int64_t steps = chain.size();
  Value h0 = chain.front().h;
  auto stateType = typeOf(h0);
  int64_t rank = stateType.getRank(), timeDim = rank;
  if (rank < 2 || rank > 3 || steps < 2)
    return failure();
  SmallVector<int64_t> frameSizes(stateType.getShape());
  frameSizes.push_back(steps);
  SmallVector<int64_t> stateDims = frameDimsOf(h0);

  // Every step: the same decay exponent, input product and read-out.
  // A virtual first step (the folded-away `0·a_0 + b_0`) has only b_0.
  Product p0, b0;
  bool haveDecay = false;
  std::optional<Readout> r0;
  SmallVector<Value> ys;
  for (auto [t, s] : llvm::enumerate(chain)) {
    if (!s.add && t != 0)
      return failure();
    if (s.add && !s.mul)
      return failure(); // no decay: not a selective scan
    std::optional<Readout> r = stepReadout(chain, t, timeDim);
    Product p, b;
    if (!r || !factorize(s.b, alignTo(s.b, stateDims), t, timeDim, b) ||
        (s.add && !factorizeDecay(s.a, alignTo(s.a, stateDims), t, timeDim, p)))
      return failure();
    if (t == 0) {
      b0 = b;
      r0 = r;
    } else if (!sameProduct(b, b0) || r->n != r0->n ||
               r->yDims != r0->yDims || !sameProduct(r->c, r0->c)) {
      return failure();
    }
    if (s.add) {
      if (!haveDecay)
        p0 = p;
      else if (!sameProduct(p, p0))
        return failure();
      haveDecay = true;
    }
    ys.push_back(r->op->getResult(0));
  }
  auto stack = matchStack(ys);
  if (!stack)
    return failure();

  // Roles: N is summed by the read-out, D is what A varies along.
  int64_t n = r0->n;
  if (stateDims[n] < 0)
    return failure();
  Product dPart, aPart;
  aPart.coefficient = p0.coefficient;
  for (const Factor &f : p0.factors)
    (f.touches(timeDim) ? dPart : aPart).factors.push_back(f);
  if (dPart.factors.empty() || dPart.touched().contains(n) ||
      aPart.touched().contains(timeDim))
    return failure();
  SmallVector<int64_t> others;
  for (int64_t i = 0; i < rank; ++i)
    if (i != n)
      others.push_back(i);
  SmallVector<int64_t> aDims;
  for (int64_t o : others)
    if (aPart.touched().contains(o))
      aDims.push_back(o);
  if (aDims.size() > 1)
    return failure();
  int64_t d = aDims.empty() ? others.back() : aDims.front();
  int64_t batch = -1;
  for (int64_t o : others)
    if (o != d)
      batch = o;
  if (!touchesOnly(aPart, {d, n}) || !touchesOnly(dPart, {batch, timeDim, d}))
    return failure();
  // b_t = Δ_t · B_t · x_t: the factors along N are B, Δ's factors must all be
  // there, the rest is x.
  Product bPart, xPart;
  xPart.coefficient = b0.coefficient;
  for (const Factor &f : b0.factors)
    (f.touches(n) ? bPart : xPart).factors.push_back(f);
  if (bPart.factors.empty() || !removeFactors(xPart.factors, dPart.factors) ||
      !touchesOnly(xPart, {batch, timeDim, d}))
    return failure();
  auto selective = [&](const Product &p) -> std::optional<bool> {
    if (p.touched().contains(timeDim))
      return touchesOnly(p, {batch, timeDim, n}) ? std::optional(true)
                                                 : std::nullopt;
    return touchesOnly(p, {d, n}) ? std::optional(false) : std::nullopt;
  };
  std::optional<bool> bSel = selective(bPart), cSel = selective(r0->c);
  if (!bSel || !cSel)
    return failure();
  bool softplus = false;
  if (dPart.factors.size() == 1) {
    Factor &f = dPart.factors[0];
    if (f.fns.size() == 1 && f.fns[0].getStringRef() == "tessera.softplus") {
      f.fns.clear();
      softplus = true;
    } else if (f.fns.empty()) {
      if (auto sp = defOf<SoftplusOp>(f.base)) {
        f.base = f.origin = sp.getInput();
        f.originDims = f.dims;
        softplus = true;
      }
    }
  }

  // Build the op in the canonical layout and move results back.
  ConcatOp concat = stack->concat;
  Location loc = concat.getLoc();
  rewriter.setInsertionPoint(concat);
  Type elt = stateType.getElementType();
  SmallVector<int64_t> seq = {batch, timeDim, d};
  auto build = [&](const Product &p, ArrayRef<int64_t> want) {
    return materialize(rewriter, loc, p, want, frameSizes, elt);
  };
  Value x = build(xPart, seq), delta = build(dPart, seq),
        a = build(aPart, {d, n});
  Value bm = *bSel ? build(bPart, {batch, timeDim, n}) : build(bPart, {d, n});
  Value cm = *cSel ? build(r0->c, {batch, timeDim, n}) : build(r0->c, {d, n});
  FailureOr<Value> init =
      initialState(rewriter, loc, chain, concat, {batch, d, n}, frameSizes);
  if (failed(init))
    return failure();
  int64_t bt = batch < 0 ? 1 : frameSizes[batch];
  auto yType = RankedTensorType::get({bt, steps, frameSizes[d]}, elt);
  auto hType = RankedTensorType::get({bt, frameSizes[d], frameSizes[n]}, elt);
  auto scan = SelectiveScanOp::create(rewriter, loc, TypeRange{yType, hType}, x,
                                      delta, a, bm, cm, Value(), Value(),
                                      Value(), *init, softplus);
  replaceChainResults(rewriter, loc, chain, ys, *stack, r0->yDims,
                      scan.getY(), seq, scan.getFinalState(), {batch, d, n},
                      frameSizes, timeDim);
  return success();
}

/// y + x·D after a scan without a skip: D joins the op.
struct FoldScanSkip : OpRewritePattern<AddOp> {
  FoldScanSkip(MLIRContext *ctx, int64_t &count)
      : OpRewritePattern(ctx), count(count) {}
  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    for (int i = 0; i < 2; ++i) {
      auto scan = defOf<SelectiveScanOp>(op->getOperand(i));
      if (!scan || op->getOperand(i) != scan.getY() ||
          !scan.getY().hasOneUse() || scan.getD() || scan.getZ() ||
          op.getType() != scan.getY().getType())
        continue;
      int64_t dim = scan.getY().getType().getDimSize(2);
      Type elt = scan.getY().getType().getElementType();
      Value other = op->getOperand(1 - i), skip;
      if (other == scan.getX()) {
        // x·1, with the multiplication by ones folded away.
        rewriter.setInsertionPoint(scan);
        skip = ConstantOp::create(
            rewriter, op.getLoc(),
            DenseElementsAttr::get(RankedTensorType::get({dim}, elt),
                                   rewriter.getFloatAttr(elt, 1.0)));
      } else if (auto mul = defOf<MulOp>(other)) {
        for (int j = 0; j < 2 && !skip; ++j) {
          Value s = mul->getOperand(1 - j);
          auto st = typeOf(s);
          if (mul->getOperand(j) == scan.getX() && st.getRank() >= 1 &&
              st.getShape().back() == dim && st.getNumElements() == dim &&
              (!s.getDefiningOp() ||
               s.getDefiningOp()->getBlock() != scan->getBlock() ||
               s.getDefiningOp()->isBeforeInBlock(scan))) {
            rewriter.setInsertionPoint(scan);
            skip = fusion::reshapeTo(rewriter, op.getLoc(), s, {dim});
          }
        }
      }
      if (!skip)
        continue;
      auto fused = SelectiveScanOp::create(
          rewriter, scan.getLoc(), scan->getResultTypes(), scan.getX(),
          scan.getDelta(), scan.getA(), scan.getB(), scan.getC(), skip,
          Value(), scan.getDeltaBias(), scan.getInitialState(),
          scan.getDeltaSoftplus());
      rewriter.replaceAllUsesWith(scan.getFinalState(), fused.getFinalState());
      rewriter.replaceOp(op, fused.getY());
      rewriter.eraseOp(scan);
      ++count;
      return success();
    }
    return failure();
  }
  int64_t &count;
};

/// y · silu(z) after a scan without a gate: z joins the op.
struct FoldScanGate : OpRewritePattern<MulOp> {
  FoldScanGate(MLIRContext *ctx, int64_t &count)
      : OpRewritePattern(ctx), count(count) {}
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (int i = 0; i < 2; ++i) {
      auto scan = defOf<SelectiveScanOp>(op->getOperand(i));
      auto silu = defOf<SiluOp>(op->getOperand(1 - i));
      if (!scan || !silu || op->getOperand(i) != scan.getY() ||
          !scan.getY().hasOneUse() || scan.getZ() ||
          silu.getInput().getType() != scan.getY().getType() ||
          op.getType() != scan.getY().getType())
        continue;
      Value z = silu.getInput();
      // z must be available where the scan is.
      if (Operation *def = z.getDefiningOp())
        if (def->getBlock() == scan->getBlock() && !def->isBeforeInBlock(scan))
          rewriter.moveOpAfter(scan, def);
      auto fused = SelectiveScanOp::create(
          rewriter, scan.getLoc(), scan->getResultTypes(), scan.getX(),
          scan.getDelta(), scan.getA(), scan.getB(), scan.getC(), scan.getD(),
          z, scan.getDeltaBias(), scan.getInitialState(),
          scan.getDeltaSoftplus());
      rewriter.replaceAllUsesWith(scan.getFinalState(), fused.getFinalState());
      rewriter.replaceOp(op, fused.getY());
      rewriter.eraseOp(scan);
      ++count;
      return success();
    }
    return failure();
  }
  int64_t &count;
};

struct SelectiveScanFusionPass
    : tessera::impl::SelectiveScanFusionBase<SelectiveScanFusionPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    int64_t scans = 0, skips = 0, gates = 0;
    scans += fuseRecurrenceChains(getOperation(), tryFuseChain);
    RewritePatternSet patterns(ctx);
    patterns.add<FoldScanSkip>(ctx, skips);
    patterns.add<FoldScanGate>(ctx, gates);
    // Layout ops the scan's results went through fold first.
    ReshapeOp::getCanonicalizationPatterns(patterns, ctx);
    TransposeOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    fusion::recordCounts(getOperation(), "tessera-fuse-selective-scan",
                         {{"selective-scan", scans},
                          {"skip", skips},
                          {"gate", gates}});
    numScans += scans;
  }
};
} // namespace
