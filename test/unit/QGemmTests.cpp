// The quantized linear layer (_mlir_ciface_tessera_qlinear_f32 and
// _static_f32): dynamic and static int8 against the specified float
// quantization and an exact integer product, weight-only 8- and 4-bit against
// double precision; strided and transposed views, the epilogue, cached constant
// weights, NaN rows, and bit-identical results on 1 and 2 threads.
#include "TestUtil.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>

namespace {

const char *const activationNames[] = {"none", "relu",    "gelu", "gelu_tanh",
                                       "silu", "sigmoid", "tanh"};

struct Case {
  int64_t M, N, K, G = 1;
  bool dynamic = false, int4 = false;
  // Static int8 (tessera_qlinear_static_f32; `dynamic` is set too): this
  // scale and zero point for every row.
  bool isStatic = false;
  float inScale = 1.0f;
  int inZeroPoint = 0;
  int act = TESSERA_LINEAR_ACT_NONE;
  bool bias = false, biasBroadcast = false, residual = false;
  // The residual column-major (not a vector operand of the kernels'
  // epilogue: it takes the pass after each block).
  bool residualColumns = false;
  bool stridedA = false, transposedA = false, stridedC = false;
  int64_t constMask = 0;
  int64_t nanRow = -1; // a NaN in this row of A
  uint32_t seed = 1;
};

uint32_t nextRandom(uint32_t &seed) {
  seed = seed * 1664525u + 1013904223u;
  return seed >> 8;
}

// A(i, k) from r in [-1, 1): dynamic-int8 rows cycle through random, all
// zero, one huge value, all negative, all positive and a wide range.
float aValue(const Case &c, int64_t i, int64_t k, float r) {
  if (i == c.nanRow && k == c.K / 2)
    return NAN;
  if (!c.dynamic)
    return r;
  switch (i % 6) {
  case 1: return 0.0f;
  case 2: return k == c.K / 3 ? 1e30f : r;
  case 3: return -std::fabs(r) - 0.1f;
  case 4: return std::fabs(r) + 0.1f;
  case 5: return 100.0f * r;
  default: return r;
  }
}

// Weights and scales of constant cases live for the whole process: the
// runtime caches their packing by address.
std::deque<std::vector<int8_t>> constantWeights;
std::deque<std::vector<float>> constantScales;

struct Operands {
  std::vector<float> a, bias, r;
  std::vector<int> q; // q[n*K + k]
  const std::vector<int8_t> *w;
  const std::vector<float> *scale;
  tessera_memref2d_f32 da;
  int64_t flags;
};

Operands makeOperands(const Case &c, std::vector<int8_t> &w,
                      std::vector<float> &scale) {
  int64_t M = c.M, N = c.N, K = c.K;
  Operands o;
  uint32_t seed = c.seed;
  std::vector<float> r = randomFloats(M * K, c.seed);
  int64_t offset = c.stridedA ? 3 : 0, rs = c.stridedA ? K + 5 : K, cs = 1;
  if (c.transposedA)
    rs = 1, cs = M;
  o.a.assign(offset + M * (K + 5) + 1, 0.0f);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t k = 0; k < K; ++k)
      o.a[offset + i * rs + k * cs] = aValue(c, i, k, r[i * K + k]);
  o.da = {o.a.data(), o.a.data(), offset, {M, K}, {rs, cs}};
  o.q.resize(N * K);
  w.assign(c.int4 ? N * K / 2 : N * K, 0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) {
      int v = c.int4 ? int(nextRandom(seed) % 16) - 8
                     : int(nextRandom(seed) % 255) - 127;
      o.q[n * K + k] = v;
      if (!c.int4)
        w[n * K + k] = int8_t(v);
      else // tessera_runtime.h's nibble layout
        w[n * K / 2 + k / 32 * 16 + k % 16] |=
            int8_t((v + 8) << (k % 32 < 16 ? 0 : 4));
    }
  scale.resize(N * c.G);
  for (float &s : scale)
    s = 0.002f + 0.018f * float(nextRandom(seed) % 1000) / 1000.0f;
  o.bias = randomFloats(N, c.seed + 1);
  o.r = randomFloats(M * N, c.seed + 2);
  o.w = &w;
  o.scale = &scale;
  o.flags = c.act | (c.bias ? TESSERA_LINEAR_BIAS : 0) |
            (c.residual ? TESSERA_LINEAR_RESIDUAL : 0) |
            (c.dynamic ? TESSERA_QLINEAR_DYNAMIC_INT8 : 0) |
            (c.int4 ? TESSERA_QLINEAR_INT4 : 0);
  return o;
}

