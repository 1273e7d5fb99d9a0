// tessera.max_pool / tessera.avg_pool -> tensor.pad (-inf or 0, covering the
// explicit pads and what ceil_mode windows read past them) + one
// linalg.generic over the window (a channels-last avg_pool with the channels
// as its innermost loop); avg_pool then divides by the per-position
// count of counted elements, a constant computed here. With the runtime's
// kernels (convert-tessera-to-linalg{conv-kernel}), an f32 2-d max_pool is a
// call of tessera_max_pool2d_f32 instead, which skips what lies outside the
// input: the padded copy took 3/4 of ResNet-18's max pool; a channel-first
// 3-d one is two such calls. A 1-d or 2-d f32 avg_pool is then a depthwise
// tessera.conv with constant weights (lowered to the runtime's depthwise
// kernel), divided by the count where it varies.
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/Layout.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

struct PoolGeometry {
  ArrayRef<int64_t> kernel, strides, pads, dilations;
};

/// The end pad of spatial dim `i` (input size `in`) that the last of `out`
/// windows reads past the input and its begin pad: 0 where it stays inside.
int64_t windowEndPad(const PoolGeometry &g, int64_t i, int64_t in,
                     int64_t out) {
  int64_t need =
      (out - 1) * g.strides[i] + g.dilations[i] * (g.kernel[i] - 1) + 1;
  return std::max<int64_t>(0, need - in - g.pads[i]);
}

/// Pads the spatial dims of `x` (dims 2.., or 1.. when channels-last) by
/// `pads` at the start and, at the end, by whatever the last window of
/// `outShape` reads past the input.
Value padForWindows(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> out,
                    const PoolGeometry &g, Value padValue,
                    bool channelsLast = false) {
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t rank = xType.getRank(), k = rank - 2, first = channelsLast ? 1 : 2;
  SmallVector<int64_t> shape(xType.getShape());
  SmallVector<OpFoldResult> lo(rank, b.getIndexAttr(0)),
      hi(rank, b.getIndexAttr(0));
  bool any = false;
  for (int64_t i = 0; i < k; ++i) {
    int64_t d = first + i;
    int64_t end = windowEndPad(g, i, xType.getDimSize(d), out[d]);
    shape[d] += g.pads[i] + end;
    lo[d] = b.getIndexAttr(g.pads[i]);
    hi[d] = b.getIndexAttr(end);
    any |= g.pads[i] != 0 || end != 0;
  }
  if (!any)
    return x;
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(shape, xType.getElementType()), x, lo, hi,
      padValue);
}

/// Loops n, c, o1..ok (parallel), w1..wk (reduction) reading
/// x[n, c, o * stride + w * dilation]; channels-last, loops n, o1..ok
/// (parallel), w1..wk (reduction), c (parallel, innermost: the channels are
/// contiguous) reading x[n, o * stride + w * dilation, c].
/// `combine(b, loc, {element, acc})`.
Value windowReduce(OpBuilder &b, Location loc, Value x, RankedTensorType type,
                   const PoolGeometry &g, Value init, BodyFn combine,
                   bool channelsLast = false) {
  MLIRContext *ctx = b.getContext();
  int64_t k = type.getRank() - 2, numLoops = 2 + 2 * k;
  auto dim = [&](int64_t d) { return getAffineDimExpr(d, ctx); };
  // Loop positions of the batch, channel, first output and window dims.
  int64_t n = 0, c = channelsLast ? 1 + 2 * k : 1, o = channelsLast ? 1 : 2,
          w = o + k;
  SmallVector<AffineExpr> xExprs = {dim(n)}, wExprs, yExprs = {dim(n)};
  if (!channelsLast) {
    xExprs.push_back(dim(c));
    yExprs.push_back(dim(c));
  }
  for (int64_t i = 0; i < k; ++i) {
    xExprs.push_back(dim(o + i) * g.strides[i] + dim(w + i) * g.dilations[i]);
    wExprs.push_back(dim(w + i));
    yExprs.push_back(dim(o + i));
  }
  if (channelsLast) {
    xExprs.push_back(dim(c));
    yExprs.push_back(dim(c));
  }
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, xExprs, ctx),
                                 AffineMap::get(numLoops, 0, wExprs, ctx),
                                 AffineMap::get(numLoops, 0, yExprs, ctx)};
  SmallVector<utils::IteratorType> iters(numLoops,
                                         utils::IteratorType::parallel);
  for (int64_t i = 0; i < k; ++i)
    iters[w + i] = utils::IteratorType::reduction;
  // The window operand only carries the kernel extents (as in linalg's named
  // pooling ops); its elements are never read.
  Value window =
      tensor::EmptyOp::create(b, loc, g.kernel, type.getElementType());
  Value acc = filledTensor(b, loc, type, init);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{x, window}, ValueRange{acc}, maps,
      iters, [&](OpBuilder &nb, Location l, ValueRange a) {
        linalg::YieldOp::create(nb, l, combine(nb, l, {a[0], a[2]}));
      });
  return generic.getResult(0);
}

