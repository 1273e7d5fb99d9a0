// Quantized ops: verifiers that state every shape and range rule.
#include "tessera/IR/PoolingShape.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;

LogicalResult QLinearOp::verify() {
  auto x = getInput().getType(), w = getWeight().getType(),
       s = getScale().getType();
  auto out = getType();
  if (!x.getElementType().isF32() || out.getElementType() != x.getElementType())
    return emitOpError("input and result must be f32, found ")
           << x.getElementType() << " and " << out.getElementType();
  if (x.getRank() < 1 || w.getRank() != 2 || s.getRank() != 2)
    return emitOpError("input must have rank >= 1, weight and scale rank 2, "
                       "found ")
           << x.getRank() << ", " << w.getRank() << " and " << s.getRank();
  int64_t n = w.getDimSize(0), k = w.getDimSize(1), groups = s.getDimSize(1);
  if (x.getShape().back() != k)
    return emitOpError("contraction sizes differ: input has K = ")
           << x.getShape().back() << ", weight [N, K] has K = " << k;
  if (s.getDimSize(0) != n || groups < 1 || k % groups != 0 ||
      !s.getElementType().isF32())
    return emitOpError("scale must be f32 [N = ")
           << n << ", G] with G >= 1 dividing K = " << k << ", found " << s;
  if (getBits() != 8 && getBits() != 4)
    return emitOpError("bits must be 8 or 4, found ") << getBits();
  bool isStatic = getMode() == "static";
  if (getMode() == "dynamic" || getMode() == "dynamic_tensor" || isStatic) {
    if (getBits() != 8 || groups != 1)
      return emitOpError()
             << getMode()
             << " mode needs 8-bit weights with one scale per output channel, "
                "found "
             << getBits() << " bits and " << groups << " groups";
  } else if (getMode() != "weight_only") {
    return emitOpError("mode must be 'dynamic', 'dynamic_tensor', 'static' or "
                       "'weight_only', found '")
           << getMode() << "'";
  }
  bool hasScale = getInputScale().has_value(),
       hasZeroPoint = getInputZeroPoint().has_value();
  if (isStatic ? !(hasScale && hasZeroPoint) : (hasScale || hasZeroPoint))
    return emitOpError("input_scale and input_zero_point go with static mode "
                       "only, and static mode needs both");
  if (isStatic) {
    float scale = getInputScale()->convertToFloat();
    int64_t zp = *getInputZeroPoint();
    if (!(scale > 0.0f) || !std::isfinite(scale) || zp < 0 || zp > 255)
      return emitOpError("static mode needs a finite input_scale > 0 and an "
                         "input_zero_point in [0, 255], found ")
             << scale << " and " << zp;
  }
  return verifyLinearEpilogue(getOperation(), x, out, n, getBias(),
                              getResidual(), getActivation());
}

