// Linear quantization ops, decomposed into tessera arithmetic:
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
// ConvInteger, QLinearMatMul and QLinearConv. uint8 operands arrive
// zero-extended to i64 (see the importer's unsigned widening), so integer
// arithmetic here is plain signed arithmetic.
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

namespace {
/// The integer range of a quantized ONNX type.
struct QRange {
  double lo, hi;
  Type type; // signless storage type
};
} // namespace

static FailureOr<QRange> quantRange(Importer &im, int32_t onnxType) {
  Builder b(&im.ctx);
  switch (onnxType) {
  case onnx::TensorProto::UINT8:
    return QRange{0, 255, b.getIntegerType(8)};
  case onnx::TensorProto::INT8:
    return QRange{-128, 127, b.getIntegerType(8)};
  case onnx::TensorProto::UINT16:
    return QRange{0, 65535, b.getIntegerType(16)};
  case onnx::TensorProto::INT16:
    return QRange{-32768, 32767, b.getIntegerType(16)};
  default:
    return im.fail("unsupported quantized type " + onnxTypeName(onnxType));
  }
}

static Value castTo(Importer &im, Value v, Type et) {
  auto t = Importer::typeOf(v);
  return t.getElementType() == et ? v : im.create<CastOp>(t.clone(et), v);
}

/// A scale or zero point shaped to broadcast against a rank-`rank` tensor:
/// scalars as they are, 1-D (per-axis) values along `axis`.
static FailureOr<Value> alongAxis(Importer &im, Value p, int64_t rank,
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

/// Elementwise binary op with numpy broadcasting of the result shape.
template <typename OpTy> static Value bin(Importer &im, Value a, Value b) {
  SmallVector<int64_t> shape;
  (void)broadcastShapes(Importer::typeOf(a).getShape(),
                        Importer::typeOf(b).getShape(), shape);
  return im.create<OpTy>(
      RankedTensorType::get(shape, Importer::typeOf(a).getElementType()), a,
      b);
}

/// saturate(round(x / scale) + zp) in the float type of `x`, then stored
/// as `range.type`.
static Value quantize(Importer &im, Value x, Value scale, Value zp,
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

/// (x - zp) as `et` (zp optional, already shaped to broadcast).
static Value centered(Importer &im, Value x, Value zp, Type et) {
  Value v = castTo(im, x, et);
  return zp ? bin<SubOp>(im, v, castTo(im, zp, et)) : v;
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

/// DynamicQuantizeLinear: uint8 with scale and zero point from the data's
/// range (widened to include 0).
static LogicalResult importDynamicQuantize(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto t = Importer::typeOf(x);
  Type ft = t.getElementType();
  if (!ft.isF32())
    return im.fail("x must be float32");
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
  Value scale = bin<DivOp>(im, bin<SubOp>(im, mx, mn), im.scalar(ft, 255));
  QRange u8{0, 255, im.builder.getIntegerType(8)};
  // zero point = saturate(round(0 - min / scale)).
  Value zpF = im.create<RoundOp>(
      scalarT, bin<SubOp>(im, zero, bin<DivOp>(im, mn, scale)));
  zpF = bin<MinOp>(im, bin<MaxOp>(im, zpF, zero), im.scalar(ft, 255));
  im.setOutput(0, quantize(im, x, scale, zpF, u8));
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

static LogicalResult importMatMulInteger(Importer &im) {
  Value a = im.operand(0), b = im.operand(1);
  if (!a || !b)
    return failure();
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

/// ConvInteger: exact integer convolution, computed in f64 (exact while
/// sums stay below 2^53) and returned as int32.
static LogicalResult importConvInteger(Importer &im) {
  Value x = im.operand(0), w = im.operand(1);
  if (!x || !w)
    return failure();
  Type f64 = im.builder.getF64Type();
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
  Value y = buildConv(im, centered(im, x, xzp, f64),
                      centered(im, w, wzp, f64), Value());
  if (!y)
    return failure();
  im.setOutput(0, castTo(im, y, im.builder.getI32Type()));
  return success();
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
  int64_t outRank;
  if (conv) {
    int64_t rank = Importer::typeOf(b).getRank();
    FailureOr<Value> wzp = channelZeroPoint(im, bzp, rank, "w_zero_point");
    FailureOr<Value> wsc = channelZeroPoint(im, bs, rank - 1, "w_scale");
    if (failed(wzp) || failed(wsc))
      return failure();
    Value bias;
    if (im.hasInput(8) && !(bias = im.operand(8)))
      return failure();
    prod = buildConv(im, centered(im, a, im.reshape(azp, {}), f64),
                     centered(im, b, *wzp, f64),
                     bias ? castTo(im, bias, f64) : Value());
    if (!prod)
      return failure();
    outRank = Importer::typeOf(prod).getRank();
    // Per-output-channel weight scales along axis 1 of the result.
    bs = *wsc;
  } else {
    prod = buildMatMul(im, centered(im, a, rowZeroPoint(im, azp), f64),
                       centered(im, b, bzp, f64));
    if (!prod)
      return failure();
    outRank = Importer::typeOf(prod).getRank();
    as = rowZeroPoint(im, as);
  }
  (void)outRank;
  Value scale = bin<DivOp>(im, bin<MulOp>(im, castTo(im, as, f64),
                                          castTo(im, bs, f64)),
                           castTo(im, im.reshape(ys, {}), f64));
  Value real = bin<MulOp>(im, prod, scale);
  im.setOutput(0, quantize(im, real, im.scalar(f64, 1.0),
                           im.reshape(yzp, {}), *range));
  return success();
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
