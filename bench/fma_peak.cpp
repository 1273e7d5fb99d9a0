// The CPU's fp32 multiply-add peak, measured: THREADS threads each run
// independent chains of fused multiply-adds on the widest vectors the CPU
// has (AVX-512, else AVX2 + FMA, else SSE multiply and add), 12 chains per
// thread so that the FMA latency is hidden. Prints one JSON line with the
// GFLOP/s of all threads together (the median of 5 runs); make bench
// reports each model's achieved GFLOP/s as a share of it.
//   tessera-fma-peak [THREADS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

constexpr int kChains = 12;
constexpr long kIters = 20000000;

/// kIters rounds of kChains multiply-adds on vectors of Lanes floats (one
/// expression each, which the compiler contracts into an FMA where the
/// target has one); returns a sum of the chains so that none is dead code.
/// Inlined into the per-ISA wrappers below, which pick the instructions.
template <int Lanes> __attribute__((always_inline)) inline float chains() {
  typedef float V __attribute__((vector_size(Lanes * sizeof(float))));
  V acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = V{} + 0.001f * float(i);
  V a = V{} + 0.99999f, b = V{} + 1e-7f;
  for (long k = 0; k < kIters; ++k)
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i)
      acc[i] = acc[i] * a + b;
  float s = 0.0f;
  for (int i = 0; i < kChains; ++i)
    for (int l = 0; l < Lanes; ++l)
      s += acc[i][l];
  return s;
}

__attribute__((target("avx512f"))) float chainsAvx512() { return chains<16>(); }
__attribute__((target("avx2,fma"))) float chainsAvx2() { return chains<8>(); }
float chainsSse() { return chains<4>(); } // a multiply and an add

} // namespace

int main(int argc, char **argv) {
  int threads = argc > 1 ? std::max(1, atoi(argv[1])) : 1;
  __builtin_cpu_init();
  // Each lane of each chain does a multiply and an add per round.
  const char *isa = "sse";
  float (*run)() = chainsSse;
  int lanes = 4;
  if (__builtin_cpu_supports("avx512f")) {
    isa = "avx512";
    run = chainsAvx512;
    lanes = 16;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    isa = "avx2";
    run = chainsAvx2;
    lanes = 8;
  }
  double flops = 2.0 * threads * kIters * kChains * lanes;
  std::vector<double> runs;
  float sink = 0.0f;
  for (int r = 0; r < 5; ++r) {
    std::vector<float> sums(threads);
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { sums[t] = run(); });
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
