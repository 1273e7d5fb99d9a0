// Linear quantization ops, decomposed into tessera arithmetic or put on
// the int8 kernels: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear,
// MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv. uint8 operands
// arrive zero-extended to i64 (see the importer's unsigned widening), so
// integer arithmetic here is plain signed arithmetic.
#include "frontends/onnx/ops/QuantizationCommon.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;
using namespace mlir::tessera::onnx_import::quant;

std::optional<std::pair<double, double>> quant::integerRange(int32_t onnxType) {
  switch (onnxType) {
  case onnx::TensorProto::UINT8:
    return std::pair{0.0, 255.0};
  case onnx::TensorProto::INT8:
    return std::pair{-128.0, 127.0};
  case onnx::TensorProto::UINT16:
    return std::pair{0.0, 65535.0};
  case onnx::TensorProto::INT16:
    return std::pair{-32768.0, 32767.0};
  default:
    return std::nullopt;
  }
}

FailureOr<QRange> quant::quantRange(Importer &im, int32_t onnxType) {
  std::optional<std::pair<double, double>> range = integerRange(onnxType);
  if (!range)
    return im.fail("unsupported quantized type " + onnxTypeName(onnxType));
  unsigned bits = range->second - range->first > 255 ? 16 : 8;
  return QRange{range->first, range->second,
                Builder(&im.ctx).getIntegerType(bits)};
}

Value quant::castTo(Importer &im, Value v, Type et) {
  auto t = Importer::typeOf(v);
  return t.getElementType() == et ? v : im.create<CastOp>(t.clone(et), v);
}

FailureOr<Value> quant::alongAxis(Importer &im, Value p, int64_t rank,
                                  int64_t axis, StringRef what) {
  auto t = Importer::typeOf(p);
  if (t.getRank() == 0 || (t.getRank() == 1 && t.getDimSize(0) == 1))
    return im.reshape(p, {});
  if (t.getRank() != 1)
    return im.fail(what + " must be a scalar or 1-D");
  FailureOr<int64_t> a = im.normAxis(axis, rank);
  if (failed(a))
    return failure();
  SmallVector<int64_t> shape(rank - *a, 1);
  shape[0] = t.getDimSize(0);
  return im.reshape(p, shape);
}

Value quant::quantize(Importer &im, Value x, Value scale, Value zp,
                      const QRange &range) {
  auto t = Importer::typeOf(x);
  Type ft = t.getElementType();
  Value q = im.create<RoundOp>(t, bin<DivOp>(im, x, castTo(im, scale, ft)));
  if (zp)
    q = bin<AddOp>(im, q, castTo(im, zp, ft));
  q = bin<MaxOp>(im, q, im.scalar(ft, range.lo));
  q = bin<MinOp>(im, q, im.scalar(ft, range.hi));
  Value wide = castTo(im, q, im.builder.getI64Type());
  return castTo(im, wide, range.type);
}

Value quant::centered(Importer &im, Value x, Value zp, Type et) {
  Value v = castTo(im, x, et);
  return zp ? bin<SubOp>(im, v, castTo(im, zp, et)) : v;
}

Value quant::dequantize(Importer &im, Value x, double zp, float scale) {
  Type f32 = im.builder.getF32Type();
  return bin<MulOp>(im, centered(im, x, im.scalar(f32, zp), f32),
                    im.scalar(f32, scale));
}

std::optional<KernelWeights>
quant::kernelWeights(const std::optional<std::vector<double>> &w,
                     const std::optional<std::vector<double>> &ws,
                     const std::optional<std::vector<double>> &wzp, int64_t n,
                     int64_t k, bool kMajor) {
  if (!w || !ws || !wzp || int64_t(w->size()) != n * k ||
      (ws->size() != 1 && int64_t(ws->size()) != n) ||
      (wzp->size() != 1 && int64_t(wzp->size()) != n))
    return std::nullopt;
  KernelWeights out{std::vector<int8_t>(n * k), std::vector<float>(n)};
  for (int64_t o = 0; o < n; ++o) {
    out.scale[o] = float((*ws)[ws->size() == 1 ? 0 : o]);
    double zp = (*wzp)[wzp->size() == 1 ? 0 : o];
    if (!(out.scale[o] > 0.0f) || !std::isfinite(out.scale[o]))
      return std::nullopt;
    for (int64_t j = 0; j < k; ++j) {
      double v = (*w)[kMajor ? j * n + o : o * k + j] - zp;
      if (v < -127 || v > 127)
        return std::nullopt;
      out.q[o * k + j] = int8_t(v);
    }
  }
  return out;
}

