// The token axis through ops (TokenAxes.h).
#include "passes/token_merge/TokenAxes.h"

#include "tessera/IR/TesseraOps.h"

using namespace mlir;
using namespace mlir::tessera;

namespace mlir::tessera::token_merge {
namespace {

int64_t product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    p *= d;
  return p;
}

/// `axis` (of `n` indices) of a tensor shaped `from` in the same data
/// reshaped to `to`: the dimension that holds the whole run of its strides.
std::optional<Axis> reshapeAxis(ArrayRef<int64_t> from, ArrayRef<int64_t> to,
                                Axis axis, int64_t n) {
  int64_t stride = axis.inner * product(from.drop_front(axis.dim + 1));
  int64_t span = n * stride;
  for (int64_t j = 0, e = to.size(); j < e; ++j) {
    int64_t sj = product(to.drop_front(j + 1));
    if (stride % sj == 0 && (sj * to[j]) % span == 0)
      return Axis{j, sj * to[j] / span, stride / sj};
  }
  return std::nullopt;
}

/// The dimension of a broadcast result (rank `resultRank`) that operand
/// dimension `dim` (of rank `rank`) aligns with.
int64_t aligned(int64_t dim, int64_t rank, int64_t resultRank) {
  return dim + resultRank - rank;
}

bool isElementwise(Operation *op) {
  return op->hasTrait<tessera::OpTrait::NumpyBroadcast>() ||
         op->hasTrait<mlir::OpTrait::SameOperandsAndResultType>() ||
         isa<CastOp, GeluTanhOp>(op);
}

} // namespace

std::optional<ArrayRef<int64_t>> reduceAxes(Operation *op) {
  if (auto r = dyn_cast<ReduceMeanOp>(op))
    return r.getAxes();
  if (auto r = dyn_cast<ReduceSumOp>(op))
    return r.getAxes();
  if (auto r = dyn_cast<ReduceMaxOp>(op))
    return r.getAxes();
  if (auto r = dyn_cast<ReduceMinOp>(op))
    return r.getAxes();
  if (auto r = dyn_cast<ReduceProdOp>(op))
    return r.getAxes();
  return std::nullopt;
}

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

