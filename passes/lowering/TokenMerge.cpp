// tessera.token_merge and tessera.token_prune -> tessera.call_kernel of the
// runtime's kernels (tessera_token_merge_f32, tessera_token_prune_f32). The
// ops have no decomposition into primitive ops (they sort): the kernels are
// their only lowering, on every target with a runtime, and tests check them
// against torch implementations of ToMe and of pruning.
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;

namespace {
/// `op` (result [B, T', C] and sizes [B, T']) as a call of the runtime's
/// `kernel` on `inputs`, into fresh result tensors, with `scalars`.
void replaceWithKernel(Operation *op, StringRef kernel, ValueRange inputs,
                       ArrayRef<int64_t> scalars,
                       ConversionPatternRewriter &rewriter) {
  Location loc = op->getLoc();
  SmallVector<Value> inits;
  for (Type t : op->getResultTypes()) {
    auto type = cast<RankedTensorType>(t);
    inits.push_back(tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                            type.getElementType()));
  }
  SmallVector<Attribute> attrs;
  for (int64_t s : scalars)
    attrs.push_back(rewriter.getI64IntegerAttr(s));
  auto call = CallKernelOp::create(rewriter, loc, op->getResultTypes(),
                                   rewriter.getStringAttr(kernel), inputs,
                                   inits, rewriter.getArrayAttr(attrs));
  rewriter.replaceOp(op, call.getResults());
}

struct TokenMergeLowering : OpConversionPattern<TokenMergeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TokenMergeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    replaceWithKernel(
        op, "tessera_token_merge_f32",
        {adaptor.getInput(), adaptor.getMetric(), adaptor.getSize()},
        {int64_t(op.getR()), op.getProtectFirst() ? 1 : 0}, rewriter);
    return success();
  }
};

struct TokenPruneLowering : OpConversionPattern<TokenPruneOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TokenPruneOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    replaceWithKernel(
        op, "tessera_token_prune_f32",
        {adaptor.getInput(), adaptor.getScores(), adaptor.getSize()},
        {int64_t(op.getKeep())}, rewriter);
    return success();
  }
};
} // namespace

void mlir::tessera::populateTesseraTokenMergeLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<TokenMergeLowering, TokenPruneLowering>(patterns.getContext());
}