float aAt(const Operands &o, int64_t i, int64_t k) {
  return o.a[o.da.offset + i * o.da.strides[0] + k * o.da.strides[1]];
}

// The product before the epilogue. Dynamic int8: the specified float ops
// and an exact integer product; weight-only: double precision.
std::vector<double> product(const Case &c, const Operands &o) {
  int64_t M = c.M, N = c.N, K = c.K, gs = K / c.G;
  std::vector<double> y(M * N);
  const std::vector<float> &scale = *o.scale;
  for (int64_t i = 0; i < M; ++i) {
    if (!c.dynamic) {
      for (int64_t n = 0; n < N; ++n)
        for (int64_t k = 0; k < K; ++k)
          y[i * N + n] += double(aAt(o, i, k)) * scale[n * c.G + k / gs] *
                          o.q[n * K + k];
      continue;
    }
    if (c.isStatic) {
      float zp = float(c.inZeroPoint), s = c.inScale;
      for (int64_t n = 0; n < N; ++n) {
        int64_t acc = 0, colsum = 0;
        for (int64_t k = 0; k < K; ++k) {
          float qa = std::min(
              std::max(std::nearbyint(aAt(o, i, k) / s) + zp, 0.0f), 255.0f);
          acc += int64_t(qa) * o.q[n * K + k];
          colsum += o.q[n * K + k];
        }
        y[i * N + n] =
            float(int32_t(acc - int64_t(zp) * colsum)) * (s * scale[n]);
      }
      continue;
    }
    float mn = 0.0f, mx = 0.0f;
    for (int64_t k = 0; k < K; ++k) {
      mn = std::min(mn, aAt(o, i, k));
      mx = std::max(mx, aAt(o, i, k));
    }
    float inv = 1.0f, s = 1.0f;
    if (mx > mn) {
      inv = 255.0f / (mx - mn);
      s = (mx - mn) / 255.0f;
    }
    float zp = std::min(std::max(std::nearbyint(-mn * inv), 0.0f), 255.0f);
    for (int64_t n = 0; n < N; ++n) {
      int64_t acc = 0, colsum = 0;
      for (int64_t k = 0; k < K; ++k) {
        float qa = std::min(
            std::max(std::nearbyint(aAt(o, i, k) * inv) + zp, 0.0f), 255.0f);
        acc += int64_t(qa) * o.q[n * K + k];
        colsum += o.q[n * K + k];
      }
      y[i * N + n] = float(int32_t(acc - int64_t(zp) * colsum)) * (s * scale[n]);
    }
  }
  return y;
}

struct Result {
  bool ok;
  std::vector<float> c; // C as a dense [M,N]
};

