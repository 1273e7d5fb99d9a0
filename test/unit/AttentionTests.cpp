// The fused attention kernel against a double-precision unfused reference
// (scores, mask, causal -inf, max-subtracted softmax, ·V): shapes, grouped
// query heads, causal, masks of each broadcast form, -inf / finfo.min rows,
// strided views, 1 and 2 threads.
#include "TestUtil.h"
#include "tessera_runtime.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

// A logical [n0,n1,n2,n3] view of a buffer. Layouts: "dense" (row-major),
// "bshd" (a [n0,n2,n1,n3] buffer with dims 1 and 2 swapped, as heads split
// from a [B,S,H*D] projection), "dT" (innermost stride not 1: the last two
// dims swapped in memory) and "padded" (offset, padded rows and dims).
struct Tensor {
  std::vector<float> buf;
  tessera_memref4d_f32 desc;
  float at(int64_t a, int64_t b, int64_t c, int64_t d) const {
    const int64_t *s = desc.strides;
    return buf[desc.offset + a * s[0] + b * s[1] + c * s[2] + d * s[3]];
  }
};

Tensor makeTensor(const int64_t (&n)[4], const std::string &layout,
                  uint32_t seed) {
  Tensor t;
  int64_t offset = 0, s[4];
  if (layout == "bshd") {
    s[3] = 1, s[1] = n[3], s[2] = n[1] * n[3], s[0] = n[2] * s[2];
  } else if (layout == "dT") {
    s[2] = 1, s[3] = n[2], s[1] = n[2] * n[3], s[0] = n[1] * s[1];
  } else if (layout == "padded") {
    offset = 3;
    s[3] = 1, s[2] = n[3] + 5, s[1] = n[2] * s[2] + 7, s[0] = n[1] * s[1] + 2;
  } else {
    s[3] = 1, s[2] = n[3], s[1] = n[2] * n[3], s[0] = n[1] * s[1];
  }
  int64_t extent = offset + 1;
  for (int i = 0; i < 4; ++i)
    extent += (n[i] - 1) * s[i];
  t.buf = randomFloats(extent, seed);
  t.desc = {t.buf.data(),
            t.buf.data(),
            offset,
            {n[0], n[1], n[2], n[3]},
            {s[0], s[1], s[2], s[3]}};
  return t;
}

struct Case {
  int64_t B, H, Hkv, S, Skv, D, Dv;
  bool causal;
  // Mask: "none", "pad" [B,1,1,Skv] with -1e4 on the last keys, "rows"
  // [1,1,S,Skv] with random values and some -inf, "full" [B,H,S,Skv],
  // "deadrow" (row 3 all -inf: NaN), "minrow" (row 3 all finfo.min: a plain
  // average of V), "late" (rows see only keys from 100 on: an all -inf first
  // key tile), "tailpad" [B,1,1,Skv] with -inf on keys from Skv*(b+1)/(B+1)
  // on (whole key tiles skipped), "tailmin" the same with finfo.min,
  // "allmin" [B,1,1,Skv] all finfo.min for b = 1 (an average of V: no tile
  // may be skipped).
  const char *mask = "none";
  const char *layout = "dense"; // of q, k, v and out
  float scaleFactor = 1.0f;     // times 1/sqrt(D)
};

