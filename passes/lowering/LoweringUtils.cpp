// Helpers shared by the tessera -> linalg lowering patterns.
#include "LoweringUtils.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

Value lowering::scalarConstant(OpBuilder &b, Location loc, Type type,
                               double value) {
  if (auto ft = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(ft, value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

static Value extremeValue(OpBuilder &b, Location loc, Type type, bool high) {
  if (auto ft = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(ft, APFloat::getInf(ft.getFloatSemantics(), !high)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt v = width == 1 ? (high ? APInt::getAllOnes(1) : APInt::getZero(1))
                       : (high ? APInt::getSignedMaxValue(width)
                               : APInt::getSignedMinValue(width));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, v));
}

Value lowering::lowestValue(OpBuilder &b, Location loc, Type type) {
  return extremeValue(b, loc, type, /*high=*/false);
}

Value lowering::highestValue(OpBuilder &b, Location loc, Type type) {
  return extremeValue(b, loc, type, /*high=*/true);
}

Value lowering::emptyTensor(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType());
}

Value lowering::concatDestination(OpBuilder &b, Location loc,
                                  RankedTensorType type, ValueRange inputs,
                                  Operation *at) {
  Operation *first = nullptr;
  if (type.hasStaticShape())
    for (Value in : inputs)
      if (Operation *def = in.getDefiningOp();
          def && def->getBlock() == at->getBlock() &&
          (!first || def->isBeforeInBlock(first)))
        first = def;
  OpBuilder::InsertionGuard guard(b);
  if (first)
    b.setInsertionPoint(first);
  return emptyTensor(b, loc, type);
}

Value lowering::insertConcatPieces(OpBuilder &b, Location loc,
                                   ValueRange inputs, Value dest, int64_t axis,
                                   int64_t offset) {
  for (Value in : inputs) {
    auto type = cast<RankedTensorType>(in.getType());
    SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
    offsets[axis] = offset;
    dest = tensor::InsertSliceOp::create(b, loc, in, dest, ValueRange{},
                                         ValueRange{}, ValueRange{}, offsets,
                                         type.getShape(), strides);
    offset += type.getDimSize(axis);
  }
  return dest;
}

Value lowering::filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                             Value value) {
  Value empty = emptyTensor(b, loc, type);
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{empty})
      .getResult(0);
}

AffineMap lowering::broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> shape,
                                 ArrayRef<int64_t> loopShape) {
  int64_t loopRank = loopShape.size();
  int64_t offset = loopRank - static_cast<int64_t>(shape.size());
  SmallVector<AffineExpr> exprs;
  for (auto [i, size] : llvm::enumerate(shape)) {
    int64_t d = offset + static_cast<int64_t>(i);
    if (size == 1 && loopShape[d] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(d, ctx));
  }
  return AffineMap::get(loopRank, 0, exprs, ctx);
}

Value lowering::buildElementwise(OpBuilder &b, Location loc,
                                 RankedTensorType resultType, ValueRange inputs,
                                 BodyFn body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value in : inputs)
    maps.push_back(broadcastMap(ctx,
                                cast<RankedTensorType>(in.getType()).getShape(),
                                resultType.getShape()));
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  SmallVector<utils::IteratorType> iters(resultType.getRank(),
                                         utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs,
      ValueRange{emptyTensor(b, loc, resultType)}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

AffineMap lowering::dropDimsMap(MLIRContext *ctx, int64_t rank,
                                ArrayRef<int64_t> dropped) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(dropped, d))
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value lowering::buildParallel(OpBuilder &b, Location loc,
                              RankedTensorType resultType, ValueRange inputs,
                              ArrayRef<AffineMap> inputMaps, BodyFn body) {
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  SmallVector<utils::IteratorType> iters(resultType.getRank(),
                                         utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs,
      ValueRange{emptyTensor(b, loc, resultType)}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args.drop_back()));
      });
  return generic.getResult(0);
}

Value lowering::buildReduction(OpBuilder &b, Location loc, Value input,
                               ArrayRef<int64_t> dims, Value init,
                               BodyFn combine) {
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t rank = inType.getRank();
  SmallVector<int64_t> shape;
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(dims, d);
    if (!reduced)
      shape.push_back(inType.getDimSize(d));
    iters.push_back(reduced ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
  }
  auto outType = RankedTensorType::get(shape, inType.getElementType());
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 dropDimsMap(ctx, rank, dims)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{outType}, ValueRange{input},
      ValueRange{filledTensor(b, loc, outType, init)}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, combine(nb, nloc, args));
      });
  return generic.getResult(0);
}

/// Groups the dims of `bigShape` so that every dim in `unitDims` joins a
/// neighbouring kept dim; empty when no dim is kept.
static SmallVector<ReassociationIndices>
unitDimReassociation(int64_t bigRank, ArrayRef<int64_t> unitDims) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (int64_t d = 0; d < bigRank; ++d) {
    pending.push_back(d);
    if (!llvm::is_contained(unitDims, d)) {
      groups.push_back(pending);
      pending.clear();
    }
  }
  if (!groups.empty())
    llvm::append_range(groups.back(), pending);
  return groups;
}

