// tessera.conv (N-d, grouped, strided, dilated, padded). With the runtime's
// kernels (conv-kernel), f32 1-d and 2-d convs call them on the unpadded
// input (depthwise ones their own). Otherwise tensor.pad, then for f32
// im2col + linalg.matmul (one group) or linalg.batch_matmul over the groups
// (runtime GEMMs), for f32 depthwise one generic over strided tap slices,
// else a named linalg conv or expand_shape into groups + one linalg.generic.
#include "ExprBuilder.h"
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/Layout.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

/// Splits dim `d` of a rank-`rank` tensor into two: [..][d, d+1][..].
SmallVector<ReassociationIndices> splitDim(int64_t rank, int64_t d) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0, o = 0; i < rank; ++i) {
    if (i == d) {
      groups.push_back({o, o + 1});
      o += 2;
    } else {
      groups.push_back({o++});
    }
  }
  return groups;
}

template <typename NamedOp>
Value createNamedConv(OpBuilder &b, Location loc, Value x, Value w, Value init,
                      ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  return NamedOp::create(b, loc, TypeRange{init.getType()}, ValueRange{x, w},
                         ValueRange{init}, b.getI64TensorAttr(strides),
                         b.getI64TensorAttr(dilations))
      .getResult(0);
}

/// Plain 1-3-d convs and depthwise 1-2-d convs with channel multiplier 1
/// have named linalg ops, which later stages tile and vectorize as such.
bool hasNamedConv(int64_t group, int64_t c, int64_t f, int64_t k) {
  return group == 1 ? k <= 3 : (group == c && f == c && k <= 2);
}

/// The named conv; `x` is already padded and `init` holds the bias.
Value buildNamedConv(OpBuilder &b, Location loc, Value x, Value w, Value init,
                     int64_t group, ArrayRef<int64_t> strides,
                     ArrayRef<int64_t> dilations) {
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t k = wType.getRank() - 2, f = wType.getDimSize(0);
  assert(hasNamedConv(group, cast<RankedTensorType>(x.getType()).getDimSize(1),
                      f, k) &&
         "no named conv fits");
  if (group == 1) {
    if (k == 1)
      return createNamedConv<linalg::Conv1DNcwFcwOp>(b, loc, x, w, init,
                                                     strides, dilations);
    if (k == 2)
      return createNamedConv<linalg::Conv2DNchwFchwOp>(b, loc, x, w, init,
                                                       strides, dilations);
    return createNamedConv<linalg::Conv3DNcdhwFcdhwOp>(b, loc, x, w, init,
                                                       strides, dilations);
  }
  // Depthwise: the filter drops its unit "channels per group" dim.
  SmallVector<int64_t> shape = {f};
  llvm::append_range(shape, wType.getShape().drop_front(2));
  SmallVector<ReassociationIndices> groups = {{0, 1}};
  for (int64_t i = 0; i < k; ++i)
    groups.push_back({i + 2});
  Value wd = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(shape, wType.getElementType()), w, groups);
  if (k == 1)
    return createNamedConv<linalg::DepthwiseConv1DNcwCwOp>(b, loc, x, wd, init,
                                                           strides, dilations);
  return createNamedConv<linalg::DepthwiseConv2DNchwChwOp>(b, loc, x, wd, init,
                                                           strides, dilations);
}

/// The weight [F, C/G, K1..Kk] as the matrix [F, C/G*K1..Kk].
Value flatWeight(OpBuilder &b, Location loc, Value w) {
  auto type = cast<RankedTensorType>(w.getType());
  int64_t f = type.getDimSize(0);
  ReassociationIndices rest;
  for (int64_t d = 1; d < type.getRank(); ++d)
    rest.push_back(d);
  return tensor::CollapseShapeOp::create(
      b, loc,
      RankedTensorType::get({f, type.getNumElements() / f},
                            type.getElementType()),
      w, ArrayRef<ReassociationIndices>{{0}, rest});
}

