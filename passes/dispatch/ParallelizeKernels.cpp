// Kernels with enough parallel work get a [lo, hi) range of one parallel
// loop as two extra arguments; callers pass the full range. The CPU code
// generator then hands such calls to the runtime's thread pool. See
// Passes.td (tessera-parallelize-kernels).
#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_PARALLELIZEKERNELS
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;

namespace {

/// The kernel's one computation: a linalg op on buffers, or null.
linalg::LinalgOp kernelRoot(func::FuncOp kernel) {
  linalg::LinalgOp root;
  for (Operation &op : kernel.getBody().front()) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      if (root)
        return nullptr;
      root = linalgOp;
    } else if (op.getNumRegions() > 0) {
      return nullptr;
    }
  }
  return root && root.hasPureBufferSemantics() ? root : nullptr;
}

/// Loop iterations times the ops of the body: 0 if not static.
int64_t work(linalg::LinalgOp op) {
  int64_t iterations = 1;
  for (int64_t range : op.getStaticLoopRanges()) {
    if (ShapedType::isDynamic(range))
      return 0;
    iterations *= range;
  }
  int64_t bodyOps = std::max<int64_t>(
      1, (int64_t)op.getBlock()->getOperations().size() - 1);
  return iterations * bodyOps;
}

struct ParallelizeKernelsPass
    : tessera::impl::ParallelizeKernelsBase<ParallelizeKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTableCollection tables;
    SymbolUserMap users(tables, module);
    for (auto kernel :
         llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (!kernel->hasAttr("tessera.kernel") ||
          kernel->hasAttr("tessera.parallel_trip"))
        continue;
      linalg::LinalgOp root = kernelRoot(kernel);
      if (!root || root.getNumParallelLoops() == 0 || work(root) < minWork)
        continue;
      parallelize(kernel, root, users);
    }
  }

  void parallelize(func::FuncOp kernel, linalg::LinalgOp root,
                   SymbolUserMap &users) {
    IRRewriter rewriter(root);
    FailureOr<linalg::LinalgLoops> loops =
        linalg::linalgOpToParallelLoops(rewriter, root);
    if (failed(loops) || loops->empty())
      return;
    rewriter.eraseOp(root);
    // An outermost reduction leaves the kernel serial (its loops are what
    // linalg-to-loops would have made).
    auto parallel = dyn_cast<scf::ParallelOp>(loops->front());
    if (!parallel)
      return;

    // The outermost dim with a few iterations, else the longest.
    int64_t dim = -1, trip = 0, longest = -1, longestTrip = 0;
    for (auto [i, lb, ub, step] :
         llvm::enumerate(parallel.getLowerBound(), parallel.getUpperBound(),
                         parallel.getStep())) {
      std::optional<int64_t> l = getConstantIntValue(lb),
                             u = getConstantIntValue(ub),
                             s = getConstantIntValue(step);
      if (!l || !u || !s || *l != 0 || *s != 1)
        continue;
      if (dim < 0 && *u >= 4) {
        dim = i;
        trip = *u;
      }
      if (*u > longestTrip) {
        longest = i;
        longestTrip = *u;
      }
    }
    if (dim < 0) {
      dim = longest;
      trip = longestTrip;
    }
    if (dim < 0 || trip < 2)
      return;

    Block &entry = kernel.getBody().front();
    Type index = rewriter.getIndexType();
    Location loc = kernel.getLoc();
    unsigned n = kernel.getNumArguments();
    if (failed(kernel.insertArguments({n, n}, {index, index},
                                      {DictionaryAttr(), DictionaryAttr()},
                                      {loc, loc})))
      return;
    unsigned numDims = parallel.getNumLoops();
    parallel->setOperand(dim, entry.getArgument(n));
    parallel->setOperand(numDims + dim, entry.getArgument(n + 1));
    kernel->setAttr("tessera.parallel_trip", rewriter.getI64IntegerAttr(trip));

    for (Operation *user : users.getUsers(kernel)) {
      auto call = dyn_cast<func::CallOp>(user);
      if (!call)
        continue;
      rewriter.setInsertionPoint(call);
      Value zero = arith::ConstantIndexOp::create(rewriter, call.getLoc(), 0);
      Value full =
          arith::ConstantIndexOp::create(rewriter, call.getLoc(), trip);
      SmallVector<Value> operands(call.getOperands());
      operands.append({zero, full});
      rewriter.replaceOpWithNewOp<func::CallOp>(call, kernel, operands);
    }
    ++numParallel;
  }
};

} // namespace
