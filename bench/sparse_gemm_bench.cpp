// Sparse linear layer benchmark: tessera_sparse_linear_f32 against the dense
// tessera_linear_f32 on the same weight (constant, prepacked), both with a
// bias. Random weights are pruned by block magnitude (the L2 norm of each
// block; the largest 1 - P of a layer's blocks are kept; N:M keeps the n
// largest |w| of each group of m) and packed in the ABI's format. Prints the
// median ms of each (measured interleaved) and the speed-up; without
// options, a sweep over BERT-base layers and then the break-even sparsity
// per format: the lowest P in {0.3, 0.4, ..., 0.9, 0.95} where the sparse
// kernel is at least as fast as the dense one (M = 128, N = K = 768, 1
// thread), the thresholds of the compiler's --sparsity=auto.
//   tessera-sparse-gemm-bench [--threads T]... [--m M]... [--n N]... [--k K]...
//       [--format 1x16|4x4|...|2:4]... [--sparsity P]...
#include "tessera_runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace {

double seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

/// Median seconds per call of a and of b, over 11 interleaved repetitions
/// of ~10 ms each: both see the same machine state (clock, neighbours), so
/// that their ratio is steadier than two separate medians.
std::pair<double, double> pairedMedians(const std::function<void()> &a,
                                        const std::function<void()> &b) {
  const std::function<void()> *runs[] = {&a, &b};
  int inner[2];
  for (int i = 0; i < 2; ++i) {
    (*runs[i])();
    double start = seconds();
    int calls = 0;
    while (seconds() - start < 0.02 || calls < 3)
      (*runs[i])(), ++calls;
    inner[i] = std::max(1, (int)(0.01 * calls / (seconds() - start)));
  }
  std::vector<double> times[2];
  for (int r = 0; r < 11; ++r)
    for (int i = 0; i < 2; ++i) {
      double t0 = seconds();
      for (int j = 0; j < inner[i]; ++j)
        (*runs[i])();
      times[i].push_back((seconds() - t0) / inner[i]);
    }
  for (auto &t : times)
    std::sort(t.begin(), t.end());
  return {times[0][5], times[1][5]};
}

struct Format {
  int64_t br, bc;
  bool nm;
  std::string name;
};

bool parseFormat(const char *s, Format *f) {
  long a, b;
  char sep;
  if (sscanf(s, "%ld%c%ld", &a, &sep, &b) != 3 || a <= 0 || b <= 0 ||
      (sep != 'x' && sep != ':'))
    return false;
  *f = {a, b, sep == ':', s};
  return !f->nm || a <= b;
}

std::vector<float> randomWeights(int64_t N, int64_t K, uint32_t seed) {
  std::vector<float> w(N * K);
  for (float &x : w) {
    seed = seed * 1664525u + 1013904223u;
    x = float(seed >> 8) / float(1u << 23) - 1.0f;
  }
  return w;
}

// W pruned and packed: the ABI's arrays.
struct Sparse {
  std::vector<float> values;
  std::vector<int32_t> index, offsets;
};

Sparse prune(const std::vector<float> &w, int64_t N, int64_t K, const Format &f,
             double sparsity) {
  Sparse s;
  if (f.nm) {
    for (int64_t r = 0; r < N; ++r)
      for (int64_t g = 0; g < K / f.bc; ++g) {
        const float *x = w.data() + r * K + g * f.bc;
        std::vector<int32_t> order(f.bc);
        for (int32_t j = 0; j < f.bc; ++j)
          order[j] = j;
        std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
          return std::fabs(x[a]) > std::fabs(x[b]);
        });
        std::sort(order.begin(), order.begin() + f.br);
        for (int64_t j = 0; j < f.br; ++j) {
          s.values.push_back(x[order[j]]);
          s.index.push_back(order[j]);
        }
      }
    return s;
  }
  int64_t rows = N / f.br, cols = K / f.bc;
  std::vector<double> norm(rows * cols, 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k)
      norm[n / f.br * cols + k / f.bc] += double(w[n * K + k]) * w[n * K + k];
  std::vector<double> sorted = norm;
  std::sort(sorted.begin(), sorted.end(), std::greater<double>());
  int64_t kept = int64_t(std::lround((1.0 - sparsity) * double(rows * cols)));
  double threshold = kept > 0 ? sorted[kept - 1] : INFINITY;
  int64_t count = 0;
  s.offsets.push_back(0);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      if (norm[i * cols + j] < threshold || count == kept)
        continue;
      ++count;
      s.index.push_back(int32_t(j));
      for (int64_t r = 0; r < f.br; ++r)
        for (int64_t k = 0; k < f.bc; ++k)
          s.values.push_back(w[(i * f.br + r) * K + j * f.bc + k]);
    }
    s.offsets.push_back(int32_t(s.index.size()));
  }
  return s;
}

