// The runtime's persistent thread pool: parallelFor over task indices.
#ifndef TESSERA_RUNTIME_THREADPOOL_H
#define TESSERA_RUNTIME_THREADPOOL_H

#include <cstdint>

namespace tessera {

using TaskFn = void (*)(void *ctx, int64_t task);

// Runs fn(ctx, i) for i in [0, numTasks) on the pool (the caller takes part)
// and returns when all are done. Tasks are handed out dynamically. Nested or
// concurrent calls run serially on the calling thread instead of deadlocking.
void parallelFor(int64_t numTasks, TaskFn fn, void *ctx);

// Convenience wrapper for lambdas: body(int64_t task).
template <typename Body> void parallelFor(int64_t numTasks, const Body &body) {
  parallelFor(
      numTasks,
      [](void *ctx, int64_t task) { (*static_cast<const Body *>(ctx))(task); },
      const_cast<Body *>(&body));
}

int numThreads();

/// body(i) for i < rows, rows of about `cols` elements each (copies and
/// other memory-bound passes): in pieces of about 16K elements, at least one
/// row, at most 4 per thread, on the pool when there are several.
template <typename Body>
void parallelForRows(int64_t rows, int64_t cols, const Body &body) {
  int64_t grain =
      cols > 0 && cols < (int64_t(1) << 14) ? (int64_t(1) << 14) / cols : 1;
  int64_t pieces = (rows + grain - 1) / grain, most = 4 * int64_t(numThreads());
  pieces = pieces < most ? pieces : most;
  if (pieces <= 1) {
    for (int64_t i = 0; i < rows; ++i)
      body(i);
    return;
  }
  parallelFor(pieces, [&](int64_t t) {
    for (int64_t i = t * rows / pieces; i < (t + 1) * rows / pieces; ++i)
      body(i);
  });
}

} // namespace tessera

#endif
