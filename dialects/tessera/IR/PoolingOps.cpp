// Verifiers and canonicalization of tessera.max_pool and tessera.avg_pool.
#include "tessera/IR/Layout.h"
#include "tessera/IR/PoolingShape.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::tessera;

static LogicalResult verifyPool(Operation *op, RankedTensorType x,
                                RankedTensorType y, ArrayRef<int64_t> kernel,
                                ArrayRef<int64_t> strides,
                                ArrayRef<int64_t> pads,
                                ArrayRef<int64_t> dilations, bool ceilMode,
                                bool channelsLast = false) {
  int64_t k = x.getRank() - 2;
  if (k < 1 || y.getRank() != x.getRank())
    return op->emitOpError("input and result must share a rank >= 3, found ")
           << x.getRank() << " and " << y.getRank();
  // The checks on the channel-first dims.
  if (channelsLast)
    x = channelsFirstType(x);
  if (static_cast<int64_t>(kernel.size()) != k ||
      static_cast<int64_t>(strides.size()) != k ||
      static_cast<int64_t>(dilations.size()) != k ||
      static_cast<int64_t>(pads.size()) != 2 * k)
    return op->emitOpError("kernel_shape, strides and dilations need ")
           << k << " entries and pads " << 2 * k;
  SmallVector<int64_t> shape = {x.getDimSize(0), x.getDimSize(1)};
  for (int64_t i = 0; i < k; ++i) {
    if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1)
      return op->emitOpError(
          "kernel_shape, strides and dilations must be positive");
    if (pads[i] < 0 || pads[i + k] < 0)
      return op->emitOpError("pads must be non-negative");
    int64_t out = poolOutputSize(x.getDimSize(i + 2), kernel[i], strides[i],
                                 dilations[i], pads[i], pads[i + k], ceilMode);
    if (out < 1)
      return op->emitOpError("window is larger than the padded input in "
                             "spatial dimension ")
             << i;
    shape.push_back(out);
  }
  auto expected = RankedTensorType::get(shape, y.getElementType());
  if (channelsLast)
    expected = permuted(expected, toChannelsLast(expected.getRank()));
  if (y != expected)
    return op->emitOpError("result type must be ")
           << expected << ", found " << y;
  return success();
}

LogicalResult MaxPoolOp::verify() {
  if (getInput().getType().getElementType().isInteger(1))
    return emitOpError("element type must not be i1");
  return verifyPool(*this, getInput().getType(), getType(), getKernelShape(),
                    getStrides(), getPads(), getDilations(), getCeilMode(),
                    getChannelsLast());
}

LogicalResult AvgPoolOp::verify() {
  return verifyPool(*this, getInput().getType(), getType(), getKernelShape(),
                    getStrides(), getPads(), getDilations(), getCeilMode(),
                    getChannelsLast());
}

namespace {

/// avg_pool(pad(x, 0)) -> avg_pool(x) with the pad's spatial amounts added
/// to `pads` and `count_include_pad` set: the padded zeros counted in the
/// divisor as elements of the input did. Only where the pool's own pads are
/// zero or already counted, the pad leaves the batch and channel dims alone,
/// and the output size is the same (ceil_mode drops a last window that
/// starts in the end padding but not one that starts in a padded input).
struct AvgPoolOfZeroPad : OpRewritePattern<AvgPoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AvgPoolOp op,
                                PatternRewriter &rewriter) const override {
    auto pad = op.getInput().getDefiningOp<PadOp>();
    if (!pad || pad.getMode() != "constant" ||
        pad.getValue().convertToDouble() != 0.0)
      return failure();
    ArrayRef<int64_t> own = op.getPads(), padded = pad.getPads();
    if (!op.getCountIncludePad() &&
        llvm::any_of(own, [](int64_t p) { return p != 0; }))
      return failure();
    RankedTensorType x = pad.getInput().getType(), y = op.getType();
    int64_t rank = x.getRank(), k = rank - 2;
    int64_t first = op.getChannelsLast() ? 1 : 2;
    // The batch and channel dims: 0 and 1, or 0 and rank - 1.
    for (int64_t d : {int64_t(0), op.getChannelsLast() ? rank - 1 : int64_t(1)})
      if (padded[d] != 0 || padded[d + rank] != 0)
        return failure();
    SmallVector<int64_t> pads(own);
    for (int64_t i = 0; i < k; ++i) {
      int64_t pb = padded[first + i], pe = padded[first + i + rank];
      if (pb < 0 || pe < 0)
        return failure();
      pads[i] += pb;
      pads[i + k] += pe;
      if (poolOutputSize(x.getDimSize(first + i), op.getKernelShape()[i],
                         op.getStrides()[i], op.getDilations()[i], pads[i],
                         pads[i + k],
                         op.getCeilMode()) != y.getDimSize(first + i))
        return failure();
    }
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputMutable().assign(pad.getInput());
      op.setPads(pads);
      op.setCountIncludePad(true);
    });
    return success();
  }
};

} // namespace

void AvgPoolOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<AvgPoolOfZeroPad>(context);
}
