// The direct convolution's driver (ConvDirect.cpp): which direct kernel
// the CPU takes, how a conv's threads share it, and the conv itself, its
// image padded once and its tiles (ConvKernels.h) on the pool.
#ifndef TESSERA_RUNTIME_CONVDIRECT_H
#define TESSERA_RUNTIME_CONVDIRECT_H

#include "cpu/ConvCommon.h"
#include "tessera_runtime.h"

#include <cstdint>

namespace tessera {

/// The direct kernel convolutions take: the AVX-512 one where the GEMM is
/// the AVX-512 one, the AVX2 one on other CPUs with AVX2 and FMA, none
/// elsewhere. TESSERA_CONV_DIRECT=0 turns both off (tests of the other
/// paths); TESSERA_CONV_DIRECT=avx2 takes the AVX2 one on AVX-512 CPUs.
enum class DirectConv { None, Avx2, Avx512 };
DirectConv directConvKernel();

/// Whether a conv's threads split its output positions (else its output
/// channels); ConvDirect.cpp has the measurements. TESSERA_CONV_SPLIT=
/// positions or =channels forces one.
bool splitPositions(int64_t weightElems, int64_t inputElems, int64_t groups);

/// Vectors of 16 output channels per block of the AVX-512 direct kernel for
/// groupF channels per group: of 4, 3 and 2, the most that computes the
/// fewest channels in vain.
int directVectors(int64_t groupF);

/// The direct convolution (ConvKernels.h) of every image, its channels in
/// `groups` groups: each image is first copied zero-padded (unless every tap
/// already lies inside it and its columns are unit-strided), then tiles of 6
/// positions x 16 channels (AVX2) or up to 64 (AVX-512) of one group run on
/// the thread pool, channel block by channel block; split by positions when
/// `byPositions` (splitPositions), else by channels.
void convDirect(const tessera_memref4d_f32 *X, const tessera_memref2d_f32 *Wt,
                const float *bias, int64_t biasStride,
                const tessera_memref4d_f32 *R, tessera_memref4d_f32 *Y,
                int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh,
                int64_t dw, int64_t padT, int64_t padL, const Clamp &clamp,
                bool constantW, bool byPositions, int64_t groups);

} // namespace tessera

#endif