template <typename T, typename D> D desc1(std::vector<T> &v) {
  return D{v.data(), v.data(), 0, {int64_t(v.size())}, {1}};
}

// One layer's weight, dense and pruned per format and sparsity; the arrays
// stay alive for the process (the runtime caches their packing by address).
struct Layer {
  int64_t N, K;
  std::vector<float> w;
  std::map<std::pair<std::string, double>, Sparse> pruned;

  Sparse &sparse(const Format &f, double sparsity) {
    auto key = std::make_pair(f.name, f.nm ? 0.0 : sparsity);
    auto it = pruned.find(key);
    if (it == pruned.end())
      it = pruned.emplace(key, prune(w, N, K, f, sparsity)).first;
    return it->second;
  }
};

Layer &layer(int64_t N, int64_t K) {
  static std::map<std::pair<int64_t, int64_t>, Layer> layers;
  auto it = layers.find({N, K});
  if (it == layers.end())
    it = layers
             .emplace(std::make_pair(N, K),
                      Layer{N, K, randomWeights(N, K, uint32_t(N * K)), {}})
             .first;
  return it->second;
}

/// Median seconds of the dense linear layer (constant W, prepacked) and of
/// the sparse one on W pruned, both with a bias, at M rows.
std::pair<double, double> measure(int64_t M, int64_t N, int64_t K,
                                  const Format &f, double sparsity) {
  Layer &l = layer(N, K);
  Sparse &s = l.sparse(f, sparsity);
  std::vector<float> a(M * K), c(M * N), bias(N, 0.1f);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = float((i * 7919) % 201) / 100.0f - 1.0f;
  tessera_memref2d_f32 da{a.data(), a.data(), 0, {M, K}, {K, 1}};
  tessera_memref2d_f32 dw{l.w.data(), l.w.data(), 0, {N, K}, {K, 1}};
  tessera_memref2d_f32 dc{c.data(), c.data(), 0, {M, N}, {N, 1}};
  tessera_memref1d_f32 db{bias.data(), bias.data(), 0, {N}, {1}};
  auto dv = desc1<float, tessera_memref1d_f32>(s.values);
  auto di = desc1<int32_t, tessera_memref1d_i32>(s.index);
  auto doff = desc1<int32_t, tessera_memref1d_i32>(s.offsets);
  int64_t flags = TESSERA_LINEAR_BIAS | (f.nm ? TESSERA_SPARSE_NM : 0);
  return pairedMedians(
      [&] {
        _mlir_ciface_tessera_linear_f32(
            &da, &dw, &db, &dc, &dc,
            TESSERA_LINEAR_BIAS | TESSERA_LINEAR_TRANSPOSE_B, 2);
      },
      [&] {
        _mlir_ciface_tessera_sparse_linear_f32(&da, &dv, &di, &doff, &db, &dc,
                                               &dc, flags, f.br, f.bc, 2);
      });
}

bool fits(const Format &f, int64_t N, int64_t K) {
  return K % f.bc == 0 && (f.nm || N % f.br == 0);
}

