// State-space-model benchmark:
// - linear attention (B=1, H=4, with s0): the chunked kernel against the
//   step-by-step recurrence (TESSERA_LINEAR_ATTENTION=chunked / sequential),
//   without a gate, with one decay per step and with a decay per key
//   dimension, at Dk=Dv=64 (and --dk/--dv);
// - the selective scan (B=1, L=1024, D=1024, N=16, Mamba's flags: softplus,
//   D skip, z gate, delta bias, time-varying B and C) and the causal conv1d
//   (Ch=2048, L=1024, K=4, silu) with their effective memory bandwidth.
//   tessera-ssm-bench [--threads N] [--reps N] [--dk N] [--dv N] [T]...
#include "tessera_runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

double seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

template <typename Fn> double medianMs(int reps, Fn fn) {
  fn(); // warm-up: scratch buffers, page faults, pool start
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    double t0 = seconds();
    fn();
    times.push_back((seconds() - t0) * 1e3);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// Values uniform in [lo, hi).
std::vector<float> randomFloats(size_t n, uint32_t seed, float lo = -1.0f,
                                float hi = 1.0f) {
  std::vector<float> v(n);
  for (float &x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = lo + (float)(seed >> 8) / (float)(1u << 24) * (hi - lo);
  }
  return v;
}

template <int R, typename Desc>
Desc dense(std::vector<float> &buf, const int64_t (&sizes)[R]) {
  Desc d;
  d.allocated = d.aligned = buf.data();
  d.offset = 0;
  int64_t stride = 1;
  for (int i = R - 1; i >= 0; --i) {
    d.sizes[i] = sizes[i];
    d.strides[i] = stride;
    stride *= sizes[i];
  }
  return d;
}

constexpr int64_t H = 4;

void benchLinearAttention(int64_t T, int64_t Dk, int64_t Dv, int reps) {
  std::vector<float> q = randomFloats(H * T * Dk, 1),
                     k = randomFloats(H * T * Dk, 2),
                     v = randomFloats(H * T * Dv, 3),
                     gv = randomFloats(H * T * Dk, 4, 0.8f, 1.0f),
                     gs = randomFloats(H * T, 5, 0.9f, 1.0f),
                     s0 = randomFloats(H * Dk * Dv, 6), out(H * T * Dv),
                     sLast(H * Dk * Dv), ref(H * T * Dv);
  auto dq = dense<4, tessera_memref4d_f32>(q, {1, H, T, Dk});
  auto dk = dense<4, tessera_memref4d_f32>(k, {1, H, T, Dk});
  auto dv = dense<4, tessera_memref4d_f32>(v, {1, H, T, Dv});
  auto dgv = dense<4, tessera_memref4d_f32>(gv, {1, H, T, Dk});
  auto dgs = dense<4, tessera_memref4d_f32>(gs, {1, H, T, 1});
  auto ds0 = dense<4, tessera_memref4d_f32>(s0, {1, H, Dk, Dv});
  auto dout = dense<4, tessera_memref4d_f32>(out, {1, H, T, Dv});
  auto dsl = dense<4, tessera_memref4d_f32>(sLast, {1, H, Dk, Dv});
  const char *names[] = {"none", "scalar", "per-key"};
  tessera_memref4d_f32 *gates[] = {&dgv, &dgs, &dgv};
  for (int which = 0; which < 3; ++which) {
    int64_t flags = TESSERA_LINATTN_S0 | (which ? TESSERA_LINATTN_GATE : 0);
    auto run = [&] {
      _mlir_ciface_tessera_linear_attention_f32(
          &dq, &dk, &dv, gates[which], &ds0, &dout, &dsl, 0.125f, 1e-6f, flags);
    };
    setenv("TESSERA_LINEAR_ATTENTION", "sequential", 1);
    double sequential = medianMs(reps, run);
    ref = out;
    setenv("TESSERA_LINEAR_ATTENTION", "chunked", 1);
    double chunked = medianMs(reps, run);
    unsetenv("TESSERA_LINEAR_ATTENTION");
    double err = 0, norm = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      err += (out[i] - ref[i]) * (out[i] - ref[i]);
      norm += ref[i] * ref[i];
    }
    printf("linear attention T=%-5lld gate=%-7s chunked %8.3f ms  "
           "sequential %8.3f ms  speedup %5.2fx  (rel diff %.1e)\n",
           (long long)T, names[which], chunked, sequential,
           sequential / chunked, std::sqrt(err / norm));
  }
}

