// A chain of channels-last 3x3 convs as in a ResNet stage, each with its own
// weights (from memory once they outgrow the caches) and every other one
// adding a residual, ping-ponging between three images; beside it the first
// conv alone, run again and again on the same image and weights. Prints
// the median time of each conv in the chain and of the conv alone: a conv
// that runs slower in the chain pays for its weights or for images the
// other thread wrote.
//   tessera-conv-chain-bench C H THREADS N
#include "tessera_runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

static double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s C H THREADS N\n", argv[0]);
    return 1;
  }
  int64_t C = atoi(argv[1]), H = atoi(argv[2]), K = C * 9;
  int threads = atoi(argv[3]), N = atoi(argv[4]);
  if (C < 1 || H < 1 || threads < 1 || N < 1) {
    fprintf(stderr, "C, H, THREADS and N must be positive\n");
    return 1;
  }
  tessera_set_num_threads(threads);
  srand(1);
  auto uniform = [] { return rand() / (float)RAND_MAX - 0.5f; };
  std::vector<std::vector<float>> images(3, std::vector<float>(C * H * H)),
      weights(N, std::vector<float>(C * K)), biases(N, std::vector<float>(C));
  for (auto *set : {&images, &weights, &biases})
    for (auto &v : *set)
      for (float &x : v)
        x = uniform() * (set == &weights ? 0.05f : 1.0f);
  auto view = [&](std::vector<float> &v) {
    return tessera_memref4d_f32{
        v.data(), v.data(), 0, {1, H, H, C}, {H * H * C, H * C, C, 1}};
  };
  // Conv i of image `in` into `out`, plus image `res` unless negative.
  auto conv = [&](int i, int in, int out, int res) {
    tessera_memref4d_f32 X = view(images[in]), Y = view(images[out]),
                         R = view(images[res < 0 ? out : res]);
    tessera_memref2d_f32 W{
        weights[i].data(), weights[i].data(), 0, {C, K}, {K, 1}};
    tessera_memref1d_f32 B{biases[i].data(), biases[i].data(), 0, {C}, {1}};
    int64_t flags = TESSERA_LINEAR_BIAS | TESSERA_CONV_CLAMP_MIN |
                    TESSERA_CONV_CHANNELS_LAST |
                    (res >= 0 ? TESSERA_CONV_RESIDUAL : 0);
    _mlir_ciface_tessera_conv2d_f32(&X, &W, &B, &R, &Y, flags, 3, 3, 1, 1, 1, 1,
                                    1, 1, 0, 0, 2);
  };
  std::vector<std::vector<double>> chain(N);
  std::vector<double> alone;
  for (int rep = 0; rep < 40; ++rep) {
    for (int i = 0, in = 0; i < N; ++i) {
      int out = (in + 1) % 3, res = i % 2 ? (in + 2) % 3 : -1;
      double t0 = now();
      conv(i, in, out, res);
      chain[i].push_back(now() - t0);
      in = out;
    }
    for (int i = 0; i < N; ++i) {
      double t0 = now();
      conv(0, 0, 1, -1);
      alone.push_back(now() - t0);
    }
  }
  printf("C=%ld H=%ld threads=%d: chain", (long)C, (long)H, threads);
  for (int i = 0; i < N; ++i)
    printf(" %.0f", median(chain[i]) * 1e6);
  printf(" us, alone %.0f us\n", median(alone) * 1e6);
  return 0;
}