struct MaxPoolLowering : OpConversionPattern<MaxPoolOp> {
  MaxPoolLowering(MLIRContext *ctx, bool poolKernel)
      : OpConversionPattern(ctx), poolKernel(poolKernel) {
    // A channels-last pool becomes a channel-first one, lowered again.
    setHasBoundedRewriteRecursion();
  }
  bool poolKernel;

  LogicalResult
  matchAndRewrite(MaxPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type elt = type.getElementType();
    PoolGeometry g{op.getKernelShape(), op.getStrides(), op.getPads(),
                   op.getDilations()};
    bool channelsLast = op.getChannelsLast();
    // tessera_max_pool2d_f32 of `x` [N, C, H, W] (or channels-last) to
    // `outType`: window `k`, strides `s`, dilations `d`, begin pads `p`.
    auto pool2d = [&](Value x, RankedTensorType outType, ArrayRef<int64_t> k,
                      ArrayRef<int64_t> s, ArrayRef<int64_t> d,
                      ArrayRef<int64_t> p, bool last) -> Value {
      SmallVector<Attribute> scalars;
      for (int64_t v : {k[0], k[1], s[0], s[1], d[0], d[1], p[0], p[1],
                        // TESSERA_CONV_CHANNELS_LAST: [N, H, W, C].
                        last ? int64_t(256) : int64_t(0)})
        scalars.push_back(rewriter.getI64IntegerAttr(v));
      return CallKernelOp::create(
                 rewriter, loc, TypeRange{outType},
                 rewriter.getStringAttr("tessera_max_pool2d_f32"),
                 ValueRange{x}, ValueRange{emptyTensor(rewriter, loc, outType)},
                 rewriter.getArrayAttr(scalars))
          .getResult(0);
    };
    if (poolKernel && elt.isF32() && type.getRank() == 4) {
      rewriter.replaceOp(op,
                         pool2d(adaptor.getInput(), type, g.kernel, g.strides,
                                g.dilations, g.pads, channelsLast));
      return success();
    }
    if (poolKernel && elt.isF32() && type.getRank() == 5 && !channelsLast) {
      // A 3-d pool as two 2-d ones (the maximum is separable): over
      // [H, W] on [N, C*T, H, W], then over T on [N, C, T, H'*W'] with a
      // window kt x 1 (S3D's pools: 7-8 ms each as one window loop nest).
      ArrayRef<int64_t> in = op.getInput().getType().getShape(),
                        out = type.getShape();
      int64_t n = in[0], c = in[1], t = in[2];
      auto shaped = [&](ArrayRef<int64_t> shape) {
        return RankedTensorType::get(shape, elt);
      };
      Value y = reshapeTensor(rewriter, loc, adaptor.getInput(),
                              shaped({n, c * t, in[3], in[4]}));
      y = pool2d(y, shaped({n, c * t, out[3], out[4]}), g.kernel.drop_front(),
                 g.strides.drop_front(), g.dilations.drop_front(),
                 g.pads.slice(1, 2), false);
      y = reshapeTensor(rewriter, loc, y, shaped({n, c, t, out[3] * out[4]}));
      y = pool2d(y, shaped({n, c, out[2], out[3] * out[4]}), {g.kernel[0], 1},
                 {g.strides[0], 1}, {g.dilations[0], 1}, {g.pads[0], 0}, false);
      rewriter.replaceOp(op, reshapeTensor(rewriter, loc, y, type));
      return success();
    }
    if (channelsLast) {
      // Elsewhere the channel-first pool between transposes.
      int64_t rank = type.getRank();
      Value x = TransposeOp::create(
          rewriter, loc, channelsFirstType(op.getInput().getType()),
          adaptor.getInput(),
          rewriter.getDenseI64ArrayAttr(toChannelsFirst(rank)));
      Value y = MaxPoolOp::create(rewriter, loc, channelsFirstType(type), x,
                                  op.getKernelShapeAttr(), op.getStridesAttr(),
                                  op.getPadsAttr(), op.getDilationsAttr(),
                                  op.getCeilModeAttr(), UnitAttr());
      rewriter.replaceOpWithNewOp<TransposeOp>(
          op, type, y, rewriter.getDenseI64ArrayAttr(toChannelsLast(rank)));
      return success();
    }
    Value lowest = lowestValue(rewriter, loc, elt);
    Value x = padForWindows(rewriter, loc, adaptor.getInput(), type.getShape(),
                            g, lowest);
    bool fp = isFloat(elt);
    rewriter.replaceOp(
        op, windowReduce(rewriter, loc, x, type, g, lowest,
                         [fp](OpBuilder &b, Location l, ValueRange a) -> Value {
                           if (fp)
                             return arith::MaximumFOp::create(b, l, a[0], a[1]);
                           return arith::MaxSIOp::create(b, l, a[0], a[1]);
                         }));
    return success();
  }
};

