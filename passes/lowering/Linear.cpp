// f32 tessera.linear -> tessera.call_kernel of the runtime's GEMM with a
// fused epilogue (tessera_linear_f32): the bias initialises each output
// block, activation and residual are applied while the block is in cache,
// and a constant weight is packed once (constant_mask).
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;

namespace {
/// Flags of tessera_linear_f32 (runtime/include/tessera_runtime.h).
enum LinearFlags : int64_t { kHasBias = 16, kHasResidual = 32, kTransposedB = 64 };

/// `v` ([..., n]) as a matrix [rows, n].
Value asMatrix(OpBuilder &b, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  int64_t n = t.getShape().back(), rows = t.getNumElements() / std::max<int64_t>(n, 1);
  auto type = RankedTensorType::get({rows, n}, t.getElementType());
  if (t.getRank() == 2)
    return v;
  if (t.getRank() == 1)
    return tensor::ExpandShapeOp::create(b, loc, type, v,
                                         ArrayRef<ReassociationIndices>{{0, 1}});
  ReassociationIndices lead;
  for (int64_t i = 0; i + 1 < t.getRank(); ++i)
    lead.push_back(i);
  return tensor::CollapseShapeOp::create(
      b, loc, type, v,
      ArrayRef<ReassociationIndices>{lead, {t.getRank() - 1}});
}

struct LinearLowering : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = op.getType();
    if (!type.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "no kernel for this linear");
    Location loc = op.getLoc();
    Type f32 = type.getElementType();
    Value x = asMatrix(rewriter, loc, adaptor.getInput());
    auto xt = cast<RankedTensorType>(x.getType());
    int64_t m = xt.getDimSize(0), n = type.getShape().back();
    auto outType = RankedTensorType::get({m, n}, f32);
    Value init = tensor::EmptyOp::create(rewriter, loc, outType.getShape(), f32);
    int64_t flags = lowering::runtimeActivationCode(op.getActivation());
    if (op.getTransposeWeight())
      flags |= kTransposedB;
    // Absent operands are passed as unread stand-ins of the right rank.
    Value bias = adaptor.getBias();
    if (bias)
      flags |= kHasBias;
    else
      bias = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{0}, f32);
    Value residual = adaptor.getResidual();
    if (residual) {
      flags |= kHasResidual;
      residual = asMatrix(rewriter, loc, residual);
    } else {
      residual = x;
    }
    auto call = CallKernelOp::create(
        rewriter, loc, TypeRange{outType},
        rewriter.getStringAttr("tessera_linear_f32"),
        ValueRange{x, adaptor.getWeight(), bias, residual}, ValueRange{init},
        rewriter.getArrayAttr({rewriter.getI64IntegerAttr(flags)}),
        rewriter.getUnitAttr());
    Value result = call.getResult(0);
    if (type.getRank() != 2) {
      SmallVector<ReassociationIndices> groups;
      if (type.getRank() == 1) {
        groups.push_back({0, 1});
      } else {
        ReassociationIndices lead;
        for (int64_t i = 0; i + 1 < type.getRank(); ++i)
          lead.push_back(i);
        groups = {lead, {type.getRank() - 1}};
      }
      if (type.getRank() == 1)
        result = tensor::CollapseShapeOp::create(rewriter, loc, type, result,
                                                 groups);
      else
        result = tensor::ExpandShapeOp::create(rewriter, loc, type, result,
                                               groups);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void mlir::tessera::populateTesseraLinearLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LinearLowering>(patterns.getContext());
}
