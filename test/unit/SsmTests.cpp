// The state-space-model kernels (selective scan, causal conv1d, linear
// attention) against straightforward double-precision recurrences: odd
// sizes, every flag combination, strided, transposed and broadcast (stride
// 0) views, strong and zero decays, 1 and 2 threads. Relative L2 error
// <= 1e-5, no NaN, and nothing written outside the output views.
#include "TestUtil.h"
#include "tessera_runtime.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <string>

namespace {

// A logical view of rank <= 4 on its own buffer. Layouts: "dense"
// (row-major), "swap" (the last two dims swapped in memory: a [Bt,L,Ch]
// buffer viewed as [Bt,Ch,L], or the reverse), "rev" (all dims reversed in
// memory: no unit stride on the last dim), "bshd" (rank 4, dims 1 and 2
// swapped, heads split from a [B,T,H*D] projection), "padded" (offset and
// padded strides) and "bcast" (stride 0 on dim 0, inputs only).
struct Tensor {
  std::vector<float> buf;
  int rank = 0;
  int64_t offset = 0, sizes[4] = {}, strides[4] = {};

  int64_t index(const int64_t *i) const {
    int64_t at = offset;
    for (int d = 0; d < rank; ++d)
      at += i[d] * strides[d];
    return at;
  }
  float &operator()(int64_t a, int64_t b = 0, int64_t c = 0, int64_t d = 0) {
    int64_t i[4] = {a, b, c, d};
    return buf[index(i)];
  }
  // Calls fn(index into buf) for every element of the view.
  void forEach(const std::function<void(int64_t)> &fn) const {
    int64_t i[4] = {};
    for (int d = 0; d < rank; ++d)
      if (sizes[d] == 0)
        return;
    for (;;) {
      fn(index(i));
      int d = rank - 1;
      for (; d >= 0 && ++i[d] == sizes[d]; --d)
        i[d] = 0;
      if (d < 0)
        return;
    }
  }
  template <typename Desc> Desc *desc(Desc &d) {
    d.allocated = d.aligned = buf.data();
    d.offset = offset;
    for (int i = 0; i < rank; ++i) {
      d.sizes[i] = sizes[i];
      d.strides[i] = strides[i];
    }
    return &d;
  }
};

// Values uniform in [lo, hi).
Tensor makeTensor(std::initializer_list<int64_t> shape,
                  const std::string &layout, uint32_t seed, float lo = -1.0f,
                  float hi = 1.0f) {
  Tensor t;
  t.rank = (int)shape.size();
  std::copy(shape.begin(), shape.end(), t.sizes);
  int perm[4] = {0, 1, 2, 3}; // dims from outermost to innermost in memory
  if (layout == "swap" && t.rank >= 2)
    std::swap(perm[t.rank - 1], perm[t.rank - 2]);
  if (layout == "rev")
    std::reverse(perm, perm + t.rank);
  if (layout == "bshd")
    std::swap(perm[1], perm[2]);
  bool padded = layout == "padded";
  int64_t stride = 1;
  for (int i = t.rank - 1; i >= 0; --i) {
    t.strides[perm[i]] = stride;
    stride *= t.sizes[perm[i]] + (padded ? 3 : 0);
  }
  if (layout == "bcast" && t.rank > 0)
    t.strides[0] = 0;
  t.offset = padded ? 5 : 0;
  int64_t extent = t.offset + 1;
  for (int i = 0; i < t.rank; ++i)
    extent += std::max<int64_t>(t.sizes[i] - 1, 0) * t.strides[i];
  t.buf = randomFloats(extent, seed);
  for (float &x : t.buf)
    x = lo + (x + 1.0f) * 0.5f * (hi - lo);
  return t;
}

// Relative L2 error of one output against its reference, plus checks that
// the kernel wrote no NaN and nothing outside the view.
struct Check {
  double errSq = 0, refSq = 0;
  bool nan = false, outside = false;

