// The GEMM driver (Gemm.cpp) for the runtime's own entry points on
// strided operands: Matmul.cpp's memref entry points and the C++ API in
// GemmKernels.h (gemmAccumulate, gemmFromPanels) call it.
#ifndef TESSERA_RUNTIME_GEMMDRIVER_H
#define TESSERA_RUNTIME_GEMMDRIVER_H

#include "cpu/Activations.h"
#include "cpu/GemmKernels.h"

#include <cstdint>

namespace tessera {

struct Matrix {
  const float *data;
  int64_t rowStride, colStride;
  // Row r is row rowMap[r] of data (null: r); A only (the padding-free
  // linear layer's valid rows).
  const int64_t *rowMap = nullptr;
  const float *at(int64_t r, int64_t c) const {
    return data + (rowMap ? rowMap[r] : r) * rowStride + c * colStride;
  }
};

struct OutMatrix {
  float *data;
  int64_t rowStride, colStride;
  // Row r is row rowMap[r] of data (null: r), as for Matrix.
  const int64_t *rowMap = nullptr;
  // Set: the epilogue's residual rows are mapped like C's (row r adds
  // residual row rowMap[r]); else the residual has a row per GEMM row.
  bool mapResidual = false;
  float *at(int64_t r, int64_t c) const {
    return data + (rowMap ? rowMap[r] : r) * rowStride + c * colStride;
  }
  /// The residual's row for GEMM row r.
  int64_t residualRow(int64_t r) const {
    return rowMap && mapResidual ? rowMap[r] : r;
  }
  /// Whether rows [r, r + m) lie rowStride apart, as the micro-kernels
  /// write them.
  bool evenRows(int64_t r, int m) const {
    return !rowMap || rowMap[r + m - 1] - rowMap[r] == m - 1;
  }
};

/// C += A·B (M x N, K deep), or C = epilogue(A·B) with an epilogue, on the
/// thread pool. constantA / constantB: the operand is a weight, packed once
/// and kept (keyed by its address); bSource: B's panels come from the
/// callback instead of B; splitColumns: with a constant A, thread t takes
/// the t-th stretch of C's columns (a conv's positions).
void gemm(int64_t M, int64_t N, int64_t K, Matrix A, Matrix B, OutMatrix C,
          bool constantA = false, bool constantB = false,
          const Epilogue *epilogue = nullptr,
          const BPanelSource *bSource = nullptr, bool splitColumns = false);

/// The most rows of A one of gemm's blocks holds (MC).
int64_t gemmBlockRowsMax();

} // namespace tessera

#endif