static LogicalResult importQuantize(Importer &im) {
  Value x = im.operand(0), scale = im.operand(1);
  if (!x || !scale)
    return failure();
  auto t = Importer::typeOf(x);
  if (!isa<FloatType>(t.getElementType()))
    return im.fail("x must be a float tensor");
  int64_t axis = im.attrInt("axis", 1);
  int32_t outType = onnx::TensorProto::UINT8;
  Value zp;
  if (im.hasInput(2)) {
    if (!(zp = im.operand(2)))
      return failure();
    outType = im.onnxTypeOf(im.node->input(2));
  }
  FailureOr<QRange> range = quantRange(im, outType);
  if (failed(range))
    return failure();
  FailureOr<Value> s = alongAxis(im, scale, t.getRank(), axis, "y_scale");
  if (failed(s))
    return failure();
  if (zp) {
    FailureOr<Value> z = alongAxis(im, zp, t.getRank(), axis, "y_zero_point");
    if (failed(z))
      return failure();
    zp = *z;
  }
  im.setOutput(0, quantize(im, x, *s, zp, *range));
  return success();
}

static LogicalResult importDequantize(Importer &im) {
  Value x = im.operand(0), scale = im.operand(1);
  if (!x || !scale)
    return failure();
  auto t = Importer::typeOf(x);
  Type ft = Importer::typeOf(scale).getElementType();
  if (!isa<IntegerType>(t.getElementType()) || !isa<FloatType>(ft))
    return im.fail("x must be an integer tensor and x_scale a float");
  int64_t axis = im.attrInt("axis", 1);
  FailureOr<Value> s = alongAxis(im, scale, t.getRank(), axis, "x_scale");
  if (failed(s))
    return failure();
  Value zp;
  if (im.hasInput(2)) {
    if (!(zp = im.operand(2)))
      return failure();
    FailureOr<Value> z = alongAxis(im, zp, t.getRank(), axis, "x_zero_point");
    if (failed(z))
      return failure();
    zp = *z;
  }
  im.setOutput(0, bin<MulOp>(im, centered(im, x, zp, ft), *s));
  return success();
}

std::pair<Value, Value> quant::dynamicQuantParams(Importer &im, Value x,
                                                  bool unitScaleForZero) {
  auto t = Importer::typeOf(x);
  Type ft = t.getElementType();
  SmallVector<int64_t> all;
  for (int64_t d = 0; d < t.getRank(); ++d)
    all.push_back(d);
  auto scalarT = RankedTensorType::get({}, ft);
  auto reduce = [&](auto tag) {
    using OpTy = decltype(tag);
    return OpTy::create(im.builder, im.loc, scalarT, x,
                        im.builder.getDenseI64ArrayAttr(all),
                        im.builder.getBoolAttr(false))
        .getResult();
  };
  Value zero = im.scalar(ft, 0);
  Value mx = bin<MaxOp>(im, reduce(ReduceMaxOp()), zero);
  Value mn = bin<MinOp>(im, reduce(ReduceMinOp()), zero);
  Value range = bin<SubOp>(im, mx, mn);
  Value scale = bin<DivOp>(im, range, im.scalar(ft, 255));
  if (unitScaleForZero)
    scale = im.create<WhereOp>(
        scalarT,
        im.create<GreaterOp>(RankedTensorType::get({}, im.builder.getI1Type()),
                             range, zero),
        scale, im.scalar(ft, 1));
  Value zp = im.create<RoundOp>(
      scalarT, bin<SubOp>(im, zero, bin<DivOp>(im, mn, scale)));
  zp = bin<MinOp>(im, bin<MaxOp>(im, zp, zero), im.scalar(ft, 255));
  return {scale, zp};
}