Value lowering::expandUnitDims(OpBuilder &b, Location loc, Value value,
                               RankedTensorType resultType,
                               ArrayRef<int64_t> unitDims) {
  if (value.getType() == resultType)
    return value;
  return tensor::ExpandShapeOp::create(
      b, loc, resultType, value,
      unitDimReassociation(resultType.getRank(), unitDims));
}

Value lowering::collapseUnitDims(OpBuilder &b, Location loc, Value value,
                                 RankedTensorType resultType,
                                 ArrayRef<int64_t> unitDims) {
  auto srcType = cast<RankedTensorType>(value.getType());
  if (srcType == resultType)
    return value;
  return tensor::CollapseShapeOp::create(
      b, loc, resultType, value,
      unitDimReassociation(srcType.getRank(), unitDims));
}

/// Splits a row-major reshape of static shapes `src` -> `dst` into runs
/// of consecutive dims with equal products (unit dims at the end join the
/// last run); false when a dim is 0 (or the element counts differ).
static bool reshapeRuns(ArrayRef<int64_t> src, ArrayRef<int64_t> dst,
                        SmallVector<ReassociationIndices> &srcGroups,
                        SmallVector<ReassociationIndices> &dstGroups) {
  if (llvm::is_contained(src, 0) || llvm::is_contained(dst, 0))
    return false;
  size_t i = 0, j = 0;
  while (i < src.size() && j < dst.size()) {
    ReassociationIndices a = {int64_t(i)}, c = {int64_t(j)};
    int64_t pa = src[i++], pc = dst[j++];
    while (pa != pc) {
      if (pa < pc) {
        if (i == src.size())
          return false;
        a.push_back(int64_t(i));
        pa *= src[i++];
      } else {
        if (j == dst.size())
          return false;
        c.push_back(int64_t(j));
        pc *= dst[j++];
      }
    }
    srcGroups.push_back(a);
    dstGroups.push_back(c);
  }
  for (; i < src.size(); ++i)
    srcGroups.back().push_back(int64_t(i));
  for (; j < dst.size(); ++j)
    dstGroups.back().push_back(int64_t(j));
  return true;
}

Value lowering::reshapeTensor(OpBuilder &b, Location loc, Value value,
                              RankedTensorType resultType) {
  auto srcType = cast<RankedTensorType>(value.getType());
  if (srcType == resultType)
    return value;
  if (srcType.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, resultType, value,
                                         ArrayRef<ReassociationIndices>{});
  if (resultType.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, resultType, value,
                                           ArrayRef<ReassociationIndices>{});
  if (auto assoc = getReassociationIndicesForReshape(srcType, resultType)) {
    if (srcType.getRank() > resultType.getRank())
      return tensor::CollapseShapeOp::create(b, loc, resultType, value, *assoc);
    if (srcType.getRank() < resultType.getRank())
      return tensor::ExpandShapeOp::create(b, loc, resultType, value, *assoc);
  }
  // No single collapse or expand does it: collapse each run of source dims
  // to its product, then expand that into the result's dims. The runs are
  // the finest whose products agree on both sides ([197,1,384] ->
  // [197,6,64] goes through [197,384]), so a reshape of a strided view
  // (a slice of a fused QKV projection) stays a view after bufferization,
  // where the flat vector would need a contiguous copy.
  SmallVector<ReassociationIndices> srcGroups, dstGroups;
  SmallVector<int64_t> middle;
  if (!reshapeRuns(srcType.getShape(), resultType.getShape(), srcGroups,
                   dstGroups)) {
    // Zero-sized dims: go through the flat vector.
    ReassociationIndices all, outAll;
    for (int64_t d = 0; d < srcType.getRank(); ++d)
      all.push_back(d);
    for (int64_t d = 0; d < resultType.getRank(); ++d)
      outAll.push_back(d);
    srcGroups = {all};
    dstGroups = {outAll};
  }
  for (const ReassociationIndices &group : srcGroups) {
    int64_t size = 1;
    for (int64_t d : group)
      size *= srcType.getDimSize(d);
    middle.push_back(size);
  }
  auto middleType = RankedTensorType::get(middle, srcType.getElementType());
  Value mid = value;
  if (middleType.getRank() != srcType.getRank())
    mid = tensor::CollapseShapeOp::create(b, loc, middleType, value, srcGroups);
  if (middleType.getRank() == resultType.getRank())
    return mid;
  return tensor::ExpandShapeOp::create(b, loc, resultType, mid, dstGroups);
}

Value lowering::loopIndex(OpBuilder &b, Location loc, int64_t dim, Type type) {
  Value idx = linalg::IndexOp::create(b, loc, dim);
  return arith::IndexCastOp::create(b, loc, type, idx);
}

int64_t mlir::tessera::lowering::runtimeActivationCode(StringRef activation) {
  return llvm::StringSwitch<int64_t>(activation)
      .Case("relu", 1)
      .Case("gelu", 2)
      .Case("gelu_tanh", 3)
      .Case("silu", 4)
      .Case("sigmoid", 5)
      .Case("tanh", 6)
      .Case("hardswish", 7)
      .Default(0);
}