/// f32 convs that are not depthwise: im2col + one GEMM per group (which the
/// code generator hands to the runtime's packed kernel: linalg.matmul for one
/// group, linalg.batch_matmul over the groups otherwise). The patch matrix
/// is laid out [G, C/G*K1..Kk, N*O1..Ok] so that the weight [G, F/G, C/G*K..]
/// multiplies it directly into [G, F/G, N*O..], which starts at the bias;
/// then [G, F/G, N, O..] -> [N, G, F/G, O..] = [N, F, O..].
Value buildIm2colConv(OpBuilder &b, Location loc, Value x, Value w, Value bias,
                      RankedTensorType type, int64_t g,
                      ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  MLIRContext *ctx = b.getContext();
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  Type elt = type.getElementType();
  int64_t k = xType.getRank() - 2, n = xType.getDimSize(0),
          cpg = xType.getDimSize(1) / g, f = wType.getDimSize(0), fpg = f / g;
  ArrayRef<int64_t> kernel = wType.getShape().drop_front(2);
  ArrayRef<int64_t> out = type.getShape().drop_front(2);
  int64_t taps = cpg, positions = n;
  for (int64_t i = 0; i < k; ++i) {
    taps *= kernel[i];
    positions *= out[i];
  }
  // patches[g, c, k1..kk, n, o1..ok] = x[n, g*C/G + c, o*s + k*d], without
  // the g dim for one group.
  bool grouped = g > 1;
  int64_t o = grouped ? 1 : 0;
  SmallVector<int64_t> pShape = {cpg};
  if (grouped)
    pShape.insert(pShape.begin(), g);
  llvm::append_range(pShape, kernel);
  pShape.push_back(n);
  llvm::append_range(pShape, out);
  int64_t rank = pShape.size();
  auto dim = [&](int64_t d) { return getAffineDimExpr(d, ctx); };
  SmallVector<AffineExpr> xExprs = {dim(o + k + 1),
                                    grouped ? dim(0) * cpg + dim(1) : dim(0)};
  for (int64_t i = 0; i < k; ++i)
    xExprs.push_back(dim(o + k + 2 + i) * strides[i] +
                     dim(o + 1 + i) * dilations[i]);
  auto pType = RankedTensorType::get(pShape, elt);
  Value empty = tensor::EmptyOp::create(b, loc, pShape, elt);
  auto patches = linalg::GenericOp::create(
      b, loc, TypeRange{pType}, ValueRange{x}, ValueRange{empty},
      {AffineMap::get(rank, 0, xExprs, ctx), b.getMultiDimIdentityMap(rank)},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [](OpBuilder &nb, Location l, ValueRange a) {
        linalg::YieldOp::create(nb, l, a[0]);
      });
  ReassociationIndices tapDims, posDims;
  for (int64_t d = o; d <= o + k; ++d)
    tapDims.push_back(d);
  for (int64_t d = o + k + 1; d < rank; ++d)
    posDims.push_back(d);
  SmallVector<ReassociationIndices> pGroups = {tapDims, posDims};
  if (grouped)
    pGroups.insert(pGroups.begin(), ReassociationIndices{0});
  SmallVector<int64_t> p2Shape = {taps, positions};
  if (grouped)
    p2Shape.insert(p2Shape.begin(), g);
  Value p2 = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(p2Shape, elt), patches.getResult(0),
      pGroups);
  // w [F, C/G, K..] -> [F, C/G*K..] (-> [G, F/G, C/G*K..]).
  Value w2 = flatWeight(b, loc, w);
  if (grouped)
    w2 = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({g, fpg, taps}, elt), w2,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}});
  SmallVector<int64_t> yShape = {fpg, positions};
  if (grouped)
    yShape.insert(yShape.begin(), g);
  auto yType = RankedTensorType::get(yShape, elt);
  Value init;
  if (bias) {
    // bias [F] -> [G, F/G], broadcast along the positions.
    Value biasG = bias;
    SmallVector<AffineExpr> biasExprs = {dim(0)};
    if (grouped) {
      biasG = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({g, fpg}, elt), bias,
          ArrayRef<ReassociationIndices>{{0, 1}});
      biasExprs.push_back(dim(1));
    }
    init = buildParallel(b, loc, yType, biasG,
                         {AffineMap::get(yShape.size(), 0, biasExprs, ctx)},
                         [](OpBuilder &, Location, ValueRange a) {
                           return a[0];
                         });
  } else {
    init = filledTensor(b, loc, yType, scalarConstant(b, loc, elt, 0.0));
  }
  Value y = grouped ? linalg::BatchMatmulOp::create(b, loc, TypeRange{yType},
                                                    ValueRange{w2, p2},
                                                    ValueRange{init})
                          .getResult(0)
                    : linalg::MatmulOp::create(b, loc, TypeRange{yType},
                                               ValueRange{w2, p2},
                                               ValueRange{init})
                          .getResult(0);
  // [G, F/G, N*O..] -> [G, F/G, N, O..] -> [N, G, F/G, O..] -> [N, F, O..]
  // (without the group dim for one group). For one image the transpose only
  // moves a unit dim: a reshape.
  if (n == 1)
    return reshapeTensor(b, loc, y, type);
  int64_t lead = grouped ? 2 : 1;
  SmallVector<int64_t> fnShape(yShape.begin(), yShape.end() - 1);
  fnShape.push_back(n);
  llvm::append_range(fnShape, out);
  SmallVector<ReassociationIndices> fnGroups;
  for (int64_t d = 0; d < lead; ++d)
    fnGroups.push_back({d});
  ReassociationIndices rest;
  for (int64_t d = lead; d < lead + 1 + k; ++d)
    rest.push_back(d);
  fnGroups.push_back(rest);
  Value fn = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(fnShape, elt), y, fnGroups);
  SmallVector<int64_t> perm = {lead};
  for (int64_t d = 0; d < lead; ++d)
    perm.push_back(d);
  for (int64_t d = lead + 1; d < lead + 1 + k; ++d)
    perm.push_back(d);
  SmallVector<int64_t> tShape;
  for (int64_t p : perm)
    tShape.push_back(fnShape[p]);
  Value dest = tensor::EmptyOp::create(b, loc, tShape, elt);
  Value t = linalg::TransposeOp::create(b, loc, fn, dest, perm).getResult()[0];
  if (!grouped)
    return t;
  SmallVector<ReassociationIndices> outGroups = {{0}, {1, 2}};
  for (int64_t d = 3; d < (int64_t)tShape.size(); ++d)
    outGroups.push_back({d});
  return tensor::CollapseShapeOp::create(b, loc, type, t, outGroups);
}

