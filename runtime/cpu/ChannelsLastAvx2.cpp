// The channels-last depthwise conv and max pool (ChannelsLast.h), compiled with
// -mavx2 -mfma; called only on CPUs with both: each output row under all the
// chunks; register-reusing tiles of 4 positions x 1 vector of 16 channels
// for undilated windows 3 or 5 wide at stride 1; the other windows (stride
// 2, the max pools) one position x 4 vectors (64 channels: one position's
// run of 256 contiguous bytes per tap, where 4 positions x 1 vector read a
// line of every 4 and the hardware prefetchers fell behind), then single
// vectors 4 positions at a time. 1 thread, inputs from memory (layout
// bench, COLD=1): ResNet's 3x3/2 max pool of 64 channels at 112x112 547 ->
// 206 us (in ResNeXt-50, TESSERA_PROFILE: 513 -> 179), depthwise 3x3/2 of
// 96 channels at 112x112 880-1280 -> 434-460, 144 at 56x56 375-474 -> 180;
// in cache (DIRTY=2) equal, or faster at 14x14 and 28x28 (5x5/2 of 672
// channels 76 -> 58 us, 3x3/2 of 192 41-66 -> 34).
#include "cpu/ChannelsLast.h"

namespace tessera {

void depthwiseNhwcAvx2(const NhwcWindow &g, const float *w, const float *bias,
                       float lo, float hi, int64_t oh0, int64_t oh1) {
  nhwcRowsImpl<true, 1, 4, true, true, true, 4>(g, w, bias, lo, hi, oh0, oh1);
}

void maxPoolNhwcAvx2(const NhwcWindow &g, int64_t oh0, int64_t oh1) {
  nhwcRowsImpl<false, 1, 4, false, true, false, 4>(g, nullptr, nullptr, 0.0f,
                                                   0.0f, oh0, oh1);
}

} // namespace tessera
