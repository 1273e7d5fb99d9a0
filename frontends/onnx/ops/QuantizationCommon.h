// Helpers shared by the quantization importers (ops/Quantization.cpp, the
// ONNX ops; ops/QuantizationContrib.cpp, ONNX Runtime's com.microsoft ops).
#ifndef TESSERA_FRONTENDS_ONNX_OPS_QUANTIZATIONCOMMON_H
#define TESSERA_FRONTENDS_ONNX_OPS_QUANTIZATIONCOMMON_H

#include "frontends/onnx/Importer.h"

namespace mlir::tessera::onnx_import::quant {

/// The integer range of a quantized ONNX type.
struct QRange {
  double lo, hi;
  Type type; // signless storage type
};

/// The integer range of ONNX type `onnxType` (8- or 16-bit), if it is one.
std::optional<std::pair<double, double>> integerRange(int32_t onnxType);

/// The range of 8/16-bit ONNX type `onnxType`; an error otherwise.
FailureOr<QRange> quantRange(Importer &im, int32_t onnxType);

/// `v` as element type `et` (unchanged when it already is).
Value castTo(Importer &im, Value v, Type et);

/// A scale or zero point shaped to broadcast against a rank-`rank` tensor:
/// scalars as they are, 1-D (per-axis) values along `axis`.
FailureOr<Value> alongAxis(Importer &im, Value p, int64_t rank, int64_t axis,
                           StringRef what);

/// Elementwise binary op with numpy broadcasting of the result shape.
template <typename OpTy> Value bin(Importer &im, Value a, Value b) {
  SmallVector<int64_t> shape;
  (void)broadcastShapes(Importer::typeOf(a).getShape(),
                        Importer::typeOf(b).getShape(), shape);
  return im.create<OpTy>(
      RankedTensorType::get(shape, Importer::typeOf(a).getElementType()), a, b);
}

/// saturate(round(x / scale) + zp) in the float type of `x`, then stored
/// as `range.type`.
Value quantize(Importer &im, Value x, Value scale, Value zp,
               const QRange &range);

/// (x - zp) as `et` (zp optional, already shaped to broadcast).
Value centered(Importer &im, Value x, Value zp, Type et);

/// (x - zp) * scale in f32, for integers `x` and a per-tensor zero point
/// and scale known at import time.
Value dequantize(Importer &im, Value x, double zp, float scale);

/// A weight for the int8 kernels: for each of `n` outputs the `k` centered
/// values w - w_zp as int8 ([n, k], row-major) and a scale.
struct KernelWeights {
  std::vector<int8_t> q;
  std::vector<float> scale;
};

/// The KernelWeights of known weight values `w` (output o's j-th value at
/// j * n + o when `kMajor`, a MatMul's [K, N]; else at o * k + j), their
/// scales `ws` and zero points `wzp` (one value or one per output each),
/// when every scale is positive and finite and every centered value lies in
/// [-127, 127]; nullopt otherwise, and when any of the three is unknown.
std::optional<KernelWeights>
kernelWeights(const std::optional<std::vector<double>> &w,
              const std::optional<std::vector<double>> &ws,
              const std::optional<std::vector<double>> &wzp, int64_t n,
              int64_t k, bool kMajor);

/// DynamicQuantizeLinear's scale and zero point (as a float) for `x`: its
/// range widened to hold 0, over 255, and saturate(round(0 - min / scale)).
/// With `unitScaleForZero` a zero range gives scale 1 (the int8 kernels'
/// rule) instead of 0.
std::pair<Value, Value> dynamicQuantParams(Importer &im, Value x,
                                           bool unitScaleForZero);

/// The int8-kernel form of a dynamic int8 MatMul of float `x` [..., K]:
/// tessera.qlinear in dynamic_tensor mode (x quantized as
/// DynamicQuantizeLinear does) when input `bIndex` is a signed int8
/// initializer [K, N], `ws` a known scale per tensor or column, and
/// `zpIndex` absent or all zero (K <= 32768, so the int32 sums cannot
/// overflow); null otherwise.
Value dynamicTensorLinear(Importer &im, Value x, unsigned bIndex,
                          std::optional<std::vector<double>> ws,
                          unsigned zpIndex, Value bias);

/// A static tessera.qlinear on 8-bit integers `a` [..., K] (ONNX type
/// `aType`, uint8 or int8) with zero point `zp` and scale `aScale`:
/// (a - zp) * aScale is the float input, which the kernel quantizes back to
/// the same integers (int8 as uint8 shifted by 128). `q` [N, K] (row-major)
/// and `scale` [N] become constants named `name`_q / `name`_scale; `bias`
/// [N] is optional.
Value staticQLinear(Importer &im, Value a, int32_t aType, double zp,
                    float aScale, ArrayRef<int8_t> q, ArrayRef<float> scale,
                    Value bias, StringRef name);

} // namespace mlir::tessera::onnx_import::quant

#endif