/// DynamicQuantizeLinear: uint8 with scale and zero point from the data's
/// range (widened to include 0).
static LogicalResult importDynamicQuantize(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  if (!Importer::typeOf(x).getElementType().isF32())
    return im.fail("x must be float32");
  auto [scale, zpF] = dynamicQuantParams(im, x, /*unitScaleForZero=*/false);
  QRange u8{0, 255, im.builder.getIntegerType(8)};
  im.setOutput(0, quantize(im, x, scale, zpF, u8));
  if (im.numOutputs() == 3)
    im.dynamicQuantized[im.node->output(0)] = {
        im.node->input(0), im.node->output(1), im.node->output(2)};
  im.setOutput(1, scale);
  im.setOutput(2, castTo(im, castTo(im, zpF, im.builder.getI64Type()),
                         u8.type));
  return success();
}

/// A per-row zero point of A (1-D, size M) as [M, 1]; scalars unchanged.
static Value rowZeroPoint(Importer &im, Value zp) {
  auto t = Importer::typeOf(zp);
  if (t.getRank() == 1 && t.getDimSize(0) > 1)
    return im.reshape(zp, {t.getDimSize(0), 1});
  return t.getRank() == 1 ? im.reshape(zp, {}) : zp;
}

/// The only reader of `value`: a node of type `opType` in the default
/// domain with one output; null otherwise.
static const onnx::NodeProto *onlyReader(Importer &im, StringRef value,
                                         StringRef opType) {
  SmallVector<const onnx::NodeProto *> readers = im.readersOf(value);
  if (readers.size() != 1 || !readers[0] || readers[0]->op_type() != opType ||
      !(readers[0]->domain().empty() || readers[0]->domain() == "ai.onnx") ||
      readers[0]->output_size() != 1)
    return nullptr;
  return readers[0];
}

/// ONNX Runtime's quantize_dynamic (QOperator format) writes a linear layer
/// y = x · W as DynamicQuantizeLinear(x) -> (q, s, zp), MatMulInteger(q, Wq,
/// zp) -> Cast(to float) -> Mul by Mul(s, W_scale), and a convolution the
/// same way with ConvInteger. When the current node heads such a chain (its
/// product read only by the Cast, the Cast's result only by the Mul, the
/// multiplier made by a Mul of the DynamicQuantizeLinear's scale and a known
/// W_scale), this is the Mul node, W_scale's name and type, and x.
struct DynamicChain {
  const onnx::NodeProto *mul;
  std::string weightScale;
  RankedTensorType weightScaleType;
  Value x;
};

static std::optional<DynamicChain> dynamicChain(Importer &im) {
  auto source = im.dynamicQuantized.find(im.node->input(0));
  if (source == im.dynamicQuantized.end() || !im.hasInput(2) ||
      im.node->input(2) != source->second.zeroPoint || !im.hasOutput(0))
    return std::nullopt;
  const onnx::NodeProto *cast = onlyReader(im, im.node->output(0), "Cast");
  if (!cast || !llvm::any_of(cast->attribute(), [](const auto &a) {
        return a.name() == "to" && a.i() == onnx::TensorProto::FLOAT;
      }))
    return std::nullopt;
  const onnx::NodeProto *mul = onlyReader(im, cast->output(0), "Mul");
  if (!mul || mul->input_size() != 2 || mul->input(0) == mul->input(1))
    return std::nullopt;
  StringRef multiplier =
      mul->input(0) == cast->output(0) ? mul->input(1) : mul->input(0);
  const onnx::NodeProto *scales = im.producerOf(multiplier);
  StringRef s = source->second.scale, ws;
  if (!scales || scales->op_type() != "Mul" || scales->input_size() != 2 ||
      !(scales->domain().empty() || scales->domain() == "ai.onnx"))
    return std::nullopt;
  if (scales->input(0) == s)
    ws = scales->input(1);
  else if (scales->input(1) == s)
    ws = scales->input(0);
  auto wsInfo = im.values.find(ws);
  auto xInfo = im.values.find(source->second.input);
  if (ws.empty() || ws == s || wsInfo == im.values.end() ||
      wsInfo->second.isSequence() || xInfo == im.values.end())
    return std::nullopt;
  Value x = im.materialize(xInfo->second);
  if (!x)
    return std::nullopt;
  return DynamicChain{mul, ws.str(), wsInfo->second.type, x};
}