/// Depthwise f32 convs (group == C == F): one all-parallel generic over the
/// output whose body sums the kernel taps; each tap is a strided
/// extract_slice of the input shaped like the output (a view after
/// bufferization), so the innermost output loop vectorizes.
Value buildDepthwiseTaps(OpBuilder &b, Location loc, Value x, Value w,
                         Value init, RankedTensorType type,
                         ArrayRef<int64_t> strides,
                         ArrayRef<int64_t> dilations) {
  MLIRContext *ctx = b.getContext();
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t k = type.getRank() - 2, rank = type.getRank();
  ArrayRef<int64_t> kernel = wType.getShape().drop_front(2);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  SmallVector<int64_t> tap(k, 0);
  auto dim = [&](int64_t d) { return getAffineDimExpr(d, ctx); };
  auto sliceType = RankedTensorType::get(type.getShape(),
                                         type.getElementType());
  for (;;) {
    SmallVector<AffineExpr> wExprs = {dim(1), b.getAffineConstantExpr(0)};
    SmallVector<OpFoldResult> offsets(2, b.getIndexAttr(0)), sizes, steps;
    for (int64_t d : type.getShape())
      sizes.push_back(b.getIndexAttr(d));
    steps.assign(2, b.getIndexAttr(1));
    for (int64_t i = 0; i < k; ++i) {
      offsets.push_back(b.getIndexAttr(tap[i] * dilations[i]));
      steps.push_back(b.getIndexAttr(strides[i]));
      wExprs.push_back(b.getAffineConstantExpr(tap[i]));
    }
    Value slice = tensor::ExtractSliceOp::create(b, loc, sliceType, x, offsets,
                                                 sizes, steps);
    inputs.append({slice, w});
    maps.push_back(b.getMultiDimIdentityMap(rank));
    maps.push_back(AffineMap::get(rank, 0, wExprs, ctx));
    int64_t i = k - 1;
    while (i >= 0 && ++tap[i] == kernel[i])
      tap[i--] = 0;
    if (i < 0)
      break;
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs, ValueRange{init}, maps,
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [](OpBuilder &nb, Location l, ValueRange a) {
               Value acc = a.back();
               for (size_t t = 0; t + 1 < a.size(); t += 2)
                 acc = arith::AddFOp::create(
                     nb, l, acc, arith::MulFOp::create(nb, l, a[t], a[t + 1]));
               linalg::YieldOp::create(nb, l, acc);
             })
      .getResult(0);
}

