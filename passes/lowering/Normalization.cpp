// Softmax, log-softmax and layer norm -> linalg.generic reductions and
// parallel generics (max-subtracted for stability); for the CUDA target, f32
// layer and RMS norms -> calls of its row kernels.
#include "LoweringUtils.h"
#include "passes/KernelFlags.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

Value addf(OpBuilder &b, Location l, ValueRange a) {
  return arith::AddFOp::create(b, l, a[0], a[1]);
}

/// max, e^(x - max), sum, then divide (softmax) or subtract log(sum)
/// (log-softmax).
template <typename OpTy, bool IsLog>
struct SoftmaxLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    RankedTensorType type = op.getType();
    Type elt = type.getElementType();
    int64_t axis = op.getAxis(), rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reduced = dropDimsMap(ctx, rank, {axis});

    Value max = buildReduction(
        rewriter, loc, x, {axis}, lowestValue(rewriter, loc, elt),
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          return arith::MaximumFOp::create(b, l, a[0], a[1]);
        });
    Value shifted =
        buildParallel(rewriter, loc, type, {x, max}, {id, reduced},
                      [](OpBuilder &b, Location l, ValueRange a) -> Value {
                        return arith::SubFOp::create(b, l, a[0], a[1]);
                      });
    Value exps =
        buildParallel(rewriter, loc, type, shifted, {id},
                      [](OpBuilder &b, Location l, ValueRange a) -> Value {
                        return math::ExpOp::create(b, l, a[0]);
                      });
    Value sum = buildReduction(rewriter, loc, exps, {axis},
                               scalarConstant(rewriter, loc, elt, 0.0), addf);
    Value result;
    if (IsLog)
      result =
          buildParallel(rewriter, loc, type, {shifted, sum}, {id, reduced},
                        [](OpBuilder &b, Location l, ValueRange a) -> Value {
                          return arith::SubFOp::create(
                              b, l, a[0], math::LogOp::create(b, l, a[1]));
                        });
    else
      result =
          buildParallel(rewriter, loc, type, {exps, sum}, {id, reduced},
                        [](OpBuilder &b, Location l, ValueRange a) -> Value {
                          return arith::DivFOp::create(b, l, a[0], a[1]);
                        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// mean and variance over dims axis..rank-1, then
/// (x - mean) * rsqrt(var + eps) * scale + bias.
struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    RankedTensorType type = op.getType();
    Type elt = type.getElementType();
    int64_t axis = op.getAxis(), rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<int64_t> dims;
    int64_t count = 1;
    for (int64_t d = axis; d < rank; ++d) {
      dims.push_back(d);
      count *= type.getDimSize(d);
    }
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reduced = dropDimsMap(ctx, rank, dims);
    Value zero = scalarConstant(rewriter, loc, elt, 0.0);
    Value n = scalarConstant(rewriter, loc, elt, static_cast<double>(count));

    Value sum = buildReduction(rewriter, loc, x, dims, zero, addf);
    auto statType = cast<RankedTensorType>(sum.getType());
    Value mean = buildParallel(
        rewriter, loc, statType, sum, {rewriter.getMultiDimIdentityMap(axis)},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          return arith::DivFOp::create(b, l, a[0], n);
        });
    Value centered =
        buildParallel(rewriter, loc, type, {x, mean}, {id, reduced},
                      [](OpBuilder &b, Location l, ValueRange a) -> Value {
                        return arith::SubFOp::create(b, l, a[0], a[1]);
                      });
    Value sq =
        buildReduction(rewriter, loc, centered, dims, zero,
                       [](OpBuilder &b, Location l, ValueRange a) -> Value {
                         Value sq = arith::MulFOp::create(b, l, a[0], a[0]);
                         return arith::AddFOp::create(b, l, sq, a[1]);
                       });
    double epsValue = op.getEpsilon().convertToDouble();
    Value invStd = buildParallel(
        rewriter, loc, statType, sq, {rewriter.getMultiDimIdentityMap(axis)},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value var = arith::DivFOp::create(b, l, a[0], n);
          Value eps = scalarConstant(b, l, elt, epsValue);
          return math::RsqrtOp::create(b, l,
                                       arith::AddFOp::create(b, l, var, eps));
        });

    SmallVector<Value> inputs = {centered, invStd, adaptor.getScale()};
    SmallVector<AffineMap> maps = {id, reduced};
    for (Value param : {adaptor.getScale(), adaptor.getBias()}) {
      if (!param)
        continue;
      maps.push_back(
          broadcastMap(ctx, cast<RankedTensorType>(param.getType()).getShape(),
                       type.getShape()));
    }
    if (adaptor.getBias())
      inputs.push_back(adaptor.getBias());
    Value result =
        buildParallel(rewriter, loc, type, inputs, maps,
                      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                        Value norm = arith::MulFOp::create(b, l, a[0], a[1]);
                        Value scaled = arith::MulFOp::create(b, l, norm, a[2]);
                        if (a.size() > 3)
                          return arith::AddFOp::create(b, l, scaled, a[3]);
                        return scaled;
                      });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