/// A MatMulInteger chain (see dynamicChain) as one tessera.qlinear in
/// dynamic_tensor mode on x: the same integers, products and float scaling.
/// It is made here and bound when the Mul is imported; the chain's nodes
/// import as usual and are left unused.
static void fuseDynamicMatMulChain(Importer &im) {
  std::optional<DynamicChain> chain = dynamicChain(im);
  if (!chain)
    return;
  Value y = dynamicTensorLinear(
      im, chain->x, 1, initializerDoubles(im, chain->weightScale), 3, Value());
  // The weight scale must broadcast into the product's shape.
  SmallVector<int64_t> shape;
  if (y &&
      succeeded(broadcastShapes(Importer::typeOf(y).getShape(),
                                chain->weightScaleType.getShape(), shape)) &&
      ArrayRef<int64_t>(shape) == Importer::typeOf(y).getShape())
    im.precomputed[chain->mul->output(0)] = y;
}

/// A ConvInteger chain (see dynamicChain) where qlinearConvFits, with W an
/// 8-bit initializer whose centered values fit [-127, 127] and W_scale one
/// value or one per output channel (along the result's axis 1), as im2col of
/// x and a tessera.qlinear in dynamic_tensor mode: the patches' range is
/// x's (the padding zeros are inside it), so the integers are those of the
/// chain.
static void fuseDynamicConvChain(Importer &im) {
  std::optional<DynamicChain> chain = dynamicChain(im);
  if (!chain)
    return;
  auto xt = Importer::typeOf(chain->x);
  TensorInfo *w = im.input(1);
  if (!w || !xt.getElementType().isF32() || w->type.getRank() != xt.getRank())
    return;
  auto wt = w->type;
  int64_t f = wt.getDimSize(0),
          kk = wt.getNumElements() / std::max<int64_t>(f, 1);
  // W_scale per tensor, or [F] along the result's channel axis.
  ArrayRef<int64_t> wsShape = chain->weightScaleType.getShape();
  int64_t wsCount = chain->weightScaleType.getNumElements();
  bool perChannel = wsCount == f &&
                    int64_t(wsShape.size()) >= xt.getRank() - 1 &&
                    wsShape[wsShape.size() - (xt.getRank() - 1)] == f &&
                    int64_t(wsShape.size()) <= xt.getRank();
  if (wsCount != 1 && !perChannel)
    return;
  FailureOr<ConvGeometry> g = convGeometry(im, xt, wt);
  if (failed(g) || !qlinearConvFits(g->group, kk))
    return;
  std::optional<KernelWeights> weights = kernelWeights(
      initializerDoubles(im, 1), initializerDoubles(im, chain->weightScale),
      im.hasInput(3) ? initializerDoubles(im, 3)
                     : std::optional<std::vector<double>>({0.0}),
      f, kk, /*kMajor=*/false);
  if (!weights)
    return;
  im.precomputed[chain->mul->output(0)] = buildQLinearConv(
      im.builder, im.loc, chain->x, weights->q, weights->scale, Value(),
      g->group, wt.getShape().drop_front(2), g->strides, g->pads, g->dilations,
      "dynamic_tensor", FloatAttr(), IntegerAttr());
}

static LogicalResult importMatMulInteger(Importer &im) {
  Value a = im.operand(0), b = im.operand(1);
  if (!a || !b)
    return failure();
  fuseDynamicMatMulChain(im);
  Type i32 = im.builder.getI32Type();
  Value azp, bzp;
  if (im.hasInput(2) && !(azp = im.operand(2)))
    return failure();
  if (im.hasInput(3) && !(bzp = im.operand(3)))
    return failure();
  Value ac = centered(im, a, azp ? rowZeroPoint(im, azp) : Value(), i32);
  Value bc = centered(im, b, bzp, i32);
  Value y = buildMatMul(im, ac, bc);
  if (!y)
    return failure();
  im.setOutput(0, y);
  return success();
}

/// Per-output-channel weight zero points ([F]) as [F, 1, ..., 1].
static FailureOr<Value> channelZeroPoint(Importer &im, Value zp, int64_t rank,
                                         StringRef what) {
  return alongAxis(im, zp, rank, 0, what);
}