/// Flags of tessera_conv2d_f32 and tessera_depthwise_conv2d_f32
/// (runtime/include/tessera_runtime.h).
constexpr int64_t kConvHasBias = 16, kConvClampMin = 32, kConvClampMax = 64,
                  kConvResidual = 128, kConvChannelsLast = 256;

/// clamp(y + residual) into [lo, hi] (the residual and either bound may be
/// absent) by one elementwise generic; NaN stays NaN.
Value finishResult(OpBuilder &b, Location loc, Value y, Value residual,
                   FloatAttr lo, FloatAttr hi) {
  if (!residual && !lo && !hi)
    return y;
  auto type = cast<RankedTensorType>(y.getType());
  Type elt = type.getElementType();
  SmallVector<Value> inputs = {y};
  if (residual)
    inputs.push_back(residual);
  return buildElementwise(
      b, loc, type, inputs,
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value v = a[0];
        if (residual)
          v = arith::AddFOp::create(nb, l, v, a[1]);
        if (lo)
          v = arith::MaximumFOp::create(
              nb, l, v, scalarConstant(nb, l, elt, lo.getValueAsDouble()));
        if (hi)
          v = arith::MinimumFOp::create(
              nb, l, v, scalarConstant(nb, l, elt, hi.getValueAsDouble()));
        return v;
      });
}

