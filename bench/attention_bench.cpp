// Attention benchmark: the fused kernel (_mlir_ciface_tessera_attention_f32)
// against the unfused computation generated code would otherwise run, built
// from the runtime's own GEMM: Q·Kᵀ into a materialised [H,S,S] score buffer,
// a row softmax loop, then P·V. B=1, H=8, D=64, S = Skv.
//   tessera-attention-bench [--threads N] [--reps N] [S]...
// Prints the median time of each, the speedup and the fused GFLOP/s
// (4·S·Skv·D flops per head, half of that under a causal mask). Causal rows
// also time the same fused kernel with tile skipping off: the causal mask
// given as an explicit additive [S, Skv] mask of -1e4 above the diagonal
// (the same result: exp underflows to 0; but only -inf or <= -1e30 lets the
// kernel skip a tile, so every key tile is computed), and against the full
// unmasked computation. Plain rows also time a key-padding mask
// ([1,1,1,Skv], the last 40% of keys -inf: their tiles are skipped) against
// an all-zero mask of the same shape.
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

constexpr int64_t H = 8, D = 64;

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

std::vector<float> randomFloats(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  for (float &x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = (float)(seed >> 8) / (float)(1u << 23) - 1.0f;
  }
  return v;
}

struct Buffers {
  int64_t S;
  std::vector<float> q, k, v, fused, unfused, scores, causalMask;
};

// A [1,1,rows,S] mask over `data`: rows = 1 is one bias per key (padding),
// rows = S one per query and key.
tessera_memref4d_f32 maskOf(std::vector<float> &data, int64_t rows, int64_t S) {
  return {data.data(), data.data(), 0, {1, 1, rows, S}, {rows * S, rows * S, S, 1}};
}

// The fused kernel with `flags` (1 causal, 2 mask: then `mask` is read).
void runFused(Buffers &b, int64_t flags, tessera_memref4d_f32 *mask = nullptr) {
  int64_t S = b.S;
  tessera_memref4d_f32 q{
      b.q.data(), b.q.data(), 0, {1, H, S, D}, {H * S * D, S * D, D, 1}};
  tessera_memref4d_f32 k{
      b.k.data(), b.k.data(), 0, {1, H, S, D}, {H * S * D, S * D, D, 1}};
  tessera_memref4d_f32 v{
      b.v.data(), b.v.data(), 0, {1, H, S, D}, {H * S * D, S * D, D, 1}};
  tessera_memref4d_f32 out{b.fused.data(),
                           b.fused.data(),
                           0,
                           {1, H, S, D},
                           {H * S * D, S * D, D, 1}};
  _mlir_ciface_tessera_attention_f32(&q, &k, &v, mask ? mask : &q, &out,
                                     1.0f / std::sqrt((float)D), flags);
}

// Row softmax of scale·scores (+ -inf above the diagonal when causal), in
// place, parallel over rows like the GEMMs around it.
void softmaxRows(float *scores, int64_t rows, int64_t S, float scale,
                 bool causal) {
  constexpr int64_t rowsPerTask = 16;
  tessera::parallelFor(
      (rows + rowsPerTask - 1) / rowsPerTask, [&](int64_t task) {
        int64_t end = std::min(rows, (task + 1) * rowsPerTask);
        for (int64_t r = task * rowsPerTask; r < end; ++r) {
          float *row = scores + r * S;
          int64_t i = r % S;
          float mx = -INFINITY;
          for (int64_t j = 0; j < S; ++j) {
            row[j] = row[j] * scale + (causal && j > i ? -INFINITY : 0.0f);
            mx = std::max(mx, row[j]);
          }
          float sum = 0;
          for (int64_t j = 0; j < S; ++j)
            sum += row[j] = std::exp(row[j] - mx);
          for (int64_t j = 0; j < S; ++j)
            row[j] /= sum;
        }
      });
}

