// Tessera's passes: the generated declarations, registration and the pattern
// entry points that pipelines combine.
#ifndef TESSERA_PASSES_PASSES_H
#define TESSERA_PASSES_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace tessera {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Lowering patterns tessera -> linalg/tensor/arith/math, one entry point per
/// op family; populateTesseraToLinalgPatterns adds them all.
void populateTesseraToLinalgPatterns(RewritePatternSet &patterns);
void populateTesseraElementwiseLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraContractionLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraReductionLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraNormalizationLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraDataMovementLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraConvLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraScanLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraPoolingLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraIndexingLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraMathLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraResizeLoweringPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace tessera
} // namespace mlir

#endif // TESSERA_PASSES_PASSES_H