Tensor makeMask(const Case &c) {
  std::string kind = c.mask;
  bool full = kind == "full";
  bool perBatch = kind == "pad" || kind == "tailpad" || kind == "tailmin" ||
                  kind == "allmin";
  int64_t n[4] = {perBatch || full ? c.B : 1, full ? c.H : 1,
                  perBatch ? 1 : c.S, c.Skv};
  Tensor m = makeTensor(n, "dense", 11);
  std::vector<float> &buf = m.buf;
  for (int64_t i = 0; i < (int64_t)buf.size(); ++i) {
    int64_t row = i / c.Skv % n[2], key = i % c.Skv;
    if (kind == "pad")
      buf[i] = key >= c.Skv - 3 - i / c.Skv ? -1e4f : 0.0f;
    else if (kind == "rows" && (row * 7 + key) % 5 == 0)
      buf[i] = -INFINITY;
    else if (kind == "deadrow" && row == 3)
      buf[i] = -INFINITY;
    else if (kind == "minrow" && row == 3)
      buf[i] = -3.4028234663852886e38f;
    else if (kind == "late")
      buf[i] = key < 100 ? -INFINITY : 0.0f;
    else if (kind == "tailpad" || kind == "tailmin") {
      int64_t b = i / c.Skv, valid = c.Skv * (b + 1) / (c.B + 1);
      buf[i] = key < valid ? 0.0f
               : kind == "tailpad" ? -INFINITY
                                   : -3.4028234663852886e38f;
    } else if (kind == "allmin")
      buf[i] = i / c.Skv == 1 ? -3.4028234663852886e38f : 0.0f;
  }
  return m;
}

// The unfused computation in double; NaN for a row with all scores -inf.
void reference(const Case &c, const Tensor &q, const Tensor &k, const Tensor &v,
               const Tensor *mask, float scale, int64_t b, int64_t h, int64_t i,
               std::vector<double> &out) {
  int64_t hk = h / (c.H / c.Hkv);
  std::vector<double> s(c.Skv);
  double mx = -INFINITY;
  for (int64_t j = 0; j < c.Skv; ++j) {
    double dot = 0;
    for (int64_t d = 0; d < c.D; ++d)
      dot += (double)q.at(b, h, i, d) * k.at(b, hk, j, d);
    s[j] = (double)scale * dot;
    if (mask) {
      const int64_t *n = mask->desc.sizes;
      s[j] +=
          mask->at(n[0] == 1 ? 0 : b, n[1] == 1 ? 0 : h, n[2] == 1 ? 0 : i, j);
    }
    if (c.causal && j > i)
      s[j] = -INFINITY;
    mx = std::max(mx, s[j]);
  }
  double sum = 0;
  for (double &x : s)
    sum += x = std::exp(x - mx);
  out.assign(c.Dv, 0.0);
  for (int64_t j = 0; j < c.Skv; ++j)
    for (int64_t d = 0; d < c.Dv; ++d)
      out[d] += s[j] / sum * v.at(b, hk, j, d);
}

// Runs the kernel and compares: relative L2 error over the finite reference
// values <= 1e-5, NaN exactly where the reference has NaN, and no write
// outside the output view.
bool runCase(const Case &c) {
  Tensor q = makeTensor({c.B, c.H, c.S, c.D}, c.layout, 1);
  Tensor k = makeTensor({c.B, c.Hkv, c.Skv, c.D}, c.layout, 2);
  Tensor v = makeTensor({c.B, c.Hkv, c.Skv, c.Dv}, c.layout, 3);
  Tensor out = makeTensor({c.B, c.H, c.S, c.Dv}, c.layout, 4);
  bool hasMask = strcmp(c.mask, "none") != 0;
  Tensor mask = hasMask ? makeMask(c) : makeTensor({1, 1, 1, 1}, "dense", 5);
  std::vector<float> before = out.buf;
  float scale = c.scaleFactor / std::sqrt((float)c.D);
  _mlir_ciface_tessera_attention_f32(&q.desc, &k.desc, &v.desc, &mask.desc,
                                     &out.desc, scale,
                                     (c.causal ? 1 : 0) | (hasMask ? 2 : 0));
  double errSq = 0, refSq = 0;
  bool nanOk = true;
  std::vector<bool> inView(out.buf.size());
  std::vector<double> ref;
  for (int64_t b = 0; b < c.B; ++b)
    for (int64_t h = 0; h < c.H; ++h)
      for (int64_t i = 0; i < c.S; ++i) {
        reference(c, q, k, v, hasMask ? &mask : nullptr, scale, b, h, i, ref);
        for (int64_t d = 0; d < c.Dv; ++d) {
          const int64_t *s = out.desc.strides;
          int64_t idx =
              out.desc.offset + b * s[0] + h * s[1] + i * s[2] + d * s[3];
          inView[idx] = true;
          double got = out.buf[idx];
          if (std::isnan(ref[d]) || std::isnan(got)) {
            nanOk &= std::isnan(ref[d]) && std::isnan(got);
            continue;
          }
          errSq += (got - ref[d]) * (got - ref[d]);
          refSq += ref[d] * ref[d];
        }
      }
  bool untouched = true;
  for (size_t idx = 0; idx < out.buf.size(); ++idx)
    untouched &= inView[idx] || out.buf[idx] == before[idx];
  double rel = std::sqrt(errSq / std::max(refSq, 1e-30));
  bool ok = rel <= 1e-5 && nanOk && untouched;
  if (!ok)
    printf("  rel L2 %.3g, NaN pattern %s, outside view %s\n", rel,
           nanOk ? "ok" : "wrong", untouched ? "untouched" : "written");
  return ok;
}

} // namespace

