// Elementwise linalg.generic ops on buffers iterate over as few dimensions as
// their operands allow: runs of loop dimensions that every operand stores
// contiguously become one loop (upstream collapseOpIterationDims, with
// memref.collapse_shape views of the operands). A [1, C, 28, 28] loop nest
// otherwise reaches LLVM as a 28-trip inner loop, which it unrolls fully and
// then vectorizes the row loop around it with gathers and scatters of stride
// 28; collapsed, the inner loop is C*784 long and unit-strided.
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace {

/// The reassociation of `operand`'s dimensions that collapsing the loop
/// dimensions in `groups` (runs of consecutive loop dimensions) implies:
/// the operand's dimensions indexed by one group form one group.
SmallVector<ReassociationIndices>
operandGroups(AffineMap map, ArrayRef<ReassociationIndices> groups) {
  SmallVector<ReassociationIndices> result;
  int64_t previousGroup = -1;
  for (unsigned r = 0; r < map.getNumResults(); ++r) {
    int64_t dim = cast<AffineDimExpr>(map.getResult(r)).getPosition();
    int64_t group = -1;
    for (auto [g, dims] : llvm::enumerate(groups))
      if (llvm::is_contained(dims, dim))
        group = g;
    if (group >= 0 && group == previousGroup)
      result.back().push_back(r);
    else
      result.push_back({int64_t(r)});
    previousGroup = group;
  }
  return result;
}

/// Whether loop dimensions `groups` can be collapsed in `op`: each run is
/// contiguous and in order in every indexing map, and every operand's
/// strides let its view be collapsed the same way.
bool collapsible(linalg::GenericOp op, ArrayRef<ReassociationIndices> groups) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!linalg::areDimSequencesPreserved(maps, groups))
    return false;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type)
      continue;
    if (!memref::CollapseShapeOp::isGuaranteedCollapsible(
            type, operandGroups(op.getMatchingIndexingMap(&operand), groups)))
      return false;
  }
  return true;
}

/// The longest runs of loop dimensions that can be collapsed, greedily from
/// the outermost; only runs of two or more.
SmallVector<ReassociationIndices> collapsibleRuns(linalg::GenericOp op) {
  SmallVector<ReassociationIndices> runs;
  unsigned numLoops = op.getNumLoops();
  for (unsigned start = 0; start < numLoops;) {
    ReassociationIndices run{int64_t(start)};
    for (unsigned next = start + 1; next < numLoops; ++next) {
      SmallVector<ReassociationIndices> trial(runs);
      ReassociationIndices longer = run;
      longer.push_back(next);
      trial.push_back(longer);
      if (!collapsible(op, trial))
        break;
      run = longer;
    }
    start += run.size();
    if (run.size() > 1)
      runs.push_back(run);
  }
  return runs;
}

/// An all-parallel generic on buffers whose maps are projected permutations
/// and whose body does not read its indices (a collapsed index would have
/// to be delinearized per element).
bool isCandidate(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() < 2 ||
      op.getNumParallelLoops() != op.getNumLoops())
    return false;
  if (!llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) {
        return map.isProjectedPermutation(/*allowZeroInResults=*/false);
      }))
    return false;
  return op.getBody()->getOps<linalg::IndexOp>().empty();
}

struct CollapseParallelDimsPass
    : PassWrapper<CollapseParallelDimsPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CollapseParallelDimsPass)
  StringRef getName() const final { return "CollapseParallelDimsPass"; }
  StringRef getArgument() const final {
    return "tessera-collapse-parallel-dims";
  }
  StringRef getDescription() const final {
    return "Collapse the contiguous loop dimensions of elementwise "
           "linalg.generic ops on buffers";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<affine::AffineDialect, arith::ArithDialect,
                    linalg::LinalgDialect, memref::MemRefDialect>();
  }

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> candidates;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isCandidate(op))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : candidates) {
      SmallVector<ReassociationIndices> runs = collapsibleRuns(op);
      if (runs.empty())
        continue;
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::CollapseResult> collapsed =
          linalg::collapseOpIterationDims(op, runs, rewriter);
      if (failed(collapsed))
        continue;
      rewriter.eraseOp(op);
    }
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createCollapseParallelDimsPass() {
  return std::make_unique<CollapseParallelDimsPass>();
}
