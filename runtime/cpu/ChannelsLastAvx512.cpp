// The channels-last depthwise conv and max pool (ChannelsLast.h), compiled with
// -mavx512f -mfma; called only on CPUs with AVX-512F: tiles of 4 positions x 4
// vector(s) of 16 channels, and the register-reusing tiles of stride-1
// windows 3 or 5 wide (nhwcTileReuse).
#include "cpu/ChannelsLast.h"

namespace tessera {

void depthwiseNhwcAvx512(const NhwcWindow &g, const float *w, const float *bias,
                         float lo, float hi, int64_t oh0, int64_t oh1) {
  nhwcRowsImpl<true, 4, 4, true>(g, w, bias, lo, hi, oh0, oh1);
}

void maxPoolNhwcAvx512(const NhwcWindow &g, int64_t oh0, int64_t oh1) {
  nhwcRowsImpl<false, 4, 4, true>(g, nullptr, nullptr, 0.0f, 0.0f, oh0, oh1);
}

} // namespace tessera
