// f32 tessera.attention -> tessera.call_kernel of the runtime's tiled
// online-softmax kernel (tessera_attention_f32). Other element types and
// boolean or lower-rank masks are rewritten by tessera-decompose-fused
// before this runs.
#include "passes/KernelFlags.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;

namespace {
using namespace mlir::tessera::abi;

struct AttentionLowering : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = op.getType();
    if (!type.getElementType().isF32() || op.getMaskKind() == "boolean")
      return rewriter.notifyMatchFailure(op, "no kernel for this attention");
    Location loc = op.getLoc();
    Value q = adaptor.getQuery();
    Value mask = adaptor.getMask();
    int64_t flags = op.getCausal() ? kCausal : 0;
    if (op.getKvTiled())
      flags |= kKvTiled;
    if (op.getPaddingQueries())
      flags |= kPaddingQueries;
    if (mask) {
      // tessera-decompose-fused{keep-kernels} made it rank 4.
      if (cast<RankedTensorType>(mask.getType()).getRank() != 4)
        return rewriter.notifyMatchFailure(op, "mask is not rank 4");
      flags |= kHasMask;
    } else {
      mask = q; // not read: the kernel is told there is no mask
    }
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                         type.getElementType());
    ArrayAttr scalars = rewriter.getArrayAttr(
        {rewriter.getF32FloatAttr(op.getScale().convertToDouble()),
         rewriter.getI64IntegerAttr(flags)});
    auto call = CallKernelOp::create(
        rewriter, loc, TypeRange{type},
        rewriter.getStringAttr("tessera_attention_f32"),
        ValueRange{q, adaptor.getKey(), adaptor.getValue(), mask},
        ValueRange{init}, scalars);
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};
} // namespace

void mlir::tessera::populateTesseraAttentionLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AttentionLowering>(patterns.getContext());
}