int runAttentionTests(int, char **) {
  const Case cases[] = {
      {1, 1, 1, 1, 1, 8, 8, false},
      {2, 3, 3, 17, 17, 32, 32, false},
      {2, 3, 3, 17, 17, 32, 32, true},
      {1, 2, 2, 77, 130, 64, 64, false},
      {1, 2, 2, 130, 77, 64, 64, true},
      {1, 1, 1, 30, 100, 8, 8, true},
      {1, 1, 1, 200, 200, 80, 80, true},
      {1, 2, 2, 65, 33, 128, 128, false},
      {2, 2, 2, 40, 90, 64, 48, false},
      {1, 2, 2, 70, 70, 32, 64, true, "none", "dense", 8.0f},
      {1, 8, 2, 100, 100, 64, 64, false},
      {1, 8, 2, 100, 100, 64, 64, true},
      {2, 2, 2, 50, 150, 32, 32, false, "pad"},
      {2, 2, 2, 70, 70, 64, 64, true, "pad"},
      {2, 4, 2, 45, 80, 32, 32, false, "rows"},
      {2, 4, 2, 80, 80, 32, 32, true, "rows"},
      {2, 3, 3, 33, 65, 64, 64, false, "full"},
      {2, 3, 3, 65, 65, 64, 64, true, "full"},
      {1, 2, 2, 20, 130, 32, 32, false, "deadrow"},
      {1, 2, 2, 20, 130, 32, 32, true, "deadrow"},
      {1, 2, 2, 20, 130, 32, 32, false, "minrow"},
      {1, 2, 2, 20, 130, 32, 32, true, "minrow"},
      {1, 2, 2, 70, 200, 32, 32, false, "late"},
      {3, 2, 2, 70, 300, 32, 32, false, "tailpad"},
      {3, 2, 2, 300, 300, 64, 64, true, "tailpad"},
      {3, 2, 2, 70, 300, 32, 32, false, "tailmin"},
      {2, 2, 2, 40, 200, 32, 32, false, "allmin"},
      {2, 4, 2, 37, 37, 64, 64, false, "none", "bshd"},
      {2, 4, 2, 37, 60, 64, 64, true, "rows", "bshd"},
      {1, 2, 2, 70, 70, 32, 24, true, "full", "dT"},
      {2, 2, 1, 66, 70, 80, 80, false, "pad", "padded"},
  };
  int failures = 0;
  for (int threads : {1, 2}) {
    tessera_set_num_threads(threads);
    for (const Case &c : cases) {
      bool ok = runCase(c);
      failures += !ok;
      printf("attention B=%lld H=%lld Hkv=%lld S=%lld Skv=%lld D=%lld "
             "Dv=%lld causal=%d mask=%s layout=%s scale=%g threads=%d: %s\n",
             (long long)c.B, (long long)c.H, (long long)c.Hkv, (long long)c.S,
             (long long)c.Skv, (long long)c.D, (long long)c.Dv, c.causal,
             c.mask, c.layout, c.scaleFactor, threads, ok ? "ok" : "FAIL");
    }
  }
  printf("failures: %d\n", failures);
  return failures ? 1 : 0;
}