/// The largest |v - zp| for input `vIndex` (8/16-bit integers) and its zero
/// point at input `zpIndex` (absent: 0; not a known constant: any value of
/// the type); nullopt for other types.
static std::optional<double> centeredMax(Importer &im, unsigned vIndex,
                                         unsigned zpIndex) {
  auto range = integerRange(im.onnxTypeOf(im.node->input(vIndex)));
  if (!range)
    return std::nullopt;
  auto [lo, hi] = *range;
  if (!im.hasInput(zpIndex))
    return std::max(std::abs(lo), std::abs(hi));
  std::optional<std::vector<double>> zp = initializerDoubles(im, zpIndex);
  if (!zp)
    return hi - lo;
  double m = 0;
  for (double z : *zp)
    m = std::max({m, std::abs(z - lo), std::abs(hi - z)});
  return m;
}

/// The float type in which an exact integer product (a conv with `conv`,
/// else a MatMul with a 2-D weight) of input 0 (zero point at input
/// `aZp`) and the weight at input `wIndex` (zero point at `wZp`, one per
/// output or one for all; the optional int32 bias at `biasIndex`, 0 for
/// none) is computed: f32 when no partial sum can reach 2^24, so that every
/// sum is an integer float32 holds exactly (then the f32 kernels run it:
/// im2col GEMMs, depthwise loops), else f64. The bound is, per output,
/// sum |w - w_zp| over the contraction times max |a - a_zp|, plus |bias|,
/// from the constants where they are known and from the types' ranges
/// where not.
static Type exactProductType(Importer &im, unsigned aZp, unsigned wIndex,
                             unsigned wZp, unsigned biasIndex, bool conv) {
  Type f64 = im.builder.getF64Type();
  std::optional<double> aMax = centeredMax(im, 0, aZp),
                        wMax = centeredMax(im, wIndex, wZp);
  TensorInfo *wInfo = im.input(wIndex);
  if (!aMax || !wMax || !wInfo || wInfo->type.getRank() < (conv ? 3 : 2))
    return f64;
  auto wt = wInfo->type;
  int64_t outputs = conv ? wt.getDimSize(0) : wt.getShape().back();
  int64_t reduced = wt.getNumElements() / std::max<int64_t>(outputs, 1);
  std::vector<double> sums(outputs, double(reduced) * *wMax);
  std::optional<std::vector<double>> w = initializerDoubles(im, wIndex);
  std::optional<std::vector<double>> zp =
      im.hasInput(wZp)
          ? initializerDoubles(im, wZp)
          : std::optional<std::vector<double>>(std::vector<double>{0.0});
  if (w && zp && (conv || wt.getRank() == 2) &&
      (zp->size() == 1 || int64_t(zp->size()) == outputs)) {
    std::fill(sums.begin(), sums.end(), 0.0);
    for (int64_t e = 0; e < int64_t(w->size()); ++e) {
      int64_t o = conv ? e / reduced : e % outputs;
      sums[o] += std::abs((*w)[e] - (*zp)[zp->size() == 1 ? 0 : o]);
    }
  }
  std::optional<std::vector<double>> bias;
  if (biasIndex && im.hasInput(biasIndex) &&
      !(bias = initializerDoubles(im, biasIndex)))
    return f64;
  for (int64_t o = 0; o < outputs; ++o) {
    double b =
        bias && int64_t(bias->size()) == outputs ? std::abs((*bias)[o]) : 0.0;
    if (sums[o] * *aMax + b >= double(1 << 24))
      return f64;
  }
  return im.builder.getF32Type();
}

/// ConvInteger: exact integer convolution, computed in f32 or f64 (see
/// exactProductType) and returned as int32, unless it heads a dynamic chain
/// that runs on the int8 kernels (fuseDynamicConvChain).
static LogicalResult importConvInteger(Importer &im) {
  Value x = im.operand(0), w = im.operand(1);
  if (!x || !w)
    return failure();
  fuseDynamicConvChain(im);
  Type et = exactProductType(im, 2, 1, 3, 0, /*conv=*/true);
  Value xzp, wzp;
  if (im.hasInput(2) && !(xzp = im.operand(2)))
    return failure();
  if (im.hasInput(3)) {
    if (!(wzp = im.operand(3)))
      return failure();
    FailureOr<Value> z = channelZeroPoint(
        im, wzp, Importer::typeOf(w).getRank(), "w_zero_point");
    if (failed(z))
      return failure();
    wzp = *z;
  }
  if (xzp)
    xzp = im.reshape(xzp, {});
  Value y = buildConv(im, centered(im, x, xzp, et), centered(im, w, wzp, et),
                      Value());
  if (!y)
    return failure();
  im.setOutput(0, castTo(im, y, im.builder.getI32Type()));
  return success();
}

