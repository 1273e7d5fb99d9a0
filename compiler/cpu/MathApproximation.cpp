// Replaces f32 transcendental math ops by MLIR's polynomial approximations:
// plain arithmetic that LLVM's loop vectorizer turns into AVX-512, where a
// libm call per element would block vectorization.
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace {

struct CpuMathApproximationPass
    : PassWrapper<CpuMathApproximationPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CpuMathApproximationPass)
  StringRef getName() const final { return "CpuMathApproximationPass"; }
  StringRef getArgument() const final {
    return "tessera-cpu-math-approximation";
  }
  StringRef getDescription() const final {
    return "Polynomial approximations for f32 math functions";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, math::MathDialect,
                    vector::VectorDialect>();
  }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Each of these is accurate to a few ulp in f32, well inside the 1e-4
    // relative-L2 contract; sin/cos stay with libm (range reduction).
    auto approximate = [](StringRef name) {
      return llvm::is_contained({"math.tanh", "math.erf", "math.erfc",
                                 "math.exp", "math.expm1", "math.log",
                                 "math.log1p", "math.log2", "math.atan",
                                 "math.atan2", "math.cbrt"},
                                name);
    };
    // f16/bf16 compute through f32, then the f32 approximations apply.
    populateMathF32ExpansionPatterns(patterns, approximate);
    populateMathPolynomialApproximationPatterns(patterns, approximate);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createCpuMathApproximationPass() {
  return std::make_unique<CpuMathApproximationPass>();
}
