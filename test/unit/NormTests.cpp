// The row norms (_mlir_ciface_tessera_layer_norm_f32 / _rms_norm_f32)
// against double-precision references: widths around the kernel's 16-lane
// vectors and 64-lane sums, with and without a bias, padded rows, strided
// columns and a strided scale, in place (y = x), 1 and 2 threads. Relative
// L2 error <= 1e-5, no NaN, nothing written outside the output rows. With
// a path, every output element's bits go there too: the kernels of each ISA
// must write the same (norm.test compares them).
#include "TestUtil.h"
#include "tessera_runtime.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace {

constexpr float guard = 1234.5f;

FILE *dump = nullptr;

struct Case {
  int64_t rows, cols;
  bool rms, bias;
  const char *layout; // dense, padded (row stride cols + 5), strided
                      // (columns 2 apart, scale 3 apart), inplace
};

bool runCase(const Case &c, int threads) {
  bool padded = !strcmp(c.layout, "padded"),
       strided = !strcmp(c.layout, "strided"),
       inplace = !strcmp(c.layout, "inplace");
  int64_t colStride = strided ? 2 : 1;
  int64_t rowStride = padded ? c.cols + 5 : c.cols * colStride;
  int64_t paramStride = strided ? 3 : 1;
  std::vector<float> x = randomFloats(c.rows * rowStride + 8, 7 + c.cols);
  for (float &v : x)
    v = 3 * v + 0.5f; // a mean away from 0
  std::vector<float> g = randomFloats(c.cols * paramStride, 11),
                     b = randomFloats(c.cols * paramStride, 13);
  std::vector<float> y(x.size(), guard);
  std::vector<float> x0 = x;
  if (inplace)
    y = x;
  float *yData = inplace ? x.data() : y.data();
  tessera_memref2d_f32 X{
      x.data(), x.data(), 3, {c.rows, c.cols}, {rowStride, colStride}};
  tessera_memref2d_f32 Y{
      yData, yData, 3, {c.rows, c.cols}, {rowStride, colStride}};
  tessera_memref1d_f32 G{g.data(), g.data(), 0, {c.cols}, {paramStride}};
  tessera_memref1d_f32 B{b.data(), b.data(), 0, {c.cols}, {paramStride}};
  tessera_set_num_threads(threads);
  const float eps = 1e-5f;
  if (c.rms)
    _mlir_ciface_tessera_rms_norm_f32(&X, &G, &B, &Y, eps,
                                      c.bias ? TESSERA_NORM_BIAS : 0);
  else
    _mlir_ciface_tessera_layer_norm_f32(&X, &G, &B, &Y, eps,
                                        c.bias ? TESSERA_NORM_BIAS : 0);
  double err = 0, ref2 = 0;
  bool nan = false;
  std::vector<bool> inside(x.size(), false);
  for (int64_t r = 0; r < c.rows; ++r) {
    double mean = 0, var = 0;
    auto at = [&](int64_t col) { return 3 + r * rowStride + col * colStride; };
    for (int64_t k = 0; k < c.cols; ++k)
      mean += x0[at(k)];
    mean = c.rms ? 0 : mean / c.cols;
    for (int64_t k = 0; k < c.cols; ++k)
      var += (x0[at(k)] - mean) * (x0[at(k)] - mean);
    double rstd = 1 / std::sqrt(var / c.cols + eps);
    for (int64_t k = 0; k < c.cols; ++k) {
      double want = (x0[at(k)] - mean) * rstd * g[k * paramStride] +
                    (c.bias ? b[k * paramStride] : 0);
      double got = yData[at(k)];
      if (dump)
        fwrite(&yData[at(k)], sizeof(float), 1, dump);
      nan |= std::isnan(got);
      err += (got - want) * (got - want);
      ref2 += want * want;
      inside[at(k)] = true;
    }
  }
  bool outside = false;
  for (size_t i = 0; i < x.size(); ++i)
    if (!inside[i])
      outside |= inplace ? yData[i] != x0[i] : yData[i] != guard;
  double rel = std::sqrt(err / (ref2 > 0 ? ref2 : 1));
  bool ok = !nan && !outside && rel <= 1e-5;
  printf("%s rows=%lld cols=%lld bias=%d layout=%s threads=%d: %s",
         c.rms ? "rms_norm" : "layer_norm", (long long)c.rows,
         (long long)c.cols, c.bias, c.layout, threads, ok ? "ok" : "FAIL");
  if (!ok)
    printf(" (rel %.3g%s%s)", rel, nan ? ", NaN" : "",
           outside ? ", wrote outside" : "");
  printf("\n");
  return ok;
}

} // namespace

int runNormTests(int argc, char **argv) {
  if (argc >= 2 && !(dump = fopen(argv[1], "wb"))) {
    fprintf(stderr, "cannot write %s\n", argv[1]);
    return 1;
  }
  const Case cases[] = {
      {3, 1, false, true, "dense"},     {5, 15, false, true, "dense"},
      {5, 16, true, false, "dense"},    {4, 17, false, false, "dense"},
      {7, 48, false, true, "padded"},   {6, 64, true, false, "padded"},
      {9, 65, false, true, "dense"},    {197, 384, false, true, "dense"},
      {130, 200, true, false, "dense"}, {40, 96, false, true, "inplace"},
      {11, 33, false, true, "strided"}, {8, 130, true, true, "strided"},
      {5, 127, false, true, "dense"},   {3, 319, true, false, "padded"},
  };
  bool all = true;
  for (int threads : {1, 2})
    for (const Case &c : cases)
      all &= runCase(c, threads);
  if (dump)
    fclose(dump);
  return all ? 0 : 1;
}
