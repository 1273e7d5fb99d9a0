// Smaller ops that decompose into existing tessera ops: Hardmax, Shrink, LRN,
// MeanVarianceNormalization, ReverseSequence, TopK, Det and Compress.
#include "frontends/onnx/Importer.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

/// The largest k TopK unrolls into (a few ops per selected element).
constexpr int64_t kMaxTopK = 64;

/// `x.shape` with dimension `axis` set to `size`.
static SmallVector<int64_t> withDim(RankedTensorType t, int64_t axis,
                                    int64_t size) {
  SmallVector<int64_t> shape(t.getShape());
  shape[axis] = size;
  return shape;
}

static RankedTensorType boolLike(Importer &im, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, im.builder.getI1Type());
}

/// 0, 1, .., n-1 (i64) along `axis` of a rank-`rank` tensor of ones.
static Value iotaAlong(Importer &im, int64_t rank, int64_t axis, int64_t n) {
  SmallVector<int64_t> shape(rank, 1), vals;
  shape[axis] = n;
  for (int64_t i = 0; i < n; ++i)
    vals.push_back(i);
  return im.constant(
      makeConst(RankedTensorType::get(shape, im.builder.getI64Type()), vals));
}

template <typename OpTy>
static Value reduceKeep(Importer &im, Value x, ArrayRef<int64_t> axes) {
  auto t = Importer::typeOf(x);
  SmallVector<int64_t> shape(t.getShape());
  for (int64_t a : axes)
    shape[a] = 1;
  return OpTy::create(im.builder, im.loc,
                      RankedTensorType::get(shape, t.getElementType()), x,
                      im.builder.getDenseI64ArrayAttr(axes),
                      im.builder.getBoolAttr(true))
      .getResult();
}

static FailureOr<RankedTensorType> floatInput(Importer &im, Value x,
                                              int64_t minRank) {
  auto t = Importer::typeOf(x);
  if (!isa<FloatType>(t.getElementType()) || t.getRank() < minRank)
    return im.fail("input must be a float tensor of rank >= " + Twine(minRank));
  return t;
}

