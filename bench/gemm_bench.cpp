// GEMM benchmark: Tessera's kernel vs oneDNN's dnnl_sgemm (when built with
// it), fp32 row-major C += A·B. Prints the median GFLOP/s over repetitions.
//   tessera-gemm-bench [--impl tessera|dnnl] [--threads N] [--linear[=ACT]]
//                      [--cold COPIES] [M K N]...
// --linear times what a model's linear layer runs instead: C = act(A·Wᵀ +
// bias) with W [N,K] constant (packed once), ACT a TESSERA_LINEAR_ACT_* code
// (default 0, none; 2 is gelu). --cold COPIES: each call takes the next of
// COPIES distinct weights, so that (COPIES of them outgrowing the caches)
// the weights come from memory, as in a model whose layers each have
// their own.
// oneDNN threads with OpenMP: set OMP_NUM_THREADS for it. The second figure
// (flops per CPU-second) is the one to compare on a loaded machine.
#include "tessera_runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <ctime>
#include <vector>

#ifdef TESSERA_BENCH_DNNL
#include <dnnl.h>
#endif

namespace {

double seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// CPU time of the whole process: on a loaded machine wall time measures the
// scheduler, while flops per CPU-second still measure the kernel.
double cpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

struct Result {
  double wallGflops, cpuGflops;
};

Result benchOne(const std::string &impl, int64_t M, int64_t K, int64_t N,
                int linearAct, int copies) {
  std::vector<float> a(M * K, 0.5f), c(M * N, 0.0f);
  std::vector<std::vector<float>> bs(copies, std::vector<float>(K * N, 0.25f));
  std::vector<float> bias(N, 0.125f);
  tessera_memref2d_f32 ma{a.data(), a.data(), 0, {M, K}, {K, 1}};
  tessera_memref2d_f32 mc{c.data(), c.data(), 0, {M, N}, {N, 1}};
  tessera_memref1d_f32 mb{bias.data(), bias.data(), 0, {N}, {1}};
  int next = 0;
  auto run = [&] {
    std::vector<float> &b = bs[next];
    next = (next + 1) % copies;
    tessera_memref2d_f32 mw{b.data(), b.data(), 0, {N, K}, {K, 1}};
    if (impl == "tessera" && linearAct >= 0) {
      _mlir_ciface_tessera_linear_f32(
          &ma, &mw, &mb, &mc, &mc,
          linearAct | TESSERA_LINEAR_BIAS | TESSERA_LINEAR_TRANSPOSE_B, 2);
      return;
    }
    if (impl == "tessera") {
      tessera_sgemm(M, N, K, a.data(), K, b.data(), N, c.data(), N);
      return;
    }
#ifdef TESSERA_BENCH_DNNL
    dnnl_sgemm('N', 'N', M, N, K, 1.0f, a.data(), K, b.data(), N, 1.0f,
               c.data(), N);
#endif
  };
  // Every copy once first: a constant weight is packed on its first use.
  for (int i = 0; i < copies; ++i)
    run();
  double start = seconds();
  int calls = 0;
  while (seconds() - start < 0.05 || calls < 3)
    run(), ++calls;
  double perCall = (seconds() - start) / calls;
  int inner = std::max(1, (int)(0.02 / perCall));
  std::vector<double> wall, cpu;
  for (int r = 0; r < 15; ++r) {
    double t0 = seconds(), c0 = cpuSeconds();
    for (int i = 0; i < inner; ++i)
      run();
    wall.push_back((seconds() - t0) / inner);
    cpu.push_back((cpuSeconds() - c0) / inner);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  double flop = 2.0 * M * N * K * 1e-9;
  return {flop / wall[wall.size() / 2], flop / cpu[cpu.size() / 2]};
}

} // namespace

int main(int argc, char **argv) {
  std::string impl = "tessera";
  int threads = 1, linearAct = -1, copies = 1;
  std::vector<int64_t> dims;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--impl") && i + 1 < argc)
      impl = argv[++i];
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--cold") && i + 1 < argc)
      copies = std::max(1, atoi(argv[++i]));
    else if (!strncmp(argv[i], "--linear", 8))
      linearAct = argv[i][8] == '=' ? atoi(argv[i] + 9) : 0;
    else
      dims.push_back(atoll(argv[i]));
  }
#ifndef TESSERA_BENCH_DNNL
  if (impl == "dnnl") {
    fprintf(stderr, "built without oneDNN\n");
    return 1;
  }
#endif
  if (dims.empty())
    dims = {512, 512, 512, 256, 768, 768, 96, 192, 512, 128, 768, 3072,
            1, 768, 768};
  tessera_set_num_threads(threads);
  for (size_t i = 0; i + 2 < dims.size(); i += 3) {
    Result r =
        benchOne(impl, dims[i], dims[i + 1], dims[i + 2], linearAct, copies);
    printf("%s%s%s threads=%d M=%lld K=%lld N=%lld: %.1f GFLOP/s (%.1f per "
           "CPU-second)\n",
           impl.c_str(), linearAct >= 0 ? " linear" : "",
           copies > 1 ? " cold" : "", threads, (long long)dims[i],
           (long long)dims[i + 1], (long long)dims[i + 2], r.wallGflops,
           r.cpuGflops);
  }
  return 0;
}