// Runs the case (twice with constant weights: pack, then cache) and checks
// C (filled with NaN first) against the reference: dynamic int8 within
// 1e-5 of max |ref|, and bit for bit without an epilogue; weight-only
// within 1e-5 relative L2. Rows with a NaN in A must be all NaN.
Result runCase(const Case &c) {
  int64_t M = c.M, N = c.N;
  std::vector<int8_t> localW;
  std::vector<float> localScale;
  bool constant = c.constMask != 0;
  if (constant) {
    constantWeights.emplace_back();
    constantScales.emplace_back();
  }
  Operands o = makeOperands(c, constant ? constantWeights.back() : localW,
                            constant ? constantScales.back() : localScale);
  auto *w = const_cast<int8_t *>(o.w->data());
  auto *scale = const_cast<float *>(o.scale->data());
  tessera_memref2d_i8 dw{w, w, 0, {N, c.int4 ? c.K / 2 : c.K},
                         {c.int4 ? c.K / 2 : c.K, 1}};
  tessera_memref2d_f32 ds{scale, scale, 0, {N, c.G}, {c.G, 1}};
  tessera_memref1d_f32 db{o.bias.data(), o.bias.data(), 0, {N},
                          {c.biasBroadcast ? 0 : 1}};
  tessera_memref2d_f32 dr{o.r.data(), o.r.data(), 0, {M, N}, {N, 1}};
  if (c.residualColumns)
    dr.strides[0] = 1, dr.strides[1] = M;
  int64_t cs = c.stridedC ? 2 : 1, ldc = c.stridedC ? 2 * N + 1 : N;
  std::vector<float> cbuf(1 + M * ldc);
  tessera_memref2d_f32 dc{cbuf.data(), cbuf.data(), 1, {M, N}, {ldc, cs}};

  std::vector<double> y = product(c, o);
  std::vector<double> ref(M * N);
  double maxRef = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t n = 0; n < N; ++n) {
      double b = c.bias ? o.bias[c.biasBroadcast ? 0 : n] : 0.0;
      double t = c.dynamic ? double(float(y[i * N + n]) + float(b))
                           : y[i * N + n] + b;
      ref[i * N + n] =
          activationRef(c.act, t) +
          (c.residual ? o.r[c.residualColumns ? n * M + i : i * N + n] : 0.0);
      if (i != c.nanRow)
        maxRef = std::max(maxRef, std::fabs(ref[i * N + n]));
    }
  bool exact = c.dynamic && !c.bias && !c.residual && c.act == 0;
  Result result{true, std::vector<float>(M * N)};
  for (int call = 0; call < (constant ? 2 : 1); ++call) {
    std::fill(cbuf.begin(), cbuf.end(), NAN);
    if (c.isStatic) {
      uint32_t bits;
      memcpy(&bits, &c.inScale, sizeof bits);
      _mlir_ciface_tessera_qlinear_static_f32(
          &o.da, &dw, &ds, &db, &dr, &dc,
          o.flags & ~int64_t(TESSERA_QLINEAR_DYNAMIC_INT8), bits, c.inZeroPoint,
          c.constMask);
    } else {
      _mlir_ciface_tessera_qlinear_f32(&o.da, &dw, &ds, &db, &dr, &dc, o.flags,
                                       c.constMask);
    }
    double worst = 0, errSq = 0, refSq = 0;
    for (int64_t i = 0; i < M; ++i)
      for (int64_t n = 0; n < N; ++n) {
        float v = cbuf[1 + i * ldc + n * cs];
        result.c[i * N + n] = v;
        if (i == c.nanRow) {
          result.ok &= std::isnan(v);
          continue;
        }
        double d = std::fabs(v - ref[i * N + n]); // NaN for a NaN v
        if (exact)
          result.ok &= v == float(y[i * N + n]);
        worst = d <= worst ? worst : std::isnan(d) ? INFINITY : d;
        errSq += d * d;
        refSq += ref[i * N + n] * ref[i * N + n];
      }
    result.ok &= c.dynamic ? worst <= 1e-5 * maxRef
                           : std::sqrt(errSq) <= 1e-5 * std::sqrt(refSq);
  }
  return result;
}

int report(const char *what, int threads, bool ok) {
  printf("%s threads=%d: %s\n", what, threads, ok ? "ok" : "FAIL");
  return !ok;
}

int dynamicTests(int threads) {
  int failures = 0;
  char name[96];
  for (int64_t M : {1, 3, 8, 13, 100, 129}) {
    bool ok = true;
    for (int64_t N : {1, 17, 32, 33, 100, 300})
      for (int64_t K : {1, 3, 4, 5, 64, 67, 768}) {
        Case c{M, N, K};
        c.dynamic = true;
        ok &= runCase(c).ok;
      }
    snprintf(name, sizeof name, "int8 M=%lld", (long long)M);
    failures += report(name, threads, ok);
  }
  Case base{13, 100, 67};
  base.dynamic = true;
  Case c = base;
  c.stridedA = c.stridedC = true;
  failures += report("int8 strided A, C", threads, runCase(c).ok);
  c = base;
  c.transposedA = true;
  failures += report("int8 transposed A", threads, runCase(c).ok);
  for (int act = 0; act <= TESSERA_LINEAR_ACT_TANH; ++act) {
    c = base;
    c.act = act;
    c.bias = c.residual = true;
    c.biasBroadcast = act % 2;
    snprintf(name, sizeof name, "int8 bias residual %s", activationNames[act]);
    failures += report(name, threads, runCase(c).ok);
  }
  c = base;
  c.act = TESSERA_LINEAR_ACT_GELU;
  c.bias = c.residual = c.residualColumns = true;
  failures += report("int8 column-major residual", threads, runCase(c).ok);
  // Constant weights: the same shape twice at different addresses with
  // different contents (each called twice: packed, then from the cache).
  bool ok = true;
  for (uint32_t seed : {5u, 6u}) {
    c = base;
    c.constMask = 6;
    c.seed = seed;
    ok &= runCase(c).ok;
  }
  failures += report("int8 constant weights", threads, ok);
  return failures;
}

