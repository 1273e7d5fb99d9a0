// A tensor.empty with many uses is split before bufferization: each group of
// `group-size` uses (in program order) gets an empty of its own. CSE merges
// identical empties, so one value can be the destination of hundreds of ops
// (torchvision's RAFT: 481 elementwise ops wrote into one 256x1x49 empty,
// 1618 uses of 72 empties in all); every op's result then aliases that one
// tensor, and the conflict checks of One-Shot Bufferize and
// eliminate-empty-tensors, which look at pairs of uses in an alias set, took
// 8.4 s of RAFT's 15 s compile (0.45 s after the split). An empty has no
// contents: splitting it changes no result. Not one empty per use: neighbours
// that share one are bufferized into one buffer where legal (an elementwise
// chain in place), and one per use grew the planned arenas (ResNet-50
// 17.7 -> 24.9 MB, Swin-T 39.7 -> 54.8) and slowed EfficientNet-B0 by 8%;
// in groups of 16 they stay as they were.
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace {

struct SplitEmptyTensorsPass
    : PassWrapper<SplitEmptyTensorsPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(SplitEmptyTensorsPass)
  StringRef getName() const final { return "SplitEmptyTensorsPass"; }
  StringRef getArgument() const final { return "tessera-split-empty-tensors"; }
  StringRef getDescription() const final {
    return "Split a tensor.empty's uses into groups with an empty each";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<tensor::TensorDialect>();
  }
  SplitEmptyTensorsPass() = default;
  SplitEmptyTensorsPass(const SplitEmptyTensorsPass &other)
      : PassWrapper(other) {}
  Option<int64_t> groupSize{
      *this, "group-size",
      llvm::cl::desc("uses that keep sharing one empty (program order)"),
      llvm::cl::init(16)};

  void runOnOperation() override {
    SmallVector<tensor::EmptyOp> empties;
    getOperation().walk([&](tensor::EmptyOp e) { empties.push_back(e); });
    for (tensor::EmptyOp empty : empties) {
      Block *block = empty->getBlock();
      // The uses in program order, by their user's ancestor in the empty's
      // block.
      SmallVector<std::pair<Operation *, OpOperand *>> uses;
      for (OpOperand &use : empty->getUses())
        uses.push_back({block->findAncestorOpInBlock(*use.getOwner()), &use});
      if (groupSize < 1 || (int64_t)uses.size() <= groupSize)
        continue;
      llvm::stable_sort(uses, [](auto &a, auto &b) {
        return a.first != b.first && a.first->isBeforeInBlock(b.first);
      });
      // Each further group of uses gets a clone placed before its first
      // user (the sizes dominate the original, so they dominate it).
      Value current;
      for (auto [i, use] : llvm::enumerate(uses)) {
        if (i % groupSize == 0 && i > 0) {
          OpBuilder b(use.first);
          current = b.clone(*empty)->getResult(0);
        }
        if (current)
          use.second->set(current);
      }
    }
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createSplitEmptyTensorsPass() {
  return std::make_unique<SplitEmptyTensorsPass>();
}
