// The channels-last depthwise conv and max pool (ChannelsLast.h), compiled with
// -mavx2 -mfma; called only on CPUs with both: tiles of 4 positions x 1
// vector of 16 channels (register-reusing ones for undilated windows 3 or
// 5 wide at stride 1), each output row under all the chunks.
#include "cpu/ChannelsLast.h"

namespace tessera {

void depthwiseNhwcAvx2(const NhwcWindow &g, const float *w, const float *bias,
                       float lo, float hi, int64_t oh0, int64_t oh1) {
  nhwcRowsImpl<true, 4, 1, true, true, true>(g, w, bias, lo, hi, oh0, oh1);
}

void maxPoolNhwcAvx2(const NhwcWindow &g, int64_t oh0, int64_t oh1) {
  nhwcRowsImpl<false, 4, 1, false, true>(g, nullptr, nullptr, 0.0f, 0.0f, oh0,
                                         oh1);
}

} // namespace tessera
