// tessera.token_merge -> tessera.call_kernel of the runtime's ToMe kernel
// (tessera_token_merge_f32). The op has no decomposition into primitive ops
// (it sorts): the kernel is its only lowering, on every target with a
// runtime, and tests check it against a numpy implementation of ToMe.
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
} // namespace

void mlir::tessera::populateTesseraTokenMergeLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<TokenMergeLowering>(patterns.getContext());
}
