// Matchers the fusion patterns share: constants, peeling layout ops, scalar
// factors. One place, so every pattern sees through the same forms.
#ifndef TESSERA_PASSES_FUSION_FUSIONUTILS_H
#define TESSERA_PASSES_FUSION_FUSIONUTILS_H

#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>
#include <vector>

namespace mlir::tessera::fusion {

/// The values of a float or integer constant (dense or dense_resource), or
/// nothing when `v` is not a constant or holds more than `limit` elements.
std::optional<SmallVector<double>> getConstantValues(Value v,
                                                     int64_t limit = 1 << 24);

/// The elements of a constant f32 tensor (a tessera.constant, dense or a
/// dense_resource blob of the right size), row-major, or nothing.
std::optional<std::vector<float>> constantF32Values(Value v);

/// The value of a constant whose elements are all equal (any shape).
std::optional<double> getSplatValue(Value v);

/// Whether `v` is a constant splat equal to `expected` within `relTol`.
bool isSplatNear(Value v, double expected, double relTol = 1e-5);

/// Whether `v` is a transpose swapping the last two dimensions.
bool isLastTwoTranspose(TransposeOp op);

/// `v`'s last two dimensions swapped, folding into a transpose that produced
/// `v` when there is one.
Value transposeLastTwo(PatternRewriter &rewriter, Location loc, Value v);

/// Reshapes `v` to `shape` unless it already has it.
Value reshapeTo(PatternRewriter &rewriter, Location loc, Value v,
                ArrayRef<int64_t> shape);

/// The `activation` attribute value of the fused ops (tessera.linear,
/// tessera.conv) that stands for the unary activation `op` (relu, gelu,
/// gelu_tanh, silu, sigmoid, tanh, hardswish), or "" for any other op.
StringRef activationName(Operation *op);

/// Elementwise tessera ops: the unary ones (one operand of the result's
/// type; no attributes but a clamp's bounds) and the broadcasting binary
/// ones (add, sub, mul, div, max, min, pow).
bool isElementwise(Operation *op);

/// The concat, earlier in `concat`'s block and along the same axis, whose
/// inputs are the longest strict prefix of `concat`'s, or null: DenseNet's
/// layer k concatenates the features x0..xk, layer k-1 x0..x(k-1).
ConcatOp concatPrefix(ConcatOp concat);

/// Whether `concat` extends an earlier concat's inputs or a later concat
/// extends its own (tessera-lower-concat-chains gives such a chain one
/// buffer, of which each concat is a prefix).
bool inConcatChain(ConcatOp concat);

/// Whether `v` is defined (transitively through its operands) by `root`.
bool dependsOn(Value v, Operation *root, int depthLimit = 64);

/// Like `matchPattern(v, m_Op<OpTy>())` but returns the op.
template <typename OpTy> OpTy defOf(Value v) {
  return v ? v.getDefiningOp<OpTy>() : OpTy();
}

/// Adds a pass's pattern counts to the dialect's record (for --report; zeros
/// too, so every pattern is listed).
void recordCounts(Operation *op, StringRef pass,
                  ArrayRef<std::pair<StringRef, int64_t>> counts);

/// `values` (row-major) as a dense_resource attribute of `type`, its blob
/// named `name` (made unique by the blob manager).
template <typename T>
DenseResourceElementsAttr resourceAttr(ShapedType type, StringRef name,
                                       ArrayRef<T> values) {
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T)),
      alignof(uint64_t), /*dataIsMutable=*/false);
  return DenseResourceElementsAttr::get(type, name, std::move(blob));
}

/// A tessera.constant of `type` holding `values` (see resourceAttr).
template <typename T>
Value resourceConstant(OpBuilder &b, Location loc, RankedTensorType type,
                       StringRef name, ArrayRef<T> values) {
  return ConstantOp::create(b, loc, resourceAttr(type, name, values));
}

/// The constant weight of an f32 linear layer as [N, K] floats, row-major
/// (N outputs, K inputs, whatever transpose_weight says), or nothing when it
/// is not a constant.
std::optional<std::vector<float>> linearWeightNK(LinearOp op);

} // namespace mlir::tessera::fusion

#endif // TESSERA_PASSES_FUSION_FUSIONUTILS_H
