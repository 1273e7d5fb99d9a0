// Verifiers of the gather/scatter ops: shapes of indices, updates and results.
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::tessera;

static LogicalResult verifyReductionKind(Operation *op, StringRef r) {
  if (r != "none" && r != "add" && r != "mul" && r != "max" && r != "min")
    return op->emitOpError("reduction must be none, add, mul, max or min, "
                           "found '")
           << r << "'";
  if (r != "none" && cast<RankedTensorType>(op->getOperand(0).getType())
                         .getElementType()
                         .isInteger(1))
    return op->emitOpError("reduction '") << r << "' needs a non-bool type";
  return success();
}

/// Indices must have the input's rank and fit inside it off `axis`.
static LogicalResult verifyElementsIndices(Operation *op, RankedTensorType in,
                                           RankedTensorType idx, int64_t axis) {
  if (axis < 0 || axis >= in.getRank())
    return op->emitOpError("axis ")
           << axis << " is out of range for rank " << in.getRank();
  if (idx.getRank() != in.getRank())
    return op->emitOpError("indices must have the input's rank ")
           << in.getRank() << ", found " << idx.getRank();
  for (int64_t d = 0; d < in.getRank(); ++d)
    if (d != axis && idx.getDimSize(d) > in.getDimSize(d))
      return op->emitOpError("indices dimension ")
             << d << " is " << idx.getDimSize(d) << ", larger than the input's "
             << in.getDimSize(d);
  return success();
}

LogicalResult GatherElementsOp::verify() {
  auto idx = getIndices().getType();
  if (failed(
          verifyElementsIndices(*this, getInput().getType(), idx, getAxis())))
    return failure();
  if (getType().getShape() != idx.getShape())
    return emitOpError("result shape must equal the indices shape");
  return success();
}

LogicalResult ScatterElementsOp::verify() {
  auto idx = getIndices().getType();
  if (failed(
          verifyElementsIndices(*this, getInput().getType(), idx, getAxis())))
    return failure();
  if (getUpdates().getType().getShape() != idx.getShape())
    return emitOpError("updates shape must equal the indices shape");
  return verifyReductionKind(*this, getReduction());
}

/// The tuple length q of GatherND/ScatterND indices, or failure.
static FailureOr<int64_t> tupleLength(Operation *op, RankedTensorType in,
                                      RankedTensorType idx, int64_t batch) {
  if (idx.getRank() < 1) {
    op->emitOpError("indices must have rank >= 1");
    return failure();
  }
  int64_t q = idx.getShape().back();
  if (batch < 0 || batch >= idx.getRank() || batch + q > in.getRank()) {
    op->emitOpError("index tuples of length ")
        << q << " after " << batch << " batch dims do not fit input rank "
        << in.getRank();
    return failure();
  }
  for (int64_t d = 0; d < batch; ++d)
    if (idx.getDimSize(d) != in.getDimSize(d)) {
      op->emitOpError("batch dimension ") << d << " differs between input and "
                                          << "indices";
      return failure();
    }
  return q;
}

/// indices.shape[:-1] + input.shape[batch + q:].
static SmallVector<int64_t> sliceShape(RankedTensorType in,
                                       RankedTensorType idx, int64_t batch,
                                       int64_t q) {
  SmallVector<int64_t> shape(idx.getShape().drop_back());
  llvm::append_range(shape, in.getShape().drop_front(batch + q));
  return shape;
}

LogicalResult GatherNDOp::verify() {
  auto in = getInput().getType(), idx = getIndices().getType();
  FailureOr<int64_t> q = tupleLength(*this, in, idx, getBatchDims());
  if (failed(q))
    return failure();
  SmallVector<int64_t> shape = sliceShape(in, idx, getBatchDims(), *q);
  if (getType().getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result type must be ")
           << RankedTensorType::get(shape, in.getElementType()) << ", found "
           << getType();
  return success();
}

LogicalResult ScatterNDOp::verify() {
  auto in = getInput().getType(), idx = getIndices().getType();
  FailureOr<int64_t> q = tupleLength(*this, in, idx, 0);
  if (failed(q))
    return failure();
  SmallVector<int64_t> shape = sliceShape(in, idx, 0, *q);
  auto upd = getUpdates().getType();
  if (upd.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("updates type must be ")
           << RankedTensorType::get(shape, in.getElementType()) << ", found "
           << upd;
  return verifyReductionKind(*this, getReduction());
}
