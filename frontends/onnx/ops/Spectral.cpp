// DFT and STFT as products with constant DFT matrices; MelWeightMatrix and
// the Hann, Hamming and Blackman windows as constants.
#include "frontends/onnx/Importer.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

/// DFT matrices above this many elements are refused (the matmul form is
/// quadratic in the signal length).
constexpr int64_t kMaxDftMatrix = int64_t(1) << 24;

/// The `[n * c, bins * 2]` matrix taking `n` samples of `c` (1: real, 2:
/// complex) interleaved components to the first `bins` interleaved complex
/// outputs of a length-`len` DFT. Samples past `len` are dropped (rows of
/// zeros); samples short of it are implicitly zero-padded. Entries are
/// computed in double and then rounded to `et`.
static Value dftMatrix(Importer &im, Type et, int64_t n, int64_t c, int64_t len,
                       int64_t bins, bool inverse) {
  int64_t cols = bins * 2;
  SmallVector<double> m(n * c * cols, 0.0);
  double sign = inverse ? 1.0 : -1.0, scale = inverse ? 1.0 / len : 1.0;
  for (int64_t t = 0; t < std::min(n, len); ++t) {
    for (int64_t f = 0; f < bins; ++f) {
      // Reduce t*f modulo len first so large products keep their accuracy.
      double angle = 2 * M_PI * double((t * f) % len) / double(len);
      double re = std::cos(angle) * scale,
             imag = sign * std::sin(angle) * scale;
      double *realRow = &m[(t * c) * cols + 2 * f];
      realRow[0] = re;
      realRow[1] = imag;
      if (c == 2) {
        // (a + ib)(re + i imag) = (a re - b imag) + i(a imag + b re).
        double *imagRow = &m[(t * c + 1) * cols + 2 * f];
        imagRow[0] = -imag;
        imagRow[1] = re;
      }
    }
  }
  return im.constant(makeConstF(RankedTensorType::get({n * c, cols}, et), m));
}

/// Checks a DFT matrix size before it is built.
static LogicalResult checkDftSize(Importer &im, int64_t n, int64_t c,
                                  int64_t bins) {
  if (bins > kMaxDftMatrix / (n * c * 2))
    return im.fail("DFT of " + Twine(n) + " samples to " + Twine(bins) +
                   " bins needs a matrix larger than " + Twine(kMaxDftMatrix) +
                   " elements");
  return success();
}

/// A scalar (or one-element) integer input known at import time.
static FailureOr<int64_t> constScalar(Importer &im, unsigned i,
                                      StringRef what) {
  FailureOr<SmallVector<int64_t>> v = im.constInts(i, what);
  if (failed(v))
    return failure();
  if (v->size() != 1) {
    (void)im.fail(what + " must hold a single value");
    return failure();
  }
  return (*v)[0];
}

/// Reads a 0/1 attribute.
static FailureOr<bool> flagAttr(Importer &im, StringRef name, int64_t dflt) {
  int64_t v = im.attrInt(name, dflt);
  if (v != 0 && v != 1) {
    (void)im.fail(name + " must be 0 or 1, got " + Twine(v));
    return failure();
  }
  return v == 1;
}

/// DFT along `axis` of `[batch, ..., n, c]`: moves the axis next to the
/// component dimension, flattens to `[rows, n * c]` and multiplies by the
/// constant DFT matrix, then restores the layout.
static LogicalResult importDft(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto t = Importer::typeOf(x);
  Type et = t.getElementType();
  int64_t rank = t.getRank();
  if (!isa<FloatType>(et))
    return im.fail("input must be a float tensor");
  if (!t.hasStaticShape())
    return im.fail("input must have a static shape");
  if (rank < 2)
    return im.fail("input must have rank >= 2 ([..., n, 1 or 2])");
  int64_t c = t.getDimSize(rank - 1);
  if (c != 1 && c != 2)
    return im.fail("last dimension must be 1 (real) or 2 (complex), got " +
                   Twine(c));
  FailureOr<bool> onesided = flagAttr(im, "onesided", 0);
  if (failed(onesided))
    return failure();
  FailureOr<bool> inverse = flagAttr(im, "inverse", 0);
  if (failed(inverse))
    return failure();
  if (*onesided && *inverse)
    return im.fail("onesided and inverse cannot both be set");
  if (*onesided && c == 2)
    return im.fail("onesided needs a real input (last dimension 1)");
  FailureOr<int64_t> axis = im.normAxis(im.attrInt("axis", 1), rank);
  if (failed(axis))
    return failure();
  if (*axis == rank - 1)
    return im.fail("axis must not be the last (real/imaginary) dimension");
  int64_t n = t.getDimSize(*axis), len = n;
  if (n < 1)
    return im.fail("the signal axis must not be empty");
  if (im.hasInput(1)) {
    FailureOr<int64_t> l = constScalar(im, 1, "dft_length");
    if (failed(l))
      return failure();
    if (*l < 1)
      return im.fail("dft_length must be positive, got " + Twine(*l));
    len = *l;
  }
  int64_t bins = *onesided ? len / 2 + 1 : len;
  if (failed(checkDftSize(im, n, c, bins)))
    return failure();

  // [others..., n, c] with the signal axis last but one.
  SmallVector<int64_t> perm, inner;
  int64_t rows = 1;
  for (int64_t d = 0; d < rank - 1; ++d) {
    if (d == *axis)
      continue;
    perm.push_back(d);
    inner.push_back(t.getDimSize(d));
    rows *= t.getDimSize(d);
  }
  perm.append({*axis, rank - 1});
  bool moved = !llvm::equal(perm, llvm::seq<int64_t>(0, rank));
  Value xt = moved ? im.transpose(x, perm) : x;
  Value m = dftMatrix(im, et, n, c, len, bins, *inverse);
  Value y = im.create<MatmulOp>(RankedTensorType::get({rows, bins * 2}, et),
                                im.reshape(xt, {rows, n * c}), m);
  inner.append({bins, 2});
  y = im.reshape(y, inner);
  if (moved) {
    SmallVector<int64_t> inv(rank);
    for (int64_t i = 0; i < rank; ++i)
      inv[perm[i]] = i;
    y = im.transpose(y, inv);
  }
  im.setOutput(0, y);
  return success();
}

