// Token Merging (ToMe): bipartite soft matching on a similarity metric and a
// size-weighted merge of the r most similar pairs
// (_mlir_ciface_tessera_token_merge_f32), and token pruning by score
// (_mlir_ciface_tessera_token_prune_f32). O(T^2 M / 4 + T C) per batch
// item: small next to the layer it follows, so one batch item is one task.
#include "ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace {

struct MergeProblem {
  const tessera_memref3d_f32 *x, *metric;
  const tessera_memref2d_f32 *size;
  tessera_memref3d_f32 *out;
  tessera_memref2d_f32 *outSize;
  int64_t T, C, M, r;
  bool protect;
};

const float *at(const tessera_memref3d_f32 *m, int64_t b, int64_t t) {
  return m->aligned + m->offset + b * m->strides[0] + t * m->strides[1];
}
float sizeAt(const tessera_memref2d_f32 *m, int64_t b, int64_t t) {
  return m->aligned[m->offset + b * m->strides[0] + t * m->strides[1]];
}

void mergeBatch(const MergeProblem &p, int64_t b) {
  int64_t T = p.T, C = p.C, M = p.M;
  int64_t na = (T + 1) / 2, nb = T / 2;
  // Normalised metric rows, contiguous.
  std::vector<float> unit(T * M);
  int64_t ms = p.metric->strides[2];
  for (int64_t t = 0; t < T; ++t) {
    const float *row = at(p.metric, b, t);
    double sq = 0;
    for (int64_t i = 0; i < M; ++i)
      sq += (double)row[i * ms] * row[i * ms];
    float inv = sq > 0 ? (float)(1.0 / std::sqrt(sq)) : 0.f;
    for (int64_t i = 0; i < M; ++i)
      unit[t * M + i] = row[i * ms] * inv;
  }
  // Best partner in B of every token of A (a = 2i, b = 2j + 1).
  std::vector<float> best(na, -std::numeric_limits<float>::infinity());
  std::vector<int64_t> partner(na, 0);
  // The B rows transposed ([M, nb]): each A token's similarities to all of
  // B accumulate over k in order, vectorized across B (no horizontal sums).
  std::vector<float> bt(M * nb), sims(nb);
  for (int64_t j = 0; j < nb; ++j)
    for (int64_t k = 0; k < M; ++k)
      bt[k * nb + j] = unit[(2 * j + 1) * M + k];
  for (int64_t i = p.protect ? 1 : 0; i < na; ++i) {
    const float *a = &unit[2 * i * M];
    std::fill(sims.begin(), sims.end(), 0.0f);
    for (int64_t k = 0; k < M; ++k) {
      float ak = a[k];
      const float *row = &bt[k * nb];
      for (int64_t j = 0; j < nb; ++j)
        sims[j] += ak * row[j];
    }
    for (int64_t j = 0; j < nb; ++j)
      if (sims[j] > best[i]) {
        best[i] = sims[j];
        partner[i] = j;
      }
  }
  std::vector<int64_t> order(na);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t l, int64_t r) { return best[l] > best[r]; });
  std::vector<char> merged(na, 0);
  for (int64_t k = 0; k < p.r && k < na; ++k)
    merged[order[k]] = 1;

  int64_t left = na - p.r;
  const int64_t *os = p.out->strides;
  float *outBase = p.out->aligned + p.out->offset + b * os[0];
  int64_t xs = p.x->strides[2];
  auto outSizeAt = [&](int64_t t) -> float & {
    return p.outSize->aligned[p.outSize->offset + b * p.outSize->strides[0] +
                              t * p.outSize->strides[1]];
  };
  // Unmerged A tokens keep their values.
  int64_t slot = 0;
  for (int64_t i = 0; i < na; ++i) {
    if (merged[i])
      continue;
    const float *src = at(p.x, b, 2 * i);
    float *dst = outBase + slot * os[1];
    for (int64_t c = 0; c < C; ++c)
      dst[c * os[2]] = src[c * xs];
    outSizeAt(slot) = sizeAt(p.size, b, 2 * i);
    ++slot;
  }
  // B tokens: size-weighted sums, then the mean.
  std::vector<double> acc(C);
  std::vector<std::vector<int64_t>> into(nb);
  for (int64_t i = 0; i < na; ++i)
    if (merged[i])
      into[partner[i]].push_back(i);
  for (int64_t j = 0; j < nb; ++j) {
    float *dst = outBase + (left + j) * os[1];
    const float *src = at(p.x, b, 2 * j + 1);
    float s = sizeAt(p.size, b, 2 * j + 1);
    if (into[j].empty()) {
      for (int64_t c = 0; c < C; ++c)
        dst[c * os[2]] = src[c * xs];
      outSizeAt(left + j) = s;
      continue;
    }
    double total = s;
    for (int64_t c = 0; c < C; ++c)
      acc[c] = (double)s * src[c * xs];
    for (int64_t i : into[j]) {
      const float *m = at(p.x, b, 2 * i);
      float w = sizeAt(p.size, b, 2 * i);
      total += w;
      for (int64_t c = 0; c < C; ++c)
        acc[c] += (double)w * m[c * xs];
    }
    for (int64_t c = 0; c < C; ++c)
      dst[c * os[2]] = (float)(acc[c] / total);
    outSizeAt(left + j) = (float)total;
  }
}

} // namespace

