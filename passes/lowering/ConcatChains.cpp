// tessera-lower-concat-chains: concats that extend one another share one
// buffer (Passes.td). DenseNet-201 concatenates all earlier features before
// each of its 98 layers: as separate concats (or with the norm sunk into
// their pieces) that made 1905 pieces and 1803 copies in one function, and
// One-Shot Bufferize took 10 s of its 21 s compile to analyse them.
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"
#include "passes/lowering/LoweringUtils.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_LOWERCONCATCHAINS
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {

struct LowerConcatChainsPass
    : tessera::impl::LowerConcatChainsBase<LowerConcatChainsPass> {
  void runOnOperation() override {
    // (The dialect's concats have static shapes.)
    SmallVector<ConcatOp> concats;
    getOperation().walk([&](ConcatOp c) { concats.push_back(c); });
    // Each concat's parent: the one it extends, unless another concat
    // extends that one already (the first in block order keeps it).
    DenseMap<Operation *, ConcatOp> parent, child;
    for (ConcatOp c : concats) {
      ConcatOp p = fusion::concatPrefix(c);
      if (p && !child.count(p)) {
        parent[c] = p;
        child[p] = c;
      }
    }
    // In block order a parent comes before its child: each chain member
    // finds its parent's buffer (the tensor after the parent's inserts).
    DenseMap<Operation *, Value> buffer;
    int64_t chains = 0, lowered = 0;
    for (ConcatOp c : concats) {
      bool isRoot = child.count(c) && !parent.count(c);
      if (!isRoot && !parent.count(c))
        continue;
      Location loc = c.getLoc();
      int64_t axis = c.getAxis();
      OpBuilder b(c);
      Value dest;
      int64_t offset = 0;
      ValueRange inputs = c.getInputs();
      if (isRoot) {
        ConcatOp last = c;
        while (child.count(last))
          last = child[last];
        dest = lowering::concatDestination(b, loc, last.getType(), inputs, c);
        ++chains;
      } else {
        ConcatOp p = parent[c];
        dest = buffer[p];
        offset = p.getType().getDimSize(axis);
        inputs = inputs.drop_front(p.getInputs().size());
      }
      Value full =
          lowering::insertConcatPieces(b, loc, inputs, dest, axis, offset);
      buffer[c] = full;
      Value value = full;
      if (full.getType() != c.getType()) {
        auto type = c.getType();
        SmallVector<int64_t> zeros(type.getRank(), 0), ones(type.getRank(), 1);
        value = tensor::ExtractSliceOp::create(b, loc, type, full, ValueRange{},
                                               ValueRange{}, ValueRange{},
                                               zeros, type.getShape(), ones);
      }
      c.getResult().replaceAllUsesWith(value);
      ++lowered;
    }
    for (ConcatOp c : concats)
      if (buffer.count(c))
        c.erase();
    numChains += chains;
    numConcats += lowered;
  }
};

} // namespace
