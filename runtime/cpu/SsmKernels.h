// The Mamba kernels' inner steps (Ssm.cpp drives them; SsmAvx2.cpp has the
// AVX2 ones): the selective scan on tiles of 16 channels and the causal
// depthwise conv1d.
#ifndef TESSERA_RUNTIME_SSMKERNELS_H
#define TESSERA_RUNTIME_SSMKERNELS_H

#include <cstdint>

namespace tessera {

/// Channels (or, for conv1d on time-contiguous rows, timesteps) per vector
/// group of the kernels.
constexpr int ssmLanes = 16;

// One tile of the scan: tc timesteps of 16 channels, states n of h kept as
// h[n*16 + lane]. B and C are either time-varying rows (value of step t,
// state n at B[t*ldb + n], the same for all lanes) or per-channel vectors
// (B[n*16 + lane]).
struct ScanTile {
  int tc;
  int ld;                // of the rows of dt, dtx and y
  const float *dt, *dtx; // [tc][ld]: dt and dt * x
  const float *A;        // [N][16]
  const float *B, *C;
  int64_t ldb, ldc;
  float *h; // [N][16]
  float *y; // [tc][ld], accumulated into
};

struct ScanKernels {
  // dt = delta + bias, softplus'ed if asked; y = Dskip * x (or 0); then
  // x = dt * x. All [tc][width] (width a multiple of 16); bias and dskip
  // [width] or null.
  void (*prep)(int tc, int width, float *dt, float *x, float *y,
               const float *bias, const float *dskip, bool softplus);
  void (*scan)(const ScanTile &tile, int64_t N, bool bPerChannel,
               bool cPerChannel);
};

struct ConvKernels {
  // Lanes over time, one channel: out[t] = bias + sum_k w[k] * x[t - off_k]
  // for t < tt, off_k = (K-1-k) * dilation, where x below index lo reads 0.
  void (*row)(const float *x, int64_t lo, int tt, const float *w, int64_t K,
              int64_t dilation, float bias, float *out);
  // Lanes over channels with unit channel stride, rows of `width` (a
  // multiple of 16): out[t*width + c] = bias[c] + sum_k wT[k*width + c] *
  // x[(t - off_k)*ldt + c], rows below lo read 0; channels from cols on
  // are not read (out gets bias there).
  void (*channels)(const float *x, int64_t ldt, int cols, int width, int64_t lo,
                   int tt, const float *wT, int64_t K, int64_t dilation,
                   const float *bias, float *out);
};

#if defined(__x86_64__)
/// SsmAvx2.cpp's kernels (call them only where the CPU has AVX2 and FMA).
extern const ScanKernels scanAvx2Kernels;
extern const ConvKernels convAvx2Kernels;
#endif

} // namespace tessera

#endif // TESSERA_RUNTIME_SSMKERNELS_H
