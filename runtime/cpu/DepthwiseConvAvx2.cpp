// depthwisePlaneImpl and depthwiseInterleavedImpl compiled with -mavx2 -mfma
// (8-lane FMAs); called only on CPUs that have both.
#include "cpu/DepthwiseConv.h"

namespace tessera {

void depthwisePlaneAvx2(const DepthwisePlane &g, const float *x, const float *w,
                        float bias, float *y, float *padded) {
  depthwisePlaneImpl(g, x, w, bias, y, padded);
}

void depthwiseInterleavedAvx2(const DepthwisePlane &g, const float *x,
                              int64_t ldcx, const float *w, const float *bias,
                              float *y, int64_t ldcy, float *scratch) {
  depthwiseInterleavedImpl(g, x, ldcx, w, bias, y, ldcy, scratch);
}

} // namespace tessera