/// STFT of `[batch, length, c]`: gathers the frames `[batch, frames, L, c]`,
/// applies the window, and multiplies by the constant DFT matrix.
static LogicalResult importStft(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto t = Importer::typeOf(x);
  Type et = t.getElementType();
  if (!isa<FloatType>(et))
    return im.fail("signal must be a float tensor");
  if (t.getRank() != 3 || !t.hasStaticShape())
    return im.fail("signal must have a static shape [batch, length, 1 or 2]");
  int64_t batch = t.getDimSize(0), length = t.getDimSize(1),
          c = t.getDimSize(2);
  if (c != 1 && c != 2)
    return im.fail("last signal dimension must be 1 (real) or 2 (complex), "
                   "got " +
                   Twine(c));
  FailureOr<bool> onesided = flagAttr(im, "onesided", 1);
  if (failed(onesided))
    return failure();
  if (*onesided && c == 2)
    return im.fail("onesided needs a real signal (last dimension 1)");
  FailureOr<int64_t> step = constScalar(im, 1, "frame_step");
  if (failed(step))
    return failure();
  if (*step < 1)
    return im.fail("frame_step must be positive, got " + Twine(*step));
  Value window;
  int64_t frameLength = -1;
  if (im.hasInput(2)) {
    window = im.operand(2);
    if (!window)
      return failure();
    auto wt = Importer::typeOf(window);
    if (wt.getRank() != 1 || wt.isDynamicDim(0))
      return im.fail("window must be 1-D with a static size");
    if (wt.getElementType() != et)
      return im.fail("window and signal element types differ");
    frameLength = wt.getDimSize(0);
  }
  if (im.hasInput(3)) {
    FailureOr<int64_t> l = constScalar(im, 3, "frame_length");
    if (failed(l))
      return failure();
    if (frameLength >= 0 && *l != frameLength)
      return im.fail("frame_length " + Twine(*l) +
                     " differs from the window length " + Twine(frameLength));
    frameLength = *l;
  }
  if (frameLength < 0)
    return im.fail("needs a window or a frame_length");
  if (frameLength < 1 || frameLength > length)
    return im.fail("frame length " + Twine(frameLength) +
                   " must be in [1, signal length " + Twine(length) + "]");
  int64_t frames = (length - frameLength) / *step + 1;
  int64_t bins = *onesided ? frameLength / 2 + 1 : frameLength;
  if (failed(checkDftSize(im, frameLength, c, bins)))
    return failure();

  SmallVector<int64_t> idx;
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t s = 0; s < frameLength; ++s)
      idx.push_back(f * *step + s);
  auto i64 = im.builder.getI64Type();
  Value idxV = im.constant(
      makeConst(RankedTensorType::get({frames, frameLength}, i64), idx));
  auto framesType = RankedTensorType::get({batch, frames, frameLength, c}, et);
  Value fr =
      im.create<GatherOp>(framesType, x, idxV, im.builder.getI64IntegerAttr(1));
  if (window)
    fr = im.create<MulOp>(framesType, fr, im.reshape(window, {frameLength, 1}));
  Value m = dftMatrix(im, et, frameLength, c, frameLength, bins, false);
  Value y =
      im.create<MatmulOp>(RankedTensorType::get({batch * frames, bins * 2}, et),
                          im.reshape(fr, {batch * frames, frameLength * c}), m);
  im.setOutput(0, im.reshape(y, {batch, frames, bins, 2}));
  return success();
}

