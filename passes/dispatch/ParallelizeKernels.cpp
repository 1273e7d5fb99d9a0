// Kernels with enough parallel work get a [lo, hi) range of one parallel
// loop as two extra arguments; callers pass the full range. The CPU code
// generator then hands such calls to the runtime's thread pool. See
// Passes.td (tessera-parallelize-kernels).
#include "passes/Passes.h"
#include "passes/dispatch/KernelWork.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_PARALLELIZEKERNELS
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;

namespace {

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
      linalg::LinalgOp root = tessera::dispatch::kernelRoot(kernel);
      if (!root || root.getNumParallelLoops() == 0)
        continue;
      // A kernel merged from twins of other sizes (tessera-outline-kernels)
      // has dynamic ranges: the least work of the twins.
      int64_t w = tessera::dispatch::staticWork(root);
      if (auto least = kernel->getAttrOfType<IntegerAttr>("tessera.min_work");
          !w && least)
        w = least.getInt();
      if (w < minWork)
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

    // The outermost dim with a few iterations, else the longest. A dynamic
    // range (the size of an argument's dim: each call passes its own) counts
    // as long.
    Block &entry = kernel.getBody().front();
    auto argDim = [&](Value ub) -> std::optional<std::pair<unsigned, int64_t>> {
      auto dimOp = ub.getDefiningOp<memref::DimOp>();
      auto arg = dimOp ? dyn_cast<BlockArgument>(dimOp.getSource()) : nullptr;
      std::optional<int64_t> d =
          dimOp ? getConstantIntValue(dimOp.getIndex()) : std::nullopt;
      if (!arg || arg.getOwner() != &entry || !d)
        return std::nullopt;
      return std::make_pair(arg.getArgNumber(), *d);
    };
    constexpr int64_t unknown = std::numeric_limits<int64_t>::max();
    int64_t dim = -1, longest = -1, longestSize = 0;
    SmallVector<int64_t> sizes;
    SmallVector<std::optional<std::pair<unsigned, int64_t>>> dynamicSizes;
    for (auto [i, lb, ub, step] :
         llvm::enumerate(parallel.getLowerBound(), parallel.getUpperBound(),
                         parallel.getStep())) {
      std::optional<int64_t> l = getConstantIntValue(lb),
                             u = getConstantIntValue(ub),
                             s = getConstantIntValue(step);
      dynamicSizes.push_back(u ? std::nullopt : argDim(ub));
      sizes.push_back(0);
      if (!l || !s || *l != 0 || *s != 1 || (!u && !dynamicSizes.back()))
        continue;
      int64_t size = u ? *u : unknown;
      sizes.back() = size;
      if (dim < 0 && size >= 4)
        dim = i;
      if (size > longestSize) {
        longest = i;
        longestSize = size;
      }
    }
    if (dim < 0)
      dim = longest;
    if (dim < 0 || sizes[dim] < 2)
      return;
    // A dynamic range: 0, and each call passes the size of its buffer's dim.
    int64_t trip = sizes[dim] == unknown ? 0 : sizes[dim];
    std::optional<std::pair<unsigned, int64_t>> dynamicTrip =
        trip ? std::nullopt : dynamicSizes[dim];

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
    // 0: each call passes its own trip count as `hi`.
    kernel->setAttr("tessera.parallel_trip", rewriter.getI64IntegerAttr(trip));

    for (Operation *user : users.getUsers(kernel)) {
      auto call = dyn_cast<func::CallOp>(user);
      if (!call)
        continue;
      rewriter.setInsertionPoint(call);
      Value zero = arith::ConstantIndexOp::create(rewriter, call.getLoc(), 0);
      Value full =
          dynamicTrip
              ? Value(memref::DimOp::create(rewriter, call.getLoc(),
                                            call.getOperand(dynamicTrip->first),
                                            dynamicTrip->second))
              : Value(arith::ConstantIndexOp::create(rewriter, call.getLoc(),
                                                     trip));
      SmallVector<Value> operands(call.getOperands());
      operands.append({zero, full});
      rewriter.replaceOpWithNewOp<func::CallOp>(call, kernel, operands);
    }
    ++numParallel;
  }
};

} // namespace
