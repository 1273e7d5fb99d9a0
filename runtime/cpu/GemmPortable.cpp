// The portable fp32 GEMM micro-kernel (CPUs without AVX2) and the portable
// epilogue: Activations.h's formulas in scalar code, for the GEMM, the conv
// kernels' fallbacks and tests. Gemm.cpp has the GEMM that calls them.
#include "cpu/Activations.h"
#include "cpu/ExpPortable.h"
#include "cpu/GemmKernels.h"

#include <cmath>
#include <cstdint>

#define TESSERA_INLINE __attribute__((always_inline)) inline

namespace tessera {

namespace {
// Activations.h's activation `act` of x (below, with the portable epilogue).
float activateScalar(int act, float x);
} // namespace

void gemmMicroKernelPortable(int64_t kc, const float *Ap, const float *Bp,
                             float *C, int64_t ldc, int m, int n,
                             bool overwrite, const TileStore *store, Prefetch) {
  float acc[gemmMR][gemmNR] = {};
  for (int64_t k = 0; k < kc; ++k, Ap += gemmMR, Bp += gemmNR)
    for (int r = 0; r < gemmMR; ++r)
      for (int j = 0; j < gemmNR; ++j)
        acc[r][j] += Ap[r] * Bp[j];
  for (int r = 0; r < m; ++r) {
    float rowBias = store && store->rowBias
                        ? store->rowBias[r * store->rowBiasStride]
                        : 0.0f;
    for (int j = 0; j < n; ++j) {
      float v = overwrite ? acc[r][j] : C[r * ldc + j] + acc[r][j];
      if (store) {
        v += rowBias;
        if (store->bias)
          v += store->bias[j * store->biasStride];
        if (store->activation != ActNone)
          v = activateScalar(store->activation, v);
        if (store->residual)
          v += store->residual[r * store->residualStride + j];
        // NaN < lo and NaN > hi are false: NaN stays.
        if (store->clamp) {
          v = v < store->lo ? store->lo : v;
          v = v > store->hi ? store->hi : v;
        }
      }
      C[r * ldc + j] = v;
    }
  }
}

// ---- Portable activations: the formulas of GemmAvx512.cpp in scalar code,
// without libm calls or branches. (GCC still leaves these loops scalar: under
// its default -ftrapping-math it will not if-convert the clamps.) See
// Activations.h.
namespace {

TESSERA_INLINE float overOnePlusExpNeg(float x, float y) {
  return x / (1.0f + expPortable(-y));
}

TESSERA_INLINE float tanhPortable(float x) {
  float ax = std::fabs(x), s = x * x;
  float p = -5.70498872745e-3f;
  p = p * s + 2.06390887954e-2f;
  p = p * s - 5.37397155531e-2f;
  p = p * s + 1.33314422036e-1f;
  p = p * s - 3.33332819422e-1f;
  float small = p * s * x + x;
  float large = std::copysign(1.0f - 2.0f / (expPortable(ax + ax) + 1.0f), x);
  return ax < 0.625f ? small : large;
}

TESSERA_INLINE float geluPortable(float x) {
  float z = x * 0.707106781186547524f;
  // Clamped; a NaN stays NaN.
  float c = z > geluErfLimit    ? geluErfLimit
            : z < -geluErfLimit ? -geluErfLimit
                                : z;
  float s = c * c, p = geluErfP[0], q = geluErfQ[0];
  for (int i = 1; i < 7; ++i)
    p = p * s + geluErfP[i];
  for (int i = 1; i < 5; ++i)
    q = q * s + geluErfQ[i];
  float erf = std::fabs(z) >= geluErfLimit ? std::copysign(1.0f, z) : c * p / q;
  float h = 0.5f * x;
  return h * erf + h;
}

template <int Act> TESSERA_INLINE float activate(float x) {
  constexpr double c = 2 * 0.797884560802865355; // 2 sqrt(2/pi)
  switch (Act) {
  case ActRelu:
    return x < 0.0f ? 0.0f : x;
  case ActGelu:
    return geluPortable(x);
  case ActGeluTanh:
    return overOnePlusExpNeg(x, x * ((x * x) * float(c * 0.044715) + float(c)));
  case ActSilu:
    return overOnePlusExpNeg(x, x);
  case ActSigmoid:
    return overOnePlusExpNeg(1.0f, x);
  case ActTanh:
    return tanhPortable(x);
  case ActHardSwish: {
    float t = x + 3.0f;
    t = t < 0.0f ? 0.0f : t;
    return x * (t > 6.0f ? 6.0f : t) * (1.0f / 6);
  }
  default:
    return x;
  }
}

float activateScalar(int act, float x) {
  dispatchActivation(act, [&](auto a) { x = activate<decltype(a)::value>(x); });
  return x;
}

template <int Act>
TESSERA_INLINE void epilogueBlock(const Epilogue &e, float *x, int64_t ldx,
                                  int64_t m, int64_t n) {
  for (int64_t r = 0; r < m; ++r, x += ldx) {
    const float *res =
        e.residual ? e.residual + r * e.residualRowStride : nullptr;
    float rb = e.rowBias ? e.rowBias[r * e.rowBiasStride] : 0.0f;
    for (int64_t j = 0; j < n; ++j) {
      float v = x[j] + rb;
      if (e.bias)
        v += e.bias[j * e.biasStride];
      v = activate<Act>(v);
      if (res)
        v += res[j * e.residualColStride];
      if (e.clamp) {
        // NaN < lo and NaN > hi are false: NaN stays.
        v = v < e.clampMin ? e.clampMin : v;
        v = v > e.clampMax ? e.clampMax : v;
      }
      x[j] = v;
    }
  }
}

} // namespace

void applyEpiloguePortable(const Epilogue &e, float *x, int64_t ldx, int64_t m,
                           int64_t n) {
  dispatchActivation(e.activation, [&](auto act) {
    epilogueBlock<decltype(act)::value>(e, x, ldx, m, n);
  });
}

} // namespace tessera