void benchSelectiveScan(int reps) {
  constexpr int64_t L = 1024, D = 1024, N = 16;
  std::vector<float> x = randomFloats(L * D, 1), delta = randomFloats(L * D, 2),
                     A = randomFloats(D * N, 3, -4.0f, -0.1f),
                     B = randomFloats(L * N, 4), C = randomFloats(L * N, 5),
                     Dskip = randomFloats(D, 6), z = randomFloats(L * D, 7),
                     bias = randomFloats(D, 8), y(L * D), hLast(D * N);
  auto dx = dense<3, tessera_memref3d_f32>(x, {1, L, D});
  auto dd = dense<3, tessera_memref3d_f32>(delta, {1, L, D});
  auto dA = dense<2, tessera_memref2d_f32>(A, {D, N});
  auto dB = dense<3, tessera_memref3d_f32>(B, {1, L, N});
  auto dC = dense<3, tessera_memref3d_f32>(C, {1, L, N});
  auto dD = dense<1, tessera_memref1d_f32>(Dskip, {D});
  auto dz = dense<3, tessera_memref3d_f32>(z, {1, L, D});
  auto db = dense<1, tessera_memref1d_f32>(bias, {D});
  auto dy = dense<3, tessera_memref3d_f32>(y, {1, L, D});
  auto dh = dense<3, tessera_memref3d_f32>(hLast, {1, D, N});
  int64_t flags = TESSERA_SSM_DELTA_SOFTPLUS | TESSERA_SSM_D_SKIP |
                  TESSERA_SSM_Z_GATE | TESSERA_SSM_DELTA_BIAS;
  double ms = medianMs(reps, [&] {
    _mlir_ciface_tessera_selective_scan_f32(&dx, &dd, &dA, &dB, &dC, &dD, &dz,
                                            &db, &dh, &dy, &dh, flags);
  });
  double bytes = 4.0 * (4 * L * D + 2 * L * N);
  printf("selective scan L=%lld D=%lld N=%lld: %8.3f ms  %6.2f GB/s  "
         "%6.2f G state updates/s\n",
         (long long)L, (long long)D, (long long)N, ms, bytes / ms * 1e-6,
         L * D * N / ms * 1e-6);
}

void benchConv(int reps) {
  constexpr int64_t Ch = 2048, L = 1024, K = 4;
  std::vector<float> x = randomFloats(Ch * L, 1), w = randomFloats(Ch * K, 2),
                     bias = randomFloats(Ch, 3), y(Ch * L);
  auto dw = dense<2, tessera_memref2d_f32>(w, {Ch, K});
  auto db = dense<1, tessera_memref1d_f32>(bias, {Ch});
  for (bool channelsLast : {false, true}) {
    // channelsLast: [1,L,Ch] buffers viewed as [1,Ch,L].
    tessera_memref3d_f32 dx = {
        x.data(),
        x.data(),
        0,
        {1, Ch, L},
        {Ch * L, channelsLast ? 1 : L, channelsLast ? Ch : 1}};
    tessera_memref3d_f32 dy = dx;
    dy.allocated = dy.aligned = y.data();
    double ms = medianMs(reps, [&] {
      _mlir_ciface_tessera_causal_conv1d_f32(
          &dx, &dw, &db, &dy, 1, TESSERA_LINEAR_ACT_SILU | TESSERA_LINEAR_BIAS);
    });
    printf("causal conv1d Ch=%lld L=%lld K=%lld %s: %8.3f ms  %6.2f GB/s\n",
           (long long)Ch, (long long)L, (long long)K,
           channelsLast ? "channels-last" : "time-last    ", ms,
           8.0 * Ch * L / ms * 1e-6);
  }
}

} // namespace

int main(int argc, char **argv) {
  int threads = 1, reps = 7;
  int64_t Dk = 64, Dv = 64;
  std::vector<int64_t> lengths;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--dk") && i + 1 < argc)
      Dk = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--dv") && i + 1 < argc)
      Dv = atoll(argv[++i]);
    else
      lengths.push_back(atoll(argv[i]));
  }
  if (lengths.empty())
    lengths = {256, 1024, 4096};
  tessera_set_num_threads(threads);
  printf("threads=%d, median of %d runs; linear attention B=1 H=%lld "
         "Dk=%lld Dv=%lld\n",
         threads, reps, (long long)H, (long long)Dk, (long long)Dv);
  for (int64_t T : lengths)
    benchLinearAttention(T, Dk, Dv, reps);
  benchSelectiveScan(reps);
  benchConv(reps);
  return 0;
}
