// Internal helpers shared by the runtime: error reporting and dtype tables.
#ifndef TESSERA_RUNTIME_SUPPORT_H
#define TESSERA_RUNTIME_SUPPORT_H

#include "tessera_runtime.h"

#include <cstdlib>
#include <functional>
#include <initializer_list>

namespace tessera {

// Grow-only, 64-byte aligned scratch (one per thread per use): kernels run
// repeatedly with the same sizes, and fresh large mallocs would page-fault
// on every call.
struct Scratch {
  float *data = nullptr;
  size_t capacity = 0;
  ~Scratch() { free(data); }
  float *get(size_t floats) {
    if (floats > capacity) {
      free(data);
      capacity = (floats + 1023) / 1024 * 1024;
      data = static_cast<float *>(aligned_alloc(64, capacity * sizeof(float)));
    }
    return data;
  }
};

// A buffer of `bytes` (rounded up to 64) for free(), 64-byte aligned; from 2
// MiB on 2 MiB-aligned and its whole 2 MiB extents madvise'd as huge pages
// (transparent huge pages in `madvise` mode, Debian's default): the packed
// weights stream from memory once per run, and with 4 KiB pages every 4 KiB
// took a TLB miss. A chain of 16 linear layers 1 x 2048 x 2048 (256 MB of
// weights, 2 threads, 5 alternating rounds beside ONNX Runtime): 8.04-8.27
// -> 7.24-7.53 ms, 1 thread 14.4 -> 13.5. TESSERA_HUGE_PAGES=0: small pages.
void *allocLarge(size_t bytes);

// The runtime's environment switches (TESSERA_*): unset or empty gives
// `byDefault`, "0" turns the switch off, anything else on.
bool envSwitch(const char *name, bool byDefault);

// A constant operand (a model weight) repacked once: the 64-byte aligned
// buffer of `floats` floats that fill(dst) wrote on the first call with
// this key, kept for the life of the process. The key names the operand
// (its address, shape and strides) and the packing's parameters.
const float *packOnce(std::initializer_list<int64_t> key, size_t floats,
                      const std::function<void(float *)> &fill);

// Records a printf-style message as this thread's last error and returns
// `status`, so callers can write `return setError(...)`.
tessera_status setError(tessera_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

// After a constant operand (a model weight) has been repacked, its own pages
// are not read any more: where they are the model file's read-only data,
// drop them (they are re-read from the file if anything touches them
// again). Without this every weight was resident twice, once as the model's
// data and once packed. The operand: rows x cols elements of elemSize bytes
// at data with the given strides (in elements).
void releaseSourcePages(const void *data, int64_t rows, int64_t cols,
                        int64_t rowStride, int64_t colStride, size_t elemSize);

// TESSERA_GEMM_PORTABLE set (and not "0"): the GEMM and quantized GEMM use
// their portable kernels even where AVX-512 is there (to test them).
bool gemmPortableForced();

// TESSERA_GEMM_ISA=avx2: the GEMM uses its AVX2 micro-kernel even where
// AVX-512 is there (to test it on such machines).
bool gemmAvx2Forced();
/// Whether the AVX2 + FMA kernels may run: the CPU has both and
/// TESSERA_GEMM_PORTABLE does not force the portable ones.
bool avx2KernelsUsable();
/// Whether AVX-512F kernels may run: the CPU has it and
/// TESSERA_GEMM_PORTABLE does not force the portable ones.
bool avx512KernelsUsable();

// Formats a shape as "[2,3]" into buf (always NUL-terminated).
void formatShape(char *buf, size_t size, int32_t rank, const int64_t *shape);

} // namespace tessera

#endif
