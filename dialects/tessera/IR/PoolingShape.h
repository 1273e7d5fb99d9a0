// The output-size rule shared by the pooling verifiers, the importer and the
// lowering, so the three never disagree.
#ifndef TESSERA_IR_POOLINGSHAPE_H
#define TESSERA_IR_POOLINGSHAPE_H

#include <cstdint>

namespace mlir::tessera {

/// Output size of one spatial dim of a pooling window (ONNX/PyTorch rule):
/// `(in + pb + pe - span) / stride + 1` with `span = dilation * (k - 1) + 1`,
/// rounded down, or up with `ceilMode`, where a last window starting in the
/// end padding is dropped. Returns -1 when the window does not fit.
inline int64_t poolOutputSize(int64_t in, int64_t k, int64_t stride,
                              int64_t dilation, int64_t pb, int64_t pe,
                              bool ceilMode) {
  int64_t span = dilation * (k - 1) + 1, room = in + pb + pe - span;
  if (room < 0 || stride < 1)
    return -1;
  int64_t out = (ceilMode ? (room + stride - 1) / stride : room / stride) + 1;
  if (ceilMode && (out - 1) * stride >= in + pb)
    --out;
  return out;
}

} // namespace mlir::tessera

#endif // TESSERA_IR_POOLINGSHAPE_H
