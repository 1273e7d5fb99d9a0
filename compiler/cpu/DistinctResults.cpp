// A function that returns one tensor in several result positions (an ONNX
// graph whose outputs are Identity copies of one value) gets a copy for each
// repeat, so that every result bufferizes to its own out-param: upstream's
// buffer-results-to-out-params cannot give one buffer two out-params.
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace {

struct DistinctResultsPass
    : PassWrapper<DistinctResultsPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(DistinctResultsPass)
  StringRef getName() const final { return "DistinctResultsPass"; }
  StringRef getArgument() const final { return "tessera-distinct-results"; }
  StringRef getDescription() const final {
    return "Copy a tensor returned more than once, once per repeat";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<linalg::LinalgDialect, tensor::TensorDialect>();
  }
  void runOnOperation() override {
    getOperation().walk([](func::ReturnOp ret) {
      OpBuilder b(ret);
      llvm::SmallPtrSet<Value, 8> seen;
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<RankedTensorType>(v.getType());
        if (!type || seen.insert(v).second)
          continue;
        SmallVector<OpFoldResult> sizes =
            tensor::getMixedSizes(b, ret.getLoc(), v);
        Value empty = tensor::EmptyOp::create(b, ret.getLoc(), sizes,
                                              type.getElementType());
        operand.set(
            linalg::CopyOp::create(b, ret.getLoc(), v, empty).getResult(0));
      }
    });
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createDistinctResultsPass() {
  return std::make_unique<DistinctResultsPass>();
}
