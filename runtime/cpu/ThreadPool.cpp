// A small persistent pool. Workers spin briefly for the next job (GEMM calls
// come in quick succession) and then sleep on a condition variable: unbounded
// spinning collapses when another process holds a core (see DESIGN.md).
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TESSERA_PAUSE() _mm_pause()
#else
#define TESSERA_PAUSE() ((void)0)
#endif

namespace tessera {
namespace {

// Polling before sleeping: PAUSE takes ~40 ns on our machines, so this is
// ~40 us, long enough to catch the next kernel call of a model, short
// enough not to steal a shared core from the thread that does the work.
#ifndef TESSERA_POOL_SPIN
#define TESSERA_POOL_SPIN 1000
#endif
constexpr int spinIterations = TESSERA_POOL_SPIN;

// Tasks go to threads by position: thread t owns tasks [t*n/T, (t+1)*n/T)
// and runs them in order; a thread whose own tasks are done takes the last
// unclaimed task of another. Consecutive kernels split their data the same
// way (rows, positions, column chunks in order), so a thread mostly reads
// what it wrote itself: on a Zen 5 whose two cores share no cache, a 3x3
// conv reading an image that the other core had just written took 1.8x as
// long on 2 threads (538 against 954 us), and handing tasks out in one
// shared order kept every model's 2-thread speed-up near 1.5x.
struct Range {
  // lo << 32 | hi: the unclaimed tasks [lo, hi) of one thread.
  std::atomic<uint64_t> bounds{0};
  char pad[56];
};

struct Job {
  TaskFn fn;
  void *ctx;
  int64_t numTasks;
  int parts;
  Range *ranges;
};

thread_local bool insidePool = false;

/// Claims the first unclaimed task of `r` (front) or its last (back).
bool claim(Range &r, bool front, int64_t &task) {
  uint64_t b = r.bounds.load(std::memory_order_relaxed);
  for (;;) {
    uint64_t lo = b >> 32, hi = b & 0xffffffffu;
    if (lo >= hi)
      return false;
    uint64_t next = front ? (lo + 1) << 32 | hi : lo << 32 | (hi - 1);
    if (r.bounds.compare_exchange_weak(b, next, std::memory_order_acq_rel,
                                       std::memory_order_relaxed)) {
      task = int64_t(front ? lo : hi - 1);
      return true;
    }
  }
}

void runTasks(Job &job, int self) {
  int64_t task;
  while (claim(job.ranges[self], true, task))
    job.fn(job.ctx, task);
  for (int i = 1; i < job.parts; ++i) {
    Range &victim = job.ranges[(self + i) % job.parts];
    while (claim(victim, false, task))
      job.fn(job.ctx, task);
  }
}

class ThreadPool {
public:
  explicit ThreadPool(int threads) : size(threads), ranges(new Range[threads]) {
    for (int i = 1; i < threads; ++i)
      workers.emplace_back([this, i] { workerLoop(i); });
  }

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    for (std::thread &worker : workers)
      worker.join();
  }

  int threads() const { return size; }

  void run(int64_t numTasks, TaskFn fn, void *ctx) {
    std::unique_lock<std::mutex> dispatch(dispatchMutex, std::defer_lock);
    if (workers.empty() || numTasks <= 1 || numTasks > INT32_MAX ||
        insidePool || !dispatch.try_lock()) {
      for (int64_t task = 0; task < numTasks; ++task)
        fn(ctx, task);
      return;
    }
    Job job;
    job.fn = fn;
    job.ctx = ctx;
    job.numTasks = numTasks;
    job.parts = size;
    job.ranges = ranges.get();
    for (int t = 0; t < size; ++t)
      ranges[t].bounds.store(uint64_t(t * numTasks / size) << 32 |
                                 uint64_t((t + 1) * numTasks / size),
                             std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex);
      current = &job;
      generation.fetch_add(1, std::memory_order_release);
    }
    wake.notify_all();
    insidePool = true;
    runTasks(job, 0);
    insidePool = false;
    // All tasks are claimed; withdraw the job and wait for the workers that
    // are still running one of its tasks.
    {
      std::lock_guard<std::mutex> lock(mutex);
      current = nullptr;
    }
    for (int i = 0; i < spinIterations && busy.load() != 0; ++i)
      TESSERA_PAUSE();
    std::unique_lock<std::mutex> lock(mutex);
    idle.wait(lock, [this] { return busy.load() == 0; });
  }

private:
  void workerLoop(int self) {
    insidePool = true;
    uint64_t seen = 0;
    for (;;) {
      for (int i = 0; i < spinIterations &&
                      generation.load(std::memory_order_acquire) == seen;
           ++i)
        TESSERA_PAUSE();
      Job *job;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] {
          return stopping || (current && generation.load() != seen);
        });
        if (stopping)
          return;
        seen = generation.load();
        job = current;
        busy.fetch_add(1);
      }
      runTasks(*job, self);
      {
        std::lock_guard<std::mutex> lock(mutex);
        busy.fetch_sub(1);
      }
      idle.notify_all();
    }
  }

  int size;
  std::unique_ptr<Range[]> ranges; // the current job's, one per thread
  std::vector<std::thread> workers;
  std::mutex dispatchMutex; // one parallelFor at a time
  std::mutex mutex;         // guards current/stopping, pairs with the cvs
  std::condition_variable wake, idle;
  Job *current = nullptr;
  std::atomic<uint64_t> generation{0};
  std::atomic<int> busy{0};
  bool stopping = false;
};

std::mutex poolMutex;
std::unique_ptr<ThreadPool> pool;
int requestedThreads = 0;

int defaultThreads() {
  if (const char *env = getenv("TESSERA_NUM_THREADS"))
    if (int n = atoi(env); n > 0)
      return n;
  unsigned hw = std::thread::hardware_concurrency();
  return hw ? (int)hw : 2;
}

ThreadPool &getPool() {
  std::lock_guard<std::mutex> lock(poolMutex);
  if (!pool)
    pool.reset(new ThreadPool(requestedThreads > 0 ? requestedThreads
                                                    : defaultThreads()));
  return *pool;
}

} // namespace

void parallelFor(int64_t numTasks, TaskFn fn, void *ctx) {
  getPool().run(numTasks, fn, ctx);
}

int numThreads() { return getPool().threads(); }

} // namespace tessera

extern "C" {

void tessera_set_num_threads(int n) {
  std::lock_guard<std::mutex> lock(tessera::poolMutex);
  int want = n > 0 ? n : tessera::defaultThreads();
  tessera::requestedThreads = want;
  if (tessera::pool && tessera::pool->threads() != want)
    tessera::pool.reset();
}

int tessera_get_num_threads(void) { return tessera::numThreads(); }

void tessera_parallel_range(void (*task)(void *ctx, int64_t lo, int64_t hi),
                            void *ctx, int64_t n) {
  int threads = tessera::numThreads();
  if (threads <= 1 || n <= 1) {
    task(ctx, 0, n);
    return;
  }
  // A few ranges per thread balance uneven progress without much overhead.
  int64_t ranges = std::min<int64_t>(n, 4 * threads);
  int64_t chunk = (n + ranges - 1) / ranges;
  ranges = (n + chunk - 1) / chunk;
  tessera::parallelFor(ranges, [&](int64_t r) {
    task(ctx, r * chunk, std::min(n, (r + 1) * chunk));
  });
}

} // extern "C"