bool mlir::tessera::normKernelFits(Operation *op) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t axis = op->getAttrOfType<IntegerAttr>("axis").getInt();
  if (!type.getElementType().isF32() || !type.hasStaticShape() || axis < 1 ||
      axis >= type.getRank())
    return false;
  int64_t count = 1;
  for (int64_t d = axis; d < type.getRank(); ++d)
    count *= type.getDimSize(d);
  // Operands 1 (scale) and 2 (a layer norm's bias): numpy-broadcastable to
  // the normalized dimensions (the verifier's rule), so as many elements
  // means the same shape up to leading ones.
  for (Value param : op->getOperands().drop_front()) {
    auto pt = cast<RankedTensorType>(param.getType());
    if (!pt.hasStaticShape() || pt.getNumElements() != count)
      return false;
  }
  return true;
}

namespace {

/// A static tensor as its rows: leading dimensions [0, axis) and the rest
/// collapsed, [R, C] (or, with axis 0 collapsing nothing, [count]).
Value collapseTo(ConversionPatternRewriter &rewriter, Location loc, Value v,
                 int64_t axis) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() == (axis > 0 ? 2 : 1))
    return v;
  SmallVector<ReassociationIndices> groups;
  if (axis > 0)
    groups.push_back(llvm::to_vector(llvm::seq<int64_t>(0, axis)));
  groups.push_back(llvm::to_vector(llvm::seq<int64_t>(axis, type.getRank())));
  return tensor::CollapseShapeOp::create(rewriter, loc, v, groups);
}

/// f32 layer norm / RMS norm -> tessera_{layer,rms}_norm_f32(x [R, C],
/// scale [C], bias [C]; y [R, C]; epsilon, flags): the CPU runtime's row
/// kernels, or the CUDA target's generated ones (tessera-gpu-expand-kernels);
/// flags 1 (TESSERA_NORM_BIAS): add the bias (else the bias operand is the
/// scale, not read).
template <typename OpTy> struct RowNormLowering : OpConversionPattern<OpTy> {
  RowNormLowering(MLIRContext *ctx, StringRef kernel)
      : OpConversionPattern<OpTy>(ctx, /*benefit=*/2), kernel(kernel) {}

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!normKernelFits(op))
      return rewriter.notifyMatchFailure(op, "not a row-kernel norm");
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t axis = op.getAxis();
    Value x = collapseTo(rewriter, loc, adaptor.getInput(), axis);
    Value scale = collapseTo(rewriter, loc, adaptor.getScale(), 0);
    Value bias = scale;
    int64_t flags = 0;
    if constexpr (std::is_same_v<OpTy, LayerNormOp>) {
      if (Value b = adaptor.getBias()) {
        bias = collapseTo(rewriter, loc, b, 0);
        flags = abi::kNormHasBias;
      }
    }
    auto rowsType = cast<RankedTensorType>(x.getType());
    Value init = tensor::EmptyOp::create(rewriter, loc, rowsType.getShape(),
                                         rowsType.getElementType());
    auto call = CallKernelOp::create(
        rewriter, loc, TypeRange{rowsType}, rewriter.getStringAttr(kernel),
        ValueRange{x, scale, bias}, ValueRange{init},
        rewriter.getArrayAttr(
            {rewriter.getF32FloatAttr(op.getEpsilon().convertToDouble()),
             rewriter.getI64IntegerAttr(flags)}));
    if (type.getRank() == 2) {
      rewriter.replaceOp(op, call.getResult(0));
      return success();
    }
    SmallVector<ReassociationIndices> groups = {
        llvm::to_vector(llvm::seq<int64_t>(0, axis)),
        llvm::to_vector(llvm::seq<int64_t>(axis, type.getRank()))};
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
        op, type, call.getResult(0), groups);
    return success();
  }

  std::string kernel;
};

} // namespace

void mlir::tessera::populateTesseraNormalizationLoweringPatterns(
    RewritePatternSet &patterns, bool normKernels) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<SoftmaxLowering<SoftmaxOp, false>,
               SoftmaxLowering<LogSoftmaxOp, true>, LayerNormLowering>(ctx);
  if (normKernels) {
    patterns.add<RowNormLowering<LayerNormOp>>(ctx, "tessera_layer_norm_f32");
    patterns.add<RowNormLowering<RmsNormOp>>(ctx, "tessera_rms_norm_f32");
  }
}