/// An f32 1-d or 2-d conv as a runtime kernel on the unpadded input, with
/// the constant mask and the activation's code in the flags: as the
/// implicit GEMM (tessera_conv2d_f32, any group count, adding the
/// residual), depthwise as
/// tessera_depthwise_conv2d_f32 (a residual, rare there, is added afterwards,
/// before the clamp). A 1-d conv is a 2-d one of height 1. The weight [F, C/G,
/// K..] is passed as [F, C/G*K..]. With `channelsLast` x, the residual and
/// the result are [N, H, W, C] (the kernels' TESSERA_CONV_CHANNELS_LAST), or
/// [N, W, C] for a 1-d conv, read as [N, 1, W, C].
Value callConvKernel(OpBuilder &b, Location loc, StringRef kernelName, Value x,
                     Value w, Value bias, Value residual, RankedTensorType type,
                     ArrayRef<int64_t> pads, ArrayRef<int64_t> strides,
                     ArrayRef<int64_t> dilations, FloatAttr clampMin,
                     FloatAttr clampMax, bool channelsLast,
                     StringRef activation) {
  bool depthwise = kernelName == "tessera_depthwise_conv2d_f32";
  if (depthwise && residual) {
    Value y = callConvKernel(b, loc, kernelName, x, w, bias, Value(), type,
                             pads, strides, dilations, FloatAttr(), FloatAttr(),
                             channelsLast, activation);
    return finishResult(b, loc, y, residual, clampMin, clampMax);
  }
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  Type elt = type.getElementType();
  int64_t k = xType.getRank() - 2;
  SmallVector<int64_t> sh(strides), dil(dilations),
      kernel(wType.getShape().drop_front(2));
  SmallVector<int64_t> begin(pads.take_front(k));
  RankedTensorType yType = type;
  // A 1-d conv's unit height: [N, C, W] -> [N, C, 1, W] (the output [N,
  // F, 1, OW]), channels-last [N, W, C] -> [N, 1, W, C].
  SmallVector<ReassociationIndices> unitHeight =
      channelsLast ? SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}}
                   : SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}};
  auto withUnitHeight = [&](RankedTensorType t) {
    SmallVector<int64_t> shape(t.getShape());
    shape.insert(shape.begin() + (channelsLast ? 1 : 2), 1);
    return RankedTensorType::get(shape, elt);
  };
  if (k == 1) {
    x = tensor::ExpandShapeOp::create(b, loc, withUnitHeight(xType), x,
                                      unitHeight);
    yType = withUnitHeight(type);
    sh.insert(sh.begin(), 1);
    dil.insert(dil.begin(), 1);
    kernel.insert(kernel.begin(), 1);
    begin.insert(begin.begin(), 0);
    if (residual)
      residual =
          tensor::ExpandShapeOp::create(b, loc, yType, residual, unitHeight);
  }
  Value w2 = flatWeight(b, loc, w);
  int64_t flags = (channelsLast ? kConvChannelsLast : 0) |
                  lowering::runtimeActivationCode(activation);
  if (bias)
    flags |= kConvHasBias;
  else
    bias = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{0}, elt);
  if (residual)
    flags |= kConvResidual;
  else if (!depthwise)
    residual =
        tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{0, 0, 0, 0}, elt);
  if (clampMin)
    flags |= kConvClampMin;
  if (clampMax)
    flags |= kConvClampMax;
  SmallVector<Attribute> scalars;
  for (int64_t v : {flags, kernel[0], kernel[1], sh[0], sh[1], dil[0], dil[1],
                    begin[0], begin[1]})
    scalars.push_back(b.getI64IntegerAttr(v));
  // The clamp bounds (unread without their flags).
  scalars.push_back(
      b.getF32FloatAttr(clampMin ? clampMin.getValueAsDouble() : 0.0));
  scalars.push_back(
      b.getF32FloatAttr(clampMax ? clampMax.getValueAsDouble() : 0.0));
  Value init = tensor::EmptyOp::create(b, loc, yType.getShape(), elt);
  SmallVector<Value> inputs = {x, w2, bias};
  if (!depthwise)
    inputs.push_back(residual);
  Value y = CallKernelOp::create(
                b, loc, TypeRange{yType}, b.getStringAttr(kernelName), inputs,
                ValueRange{init}, b.getArrayAttr(scalars), b.getUnitAttr())
                .getResult(0);
  if (k == 1)
    y = tensor::CollapseShapeOp::create(b, loc, type, y, unitHeight);
  return y;
}