  void add(double ref, float got) {
    nan |= std::isnan(got) || std::isnan(ref);
    errSq += (got - ref) * (got - ref);
    refSq += ref * ref;
  }
  void untouched(const Tensor &out, const std::vector<float> &before) {
    std::vector<bool> inView(out.buf.size());
    out.forEach([&](int64_t i) { inView[i] = true; });
    for (size_t i = 0; i < out.buf.size(); ++i)
      outside |= !inView[i] && out.buf[i] != before[i];
  }
  bool ok(const char *what) const {
    double rel = std::sqrt(errSq / std::max(refSq, 1e-30));
    bool good = rel <= 1e-5 && !nan && !outside;
    if (!good)
      printf("  %s: rel L2 %.3g%s%s\n", what, rel, nan ? ", NaN" : "",
             outside ? ", written outside the view" : "");
    return good;
  }
};

// ---- Selective scan --------------------------------------------------------

struct ScanCase {
  int64_t Bt, L, D, N;
  int64_t flags;                // -1: every combination of the 7 flags
  const char *layout = "dense"; // of x, delta, z, y (outputs never bcast)
  bool wideDelta = false;       // delta in [-30, 30): softplus threshold
};

bool runScan(const ScanCase &c, int64_t flags) {
  bool softplus = flags & TESSERA_SSM_DELTA_SOFTPLUS;
  bool bVec = flags & TESSERA_SSM_B_PER_CHANNEL;
  bool cVec = flags & TESSERA_SSM_C_PER_CHANNEL;
  std::string in = c.layout, out = in == "bcast" ? "swap" : in;
  // Without softplus dt must stay >= 0, or h grows without bound.
  float dLo = c.wideDelta ? -30.0f : softplus ? -3.0f : 0.0f;
  float dHi = c.wideDelta ? 30.0f : softplus ? 1.0f : 0.5f;
  Tensor x = makeTensor({c.Bt, c.L, c.D}, in, 1);
  Tensor delta = makeTensor({c.Bt, c.L, c.D}, in, 2, dLo, dHi);
  Tensor A = makeTensor({c.D, c.N}, in == "bcast" || in == "dense" ? in : "rev",
                        3, -4.0f, -0.1f);
  Tensor B = bVec ? makeTensor({1, c.D, c.N}, "swap", 4)
                  : makeTensor({c.Bt, c.L, c.N}, in, 4);
  Tensor C = cVec ? makeTensor({1, c.D, c.N}, "padded", 5)
                  : makeTensor({c.Bt, c.L, c.N}, in == "swap" ? "rev" : in, 5);
  Tensor Dskip = makeTensor({c.D}, in, 6);
  Tensor z = makeTensor({c.Bt, c.L, c.D}, in, 7, -2.0f, 2.0f);
  Tensor bias = makeTensor({c.D}, in, 8, softplus ? -1.0f : 0.0f, 0.5f);
  Tensor h0 = makeTensor({c.Bt, c.D, c.N}, in == "swap" ? "rev" : in, 9);
  Tensor y = makeTensor({c.Bt, c.L, c.D}, out, 10);
  Tensor hLast = makeTensor({c.Bt, c.D, c.N}, out, 11);
  std::vector<float> yBefore = y.buf, hBefore = hLast.buf;
  // Operands whose flag is clear get a dummy descriptor.
  Tensor dummy = makeTensor({1, 1, 1}, "dense", 12);
  Tensor dummy1 = makeTensor({1}, "dense", 12);
  tessera_memref3d_f32 dx, dd, dB, dC, dz, dh0, dy, dh;
  tessera_memref2d_f32 dA;
  tessera_memref1d_f32 dD, db;
  _mlir_ciface_tessera_selective_scan_f32(
      x.desc(dx), delta.desc(dd), A.desc(dA), B.desc(dB), C.desc(dC),
      flags & TESSERA_SSM_D_SKIP ? Dskip.desc(dD) : dummy1.desc(dD),
      flags & TESSERA_SSM_Z_GATE ? z.desc(dz) : dummy.desc(dz),
      flags & TESSERA_SSM_DELTA_BIAS ? bias.desc(db) : dummy1.desc(db),
      flags & TESSERA_SSM_H0 ? h0.desc(dh0) : dummy.desc(dh0), y.desc(dy),
      hLast.desc(dh), flags);

  Check yCheck, hCheck;
  std::vector<double> h(c.N);
  for (int64_t b = 0; b < c.Bt; ++b)
    for (int64_t d = 0; d < c.D; ++d) {
      for (int64_t n = 0; n < c.N; ++n)
        h[n] = flags & TESSERA_SSM_H0 ? h0(b, d, n) : 0.0;
      for (int64_t t = 0; t < c.L; ++t) {
        double dt = delta(b, t, d);
        if (flags & TESSERA_SSM_DELTA_BIAS)
          dt += bias(d);
        if (softplus && dt <= 20)
          dt = std::log1p(std::exp(dt));
        double xv = x(b, t, d), yv = 0;
        for (int64_t n = 0; n < c.N; ++n) {
          double bn = bVec ? B(0, d, n) : B(b, t, n);
          double cn = cVec ? C(0, d, n) : C(b, t, n);
          h[n] = std::exp(dt * A(d, n)) * h[n] + dt * bn * xv;
          yv += h[n] * cn;
        }
        if (flags & TESSERA_SSM_D_SKIP)
          yv += Dskip(d) * xv;
        if (flags & TESSERA_SSM_Z_GATE) {
          double zv = z(b, t, d);
          yv *= zv / (1 + std::exp(-zv));
        }
        yCheck.add(yv, y(b, t, d));
      }
      for (int64_t n = 0; n < c.N; ++n)
        hCheck.add(h[n], hLast(b, d, n));
    }
  yCheck.untouched(y, yBefore);
  hCheck.untouched(hLast, hBefore);
  return yCheck.ok("y") & hCheck.ok("hLast");
}

int scanTests() {
  const ScanCase cases[] = {
      {2, 37, 19, 5, -1},
      {2, 21, 35, 3, -1, "swap"},
      {1, 1, 1, 1, 0},
      {2, 100, 33, 16, 31},
      {1, 300, 64, 16, 31, "swap"},
      {2, 130, 50, 17, 31 | 64 | 128, "padded"},
      {1, 70, 16, 64, 31},
      {3, 65, 48, 8, 1 | 2 | 4 | 8 | 64, "bcast"},
      {1, 200, 40, 16, 31, "dense", true},
      {2, 0, 20, 4, 16},
      {1, 9, 1000, 4, 31},
  };
  int failures = 0;
  for (int threads : {1, 2}) {
    tessera_set_num_threads(threads);
    for (const ScanCase &c : cases) {
      bool ok = true;
      for (int64_t f = 0; f < 256; ++f)
        if ((c.flags < 0 && !(f & 32)) || f == c.flags)
          if (!runScan(c, f)) {
            printf("  flags=%lld failed\n", (long long)f);
            ok = false;
          }
      failures += !ok;
      char flags[16];
      snprintf(flags, sizeof(flags), c.flags < 0 ? "all" : "%lld",
               (long long)c.flags);
      printf("selective_scan Bt=%lld L=%lld D=%lld N=%lld flags=%s "
             "layout=%s%s threads=%d: %s\n",
             (long long)c.Bt, (long long)c.L, (long long)c.D, (long long)c.N,
             flags, c.layout, c.wideDelta ? " wide-delta" : "", threads,
             ok ? "ok" : "FAIL");
    }
  }
  return failures;
}

// ---- Causal conv1d ---------------------------------------------------------

struct ConvCase {
  int64_t Bt, Ch, L, K, dilation;
  int64_t flags; // -1: every activation, with and without bias
  const char *xLayout = "dense", *yLayout = "dense";
};

double activation(int code, double x) {
  switch (code) {
  case 1:
    return x < 0 ? 0 : x;
  case 2:
    return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
  case 3:
    return 0.5 * x *
           (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
  case 4:
    return x / (1 + std::exp(-x));
  case 5:
    return 1 / (1 + std::exp(-x));
  case 6:
    return std::tanh(x);
  default:
    return x;
  }
}

bool runConv(const ConvCase &c, int64_t flags) {
  Tensor x = makeTensor({c.Bt, c.Ch, c.L}, c.xLayout, 1, -2.0f, 2.0f);
  Tensor w = makeTensor({c.Ch, c.K}, "dense", 2);
  Tensor bias = makeTensor({c.Ch}, "padded", 3);
  Tensor y = makeTensor({c.Bt, c.Ch, c.L}, c.yLayout, 4);
  std::vector<float> before = y.buf;
  tessera_memref3d_f32 dx, dy;
  tessera_memref2d_f32 dw;
  tessera_memref1d_f32 db;
  _mlir_ciface_tessera_causal_conv1d_f32(x.desc(dx), w.desc(dw), bias.desc(db),
                                         y.desc(dy), c.dilation, flags);
  Check check;
  for (int64_t b = 0; b < c.Bt; ++b)
    for (int64_t ch = 0; ch < c.Ch; ++ch)
      for (int64_t t = 0; t < c.L; ++t) {
        double acc = flags & TESSERA_LINEAR_BIAS ? bias(ch) : 0.0;
        for (int64_t k = 0; k < c.K; ++k) {
          int64_t src = t - (c.K - 1 - k) * c.dilation;
          if (src >= 0)
            acc += (double)w(ch, k) * x(b, ch, src);
        }
        check.add(activation((int)(flags & 15), acc), y(b, ch, t));
      }
  check.untouched(y, before);
  return check.ok("y");
}

int convTests() {
  const ConvCase cases[] = {
      {2, 19, 40, 4, 1, -1},
      {2, 19, 40, 4, 1, -1, "swap", "swap"},
      {2, 19, 40, 4, 1, -1, "rev", "rev"},
      {1, 1, 1, 1, 1, 0},
      {2, 37, 300, 4, 1, 4 | 16},
      {2, 37, 300, 4, 1, 4 | 16, "swap", "swap"},
      {2, 37, 300, 4, 1, 4 | 16, "swap", "dense"},
      {2, 37, 300, 4, 1, 4 | 16, "dense", "swap"},
      {2, 20, 600, 3, 2, 2 | 16, "padded", "padded"},
      {2, 17, 100, 4, 7, 1, "rev", "dense"},
      {1, 33, 10, 4, 5, 6 | 16},
      {1, 33, 10, 4, 5, 6 | 16, "swap", "swap"},
      {1, 64, 513, 2, 0, 5 | 16, "swap", "dense"},
      {3, 40, 257, 1, 1, 16, "bcast", "dense"},
      {1, 24, 700, 7, 3, 3, "dense", "padded"},
  };
  int failures = 0;
  for (int threads : {1, 2}) {
    tessera_set_num_threads(threads);
    for (const ConvCase &c : cases) {
      bool ok = true;
      for (int64_t f = 0; f < 32; ++f)
        if ((c.flags < 0 && (f & 15) <= 6) || f == c.flags)
          if (!runConv(c, f)) {
            printf("  flags=%lld failed\n", (long long)f);
            ok = false;
          }
      failures += !ok;
      char flags[16];
      snprintf(flags, sizeof(flags), c.flags < 0 ? "all" : "%lld",
               (long long)c.flags);
      printf("causal_conv1d Bt=%lld Ch=%lld L=%lld K=%lld dilation=%lld "
             "flags=%s x=%s y=%s threads=%d: %s\n",
             (long long)c.Bt, (long long)c.Ch, (long long)c.L, (long long)c.K,
             (long long)c.dilation, flags, c.xLayout, c.yLayout, threads,
             ok ? "ok" : "FAIL");
    }
  }
  return failures;
}

// ---- Linear attention ------------------------------------------------------

struct LinearCase {
  int64_t B, H, T, Dk, Dv, flags;
  // "scalar" [B,H,T,1] in [0.9, 1); per key dim: "vector" in [0.8, 1),
  // "strong" in [0.001, 0.3) (chunks end early), "zero" (vector with some
  // exact zeros) and "grow" in [0.95, 1.05).
  const char *gate = "vector";
  const char *layout = "dense"; // of q, k, v, g and out
};

bool runLinear(const LinearCase &c) {
  bool gated = c.flags & TESSERA_LINATTN_GATE;
  bool normalize = c.flags & TESSERA_LINATTN_NORMALIZE;
  bool hasS0 = c.flags & TESSERA_LINATTN_S0;
  std::string gate = c.gate, in = c.layout, outL = in == "bcast" ? "dense" : in;
  // Normalised linear attention uses positive feature maps: the
  // denominators stay away from 0.
  float qkLo = normalize ? 0.0f : -1.0f;
  Tensor q = makeTensor({c.B, c.H, c.T, c.Dk}, in, 1, qkLo);
  Tensor k = makeTensor({c.B, c.H, c.T, c.Dk}, in, 2, qkLo);
  Tensor v = makeTensor({c.B, c.H, c.T, c.Dv}, in, 3);
  float gLo = gate == "scalar"   ? 0.9f
              : gate == "strong" ? 0.001f
              : gate == "grow"   ? 0.95f
                                 : 0.8f;
  float gHi = gate == "strong" ? 0.3f : gate == "grow" ? 1.05f : 1.0f;
  Tensor g =
      makeTensor({c.B, c.H, c.T, gate == "scalar" ? 1 : c.Dk}, in, 4, gLo, gHi);
  if (gate == "zero")
    for (int64_t t = 5; t < c.T; t += 37)
      for (int64_t i = 0; i < c.Dk; i += 3)
        for (int64_t b = 0; b < c.B; ++b)
          for (int64_t h = 0; h < c.H; ++h)
            g(b, h, t, i) = 0.0f;
  Tensor s0 =
      makeTensor({c.B, c.H, c.Dk, c.Dv}, in == "dense" ? "swap" : in, 5);
  Tensor out = makeTensor({c.B, c.H, c.T, c.Dv}, outL, 6);
  Tensor sLast = makeTensor({c.B, c.H, c.Dk, c.Dv}, outL, 7);
  std::vector<float> outBefore = out.buf, sBefore = sLast.buf;
  Tensor dummy = makeTensor({1, 1, 1, 1}, "dense", 8);
  float scale = 1.0f / std::sqrt((float)c.Dk), eps = 1e-6f;
  tessera_memref4d_f32 dq, dk, dv, dg, ds0, dout, dsl;
  _mlir_ciface_tessera_linear_attention_f32(
      q.desc(dq), k.desc(dk), v.desc(dv), gated ? g.desc(dg) : dummy.desc(dg),
      hasS0 ? s0.desc(ds0) : dummy.desc(ds0), out.desc(dout), sLast.desc(dsl),
      scale, eps, c.flags);

  Check oCheck, sCheck;
  std::vector<double> S(c.Dk * c.Dv), zn(c.Dk), o(c.Dv);
  for (int64_t b = 0; b < c.B; ++b)
    for (int64_t h = 0; h < c.H; ++h) {
      for (int64_t i = 0; i < c.Dk; ++i) {
        zn[i] = 0;
        for (int64_t j = 0; j < c.Dv; ++j)
          S[i * c.Dv + j] = hasS0 ? s0(b, h, i, j) : 0.0;
      }
      for (int64_t t = 0; t < c.T; ++t) {
        double den = eps;
        std::fill(o.begin(), o.end(), 0.0);
        for (int64_t i = 0; i < c.Dk; ++i) {
          double gi = !gated ? 1.0 : g(b, h, t, gate == "scalar" ? 0 : i);
          double qi = q(b, h, t, i), ki = k(b, h, t, i);
          for (int64_t j = 0; j < c.Dv; ++j) {
            double &s = S[i * c.Dv + j];
            s = gi * s + ki * v(b, h, t, j);
            o[j] += scale * qi * s;
          }
          zn[i] = gi * zn[i] + ki;
          den += scale * qi * zn[i];
        }
        for (int64_t j = 0; j < c.Dv; ++j)
          oCheck.add(normalize ? o[j] / den : o[j], out(b, h, t, j));
      }
      for (int64_t i = 0; i < c.Dk; ++i)
        for (int64_t j = 0; j < c.Dv; ++j)
          sCheck.add(S[i * c.Dv + j], sLast(b, h, i, j));
    }
  oCheck.untouched(out, outBefore);
  sCheck.untouched(sLast, sBefore);
  return oCheck.ok("out") & sCheck.ok("sLast");
}

int linearTests() {
  const LinearCase cases[] = {
      {1, 1, 1, 8, 8, 0},
      {1, 2, 5, 16, 16, 1 | 2 | 4},
      {2, 2, 127, 32, 24, 1 | 4},
      {1, 2, 200, 64, 64, 0},
      {1, 2, 200, 64, 64, 1},
      {1, 2, 200, 64, 64, 1, "scalar"},
      {1, 2, 200, 64, 64, 2},
      {1, 2, 200, 64, 64, 1 | 2, "scalar"},
      {1, 2, 200, 64, 64, 1 | 2 | 4},
      {1, 2, 200, 64, 64, 4},
      {2, 3, 300, 72, 72, 1 | 2 | 4, "strong"},
      {2, 3, 300, 72, 72, 1 | 4, "zero"},
      {1, 2, 300, 33, 17, 1 | 4, "grow"},
      {1, 2, 300, 65, 65, 1 | 2 | 4, "grow"},
      {2, 2, 130, 64, 64, 1 | 2 | 4, "vector", "bshd"},
      {1, 2, 150, 48, 32, 1 | 4, "scalar", "swap"},
      {2, 2, 140, 20, 36, 1 | 2 | 4, "vector", "padded"},
      {2, 2, 70, 96, 80, 1 | 2 | 4, "scalar", "padded"},
      {2, 2, 129, 16, 80, 1 | 4, "vector", "bcast"},
      {2, 2, 100, 80, 70, 1 | 2, "vector", "bcast"},
      {1, 1, 700, 128, 64, 1 | 4},
  };
  int failures = 0;
  for (int threads : {1, 2}) {
    tessera_set_num_threads(threads);
    for (const LinearCase &c : cases) {
      bool ok = runLinear(c);
      failures += !ok;
      printf("linear_attention B=%lld H=%lld T=%lld Dk=%lld Dv=%lld "
             "gate=%s normalize=%d s0=%d layout=%s threads=%d: %s\n",
             (long long)c.B, (long long)c.H, (long long)c.T, (long long)c.Dk,
             (long long)c.Dv, c.flags & TESSERA_LINATTN_GATE ? c.gate : "none",
             (int)!!(c.flags & TESSERA_LINATTN_NORMALIZE),
             (int)!!(c.flags & TESSERA_LINATTN_S0), c.layout, threads,
             ok ? "ok" : "FAIL");
    }
  }
  return failures;
}

} // namespace

int runSsmTests(int, char **) {
  int failures = scanTests() + convTests() + linearTests();
  printf("failures: %d\n", failures);
  return failures ? 1 : 0;
}