LogicalResult QConvOp::verify() {
  auto x = getInput().getType(), w = getWeight().getType(),
       s = getScale().getType();
  auto out = getType();
  if (!x.getElementType().isF32() || !out.getElementType().isF32() ||
      !s.getElementType().isF32())
    return emitOpError("input, scale and result must be f32");
  if (x.getRank() != 4 || out.getRank() != 4 || w.getRank() != 2 ||
      s.getRank() != 2)
    return emitOpError("input [N, C, H, W] and result [N, OH, OW, F] must "
                       "have rank 4, weight and scale rank 2");
  ArrayRef<int64_t> kernel = getKernelShape(), strides = getStrides(),
                    pads = getPads(), dilations = getDilations();
  if (kernel.size() != 2 || strides.size() != 2 || dilations.size() != 2 ||
      pads.size() != 4)
    return emitOpError("kernel_shape, strides and dilations need 2 values, "
                       "pads 4");
  if (llvm::any_of(kernel, [](int64_t v) { return v < 1; }) ||
      llvm::any_of(strides, [](int64_t v) { return v < 1; }) ||
      llvm::any_of(dilations, [](int64_t v) { return v < 1; }) ||
      llvm::any_of(pads, [](int64_t v) { return v < 0; }))
    return emitOpError("kernel_shape, strides and dilations must be "
                       "positive, pads non-negative");
  int64_t n = x.getDimSize(0), c = x.getDimSize(1), f = w.getDimSize(0);
  if (w.getDimSize(1) != kernel[0] * kernel[1] * c)
    return emitOpError("weight must be [F, KH*KW*C] = [")
           << f << ", " << kernel[0] * kernel[1] * c << "], found " << w;
  if (s.getDimSize(0) != f || s.getDimSize(1) != 1)
    return emitOpError("scale must be [F, 1] = [") << f << ", 1], found " << s;
  if (Value b = getBias()) {
    auto bt = cast<RankedTensorType>(b.getType());
    if (bt.getRank() != 1 || bt.getDimSize(0) != f)
      return emitOpError("bias must be [F] = [") << f << "], found " << bt;
  }
  SmallVector<int64_t> expected = {n};
  for (int i = 0; i < 2; ++i) {
    int64_t size = poolOutputSize(x.getDimSize(2 + i), kernel[i], strides[i],
                                  dilations[i], pads[i], pads[2 + i], false);
    if (size < 0)
      return emitOpError("the kernel is larger than the padded input");
    expected.push_back(size);
  }
  expected.push_back(f);
  if (out.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result must be [N, OH, OW, F] = [")
           << expected[0] << ", " << expected[1] << ", " << expected[2] << ", "
           << expected[3] << "], found " << out;
  float scale = getInputScale().convertToFloat();
  if (!(scale > 0.0f) || std::isinf(scale))
    return emitOpError("input_scale must be positive and finite, found ")
           << scale;
  if (getInputZeroPoint() < 0 || getInputZeroPoint() > 255)
    return emitOpError("input_zero_point must lie in [0, 255], found ")
           << getInputZeroPoint();
  return success();
}

/// A conv weight [F, C, K1..Kk] (row-major, `offsets` = K1·..·Kk) with its
/// columns reordered to [F, K1..Kk, C], the order of the patches.
static std::vector<int8_t> convWeightOffsetsFirst(ArrayRef<int8_t> q, int64_t f,
                                                  int64_t c, int64_t offsets) {
  std::vector<int8_t> out(q.size());
  for (int64_t o = 0; o < f; ++o)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t j = 0; j < offsets; ++j)
        out[(o * offsets + j) * c + ch] = q[(o * c + ch) * offsets + j];
  return out;
}

/// One group of buildQLinearConv: `q` [F, K1..Kk·C] (i8, offsets-first
/// columns) and `scale` [F, 1] as constants; the result channels-last,
/// [N, D1'..Dk', F].
static Value
qlinearConvChannelsLast(OpBuilder &b, Location loc, Value x, Value q,
                        Value scale, Value bias, ArrayRef<int64_t> kernel,
                        ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                        ArrayRef<int64_t> dilations, StringRef mode,
                        FloatAttr inputScale, IntegerAttr inputZeroPoint) {
  auto xt = cast<RankedTensorType>(x.getType());
  Type f32 = xt.getElementType();
  int64_t rank = xt.getRank(), k = rank - 2, n = xt.getDimSize(0),
          c = xt.getDimSize(1);
  int64_t f = cast<RankedTensorType>(q.getType()).getDimSize(0);
  auto tensor = [&](ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, f32);
  };
  auto reshape = [&](Value v, ArrayRef<int64_t> shape) -> Value {
    if (cast<RankedTensorType>(v.getType()).getShape() == shape)
      return v;
    return ReshapeOp::create(b, loc, tensor(shape), v);
  };
  auto transpose = [&](Value v, ArrayRef<int64_t> perm) -> Value {
    auto in = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape;
    for (int64_t p : perm)
      shape.push_back(in.getDimSize(p));
    return TransposeOp::create(b, loc, tensor(shape), v,
                               b.getDenseI64ArrayAttr(perm));
  };
  // Channels last: [N, D1..Dk, C], so that each window row is C contiguous
  // values; then zero padding of the spatial dims.
  SmallVector<int64_t> toLast = {0};
  for (int64_t i = 0; i < k; ++i)
    toLast.push_back(2 + i);
  toLast.push_back(1);
  x = transpose(x, toLast);
  SmallVector<int64_t> fullPads(2 * rank, 0), padded = {n};
  for (int64_t i = 0; i < k; ++i) {
    fullPads[1 + i] = pads[i];
    fullPads[rank + 1 + i] = pads[k + i];
    padded.push_back(xt.getDimSize(2 + i) + pads[i] + pads[k + i]);
  }
  padded.push_back(c);
  if (llvm::any_of(pads, [](int64_t p) { return p != 0; }))
    x = PadOp::create(b, loc, tensor(padded), x,
                      b.getDenseI64ArrayAttr(fullPads),
                      b.getStringAttr("constant"), b.getF64FloatAttr(0.0));
  SmallVector<int64_t> out;
  for (int64_t i = 0; i < k; ++i)
    out.push_back(poolOutputSize(padded[1 + i], kernel[i], strides[i],
                                 dilations[i], 0, 0, false));
  // One strided window [N, D1'..Dk', 1, C] per kernel offset (odometer).
  SmallVector<int64_t> windowShape = {n};
  windowShape.append(out.begin(), out.end());
  windowShape.append({1, c});
  SmallVector<Value> windows;
  SmallVector<int64_t> offset(k, 0);
  while (true) {
    SmallVector<int64_t> starts = {0}, steps = {1}, shape = {n};
    for (int64_t i = 0; i < k; ++i) {
      starts.push_back(offset[i] * dilations[i]);
      steps.push_back(strides[i]);
      shape.push_back(out[i]);
    }
    starts.push_back(0);
    steps.push_back(1);
    shape.push_back(c);
    Value window = SliceOp::create(b, loc, tensor(shape), x,
                                   b.getDenseI64ArrayAttr(starts),
                                   b.getDenseI64ArrayAttr(steps));
    windows.push_back(reshape(window, windowShape));
    int64_t i = k - 1;
    while (i >= 0 && ++offset[i] == kernel[i])
      offset[i--] = 0;
    if (i < 0)
      break;
  }
  int64_t offsets = windows.size();
  SmallVector<int64_t> stacked(windowShape);
  stacked[k + 1] = offsets;
  Value patches =
      offsets == 1 ? windows[0]
                   : ConcatOp::create(b, loc, tensor(stacked), windows, k + 1)
                         .getResult();
  SmallVector<int64_t> flat = {n};
  flat.append(out.begin(), out.end());
  flat.push_back(offsets * c);
  patches = reshape(patches, flat);
  SmallVector<int64_t> yShape(flat);
  yShape.back() = f;
  return QLinearOp::create(b, loc, tensor(yShape), patches, q, scale, bias,
                           Value(), b.getStringAttr(mode),
                           b.getI64IntegerAttr(8), b.getStringAttr("none"),
                           inputScale, inputZeroPoint)
      .getResult();
}

