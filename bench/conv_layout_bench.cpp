// One conv, depthwise conv or max pool through the runtime's kernels on a
// channel-first and on a channels-last image (TESSERA_CONV_CHANNELS_LAST):
// checks that both give the same output and prints the median times.
//   tessera-conv-layout-bench conv|dw|pool C H F K STRIDE PAD THREADS [res]
// F is ignored for dw and pool (= C); `res` adds a residual (conv only).
// CONV_GROUPS=G in the environment: a grouped conv of G groups (conv only).
// COLD=1: before each timed call, a 64 MiB buffer is streamed through, so
// the call's operands come from memory.
// ACT=N: the fused activation TESSERA_LINEAR_ACT_N (4: SiLU) in place of
// the default clamp at 0.
// DIRTY=1 in the environment: before each timed call, every thread writes
// (to a line of each 64 bytes) the stretch of the output that another
// thread's split writes next, as a model's arena leaves it; DIRTY=2 also the
// input. Only the calls are timed. (16 -> 48 channels 1x1 at 112x112, 2
// threads: 98, 98 and 107 us.)
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

static double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int main(int argc, char **argv) {
  if (argc < 9) {
    fprintf(stderr, "usage: %s conv|dw|pool C H F K STRIDE PAD THREADS [res]\n",
            argv[0]);
    return 1;
  }
  const char *op = argv[1];
  int64_t C = atoi(argv[2]), H = atoi(argv[3]), F = atoi(argv[4]),
          k = atoi(argv[5]), s = atoi(argv[6]), pad = atoi(argv[7]);
  int threads = atoi(argv[8]);
  bool residual = argc > 9;
  bool depthwise = !strcmp(op, "dw"), pool = !strcmp(op, "pool");
  if (depthwise || pool)
    F = C;
  const char *groupsEnv = getenv("CONV_GROUPS");
  int64_t groups = groupsEnv && !depthwise && !pool ? atoi(groupsEnv) : 1;
  if (groups < 1 || C % groups || F % groups) {
    fprintf(stderr, "CONV_GROUPS must divide C and F\n");
    return 1;
  }
  int64_t OH = (H + 2 * pad - k) / s + 1,
          K = depthwise ? k * k : C / groups * k * k;
  tessera_set_num_threads(threads);
  srand(1);
  auto uniform = [] { return rand() / (float)RAND_MAX - 0.5f; };
  std::vector<float> x(C * H * H), xl(x.size()), w(F * K), b(F), y(F * OH * OH),
      yl(y.size()), r(y.size()), rl(y.size());
  for (float &v : x)
    v = uniform();
  for (float &v : w)
    v = uniform() * 0.1f;
  for (float &v : b)
    v = uniform();
  for (float &v : r)
    v = uniform();
  // The same values channels-last.
  for (int64_t c = 0; c < C; ++c)
    for (int64_t i = 0; i < H * H; ++i)
      xl[i * C + c] = x[c * H * H + i];
  for (int64_t c = 0; c < F; ++c)
    for (int64_t i = 0; i < OH * OH; ++i)
      rl[i * F + c] = r[c * OH * OH + i];
  // [n, c, h, h] channel-first, or [n, h, h, c] channels-last.
  auto memref = [](std::vector<float> &v, int64_t n, int64_t c, int64_t h,
                   bool last) {
    if (last)
      return tessera_memref4d_f32{
          v.data(), v.data(), 0, {n, h, h, c}, {h * h * c, h * c, c, 1}};
    return tessera_memref4d_f32{
        v.data(), v.data(), 0, {n, c, h, h}, {c * h * h, h * h, h, 1}};
  };
  tessera_memref4d_f32 dx = memref(x, 1, C, H, false),
                       dy = memref(y, 1, F, OH, false),
                       dr = memref(r, 1, F, OH, false),
                       dxl = memref(xl, 1, C, H, true),
                       dyl = memref(yl, 1, F, OH, true),
                       drl = memref(rl, 1, F, OH, true);
  tessera_memref2d_f32 dw{w.data(), w.data(), 0, {F, K}, {K, 1}};
  tessera_memref1d_f32 db{b.data(), b.data(), 0, {F}, {1}};
  const char *actEnv = getenv("ACT");
  int64_t act = actEnv ? atoi(actEnv) & TESSERA_LINEAR_ACT_MASK : 0;
  int64_t flags = TESSERA_LINEAR_BIAS |
                  (act ? act : int64_t(TESSERA_CONV_CLAMP_MIN)) |
                  (residual ? TESSERA_CONV_RESIDUAL : 0);
  auto call = [&](bool last) {
    int64_t layout = last ? TESSERA_CONV_CHANNELS_LAST : 0;
    tessera_memref4d_f32 *X = last ? &dxl : &dx, *Y = last ? &dyl : &dy,
                         *R = last ? &drl : &dr;
    if (pool)
      _mlir_ciface_tessera_max_pool2d_f32(X, Y, k, k, s, s, 1, 1, pad, pad,
                                          layout);
    else if (depthwise)
      _mlir_ciface_tessera_depthwise_conv2d_f32(
          X, &dw, &db, Y, (flags & ~TESSERA_CONV_RESIDUAL) | layout, k, k, s, s,
          1, 1, pad, pad, 0, 0, 2 | 4);
    else
      _mlir_ciface_tessera_conv2d_f32(X, &dw, &db, R, Y, flags | layout, k, k,
                                      s, s, 1, 1, pad, pad, 0, 0, 2 | 4);
  };
  call(false);
  call(true);
  double diff = 0, scale = 0;
  for (int64_t c = 0; c < F; ++c)
    for (int64_t i = 0; i < OH * OH; ++i) {
      diff = std::max(diff, (double)fabs(y[c * OH * OH + i] - yl[i * F + c]));
      scale = std::max(scale, (double)fabs(y[c * OH * OH + i]));
    }
  double median[2];
  for (int last = 0; last < 2; ++last) {
    for (int i = 0; i < 5; ++i)
      call(last);
    std::vector<double> times;
    const char *dirty = getenv("DIRTY");
    bool cold = getenv("COLD") != nullptr;
    static std::vector<float> evict(cold ? (64 << 20) / sizeof(float) : 0);
    for (int rep = 0; rep < 11; ++rep) {
      double t0 = now(), spent = 0;
      int iters = 0;
      while (now() - t0 < 0.03) {
        if (dirty) {
          // Thread t writes the stretch of the output (and input) that the
          // other thread's split will write (read) next.
          std::vector<float> &yy = last ? yl : y;
          int nt = tessera::numThreads();
          tessera::parallelFor(nt, [&](int64_t t) {
            int64_t o = nt - 1 - t, n = yy.size();
            for (int64_t i = o * n / nt; i < (o + 1) * n / nt; i += 16)
              yy[i] = 0;
            if (dirty[0] == '2') {
              std::vector<float> &xx = last ? xl : x;
              int64_t m = xx.size();
              for (int64_t i = o * m / nt; i < (o + 1) * m / nt; i += 16)
                xx[i] += 0.0f;
            }
          });
        }
        if (cold) {
          // Both threads stream through a 64 MiB buffer: the image, the
          // output and the weights leave the caches, as in a model whose
          // working set outgrows them.
          int nt = tessera::numThreads();
          tessera::parallelFor(nt, [&](int64_t t) {
            int64_t n = evict.size();
            for (int64_t i = t * n / nt; i < (t + 1) * n / nt; i += 16)
              evict[i] += 1.0f;
          });
        }
        double t1 = now();
        call(last);
        spent += now() - t1;
        ++iters;
      }
      times.push_back(spent / iters);
    }
    std::sort(times.begin(), times.end());
    median[last] = times[5];
  }
  printf("%s C=%ld H=%ld F=%ld k=%ld s=%ld threads=%d: max diff %.1e (of "
         "%.2f)  channel-first %.1f us  channels-last %.1f us  (%.2fx)\n",
         op, (long)C, (long)H, (long)F, (long)k, (long)s, threads, diff, scale,
         median[0] * 1e6, median[1] * 1e6, median[1] / median[0]);
  return diff <= 1e-4 * std::max(1.0, scale) ? 0 : 1;
}