/// Otherwise loops n, g, f, o1..ok (parallel), c, k1..kk (reduction), over
/// x[n, g, c, o*s + k*dil], w[g, f, c, k] -> y[n, g, f, o].
struct ConvLowering : OpConversionPattern<ConvOp> {
  ConvLowering(MLIRContext *ctx, bool convKernel)
      : OpConversionPattern(ctx), convKernel(convKernel) {
    // A channels-last conv becomes a channel-first one, lowered again.
    setHasBoundedRewriteRecursion();
  }
  bool convKernel;
  LogicalResult
  matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput(), w = adaptor.getWeight();
    auto xType = cast<RankedTensorType>(x.getType());
    auto wType = cast<RankedTensorType>(w.getType());
    RankedTensorType type = op.getType();
    Type elt = type.getElementType();
    int64_t k = xType.getRank() - 2, g = op.getGroup();
    ArrayRef<int64_t> pads = op.getPads(), strides = op.getStrides(),
                      dilations = op.getDilations();
    bool channelsLast = op.getChannelsLast();
    // Channels and output channels.
    int64_t xc = xType.getDimSize(channelsLast ? k + 1 : 1),
            yc = type.getDimSize(channelsLast ? k + 1 : 1);
    bool depthwiseOp = g > 1 && g == xc && g == yc;
    if (convKernel && elt.isF32() && k <= 2) {
      rewriter.replaceOp(
          op, callConvKernel(rewriter, loc,
                             depthwiseOp ? "tessera_depthwise_conv2d_f32"
                                         : "tessera_conv2d_f32",
                             x, w, adaptor.getBias(), adaptor.getResidual(),
                             type, pads, strides, dilations,
                             op.getClampMinAttr(), op.getClampMaxAttr(),
                             channelsLast, op.getActivation()));
      return success();
    }
    if (channelsLast) {
      // Elsewhere the channel-first conv between transposes.
      int64_t rank = type.getRank();
      auto first = [&](Value v) -> Value {
        if (!v)
          return v;
        auto t = cast<RankedTensorType>(v.getType());
        return TransposeOp::create(
            rewriter, loc, channelsFirstType(t), v,
            rewriter.getDenseI64ArrayAttr(toChannelsFirst(rank)));
      };
      Value y = ConvOp::create(
          rewriter, loc, channelsFirstType(type), first(x), w,
          adaptor.getBias(), first(adaptor.getResidual()), op.getStridesAttr(),
          op.getPadsAttr(), op.getDilationsAttr(), op.getGroupAttr(),
          op.getClampMinAttr(), op.getClampMaxAttr(), UnitAttr(),
          op.getActivationAttr());
      rewriter.replaceOpWithNewOp<TransposeOp>(
          op, type, y, rewriter.getDenseI64ArrayAttr(toChannelsLast(rank)));
      return success();
    }
    Value zero = scalarConstant(rewriter, loc, elt, 0.0);