/// [N, D1..Dk, C] -> [N, C, D1..Dk].
static Value channelsFirst(OpBuilder &b, Location loc, Value y) {
  auto t = cast<RankedTensorType>(y.getType());
  int64_t k = t.getRank() - 2;
  SmallVector<int64_t> perm = {0, k + 1}, shape = {t.getDimSize(0)};
  shape.push_back(t.getDimSize(k + 1));
  for (int64_t i = 0; i < k; ++i) {
    perm.push_back(1 + i);
    shape.push_back(t.getDimSize(1 + i));
  }
  return TransposeOp::create(b, loc, t.clone(shape), y,
                             b.getDenseI64ArrayAttr(perm));
}

Value mlir::tessera::decomposeQConv(OpBuilder &b, QConvOp op) {
  return qlinearConvChannelsLast(
      b, op.getLoc(), op.getInput(), op.getWeight(), op.getScale(),
      op.getBias(), op.getKernelShape(), op.getStrides(), op.getPads(),
      op.getDilations(), "static", op.getInputScaleAttr(),
      op.getInputZeroPointAttr());
}

template <typename T>
static Value resourceConstant(OpBuilder &b, Location loc, RankedTensorType type,
                              StringRef name, ArrayRef<T> values) {
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T)),
      alignof(uint64_t), /*dataIsMutable=*/false);
  return ConstantOp::create(
      b, loc, DenseResourceElementsAttr::get(type, name, std::move(blob)));
}

