// Trigonometric and hyperbolic tessera ops (tan, asin, ..., atanh) -> one
// linalg.generic applying the math dialect op of the same name.
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

template <typename OpTy, typename MathOp>
struct MathLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, buildElementwise(rewriter, op.getLoc(), op.getType(),
                             adaptor.getInput(),
                             [](OpBuilder &b, Location l, ValueRange a) {
                               return MathOp::create(b, l, a[0]).getResult();
                             }));
    return success();
  }
};

} // namespace

void mlir::tessera::populateTesseraMathLoweringPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<
      MathLowering<TanOp, math::TanOp>, MathLowering<AsinOp, math::AsinOp>,
      MathLowering<AcosOp, math::AcosOp>, MathLowering<AtanOp, math::AtanOp>,
      MathLowering<SinhOp, math::SinhOp>, MathLowering<CoshOp, math::CoshOp>,
      MathLowering<AsinhOp, math::AsinhOp>,
      MathLowering<AcoshOp, math::AcoshOp>,
      MathLowering<AtanhOp, math::AtanhOp>>(ctx);
}
