// The tessera dialect and its ops.
#ifndef TESSERA_IR_TESSERAOPS_H
#define TESSERA_IR_TESSERAOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <mutex>
#include <string>
#include <vector>

namespace mlir::tessera {

/// Numpy broadcast of `a` and `b` into `out`; fails if a dimension pair is
/// neither equal nor 1.
LogicalResult broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b,
                              SmallVectorImpl<int64_t> &out);

/// An explicit einsum equation split into per-operand and output subscripts.
struct EinsumSpec {
  SmallVector<std::string> inputs;
  std::string output;
};
/// Parses `ab,bc->ac` (explicit form, letters only); fails on anything else.
FailureOr<EinsumSpec> parseEinsum(StringRef equation);

/// Whether `from` broadcasts to exactly `to` (numpy rules; `from` may have
/// lower rank).
bool broadcastsTo(ArrayRef<int64_t> from, ArrayRef<int64_t> to);

/// Whether `act` names an activation the fused ops' epilogues implement
/// (relu, gelu, gelu_tanh, silu, sigmoid, tanh; and none if `allowNone`).
bool isKnownActivation(StringRef act, bool allowNone);

/// The result shape ([..., n] after x's [..., K]), bias ([n], x's element
/// type), residual (the result type) and activation rules that
/// tessera.linear and tessera.qlinear share; errors are emitted on `op`.
LogicalResult verifyLinearEpilogue(Operation *op, RankedTensorType x,
                                   RankedTensorType out, int64_t n, Value bias,
                                   Value residual, StringRef activation);

/// A weight sparsity pattern (tessera.linear's `sparsity`), in the weight's
/// [N, K] view: `block:RxC` (rows = R, cols = C) or `N:M` (nm; rows = N kept
/// of each cols = M consecutive k).
struct SparsityPattern {
  bool nm = false;
  int64_t rows = 1, cols = 1;
  /// Whether an [n, k] weight can take the pattern.
  bool fits(int64_t n, int64_t k) const {
    return nm ? k % cols == 0 : n % rows == 0 && k % cols == 0;
  }
  std::string str() const;
};

/// Parses `block:RxC` (R, C >= 1) or `N:M` (1 <= N < M); failure otherwise.
FailureOr<SparsityPattern> parseSparsityPattern(StringRef text);

/// A convolution with int8 weights on the int8 kernels, per group: the f32
/// input `x` [N, C, D1..Dk] goes channels last and is padded with zeros
/// (`pads`: begins, then ends); one strided window per kernel offset is
/// sliced out and the windows are stacked into patches
/// [N, D1'..Dk', K1..Kk·C/G] (im2col, offsets outer), which a tessera.qlinear
/// in `mode` ("static" with `inputScale` and `inputZeroPoint`, or
/// "dynamic_tensor": the patches' range is x's, with the zeros of padding
/// inside it already) multiplies by that group's rows of `q` [F, C/G·K1..Kk]
/// (row-major weight values, reordered here to the patches' column order)
/// with `scale` [F] and the optional f32 `bias` [F]. The groups' results
/// are concatenated along the channels: [N, F, D1'..Dk'].
/// Whether buildQLinearConv takes a conv of `groups` groups of `perGroupK` =
/// C / G · K1..Kk terms: one group, or groups of at least 32 terms (a
/// depthwise conv's 9 are better served by the f32 loops) and at most 64 of
/// them; at most 32768 terms, so the int32 sums cannot overflow.
inline bool qlinearConvFits(int64_t groups, int64_t perGroupK) {
  return perGroupK <= 32768 &&
         (groups == 1 || (perGroupK >= 32 && groups <= 64));
}
Value buildQLinearConv(OpBuilder &b, Location loc, Value x, ArrayRef<int8_t> q,
                       ArrayRef<float> scale, Value bias, int64_t groups,
                       ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                       ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations,
                       StringRef mode, FloatAttr inputScale,
                       IntegerAttr inputZeroPoint);

/// Makes tessera.call_kernel bufferizable (one-shot bufferization).
void attachKernelBufferization(MLIRContext &ctx);

/// Verifies that the op's result shape is the numpy broadcast of its operands'.
LogicalResult verifyNumpyBroadcast(Operation *op);

namespace OpTrait {
template <typename ConcreteType>
class NumpyBroadcast
    : public ::mlir::OpTrait::TraitBase<ConcreteType, NumpyBroadcast> {
public:
  static LogicalResult verifyTrait(Operation *op) {
    return verifyNumpyBroadcast(op);
  }
};
} // namespace OpTrait

} // namespace mlir::tessera

#include "tessera/TesseraDialect.h.inc"

#define GET_OP_CLASSES
#include "tessera/TesseraOps.h.inc"

namespace mlir::tessera {
/// tessera.qconv as im2col patches and a static tessera.qlinear (its
/// reference semantics), channels-last like the op.
Value decomposeQConv(OpBuilder &b, QConvOp op);
} // namespace mlir::tessera

#endif // TESSERA_IR_TESSERAOPS_H
