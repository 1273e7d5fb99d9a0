// The elementwise epilogue of the fused linear layer, act(x + bias) + residual,
// with vectorised activations: AVX-512 (GemmAvx512.cpp), AVX2
// (EpilogueAvx2.cpp) and portable (Gemm.cpp) versions that compute the same
// formulas.
#ifndef TESSERA_RUNTIME_ACTIVATIONS_H
#define TESSERA_RUNTIME_ACTIVATIONS_H

#include "tessera_runtime.h"

#include <cstdint>

namespace tessera {

// The codes of tessera_linear_f32's flags (bits 0-3).
enum Activation : int {
  ActNone = 0,
  ActRelu = 1,
  ActGelu = 2,     // x/2 (1 + erf(x/sqrt 2))
  ActGeluTanh = 3, // x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  ActSilu = 4,     // x sigmoid(x)
  ActSigmoid = 5,
  ActTanh = 6,
  ActHardSwish = 7, // x min(max(x + 3, 0), 6) / 6
};

// x[r*ldx + j] = act(x[r*ldx + j] + bias[j*biasStride])
//                + residual[r*residualRowStride + j*residualColStride]
// for r < m, j < n, where a null bias or residual is left out and any stride
// may be 0 (broadcast). A whole block per call, so that the exps of its rows
// overlap in the pipeline. Both versions are within 2e-6 (relative above 1,
// absolute below) of the exact functions (measured over [-20, 20]: gelu
// 8.3e-7, the others <= 1.2e-7), saturate without NaN for large finite |x|
// and return NaN for
// NaN; -inf gives NaN for gelu, gelu_tanh and silu (-inf * 0, as the
// formulas do):
// - exp: Cody-Waite reduction by ln 2 and a degree-7 polynomial (Cephes
//   expf, 1 ulp), scaled by 2^n, so that it underflows to 0 and overflows to
//   inf instead of wrapping (AVX2: no subnormals; below -86 it stays at e^-86,
//   where no activation's result changes by more than 1e-36);
// - sigmoid 1/(1+e^-x), silu x/(1+e^-x), and gelu_tanh as x sigmoid(2u),
//   which equals x/2 (1 + tanh u) without its cancellation for u << 0;
// - tanh: odd polynomial below |x| = 0.625 (Cephes tanhf), else
//   sign(x) (1 - 2/(e^{2|x|}+1));
// - gelu: x/2 + x/2 erf(z), z = x/sqrt 2, erf(z) = z P(z^2) / Q(z^2) for
//   |z| < 4 (geluErfP/Q: a rational fit within 6e-8 of erf) and +-1 from
//   |z| = 4 on (erf(4) = 1 - 1.5e-8): one division and no exp, 2.2-2.6x
//   faster than the piecewise erff with an exp it replaced (within 1.3e-7):
//   in a linear layer's epilogue (3136 x 96 x 384, ConvNeXt's and Swin's
//   first MLPs, 2 threads, alternating in one process) it cost 182-261 us
//   over no activation, now 88-98. Its error is absolute where the result
//   is small: <= 9.2e-7, at x = -5.3 (a 1e-5 grid over [-20, 20]).
/// gelu's erf(z) = z P(z^2) / Q(z^2) for |z| < geluErfLimit, coefficients
/// highest power first: a least-squares fit of erf on [0, 4], reweighted
/// toward the minimax error (6e-8).
constexpr float geluErfLimit = 4.0f;
constexpr float geluErfP[7] = {1.922344061711101e-08f, -1.9908404738089303e-06f,
                               1.55570000060834e-04f,  4.293757490813732e-03f,
                               5.243588611483574e-02f, 2.1395191550254822e-01f,
                               1.1283786296844482f};
constexpr float geluErfQ[5] = {1.0982544627040625e-03f, 1.5552573837339878e-02f,
                               1.2080375850200653e-01f, 5.229376554489136e-01f,
                               1.0f};

struct Epilogue {
  int activation = ActNone;
  const float *bias = nullptr;
  int64_t biasStride = 0;
  const float *residual = nullptr; // must not overlap x
  int64_t residualRowStride = 0, residualColStride = 0;
  // A bias per row (a convolution's output channels), added before the
  // rest, and a clamp into [clampMin, clampMax] after everything else (NaN
  // stays NaN; a convolution's fused ReLU/Clip). The order: row bias, bias,
  // activation, residual, clamp.
  const float *rowBias = nullptr;
  int64_t rowBiasStride = 0;
  bool clamp = false;
  float clampMin = -__builtin_inff(), clampMax = __builtin_inff();
};

/// `e` with its biases and residual moved to element (i, j).
inline Epilogue epilogueAt(Epilogue e, int64_t i, int64_t j) {
  if (e.rowBias)
    e.rowBias += i * e.rowBiasStride;
  if (e.bias)
    e.bias += j * e.biasStride;
  if (e.residual)
    e.residual += i * e.residualRowStride + j * e.residualColStride;
  return e;
}

/// Calls body(ActivationTag<A>{}) for the runtime activation `a`, so each
/// epilogue is compiled once per activation. Always inlined: a kernel whose
/// body lambda is inlined too keeps its accumulators in registers across
/// the switch.
template <Activation A> struct ActivationTag {
  static constexpr Activation value = A;
};
template <typename Body>
__attribute__((always_inline)) inline void dispatchActivation(int a,
                                                              Body &&body) {
  switch (a) {
  case ActRelu: body(ActivationTag<ActRelu>{}); break;
  case ActGelu: body(ActivationTag<ActGelu>{}); break;
  case ActGeluTanh: body(ActivationTag<ActGeluTanh>{}); break;
  case ActSilu: body(ActivationTag<ActSilu>{}); break;
  case ActSigmoid: body(ActivationTag<ActSigmoid>{}); break;
  case ActTanh: body(ActivationTag<ActTanh>{}); break;
  case ActHardSwish:
    body(ActivationTag<ActHardSwish>{});
    break;
  default: body(ActivationTag<ActNone>{}); break;
  }
}

using EpilogueFn = void (*)(const Epilogue &e, float *x, int64_t ldx,
                            int64_t m, int64_t n);

// Built with -mavx512f -mfma; call only when the CPU has AVX-512F.
void applyEpilogueAvx512(const Epilogue &e, float *x, int64_t ldx, int64_t m,
                         int64_t n);
// Built with -mavx2 -mfma (EpilogueAvx2.cpp); call only on such CPUs.
void applyEpilogueAvx2(const Epilogue &e, float *x, int64_t ldx, int64_t m,
                       int64_t n);
void applyEpiloguePortable(const Epilogue &e, float *x, int64_t ldx,
                           int64_t m, int64_t n);
// The one the fp32 linear layer uses (AVX-512 where its GEMM does), so that
// other fused layers round exactly like it.
void applyLinearEpilogue(const Epilogue &e, float *x, int64_t ldx, int64_t m,
                         int64_t n);
// epilogueAt out of line, for kernels built for other CPUs than the code
// around them (an inline copy compiled there could be the one linked).
Epilogue epilogueMoved(const Epilogue &e, int64_t i, int64_t j);

// tessera_linear_f32's flags and operands as an epilogue.
Epilogue linearEpilogue(int64_t flags, const tessera_memref1d_f32 *bias,
                        const tessera_memref2d_f32 *R);

// Where a linear-layer kernel writes y: C itself when its rows are
// contiguous, otherwise a contiguous per-thread scratch that finish()
// copies to C.
struct LinearOutput {
  float *y;
  int64_t ld;
  const tessera_memref2d_f32 *C;

  explicit LinearOutput(const tessera_memref2d_f32 *C);
  void finish() const;
  // The epilogue on y[i0:i0+m, j0:j0+n] (nothing when it has nothing to do).
  void epilogue(const Epilogue &e, int64_t i0, int64_t m, int64_t j0,
                int64_t n) const;
};

} // namespace tessera

#endif
