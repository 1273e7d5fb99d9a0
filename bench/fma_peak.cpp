// The CPU's fp32 multiply-add peak, measured: THREADS threads each run
// independent chains of fused multiply-adds on the widest vectors the CPU
// has (AVX-512, else AVX2 + FMA, else SSE multiply and add), 12 chains per
// thread so that the FMA latency is hidden. Prints one JSON line with the
// GFLOP/s of all threads together (the median of 5 runs); make bench
// reports each model's achieved GFLOP/s as a share of it.
//   tessera-fma-peak [THREADS]
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

constexpr int kChains = 12;
constexpr long kIters = 20000000;

/// kIters rounds of kChains multiply-adds on V (16 or 8 lanes); returns a
/// sum of the chains so that none is dead code.
__attribute__((target("avx512f"))) float chainsAvx512() {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm512_set1_ps(0.001f * float(i));
  __m512 a = _mm512_set1_ps(0.99999f), b = _mm512_set1_ps(1e-7f);
  for (long k = 0; k < kIters; ++k)
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  float s = 0.0f;
  for (int i = 0; i < kChains; ++i)
    s += _mm512_reduce_add_ps(acc[i]);
  return s;
}

__attribute__((target("avx2,fma"))) float chainsAvx2() {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm256_set1_ps(0.001f * float(i));
  __m256 a = _mm256_set1_ps(0.99999f), b = _mm256_set1_ps(1e-7f);
  for (long k = 0; k < kIters; ++k)
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  float s = 0.0f;
  for (int i = 0; i < kChains; ++i) {
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, acc[i]);
    for (float v : lanes)
      s += v;
  }
  return s;
}

float chainsSse() {
  __m128 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm_set1_ps(0.001f * float(i));
  __m128 a = _mm_set1_ps(0.99999f), b = _mm_set1_ps(1e-7f);
  for (long k = 0; k < kIters; ++k)
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm_add_ps(_mm_mul_ps(acc[i], a), b);
  float s = 0.0f;
  for (int i = 0; i < kChains; ++i) {
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, acc[i]);
    for (float v : lanes)
      s += v;
  }
  return s;
}

} // namespace

int main(int argc, char **argv) {
  int threads = argc > 1 ? std::max(1, atoi(argv[1])) : 1;
  __builtin_cpu_init();
  const char *isa;
  float (*chains)();
  int lanes, flopsPerOp;
  if (__builtin_cpu_supports("avx512f")) {
    isa = "avx512";
    chains = chainsAvx512;
    lanes = 16;
    flopsPerOp = 2;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    isa = "avx2";
    chains = chainsAvx2;
    lanes = 8;
    flopsPerOp = 2;
  } else {
    isa = "sse";
    chains = chainsSse;
    lanes = 4;
    flopsPerOp = 2; // a multiply and an add
  }
  double flops = double(threads) * kIters * kChains * lanes * flopsPerOp;
  std::vector<double> runs;
  float sink = 0.0f;
  for (int r = 0; r < 5; ++r) {
    std::vector<float> sums(threads);
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { sums[t] = chains(); });
    for (std::thread &th : pool)
      th.join();
    double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    runs.push_back(flops / s / 1e9);
    for (float v : sums)
      sink += v;
  }
  std::sort(runs.begin(), runs.end());
  printf("{\"isa\": \"%s\", \"threads\": %d, \"gflops\": %.1f, \"sink\": %g}\n",
         isa, threads, runs[runs.size() / 2], double(sink));
  return 0;
}
