// tessera-runtime-tests SUBCOMMAND: unit tests of the runtime, one subcommand
// per area, each printing lines that the lit files in this folder check.
#include "TestUtil.h"
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <atomic>
#include <cstdio>
#include <cstring>

// AttentionTests.cpp, SsmTests.cpp, QGemmTests.cpp and SparseGemmTests.cpp
// (TestUtil.h declares the older subcommands).
int runAttentionTests(int argc, char **argv);
int runSsmTests(int argc, char **argv);
int runNormTests(int argc, char **argv);
int runQGemmTests(int argc, char **argv);
int runSparseGemmTests(int argc, char **argv);

namespace {

int runThreadTests(int, char **) {
  int failures = 0;
  for (int threads : {1, 2, 3}) {
    tessera_set_num_threads(threads);
    std::atomic<int64_t> sum{0};
    tessera::parallelFor(1000, [&](int64_t i) { sum += i; });
    // Nested loops run serially inside a task instead of deadlocking.
    std::atomic<int64_t> nested{0};
    tessera::parallelFor(8, [&](int64_t) {
      tessera::parallelFor(10, [&](int64_t j) { nested += j; });
    });
    bool ok = sum == 499500 && nested == 8 * 45;
    failures += !ok;
    printf("threads=%d pool=%d sum=%lld nested=%lld %s\n", threads,
           tessera_get_num_threads(), (long long)sum.load(),
           (long long)nested.load(), ok ? "ok" : "FAIL");
  }
  // Many small jobs in a row (as GEMM calls from generated code).
  tessera_set_num_threads(2);
  std::atomic<int64_t> count{0};
  for (int rep = 0; rep < 2000; ++rep)
    tessera::parallelFor(4, [&](int64_t) { ++count; });
  failures += count != 8000;
  printf("repeated jobs: %lld %s\n", (long long)count.load(),
         count == 8000 ? "ok" : "FAIL");
  return failures ? 1 : 0;
}

// Descriptor of rank 3 as MLIR lays it out.
struct Desc3 {
  void *allocated, *aligned;
  int64_t offset, sizes[3], strides[3];
};
struct Desc0 {
  void *allocated, *aligned;
  int64_t offset;
};

int runMemrefCopyTests(int, char **) {
  int failures = 0;
  // Transposing copy: src 2x3x4 row-major viewed as [4][3][2] -> dst dense.
  std::vector<float> src(24), dst(24, -1.0f);
  for (int i = 0; i < 24; ++i)
    src[i] = (float)i;
  Desc3 s{src.data(), src.data(), 0, {4, 3, 2}, {1, 4, 12}};
  Desc3 d{dst.data(), dst.data(), 0, {4, 3, 2}, {6, 2, 1}};
  tessera_unranked_memref us{3, &s}, ud{3, &d};
  memrefCopy(sizeof(float), &us, &ud);
  bool ok = true;
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 3; ++b)
      for (int c = 0; c < 2; ++c)
        ok &= dst[a * 6 + b * 2 + c] == src[a + 4 * b + 12 * c];
  failures += !ok;
  printf("memrefCopy transpose: %s\n", ok ? "ok" : "FAIL");

