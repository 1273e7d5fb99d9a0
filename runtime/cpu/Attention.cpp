// Fused fp32 attention, softmax(scale * Q·Kᵀ + mask)·V, flash-attention
// style: an online softmax over key tiles, never the full score matrix.
//
// Tiles are held transposed, queries along the vector lanes: a score tile is
// ST[key][query] and the output accumulator OT[dv][query]. The row softmax
// (max, rescale, sum) is then lane-wise with no horizontal reductions, and K
// and V are read as broadcast scalars straight from their strided memory, so
// neither needs a transpose or copy (only a gather when its innermost stride
// is not 1). Q and the output are transposed once per task.
#include "cpu/AttentionKernels.h"
#include "cpu/ExpPortable.h"
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include "cpu/ExpAvx512.h"

#include <immintrin.h>
// Function-level target instead of compiling the file with -mavx512f: the
// portable kernels and the driver must stay runnable on any x86-64, and no
// AVX-512 copy of an inline library function may leak into other objects.
#define TESSERA_AVX512 __attribute__((target("avx512f,fma")))
#endif

namespace tessera {
namespace {

// Keys per tile: a 64x64 score tile (16 KiB) stays in L1 between the score,
// softmax and P·V passes.
constexpr int BK = 64;
constexpr float negInf = -INFINITY;
using Kernels = AttentionKernels;

thread_local Scratch scratch;

// ---- Portable kernels (plain loops over the lanes) -------------------------

// expf for the softmax: exactly 0 below -103.9 (a masked score's
// probability must be 0, not a subnormal), so that a row masked everywhere
// still gets NaN, as the reference softmax does.
__attribute__((always_inline)) inline float expSoftmax(float x) {
  return x < -103.9f ? 0.0f : expPortable(x);
}

template <int BQ>
__attribute__((always_inline)) inline void
scoresPortable(const float *QT, const float *K, int64_t ldk, int64_t D, int bk,
               int firstVec, float *ST) {
  for (int j = 0; j < bk; ++j) {
    float acc[BQ] = {};
    const float *krow = K + j * ldk;
    for (int64_t d = 0; d < D; ++d)
      for (int r = 16 * firstVec; r < BQ; ++r)
        acc[r] += krow[d] * QT[d * BQ + r];
    std::memcpy(ST + j * BQ, acc, sizeof(acc));
  }
}

template <int BQ>
__attribute__((always_inline)) inline void
softmaxPortable(float *ST, int bk, float scale, const float *keyBias,
                const float *tileBias, int64_t diag, float *m, float *l,
                float *alpha) {
  float mt[BQ], mUse[BQ];
  std::fill(mt, mt + BQ, negInf);
  for (int j = 0; j < bk; ++j)
    for (int r = 0; r < BQ; ++r) {
      float bias = tileBias ? tileBias[j * BQ + r] : keyBias ? keyBias[j] : 0;
      float s = j > r + diag ? negInf : ST[j * BQ + r] * scale + bias;
      ST[j * BQ + r] = s;
      mt[r] = std::max(mt[r], s);
    }
  for (int r = 0; r < BQ; ++r) {
    float mNew = std::max(m[r], mt[r]);
    // While every score so far is -inf, subtract 0 instead of -inf: the
    // probabilities are then exp(-inf) = 0, not exp(-inf + inf) = NaN.
    mUse[r] = mNew == negInf ? 0.0f : mNew;
    alpha[r] = expSoftmax(m[r] - mUse[r]);
    l[r] *= alpha[r];
    m[r] = mNew;
  }
  for (int j = 0; j < bk; ++j)
    for (int r = 0; r < BQ; ++r) {
      float p = expSoftmax(ST[j * BQ + r] - mUse[r]);
      ST[j * BQ + r] = p;
      l[r] += p;
    }
}

template <int BQ>
__attribute__((always_inline)) inline void
pvPortable(const float *P, const float *V, int64_t ldv, int64_t Dv, int bk,
           int firstVec, const float *alpha, float *OT) {
  for (int64_t dv = 0; dv < Dv; ++dv) {
    float *acc = OT + dv * BQ;
    if (alpha)
      for (int r = 16 * firstVec; r < BQ; ++r)
        acc[r] *= alpha[r];
    for (int j = 0; j < bk; ++j) {
      float x = V[j * ldv + dv];
      for (int r = 16 * firstVec; r < BQ; ++r)
        acc[r] += x * P[j * BQ + r];
    }
  }
}

// ---- AVX-512 kernels -------------------------------------------------------
#ifdef TESSERA_AVX512

// Register blocks of 16 accumulators: NC computed query vectors times 16/NC
// keys (scores) or output features (pv). On Zen 4, 4x4 beat 6x4 blocks of 24
// by a few percent: 4 divides the 64-key tile and the usual head sizes.
template <int NC> constexpr int blockRows() {
  return NC == 1 ? 16 : NC == 2 ? 8 : 4;
}

// Query vectors are NC consecutive ones of a tile row of NV vectors; a short
// last key block recomputes its last key instead of reading past the tile.
template <int NV, int NC>
TESSERA_AVX512 void scoresBlocks(const float *QT, const float *K, int64_t ldk,
                                 int64_t D, int bk, float *ST) {
  constexpr int BQ = 16 * NV, KR = blockRows<NC>();
  for (int j0 = 0; j0 < bk; j0 += KR) {
    const float *rows[KR];
    for (int x = 0; x < KR; ++x)
      rows[x] = K + std::min(j0 + x, bk - 1) * ldk;
    __m512 acc[KR][NC];
#pragma GCC unroll 16
    for (int x = 0; x < KR; ++x)
#pragma GCC unroll 4
      for (int v = 0; v < NC; ++v)
        acc[x][v] = _mm512_setzero_ps();
    for (int64_t d = 0; d < D; ++d) {
      __m512 q[NC];
#pragma GCC unroll 4
      for (int v = 0; v < NC; ++v)
        q[v] = _mm512_load_ps(QT + d * BQ + 16 * v);
#pragma GCC unroll 16
      for (int x = 0; x < KR; ++x) {
        __m512 k = _mm512_set1_ps(rows[x][d]);
#pragma GCC unroll 4
        for (int v = 0; v < NC; ++v)
          acc[x][v] = _mm512_fmadd_ps(k, q[v], acc[x][v]);
      }
    }
    int n = std::min(KR, bk - j0);
#pragma GCC unroll 16
    for (int x = 0; x < KR; ++x)
      if (x < n)
#pragma GCC unroll 4
        for (int v = 0; v < NC; ++v)
          _mm512_store_ps(ST + (j0 + x) * BQ + 16 * v, acc[x][v]);
  }
}

template <int NV>
TESSERA_AVX512 void scoresAvx512(const float *QT, const float *K, int64_t ldk,
                                 int64_t D, int bk, int firstVec, float *ST) {
  QT += 16 * firstVec;
  ST += 16 * firstVec;
  int nc = NV - firstVec;
  if (nc == NV)
    scoresBlocks<NV, NV>(QT, K, ldk, D, bk, ST);
  else if (nc == 1)
    scoresBlocks<NV, 1>(QT, K, ldk, D, bk, ST);
  else if constexpr (NV == 4)
    nc == 2 ? scoresBlocks<4, 2>(QT, K, ldk, D, bk, ST)
            : scoresBlocks<4, 3>(QT, K, ldk, D, bk, ST);
}

template <int NV>
TESSERA_AVX512 void softmaxAvx512(float *ST, int bk, float scale,
                                  const float *keyBias, const float *tileBias,
                                  int64_t diag, float *m, float *l,
                                  float *alpha) {
  constexpr int BQ = 16 * NV;
  const __m512 vScale = _mm512_set1_ps(scale), vNegInf = _mm512_set1_ps(negInf);
  const __m512i iota =
      _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  bool causal = diag < bk - 1;
  for (int v = 0; v < NV; ++v) {
    float *col = ST + 16 * v;
    __m512 mt = vNegInf;
    for (int j = 0; j < bk; ++j) {
      __m512 bias = tileBias  ? _mm512_load_ps(tileBias + j * BQ + 16 * v)
                    : keyBias ? _mm512_set1_ps(keyBias[j])
                              : _mm512_setzero_ps();
      __m512 s = _mm512_fmadd_ps(_mm512_load_ps(col + j * BQ), vScale, bias);
      if (causal) {
        // Lane r (query 16v + r of the tile) sees key j iff j <= r + diag.
        __mmask16 hidden = _mm512_cmplt_epi32_mask(
            _mm512_add_epi32(iota, _mm512_set1_epi32(16 * v)),
            _mm512_set1_epi32((int)std::max<int64_t>(j - diag, -1)));
        s = _mm512_mask_mov_ps(s, hidden, vNegInf);
      }
      _mm512_store_ps(col + j * BQ, s);
      mt = _mm512_max_ps(mt, s);
    }
    __m512 mOld = _mm512_load_ps(m + 16 * v);
    __m512 mNew = _mm512_max_ps(mOld, mt);
    // See softmaxPortable: subtract 0 while the whole row is still -inf.
    __m512 mUse =
        _mm512_mask_mov_ps(mNew, _mm512_cmp_ps_mask(mNew, vNegInf, _CMP_EQ_OQ),
                           _mm512_setzero_ps());
    __m512 a = exp512(_mm512_sub_ps(mOld, mUse));
    __m512 sum0 = _mm512_mul_ps(_mm512_load_ps(l + 16 * v), a);
    __m512 sum1 = _mm512_setzero_ps();
    int j = 0;
    // Two partial sums so that consecutive exps do not wait on one add chain.
    for (; j + 1 < bk; j += 2) {
      __m512 p0 = exp512(_mm512_sub_ps(_mm512_load_ps(col + j * BQ), mUse));
      __m512 p1 =
          exp512(_mm512_sub_ps(_mm512_load_ps(col + (j + 1) * BQ), mUse));
      _mm512_store_ps(col + j * BQ, p0);
      _mm512_store_ps(col + (j + 1) * BQ, p1);
      sum0 = _mm512_add_ps(sum0, p0);
      sum1 = _mm512_add_ps(sum1, p1);
    }
    if (j < bk) {
      __m512 p = exp512(_mm512_sub_ps(_mm512_load_ps(col + j * BQ), mUse));
      _mm512_store_ps(col + j * BQ, p);
      sum0 = _mm512_add_ps(sum0, p);
    }
    _mm512_store_ps(m + 16 * v, mNew);
    _mm512_store_ps(l + 16 * v, _mm512_add_ps(sum0, sum1));
    _mm512_store_ps(alpha + 16 * v, a);
  }
}

// DR output features x NC query vectors: OT rows 0..DR-1 (P, OT and alpha
// start at the first computed vector).
template <int NV, int NC, int DR>
TESSERA_AVX512 inline void pvBlock(const float *P, const float *V, int64_t ldv,
                                   int bk, const float *alpha, float *OT) {
  constexpr int BQ = 16 * NV;
  __m512 acc[DR][NC];
#pragma GCC unroll 16
  for (int x = 0; x < DR; ++x)
#pragma GCC unroll 4
    for (int v = 0; v < NC; ++v) {
      acc[x][v] = _mm512_load_ps(OT + x * BQ + 16 * v);
      if (alpha)
        acc[x][v] = _mm512_mul_ps(acc[x][v], _mm512_load_ps(alpha + 16 * v));
    }
  for (int j = 0; j < bk; ++j, V += ldv, P += BQ) {
    __m512 p[NC];
#pragma GCC unroll 4
    for (int v = 0; v < NC; ++v)
      p[v] = _mm512_load_ps(P + 16 * v);
#pragma GCC unroll 16
    for (int x = 0; x < DR; ++x) {
      __m512 b = _mm512_set1_ps(V[x]);
#pragma GCC unroll 4
      for (int v = 0; v < NC; ++v)
        acc[x][v] = _mm512_fmadd_ps(b, p[v], acc[x][v]);
    }
  }
#pragma GCC unroll 16
  for (int x = 0; x < DR; ++x)
#pragma GCC unroll 4
    for (int v = 0; v < NC; ++v)
      _mm512_store_ps(OT + x * BQ + 16 * v, acc[x][v]);
}

template <int NV, int NC>
TESSERA_AVX512 void pvBlocks(const float *P, const float *V, int64_t ldv,
                             int64_t Dv, int bk, const float *alpha,
                             float *OT) {
  constexpr int BQ = 16 * NV, DR = blockRows<NC>();
  int64_t dv = 0;
  for (; dv + DR <= Dv; dv += DR)
    pvBlock<NV, NC, DR>(P, V + dv, ldv, bk, alpha, OT + dv * BQ);
  for (; dv < Dv; ++dv)
    pvBlock<NV, NC, 1>(P, V + dv, ldv, bk, alpha, OT + dv * BQ);
}

template <int NV>
TESSERA_AVX512 void pvAvx512(const float *P, const float *V, int64_t ldv,
                             int64_t Dv, int bk, int firstVec,
                             const float *alpha, float *OT) {
  P += 16 * firstVec;
  OT += 16 * firstVec;
  if (alpha)
    alpha += 16 * firstVec;
  int nc = NV - firstVec;
  if (nc == NV)
    pvBlocks<NV, NV>(P, V, ldv, Dv, bk, alpha, OT);
  else if (nc == 1)
    pvBlocks<NV, 1>(P, V, ldv, Dv, bk, alpha, OT);
  else if constexpr (NV == 4)
    nc == 2 ? pvBlocks<4, 2>(P, V, ldv, Dv, bk, alpha, OT)
            : pvBlocks<4, 3>(P, V, ldv, Dv, bk, alpha, OT);
}

const Kernels avx512Kernels[] = {
    {16, scoresAvx512<1>, softmaxAvx512<1>, pvAvx512<1>},
    {32, scoresAvx512<2>, softmaxAvx512<2>, pvAvx512<2>},
    {64, scoresAvx512<4>, softmaxAvx512<4>, pvAvx512<4>},
};
#endif // TESSERA_AVX512

const Kernels portableKernels[] = {
    {16, scoresPortable<16>, softmaxPortable<16>, pvPortable<16>},
    {32, scoresPortable<32>, softmaxPortable<32>, pvPortable<32>},
    {64, scoresPortable<64>, softmaxPortable<64>, pvPortable<64>},
};

// TESSERA_ATTENTION_PORTABLE=1 (or TESSERA_GEMM_PORTABLE=1, which forces all
// portable kernels) selects the portable kernels, to test them here.
const Kernels *selectKernels() {
  if (envSwitch("TESSERA_ATTENTION_PORTABLE", false) ||
      envSwitch("TESSERA_GEMM_PORTABLE", false))
    return portableKernels;
#ifdef TESSERA_AVX512
  __builtin_cpu_init(); // we run from a static initializer
  if (__builtin_cpu_supports("avx512f") && !gemmAvx2Forced())
    return avx512Kernels;
  if (avx2KernelsUsable())
    return attentionKernelsAvx2;
#endif
  return portableKernels;
}

const Kernels *const kernelTable = selectKernels();

// A 4-d operand; broadcast (size-1) mask dimensions get stride 0.
struct Operand {
  const float *data;
  int64_t strides[4];
  const float *at(int64_t b, int64_t h) const {
    return data + b * strides[0] + h * strides[1];
  }
};

struct Problem {
  Operand q, k, v, mask;
  float *out;
  int64_t outStrides[4];
  int64_t B, H, S, Skv, D, Dv, Hkv, group, qTiles;
  float scale;
  bool causal, hasMask, kvTiled, paddingQueries;
  const Kernels *kernels;
  uint64_t call; // distinguishes calls for the per-thread head caches
};

int64_t roundUp16(int64_t n) { return (n + 15) / 16 * 16; }

// A K or V head with unit column stride: the operand itself when its rows
// are contiguous, else its rows [0, rows) copied into the thread's `cache`,
// which later tasks of the same call on the same head reuse (a thread's
// consecutive tasks share a head). Heads read in place from a fused
// [S, 3*H*D] projection (torch's MultiheadAttention) have rows 4.5 KiB apart
// or more; scoring such rows in place was as slow as copying them first,
// and ViT-S/16's attention took 325 us per layer copying each task's tiles,
// against 250 us on contiguous heads.
struct PackedHead {
  uint64_t call = 0;
  const float *source = nullptr;
  int64_t rows = 0;
  std::vector<float> data;
};
thread_local PackedHead packedK, packedV;
std::atomic<uint64_t> attentionCalls{0};

const float *headRows(const float *head, const int64_t *strides, int64_t rows,
                      int64_t width, int64_t allRows, uint64_t call,
                      PackedHead &cache, int64_t &ld) {
  if (strides[3] == 1 && (strides[2] == width || allRows == 1)) {
    ld = strides[2];
    return head;
  }
  ld = width;
  if (cache.call != call || cache.source != head) {
    cache.call = call;
    cache.source = head;
    cache.rows = 0;
    if ((int64_t)cache.data.size() < allRows * width)
      cache.data.resize(allRows * width);
  }
  float *packed = cache.data.data();
  for (int64_t j = cache.rows; j < rows; ++j) {
    const float *row = head + j * strides[2];
    if (strides[3] == 1)
      memcpy(packed + j * width, row, width * sizeof(float));
    else
      for (int64_t d = 0; d < width; ++d)
        packed[j * width + d] = row[d * strides[3]];
  }
  cache.rows = std::max(cache.rows, rows);
  return packed;
}

// Keys [first, end) of a tile and the first query vector that sees any of
// them. Off the causal diagonal that is the whole tile and vector 0; on it,
// vector v sees no key past diag + 16v + 15, so the tile splits into up to
// four ranges and the score and P·V products skip the hidden vectors. diag
// (q0 - j0) is never negative, so the first range starts at vector 0.
struct KeyRange {
  int first, end, firstVec;
};

int keyRanges(int64_t diag, int bk, int bq, KeyRange *ranges) {
  if (diag >= bk - 1) {
    ranges[0] = {0, bk, 0};
    return 1;
  }
  int n = 0, vecs = bq / 16;
  for (int v = 0; v < vecs; ++v) {
    int64_t first = v == 0 ? 0 : diag + 16 * v;
    int64_t end =
        v == vecs - 1 ? bk : std::min<int64_t>(bk, diag + 16 * v + 16);
    if (first < end)
      ranges[n++] = {(int)first, (int)end, v};
  }
  return n;
}

// Whether the mask removes keys j0..j0+bk-1 from all `rows` queries of the
// tile entirely, so that skipping the tile changes nothing: every entry -inf,
// or at most -1e30 for queries that already see a key (their running max m
// is a real score, so exp(score + mask - m) is exactly 0 for any score below
// 1e29; a query that has seen nothing yet may be masked everywhere, and
// then the reference averages over such keys).
bool maskHidesTile(const float *maskHead, int64_t msi, int64_t msj, int64_t q0,
                   int rows, int64_t j0, int bk, const float *m) {
  constexpr float hidden = -1e30f;
  bool allInf = true;
  for (int r = 0; r < (msi == 0 ? 1 : rows); ++r) {
    const float *row = maskHead + (q0 + r) * msi + j0 * msj;
    for (int j = 0; j < bk; ++j) {
      float x = row[j * msj];
      if (!(x <= hidden)) // NaN too
        return false;
      allInf &= x == negInf;
    }
  }
  if (allInf)
    return true;
  for (int r = 0; r < rows; ++r)
    if (!(m[r] > hidden / 10))
      return false;
  return true;
}

// One task: BQ queries of one (batch, head) against all its keys.
void runTask(const Problem &p, int64_t task) {
  const Kernels &kern = *p.kernels;
  const int bq = kern.bq;
  // Consecutive tasks share a head, whose K and V then stay in cache. Within
  // a head the last query tiles come first: under a causal mask they have
  // the most keys, and ending on light tasks balances the dynamic schedule.
  int64_t bh = task / p.qTiles, qt = p.qTiles - 1 - task % p.qTiles;
  int64_t b = bh / p.H, h = bh % p.H;
  int64_t hk = p.kvTiled ? h % p.Hkv : h / p.group;
  int64_t q0 = qt * bq;
  int rows = (int)std::min<int64_t>(bq, p.S - q0);

  // Scratch parts are multiples of 16 floats, hence 64-byte aligned.
  int64_t qtSize = roundUp16(p.D) * bq, tileSize = BK * bq, otSize = p.Dv * bq;
  float *QT = scratch.get(qtSize + 2 * tileSize + otSize + BK + 3 * bq);
  float *ST = QT + qtSize, *MT = ST + tileSize, *OT = MT + tileSize;
  float *keyBias = OT + otSize;
  float *m = keyBias + BK, *l = m + bq, *alpha = l + bq;

  const float *qHead = p.q.at(b, h) + q0 * p.q.strides[2];
  for (int r = 0; r < bq; ++r)
    for (int64_t d = 0; d < p.D; ++d)
      QT[d * bq + r] =
          r < rows ? qHead[r * p.q.strides[2] + d * p.q.strides[3]] : 0.0f;
  std::fill(OT, OT + p.Dv * bq, 0.0f);
  std::fill(m, m + bq, negInf);
  std::fill(l, l + bq, 0.0f);

  const float *kHead = p.k.at(b, hk), *vHead = p.v.at(b, hk);
  const float *maskHead = p.hasMask ? p.mask.at(b, h) : nullptr;
  const int64_t msi = p.mask.strides[2], msj = p.mask.strides[3];
  float *outHead =
      p.out + b * p.outStrides[0] + h * p.outStrides[1] + q0 * p.outStrides[2];
  // Padding queries (flags & 8, self-attention over a padded batch): a query
  // whose own key the mask removes gets a 0 row; a tile of them is skipped.
  bool padded[256] = {};
  if (p.paddingQueries && maskHead && msi == 0) {
    bool all = true;
    for (int r = 0; r < rows; ++r) {
      padded[r] = maskHead[(q0 + r) * msj] <= -1e4f;
      all &= padded[r];
    }
    if (all) {
      for (int r = 0; r < rows; ++r)
        for (int64_t dv = 0; dv < p.Dv; ++dv)
          outHead[r * p.outStrides[2] + dv * p.outStrides[3]] = 0.0f;
      return;
    }
  }
  // Key tiles wholly above the diagonal (j > i for every query) are
  // skipped, and so are those the mask hides from every query of the tile
  // (padded keys).
  int64_t kEnd = p.causal ? std::min(p.Skv, q0 + rows) : p.Skv;
  int64_t ldk, ldv;
  const float *kRows =
      headRows(kHead, p.k.strides, kEnd, p.D, p.Skv, p.call, packedK, ldk);
  const float *vRows =
      headRows(vHead, p.v.strides, kEnd, p.Dv, p.Skv, p.call, packedV, ldv);
  for (int64_t j0 = 0; j0 < kEnd; j0 += BK) {
    int bk = (int)std::min<int64_t>(BK, kEnd - j0);
    if (maskHead && maskHidesTile(maskHead, msi, msj, q0, rows, j0, bk, m))
      continue;
    int64_t diag = p.causal ? q0 - j0 : BK;
    KeyRange ranges[4];
    int numRanges = keyRanges(diag, bk, bq, ranges);
    const float *K = kRows + j0 * ldk;
    for (int i = 0; i < numRanges; ++i)
      kern.scores(QT, K + ranges[i].first * ldk, ldk, p.D,
                  ranges[i].end - ranges[i].first, ranges[i].firstVec,
                  ST + ranges[i].first * bq);

    const float *kb = nullptr, *tb = nullptr;
    if (maskHead && msi == 0) {
      // One mask row for all queries (padding masks): a scalar per key.
      const float *row = maskHead + j0 * msj;
      if (msj == 1) {
        kb = row;
      } else {
        for (int j = 0; j < bk; ++j)
          keyBias[j] = row[j * msj];
        kb = keyBias;
      }
    } else if (maskHead) {
      // Transposed into the tile layout; rows past S read as 0.
      const float *tile = maskHead + q0 * msi + j0 * msj;
      for (int r = 0; r < bq; ++r)
        for (int j = 0; j < bk; ++j)
          MT[j * bq + r] = r < rows ? tile[r * msi + j * msj] : 0.0f;
      tb = MT;
    }
    kern.softmax(ST, bk, p.scale, kb, tb, diag, m, l, alpha);

    // The first range covers every vector, so it applies the rescale.
    const float *V = vRows + j0 * ldv;
    for (int i = 0; i < numRanges; ++i)
      kern.pv(ST + ranges[i].first * bq, V + ranges[i].first * ldv, ldv, p.Dv,
              ranges[i].end - ranges[i].first, ranges[i].firstVec,
              i == 0 ? alpha : nullptr, OT);
  }

  // A row whose scores are all -inf has l = 0 and OT = 0, so this gives
  // 0 * inf = NaN, as the reference softmax's exp(-inf - -inf) does. The
  // scaling runs along the lanes (vectorised), the transposing copy after it.
  float *inv = alpha;
  for (int r = 0; r < bq; ++r)
    inv[r] = 1.0f / l[r];
  for (int64_t dv = 0; dv < p.Dv; ++dv)
    for (int r = 0; r < bq; ++r)
      OT[dv * bq + r] *= inv[r];
  for (int r = 0; r < rows; ++r) {
    float *row = outHead + r * p.outStrides[2];
    for (int64_t dv = 0; dv < p.Dv; ++dv)
      row[dv * p.outStrides[3]] = padded[r] ? 0.0f : OT[dv * bq + r];
  }
}

Operand operand(const tessera_memref4d_f32 *desc, bool zeroBroadcast) {
  Operand op{desc->aligned + desc->offset, {}};
  for (int i = 0; i < 4; ++i)
    op.strides[i] = zeroBroadcast && desc->sizes[i] == 1 ? 0 : desc->strides[i];
  return op;
}

} // namespace
} // namespace tessera

