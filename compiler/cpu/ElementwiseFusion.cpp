// Producer/consumer fusion of elementwise linalg.generic ops on tensors (bias +
// activation epilogues, broadcasts, softmax/norm arithmetic). Unlike upstream
// `linalg-fuse-elementwise-ops`, it never propagates reshapes through named
// contractions (which turns linalg.matmul into a generic the runtime GEMM can
// no longer take) and never fuses into a contraction, where the producer
// would be recomputed once per reduction step.
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace {

bool shouldFuse(OpOperand *fusedOperand) {
  Operation *producer = fusedOperand->get().getDefiningOp();
  auto consumer = dyn_cast<linalg::LinalgOp>(fusedOperand->getOwner());
  if (!producer || !consumer || !producer->hasOneUse())
    return false;
  // Reductions are fine consumers (exp fused into a softmax sum); a
  // contraction's operand is read once per output element and K times overall.
  return consumer.getNumReductionLoops() <= 1 &&
         !linalg::isaContractionOpInterface(consumer);
}

struct ElementwiseFusionPass
    : PassWrapper<ElementwiseFusionPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ElementwiseFusionPass)
  StringRef getName() const final { return "ElementwiseFusionPass"; }
  StringRef getArgument() const final { return "tessera-elementwise-fusion"; }
  StringRef getDescription() const final {
    return "Fuse elementwise linalg.generic producers into their consumers";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<linalg::LinalgDialect, tensor::TensorDialect>();
  }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createElementwiseFusionPass() {
  return std::make_unique<ElementwiseFusionPass>();
}