    // Elsewhere a fused activation is its tessera op (lowered in turn), and
    // a fused residual and clamp one more elementwise op.
    auto finish = [&](Value y) {
      y = Expr{rewriter, loc, elt}.activation(op.getActivation(), y);
      rewriter.replaceOp(
          op, finishResult(rewriter, loc, y, adaptor.getResidual(),
                           op.getClampMinAttr(), op.getClampMaxAttr()));
      return success();
    };
    if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
      SmallVector<int64_t> shape(xType.getShape());
      SmallVector<OpFoldResult> lo(2, rewriter.getIndexAttr(0)),
          hi(2, rewriter.getIndexAttr(0));
      for (int64_t i = 0; i < k; ++i) {
        shape[i + 2] += pads[i] + pads[i + k];
        lo.push_back(rewriter.getIndexAttr(pads[i]));
        hi.push_back(rewriter.getIndexAttr(pads[i + k]));
      }
      x = tensor::PadOp::create(
          rewriter, loc, RankedTensorType::get(shape, elt), x, lo, hi, zero);
      xType = cast<RankedTensorType>(x.getType());
    }

    int64_t n = xType.getDimSize(0), c = xType.getDimSize(1),
            f = wType.getDimSize(0);
    // Depthwise convs (g == C == F) have their own tap loop below.
    if (elt.isF32() && (g == 1 || !(g == c && f == c))) {
      return finish(buildIm2colConv(rewriter, loc, x, w, adaptor.getBias(),
                                    type, g, strides, dilations));
    }
    if (hasNamedConv(g, c, f, k)) {
      Value init;
      bool depthwise = g != 1;
      if (Value bias = adaptor.getBias())
        init = buildParallel(
            rewriter, loc, type, bias,
            {AffineMap::get(type.getRank(), 0, getAffineDimExpr(1, ctx))},
            [](OpBuilder &, Location, ValueRange a) { return a[0]; });
      else
        init = filledTensor(rewriter, loc, type, zero);
      if (depthwise && elt.isF32()) {
        return finish(buildDepthwiseTaps(rewriter, loc, x, w, init, type,
                                         strides, dilations));
      }
      return finish(
          buildNamedConv(rewriter, loc, x, w, init, g, strides, dilations));
    }

    SmallVector<int64_t> xShape = {n, g, c / g};
    llvm::append_range(xShape, xType.getShape().drop_front(2));
    SmallVector<int64_t> wShape = {g, f / g, c / g};
    llvm::append_range(wShape, wType.getShape().drop_front(2));
    SmallVector<int64_t> yShape = {n, g, f / g};
    llvm::append_range(yShape, type.getShape().drop_front(2));
    auto yType = RankedTensorType::get(yShape, elt);
    Value xg = tensor::ExpandShapeOp::create(rewriter, loc,
                                             RankedTensorType::get(xShape, elt),
                                             x, splitDim(xType.getRank(), 1));
    Value wg = tensor::ExpandShapeOp::create(rewriter, loc,
                                             RankedTensorType::get(wShape, elt),
                                             w, splitDim(wType.getRank(), 0));

    // The accumulator starts at the bias (or zero).
    Value init;
    if (Value bias = adaptor.getBias()) {
      Value biasG = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({g, f / g}, elt), bias,
          ArrayRef<ReassociationIndices>{{0, 1}});
      AffineMap m = AffineMap::get(
          yType.getRank(), 0,
          {getAffineDimExpr(1, ctx), getAffineDimExpr(2, ctx)}, ctx);
      init = buildParallel(
          rewriter, loc, yType, biasG, {m},
          [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    } else {
      init = filledTensor(rewriter, loc, yType, zero);
    }

    int64_t numLoops = 4 + 2 * k;
    auto dim = [&](int64_t d) { return getAffineDimExpr(d, ctx); };
    int64_t cDim = 3 + k;
    SmallVector<AffineExpr> xExprs = {dim(0), dim(1), dim(cDim)};
    SmallVector<AffineExpr> wExprs = {dim(1), dim(2), dim(cDim)};
    SmallVector<AffineExpr> yExprs = {dim(0), dim(1), dim(2)};
    for (int64_t i = 0; i < k; ++i) {
      AffineExpr o = dim(3 + i), kk = dim(cDim + 1 + i);
      xExprs.push_back(o * strides[i] + kk * dilations[i]);
      wExprs.push_back(kk);
      yExprs.push_back(o);
    }
    SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, xExprs, ctx),
                                   AffineMap::get(numLoops, 0, wExprs, ctx),
                                   AffineMap::get(numLoops, 0, yExprs, ctx)};
    SmallVector<utils::IteratorType> iters(numLoops,
                                           utils::IteratorType::reduction);
    std::fill_n(iters.begin(), 3 + k, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{yType}, ValueRange{xg, wg}, ValueRange{init},
        maps, iters, [](OpBuilder &b, Location l, ValueRange a) {
          Value prod = arith::MulFOp::create(b, l, a[0], a[1]);
          linalg::YieldOp::create(
              b, l, ValueRange{arith::AddFOp::create(b, l, a[2], prod)});
        });
    return finish(tensor::CollapseShapeOp::create(rewriter, loc, type,
                                                  generic.getResult(0),
                                                  splitDim(type.getRank(), 1)));
  }
};

} // namespace

void mlir::tessera::populateTesseraConvLoweringPatterns(
    RewritePatternSet &patterns, bool convKernel) {
  patterns.add<ConvLowering>(patterns.getContext(), convKernel);
}
