// Quantized linear layer benchmark: the fp32 linear layer (constant weight)
// against tessera_qlinear_f32 in its three forms (dynamic int8, weight-only
// 8-bit per channel, weight-only 4-bit with groups of 32), all with constant
// weights and a bias. Prints the median GOP/s (2 ops per multiply-add) and
// the speedup over fp32, then the single-core peaks of vpdpbusd and fp32 FMA.
//   tessera-qgemm-bench [--threads N]... [--mode NAME]... [M N K]...
// (--mode: only the named forms, e.g. int8-dynamic; the speedup over fp32
// is printed where fp32 is one of them.)
#include "tessera_runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

double seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Median seconds per call over 15 repetitions of ~20 ms each.
double medianSeconds(const std::function<void()> &run) {
  run();
  double start = seconds();
  int calls = 0;
  while (seconds() - start < 0.05 || calls < 3)
    run(), ++calls;
  double perCall = (seconds() - start) / calls;
  int inner = std::max(1, (int)(0.02 / perCall));
  std::vector<double> times;
  for (int r = 0; r < 15; ++r) {
    double t0 = seconds();
    for (int i = 0; i < inner; ++i)
      run();
    times.push_back((seconds() - t0) / inner);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

tessera_memref2d_f32 f32(std::vector<float> &v, int64_t rows, int64_t cols) {
  return {v.data(), v.data(), 0, {rows, cols}, {cols, 1}};
}

tessera_memref2d_i8 i8(std::vector<int8_t> &v, int64_t rows, int64_t cols) {
  return {v.data(), v.data(), 0, {rows, cols}, {cols, 1}};
}

std::vector<std::string> onlyModes;

void benchShape(int64_t M, int64_t N, int64_t K, int threads) {
  std::vector<float> a(M * K), w(N * K), c(M * N), bias(N);
  std::vector<int8_t> q8(N * K), q4(N * K / 2);
  std::vector<float> scale1(N, 0.01f), scale32(N * (K / 32), 0.01f);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = float((i * 7919) % 201) / 100.0f - 1.0f;
  for (size_t i = 0; i < w.size(); ++i) {
    q8[i] = int8_t((i * 104729) % 255 - 127);
    w[i] = 0.01f * q8[i];
  }
  for (size_t i = 0; i < q4.size(); ++i)
    q4[i] = int8_t(i * 31);
  tessera_memref2d_f32 da = f32(a, M, K), dw = f32(w, N, K), dc = f32(c, M, N);
  tessera_memref2d_f32 ds1 = f32(scale1, N, 1), ds32 = f32(scale32, N, K / 32);
  tessera_memref2d_i8 dq8 = i8(q8, N, K), dq4 = i8(q4, N, K / 2);
  tessera_memref1d_f32 db{bias.data(), bias.data(), 0, {N}, {1}};
  int64_t flags = TESSERA_LINEAR_BIAS;
  struct Mode {
    const char *name;
    std::function<void()> run;
  } modes[] = {
      {"fp32",
       [&] {
         _mlir_ciface_tessera_linear_f32(
             &da, &dw, &db, &dc, &dc, flags | TESSERA_LINEAR_TRANSPOSE_B, 2);
       }},
      {"int8-dynamic",
       [&] {
         _mlir_ciface_tessera_qlinear_f32(
             &da, &dq8, &ds1, &db, &dc, &dc,
             flags | TESSERA_QLINEAR_DYNAMIC_INT8, 6);
       }},
      {"w8", [&] {
         _mlir_ciface_tessera_qlinear_f32(&da, &dq8, &ds1, &db, &dc, &dc,
                                          flags, 6);
       }},
      {"w4-g32", [&] {
         _mlir_ciface_tessera_qlinear_f32(&da, &dq4, &ds32, &db, &dc, &dc,
                                          flags | TESSERA_QLINEAR_INT4, 6);
       }}};
  double ops = 2.0 * M * N * K, fp32 = 0;
  for (const Mode &mode : modes) {
    if (!onlyModes.empty() && std::find(onlyModes.begin(), onlyModes.end(),
                                        mode.name) == onlyModes.end())
      continue;
    double t = medianSeconds(mode.run);
    if (!strcmp(mode.name, "fp32"))
      fp32 = t;
    printf("threads=%d M=%lld N=%lld K=%lld %-12s %8.1f GOP/s", threads,
           (long long)M, (long long)N, (long long)K, mode.name, ops / t * 1e-9);
    if (fp32)
      printf("  %5.2fx fp32", fp32 / t);
    printf("\n");
  }
}

#if defined(__x86_64__)
// Single-core peaks: 16 independent accumulator chains, enough to cover
// the latency on any core.
__attribute__((target("avx512f,avx512vnni"))) double vnniPeak() {
  __m512i acc[16];
  for (int i = 0; i < 16; ++i)
    acc[i] = _mm512_set1_epi32(i);
  __m512i a = _mm512_set1_epi8(1), b = _mm512_set1_epi8(2);
  const long iters = 20000000;
  double t0 = seconds();
  for (long it = 0; it < iters; ++it) {
    for (int i = 0; i < 16; ++i)
      acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
    __asm__ volatile("" : "+v"(a), "+v"(b));
  }
  double t = seconds() - t0;
  int sum = 0;
  for (int i = 0; i < 16; ++i)
    sum += _mm512_reduce_add_epi32(acc[i]);
  __asm__ volatile("" ::"r"(sum));
  return 2.0 * 64 * 16 * iters / t * 1e-9;
}

__attribute__((target("avx512f,fma"))) double fmaPeak() {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i)
    acc[i] = _mm512_set1_ps(float(i));
  __m512 a = _mm512_set1_ps(1.0f), b = _mm512_set1_ps(1e-9f);
  const long iters = 20000000;
  double t0 = seconds();
  for (long it = 0; it < iters; ++it) {
    for (int i = 0; i < 16; ++i)
      acc[i] = _mm512_fmadd_ps(a, b, acc[i]);
    __asm__ volatile("" : "+v"(a), "+v"(b));
  }
  double t = seconds() - t0;
  float sum = 0;
  for (int i = 0; i < 16; ++i)
    sum += _mm512_reduce_add_ps(acc[i]);
  __asm__ volatile("" ::"x"(sum));
  return 2.0 * 16 * 16 * iters / t * 1e-9;
}
#endif

} // namespace

int main(int argc, char **argv) {
  std::vector<int> threads;
  std::vector<int64_t> dims;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads.push_back(atoi(argv[++i]));
    else if (!strcmp(argv[i], "--mode") && i + 1 < argc)
      onlyModes.push_back(argv[++i]);
    else
      dims.push_back(atoll(argv[i]));
  }
  if (threads.empty())
    threads = {1, 2};
  if (dims.empty())
    for (int64_t M : {1, 128})
      for (auto nk : {std::pair<int64_t, int64_t>{768, 768},
                      {3072, 768},
                      {768, 3072},
                      {2304, 768}})
        dims.insert(dims.end(), {M, nk.first, nk.second});
  for (int t : threads) {
    tessera_set_num_threads(t);
    for (size_t i = 0; i + 2 < dims.size(); i += 3)
      benchShape(dims[i], dims[i + 1], dims[i + 2], t);
  }
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512vnni"))
    printf("peak, one core: vpdpbusd %.1f GOP/s, fp32 FMA %.1f GFLOP/s\n",
           vnniPeak(), fmaPeak());
#endif
  return 0;
}