std::optional<Axis> mapAxis(Operation *op, unsigned index, Axis axis, int64_t n,
                            ArrayRef<int64_t> operandShape) {
  if (op->getNumResults() != 1)
    return std::nullopt;
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType)
    return std::nullopt;
  ArrayRef<int64_t> result = resultType.getShape();
  int64_t rank = operandShape.size(), resultRank = result.size();
  auto same = [&]() -> std::optional<Axis> { return axis; };
  if (isElementwise(op)) {
    Axis out = axis;
    out.dim = aligned(axis.dim, rank, resultRank);
    if (result[out.dim] != operandShape[axis.dim])
      return std::nullopt;
    return out;
  }
  if (auto norm = dyn_cast<LayerNormOp>(op))
    return index == 0 && axis.dim < norm.getAxis() ? same() : std::nullopt;
  if (auto norm = dyn_cast<RmsNormOp>(op))
    return index == 0 && axis.dim < norm.getAxis() ? same() : std::nullopt;
  if (auto sm = dyn_cast<SoftmaxOp>(op))
    return axis.dim != sm.getAxis() ? same() : std::nullopt;
  if (auto sm = dyn_cast<LogSoftmaxOp>(op))
    return axis.dim != sm.getAxis() ? same() : std::nullopt;
  if (isa<LinearOp, QLinearOp>(op)) {
    // The input and the residual (same shape as the result).
    bool residual = false;
    if (auto linear = dyn_cast<LinearOp>(op))
      residual = linear.getResidual() && index == 3 - !linear.getBias();
    if ((index != 0 && !residual) || axis.dim + 1 >= rank)
      return std::nullopt;
    return same();
  }
  if (isa<GluOp>(op))
    return axis.dim + 1 < rank ? same() : std::nullopt;
  if (isa<ReshapeOp>(op))
    return reshapeAxis(operandShape, result, axis, n);
  if (auto t = dyn_cast<TransposeOp>(op)) {
    ArrayRef<int64_t> perm = t.getPerm();
    auto it = llvm::find(perm, axis.dim);
    Axis out = axis;
    out.dim = it - perm.begin();
    return out;
  }
  if (auto s = dyn_cast<SliceOp>(op)) {
    if (s.getStarts()[axis.dim] != 0 || s.getSteps()[axis.dim] != 1 ||
        result[axis.dim] != operandShape[axis.dim])
      return std::nullopt;
    return same();
  }
  if (auto g = dyn_cast<GatherOp>(op)) {
    int64_t gAxis = g.getAxis() < 0 ? g.getAxis() + rank : g.getAxis();
    if (index != 0 || gAxis == axis.dim)
      return std::nullopt;
    Axis out = axis;
    if (axis.dim > gAxis)
      out.dim += shapeOf(g.getIndices()).size() - 1;
    return out;
  }
  if (isa<BroadcastToOp>(op)) {
    Axis out = axis;
    out.dim = aligned(axis.dim, rank, resultRank);
    if (result[out.dim] != operandShape[axis.dim])
      return std::nullopt;
    return out;
  }
  auto reduce = [&](ArrayRef<int64_t> axes,
                    bool keepdims) -> std::optional<Axis> {
    if (llvm::is_contained(axes, axis.dim))
      return std::nullopt;
    Axis out = axis;
    if (!keepdims)
      out.dim -= llvm::count_if(axes, [&](int64_t a) { return a < axis.dim; });
    return out;
  };
  if (auto r = dyn_cast<ReduceMeanOp>(op))
    return reduce(r.getAxes(), r.getKeepdims());
  if (auto r = dyn_cast<ReduceSumOp>(op))
    return reduce(r.getAxes(), r.getKeepdims());
  if (auto r = dyn_cast<ReduceMaxOp>(op))
    return reduce(r.getAxes(), r.getKeepdims());
  if (auto r = dyn_cast<ReduceMinOp>(op))
    return reduce(r.getAxes(), r.getKeepdims());
  if (isa<MatmulOp>(op)) {
    // Rows or a batch dimension of the left operand.
    if (index != 0 || axis.dim + 1 >= rank)
      return std::nullopt;
    Axis out = axis;
    out.dim = aligned(axis.dim, rank, resultRank);
    return out;
  }
  if (isa<AttentionOp>(op)) {
    // Query rows (index 2 of [B, H, S, D]) or the batch in B or H.
    if (index != 0 || axis.dim == 3)
      return std::nullopt;
    return same();
  }
  return std::nullopt;
}

SmallVector<int64_t> withCount(ArrayRef<int64_t> shape, Axis axis, int64_t n) {
  SmallVector<int64_t> out(shape);
  out[axis.dim] = axis.outer * n * axis.inner;
  return out;
}

Value reshape(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getShape() == shape)
    return v;
  return ReshapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v);
}

Value transpose(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  return TransposeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v,
      b.getDenseI64ArrayAttr(perm));
}

Value layOut(OpBuilder &b, Location loc, Value perToken, int64_t rank,
             Axis batch, int64_t tokenDim) {
  ArrayRef<int64_t> bn = shapeOf(perToken);
  int64_t B = bn[0], n = bn[1];
  if (batch.dim > tokenDim)
    perToken = transpose(b, loc, perToken, {1, 0});
  // Expanded: the batch dimension split as [outer, B, inner].
  SmallVector<int64_t> unit, full, result;
  for (int64_t d = 0; d < rank; ++d) {
    if (d == batch.dim) {
      unit.append({1, B, 1});
      full.append({batch.outer, B, batch.inner});
      result.push_back(batch.outer * B * batch.inner);
    } else {
      unit.push_back(d == tokenDim ? n : 1);
      full.push_back(d == tokenDim ? n : 1);
      result.push_back(d == tokenDim ? n : 1);
    }
  }
  if (batch.plain())
    return reshape(b, loc, perToken, result);
  Value v = reshape(b, loc, perToken, unit);
  v = BroadcastToOp::create(
      b, loc,
      RankedTensorType::get(full,
                            cast<ShapedType>(v.getType()).getElementType()),
      v);
  return reshape(b, loc, v, result);
}

} // namespace mlir::tessera::token_merge