/// How many of the window elements of output position `o` along one dim lie
/// in [lo, hi) (unpadded input coordinates).
int64_t countInRange(int64_t o, int64_t k, int64_t s, int64_t d, int64_t pb,
                     int64_t lo, int64_t hi) {
  int64_t n = 0;
  for (int64_t w = 0; w < k; ++w) {
    int64_t pos = o * s + w * d - pb;
    n += pos >= lo && pos < hi;
  }
  return n;
}

struct AvgPoolLowering : OpConversionPattern<AvgPoolOp> {
  AvgPoolLowering(MLIRContext *ctx, bool poolKernel)
      : OpConversionPattern(ctx), poolKernel(poolKernel) {}
  bool poolKernel;

  LogicalResult
  matchAndRewrite(AvgPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = op.getType();
    auto elt = cast<FloatType>(type.getElementType());
    PoolGeometry g{op.getKernelShape(), op.getStrides(), op.getPads(),
                   op.getDilations()};
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t k = type.getRank() - 2;
    // The first spatial dim: [N, C, D1..Dk], or [N, D1..Dk, C].
    bool channelsLast = op.getChannelsLast();
    int64_t first = channelsLast ? 1 : 2;

    // The divisor is separable: the product over dims of the counted
    // positions along each dim.
    ArrayRef<int64_t> outSpatial = type.getShape().slice(first, k);
    SmallVector<SmallVector<int64_t>> perDim(k);
    for (int64_t i = 0; i < k; ++i) {
      int64_t in = inType.getDimSize(first + i), pb = g.pads[i],
              pe = g.pads[i + k];
      int64_t lo = op.getCountIncludePad() ? -pb : 0;
      int64_t hi = op.getCountIncludePad() ? in + pe : in;
      for (int64_t o = 0; o < outSpatial[i]; ++o)
        perDim[i].push_back(countInRange(o, g.kernel[i], g.strides[i],
                                         g.dilations[i], pb, lo, hi));
    }
    auto countType = RankedTensorType::get(outSpatial, elt);
    SmallVector<APFloat> counts;
    SmallVector<int64_t> idx(k, 0);
    for (int64_t flat = 0; flat < countType.getNumElements(); ++flat) {
      int64_t c = 1;
      for (int64_t i = 0; i < k; ++i)
        c *= perDim[i][idx[i]];
      APFloat v(static_cast<double>(c));
      bool lost;
      v.convert(elt.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      counts.push_back(v);
      for (int64_t i = k - 1; i >= 0 && ++idx[i] == outSpatial[i]; --i)
        idx[i] = 0;
    }
    bool uniform = llvm::all_of(
        counts, [&](const APFloat &v) { return v.bitwiseIsEqual(counts[0]); });

    Value sum;
    if (poolKernel && elt.isF32() && k <= 2) {
      // With the runtime's kernels, a depthwise conv whose taps outside the
      // input read zero (no padded copy): weights 1 / count where the
      // divisor is the same everywhere (the sum reassociated as a sum of
      // x / count), else 1 and the division after it. Inception v3's nine
      // 3x3 pools took ~200 us each as a padded copy, a window loop and a
      // division pass.
      int64_t channels = type.getDimSize(channelsLast ? k + 1 : 1);
      SmallVector<int64_t> wShape = {channels, 1};
      wShape.append(g.kernel.begin(), g.kernel.end());
      double tap = uniform ? 1.0 / counts[0].convertToDouble() : 1.0;
      Value w = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(RankedTensorType::get(wShape, elt),
                                 rewriter.getFloatAttr(elt, tap)));
      // End pads that give the conv (whose output size rounds down) the
      // pool's output size, ceil_mode's last windows included.
      SmallVector<int64_t> pads(g.pads);
      for (int64_t i = 0; i < k; ++i)
        pads[i + k] =
            windowEndPad(g, i, inType.getDimSize(first + i), outSpatial[i]);
      sum = ConvOp::create(
          rewriter, loc, type, adaptor.getInput(), w, Value(), Value(),
          op.getStridesAttr(), rewriter.getDenseI64ArrayAttr(pads),
          op.getDilationsAttr(), rewriter.getI64IntegerAttr(channels),
          FloatAttr(), FloatAttr(), op.getChannelsLastAttr(),
          rewriter.getStringAttr("none"));
      if (uniform) {
        rewriter.replaceOp(op, sum);
        return success();
      }
    } else {
      Value zero = scalarConstant(rewriter, loc, elt, 0.0);
      Value x = padForWindows(rewriter, loc, adaptor.getInput(),
                              type.getShape(), g, zero, channelsLast);
      sum = windowReduce(
          rewriter, loc, x, type, g, zero,
          [](OpBuilder &b, Location l, ValueRange a) {
            return arith::AddFOp::create(b, l, a[0], a[1]);
          },
          channelsLast);
    }

    Value result;
    if (uniform) {
      Value div = arith::ConstantOp::create(
          rewriter, loc, rewriter.getFloatAttr(elt, counts[0]));
      result = buildElementwise(rewriter, loc, type, sum,
                                [&](OpBuilder &b, Location l, ValueRange a) {
                                  return arith::DivFOp::create(b, l, a[0], div);
                                });
    } else {
      Value countT = arith::ConstantOp::create(
          rewriter, loc, DenseElementsAttr::get(countType, counts));
      SmallVector<AffineExpr> exprs;
      for (int64_t i = 0; i < k; ++i)
        exprs.push_back(getAffineDimExpr(first + i, ctx));
      result = buildParallel(rewriter, loc, type, ValueRange{sum, countT},
                             {rewriter.getMultiDimIdentityMap(type.getRank()),
                              AffineMap::get(type.getRank(), 0, exprs, ctx)},
                             [](OpBuilder &b, Location l, ValueRange a) {
                               return arith::DivFOp::create(b, l, a[0], a[1]);
                             });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::tessera::populateTesseraPoolingLoweringPatterns(
    RewritePatternSet &patterns, bool poolKernel) {
  patterns.add<MaxPoolLowering>(patterns.getContext(), poolKernel);
  patterns.add<AvgPoolLowering>(patterns.getContext(), poolKernel);
}