/// The int8-kernel form of QLinearMatMul's product (inputs a, a_scale,
/// a_zero_point, b, b_scale, b_zero_point): a static tessera.qlinear on the
/// dequantized activation (a - a_zero_point) * a_scale, which the kernel
/// quantizes back to the same integers (the float error is far below half a
/// step), multiplies exactly with the centered weights and returns as
/// float(sum) * (a_scale * b_scale). It needs one constant a_scale and
/// a_zero_point, 8-bit a, b a constant [K, N] (K <= 32768) whose centered
/// values b - b_zero_point lie in [-127, 127] with one zero point and one
/// positive scale per tensor or column. Null otherwise.
static Value qlinearMatMulKernel(Importer &im, Value a) {
  std::optional<std::vector<double>> as = initializerDoubles(im, 1),
                                     azp = initializerDoubles(im, 2);
  int32_t aType = im.onnxTypeOf(im.node->input(0));
  auto at = Importer::typeOf(a);
  auto bt = im.input(3)->type;
  if (!as || !azp || as->size() != 1 || azp->size() != 1 || at.getRank() < 1 ||
      bt.getRank() != 2 ||
      (aType != onnx::TensorProto::UINT8 && aType != onnx::TensorProto::INT8) ||
      at.getShape().back() != bt.getDimSize(0) || bt.getDimSize(0) > 32768)
    return Value();
  float aScale = float((*as)[0]);
  if (!(aScale > 0.0f) || !std::isfinite(aScale))
    return Value();
  std::optional<KernelWeights> w = kernelWeights(
      initializerDoubles(im, 3), initializerDoubles(im, 4),
      initializerDoubles(im, 5), bt.getDimSize(1), bt.getDimSize(0),
      /*kMajor=*/true);
  if (!w)
    return Value();
  return staticQLinear(im, a, aType, (*azp)[0], aScale, w->q, w->scale, Value(),
                       "qlinear_matmul");
}

Value quant::staticQLinear(Importer &im, Value a, int32_t aType, double zp,
                           float aScale, ArrayRef<int8_t> q,
                           ArrayRef<float> scale, Value bias, StringRef name) {
  Type f32 = im.builder.getF32Type();
  auto at = Importer::typeOf(a);
  int64_t n = scale.size(), k = at.getShape().back();
  Value x = dequantize(im, a, zp, aScale);
  Value qv =
      blobConstant(im, RankedTensorType::get({n, k}, im.builder.getI8Type()),
                   (name + "_q").str(), q);
  Value sv = blobConstant(im, RankedTensorType::get({n, 1}, f32),
                          (name + "_scale").str(), scale);
  SmallVector<int64_t> outShape(at.getShape().drop_back());
  outShape.push_back(n);
  int64_t inputZp = int64_t(zp) + (aType == onnx::TensorProto::INT8 ? 128 : 0);
  return im.create<QLinearOp>(
      RankedTensorType::get(outShape, f32), x, qv, sv, bias, Value(),
      im.builder.getStringAttr("static"), im.builder.getI64IntegerAttr(8),
      im.builder.getStringAttr("none"), im.builder.getF32FloatAttr(aScale),
      im.builder.getI64IntegerAttr(inputZp));
}

