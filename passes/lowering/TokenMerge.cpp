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
struct TokenMergeLowering : OpConversionPattern<TokenMergeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TokenMergeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    auto sizeType = op.getResultSize().getType();
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                         type.getElementType());
    Value sizeInit = tensor::EmptyOp::create(
        rewriter, loc, sizeType.getShape(), sizeType.getElementType());
    ArrayAttr scalars = rewriter.getArrayAttr(
        {rewriter.getI64IntegerAttr(op.getR()),
         rewriter.getI64IntegerAttr(op.getProtectFirst() ? 1 : 0)});
    auto call = CallKernelOp::create(
        rewriter, loc, TypeRange{type, sizeType},
        rewriter.getStringAttr("tessera_token_merge_f32"),
        ValueRange{adaptor.getInput(), adaptor.getMetric(), adaptor.getSize()},
        ValueRange{init, sizeInit}, scalars);
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};

struct TokenPruneLowering : OpConversionPattern<TokenPruneOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TokenPruneOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    auto sizeType = op.getResultSize().getType();
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                         type.getElementType());
    Value sizeInit = tensor::EmptyOp::create(rewriter, loc, sizeType.getShape(),
                                             sizeType.getElementType());
    auto call = CallKernelOp::create(
        rewriter, loc, TypeRange{type, sizeType},
        rewriter.getStringAttr("tessera_token_prune_f32"),
        ValueRange{adaptor.getInput(), adaptor.getScores(), adaptor.getSize()},
        ValueRange{init, sizeInit},
        rewriter.getArrayAttr({rewriter.getI64IntegerAttr(op.getKeep())}));
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};
} // namespace

void mlir::tessera::populateTesseraTokenMergeLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<TokenMergeLowering, TokenPruneLowering>(patterns.getContext());
}
