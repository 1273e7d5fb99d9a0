// Contractions: tessera.matmul -> linalg.matmul / linalg.batch_matmul (batch
// dims broadcast and collapsed), tessera.einsum -> one linalg.generic.
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

/// [d0..dn-3] [dn-2] [dn-1]: the batch dims fold into one.
SmallVector<ReassociationIndices> batchCollapse(int64_t rank) {
  ReassociationIndices batch;
  for (int64_t d = 0; d < rank - 2; ++d)
    batch.push_back(d);
  return {batch, {rank - 2}, {rank - 1}};
}

/// Broadcasts `value` ([..., R, C]) to `batch` + [R, C] and folds the batch
/// into one dimension: the rank-3 operand of linalg.batch_matmul.
Value toRank3(OpBuilder &b, Location loc, Value value,
              ArrayRef<int64_t> batch) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(batch);
  llvm::append_range(shape, type.getShape().take_back(2));
  auto fullType = RankedTensorType::get(shape, type.getElementType());
  if (type != fullType)
    value = buildElementwise(
        b, loc, fullType, value,
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  if (fullType.getRank() == 3)
    return value;
  int64_t count = fullType.getNumElements() /
                  (shape[shape.size() - 1] * shape[shape.size() - 2]);
  auto flatType = RankedTensorType::get(
      {count, shape[shape.size() - 2], shape.back()}, type.getElementType());
  return tensor::CollapseShapeOp::create(b, loc, flatType, value,
                                         batchCollapse(fullType.getRank()));
}

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    auto lhsType = cast<RankedTensorType>(lhs.getType());
    auto rhsType = cast<RankedTensorType>(rhs.getType());
    RankedTensorType resultType = op.getType();
    Type elt = resultType.getElementType();
    Value zero = scalarConstant(rewriter, loc, elt, 0.0);
    int64_t m = lhsType.getDimSize(lhsType.getRank() - 2);
    int64_t n = rhsType.getDimSize(rhsType.getRank() - 1);

    // A rhs whose batch dims are all 1 is one shared matrix.
    if (rhsType.getRank() > 2 &&
        llvm::all_of(rhsType.getShape().drop_back(2),
                     [](int64_t d) { return d == 1; })) {
      ReassociationIndices outer;
      for (int64_t d = 0; d + 1 < rhsType.getRank(); ++d)
        outer.push_back(d);
      rhsType = RankedTensorType::get(rhsType.getShape().take_back(2), elt);
      rhs = tensor::CollapseShapeOp::create(
          rewriter, loc, rhsType, rhs,
          ArrayRef<ReassociationIndices>{outer,
                                         {static_cast<int64_t>(outer.size())}});
    }

    // Plain 2-d, or a batched lhs against a shared rhs: fold the batch into M.
    if (rhsType.getRank() == 2) {
      int64_t rows = lhsType.getNumElements() / lhsType.getShape().back();
      auto lhs2Type =
          RankedTensorType::get({rows, lhsType.getShape().back()}, elt);
      Value lhs2 = lhs;
      if (lhsType.getRank() > 2) {
        ReassociationIndices outer;
        for (int64_t d = 0; d + 1 < lhsType.getRank(); ++d)
          outer.push_back(d);
        lhs2 = tensor::CollapseShapeOp::create(
            rewriter, loc, lhs2Type, lhs,
            ArrayRef<ReassociationIndices>{outer, {lhsType.getRank() - 1}});
      }
      auto out2Type = RankedTensorType::get({rows, n}, elt);
      Value init = filledTensor(rewriter, loc, out2Type, zero);
      Value mm =
          linalg::MatmulOp::create(rewriter, loc, TypeRange{out2Type},
                                   ValueRange{lhs2, rhs}, ValueRange{init})
              .getResult(0);
      if (resultType.getRank() > 2) {
        ReassociationIndices outer;
        for (int64_t d = 0; d + 1 < resultType.getRank(); ++d)
          outer.push_back(d);
        mm = tensor::ExpandShapeOp::create(
            rewriter, loc, resultType, mm,
            ArrayRef<ReassociationIndices>{outer, {resultType.getRank() - 1}});
      }
      rewriter.replaceOp(op, mm);
      return success();
    }

    ArrayRef<int64_t> batch = resultType.getShape().drop_back(2);
    Value lhs3 = toRank3(rewriter, loc, lhs, batch);
    Value rhs3 = toRank3(rewriter, loc, rhs, batch);
    int64_t count = cast<RankedTensorType>(lhs3.getType()).getDimSize(0);
    auto out3Type = RankedTensorType::get({count, m, n}, elt);
    Value init = filledTensor(rewriter, loc, out3Type, zero);
    Value bmm =
        linalg::BatchMatmulOp::create(rewriter, loc, TypeRange{out3Type},
                                      ValueRange{lhs3, rhs3}, ValueRange{init})
            .getResult(0);
    if (resultType.getRank() != 3)
      bmm = tensor::ExpandShapeOp::create(rewriter, loc, resultType, bmm,
                                          batchCollapse(resultType.getRank()));
    rewriter.replaceOp(op, bmm);
    return success();
  }
};

/// Letters become loop dims: output letters first (parallel), then the
/// summed letters (reduction) in order of first appearance. A letter repeated
/// in one operand reuses its loop dim, which reads the diagonal.
struct EinsumLowering : OpConversionPattern<EinsumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EinsumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<EinsumSpec> spec = parseEinsum(op.getEquation());
    if (failed(spec))
      return rewriter.notifyMatchFailure(op, "unparsable equation");
    MLIRContext *ctx = rewriter.getContext();
    int64_t dimOf[26];
    std::fill(std::begin(dimOf), std::end(dimOf), -1);
    int64_t numDims = 0;
    for (char c : spec->output) {
      if (dimOf[c - 'a'] != -1)
        return rewriter.notifyMatchFailure(op, "repeated output letter");
      dimOf[c - 'a'] = numDims++;
    }
    int64_t numParallel = numDims;
    for (const std::string &sub : spec->inputs)
      for (char c : sub)
        if (dimOf[c - 'a'] == -1)
          dimOf[c - 'a'] = numDims++;

    auto mapFor = [&](StringRef sub) {
      SmallVector<AffineExpr> exprs;
      for (char c : sub)
        exprs.push_back(getAffineDimExpr(dimOf[c - 'a'], ctx));
      return AffineMap::get(numDims, 0, exprs, ctx);
    };
    SmallVector<AffineMap> maps;
    for (const std::string &sub : spec->inputs)
      maps.push_back(mapFor(sub));
    maps.push_back(mapFor(spec->output));
    SmallVector<utils::IteratorType> iters(numDims,
                                           utils::IteratorType::reduction);
    std::fill_n(iters.begin(), numParallel, utils::IteratorType::parallel);

    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type elt = resultType.getElementType();
    Value init = filledTensor(rewriter, loc, resultType,
                              scalarConstant(rewriter, loc, elt, 0.0));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, adaptor.getInputs(),
        ValueRange{init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value prod = args[0];
          for (Value v : args.drop_front().drop_back())
            prod = isFloat(elt)
                       ? arith::MulFOp::create(b, l, prod, v).getResult()
                       : arith::MulIOp::create(b, l, prod, v).getResult();
          Value acc = args.back();
          Value sum = isFloat(elt)
                          ? arith::AddFOp::create(b, l, acc, prod).getResult()
                          : arith::AddIOp::create(b, l, acc, prod).getResult();
          linalg::YieldOp::create(b, l, sum);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void mlir::tessera::populateTesseraContractionLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<MatmulLowering, EinsumLowering>(patterns.getContext());
}
