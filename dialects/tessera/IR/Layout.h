// Channels-last layouts (tessera.conv and tessera.max_pool with
// `channels_last`): [N, C, D1..Dk] <-> [N, D1..Dk, C].
#ifndef TESSERA_IR_LAYOUT_H
#define TESSERA_IR_LAYOUT_H

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::tessera {

/// The permutation of tessera.transpose that takes [N, C, D1..Dk] to
/// [N, D1..Dk, C] (result dim i is input dim perm[i]).
inline llvm::SmallVector<int64_t> toChannelsLast(int64_t rank) {
  llvm::SmallVector<int64_t> perm = {0};
  for (int64_t i = 2; i < rank; ++i)
    perm.push_back(i);
  perm.push_back(1);
  return perm;
}

/// Its inverse: [N, D1..Dk, C] to [N, C, D1..Dk].
inline llvm::SmallVector<int64_t> toChannelsFirst(int64_t rank) {
  llvm::SmallVector<int64_t> perm = {0, rank - 1};
  for (int64_t i = 1; i < rank - 1; ++i)
    perm.push_back(i);
  return perm;
}

/// `type` with its dims permuted (result dim i is dim perm[i]).
inline RankedTensorType permuted(RankedTensorType type,
                                 llvm::ArrayRef<int64_t> perm) {
  llvm::SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  return RankedTensorType::get(shape, type.getElementType());
}

/// A channels-last type as its channel-first ([N, C, D1..Dk]) equivalent.
inline RankedTensorType channelsFirstType(RankedTensorType type) {
  return permuted(type, toChannelsFirst(type.getRank()));
}

} // namespace mlir::tessera

#endif