extern "C" void _mlir_ciface_tessera_attention_f32(tessera_memref4d_f32 *q,
                                                   tessera_memref4d_f32 *k,
                                                   tessera_memref4d_f32 *v,
                                                   tessera_memref4d_f32 *mask,
                                                   tessera_memref4d_f32 *out,
                                                   float scale, int64_t flags) {
  using namespace tessera;
  Problem p;
  p.B = q->sizes[0];
  p.H = q->sizes[1];
  p.S = q->sizes[2];
  p.D = q->sizes[3];
  p.Skv = k->sizes[2];
  p.Dv = v->sizes[3];
  if (p.B <= 0 || p.H <= 0 || p.S <= 0 || p.Dv <= 0 || k->sizes[1] <= 0)
    return;
  p.Hkv = k->sizes[1];
  p.group = p.H / p.Hkv;
  p.kvTiled = flags & TESSERA_ATTENTION_KV_TILED;
  p.q = operand(q, false);
  p.k = operand(k, false);
  p.v = operand(v, false);
  p.hasMask = flags & TESSERA_ATTENTION_MASK;
  p.paddingQueries = flags & TESSERA_ATTENTION_PADDING_QUERIES;
  p.mask = p.hasMask ? operand(mask, true) : Operand{nullptr, {}};
  p.out = out->aligned + out->offset;
  std::copy(out->strides, out->strides + 4, p.outStrides);
  p.scale = scale;
  p.causal = flags & TESSERA_ATTENTION_CAUSAL;
  p.call = ++attentionCalls;
  // The widest query tile the sequence fills: lanes past S are wasted work.
  int which = p.S <= 16 ? 0 : p.S <= 32 ? 1 : 2;
  p.kernels = &kernelTable[which];
  p.qTiles = (p.S + p.kernels->bq - 1) / p.kernels->bq;
  int64_t tasks = p.B * p.H * p.qTiles;
  // Below ~1 MFLOP waking the pool costs more than it saves.
  if (tasks > 1 && p.S * p.Skv * (p.D + p.Dv) * p.B * p.H >= (1 << 19))
    parallelFor(tasks, [&](int64_t task) { runTask(p, task); });
  else
    for (int64_t task = 0; task < tasks; ++task)
      runTask(p, task);
}
