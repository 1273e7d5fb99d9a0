// Marks the combiner of floating-point linalg reductions (sum, product) as
// reassociable, so LLVM's loop vectorizer may reorder the accumulation into
// vector lanes. Changes rounding only (well inside the 1e-4 contract).
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;

namespace {

struct ReassociateReductionsPass
    : PassWrapper<ReassociateReductionsPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ReassociateReductionsPass)
  StringRef getName() const final { return "ReassociateReductionsPass"; }
  StringRef getArgument() const final {
    return "tessera-reassociate-reductions";
  }
  StringRef getDescription() const final {
    return "Allow reassociation of float sums/products in linalg reductions";
  }
  void runOnOperation() override {
    getOperation()->walk([](linalg::GenericOp op) {
      if (op.getNumReductionLoops() == 0)
        return;
      for (BlockArgument acc : op.getRegionOutputArgs())
        for (Operation *user : acc.getUsers())
          if (auto fmf = dyn_cast<arith::ArithFastMathInterface>(user);
              fmf && isa<arith::AddFOp, arith::MulFOp>(user))
            user->setAttr(
                fmf.getFastMathAttrName(),
                arith::FastMathFlagsAttr::get(
                    op.getContext(), fmf.getFastMathFlagsAttr().getValue() |
                                         arith::FastMathFlags::reassoc));
    });
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createReassociateReductionsPass() {
  return std::make_unique<ReassociateReductionsPass>();
}