void breakEven(const std::vector<Format> &formats) {
  int64_t M = 128, N = 768, K = 768;
  tessera_set_num_threads(1);
  printf("break-even sparsity (lowest P in 0.3, 0.4, ..., 0.9, 0.95 with "
         "sparse >= dense), M=%lld N=%lld K=%lld threads=1:\n",
         (long long)M, (long long)N, (long long)K);
  for (const Format &f : formats) {
    if (!fits(f, N, K))
      continue;
    if (f.nm) {
      auto [dense, sparse] = measure(M, N, K, f, 0);
      printf("  %-5s fixed sparsity %.2f: %.2fx dense (%s)\n", f.name.c_str(),
             1.0 - double(f.br) / double(f.bc), dense / sparse,
             sparse <= dense ? "faster" : "slower");
      continue;
    }
    const double grid[] = {0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95};
    bool found = false;
    for (double p : grid) {
      auto [dense, sparse] = measure(M, N, K, f, p);
      if (sparse <= dense) {
        printf("  %-5s %.2f (%.2fx dense there)\n", f.name.c_str(), p,
               dense / sparse);
        found = true;
        break;
      }
    }
    if (!found)
      printf("  %-5s none up to 0.95\n", f.name.c_str());
  }
}

} // namespace

int main(int argc, char **argv) {
  std::vector<int> threads;
  std::vector<int64_t> ms, ns, ks;
  std::vector<Format> formats;
  std::vector<double> sparsities;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    const char *value = i + 1 < argc ? argv[i + 1] : nullptr;
    Format f;
    if (!value) {
      fprintf(stderr, "%s: missing value\n", arg);
      return 2;
    }
    ++i;
    if (!strcmp(arg, "--threads"))
      threads.push_back(atoi(value));
    else if (!strcmp(arg, "--m"))
      ms.push_back(atoll(value));
    else if (!strcmp(arg, "--n"))
      ns.push_back(atoll(value));
    else if (!strcmp(arg, "--k"))
      ks.push_back(atoll(value));
    else if (!strcmp(arg, "--sparsity"))
      sparsities.push_back(atof(value));
    else if (!strcmp(arg, "--format") && parseFormat(value, &f))
      formats.push_back(f);
    else {
      fprintf(stderr, "bad option %s %s\n", arg, value);
      return 2;
    }
  }
  bool sweep = argc == 1;
  if (threads.empty())
    threads = {1, 2};
  if (ms.empty())
    ms = {128, 512};
  std::vector<std::pair<int64_t, int64_t>> shapes;
  if (ns.empty() && ks.empty())
    shapes = {{768, 768}, {3072, 768}, {768, 3072}};
  else
    for (int64_t n : ns.empty() ? std::vector<int64_t>{768} : ns)
      for (int64_t k : ks.empty() ? std::vector<int64_t>{768} : ks)
        shapes.push_back({n, k});
  if (formats.empty())
    for (const char *name :
         {"1x16", "1x32", "4x16", "16x1", "4x4", "1x1", "2:4"}) {
      Format f;
      parseFormat(name, &f);
      formats.push_back(f);
    }
  if (sparsities.empty())
    sparsities = {0.5, 0.8, 0.9};
  for (int t : threads) {
    tessera_set_num_threads(t);
    for (int64_t M : ms)
      for (auto [N, K] : shapes)
        for (const Format &f : formats) {
          if (!fits(f, N, K))
            continue;
          for (double p : f.nm ? std::vector<double>{0} : sparsities) {
            auto [dense, sparse] = measure(M, N, K, f, p);
            printf("threads=%d M=%lld N=%lld K=%lld %-5s sparsity=%.2f  "
                   "sparse %8.3f ms  dense %8.3f ms  %5.2fx\n",
                   t, (long long)M, (long long)N, (long long)K, f.name.c_str(),
                   f.nm ? 1.0 - double(f.br) / double(f.bc) : p, sparse * 1e3,
                   dense * 1e3, dense / sparse);
            fflush(stdout);
          }
        }
  }
  if (sweep)
    breakEven(formats);
  return 0;
}
