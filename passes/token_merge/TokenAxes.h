// How token merging follows the token axis through ops: where an index
// (the tokens, or the batch) lives in a tensor, how each op maps it from an
// operand to its result by the op's semantics (reshapes by strides), and
// the small builders the sweep uses to resize and lay out per-token values.
#ifndef TESSERA_PASSES_TOKEN_MERGE_TOKENAXES_H
#define TESSERA_PASSES_TOKEN_MERGE_TOKENAXES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"

#include <optional>

namespace mlir::tessera::token_merge {

/// Where an index lives in a tensor: `shape[dim] = outer * n * inner`, with
/// the index the middle factor (n tokens, or the batch).
struct Axis {
  int64_t dim = -1, outer = 1, inner = 1;
  bool plain() const { return outer == 1 && inner == 1; }
  bool operator==(const Axis &o) const {
    return dim == o.dim && outer == o.outer && inner == o.inner;
  }
};

/// The axes a reduction op reduces, if `op` is one.
std::optional<ArrayRef<int64_t>> reduceAxes(Operation *op);

/// The static shape of a ranked tensor value.
ArrayRef<int64_t> shapeOf(Value v);

/// `axis` of operand `index` of `op` (`n` indices) in its single result,
/// from the op's semantics on the shapes of the original IR (`operandShape`
/// and the result's type): none when the op mixes along the axis or the
/// axis does not survive as one dimension.
std::optional<Axis> mapAxis(Operation *op, unsigned index, Axis axis, int64_t n,
                            ArrayRef<int64_t> operandShape);

/// `shape` with the token axis holding `n` tokens.
SmallVector<int64_t> withCount(ArrayRef<int64_t> shape, Axis axis, int64_t n);

/// `v` reshaped to `shape` (itself when it has that shape already).
Value reshape(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape);

/// `v` with its dimensions permuted by `perm`.
Value transpose(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm);

/// `perToken` ([B, n]) laid out for a tensor of rank `rank` with its batch
/// at `batch` and the tokens in dimension `tokenDim` (whole): a tensor that
/// broadcasts against it (size 1 elsewhere; a batch folded with other
/// indices is repeated over them).
Value layOut(OpBuilder &b, Location loc, Value perToken, int64_t rank,
             Axis batch, int64_t tokenDim);

} // namespace mlir::tessera::token_merge

#endif // TESSERA_PASSES_TOKEN_MERGE_TOKENAXES_H
