// SSM ops (selective scan, causal conv1d, linear attention): verifiers that
// state every shape rule.
#include "tessera/IR/TesseraOps.h"

using namespace mlir;
using namespace mlir::tessera;

namespace {
/// Checks that `v` (if present) has exactly `shape` and element type `elt`;
/// `what` names it in the diagnostic.
LogicalResult expectShape(Operation *op, Value v, ArrayRef<int64_t> shape,
                          Type elt, StringRef what) {
  if (!v)
    return success();
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getShape() == shape && t.getElementType() == elt)
    return success();
  return op->emitOpError() << what << " must be "
                           << RankedTensorType::get(shape, elt) << ", found "
                           << t;
}
} // namespace

LogicalResult SelectiveScanOp::verify() {
  auto x = getX().getType();
  if (x.getRank() != 3)
    return emitOpError("x must be [Bt, L, D] (rank 3), found ") << x;
  Type elt = x.getElementType();
  int64_t bt = x.getDimSize(0), l = x.getDimSize(1), d = x.getDimSize(2);
  auto a = getA().getType();
  if (a.getRank() != 2 || a.getDimSize(0) != d)
    return emitOpError("A must be [D, N] with D = ")
           << d << " (diagonal state matrix per channel), found " << a;
  int64_t n = a.getDimSize(1);
  Operation *op = getOperation();
  if (failed(expectShape(op, getA(), {d, n}, elt, "A")) ||
      failed(expectShape(op, getDelta(), {bt, l, d}, elt, "delta")) ||
      failed(expectShape(op, getZ(), {bt, l, d}, elt, "z")) ||
      failed(expectShape(op, getD(), {d}, elt, "D")) ||
      failed(expectShape(op, getDeltaBias(), {d}, elt, "delta_bias")) ||
      failed(expectShape(op, getInitialState(), {bt, d, n}, elt,
                         "initial_state")) ||
      failed(expectShape(op, getY(), {bt, l, d}, elt, "result y")) ||
      failed(expectShape(op, getFinalState(), {bt, d, n}, elt,
                         "result final_state")))
    return failure();
  for (auto [v, name] : {std::pair{getB(), "B"}, std::pair{getC(), "C"}}) {
    auto t = cast<RankedTensorType>(v.getType());
    bool selective = t.getShape() == ArrayRef<int64_t>{bt, l, n};
    bool perChannel = t.getShape() == ArrayRef<int64_t>{d, n};
    if ((!selective && !perChannel) || t.getElementType() != elt)
      return emitOpError() << name << " must be "
                           << RankedTensorType::get({bt, l, n}, elt)
                           << " (selective) or "
                           << RankedTensorType::get({d, n}, elt)
                           << " (time-invariant), found " << t;
  }
  return success();
}

LogicalResult CausalConv1dOp::verify() {
  auto x = getInput().getType(), w = getWeight().getType();
  if (x.getRank() != 3)
    return emitOpError(getChannelsLast() ? "input must be [Bt, L, C]"
                                         : "input must be [Bt, C, L]")
           << " (rank 3), found " << x;
  int64_t c = x.getDimSize(getChannelsLast() ? 2 : 1);
  if (w.getRank() != 2 || w.getDimSize(0) != c || w.getDimSize(1) < 1 ||
      w.getElementType() != x.getElementType())
    return emitOpError("weight must be [C, K] with C = ")
           << c << " (one filter per channel), found " << w;
  if (failed(expectShape(getOperation(), getBias(), {c}, x.getElementType(),
                         "bias")))
    return failure();
  if (getType() != x)
    return emitOpError("result type must equal the input type ") << x;
  if (getDilation() < 1)
    return emitOpError("dilation must be >= 1, found ") << getDilation();
  if (!llvm::is_contained({"none", "relu", "gelu", "gelu_tanh", "silu",
                           "sigmoid", "tanh"},
                          getActivation()))
    return emitOpError("unknown activation '") << getActivation() << "'";
  return success();
}

LogicalResult LinearAttentionOp::verify() {
  auto q = getQuery().getType(), k = getKey().getType(),
       v = getValue().getType();
  if (q.getRank() != 4 || v.getRank() != 4)
    return emitOpError("query, key and value must be [B, H, T, D] (rank 4), "
                       "found ")
           << q << ", " << k << ", " << v;
  Type elt = q.getElementType();
  ArrayRef<int64_t> qs = q.getShape();
  int64_t dv = v.getDimSize(3);
  Operation *op = getOperation();
  if (failed(expectShape(op, getKey(), qs, elt, "key")) ||
      failed(expectShape(op, getValue(), {qs[0], qs[1], qs[2], dv}, elt,
                         "value")) ||
      failed(expectShape(op, getInitialState(), {qs[0], qs[1], qs[3], dv}, elt,
                         "initial_state")) ||
      failed(expectShape(op, getResult(), {qs[0], qs[1], qs[2], dv}, elt,
                         "result")) ||
      failed(expectShape(op, getFinalState(), {qs[0], qs[1], qs[3], dv}, elt,
                         "result final_state")))
    return failure();
  if (Value g = getGate()) {
    auto gt = cast<RankedTensorType>(g.getType());
    if (gt.getShape() != ArrayRef<int64_t>{qs[0], qs[1], qs[2], 1} &&
        failed(expectShape(op, g, qs, elt, "gate [B, H, T, 1] or")))
      return failure();
    if (gt.getElementType() != elt)
      return emitOpError("gate element type differs from the query's");
  }
  if (getEpsilon().convertToDouble() < 0)
    return emitOpError("epsilon must be >= 0");
  return success();
}
