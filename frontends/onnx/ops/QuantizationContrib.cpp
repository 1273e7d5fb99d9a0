// ONNX Runtime's com.microsoft quantized ops: the dynamic int8 MatMuls
// (DynamicQuantizeMatMul, MatMulIntegerToFloat) and QGemm on the int8
// kernels, and the QOperator format's QLinearAdd, QLinearMul,
// QLinearConcat, QLinearSigmoid, QLinearLeakyRelu,
// QLinearGlobalAveragePool, QLinearAveragePool and QLinearSoftmax as their
// float ops between a dequantization and a quantization.
#include "frontends/onnx/ops/QuantizationCommon.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;
using namespace mlir::tessera::onnx_import::quant;

/// A scale or zero point that is a scalar, or 1-D of size 1 or `n`.
static LogicalResult checkScalarOrVector(Importer &im, Value v, int64_t n,
                                         StringRef what) {
  auto t = Importer::typeOf(v);
  if (t.getRank() == 0 ||
      (t.getRank() == 1 && (t.getDimSize(0) == 1 || t.getDimSize(0) == n)))
    return success();
  return im.fail(what + " must be a scalar or 1-D of size 1" +
                 (n == 1 ? Twine() : " or " + Twine(n)) + ", found " +
                 typeStr(t));
}

/// The optional zero point at input `i`: a scalar, or 1-D of size 1 or `n`.
static LogicalResult optionalZeroPoint(Importer &im, unsigned i, int64_t n,
                                       StringRef what, Value &zp) {
  if (!im.hasInput(i))
    return success();
  if (!(zp = im.operand(i)))
    return failure();
  return checkScalarOrVector(im, zp, n, what);
}

/// The optional bias at input `i`: f32 [n].
static LogicalResult optionalBias(Importer &im, unsigned i, int64_t n,
                                  Value &bias) {
  if (!im.hasInput(i))
    return success();
  if (!(bias = im.operand(i)))
    return failure();
  auto t = Importer::typeOf(bias);
  if (t.getRank() == 1 && t.getDimSize(0) == n && t.getElementType().isF32())
    return success();
  return im.fail("bias must be f32 [" + Twine(n) + "], found " + typeStr(t));
}

/// The common tail of both ops: float(prod) * (a_scale * b_scale) + bias,
/// with prod the exact integer product (f64).
static Value scaleProduct(Importer &im, Value prod, Value aScale, Value bScale,
                          Value bias) {
  Type f32 = im.builder.getF32Type();
  Value y = castTo(im, prod, f32);
  y = bin<MulOp>(im, y, bin<MulOp>(im, im.reshape(aScale, {}), bScale));
  return bias ? bin<AddOp>(im, y, bias) : y;
}

Value quant::dynamicTensorLinear(Importer &im, Value x, unsigned bIndex,
                                 std::optional<std::vector<double>> ws,
                                 unsigned zpIndex, Value bias) {
  std::optional<std::vector<double>> w = initializerDoubles(im, bIndex), wz;
  bool zeroZp = !im.hasInput(zpIndex);
  if (!zeroZp && (wz = initializerDoubles(im, zpIndex)))
    zeroZp = llvm::all_of(*wz, [](double z) { return z == 0; });
  auto xt = Importer::typeOf(x);
  auto bt = im.input(bIndex)->type;
  if (!w || !ws || !zeroZp || bt.getRank() != 2 ||
      im.onnxTypeOf(im.node->input(bIndex)) != onnx::TensorProto::INT8 ||
      !xt.getElementType().isF32() || xt.getRank() < 1 ||
      xt.getShape().back() != bt.getDimSize(0) || bt.getDimSize(0) > 32768)
    return Value();
  int64_t k = bt.getDimSize(0), n = bt.getDimSize(1);
  if (ws->size() != 1 && int64_t(ws->size()) != n)
    return Value();
  std::vector<int8_t> q(n * k);
  for (int64_t r = 0; r < k; ++r)
    for (int64_t c = 0; c < n; ++c)
      q[c * k + r] = int8_t((*w)[r * n + c]);
  std::vector<float> scale(n);
  for (int64_t c = 0; c < n; ++c)
    scale[c] = float((*ws)[ws->size() == 1 ? 0 : c]);
  Value qv =
      blobConstant(im, RankedTensorType::get({n, k}, im.builder.getI8Type()),
                   "dqmatmul_q", ArrayRef<int8_t>(q));
  Value sv =
      blobConstant(im, RankedTensorType::get({n, 1}, im.builder.getF32Type()),
                   "dqmatmul_scale", ArrayRef<float>(scale));
  SmallVector<int64_t> outShape(xt.getShape().drop_back());
  outShape.push_back(n);
  return im.create<QLinearOp>(
      RankedTensorType::get(outShape, xt.getElementType()), x, qv, sv, bias,
      Value(), im.builder.getStringAttr("dynamic_tensor"),
      im.builder.getI64IntegerAttr(8), im.builder.getStringAttr("none"),
      FloatAttr(), IntegerAttr());
}