/// The int8-kernel form of QLinearConv's product (inputs x, x_scale,
/// x_zero_point, w, w_scale, w_zero_point, and the int32 bias B), as im2col
/// and a static tessera.qlinear per group (buildQLinearConv): the
/// dequantized input (x - x_zero_point) * x_scale is padded with zeros (the
/// zero point's value), each kernel offset's strided window sliced out, and
/// the windows stacked into patches, whose products with the centered
/// weights the kernels sum exactly; B enters as the float bias B * (x_scale
/// * w_scale). The result is [N, F, D1'..Dk'] as float(sum) * (x_scale *
/// w_scale) + bias. Needs one constant x_scale and x_zero_point, 8-bit x,
/// kernelWeights of w, qlinearConvFits and a constant B. Null when it does
/// not apply; failure after an error (the attributes do not fit the shapes).
static FailureOr<Value> qlinearConvKernel(Importer &im, Value x) {
  auto xt = Importer::typeOf(x);
  auto wt = im.input(3)->type;
  FailureOr<ConvGeometry> g = convGeometry(im, xt, wt);
  if (failed(g))
    return failure();
  std::optional<std::vector<double>> xs = initializerDoubles(im, 1),
                                     xzp = initializerDoubles(im, 2), bias;
  if (im.hasInput(8) && !(bias = initializerDoubles(im, 8)))
    return Value();
  int32_t xType = im.onnxTypeOf(im.node->input(0));
  int64_t f = wt.getDimSize(0);
  int64_t kk = wt.getNumElements() / std::max<int64_t>(f, 1);
  if (!xs || !xzp || xs->size() != 1 || xzp->size() != 1 ||
      !qlinearConvFits(g->group, kk) ||
      (xType != onnx::TensorProto::UINT8 && xType != onnx::TensorProto::INT8) ||
      (bias && int64_t(bias->size()) != f))
    return Value();
  float xScale = float((*xs)[0]);
  if (!(xScale > 0.0f) || !std::isfinite(xScale))
    return Value();
  std::optional<KernelWeights> w =
      kernelWeights(initializerDoubles(im, 3), initializerDoubles(im, 4),
                    initializerDoubles(im, 5), f, kk, /*kMajor=*/false);
  if (!w)
    return Value();
  Value bv;
  if (bias) {
    std::vector<float> biasF;
    for (int64_t o = 0; o < f; ++o)
      biasF.push_back(float((*bias)[o] * double(xScale * w->scale[o])));
    bv = blobConstant(im, RankedTensorType::get({f}, im.builder.getF32Type()),
                      "qconv_bias", ArrayRef<float>(biasF));
  }
  // Signed activations are the unsigned ones shifted by 128.
  int64_t zp =
      int64_t((*xzp)[0]) + (xType == onnx::TensorProto::INT8 ? 128 : 0);
  return buildQLinearConv(
      im.builder, im.loc, dequantize(im, x, (*xzp)[0], xScale), w->q, w->scale,
      bv, g->group, wt.getShape().drop_front(2), g->strides, g->pads,
      g->dilations, "static", im.builder.getF32FloatAttr(xScale),
      im.builder.getI64IntegerAttr(zp));
}

/// QLinearMatMul / QLinearConv: integer product of the centered operands,
/// rescaled by a_scale * b_scale / y_scale and requantized.
static LogicalResult importQLinear(Importer &im, bool conv) {
  for (unsigned i = 0; i < 8; ++i)
    if (!im.hasInput(i))
      return im.fail("needs inputs a, a_scale, a_zero_point, b, b_scale, "
                     "b_zero_point, y_scale and y_zero_point");
  Value a = im.operand(0), as = im.operand(1), azp = im.operand(2),
        b = im.operand(3), bs = im.operand(4), bzp = im.operand(5),
        ys = im.operand(6), yzp = im.operand(7);
  if (!a || !as || !azp || !b || !bs || !bzp || !ys || !yzp)
    return failure();
  FailureOr<QRange> range = quantRange(im, im.onnxTypeOf(im.node->input(7)));
  if (failed(range))
    return failure();
  Type f64 = im.builder.getF64Type();
  Value prod;
  if (conv) {
    FailureOr<Value> y = qlinearConvKernel(im, a);
    if (failed(y))
      return failure();
    if (*y) {
      im.setOutput(
          0, quantize(im, *y, im.reshape(ys, {}), im.reshape(yzp, {}), *range));
      return success();
    }
    int64_t rank = Importer::typeOf(b).getRank();
    FailureOr<Value> wzp = channelZeroPoint(im, bzp, rank, "w_zero_point");
    FailureOr<Value> wsc = channelZeroPoint(im, bs, rank - 1, "w_scale");
    if (failed(wzp) || failed(wsc))
      return failure();
    Value bias;
    if (im.hasInput(8) && !(bias = im.operand(8)))
      return failure();
    Type et = exactProductType(im, 2, 3, 5, 8, /*conv=*/true);
    prod = buildConv(im, centered(im, a, im.reshape(azp, {}), et),
                     centered(im, b, *wzp, et),
                     bias ? castTo(im, bias, et) : Value());
    if (!prod)
      return failure();
    // Per-output-channel weight scales along axis 1 of the result.
    bs = *wsc;
  } else if (Value y = qlinearMatMulKernel(im, a)) {
    im.setOutput(
        0, quantize(im, y, im.reshape(ys, {}), im.reshape(yzp, {}), *range));
    return success();
  } else {
    Type et = exactProductType(im, 2, 3, 5, 0, /*conv=*/false);
    prod = buildMatMul(im, centered(im, a, rowZeroPoint(im, azp), et),
                       centered(im, b, bzp, et));
    if (!prod)
      return failure();
    as = rowZeroPoint(im, as);
  }
  Value scale = bin<DivOp>(im, bin<MulOp>(im, castTo(im, as, f64),
                                          castTo(im, bs, f64)),
                           castTo(im, im.reshape(ys, {}), f64));
  Value real = bin<MulOp>(im, castTo(im, prod, f64), scale);
  im.setOutput(0, quantize(im, real, im.scalar(f64, 1.0),
                           im.reshape(yzp, {}), *range));
  return success();
}