extern "C" void _mlir_ciface_tessera_token_merge_f32(
    tessera_memref3d_f32 *x, tessera_memref3d_f32 *metric,
    tessera_memref2d_f32 *size, tessera_memref3d_f32 *out,
    tessera_memref2d_f32 *outSize, int64_t r, int64_t protect) {
  MergeProblem p{x,           metric,         size,
                 out,         outSize,        x->sizes[1],
                 x->sizes[2], metric->sizes[2], r,
                 protect != 0};
  int64_t batch = x->sizes[0];
  if (batch <= 0 || p.T <= 0)
    return;
  if (batch > 1 && batch * p.T * (p.T * p.M / 4 + p.C) >= (1 << 16))
    tessera::parallelFor(batch, [&](int64_t b) { mergeBatch(p, b); });
  else
    for (int64_t b = 0; b < batch; ++b)
      mergeBatch(p, b);
}

namespace {

void pruneBatch(const tessera_memref3d_f32 *x,
                const tessera_memref2d_f32 *scores,
                const tessera_memref2d_f32 *size, tessera_memref3d_f32 *out,
                tessera_memref2d_f32 *outSize, int64_t keep, int64_t b) {
  int64_t T = x->sizes[1], C = x->sizes[2];
  auto score = [&](int64_t t) {
    float s = scores->aligned[scores->offset + b * scores->strides[0] +
                              t * scores->strides[1]];
    return std::isnan(s) ? -std::numeric_limits<float>::infinity() : s;
  };
  std::vector<int64_t> order(T - 1);
  std::iota(order.begin(), order.end(), 1);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t l, int64_t r) { return score(l) > score(r); });
  order.resize(keep - 1);
  std::sort(order.begin(), order.end());
  order.insert(order.begin(), 0);
  for (int64_t k = 0; k < keep; ++k) {
    const float *src = at(x, b, order[k]);
    float *dst =
        out->aligned + out->offset + b * out->strides[0] + k * out->strides[1];
    for (int64_t c = 0; c < C; ++c)
      dst[c * out->strides[2]] = src[c * x->strides[2]];
    outSize->aligned[outSize->offset + b * outSize->strides[0] +
                     k * outSize->strides[1]] = sizeAt(size, b, order[k]);
  }
}

} // namespace

extern "C" void _mlir_ciface_tessera_token_prune_f32(
    tessera_memref3d_f32 *x, tessera_memref2d_f32 *scores,
    tessera_memref2d_f32 *size, tessera_memref3d_f32 *out,
    tessera_memref2d_f32 *outSize, int64_t keep) {
  int64_t batch = x->sizes[0];
  if (batch <= 0 || x->sizes[1] <= 0 || keep < 1)
    return;
  for (int64_t b = 0; b < batch; ++b)
    pruneBatch(x, scores, size, out, outSize, keep, b);
}