// Static int8: fixed scales that leave most values inside the byte range
// and saturate the huge and the wide rows, zero points at both ends and in
// the middle.
int staticTests(int threads) {
  int failures = 0;
  char name[96];
  for (int64_t M : {1, 13, 129}) {
    bool ok = true;
    for (int64_t N : {17, 100})
      for (int64_t K : {1, 67, 768})
        for (auto [scale, zp] : {std::pair<float, int>{0.01f, 128},
                                 {0.003f, 0},
                                 {0.05f, 255},
                                 {1.0f / 3.0f, 7}}) {
          Case c{M, N, K};
          c.dynamic = c.isStatic = true;
          c.inScale = scale;
          c.inZeroPoint = zp;
          ok &= runCase(c).ok;
        }
    snprintf(name, sizeof name, "static int8 M=%lld", (long long)M);
    failures += report(name, threads, ok);
  }
  bool ok = true;
  for (int act = 0; act <= TESSERA_LINEAR_ACT_TANH; ++act) {
    Case c{13, 100, 67};
    c.dynamic = c.isStatic = true;
    c.inScale = 0.02f;
    c.inZeroPoint = 100;
    c.act = act;
    c.bias = c.residual = true;
    c.stridedA = act == 1;
    c.transposedA = act == 2;
    c.stridedC = act == 3;
    c.constMask = act >= 4 ? 6 : 0;
    c.seed = 11 + act;
    ok &= runCase(c).ok;
  }
  failures += report("static int8 views epilogues constants", threads, ok);
  return failures;
}

int weightOnlyTests(int threads) {
  struct Config {
    bool int4;
    int64_t K, G;
  } configs[] = {{false, 67, 1},  {false, 768, 1}, {false, 768, 24},
                 {false, 768, 12}, {false, 768, 6}, {false, 96, 3},
                 {false, 0, 1},   {true, 64, 1},   {true, 768, 24},
                 {true, 768, 12}, {true, 768, 6},  {true, 768, 1}};
  int failures = 0;
  char name[96];
  for (int64_t M : {1, 2, 4, 5, 64})
    for (bool int4 : {false, true}) {
      bool ok = true;
      for (const Config &cfg : configs)
        if (cfg.int4 == int4)
          for (int64_t N : {64, 100}) {
            Case c{M, N, cfg.K, cfg.G};
            c.int4 = int4;
            ok &= runCase(c).ok;
          }
      snprintf(name, sizeof name, "w%d M=%lld", int4 ? 4 : 8, (long long)M);
      failures += report(name, threads, ok);
    }
  for (int64_t M : {3, 64})
    for (bool int4 : {false, true}) {
      Case base{M, 130, 128, 4};
      base.int4 = int4;
      bool ok = true;
      for (int act = 0; act <= TESSERA_LINEAR_ACT_TANH; ++act) {
        Case c = base;
        c.act = act;
        c.bias = c.residual = true;
        c.biasBroadcast = act % 2;
        c.stridedA = act == 1;
        c.transposedA = act == 2;
        c.stridedC = act == 3;
        c.constMask = act >= 4 ? 6 : 0;
        ok &= runCase(c).ok;
      }
      snprintf(name, sizeof name, "w%d M=%lld views epilogues constants",
               int4 ? 4 : 8, (long long)M);
      failures += report(name, threads, ok);
    }
  bool ok = true;
  for (int64_t M : {1, 4, 64}) {
    Case c{M, 100, 64, 2};
    c.nanRow = M / 2;
    ok &= runCase(c).ok;
  }
  failures += report("weight-only NaN rows", threads, ok);
  return failures;
}

// Large enough to run on the pool: 2 threads must give 1 thread's bits.
int determinismTest() {
  Case dyn{129, 300, 768};
  dyn.dynamic = true;
  Case fixed = dyn;
  fixed.isStatic = true;
  fixed.inScale = 0.01f;
  fixed.inZeroPoint = 120;
  Case w8{64, 300, 768, 24}, gemv{1, 3072, 768, 24};
  gemv.int4 = true;
  bool ok = true;
  for (Case c : {dyn, fixed, w8, gemv}) {
    c.act = TESSERA_LINEAR_ACT_GELU;
    c.bias = c.residual = true;
    tessera_set_num_threads(1);
    Result one = runCase(c);
    tessera_set_num_threads(2);
    Result two = runCase(c);
    ok &= one.ok && two.ok &&
          !memcmp(one.c.data(), two.c.data(), one.c.size() * sizeof(float));
  }
  return report("deterministic", 2, ok);
}

} // namespace

int runQGemmTests(int, char **) {
  int failures = 0;
  for (int threads : {1, 2}) {
    tessera_set_num_threads(threads);
    failures += dynamicTests(threads);
    failures += staticTests(threads);
    failures += weightOnlyTests(threads);
  }
  failures += determinismTest();
  printf("failures: %d\n", failures);
  return failures ? 1 : 0;
}
