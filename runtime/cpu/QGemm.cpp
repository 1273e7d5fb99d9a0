// The quantized linear layer, C = act(A·Wdq^T + bias) + R
// (_mlir_ciface_tessera_qlinear_f32). Weights are repacked for the kernels,
// once for constant ones. Weight-only quantization computes in fp32 with the
// weights dequantized on the fly: a GEMV kernel for up to 4 rows (the
// weight bytes are the cost), the fp32 GEMM on dequantized panels above.
// Dynamic int8 quantizes each row of A to uint8 and runs an exact int32
// GEMM (AVX-512 VNNI), then dequantizes each block before its epilogue.
#include "cpu/Activations.h"
#include "cpu/GemmKernels.h"
#include "cpu/QGemmKernels.h"
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <vector>

namespace tessera {
namespace {

static_assert(gemmNR == 32, "weightOnlyPanel* write 32-column panels");

bool selectAvx512() {
  if (gemmPortableForced() || gemmAvx2Forced())
    return false;
#if defined(__x86_64__)
  __builtin_cpu_init(); // we run from a static initializer
  return __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

const bool haveAvx512 = selectAvx512();
// The int8 kernels without VNNI (TESSERA_GEMM_ISA=avx2 forces them).
const bool haveAvx2 = !haveAvx512 && avx2KernelsUsable();
const QGemmFn qgemmKernel = haveAvx512 ? qgemmVnni
                            : haveAvx2 ? qgemmAvx2
                                       : qgemmPortable;

int64_t roundUp(int64_t x, int64_t multiple) {
  return (x + multiple - 1) / multiple * multiple;
}

struct FreeDeleter {
  void operator()(uint8_t *p) const { free(p); }
};
using Buffer = std::unique_ptr<uint8_t[], FreeDeleter>;

Buffer allocFilled(size_t bytes, uint8_t value = 0) {
  bytes = std::max<size_t>(64, (bytes + 63) / 64 * 64);
  Buffer b(static_cast<uint8_t *>(aligned_alloc(64, bytes)));
  memset(b.get(), value, bytes);
  return b;
}

// Element (r, c) at data[r*rowStride + c*colStride].
template <typename T> struct View {
  const T *data;
  int64_t rows, cols, rowStride, colStride;
  T at(int64_t r, int64_t c) const {
    return data[r * rowStride + c * colStride];
  }
};

// A repacked operand: weights (with their column sums for int8 compute) or
// transposed scales. Columns are padded to a multiple of 64.
struct Prepared {
  Buffer data, colsum;
};

enum class Form { Scales, Vnni, Int8Columns, Int4Columns };

// W [N,K] in QGemmKernels.h's VNNI layout, with its column sums.
Prepared packVnni(const View<int8_t> &w) {
  int64_t N = w.rows, K = w.cols, K4 = roundUp(K, 4), Np = roundUp(N, 64);
  Prepared p{allocFilled(Np * K4), allocFilled(Np * sizeof(int32_t))};
  auto *packed = reinterpret_cast<int8_t *>(p.data.get());
  auto *colsum = reinterpret_cast<int32_t *>(p.colsum.get());
  for (int64_t n = 0; n < N; ++n) {
    int8_t *col = packed + n / qPanel * K4 * qPanel + n % qPanel * 4;
    for (int64_t k = 0; k < K; ++k) {
      col[k / 4 * qPanel * 4 + k % 4] = w.at(n, k);
      colsum[n] += w.at(n, k);
    }
  }
  return p;
}

// q[n, k] of the operand W: the byte itself, or its nibble (tessera_runtime.h).
int weightAt(const View<int8_t> &w, bool int4, int64_t n, int64_t k) {
  if (!int4)
    return w.at(n, k);
  auto byte = uint8_t(w.at(n, k / 32 * 16 + k % 16));
  return (k % 32 < 16 ? byte & 15 : byte >> 4) - 8;
}

// W in QGemmKernels.h's k-major weight-only layout; padding columns hold
// q = 0 (0x88 for 4 bits).
Prepared packColumns(const View<int8_t> &w, bool int4, int64_t K) {
  int64_t N = w.rows, depth = int4 ? K / 2 : K;
  Prepared p{allocFilled(roundUp(N, wPanel) * depth, int4 ? 0x88 : 0), {}};
  for (int64_t n = 0; n < N; ++n) {
    uint8_t *col = p.data.get() + n / wPanel * depth * wPanel + n % wPanel;
    for (int64_t k = 0; k < K; ++k)
      if (!int4)
        col[k * wPanel] = uint8_t(weightAt(w, false, n, k));
      else if (k % 2)
        col[k / 2 * wPanel] = uint8_t((weightAt(w, true, n, k - 1) + 8) |
                                      (weightAt(w, true, n, k) + 8) << 4);
  }
  return p;
}

// scale [N,G] as [G][Np] floats, zero in the padding.
Prepared transposeScales(const View<float> &s) {
  int64_t Np = roundUp(s.rows, 64);
  Prepared p{allocFilled(s.cols * Np * sizeof(float)), {}};
  auto *dst = reinterpret_cast<float *>(p.data.get());
  for (int64_t n = 0; n < s.rows; ++n)
    for (int64_t g = 0; g < s.cols; ++g)
      dst[g * Np + n] = s.at(n, g);
  return p;
}

/// `build()` for a constant operand is cached, keyed by form, address,
/// shape and strides: prepared on first use, then shared by every later
/// call and thread; a weight's own pages are released after repacking.
/// Otherwise it is prepared into `local` on each call.
template <typename T, typename Build>
const Prepared &prepare(Form form, const View<T> &src, bool constant,
                        Prepared &local, Build build) {
  if (!constant)
    return local = build();
  using Key =
      std::tuple<Form, const void *, int64_t, int64_t, int64_t, int64_t>;
  static std::mutex mutex;
  static auto *cache = new std::map<Key, Prepared>();
  std::lock_guard<std::mutex> lock(mutex);
  Key key{form, src.data, src.rows, src.cols, src.rowStride, src.colStride};
  auto it = cache->find(key);
  if (it == cache->end()) {
    it = cache->emplace(key, build()).first;
    if (form != Form::Scales)
      releaseSourcePages(src.data, src.rows, src.cols, src.rowStride,
                         src.colStride, sizeof(T));
  }
  return it->second;
}

thread_local Scratch quantScratch;

/// body(task) for task < tasks, on the pool when `parallel`.
template <typename Body> void run(bool parallel, int64_t tasks, Body body) {
  if (parallel && tasks > 1)
    parallelFor(tasks, body);
  else
    for (int64_t task = 0; task < tasks; ++task)
      body(task);
}

// ---- Dynamic int8 ------------------------------------------------------------

/// clamp(roundeven(x) + z, 0, 255): a scaled value as an unsigned byte.
inline float quantizeValue(float x, float z) {
  return std::min(std::max(std::nearbyint(x) + z, 0.0f), 255.0f);
}

/// The f32 whose bits a kernel's i64 scalar holds (a static input scale).
inline float floatFromBits(int64_t bits) {
  uint32_t word = uint32_t(bits);
  float value;
  memcpy(&value, &word, sizeof value);
  return value;
}

/// Row i of A quantized with `factor` (A * factor, or A / factor when
/// `divide`) and zero point z, q = clamp(roundeven(.) + z, 0, 255), in the
/// spec's float operations exactly: as bytes into q (K4, zero-padded) or,
/// for the AVX2 kernel, zero-extended to 16 bits into q16 instead.
void writeQuantizedRow(const View<float> &A, int64_t i, int64_t K4,
                       float factor, bool divide, float z, uint8_t *q,
                       uint16_t *q16) {
  int64_t K = A.cols;
  const float *row = A.data + i * A.rowStride;
  bool contiguous = A.colStride == 1;
  auto at = [&](int64_t k) {
    return quantizeValue(divide ? A.at(i, k) / factor : A.at(i, k) * factor, z);
  };
  if (q16) {
    if (contiguous)
      quantizeRow16Avx2(row, K, factor, divide, z, q16);
    else
      for (int64_t k = 0; k < K; ++k)
        q16[k] = uint16_t(at(k));
    std::fill(q16 + K, q16 + K4, 0);
    return;
  }
  if (haveAvx512 && contiguous)
    (divide ? quantizeRowDivAvx512 : quantizeRowAvx512)(row, K, factor, z, q);
  else
    for (int64_t k = 0; k < K; ++k)
      q[k] = uint8_t(at(k));
  memset(q + K, 0, K4 - K);
}

/// min(0, min of row i) and max(0, max of row i).
void rowRange(const View<float> &A, int64_t i, float *lo, float *hi) {
  const float *row = A.data + i * A.rowStride;
  *lo = *hi = 0.0f;
  if (haveAvx512 && A.colStride == 1)
    rowRangeAvx512(row, A.cols, lo, hi);
  else if (haveAvx2 && A.colStride == 1)
    rowRangeAvx2(row, A.cols, lo, hi);
  else
    for (int64_t k = 0; k < A.cols; ++k) {
      *lo = std::min(*lo, A.at(i, k));
      *hi = std::max(*hi, A.at(i, k));
    }
}

/// Row i of A quantized with its own range (dynamic int8): the compiler's
/// reference decomposition computes the same float operations, and the
/// integers must match it bit for bit.
void quantizeRow(const View<float> &A, int64_t i, int64_t K4, uint8_t *q,
                 uint16_t *q16, int32_t *zp, float *s) {
  float lo, hi;
  rowRange(A, i, &lo, &hi);
  float inv = 1.0f, scale = 1.0f;
  if (hi > lo) {
    inv = 255.0f / (hi - lo);
    scale = (hi - lo) / 255.0f;
  }
  float z = std::min(std::max(std::nearbyint(-lo * inv), 0.0f), 255.0f);
  *zp = int32_t(z);
  *s = scale;
  writeQuantizedRow(A, i, K4, inv, false, z, q, q16);
}

/// Static int8 when `fixed` (its scale and zero point for every row), else
/// dynamic: rows quantized, then the u8 x s8 GEMM and the epilogue.
struct FixedQuant {
  float scale;
  int32_t zp;
};

/// One scale and zero point for all of A from its range, with
/// DynamicQuantizeLinear's float operations (TESSERA_QLINEAR_DYNAMIC_TENSOR).
FixedQuant tensorQuantization(const View<float> &A) {
  float lo = 0.0f, hi = 0.0f;
  for (int64_t i = 0; i < A.rows; ++i) {
    float rlo, rhi;
    rowRange(A, i, &rlo, &rhi);
    lo = std::min(lo, rlo);
    hi = std::max(hi, rhi);
  }
  float scale = hi > lo ? (hi - lo) / 255.0f : 1.0f;
  float zp = std::min(std::max(std::nearbyint(-lo / scale), 0.0f), 255.0f);
  return {scale, int32_t(zp)};
}

/// The u8 x s8 GEMM of M rows of K bytes by the packed weights w, then the
/// epilogue: fill(i, q, q16, zp, s) writes row i (as bytes into q, or for
/// the AVX2 kernel zero-extended into q16; zero-padded to w.K4) and its zero
/// point and scale.
template <typename Fill>
void int8Gemm(int64_t M, int64_t N, int64_t K, const QWeights &w,
              const Epilogue &e, const LinearOutput &out, Fill fill) {
  int64_t ld = roundUp(w.K4, 64);
  // One block: the rows (ld bytes each, or ld 16-bit values for the AVX2
  // kernel), then zp and s per row.
  int64_t rowFloats = M * ld / (haveAvx2 ? 2 : 4);
  float *block = quantScratch.get(rowFloats + 2 * M);
  auto *q = reinterpret_cast<uint8_t *>(block);
  auto *q16 = haveAvx2 ? reinterpret_cast<uint16_t *>(block) : nullptr;
  auto *zp = reinterpret_cast<int32_t *>(block + rowFloats);
  float *s = block + rowFloats + M;
  // Below ~1 MFLOP (a few microseconds) waking the pool costs more than it
  // saves.
  bool parallel = M * N * K >= (1 << 19) && numThreads() > 1;
  int64_t rowsPerTask = parallel ? roundUp((M + 7) / 8, 8) : M;
  run(parallel, (M + rowsPerTask - 1) / rowsPerTask, [&](int64_t task) {
    int64_t end = std::min(M, (task + 1) * rowsPerTask);
    for (int64_t i = task * rowsPerTask; i < end; ++i)
      fill(i, q + i * ld, q16 ? q16 + i * ld : nullptr, zp + i, s + i);
  });
  // Blocks of at most 128 rows x 256 columns (the epilogue runs on each
  // while it is in L2), and at least 4 per thread for load balancing.
  int64_t mBlocks = (M + 127) / 128;
  int64_t mc = roundUp((M + mBlocks - 1) / mBlocks, 8);
  int64_t wanted = parallel ? (4 * numThreads() + mBlocks - 1) / mBlocks : 1;
  int64_t nChunks = std::max(wanted, (N + 255) / 256);
  int64_t nc = roundUp((N + nChunks - 1) / nChunks, qPanel);
  nChunks = (N + nc - 1) / nc;
  QRows rows{q, ld, zp, s, q16, ld};
  bool fused = e.activation != ActNone || e.bias || e.residual;
  run(parallel, mBlocks * nChunks, [&](int64_t task) {
    int64_t i0 = task / nChunks * mc, j0 = task % nChunks * nc;
    int64_t m = std::min(mc, M - i0), n = std::min(nc, N - j0);
    Epilogue at = epilogueAt(e, i0, j0);
    qgemmKernel(rows, i0, m, w, j0, n, out.y + i0 * out.ld + j0, out.ld,
                fused ? &at : nullptr);
  });
}

void int8Linear(const View<float> &A, const QWeights &w, const Epilogue &e,
                const LinearOutput &out, int64_t N,
                std::optional<FixedQuant> fixed) {
  int64_t K4 = w.K4;
  int8Gemm(A.rows, N, A.cols, w, e, out,
           [&](int64_t i, uint8_t *q, uint16_t *q16, int32_t *zp, float *s) {
             if (fixed) {
               // Static int8: ONNX QuantizeLinear's division by the fixed
               // scale.
               writeQuantizedRow(A, i, K4, fixed->scale, true, float(fixed->zp),
                                 q, q16);
               *zp = fixed->zp;
               *s = fixed->scale;
             } else {
               quantizeRow(A, i, K4, q, q16, zp, s);
             }
           });
}

// ---- Weight-only -------------------------------------------------------------

/// Up to 4 rows: the GEMV kernel, over chunks of columns (256 at a time so
/// that the epilogue finds them in L1).
void weightOnlyGemv(const View<float> &A, const WeightOnly &w,
                    const Epilogue &e, const LinearOutput &out, int64_t N) {
  int64_t M = A.rows;
  bool parallel = N * w.K >= (1 << 18) && numThreads() > 1;
  int64_t panels = (N + wPanel - 1) / wPanel;
  int64_t tasks = std::min<int64_t>(panels, 4 * numThreads());
  int64_t chunk = parallel ? (panels + tasks - 1) / tasks * wPanel : N;
  run(parallel, (N + chunk - 1) / chunk, [&](int64_t task) {
    int64_t end = std::min(N, (task + 1) * chunk);
    for (int64_t j0 = task * chunk; j0 < end; j0 += 256) {
      int64_t n = std::min<int64_t>(256, end - j0);
      (haveAvx512 ? weightOnlyGemvAvx512
                  : weightOnlyGemvAvx2)(w, (int)M, A.data, A.rowStride,
                                        A.colStride, j0, n, out.y + j0, out.ld);
      out.epilogue(e, 0, M, j0, n);
    }
  });
}

/// K = 0: the epilogue on a zero product (the GEMM would have no K step to
/// store it at).
void emptyProduct(const Epilogue &e, const LinearOutput &out, int64_t M,
                  int64_t N) {
  for (int64_t i = 0; i < M; ++i)
    std::fill(out.y + i * out.ld, out.y + i * out.ld + N, 0.0f);
  out.epilogue(e, 0, M, 0, N);
}

} // namespace

void qgemmPortable(const QRows &a, int64_t i0, int64_t m, const QWeights &w,
                   int64_t j0, int64_t n, float *y, int64_t ldy,
                   const Epilogue *e) {
  for (int64_t r = 0; r < m; ++r) {
    const uint8_t *q = a.q + (i0 + r) * a.ld;
    for (int64_t j = 0; j < n; ++j) {
      int64_t col = j0 + j;
      const int8_t *b =
          w.packed + col / qPanel * w.K4 * qPanel + col % qPanel * 4;
      int32_t acc = 0;
      for (int64_t k = 0; k < w.K4; ++k)
        acc += q[k] * b[k / 4 * qPanel * 4 + k % 4];
      y[r * ldy + j] = float(acc - a.zp[i0 + r] * w.colsum[col]) *
                       (a.s[i0 + r] * w.scale[col]);
    }
  }
  if (e)
    applyLinearEpilogue(*e, y, ldy, m, n);
}

void weightOnlyPanelPortable(const void *ctx, int64_t k0, int64_t kc,
                             int64_t j0, int, float *Bp) {
  const WeightOnly &w = *static_cast<const WeightOnly *>(ctx);
  int64_t depth = w.int4 ? w.K / 2 : w.K;
  const uint8_t *panel = w.packed + j0 / wPanel * depth * wPanel + j0 % wPanel;
  for (int64_t k = 0; k < kc; ++k) {
    int64_t kk = k0 + k;
    const float *scale = w.scale + kk / w.groupSize * w.ldScale + j0;
    for (int j = 0; j < gemmNR; ++j) {
      int q = w.int4 ? ((panel[kk / 2 * wPanel + j] >> (kk % 2 * 4)) & 15) - 8
                     : int8_t(panel[kk * wPanel + j]);
      Bp[k * gemmNR + j] = scale[j] * float(q);
    }
  }
}

} // namespace tessera

using tessera::Form;
using tessera::View;

namespace {
/// W [N, K] packed for the u8 x s8 kernels (once when constMask bit 1 says
/// it is constant; else into `local`), with its transposed scales.
tessera::QWeights vnniWeights(const View<int8_t> &w, int64_t K,
                              const float *scaleT, int64_t constMask,
                              tessera::Prepared &local) {
  const tessera::Prepared &packed =
      tessera::prepare(Form::Vnni, w, constMask & 2, local,
                       [&] { return tessera::packVnni(w); });
  return {reinterpret_cast<const int8_t *>(packed.data.get()),
          tessera::roundUp(K, 4),
          reinterpret_cast<const int32_t *>(packed.colsum.get()), scaleT};
}

void qlinear(tessera_memref2d_f32 *A, tessera_memref2d_i8 *W,
             tessera_memref2d_f32 *scale, tessera_memref1d_f32 *bias,
             tessera_memref2d_f32 *R, tessera_memref2d_f32 *C, int64_t flags,
             int64_t constMask, std::optional<tessera::FixedQuant> fixed) {
  int64_t M = C->sizes[0], N = C->sizes[1], K = A->sizes[1];
  int64_t G = scale->sizes[1];
  if (M <= 0 || N <= 0)
    return;
  tessera::Epilogue e = tessera::linearEpilogue(flags, bias, R);
  View<float> a{A->aligned + A->offset, M, K, A->strides[0], A->strides[1]};
  View<int8_t> w{W->aligned + W->offset, N, W->sizes[1], W->strides[0],
                 W->strides[1]};
  View<float> s{scale->aligned + scale->offset, N, G, scale->strides[0],
                scale->strides[1]};
  tessera::Prepared localW, localS;
  const tessera::Prepared &scales =
      tessera::prepare(Form::Scales, s, constMask & 4, localS,
                       [&] { return tessera::transposeScales(s); });
  auto *scaleT = reinterpret_cast<const float *>(scales.data.get());
  if (flags & TESSERA_QLINEAR_DYNAMIC_TENSOR)
    fixed = tessera::tensorQuantization(a);
  if ((flags & TESSERA_QLINEAR_DYNAMIC_INT8) || fixed) {
    assert(!(flags & TESSERA_QLINEAR_INT4) && G == 1 &&
           "int8 activations take 8-bit weights with one scale per row");
    tessera::QWeights qw = vnniWeights(w, K, scaleT, constMask, localW);
    tessera::LinearOutput out(C);
    tessera::int8Linear(a, qw, e, out, N, fixed);
    out.finish();
    return;
  }
  bool int4 = flags & TESSERA_QLINEAR_INT4;
  assert((!int4 || (K % 32 == 0 && (K / G) % 32 == 0)) &&
         "4-bit weights come in whole blocks of 32");
  const tessera::Prepared &packed = tessera::prepare(
      int4 ? Form::Int4Columns : Form::Int8Columns, w, constMask & 2, localW,
      [&] { return tessera::packColumns(w, int4, K); });
  tessera::WeightOnly wo{packed.data.get(), K,      G > 0 ? K / G : K,
                         int4,              scaleT, tessera::roundUp(N, 64)};
  if (K == 0 || (M <= 4 && (tessera::haveAvx512 || tessera::haveAvx2))) {
    tessera::LinearOutput out(C);
    if (K == 0)
      tessera::emptyProduct(e, out, M, N);
    else
      tessera::weightOnlyGemv(a, wo, e, out, N);
    out.finish();
    return;
  }
  tessera::BPanelSource panels{
      tessera::haveAvx512 ? tessera::weightOnlyPanelAvx512
      : tessera::haveAvx2 ? tessera::weightOnlyPanelAvx2
                          : tessera::weightOnlyPanelPortable,
      &wo};
  tessera::gemmFromPanels(M, N, K, a.data, a.rowStride, a.colStride,
                          /*constantA=*/false, C->aligned + C->offset,
                          C->strides[0], C->strides[1], panels, &e);
}
} // namespace

extern "C" void _mlir_ciface_tessera_qlinear_f32(
    tessera_memref2d_f32 *A, tessera_memref2d_i8 *W,
    tessera_memref2d_f32 *scale, tessera_memref1d_f32 *bias,
    tessera_memref2d_f32 *R, tessera_memref2d_f32 *C, int64_t flags,
    int64_t constMask) {
  qlinear(A, W, scale, bias, R, C, flags, constMask, std::nullopt);
}

extern "C" void _mlir_ciface_tessera_qlinear_static_f32(
    tessera_memref2d_f32 *A, tessera_memref2d_i8 *W,
    tessera_memref2d_f32 *scale, tessera_memref1d_f32 *bias,
    tessera_memref2d_f32 *R, tessera_memref2d_f32 *C, int64_t flags,
    int64_t inputScaleBits, int64_t inputZeroPoint, int64_t constMask) {
  qlinear(A, W, scale, bias, R, C, flags, constMask,
          tessera::FixedQuant{tessera::floatFromBits(inputScaleBits),
                              int32_t(inputZeroPoint)});
}

namespace {
/// dst[0, len) = src[0, len): whole 8-byte words, then the rest (the runs
/// of a conv's patch rows are short: 21 bytes for a 7x7 kernel's row of 3
/// channels).
inline void copyBytes(uint8_t *dst, const uint8_t *src, int64_t len) {
  if (len >= 128) {
    memcpy(dst, src, size_t(len));
    return;
  }
  int64_t j = 0;
  for (; j + 8 <= len; j += 8) {
    uint64_t word;
    memcpy(&word, src + j, 8);
    memcpy(dst + j, &word, 8);
  }
  for (; j < len; ++j)
    dst[j] = src[j];
}
} // namespace

extern "C" void _mlir_ciface_tessera_qconv2d_static_f32(
    tessera_memref4d_f32 *X, tessera_memref2d_i8 *W,
    tessera_memref2d_f32 *scale, tessera_memref1d_f32 *bias,
    tessera_memref4d_f32 *Y, int64_t flags, int64_t kh, int64_t kw, int64_t sh,
    int64_t sw, int64_t dh, int64_t dw, int64_t padT, int64_t padL,
    int64_t inputScaleBits, int64_t inputZeroPoint, int64_t constMask) {
  float inputScale = tessera::floatFromBits(inputScaleBits);
  int64_t N = X->sizes[0], C = X->sizes[1], H = X->sizes[2], Wd = X->sizes[3];
  int64_t OH = Y->sizes[1], OW = Y->sizes[2], F = Y->sizes[3], K = W->sizes[1],
          M = N * OH * OW;
  if (M <= 0 || F <= 0)
    return;
  assert(K == kh * kw * C && "the weight's columns are (kernel offset, c)");
  // The input quantized once into a zero-point-padded channels-last image
  // [N][Hp][Wp][C] (padding quantizes to the zero point).
  int64_t Hp = std::max(H + padT, (OH - 1) * sh + (kh - 1) * dh + 1);
  int64_t Wp = std::max(Wd + padL, (OW - 1) * sw + (kw - 1) * dw + 1);
  uint8_t zp = uint8_t(inputZeroPoint);
  // The calling thread's buffer; pool threads write and read it through
  // `img`.
  static thread_local std::vector<uint8_t> image;
  image.assign(size_t(N * Hp * Wp * C), zp);
  uint8_t *img = image.data();
  const float *x = X->aligned + X->offset;
  const int64_t *xs = X->strides;
  bool parallel = N * H * Wd * C >= (1 << 16) && tessera::numThreads() > 1;
  tessera::run(parallel, N * H, [&](int64_t row) {
    int64_t n = row / H, h = row % H;
    uint8_t *dst = img + ((n * Hp + h + padT) * Wp + padL) * C;
    const float *src = x + n * xs[0] + h * xs[2];
    if (xs[1] == 1 && tessera::haveAvx512) {
      // Channels contiguous: each pixel's C values in one go.
      for (int64_t w = 0; w < Wd; ++w)
        tessera::quantizeRowDivAvx512(src + w * xs[3], C, inputScale, float(zp),
                                      dst + w * C);
    } else if (xs[3] == 1 && tessera::haveAvx512) {
      // Rows of a channel contiguous: quantized, then spread over the
      // pixels.
      static thread_local std::vector<uint8_t> line;
      line.resize(size_t(Wd));
      for (int64_t c = 0; c < C; ++c) {
        tessera::quantizeRowDivAvx512(src + c * xs[1], Wd, inputScale,
                                      float(zp), line.data());
        for (int64_t w = 0; w < Wd; ++w)
          dst[w * C + c] = line[w];
      }
    } else {
      for (int64_t w = 0; w < Wd; ++w)
        for (int64_t c = 0; c < C; ++c)
          dst[w * C + c] = uint8_t(tessera::quantizeValue(
              src[c * xs[1] + w * xs[3]] / inputScale, float(zp)));
    }
  });
  View<int8_t> w{W->aligned + W->offset, F, K, W->strides[0], W->strides[1]};
  View<float> s{scale->aligned + scale->offset, F, 1, scale->strides[0],
                scale->strides[1]};
  tessera::Prepared localW, localS;
  const tessera::Prepared &scales =
      tessera::prepare(Form::Scales, s, constMask & 4, localS,
                       [&] { return tessera::transposeScales(s); });
  tessera::QWeights qw =
      vnniWeights(w, K, reinterpret_cast<const float *>(scales.data.get()),
                  constMask, localW);
  // Y [N, OH, OW, F] as the [M, F] matrix C; through a dense copy when its
  // rows are not evenly spaced.
  bool even = (OW == 1 || Y->strides[1] == OW * Y->strides[2]) &&
              (N == 1 || Y->strides[0] == OH * Y->strides[1]);
  static thread_local tessera::Scratch dense;
  tessera_memref2d_f32 c2 =
      even ? tessera_memref2d_f32{Y->allocated,
                                  Y->aligned,
                                  Y->offset,
                                  {M, F},
                                  {Y->strides[2], Y->strides[3]}}
           : tessera_memref2d_f32{nullptr, dense.get(M * F), 0, {M, F}, {F, 1}};
  tessera::Epilogue e = tessera::linearEpilogue(flags, bias, nullptr);
  tessera::LinearOutput out(&c2);
  int64_t K4 = qw.K4;
  int32_t zp32 = zp;
  tessera::int8Gemm(
      M, F, K, qw, e, out,
      [&](int64_t i, uint8_t *q, uint16_t *q16, int32_t *rowZp, float *rowS) {
        int64_t n = i / (OH * OW), oh = i / OW % OH, ow = i % OW;
        for (int64_t r = 0; r < kh; ++r) {
          const uint8_t *src =
              img + ((n * Hp + oh * sh + r * dh) * Wp + ow * sw) * C;
          int64_t at = r * kw * C;
          // With unit dilation a kernel row's taps are kw * C consecutive
          // bytes of the image (the stem's 7 taps of 3 channels: one run of
          // 21 bytes, not 7 of 3).
          for (int64_t t = 0; t < (dw == 1 ? 1 : kw); ++t) {
            int64_t len = dw == 1 ? kw * C : C;
            const uint8_t *from = src + t * dw * C;
            if (q16)
              for (int64_t j = 0; j < len; ++j)
                q16[at + j] = from[j];
            else
              copyBytes(q + at, from, len);
            at += len;
          }
        }
        if (q16)
          std::fill(q16 + K, q16 + K4, 0);
        else
          memset(q + K, 0, size_t(K4 - K));
        *rowZp = zp32;
        *rowS = inputScale;
      });
  out.finish();
  if (!even)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t f = 0; f < F; ++f)
        Y->aligned[Y->offset + i / (OH * OW) * Y->strides[0] +
                   i / OW % OH * Y->strides[1] + i % OW * Y->strides[2] +
                   f * Y->strides[3]] = c2.aligned[i * F + f];
}