  // Strided subview with offset into a dense destination (inner contiguous).
  std::vector<double> big(5 * 6 * 7);
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = (double)i;
  std::vector<double> small(2 * 3 * 4, -1.0);
  Desc3 sv{big.data(), big.data(), 1 * 42 + 2 * 7 + 3, {2, 3, 4}, {42, 7, 1}};
  Desc3 dv{small.data(), small.data(), 0, {2, 3, 4}, {12, 4, 1}};
  tessera_unranked_memref us2{3, &sv}, ud2{3, &dv};
  memrefCopy(sizeof(double), &us2, &ud2);
  ok = true;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int c = 0; c < 4; ++c)
        ok &= small[a * 12 + b * 4 + c] == big[sv.offset + a * 42 + b * 7 + c];
  failures += !ok;
  printf("memrefCopy subview: %s\n", ok ? "ok" : "FAIL");

  // Rank 0 and an empty shape.
  int64_t x = 42, y = 0;
  Desc0 s0{&x, &x, 0}, d0{&y, &y, 0};
  tessera_unranked_memref us0{0, &s0}, ud0{0, &d0};
  memrefCopy(sizeof(int64_t), &us0, &ud0);
  Desc3 se{src.data(), src.data(), 0, {2, 0, 3}, {0, 3, 1}};
  Desc3 de{dst.data(), dst.data(), 0, {2, 0, 3}, {0, 3, 1}};
  tessera_unranked_memref use{3, &se}, ude{3, &de};
  memrefCopy(sizeof(float), &use, &ude);
  failures += y != 42;
  printf("memrefCopy rank0: %s\n", y == 42 ? "ok" : "FAIL");

  // A channels-last concat's pieces ([1, H, W, c] into channels [c0, c0 +
  // c) of [1, H, W, C]) and slices back out of it, small (one thread) and
  // large enough for the pool (its tasks starting inside a row), on 1 and 2
  // threads; every element checked against the odometer's reference.
  struct Desc4 {
    void *allocated, *aligned;
    int64_t offset, sizes[4], strides[4];
  };
  for (int threads : {1, 2}) {
    tessera_set_num_threads(threads);
    for (int64_t H : {3, 57})
      for (int64_t c : {1, 5, 32, 160}) {
        const int64_t W = H + 2, C = 3 * c + 7, c0 = c + 3;
        std::vector<float> piece(H * W * c), whole(H * W * C, -1.0f),
            back(H * W * c, -2.0f);
        for (size_t i = 0; i < piece.size(); ++i)
          piece[i] = float(i % 1009) + 0.5f;
        Desc4 sp{piece.data(),
                 piece.data(),
                 0,
                 {1, H, W, c},
                 {H * W * c, W * c, c, 1}};
        Desc4 dw{whole.data(),
                 whole.data(),
                 c0,
                 {1, H, W, c},
                 {H * W * C, W * C, C, 1}};
        Desc4 db{back.data(),
                 back.data(),
                 0,
                 {1, H, W, c},
                 {H * W * c, W * c, c, 1}};
        tessera_unranked_memref up{4, &sp}, uw{4, &dw}, ub{4, &db};
        memrefCopy(sizeof(float), &up, &uw);
        memrefCopy(sizeof(float), &uw, &ub);
        ok = back == piece;
        for (int64_t p = 0; p < H * W; ++p)
          for (int64_t j = 0; j < C; ++j)
            ok &= whole[p * C + j] ==
                  (j >= c0 && j < c0 + c ? piece[p * c + j - c0] : -1.0f);
        failures += !ok;
        if (!ok)
          printf("memrefCopy concat H=%lld c=%lld threads=%d: FAIL\n",
                 (long long)H, (long long)c, threads);
      }
  }
  printf("memrefCopy concat pieces: %s\n", failures ? "FAIL" : "ok");
  return failures ? 1 : 0;
}

// tessera_run through the library API, with a model defined right here.
const int64_t vecShape[1] = {4};
const tessera_tensor_info scaleIn[] = {{"x", TESSERA_F32, 1, vecShape}};
const tessera_tensor_info scaleOut[] = {{"y", TESSERA_F32, 1, vecShape}};
struct Desc1 {
  float *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
};
void scaleEntry(void **descs) {
  auto *x = static_cast<Desc1 *>(descs[0]);
  auto *y = static_cast<Desc1 *>(descs[1]);
  for (int64_t i = 0; i < x->sizes[0]; ++i)
    y->aligned[i * y->strides[0]] = 2.0f * x->aligned[i * x->strides[0]];
}
const tessera_model_info scaleModel = {1, 1, scaleIn, scaleOut, scaleEntry};

int runApiTests(int, char **) {
  float x[4] = {1, 2, 3, 4}, y[4] = {};
  const void *inputs[] = {x};
  void *outputs[] = {y};
  tessera_status status = tessera_run(&scaleModel, inputs, outputs);
  printf("run: %s y=%g,%g,%g,%g\n", tessera_status_string(status), y[0], y[1],
         y[2], y[3]);
  const void *missing[] = {nullptr};
  status = tessera_run(&scaleModel, missing, outputs);
  printf("null input: %s: %s\n", tessera_status_string(status),
         tessera_status_message());
  printf("sizes: %zu %zu %zu %s\n", tessera_dtype_size(TESSERA_BF16),
         tessera_dtype_size(TESSERA_I64), tessera_tensor_nbytes(&scaleIn[0]),
         tessera_dtype_name(TESSERA_BOOL));
  void *p = tessera_alloc(0), *q = tessera_alloc(100);
  printf("alloc aligned: %s\n",
         p && q && ((uintptr_t)p | (uintptr_t)q) % 64 == 0 ? "ok" : "FAIL");
  tessera_free(p);
  tessera_free(q);
  return 0;
}

struct Command {
  const char *name;
  int (*run)(int, char **);
};

const Command commands[] = {
    {"npy", runNpyTests},
    {"npy-read", runNpyRead},
    {"npy-malformed", runNpyMalformed},
    {"gemm", runGemmTests},
    {"threads", runThreadTests},
    {"memref-copy", runMemrefCopyTests},
    {"api", runApiTests},
    {"attention", runAttentionTests},
    {"ssm", runSsmTests},
    {"qgemm", runQGemmTests},
    {"sparse", runSparseGemmTests},
    {"norm", runNormTests},
};

} // namespace

int main(int argc, char **argv) {
  if (argc >= 2)
    for (const Command &command : commands)
      if (!strcmp(argv[1], command.name))
        return command.run(argc - 1, argv + 1);
  fprintf(stderr, "usage: tessera-runtime-tests COMMAND [ARGS]; commands:");
  for (const Command &command : commands)
    fprintf(stderr, " %s", command.name);
  fprintf(stderr, "\n");
  return 2;
}