Value mlir::tessera::buildQLinearConv(
    OpBuilder &b, Location loc, Value x, ArrayRef<int8_t> q,
    ArrayRef<float> scale, Value bias, int64_t groups, ArrayRef<int64_t> kernel,
    ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
    ArrayRef<int64_t> dilations, StringRef mode, FloatAttr inputScale,
    IntegerAttr inputZeroPoint) {
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t rank = xt.getRank(), f = scale.size(), fg = f / groups,
          cg = xt.getDimSize(1) / groups,
          kk = q.size() / std::max<int64_t>(f, 1);
  SmallVector<Value> outs;
  for (int64_t g = 0; g < groups; ++g) {
    auto part = [&](Value v, int64_t axis, int64_t start, int64_t size) {
      auto t = cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> starts(t.getRank(), 0), steps(t.getRank(), 1),
          shape(t.getShape());
      starts[axis] = start;
      shape[axis] = size;
      return SliceOp::create(b, loc, t.clone(shape), v,
                             b.getDenseI64ArrayAttr(starts),
                             b.getDenseI64ArrayAttr(steps))
          .getResult();
    };
    Value xg = groups == 1 ? x : part(x, 1, g * cg, cg);
    Value bg = !bias || groups == 1 ? bias : part(bias, 0, g * fg, fg);
    std::vector<int8_t> qg = convWeightOffsetsFirst(
        q.slice(g * fg * kk, fg * kk), fg, cg, kk / std::max<int64_t>(cg, 1));
    Value qv = resourceConstant<int8_t>(
        b, loc, RankedTensorType::get({fg, kk}, b.getI8Type()), "qconv_q", qg);
    Value sv = resourceConstant<float>(
        b, loc, RankedTensorType::get({fg, 1}, b.getF32Type()), "qconv_scale",
        scale.slice(g * fg, fg));
    // 2-D static: tessera.qconv (one kernel on the CPU); otherwise the
    // im2col patches and a qlinear.
    Value y;
    if (kernel.size() == 2 && mode == "static") {
      auto xgt = cast<RankedTensorType>(xg.getType());
      SmallVector<int64_t> shape = {xgt.getDimSize(0)};
      for (int i = 0; i < 2; ++i)
        shape.push_back(poolOutputSize(xgt.getDimSize(2 + i), kernel[i],
                                       strides[i], dilations[i], pads[i],
                                       pads[2 + i], false));
      shape.push_back(fg);
      y = QConvOp::create(
          b, loc, xgt.clone(shape), xg, qv, sv, bg,
          b.getDenseI64ArrayAttr(kernel), b.getDenseI64ArrayAttr(strides),
          b.getDenseI64ArrayAttr(pads), b.getDenseI64ArrayAttr(dilations),
          inputScale, inputZeroPoint);
    } else {
      y = qlinearConvChannelsLast(b, loc, xg, qv, sv, bg, kernel, strides, pads,
                                  dilations, mode, inputScale, inputZeroPoint);
    }
    outs.push_back(channelsFirst(b, loc, y));
  }
  if (groups == 1)
    return outs[0];
  auto t = cast<RankedTensorType>(outs[0].getType());
  SmallVector<int64_t> shape(t.getShape());
  shape[1] = f;
  (void)rank;
  return ConcatOp::create(b, loc, t.clone(shape), outs, int64_t(1));
}