/// Hardmax: one-hot of the first maximum along `axis`. Before opset 13 the
/// input is coerced to 2-D at `axis` (default 1).
static LogicalResult importHardmax(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  FailureOr<RankedTensorType> t = floatInput(im, x, 1);
  if (failed(t))
    return failure();
  bool legacy = im.opset < 13;
  int64_t rank = t->getRank();
  FailureOr<int64_t> axis =
      im.normAxis(im.attrInt("axis", legacy ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  Value v = x;
  int64_t a = *axis;
  if (legacy && a != rank - 1) {
    ArrayRef<int64_t> shape = t->getShape();
    v = im.reshape(x, {ShapedType::getNumElements(shape.take_front(a)),
                       ShapedType::getNumElements(shape.drop_front(a))});
    a = 1;
  }
  auto vt = Importer::typeOf(v);
  auto idxType =
      RankedTensorType::get(withDim(vt, a, 1), im.builder.getI64Type());
  Value idx = im.create<ArgMaxOp>(idxType, v, a, true, false);
  Value hot =
      im.create<EqualOp>(boolLike(im, vt.getShape()), idx,
                         iotaAlong(im, vt.getRank(), a, vt.getDimSize(a)));
  Type et = vt.getElementType();
  Value y = im.create<WhereOp>(vt, hot, im.scalar(et, 1), im.scalar(et, 0));
  im.setOutput(0, im.reshape(y, t->getShape()));
  return success();
}

/// Shrink: x + bias below -lambd, x - bias above lambd, else 0. Integer
/// inputs compare against the integer thresholds ceil(-lambd), floor(lambd).
static LogicalResult importShrink(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto t = Importer::typeOf(x);
  Type et = t.getElementType();
  double lambd = im.attrFloat("lambd", 0.5f), bias = im.attrFloat("bias", 0);
  double lo = -lambd, hi = lambd;
  if (et.isInteger(1))
    return im.fail("unsupported element type (numeric expected)");
  if (!isa<FloatType>(et)) {
    lo = std::ceil(lo);
    hi = std::floor(hi);
    unsigned w = et.getIntOrFloatBitWidth();
    double maxV = std::ldexp(1.0, int(w) - 1);
    auto fits = [&](double v) { return v >= -maxV && v < maxV; };
    if (bias != std::floor(bias) || !fits(bias) || !fits(lo) || !fits(hi))
      return im.fail("bias and lambd must be integral and in range for an "
                     "integer input");
  }
  auto b1 = boolLike(im, t.getShape());
  Value b = im.scalar(et, bias);
  // One statement per op: the IR's order must not depend on the C++
  // compiler's order of evaluating arguments.
  Value zero = im.scalar(et, 0);
  Value shifted = im.create<SubOp>(t, x, b);
  Value isAbove = im.create<GreaterOp>(b1, x, im.scalar(et, hi));
  Value above = im.create<WhereOp>(t, isAbove, shifted, zero);
  Value raised = im.create<AddOp>(t, x, b);
  Value isBelow = im.create<LessOp>(b1, x, im.scalar(et, lo));
  im.setOutput(0, im.create<WhereOp>(t, isBelow, raised, above));
  return success();
}

/// LRN: the channel-window sum of squares is an average pool (zero padding
/// counted) over [N, 1, C, rest] times `size`, which alpha / size cancels.
static LogicalResult importLRN(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  FailureOr<RankedTensorType> t = floatInput(im, x, 2);
  if (failed(t))
    return failure();
  int64_t size = im.attrInt("size", 0);
  if (size < 1)
    return im.fail("attribute 'size' must be present and positive");
  Type et = t->getElementType();
  ArrayRef<int64_t> shape = t->getShape();
  int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
  Value sq = im.reshape(
      im.create<MulOp>(*t, x, x),
      {shape[0], 1, shape[1], ShapedType::getNumElements(shape.drop_front(2))});
  auto &b = im.builder;
  Value avg = AvgPoolOp::create(b, im.loc, sq.getType(), sq,
                                b.getDenseI64ArrayAttr({size, 1}),
                                b.getDenseI64ArrayAttr({1, 1}),
                                b.getDenseI64ArrayAttr({lo, 0, hi, 0}),
                                b.getDenseI64ArrayAttr({1, 1}), false, true)
                  .getResult();
  Value alpha = im.scalar(et, im.attrFloat("alpha", 1e-4f));
  Value scaled = im.create<MulOp>(*t, im.reshape(avg, shape), alpha);
  Value base =
      im.create<AddOp>(*t, scaled, im.scalar(et, im.attrFloat("bias", 1.0f)));
  Value den =
      im.create<PowOp>(*t, base, im.scalar(et, im.attrFloat("beta", 0.75f)));
  im.setOutput(0, im.create<DivOp>(*t, x, den));
  return success();
}

/// MeanVarianceNormalization: (x - E[x]) / sqrt(E[x^2] - E[x]^2 + 1e-9).
static LogicalResult importMVN(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  FailureOr<RankedTensorType> t = floatInput(im, x, 1);
  if (failed(t))
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t a :
       im.attrInts("axes").value_or(SmallVector<int64_t>{0, 2, 3})) {
    FailureOr<int64_t> n = im.normAxis(a, t->getRank());
    if (failed(n))
      return failure();
    axes.push_back(*n);
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  Value mean = reduceKeep<ReduceMeanOp>(im, x, axes);
  Value meanSq = reduceKeep<ReduceMeanOp>(im, im.create<MulOp>(*t, x, x), axes);
  auto st = Importer::typeOf(mean);
  Value var = im.create<SubOp>(st, meanSq, im.create<MulOp>(st, mean, mean));
  Value den = im.create<SqrtOp>(
      st, im.create<AddOp>(st, var, im.scalar(st.getElementType(), 1e-9)));
  im.setOutput(0, im.create<DivOp>(*t, im.create<SubOp>(*t, x, mean), den));
  return success();
}

/// ReverseSequence: gathers along the time axis at len[b] - 1 - t for
/// t < len[b] (lengths clamped to [0, T]) and at t elsewhere.
static LogicalResult importReverseSequence(Importer &im) {
  Value x = im.operand(0), lens = x ? im.operand(1) : Value();
  if (!lens)
    return failure();
  auto t = Importer::typeOf(x), lt = Importer::typeOf(lens);
  int64_t rank = t.getRank();
  int64_t batchAxis = im.attrInt("batch_axis", 1);
  int64_t timeAxis = im.attrInt("time_axis", 0);
  if (rank < 2 || batchAxis < 0 || batchAxis > 1 || timeAxis < 0 ||
      timeAxis > 1 || batchAxis == timeAxis)
    return im.fail("needs rank >= 2 and batch_axis, time_axis of 0 and 1");
  int64_t batch = t.getDimSize(batchAxis), time = t.getDimSize(timeAxis);
  auto i64 = im.builder.getI64Type();
  if (!isa<IntegerType>(lt.getElementType()) ||
      lt.getElementType() == im.builder.getI1Type() ||
      lt.getNumElements() != batch)
    return im.fail("sequence_lens must hold one integer per batch entry");
  SmallVector<int64_t> lenShape(rank, 1);
  lenShape[batchAxis] = batch;
  auto lenType = RankedTensorType::get(lenShape, i64);
  Value len = im.reshape(lens, lenShape);
  if (lt.getElementType() != i64)
    len = im.create<CastOp>(lenType, len);
  len = im.create<MinOp>(lenType,
                         im.create<MaxOp>(lenType, len, im.scalar(i64, 0)),
                         im.scalar(i64, time));
  Value iota = iotaAlong(im, rank, timeAxis, time);
  SmallVector<int64_t> idxShape(rank, 1);
  idxShape[batchAxis] = batch;
  idxShape[timeAxis] = time;
  auto idxType = RankedTensorType::get(idxShape, i64);
  Value rev = im.create<SubOp>(
      idxType, im.create<SubOp>(lenType, len, im.scalar(i64, 1)), iota);
  Value idx = im.create<WhereOp>(
      idxType, im.create<LessOp>(boolLike(im, idxShape), iota, len), rev, iota);
  idx = im.create<BroadcastToOp>(RankedTensorType::get(t.getShape(), i64), idx);
  im.setOutput(0, im.create<GatherElementsOp>(t, x, idx, timeAxis));
  return success();
}

/// TopK with a known k: k rounds of "extreme value among the elements not
/// taken yet, then its lowest index", so ties and infinities come out in
/// index order. The result is always sorted.
static LogicalResult importTopK(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto t = Importer::typeOf(x);
  Type et = t.getElementType();
  if (et.isInteger(1))
    return im.fail("unsupported element type (numeric expected)");
  int64_t k;
  if (im.opset < 10) {
    k = im.attrInt("k", -1);
  } else {
    FailureOr<SmallVector<int64_t>> ks = im.constInts(1, "k");
    if (failed(ks))
      return failure();
    if (ks->size() != 1)
      return im.fail("k must hold one value");
    k = (*ks)[0];
  }
  FailureOr<int64_t> axis = im.normAxis(im.attrInt("axis", -1), t.getRank());
  if (failed(axis))
    return failure();
  int64_t n = t.getDimSize(*axis);
  if (k < 1 || k > n)
    return im.fail("k = " + Twine(k) + " must be in [1, " + Twine(n) + "]");
  if (k > kMaxTopK)
    return im.fail("k = " + Twine(k) + " is above the supported " +
                   Twine(kMaxTopK));
  bool largest = im.attrInt("largest", 1) != 0;
  // The fill hides taken elements from the extreme-value search.
  Value fill;
  if (auto ft = dyn_cast<FloatType>(et)) {
    double inf = std::numeric_limits<double>::infinity();
    fill = im.scalar(et, largest ? -inf : inf);
  } else {
    unsigned w = et.getIntOrFloatBitWidth();
    int64_t maxV = w == 64 ? std::numeric_limits<int64_t>::max()
                           : (int64_t(1) << (w - 1)) - 1;
    fill = im.constant(
        makeConst(RankedTensorType::get({}, et), {largest ? -maxV - 1 : maxV}));
  }
  auto i64 = im.builder.getI64Type();
  auto b1 = boolLike(im, t.getShape());
  Value iota = iotaAlong(im, t.getRank(), *axis, n);
  auto idxType = RankedTensorType::get(t.getShape(), i64);
  Value none = im.scalar(i64, n), taken;
  SmallVector<Value> values, indices;
  for (int64_t j = 0; j < k; ++j) {
    Value masked = taken ? im.create<WhereOp>(t, taken, fill, x) : x;
    Value m = largest ? reduceKeep<ReduceMaxOp>(im, masked, {*axis})
                      : reduceKeep<ReduceMinOp>(im, masked, {*axis});
    Value cand = im.create<EqualOp>(b1, x, m);
    if (taken)
      cand = im.create<AndOp>(b1, cand, im.create<NotOp>(b1, taken));
    Value pos = im.create<WhereOp>(idxType, cand, iota, none);
    Value idx = reduceKeep<ReduceMinOp>(im, pos, {*axis});
    values.push_back(m);
    indices.push_back(idx);
    if (j + 1 == k)
      break;
    Value sel = im.create<EqualOp>(b1, iota, idx);
    taken = taken ? im.create<OrOp>(b1, taken, sel) : sel;
  }
  auto concat = [&](ArrayRef<Value> parts, Type elementType) -> Value {
    if (parts.size() == 1)
      return parts[0];
    return ConcatOp::create(
               im.builder, im.loc,
               RankedTensorType::get(withDim(t, *axis, k), elementType), parts,
               *axis)
        .getResult();
  };
  im.setOutput(0, concat(values, et));
  if (im.hasOutput(1))
    im.setOutput(1, concat(indices, i64));
  return success();
}

/// Det of 1x1, 2x2 and 3x3 matrices by cofactor expansion.
/// Det of m x m matrices (m > 3): Gaussian elimination with partial
/// pivoting, unrolled over the m - 1 columns. In column k, the row of the
/// largest magnitude at or below k is swapped into row k (a gather of the
/// rows; the sign flips when it moves), the pivot joins the product, and the
/// rows below subtract their multiple of row k. A zero pivot makes the
/// product 0; it is divided by as 1 so that nothing becomes NaN.
static Value eliminationDet(Importer &im, Value a, RankedTensorType t) {
  int64_t rank = t.getRank(), m = t.getDimSize(rank - 1), ri = rank - 2;
  Type et = t.getElementType(), i64 = im.builder.getI64Type();
  ArrayRef<int64_t> batch = t.getShape().drop_back(2);
  auto shapeOf = [&](int64_t rows, int64_t cols) {
    SmallVector<int64_t> s(batch);
    s.append({rows, cols});
    return s;
  };
  // Rows [r0, r0 + rows) and columns [c0, c0 + cols) of every matrix.
  auto block = [&](Value v, int64_t r0, int64_t rows, int64_t c0,
                   int64_t cols) {
    SmallVector<int64_t> starts(rank, 0), steps(rank, 1);
    starts[ri] = r0;
    starts[ri + 1] = c0;
    return SliceOp::create(im.builder, im.loc,
                           RankedTensorType::get(shapeOf(rows, cols), et), v,
                           im.builder.getDenseI64ArrayAttr(starts),
                           im.builder.getDenseI64ArrayAttr(steps))
        .getResult();
  };
  auto one = RankedTensorType::get(shapeOf(1, 1), et);
  auto oneIdx = RankedTensorType::get(shapeOf(1, 1), i64);
  auto rowsIdx = RankedTensorType::get(shapeOf(m, 1), i64);
  Value rows = iotaAlong(im, rank, ri, m);
  Value det = im.constant(makeSplat(one, 1.0));
  for (int64_t k = 0; k < m; ++k) {
    if (k + 1 < m) {
      // The pivot row: the largest magnitude in column k at or below row k.
      Value col = block(a, k, m - k, k, 1);
      Value mag = im.create<AbsOp>(Importer::typeOf(col), col);
      Value rel = im.create<ArgMaxOp>(oneIdx, mag, ri, true, false);
      Value kIdx = im.scalar(i64, double(k));
      Value piv = im.create<AddOp>(oneIdx, rel, kIdx);
      // Rows k and piv trade places: row r reads row idx[r].
      Value isK = im.create<EqualOp>(
          boolLike(im, Importer::typeOf(rows).getShape()), rows, kIdx);
      Value isPiv = im.create<EqualOp>(boolLike(im, shapeOf(m, 1)), rows, piv);
      Value other = im.create<WhereOp>(rowsIdx, isPiv, kIdx, rows);
      Value idx = im.create<WhereOp>(rowsIdx, isK, piv, other);
      Value idxFull = im.create<BroadcastToOp>(
          RankedTensorType::get(t.getShape(), i64), idx);
      a = im.create<GatherElementsOp>(t, a, idxFull, ri);
      Value stays = im.create<EqualOp>(boolLike(im, shapeOf(1, 1)), piv, kIdx);
      Value plus = im.scalar(et, 1.0);
      Value minus = im.scalar(et, -1.0);
      Value sign = im.create<WhereOp>(one, stays, plus, minus);
      det = im.create<MulOp>(one, det, sign);
    }
    Value pivot = block(a, k, 1, k, 1);
    det = im.create<MulOp>(one, det, pivot);
    if (k + 1 == m)
      break;
    Value zero = im.scalar(et, 0.0);
    Value isZero = im.create<EqualOp>(boolLike(im, shapeOf(1, 1)), pivot, zero);
    Value unit = im.scalar(et, 1.0);
    Value safe = im.create<WhereOp>(one, isZero, unit, pivot);
    int64_t below = m - k - 1;
    Value colBelow = block(a, k + 1, below, k, 1);
    Value factors =
        im.create<DivOp>(Importer::typeOf(colBelow), colBelow, safe);
    Value pivotRow = block(a, k, 1, 0, m);
    auto belowType = RankedTensorType::get(shapeOf(below, m), et);
    Value update = im.create<MulOp>(belowType, factors, pivotRow);
    Value rest = block(a, k + 1, below, 0, m);
    Value reduced = im.create<SubOp>(belowType, rest, update);
    Value top = block(a, 0, k + 1, 0, m);
    a = im.create<ConcatOp>(t, ValueRange{top, reduced}, ri);
  }
  return im.reshape(det, batch);
}

static LogicalResult importDet(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  FailureOr<RankedTensorType> t = floatInput(im, x, 2);
  if (failed(t))
    return failure();
  int64_t rank = t->getRank(), m = t->getDimSize(rank - 1);
  if (t->getDimSize(rank - 2) != m || m < 1)
    return im.fail("expects square matrices, found " +
                   Twine(t->getDimSize(rank - 2)) + "x" + Twine(m));
  // The elimination is unrolled: about 25 ops per column.
  if (m > 64)
    return im.fail("matrices larger than 64x64 are not supported, found " +
                   Twine(m) + "x" + Twine(m));
  if (m > 3) {
    im.setOutput(0, eliminationDet(im, x, *t));
    return success();
  }
  ArrayRef<int64_t> batch = t->getShape().drop_back(2);
  auto bt = RankedTensorType::get(batch, t->getElementType());
  SmallVector<int64_t> one(batch), starts(rank, 0), steps(rank, 1);
  one.append({1, 1});
  auto oneType = RankedTensorType::get(one, t->getElementType());
  SmallVector<Value> elems;
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t c = 0; c < m; ++c) {
      starts[rank - 2] = r;
      starts[rank - 1] = c;
      Value e = SliceOp::create(im.builder, im.loc, oneType, x,
                                im.builder.getDenseI64ArrayAttr(starts),
                                im.builder.getDenseI64ArrayAttr(steps))
                    .getResult();
      elems.push_back(im.reshape(e, batch));
    }
  }
  auto at = [&](int64_t r, int64_t c) { return elems[r * m + c]; };
  auto mul = [&](Value a, Value b) { return im.create<MulOp>(bt, a, b); };
  auto sub = [&](Value a, Value b) { return im.create<SubOp>(bt, a, b); };
  // The 2x2 minor of rows r0, r1 and columns c0, c1. One statement per op
  // here and below: the IR's order must not depend on the C++ compiler's
  // order of evaluating arguments.
  auto minor = [&](int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    Value bc = mul(at(r0, c1), at(r1, c0));
    Value ad = mul(at(r0, c0), at(r1, c1));
    return sub(ad, bc);
  };
  Value det;
  if (m == 1)
    det = at(0, 0);
  else if (m == 2)
    det = minor(0, 1, 0, 1);
  else {
    Value t2 = mul(at(0, 2), minor(1, 2, 0, 1));
    Value t1 = mul(at(0, 1), minor(1, 2, 0, 2));
    Value t0 = mul(at(0, 0), minor(1, 2, 1, 2));
    det = im.create<AddOp>(bt, sub(t0, t1), t2);
  }
  im.setOutput(0, det);
  return success();
}