/// com.microsoft DynamicQuantizeMatMul: A (f32) quantized to uint8 as
/// DynamicQuantizeLinear does (one scale and zero point for the tensor),
/// MatMulInteger with B and its zero point, then float(product) * (a_scale *
/// b_scale) + bias. With B a signed int8 initializer [K, N] and no (or zero)
/// zero point, it is a tessera.qlinear in dynamic_tensor mode, which runs on
/// the int8 kernels; otherwise the same arithmetic on exact integers.
static LogicalResult importDynamicQuantizeMatMul(Importer &im) {
  Value a = im.operand(0), b = im.operand(1), bScale = im.operand(2);
  if (!a || !b || !bScale)
    return failure();
  auto at = Importer::typeOf(a), bt = Importer::typeOf(b);
  if (!at.getElementType().isF32() || at.getRank() < 1)
    return im.fail("A must be f32 of rank >= 1, found " + typeStr(at));
  int32_t bType = im.onnxTypeOf(im.node->input(1));
  if (bt.getRank() != 2 || bt.getDimSize(0) != at.getShape().back() ||
      (bType != onnx::TensorProto::INT8 && bType != onnx::TensorProto::UINT8))
    return im.fail("B must be 8-bit integers [K = " +
                   Twine(at.getShape().back()) + ", N], found " + typeStr(bt));
  int64_t n = bt.getDimSize(1);
  if (failed(checkScalarOrVector(im, bScale, n, "b_scale")))
    return failure();
  Value bZp, bias;
  if (failed(optionalZeroPoint(im, 3, n, "b_zero_point", bZp)) ||
      failed(optionalBias(im, 4, n, bias)))
    return failure();
  if (Value y =
          dynamicTensorLinear(im, a, 1, initializerDoubles(im, 2), 3, bias)) {
    im.setOutput(0, y);
    return success();
  }

  // Otherwise DynamicQuantizeLinear's arithmetic, then the exact product.
  Type f32 = at.getElementType(), f64 = im.builder.getF64Type();
  auto [aScale, aZp] = dynamicQuantParams(im, a, /*unitScaleForZero=*/true);
  Value qa =
      bin<AddOp>(im, im.create<RoundOp>(at, bin<DivOp>(im, a, aScale)), aZp);
  qa = bin<MinOp>(im, bin<MaxOp>(im, qa, im.scalar(f32, 0)),
                  im.scalar(f32, 255));
  Value prod =
      buildMatMul(im, centered(im, qa, aZp, f64), centered(im, b, bZp, f64));
  if (!prod)
    return failure();
  im.setOutput(0, scaleProduct(im, prod, aScale, bScale, bias));
  return success();
}