/// The element type named by the `output_datatype` attribute (float by
/// default).
static FailureOr<Type> outputDatatype(Importer &im) {
  int64_t dt = im.attrInt("output_datatype", onnx::TensorProto::FLOAT);
  FailureOr<Type> et = elementTypeFor(im.ctx, dt);
  if (failed(et) || (*et).isInteger(1)) {
    (void)im.fail("unsupported output_datatype " + onnxTypeName(dt));
    return failure();
  }
  return et;
}

/// Python's float floor division, as numpy's `//` computes it.
static double floorDiv(double a, double b) {
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0)))
    div -= 1.0;
  double fl = std::floor(div);
  return div - fl > 0.5 ? fl + 1.0 : fl;
}

/// MelWeightMatrix with constant inputs, computed as the ONNX reference
/// does (double precision, triangles between floored bin edges).
static LogicalResult importMelWeightMatrix(Importer &im) {
  int64_t ints[3];
  StringRef names[] = {"num_mel_bins", "dft_length", "sample_rate"};
  for (unsigned i = 0; i < 3; ++i) {
    FailureOr<int64_t> v = constScalar(im, i, names[i]);
    if (failed(v))
      return failure();
    if (*v < 1)
      return im.fail(names[i] + " must be positive, got " + Twine(*v));
    ints[i] = *v;
  }
  int64_t mels = ints[0], dftLength = ints[1], rate = ints[2];
  double edges[2];
  for (unsigned i = 3; i < 5; ++i) {
    const ConstTensor *e =
        im.constInput(i, i == 3 ? "lower_edge_hertz" : "upper_edge_hertz");
    if (!e)
      return failure();
    if (e->numElements() != 1)
      return im.fail("lower_edge_hertz and upper_edge_hertz must be scalars");
    edges[i - 3] = e->getDouble(0);
  }
  FailureOr<Type> et = outputDatatype(im);
  if (failed(et))
    return failure();

  int64_t rows = dftLength / 2 + 1, numEdges = mels + 2;
  auto mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  double low = mel(edges[0]), high = mel(edges[1]);
  double step = (high - low) / double(numEdges);
  SmallVector<int64_t> bin;
  for (int64_t i = 0; i < numEdges; ++i) {
    double hz =
        700.0 * (std::pow(10.0, (double(i) * step + low) / 2595.0) - 1.0);
    bin.push_back(int64_t(floorDiv(double(dftLength + 1) * hz, rate)));
  }
  SmallVector<double> out(rows * mels, 0.0);
  auto set = [&](int64_t j, int64_t i, double v) {
    if (j < 0 || j >= rows)
      return false;
    out[j * mels + i] = v;
    return true;
  };
  for (int64_t i = 0; i < mels; ++i) {
    int64_t left = bin[i], center = bin[i + 1], right = bin[i + 2];
    bool ok = true;
    if (center == left)
      ok &= set(center, i, 1.0);
    for (int64_t j = left; center != left && j <= center; ++j)
      ok &= set(j, i, double(j - left) / double(center - left));
    for (int64_t j = center; j < right; ++j)
      ok &= set(j, i, double(right - j) / double(right - center));
    if (!ok)
      return im.fail("mel band " + Twine(i) + " maps to spectrogram bins [" +
                     Twine(left) + ", " + Twine(right) + "] outside [0, " +
                     Twine(rows) + ")");
  }
  im.setConst(0, makeConstF(RankedTensorType::get({rows, mels}, *et), out));
  return success();
}

/// A cosine-sum window a0 - a1 cos(x) + a2 cos(2x) as a constant, computed
/// in float as the ONNX function body does.
static LogicalResult importWindow(Importer &im, float a0, float a1, float a2) {
  FailureOr<int64_t> size = constScalar(im, 0, "size");
  if (failed(size))
    return failure();
  if (*size < 1)
    return im.fail("size must be positive, got " + Twine(*size));
  FailureOr<bool> periodic = flagAttr(im, "periodic", 1);
  if (failed(periodic))
    return failure();
  FailureOr<Type> et = outputDatatype(im);
  if (failed(et))
    return failure();
  float n = float(*size);
  float increment = 6.2831853f / (*periodic ? n : n - 1.0f);
  SmallVector<double> vals;
  for (int64_t k = 0; k < *size; ++k) {
    float x = float(k) * increment;
    float v = a0 - a1 * std::cos(x);
    vals.push_back(v + a2 * std::cos(x * 2.0f));
  }
  im.setConst(0, makeConstF(RankedTensorType::get({*size}, *et), vals));
  return success();
}

void mlir::tessera::onnx_import::registerSpectralOps(OpTable &t) {
  t["DFT"] = importDft;
  t["STFT"] = importStft;
  t["MelWeightMatrix"] = importMelWeightMatrix;
  t["HannWindow"] = [](Importer &im) {
    return importWindow(im, 0.5f, 0.5f, 0.0f);
  };
  t["HammingWindow"] = [](Importer &im) {
    return importWindow(im, 0.54347826087f, 0.45652173913f, 0.0f);
  };
  t["BlackmanWindow"] = [](Importer &im) {
    return importWindow(im, 0.42f, 0.5f, 0.08f);
  };
}
