// f32 SSM ops -> tessera.call_kernel of their runtime kernels
// (runtime/cpu/Ssm.cpp): tessera_selective_scan_f32,
// tessera_causal_conv1d_f32 and tessera_linear_attention_f32. Other element
// types are rewritten by tessera-decompose-fused before this runs.
#include "LoweringUtils.h"
#include "passes/KernelFlags.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;

namespace {
using namespace mlir::tessera::abi;
/// Flags of the other kernels (runtime/include/tessera_runtime.h).
enum CausalConvFlags : int64_t { kConvHasBias = 16, kConvChannelsLast = 256 };
enum LinearAttentionFlags : int64_t {
  kLinAttnGate = 1,
  kLinAttnNormalize = 2,
  kLinAttnInitialState = 4,
};

Value emptyOf(OpBuilder &b, Location loc, Type type) {
  auto t = cast<RankedTensorType>(type);
  return tensor::EmptyOp::create(b, loc, t.getShape(), t.getElementType());
}

/// An unread stand-in for an absent rank-1 operand.
Value emptyVector(OpBuilder &b, Location loc) {
  return tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{0}, b.getF32Type());
}

bool isF32(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType().isF32();
}

struct SelectiveScanLowering : OpConversionPattern<SelectiveScanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SelectiveScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isF32(op.getX()))
      return rewriter.notifyMatchFailure(op, "no kernel for this type");
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    int64_t flags = op.getDeltaSoftplus() ? kScanSoftplus : 0;
    // A per-channel B/C [D, N] is passed as [1, D, N].
    auto asRank3 = [&](Value v, int64_t flag) {
      auto t = cast<RankedTensorType>(v.getType());
      if (t.getRank() == 3)
        return v;
      flags |= flag;
      auto type = RankedTensorType::get(
          {1, t.getDimSize(0), t.getDimSize(1)}, t.getElementType());
      return Value(tensor::ExpandShapeOp::create(
          rewriter, loc, type, v, SmallVector<ReassociationIndices>{{0, 1}, {2}}));
    };
    Value b = asRank3(adaptor.getB(), kScanBPerChannel);
    Value c = asRank3(adaptor.getC(), kScanCPerChannel);
    auto optional = [&](Value v, int64_t flag, Value standIn) {
      if (!v)
        return standIn;
      flags |= flag;
      return v;
    };
    Value d = optional(adaptor.getD(), kScanHasD, emptyVector(rewriter, loc));
    Value z = optional(adaptor.getZ(), kScanHasZ, x);
    Value bias = optional(adaptor.getDeltaBias(), kScanHasDeltaBias,
                          emptyVector(rewriter, loc));
    Value h0 = optional(adaptor.getInitialState(), kScanHasInitialState, x);
    auto call = CallKernelOp::create(
        rewriter, loc, op->getResultTypes(),
        rewriter.getStringAttr("tessera_selective_scan_f32"),
        ValueRange{x, adaptor.getDelta(), adaptor.getA(), b, c, d, z, bias, h0},
        ValueRange{emptyOf(rewriter, loc, op.getY().getType()),
                   emptyOf(rewriter, loc, op.getFinalState().getType())},
        rewriter.getArrayAttr({rewriter.getI64IntegerAttr(flags)}));
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};

struct CausalConv1dLowering : OpConversionPattern<CausalConv1dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CausalConv1dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isF32(op.getInput()))
      return rewriter.notifyMatchFailure(op, "no kernel for this type");
    Location loc = op.getLoc();
    int64_t flags = lowering::runtimeActivationCode(op.getActivation());
    Value bias = adaptor.getBias();
    if (bias)
      flags |= kConvHasBias;
    else
      bias = emptyVector(rewriter, loc);
    if (op.getChannelsLast())
      flags |= kConvChannelsLast;
    auto call = CallKernelOp::create(
        rewriter, loc, TypeRange{op.getType()},
        rewriter.getStringAttr("tessera_causal_conv1d_f32"),
        ValueRange{adaptor.getInput(), adaptor.getWeight(), bias},
        ValueRange{emptyOf(rewriter, loc, op.getType())},
        rewriter.getArrayAttr({rewriter.getI64IntegerAttr(op.getDilation()),
                               rewriter.getI64IntegerAttr(flags)}));
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};

struct LinearAttentionLowering : OpConversionPattern<LinearAttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LinearAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isF32(op.getQuery()))
      return rewriter.notifyMatchFailure(op, "no kernel for this type");
    Location loc = op.getLoc();
    Value q = adaptor.getQuery();
    int64_t flags = op.getNormalize() ? kLinAttnNormalize : 0;
    Value gate = adaptor.getGate();
    if (gate)
      flags |= kLinAttnGate;
    else
      gate = q;
    Value s0 = adaptor.getInitialState();
    if (s0)
      flags |= kLinAttnInitialState;
    else
      s0 = q;
    auto call = CallKernelOp::create(
        rewriter, loc, op->getResultTypes(),
        rewriter.getStringAttr("tessera_linear_attention_f32"),
        ValueRange{q, adaptor.getKey(), adaptor.getValue(), gate, s0},
        ValueRange{emptyOf(rewriter, loc, op.getResult().getType()),
                   emptyOf(rewriter, loc, op.getFinalState().getType())},
        rewriter.getArrayAttr(
            {rewriter.getF32FloatAttr(op.getScale().convertToDouble()),
             rewriter.getF32FloatAttr(op.getEpsilon().convertToDouble()),
             rewriter.getI64IntegerAttr(flags)}));
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};
} // namespace

void mlir::tessera::populateTesseraSsmLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SelectiveScanLowering, CausalConv1dLowering,
               LinearAttentionLowering>(patterns.getContext());
}