std::optional<std::vector<double>>
mlir::tessera::onnx_import::initializerDoubles(Importer &im, StringRef name) {
  auto it = im.values.find(name);
  if (name.empty() || it == im.values.end() || it->second.isSequence())
    return std::nullopt;
  // Known constants are read widened (unsigned values as such), unsigned
  // initializers' blobs as they were stored.
  const TensorInfo *found = &it->second;
  if (auto orig = im.unwidened.find(name);
      !found->constant && orig != im.unwidened.end())
    found = &orig->second;
  const TensorInfo &info = *found;
  int64_t n = info.type.getNumElements();
  std::vector<double> out(n);
  if (info.constant) {
    for (int64_t e = 0; e < n; ++e)
      out[e] = info.constant->getDouble(e);
    return out;
  }
  auto blob = dyn_cast_or_null<DenseResourceElementsAttr>(info.weight);
  if (!blob || !blob.getRawHandle().getBlob())
    return std::nullopt;
  ArrayRef<char> bytes = blob.getRawHandle().getBlob()->getData();
  int32_t onnxType = im.onnxTypeOf(name);
  if (onnxType == onnx::TensorProto::INT8 && int64_t(bytes.size()) == n) {
    for (int64_t e = 0; e < n; ++e)
      out[e] = int8_t(bytes[e]);
    return out;
  }
  if (onnxType == onnx::TensorProto::UINT8 && int64_t(bytes.size()) == n) {
    for (int64_t e = 0; e < n; ++e)
      out[e] = uint8_t(bytes[e]);
    return out;
  }
  if (onnxType == onnx::TensorProto::FLOAT && int64_t(bytes.size()) == 4 * n) {
    const float *f = reinterpret_cast<const float *>(bytes.data());
    out.assign(f, f + n);
    return out;
  }
  if (onnxType == onnx::TensorProto::INT32 && int64_t(bytes.size()) == 4 * n) {
    const int32_t *v = reinterpret_cast<const int32_t *>(bytes.data());
    out.assign(v, v + n);
    return out;
  }
  return std::nullopt;
}

std::optional<std::vector<double>>
mlir::tessera::onnx_import::initializerDoubles(Importer &im, unsigned i) {
  if (!im.hasInput(i))
    return std::nullopt;
  return initializerDoubles(im, im.node->input(i));
}

void mlir::tessera::onnx_import::registerQuantizationOps(OpTable &t) {
  t["QuantizeLinear"] = importQuantize;
  t["DequantizeLinear"] = importDequantize;
  t["DynamicQuantizeLinear"] = importDynamicQuantize;
  t["MatMulInteger"] = importMatMulInteger;
  t["ConvInteger"] = importConvInteger;
  t["QLinearMatMul"] = [](Importer &im) { return importQLinear(im, false); };
  t["QLinearConv"] = [](Importer &im) { return importQLinear(im, true); };
}
