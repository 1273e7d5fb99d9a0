// A small builder of primitive tessera ops over one element type, for the
// decompositions of fused ops into the ops they stand for.
#ifndef TESSERA_PASSES_LOWERING_EXPRBUILDER_H
#define TESSERA_PASSES_LOWERING_EXPRBUILDER_H

#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::tessera {

/// Small builder over one element type, for readable expressions.
struct Expr {
  PatternRewriter &b;
  Location loc;
  Type elt;

  RankedTensorType like(Value v) {
    return cast<RankedTensorType>(v.getType());
  }
  Value scalar(double c) {
    auto type = RankedTensorType::get({}, elt);
    return ConstantOp::create(b, loc,
                              DenseElementsAttr::get(type, b.getFloatAttr(elt, c)));
  }
  template <typename OpTy> Value bin(Value x, Value y) {
    SmallVector<int64_t> shape;
    (void)broadcastShapes(like(x).getShape(), like(y).getShape(), shape);
    return OpTy::create(b, loc, RankedTensorType::get(shape, elt), x, y);
  }
  Value add(Value x, Value y) { return bin<AddOp>(x, y); }
  Value mul(Value x, Value y) { return bin<MulOp>(x, y); }
  Value sub(Value x, Value y) { return bin<SubOp>(x, y); }
  Value div(Value x, Value y) { return bin<DivOp>(x, y); }
  /// A constant tensor of `shape` filled with `c`.
  Value splat(ArrayRef<int64_t> shape, double c) {
    auto type = RankedTensorType::get(shape, elt);
    return ConstantOp::create(b, loc,
                              DenseElementsAttr::get(type, b.getFloatAttr(elt, c)));
  }
  /// Sum over `axes` (sorted), keeping them as size 1 when `keepdims`.
  Value reduceSum(Value x, ArrayRef<int64_t> axes, bool keepdims) {
    SmallVector<int64_t> shape;
    for (auto [i, d] : llvm::enumerate(like(x).getShape())) {
      if (!llvm::is_contained(axes, int64_t(i)))
        shape.push_back(d);
      else if (keepdims)
        shape.push_back(1);
    }
    return ReduceSumOp::create(b, loc, RankedTensorType::get(shape, elt), x,
                               b.getDenseI64ArrayAttr(axes),
                               b.getBoolAttr(keepdims));
  }
  template <typename OpTy> Value unary(Value x) {
    return OpTy::create(b, loc, like(x), x);
  }
  Value reshape(Value x, ArrayRef<int64_t> shape) {
    if (like(x).getShape() == shape)
      return x;
    return ReshapeOp::create(b, loc,
                             RankedTensorType::get(shape, like(x).getElementType()),
                             x);
  }
  /// x[..., start : start + size] along `axis`.
  Value slice(Value x, int64_t axis, int64_t start, int64_t size) {
    auto t = like(x);
    SmallVector<int64_t> starts(t.getRank(), 0), steps(t.getRank(), 1),
        shape(t.getShape());
    starts[axis] = start;
    shape[axis] = size;
    return SliceOp::create(b, loc,
                           RankedTensorType::get(shape, t.getElementType()), x,
                           b.getDenseI64ArrayAttr(starts),
                           b.getDenseI64ArrayAttr(steps));
  }
  Value concat(ValueRange xs, int64_t axis) {
    auto t = like(xs[0]);
    SmallVector<int64_t> shape(t.getShape());
    shape[axis] = 0;
    for (Value x : xs)
      shape[axis] += like(x).getDimSize(axis);
    return ConcatOp::create(b, loc,
                            RankedTensorType::get(shape, t.getElementType()),
                            xs, b.getI64IntegerAttr(axis));
  }
  Value activation(StringRef name, Value x) {
    if (name == "relu")
      return unary<ReluOp>(x);
    if (name == "gelu")
      return unary<GeluOp>(x);
    if (name == "gelu_tanh")
      return unary<GeluTanhOp>(x);
    if (name == "silu")
      return unary<SiluOp>(x);
    if (name == "sigmoid")
      return unary<SigmoidOp>(x);
    if (name == "tanh")
      return unary<TanhOp>(x);
    if (name == "hardswish")
      return unary<HardSwishOp>(x);
    return x;
  }
};

} // namespace mlir::tessera

#endif // TESSERA_PASSES_LOWERING_EXPRBUILDER_H
