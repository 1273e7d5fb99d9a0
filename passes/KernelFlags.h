// Flags of the runtime kernels' calls (tessera.call_kernel scalars), from
// the kernels' own definitions in runtime/include/tessera_runtime.h: set by
// the lowerings (passes/lowering/) and read by the CUDA target's expansion
// of the same calls into loop nests (compiler/cuda/ExpandKernels.cpp).
#ifndef TESSERA_PASSES_KERNELFLAGS_H
#define TESSERA_PASSES_KERNELFLAGS_H

#include "runtime/include/tessera_runtime.h"

#include <cstdint>

namespace mlir::tessera::abi {

/// tessera_attention_f32.
enum AttentionFlags : int64_t {
  kCausal = TESSERA_ATTENTION_CAUSAL,
  kHasMask = TESSERA_ATTENTION_MASK,
  kKvTiled = TESSERA_ATTENTION_KV_TILED,
  kPaddingQueries = TESSERA_ATTENTION_PADDING_QUERIES,
  kAttentionFlags = kCausal | kHasMask | kKvTiled | kPaddingQueries
};

/// tessera_selective_scan_f32.
enum SelectiveScanFlags : int64_t {
  kScanSoftplus = TESSERA_SSM_DELTA_SOFTPLUS,
  kScanHasD = TESSERA_SSM_D_SKIP,
  kScanHasZ = TESSERA_SSM_Z_GATE,
  kScanHasDeltaBias = TESSERA_SSM_DELTA_BIAS,
  kScanHasInitialState = TESSERA_SSM_H0,
  kScanBPerChannel = TESSERA_SSM_B_PER_CHANNEL,
  kScanCPerChannel = TESSERA_SSM_C_PER_CHANNEL,
  kScanFlags = kScanSoftplus | kScanHasD | kScanHasZ | kScanHasDeltaBias |
               kScanHasInitialState | kScanBPerChannel | kScanCPerChannel
};

/// tessera_layer_norm_f32 / tessera_rms_norm_f32.
enum NormFlags : int64_t {
  kNormHasBias = TESSERA_NORM_BIAS,
  kNormFlags = kNormHasBias
};

} // namespace mlir::tessera::abi

#endif // TESSERA_PASSES_KERNELFLAGS_H
