// The convert-tessera-to-linalg pass: gathers every family's patterns and
// runs them with the dialect-conversion framework; tessera.constant lowers
// here.
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_CONVERTTESSERATOLINALG
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {
/// tessera.constant -> arith.constant; the attribute (dense or
/// dense_resource) moves over unchanged.
struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, op.getType(), cast<TypedAttr>(op.getValue()));
    return success();
  }
};

struct ConvertTesseraToLinalgPass
    : tessera::impl::ConvertTesseraToLinalgBase<ConvertTesseraToLinalgPass> {
  using ConvertTesseraToLinalgBase::ConvertTesseraToLinalgBase;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<TesseraDialect>();
    // Runtime kernel calls stay until bufferization.
    target.addLegalOp<CallKernelOp>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect,
                           func::FuncDialect, scf::SCFDialect>();
    RewritePatternSet patterns(ctx);
    populateTesseraToLinalgPatterns(patterns, convKernel, normKernels);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::tessera::populateTesseraToLinalgPatterns(RewritePatternSet &patterns,
                                                    bool convKernel,
                                                    bool normKernels) {
  patterns.add<ConstantLowering>(patterns.getContext());
  populateTesseraElementwiseLoweringPatterns(patterns);
  populateTesseraContractionLoweringPatterns(patterns);
  populateTesseraReductionLoweringPatterns(patterns);
  populateTesseraNormalizationLoweringPatterns(patterns, normKernels);
  populateTesseraDataMovementLoweringPatterns(patterns);
  populateTesseraConvLoweringPatterns(patterns, convKernel);
  populateTesseraScanLoweringPatterns(patterns);
  populateTesseraPoolingLoweringPatterns(patterns, convKernel);
  populateTesseraIndexingLoweringPatterns(patterns);
  populateTesseraMathLoweringPatterns(patterns);
  populateTesseraResizeLoweringPatterns(patterns);
  populateTesseraAttentionLoweringPatterns(patterns);
  populateTesseraTokenMergeLoweringPatterns(patterns);
  populateTesseraLinearLoweringPatterns(patterns);
  populateTesseraSsmLoweringPatterns(patterns);
}
