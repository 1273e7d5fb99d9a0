// Moves each temporary's memref.dealloc from the end of the function (where
// ownership-based deallocation puts it) to right after the buffer's last use,
// so the allocator reuses memory and the peak of live temporaries drops.
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace {

/// The op after which `alloc` (and every view of it) is dead, within the
/// alloc's block; null when a use may let the buffer escape.
Operation *findLastUse(memref::AllocOp alloc, memref::DeallocOp dealloc) {
  Block *block = alloc->getBlock();
  Operation *last = alloc;
  SmallVector<Value> worklist = {alloc.getResult()};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (user == dealloc.getOperation())
        continue;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
        if (view.getViewSource() == v)
          llvm::append_range(worklist, user->getResults());
      } else if (auto meta = dyn_cast<memref::ExtractStridedMetadataOp>(user)) {
        worklist.push_back(meta.getBaseBuffer());
      } else if (auto transpose = dyn_cast<memref::TransposeOp>(user)) {
        // A view too, without ViewLikeOpInterface (attention's operands
        // after tessera-fold-kernel-transposes).
        worklist.push_back(transpose.getResult());
      } else if (isa<func::ReturnOp, memref::DeallocOp>(user)) {
        return nullptr;
      } else if (auto call = dyn_cast<func::CallOp>(user)) {
        // Runtime kernels (private declarations) do not keep their operands.
        auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
            call, call.getCalleeAttr());
        if (!callee || !callee.isExternal() || !callee.isPrivate())
          return nullptr;
      } else if (isa<memref::StoreOp>(user) &&
                 cast<memref::StoreOp>(user).getValueToStore() == v) {
        return nullptr;
      }
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor)
        return nullptr;
      if (last->isBeforeInBlock(ancestor))
        last = ancestor;
    }
  }
  return last;
}

struct ShortenBufferLifetimesPass
    : PassWrapper<ShortenBufferLifetimesPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ShortenBufferLifetimesPass)
  StringRef getName() const final { return "ShortenBufferLifetimesPass"; }
  StringRef getArgument() const final {
    return "tessera-shorten-buffer-lifetimes";
  }
  StringRef getDescription() const final {
    return "Free each temporary right after its last use";
  }
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk([&](memref::DeallocOp op) { deallocs.push_back(op); });
    for (memref::DeallocOp dealloc : deallocs) {
      auto alloc = dealloc.getMemref().getDefiningOp<memref::AllocOp>();
      if (!alloc || alloc->getBlock() != dealloc->getBlock())
        continue;
      if (Operation *last = findLastUse(alloc, dealloc))
        dealloc->moveAfter(last);
    }
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createShortenBufferLifetimesPass() {
  return std::make_unique<ShortenBufferLifetimesPass>();
}
