// Verifiers of tessera.max_pool and tessera.avg_pool.
#include "tessera/IR/Layout.h"
#include "tessera/IR/PoolingShape.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/BuiltinAttributes.h"

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
