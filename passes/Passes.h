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
void populateTesseraToLinalgPatterns(RewritePatternSet &patterns,
                                     bool convKernel = false,
                                     bool gpuNormKernels = false);
void populateTesseraElementwiseLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraContractionLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraReductionLoweringPatterns(RewritePatternSet &patterns);
/// With `gpuNormKernels`, f32 layer and RMS norms whose scale and bias
/// cover the normalized dimensions (gpuNormKernelFits) become calls of the
/// CUDA target's row kernels (tessera_gpu_layer_norm_f32,
/// tessera_gpu_rms_norm_f32), which tessera-gpu-expand-kernels generates.
void populateTesseraNormalizationLoweringPatterns(RewritePatternSet &patterns,
                                                  bool gpuNormKernels = false);
/// Whether an f32 layer/RMS norm (`op`) fits the GPU row kernels: at least
/// one leading dimension, static shapes, and a scale (and bias) with one
/// element per normalized position (any shape of that many elements).
bool gpuNormKernelFits(Operation *op);
void populateTesseraDataMovementLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraConvLoweringPatterns(RewritePatternSet &patterns,
                                         bool convKernel = false);
void populateTesseraScanLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraPoolingLoweringPatterns(RewritePatternSet &patterns,
                                            bool poolKernel = false);
void populateTesseraIndexingLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraMathLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraResizeLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraAttentionLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraTokenMergeLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraLinearLoweringPatterns(RewritePatternSet &patterns);
void populateTesseraSsmLoweringPatterns(RewritePatternSet &patterns);

/// Whether `spec` is a tessera-sparsify `sparsity` (auto, unstructured:P,
/// block:RxC:P or N:M).
bool isSparsitySpec(StringRef spec);

/// Counters the fusion patterns bump (the passes copy them into their
/// statistics).
struct AttentionFusionStats {
  int64_t fused = 0, causal = 0, grouped = 0, masked = 0;
};
struct NormFusionStats {
  int64_t layerNorm = 0, rmsNorm = 0, affine = 0;
};
struct ActivationFusionStats {
  int64_t gelu = 0, geluTanh = 0, silu = 0, hardSwish = 0;
};
struct RotaryFusionStats {
  int64_t halfSplit = 0, interleaved = 0;
};
struct ProjectionMergeStats {
  int64_t gated = 0, merged = 0, projections = 0;
};
struct LinearFusionStats {
  int64_t linear = 0, patchConv = 0, bias = 0, activation = 0, residual = 0;
};
void populateAttentionFusionPatterns(RewritePatternSet &patterns,
                                     AttentionFusionStats &stats);
void populateNormFusionPatterns(RewritePatternSet &patterns,
                                NormFusionStats &stats);
void populateActivationFusionPatterns(RewritePatternSet &patterns,
                                      ActivationFusionStats &stats);
void populateRotaryFusionPatterns(RewritePatternSet &patterns,
                                  RotaryFusionStats &stats);
void populateLinearFusionPatterns(RewritePatternSet &patterns,
                                  LinearFusionStats &stats);
void populateProjectionMergePatterns(RewritePatternSet &patterns,
                                     ProjectionMergeStats &stats);
/// Fused ops -> primitive tessera ops; with `keepKernels`, ops that have a
/// CPU runtime kernel stay; with `keepGpuLinear` the linear ops cuBLASLt
/// runs with their epilogue, with `keepGpuKernels` f32 attention and
/// selective scans (the CUDA target's generated kernels).
void populateDecomposeFusedPatterns(RewritePatternSet &patterns,
                                    bool keepKernels,
                                    bool keepGpuLinear = false,
                                    bool keepGpuKernels = false);
/// SSM ops -> loops over time of primitive tessera ops (reference lowering);
/// with `keepKernels`, f32 ops stay for their runtime kernels; with
/// `keepGpuScan`, f32 selective scans stay.
void populateDecomposeSsmPatterns(RewritePatternSet &patterns, bool keepKernels,
                                  bool keepGpuScan = false);

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace tessera
} // namespace mlir

#endif // TESSERA_PASSES_PASSES_H
