// bf16 arithmetic and conversions in integer and f32 operations, so that no
// compiler-rt/libgcc helper (`__truncsfbf2`, which Debian 12's libgcc lacks)
// is needed: arithmetic on bf16 runs in f32 between an extf and a truncf (the
// rounding of each op is kept), then every bf16 extf/truncf becomes shifts
// and bitcasts (truncf rounds to nearest even; NaN stays NaN).
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace {

struct ExpandBf16Pass : PassWrapper<ExpandBf16Pass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ExpandBf16Pass)
  StringRef getName() const final { return "ExpandBf16Pass"; }
  StringRef getArgument() const final { return "tessera-expand-bf16"; }
  StringRef getDescription() const final {
    return "bf16 arithmetic through f32; bf16 casts as integer operations";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, vector::VectorDialect>();
  }
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    Type bf16 = BFloat16Type::get(ctx);

    // Arithmetic on bf16 in f32 (arith.addf ... on bf16 become extf, the f32
    // op, truncf).
    TypeConverter converter;
    arith::populateEmulateUnsupportedFloatsConversions(converter, {bf16},
                                                       Float32Type::get(ctx));
    RewritePatternSet emulate(ctx);
    arith::populateEmulateUnsupportedFloatsPatterns(emulate, converter);
    ConversionTarget target(*ctx);
    arith::populateEmulateUnsupportedFloatsLegality(target, converter);
    target.addLegalDialect<vector::VectorDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(emulate)))) {
      signalPassFailure();
      return;
    }

    // The casts as bit operations.
    RewritePatternSet expand(ctx);
    arith::populateExpandBFloat16Patterns(expand);
    if (failed(applyPatternsGreedily(getOperation(), std::move(expand))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createExpandBf16Pass() {
  return std::make_unique<ExpandBf16Pass>();
}