/// com.microsoft MatMulIntegerToFloat: (A - a_zero_point) · (B -
/// b_zero_point) on exact integers, then float(product) * (a_scale *
/// b_scale) + bias. a_scale and a_zero_point are per tensor; b_scale and
/// b_zero_point per tensor or per column.
static LogicalResult importMatMulIntegerToFloat(Importer &im) {
  Value a = im.operand(0), b = im.operand(1), aScale = im.operand(2),
        bScale = im.operand(3);
  if (!a || !b || !aScale || !bScale)
    return failure();
  auto at = Importer::typeOf(a), bt = Importer::typeOf(b);
  if (!isa<IntegerType>(at.getElementType()) ||
      !isa<IntegerType>(bt.getElementType()) || at.getRank() < 1 ||
      bt.getRank() < 1)
    return im.fail("A and B must be 8-bit integer tensors, found " +
                   typeStr(at) + " and " + typeStr(bt));
  int64_t n = bt.getShape().back();
  if (failed(checkScalarOrVector(im, aScale, 1, "a_scale")) ||
      failed(checkScalarOrVector(im, bScale, n, "b_scale")))
    return failure();
  Value aZp, bZp, bias;
  if (failed(optionalZeroPoint(im, 4, 1, "a_zero_point", aZp)) ||
      failed(optionalZeroPoint(im, 5, n, "b_zero_point", bZp)) ||
      failed(optionalBias(im, 6, n, bias)))
    return failure();
  // A, a_scale and a_zero_point straight from one DynamicQuantizeLinear of
  // float x (ONNX Runtime's fusion of its quantize_dynamic output): the
  // int8-kernel form on x, as for DynamicQuantizeMatMul.
  auto source = im.dynamicQuantized.find(im.node->input(0));
  if (source != im.dynamicQuantized.end() && im.hasInput(4) &&
      im.node->input(2) == source->second.scale &&
      im.node->input(4) == source->second.zeroPoint) {
    auto xInfo = im.values.find(source->second.input);
    Value x =
        xInfo != im.values.end() ? im.materialize(xInfo->second) : Value();
    if (x)
      if (Value y = dynamicTensorLinear(im, x, 1, initializerDoubles(im, 3), 5,
                                        bias)) {
        im.setOutput(0, y);
        return success();
      }
  }
  Type f64 = im.builder.getF64Type();
  Value prod =
      buildMatMul(im, centered(im, a, aZp ? im.reshape(aZp, {}) : Value(), f64),
                  centered(im, b, bZp, f64));
  if (!prod)
    return failure();
  im.setOutput(0, scaleProduct(im, prod, aScale, bScale, bias));
  return success();
}

// ---- ONNX Runtime's com.microsoft QOperator ops (quantize_static's
// QOperator format): each is its float op between a dequantization of its
// inputs and a quantization of its result, per tensor.

/// Input `i` dequantized: (x - zero point) * scale, with the per-tensor
/// scale at `i + 1` and the optional zero point at `i + 2`.
static FailureOr<Value> dequantizedInput(Importer &im, unsigned i) {
  Value x = im.operand(i), scale = im.operand(i + 1), zp;
  if (!x || !scale || (im.hasInput(i + 2) && !(zp = im.operand(i + 2))))
    return failure();
  for (auto [v, what] :
       {std::pair{scale, "scale"}, std::pair{zp, "zero point"}})
    if (v && Importer::typeOf(v).getNumElements() != 1)
      return im.fail("input " + Twine(i) + "'s " + what +
                     " must be one value (per tensor), found " +
                     typeStr(v.getType()));
  if (!isa<IntegerType>(Importer::typeOf(x).getElementType()))
    return im.fail("input " + Twine(i) + " must be 8-bit integers, found " +
                   typeStr(x.getType()));
  Type f32 = im.builder.getF32Type();
  return bin<MulOp>(im, centered(im, x, zp ? im.reshape(zp, {}) : Value(), f32),
                    castTo(im, im.reshape(scale, {}), f32));
}

/// Sets output 0 to `y` quantized with the scale at input `scaleIndex` and
/// the optional zero point after it, in the integer type of input
/// `typeIndex`.
static LogicalResult setQuantizedOutput(Importer &im, Value y,
                                        unsigned scaleIndex,
                                        unsigned typeIndex) {
  Value scale = im.operand(scaleIndex), zp;
  if (!scale ||
      (im.hasInput(scaleIndex + 1) && !(zp = im.operand(scaleIndex + 1))))
    return failure();
  if (Importer::typeOf(scale).getNumElements() != 1 ||
      (zp && Importer::typeOf(zp).getNumElements() != 1))
    return im.fail("the output's scale and zero point must be one value "
                   "each (per tensor)");
  FailureOr<QRange> range =
      quantRange(im, im.onnxTypeOf(im.node->input(typeIndex)));
  if (failed(range))
    return failure();
  im.setOutput(0, quantize(im, y, im.reshape(scale, {}),
                           zp ? im.reshape(zp, {}) : Value(), *range));
  return success();
}

