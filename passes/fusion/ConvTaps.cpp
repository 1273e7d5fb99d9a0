// tessera-prune-conv-taps: a convolution's kernel taps that read only zero
// padding, at every output position, are cut from the kernel. DeepLabV3's
// ASPP convs are 3x3 with dilations 12, 24 and 36 over a 20x20 map (at
// 320x320): with dilation 24 or 36 every off-centre tap lands in the
// padding, so they are 1x1 convs that paid for nine taps.
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <optional>
#include <vector>

namespace mlir::tessera {
#define GEN_PASS_DEF_PRUNECONVTAPS
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {

/// The taps [first, last] of one spatial dimension that read the input at
/// some output position, and the pads that keep the output size once the
/// others are cut; nothing when no tap is cut or the cut cannot keep it.
struct TapRange {
  int64_t first, last, padBegin, padEnd;
};

std::optional<TapRange> liveTaps(int64_t in, int64_t out, int64_t kernel,
                                 int64_t stride, int64_t dilation,
                                 int64_t padBegin) {
  // Tap t reads input o * stride - padBegin + t * dilation for o < out.
  auto live = [&](int64_t t) {
    int64_t offset = t * dilation - padBegin;
    // The smallest o with a read >= 0, and whether its read is < in.
    int64_t o = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    return o < out && o * stride + offset < in;
  };
  int64_t first = 0, last = kernel - 1;
  while (first < kernel && !live(first))
    ++first;
  while (last > first && !live(last))
    --last;
  // No live tap: the output is the epilogue of zero (left to the kernels).
  if (first == kernel || (first == 0 && last == kernel - 1))
    return std::nullopt;
  int64_t taps = last - first + 1;
  TapRange r{first, last, padBegin - first * dilation, 0};
  // The end pad that keeps `out` positions: the smallest that covers the
  // last position's last tap; any up to stride - 1 more gives the same size.
  int64_t need =
      (out - 1) * stride + (taps - 1) * dilation + 1 - in - r.padBegin;
  if (r.padBegin < 0 || need + stride - 1 < 0)
    return std::nullopt;
  r.padEnd = std::max<int64_t>(0, need);
  return r;
}

struct PruneConvTaps : OpRewritePattern<ConvOp> {
  PruneConvTaps(MLIRContext *ctx, int64_t &count)
      : OpRewritePattern(ctx), count(count) {}

  LogicalResult matchAndRewrite(ConvOp op,
                                PatternRewriter &rewriter) const override {
    // Static shapes (the op's verifier).
    auto xType = op.getInput().getType();
    auto wType = op.getWeight().getType();
    auto yType = op.getType();
    int64_t rank = wType.getRank() - 2;
    // [N, C, D...] or channels-last [N, D..., C]: the spatial dims' offset.
    int64_t spatial = op.getChannelsLast() ? 1 : 2;
    ArrayRef<int64_t> pads = op.getPads(), strides = op.getStrides(),
                      dilations = op.getDilations();
    SmallVector<int64_t> first(rank), kernel(rank), newPads(pads),
        newDilations(dilations);
    bool cut = false;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t k = wType.getDimSize(2 + d);
      first[d] = 0;
      kernel[d] = k;
      std::optional<TapRange> r =
          liveTaps(xType.getDimSize(spatial + d), yType.getDimSize(spatial + d),
                   k, strides[d], dilations[d], pads[d]);
      if (!r)
        continue;
      cut = true;
      first[d] = r->first;
      kernel[d] = r->last - r->first + 1;
      newPads[d] = r->padBegin;
      newPads[rank + d] = r->padEnd;
      if (kernel[d] == 1)
        newDilations[d] = 1;
    }
    if (!cut)
      return rewriter.notifyMatchFailure(op, "every tap reads the input");

    SmallVector<int64_t> shape(wType.getShape().take_front(2));
    llvm::append_range(shape, kernel);
    auto type = RankedTensorType::get(shape, wType.getElementType());
    Value weight;
    // A constant weight is cut here rather than at every run.
    if (std::optional<std::vector<float>> values =
            wType.getElementType().isF32()
                ? fusion::constantF32Values(op.getWeight())
                : std::nullopt) {
      std::vector<float> kept;
      kept.reserve(type.getNumElements());
      SmallVector<int64_t> idx(rank + 2, 0);
      ArrayRef<int64_t> full = wType.getShape();
      for (int64_t i = 0; i < type.getNumElements(); ++i) {
        // idx: the kept element's index in `type`, row-major.
        int64_t rest = i, at = 0;
        for (int64_t d = rank + 1; d >= 0; --d) {
          idx[d] = rest % shape[d];
          rest /= shape[d];
        }
        for (int64_t d = 0; d < rank + 2; ++d)
          at = at * full[d] + idx[d] + (d >= 2 ? first[d - 2] : 0);
        kept.push_back((*values)[at]);
      }
      weight = fusion::resourceConstant(rewriter, op.getLoc(), type,
                                        "conv_taps", ArrayRef<float>(kept));
    } else {
      SmallVector<int64_t> starts{0, 0};
      llvm::append_range(starts, first);
      weight = SliceOp::create(
          rewriter, op.getLoc(), type, op.getWeight(),
          rewriter.getDenseI64ArrayAttr(starts),
          rewriter.getDenseI64ArrayAttr(SmallVector<int64_t>(rank + 2, 1)));
    }
    rewriter.modifyOpInPlace(op, [&] {
      op.getWeightMutable().assign(weight);
      op.setPadsAttr(rewriter.getDenseI64ArrayAttr(newPads));
      op.setDilationsAttr(rewriter.getDenseI64ArrayAttr(newDilations));
    });
    ++count;
    return success();
  }

  int64_t &count;
};

struct PruneConvTapsPass : tessera::impl::PruneConvTapsBase<PruneConvTapsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    int64_t count = 0;
    RewritePatternSet patterns(ctx);
    patterns.add<PruneConvTaps>(ctx, count);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
    fusion::recordCounts(getOperation(), "tessera-prune-conv-taps",
                         {{"pruned", count}});
    numPruned += count;
  }
};

} // namespace