/// Compress: the output size depends on the condition's values, so the
/// condition must be known at import time; it then becomes a gather of the
/// selected indices along `axis` (of the flattened input without one).
static LogicalResult importCompress(Importer &im) {
  Value x = im.operand(0);
  const ConstTensor *cond = im.constInput(1, "condition");
  if (!x || !cond)
    return failure();
  if (cond->type.getRank() != 1)
    return im.fail("condition must be 1-D");
  auto xt = Importer::typeOf(x);
  int64_t axis = 0;
  if (im.attr("axis")) {
    FailureOr<int64_t> a = im.normAxis(im.attrInt("axis", 0), xt.getRank());
    if (failed(a))
      return failure();
    axis = *a;
  } else {
    x = im.reshape(x, {xt.getNumElements()});
    xt = Importer::typeOf(x);
  }
  int64_t n = xt.getDimSize(axis);
  if (cond->numElements() > n)
    return im.fail("condition has " + Twine(cond->numElements()) +
                   " entries for an axis of size " + Twine(n));
  SmallVector<int64_t> picked;
  for (int64_t i = 0; i < cond->numElements(); ++i)
    if (cond->getDouble(i) != 0)
      picked.push_back(i);
  auto idxType = RankedTensorType::get({int64_t(picked.size())},
                                       im.builder.getI64Type());
  SmallVector<int64_t> shape(xt.getShape());
  shape[axis] = picked.size();
  im.setOutput(0, im.create<GatherOp>(
                      RankedTensorType::get(shape, xt.getElementType()), x,
                      im.constant(makeConst(idxType, picked)), axis));
  return success();
}

void mlir::tessera::onnx_import::registerDecomposedOps(OpTable &t) {
  t["Compress"] = importCompress;
  t["Hardmax"] = importHardmax;
  t["Shrink"] = importShrink;
  t["LRN"] = importLRN;
  t["MeanVarianceNormalization"] = importMVN;
  t["ReverseSequence"] = importReverseSequence;
  t["TopK"] = importTopK;
  t["Det"] = importDet;
}