/// QLinearAdd / QLinearMul (A, A_scale, A_zero_point, B, B_scale,
/// B_zero_point, C_scale, C_zero_point), numpy broadcasting.
template <typename OpTy>
static LogicalResult importQLinearBinary(Importer &im) {
  FailureOr<Value> a = dequantizedInput(im, 0), b = dequantizedInput(im, 3);
  if (failed(a) || failed(b))
    return failure();
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(Importer::typeOf(*a).getShape(),
                             Importer::typeOf(*b).getShape(), shape)))
    return im.fail("A " + typeStr(a->getType()) + " and B " +
                   typeStr(b->getType()) + " do not broadcast");
  return setQuantizedOutput(im, bin<OpTy>(im, *a, *b), 6, 0);
}

/// A one-input QOperator op (X, X_scale, X_zero_point, Y_scale,
/// Y_zero_point; the float op's attributes): the default-domain `floatOp`'s
/// handler on the dequantized X. With `channels_last` = 1 (the pooling
/// ops), X is [N, D1..Dk, C] and goes channels first around the float op.
/// `opsetAttr`: the float op's semantics follow the node's `opset`
/// attribute (QLinearSoftmax).
static LogicalResult importQLinearUnary(Importer &im, StringRef floatOp,
                                        bool opsetAttr) {
  FailureOr<Value> x = dequantizedInput(im, 0);
  if (failed(x))
    return failure();
  const OpHandler *handler = im.defaultHandler(floatOp);
  if (!handler)
    return im.fail("no importer for " + floatOp);
  int64_t rank = Importer::typeOf(*x).getRank();
  bool channelsLast = im.attrInt("channels_last", 0) != 0;
  if (channelsLast && rank < 3)
    return im.fail("channels_last needs an input of rank >= 3");
  SmallVector<int64_t> toFirst = {0, rank - 1}, toLast = {0};
  for (int64_t d = 1; d < rank - 1; ++d) {
    toFirst.push_back(d);
    toLast.push_back(d + 1);
  }
  toLast.push_back(1);
  Value in = channelsLast ? im.transpose(*x, toFirst) : *x;
  // The float op reads input 0 and writes output 0 of this node: both are
  // rebound around its handler.
  std::string xName = im.node->input(0), yName = im.node->output(0);
  TensorInfo saved = im.values[xName];
  TensorInfo floatIn;
  floatIn.type = Importer::typeOf(in);
  floatIn.value = in;
  im.values[xName] = floatIn;
  int64_t savedOpset = im.opset;
  if (opsetAttr)
    im.opset = im.attrInt("opset", im.opset);
  LogicalResult imported = (*handler)(im);
  im.opset = savedOpset;
  im.values[xName] = saved;
  if (failed(imported))
    return failure();
  auto it = im.values.find(yName);
  Value y = it != im.values.end() ? im.materialize(it->second) : Value();
  if (!y)
    return im.fail(floatOp + " made no result");
  if (channelsLast)
    y = im.transpose(y, toLast);
  return setQuantizedOutput(im, y, 3, 0);
}

