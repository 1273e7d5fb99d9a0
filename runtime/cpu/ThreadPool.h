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

} // namespace tessera

#endif
