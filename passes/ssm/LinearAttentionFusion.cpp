// Recognises linear-attention recurrences in graphs unrolled over time
// (BASED / gated linear attention / RetNet-style decays) and replaces each
// with one tessera.linear_attention:
//
//   S_t = g_t ⊙ S_{t-1} + k_t v_tᵀ     (g optional: per step, per key dim)
//   o_t = q_tᵀ S_t                     (einsum, reduce_sum or matmul)
//   o   = stack_t o_t
//
// The key dim is the one the read-out sums over; the value dim is the state
// dim q does not vary along; the others are batch and heads. The input
// k_t v_tᵀ must be an outer product (no factor along both), the decay must
// not vary along the value dim.
#include "Recurrence.h"
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_LINEARATTENTIONFUSION
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::ssm;

namespace {

LogicalResult tryFuseChain(ArrayRef<Step> chain, PatternRewriter &rewriter) {
  int64_t steps = chain.size();
  Value s0 = chain.front().h;
  auto stateType = cast<RankedTensorType>(s0.getType());
  int64_t rank = stateType.getRank(), timeDim = rank;
  if (rank < 2 || rank > 4 || steps < 2)
    return failure();
  SmallVector<int64_t> frameSizes(stateType.getShape());
  frameSizes.push_back(steps);
  SmallVector<int64_t> stateDims = frameDimsOf(s0);

  // The decay (if any), the input and the read-out agree across steps.
  std::optional<bool> decayed;
  Product g0, b0;
  std::optional<Readout> r0;
  SmallVector<Value> ys;
  for (auto [t, s] : llvm::enumerate(chain)) {
    if (!s.add && t != 0)
      return failure();
    std::optional<Readout> r = stepReadout(chain, t, timeDim);
    Product g, b;
    if (!r || !factorize(s.b, alignTo(s.b, stateDims), t, timeDim, b))
      return failure();
    if (s.add) {
      bool hasDecay = bool(s.mul);
      if (decayed && *decayed != hasDecay)
        return failure();
      if (hasDecay &&
          !factorize(s.a, alignTo(s.a, stateDims), t, timeDim, g))
        return failure();
      if (!decayed)
        g0 = g;
      else if (hasDecay && !sameProduct(g, g0))
        return failure();
      decayed = hasDecay;
    }
    if (t == 0) {
      b0 = b;
      r0 = r;
    } else if (!sameProduct(b, b0) || r->n != r0->n ||
               r->yDims != r0->yDims || !sameProduct(r->c, r0->c)) {
      return failure();
    }
    ys.push_back(r->op->getResult(0));
  }
  std::optional<Stack> stack = matchStack(ys);
  if (!stack || !decayed)
    return failure();

  // Roles: i is summed by the read-out; j is the state dim q does not vary
  // along; the remaining non-unit dims are batch and heads.
  int64_t i = r0->n;
  if (stateDims[i] < 0)
    return failure();
  llvm::SmallDenseSet<int64_t> qDims = r0->c.touched();
  SmallVector<int64_t> free, batch;
  for (int64_t d = 0; d < rank; ++d)
    if (d != i && stateDims[d] >= 0)
      (qDims.contains(d) ? batch : free).push_back(d);
  if (free.size() != 1 || batch.size() > 2)
    return failure();
  int64_t j = free.front();
  // Batch dims q does not vary along (e.g. heads sharing one query) are fine.
  // The input is an outer product k ⊗ v.
  Product kPart, vPart;
  kPart.coefficient = b0.coefficient;
  for (const Factor &f : b0.factors) {
    if (f.touches(i) && f.touches(j))
      return failure();
    (f.touches(j) ? vPart : kPart).factors.push_back(f);
  }
  SmallVector<int64_t> frameBH = {batch.size() == 2 ? batch[0] : -1,
                                  batch.empty() ? -1 : batch.back()};
  SmallVector<int64_t> allowedK = {frameBH[0], frameBH[1], timeDim, i};
  SmallVector<int64_t> allowedV = {frameBH[0], frameBH[1], timeDim, j};
  if (!touchesOnly(kPart, allowedK) || !touchesOnly(vPart, allowedV) ||
      !touchesOnly(r0->c, allowedK) || vPart.factors.empty())
    return failure();
  bool perKeyGate = false;
  if (*decayed) {
    if (!touchesOnly(g0, allowedK))
      return failure();
    perKeyGate = g0.touched().contains(i);
  }

  ConcatOp concat = stack->concat;
  Location loc = concat.getLoc();
  rewriter.setInsertionPoint(concat);
  Type elt = stateType.getElementType();
  auto build = [&](const Product &p, int64_t last) {
    return materialize(rewriter, loc, p,
                       {frameBH[0], frameBH[1], timeDim, last}, frameSizes,
                       elt);
  };
  Value q = build(r0->c, i), k = build(kPart, i), v = build(vPart, j);
  Value gate = *decayed ? build(g0, perKeyGate ? i : -1) : Value();
  FailureOr<Value> init = initialState(rewriter, loc, chain, concat,
                                       {frameBH[0], frameBH[1], i, j},
                                       frameSizes);
  if (failed(init))
    return failure();
  auto size = [&](int64_t d) { return d < 0 ? int64_t(1) : frameSizes[d]; };
  auto outType = RankedTensorType::get(
      {size(frameBH[0]), size(frameBH[1]), steps, frameSizes[j]}, elt);
  auto stateOut = RankedTensorType::get(
      {size(frameBH[0]), size(frameBH[1]), frameSizes[i], frameSizes[j]}, elt);
  auto op = LinearAttentionOp::create(
      rewriter, loc, TypeRange{outType, stateOut}, q, k, v, gate, *init,
      rewriter.getF64FloatAttr(1.0), rewriter.getBoolAttr(false),
      rewriter.getF64FloatAttr(0.0));
  replaceChainResults(rewriter, loc, chain, ys, *stack, r0->yDims,
                      op.getResult(), {frameBH[0], frameBH[1], timeDim, j},
                      op.getFinalState(), {frameBH[0], frameBH[1], i, j},
                      frameSizes, timeDim);
  return success();
}

struct LinearAttentionFusionPass
    : tessera::impl::LinearAttentionFusionBase<LinearAttentionFusionPass> {
  void runOnOperation() override {
    int64_t fused = fuseRecurrenceChains(getOperation(), tryFuseChain);
    fusion::recordCounts(getOperation(), "tessera-fuse-linear-attention",
                         {{"linear-attention", fused}});
    numFused += fused;
  }
};
} // namespace