/// QLinearConcat (Y_scale, Y_zero_point, then X, X_scale, X_zero_point for
/// each input; axis).
static LogicalResult importQLinearConcat(Importer &im) {
  int n = im.node->input_size();
  if (n < 5 || (n - 2) % 3 != 0)
    return im.fail("needs Y_scale, Y_zero_point and (X, X_scale, "
                   "X_zero_point) for each input, found " +
                   Twine(n) + " inputs");
  SmallVector<Value> xs;
  for (int i = 2; i < n; i += 3) {
    FailureOr<Value> x = dequantizedInput(im, i);
    if (failed(x))
      return failure();
    xs.push_back(*x);
  }
  auto first = Importer::typeOf(xs[0]);
  FailureOr<int64_t> axis = im.normAxis(im.attrInt("axis", 0), first.getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  shape[*axis] = 0;
  for (Value x : xs) {
    auto t = Importer::typeOf(x);
    for (int64_t d = 0; d < first.getRank(); ++d)
      if (t.getRank() != first.getRank() ||
          (d != *axis && t.getDimSize(d) != first.getDimSize(d)))
        return im.fail("inputs " + typeStr(first) + " and " + typeStr(t) +
                       " do not concatenate along axis " + Twine(*axis));
    shape[*axis] += t.getDimSize(*axis);
  }
  Value y = im.create<ConcatOp>(
      RankedTensorType::get(shape, im.builder.getF32Type()), xs, *axis);
  return setQuantizedOutput(im, y, 0, 2);
}

/// com.microsoft QGemm (A, a_scale, a_zero_point, B, b_scale, b_zero_point,
/// C, y_scale, y_zero_point; alpha, transA, transB), what quantize_static
/// writes for a Gemm: Y = alpha · a_scale · b_scale · (A - a_zp)(B - b_zp) +
/// a_scale · b_scale · C, with C an int32 bias (one value or [N]) and
/// b_scale / b_zero_point per tensor or per column; Y is float without
/// y_scale, else quantized to the output's type. With a constant B whose
/// centered values fit [-127, 127], constant per-tensor a_scale and
/// a_zero_point, a constant C and alpha > 0, it is a static tessera.qlinear
/// (weight scale alpha · b_scale); otherwise the integer product is exact in
/// f64 and scaled after.
static LogicalResult importQGemm(Importer &im) {
  Value a = im.operand(0), as = im.operand(1), b = im.operand(3),
        bs = im.operand(4), azp, bzp, c;
  if (!a || !as || !b || !bs || (im.hasInput(2) && !(azp = im.operand(2))) ||
      (im.hasInput(5) && !(bzp = im.operand(5))) ||
      (im.hasInput(6) && !(c = im.operand(6))))
    return failure();
  auto at = Importer::typeOf(a), bt = Importer::typeOf(b);
  if (at.getRank() != 2 || bt.getRank() != 2 ||
      !isa<IntegerType>(at.getElementType()) ||
      !isa<IntegerType>(bt.getElementType()))
    return im.fail("A and B must be 2-D 8-bit integer tensors, found " +
                   typeStr(at) + " and " + typeStr(bt));
  bool transA = im.attrInt("transA", 0) != 0,
       transB = im.attrInt("transB", 0) != 0;
  float alpha = im.attrFloat("alpha", 1.0f);
  int64_t m = at.getDimSize(transA ? 1 : 0), k = at.getDimSize(transA ? 0 : 1),
          n = bt.getDimSize(transB ? 0 : 1);
  if (bt.getDimSize(transB ? 1 : 0) != k)
    return im.fail("A " + typeStr(at) + " and B " + typeStr(bt) +
                   " do not multiply (transA " + Twine(transA) + ", transB " +
                   Twine(transB) + ")");
  if (failed(checkScalarOrVector(im, as, 1, "a_scale")) ||
      (azp && failed(checkScalarOrVector(im, azp, 1, "a_zero_point"))) ||
      failed(checkScalarOrVector(im, bs, n, "b_scale")) ||
      (bzp && failed(checkScalarOrVector(im, bzp, n, "b_zero_point"))) ||
      (c && failed(checkScalarOrVector(im, c, n, "C"))))
    return failure();
  Type f32 = im.builder.getF32Type(), f64 = im.builder.getF64Type();
  Value y;
  // The int8-kernel form.
  std::optional<std::vector<double>> av = initializerDoubles(im, 1),
                                     azv = initializerDoubles(im, 2),
                                     cv = initializerDoubles(im, 6);
  int32_t aType = im.onnxTypeOf(im.node->input(0));
  float aScale = av && av->size() == 1 ? float((*av)[0]) : 0.0f;
  std::optional<KernelWeights> w;
  if (!transA && aScale > 0.0f && std::isfinite(aScale) &&
      (!azp || (azv && azv->size() == 1)) && (!c || cv) && alpha > 0.0f &&
      std::isfinite(alpha) && k <= 32768 &&
      (aType == onnx::TensorProto::UINT8 || aType == onnx::TensorProto::INT8))
    w = kernelWeights(initializerDoubles(im, 3), initializerDoubles(im, 4),
                      bzp ? initializerDoubles(im, 5)
                          : std::optional<std::vector<double>>({0.0}),
                      n, k, /*kMajor=*/!transB);
  std::vector<float> scale, bias;
  for (int64_t col = 0; w && col < n; ++col) {
    scale.push_back(alpha * w->scale[col]);
    if (!std::isfinite(scale.back()))
      w.reset();
    else if (c)
      bias.push_back(float((*cv)[cv->size() == 1 ? 0 : col] *
                           double(aScale * w->scale[col])));
  }
  // A scale or zero point of one value or one per column, shaped for [M, N].
  auto perColumn = [&](Value v) {
    return Importer::typeOf(v).getNumElements() == 1 ? im.reshape(v, {})
                                                     : im.reshape(v, {n});
  };
  if (w) {
    Value biasV = c ? blobConstant(im, RankedTensorType::get({n}, f32),
                                   "qgemm_bias", ArrayRef<float>(bias))
                    : Value();
    y = staticQLinear(im, a, aType, azv ? (*azv)[0] : 0.0, aScale, w->q, scale,
                      biasV, "qgemm");
  } else {
    Value ac = centered(im, transA ? im.transpose(a, {1, 0}) : a,
                        azp ? im.reshape(azp, {}) : Value(), f64);
    Value bc = centered(im, transB ? im.transpose(b, {1, 0}) : b,
                        bzp ? perColumn(bzp) : Value(), f64);
    Value prod = buildMatMul(im, ac, bc);
    if (!prod)
      return failure();
    Value abScale = bin<MulOp>(im, castTo(im, im.reshape(as, {}), f64),
                               castTo(im, perColumn(bs), f64));
    Value real =
        bin<MulOp>(im, prod, bin<MulOp>(im, abScale, im.scalar(f64, alpha)));
    if (c)
      real = bin<AddOp>(im, real,
                        bin<MulOp>(im, castTo(im, perColumn(c), f64), abScale));
    y = castTo(im, real, f32);
  }
  if (!im.hasInput(7)) {
    im.setOutput(0, y);
    return success();
  }
  Value ys = im.operand(7), yzp;
  if (!ys || (im.hasInput(8) && !(yzp = im.operand(8))))
    return failure();
  if (failed(checkScalarOrVector(im, ys, 1, "y_scale")) ||
      (yzp && failed(checkScalarOrVector(im, yzp, 1, "y_zero_point"))))
    return failure();
  FailureOr<QRange> range =
      quantRange(im, im.onnxTypeOf(im.hasInput(8) ? im.node->input(8)
                                                  : im.node->output(0)));
  if (failed(range))
    return failure();
  im.setOutput(0, quantize(im, y, im.reshape(ys, {}),
                           yzp ? im.reshape(yzp, {}) : Value(), *range));
  return success();
}

void mlir::tessera::onnx_import::registerQuantizationContribOps(OpTable &t) {
  t["DynamicQuantizeMatMul"] = importDynamicQuantizeMatMul;
  t["MatMulIntegerToFloat"] = importMatMulIntegerToFloat;
  t["QLinearAdd"] = importQLinearBinary<AddOp>;
  t["QLinearMul"] = importQLinearBinary<MulOp>;
  t["QLinearConcat"] = importQLinearConcat;
  t["QGemm"] = importQGemm;
  for (auto [name, floatOp] :
       {std::pair{"QLinearSigmoid", "Sigmoid"},
        std::pair{"QLinearLeakyRelu", "LeakyRelu"},
        std::pair{"QLinearGlobalAveragePool", "GlobalAveragePool"},
        std::pair{"QLinearAveragePool", "AveragePool"}})
    t[name] = [floatOp = std::string(floatOp)](Importer &im) {
      return importQLinearUnary(im, floatOp, false);
    };
  t["QLinearSoftmax"] = [](Importer &im) {
    return importQLinearUnary(im, "Softmax", true);
  };
}