void runUnfused(Buffers &b, bool causal) {
  int64_t S = b.S;
  tessera_memref3d_f32 q{b.q.data(), b.q.data(), 0, {H, S, D}, {S * D, D, 1}};
  tessera_memref3d_f32 kT{b.k.data(), b.k.data(), 0, {H, D, S}, {S * D, 1, D}};
  tessera_memref3d_f32 v{b.v.data(), b.v.data(), 0, {H, S, D}, {S * D, D, 1}};
  tessera_memref3d_f32 scores{
      b.scores.data(), b.scores.data(), 0, {H, S, S}, {S * S, S, 1}};
  tessera_memref3d_f32 out{
      b.unfused.data(), b.unfused.data(), 0, {H, S, D}, {S * D, D, 1}};
  // The GEMMs accumulate (C += A·B): clearing is part of the unfused cost.
  std::fill(b.scores.begin(), b.scores.end(), 0.0f);
  _mlir_ciface_tessera_batch_matmul_f32(&q, &kT, &scores);
  softmaxRows(b.scores.data(), H * S, S, 1.0f / std::sqrt((float)D), causal);
  std::fill(b.unfused.begin(), b.unfused.end(), 0.0f);
  _mlir_ciface_tessera_batch_matmul_f32(&scores, &v, &out);
}

} // namespace

int main(int argc, char **argv) {
  int threads = 1, reps = 7;
  std::vector<int64_t> lengths;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = atoi(argv[++i]);
    else
      lengths.push_back(atoll(argv[i]));
  }
  if (lengths.empty())
    lengths = {128, 512, 2048};
  tessera_set_num_threads(threads);
  printf("B=1 H=%lld D=%lld threads=%d, median of %d runs\n", (long long)H,
         (long long)D, threads, reps);
  for (int64_t S : lengths) {
    Buffers b{S,
              randomFloats(H * S * D, 1),
              randomFloats(H * S * D, 2),
              randomFloats(H * S * D, 3),
              std::vector<float>(H * S * D),
              std::vector<float>(H * S * D),
              std::vector<float>(H * S * S),
              std::vector<float>(S * S, 0.0f)};
    for (int64_t i = 0; i < S; ++i)
      for (int64_t j = i + 1; j < S; ++j)
        b.causalMask[i * S + j] = -1e4f;
    double full = 0;
    for (bool causal : {false, true}) {
      double fused = medianMs(reps, [&] { runFused(b, causal); });
      double unfused = medianMs(reps, [&] { runUnfused(b, causal); });
      double err = 0, norm = 0;
      for (size_t i = 0; i < b.fused.size(); ++i) {
        err += (b.fused[i] - b.unfused[i]) * (b.fused[i] - b.unfused[i]);
        norm += b.unfused[i] * b.unfused[i];
      }
      double flop = 4.0 * S * S * D * H * (causal ? 0.5 : 1.0);
      printf("S=%-5lld causal=%d fused %8.3f ms  unfused %8.3f ms  "
             "speedup %5.2fx  fused %6.1f GFLOP/s  (rel diff %.1e)\n",
             (long long)S, causal, fused, unfused, unfused / fused,
             flop / fused * 1e-6, std::sqrt(err / norm));
      if (!causal)
        full = fused;
      if (!causal) {
        std::vector<float> zeros(S, 0.0f), padded(S, 0.0f);
        for (int64_t j = S - S * 2 / 5; j < S; ++j)
          padded[j] = -INFINITY;
        tessera_memref4d_f32 zeroMask = maskOf(zeros, 1, S),
                             padMask = maskOf(padded, 1, S);
        double dense = medianMs(reps, [&] { runFused(b, 2, &zeroMask); });
        double skip = medianMs(reps, [&] { runFused(b, 2, &padMask); });
        printf("S=%-5lld key padding 40%%: zero mask %8.3f ms  padded %8.3f ms  "
               "padding skipping speedup %5.2fx\n",
               (long long)S, dense, skip, dense / skip);
      }
      if (causal) {
        std::vector<float> skipped = b.fused;
        tessera_memref4d_f32 mask = maskOf(b.causalMask, S, S);
        double noSkip = medianMs(reps, [&] { runFused(b, 2, &mask); });
        double diff = 0;
        for (size_t i = 0; i < b.fused.size(); ++i)
          diff = std::max(diff, (double)std::fabs(b.fused[i] - skipped[i]));
        printf("S=%-5lld causal skipping off (explicit -1e4 mask) %8.3f ms  "
               "causal skipping speedup %5.2fx, %5.2fx over unmasked  "
               "(max diff %.1e)\n",
               (long long)S, noSkip, noSkip / fused, full / fused, diff);
      }
    }
  }
  return 0;
}
