// tessera-sink-into-concat: op(concat(a, b, ...)) -> concat(op(a), op(b),
// ...) for elementwise ops on a concat nothing else reads (Passes.td).
// DenseNet normalizes the concat of all earlier features before every layer:
// the concat's copies and the norm's pass over the result become one pass
// per piece, written straight into its slice of the concat's buffer.
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"
#include "passes/lowering/ExprBuilder.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_SINKINTOCONCAT
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {

/// `v` for the piece [start, start + size) of a concat along `axis` (of a
/// result of rank `rank`): itself when it broadcasts along the axis (a
/// lower rank that does not reach it, or a size of 1 there), else its slice.
Value pieceOperand(PatternRewriter &rewriter, Location loc, Value v,
                   int64_t rank, int64_t axis, int64_t start, int64_t size) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t d = axis - (rank - type.getRank());
  if (d < 0 || type.getDimSize(d) == 1)
    return v;
  return Expr{rewriter, loc, type.getElementType()}.slice(v, d, start, size);
}

/// op(..., concat(a, b, ...), ...) -> concat(op(..., a, ...), op(..., b,
/// ...)): the concat has no other use, the op's result has the concat's
/// type (no broadcast widens it), and every other operand has a static
/// shape (it is sliced along the axis where it is not broadcast).
struct SinkIntoConcat : RewritePattern {
  SinkIntoConcat(MLIRContext *ctx, int64_t &sunk)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx), sunk(sunk) {}
  int64_t &sunk;
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!fusion::isElementwise(op))
      return failure();
    ConcatOp concat;
    unsigned index = 0;
    for (auto [i, v] : llvm::enumerate(op->getOperands()))
      if (auto c = v.getDefiningOp<ConcatOp>(); c && !concat) {
        concat = c;
        index = i;
      }
    // A concat that extends another, or that another extends, shares its
    // buffer with it (tessera-lower-concat-chains): sunk, each later layer
    // would apply its op to every earlier piece.
    if (!concat || !concat->hasOneUse() || concat.getInputs().size() < 2 ||
        fusion::inConcatChain(concat) ||
        op->getResult(0).getType() != concat.getType())
      return failure();
    auto type = cast<RankedTensorType>(concat.getType());
    int64_t rank = type.getRank(), axis = concat.getAxis();
    if (axis < 0)
      axis += rank;
    for (auto [i, v] : llvm::enumerate(op->getOperands())) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (i != index && (!t || !t.hasStaticShape() || t.getRank() > rank))
        return failure();
    }
    // Checked before anything is built: a pattern that fails leaves the IR
    // as it was.
    if (llvm::any_of(concat.getInputs(), [&](Value input) {
          return cast<RankedTensorType>(input.getType()).isDynamicDim(axis);
        }))
      return failure();
    Location loc = op->getLoc();
    SmallVector<Value> pieces;
    int64_t start = 0;
    for (Value input : concat.getInputs()) {
      auto inType = cast<RankedTensorType>(input.getType());
      int64_t size = inType.getDimSize(axis);
      SmallVector<Value> operands;
      for (auto [i, v] : llvm::enumerate(op->getOperands()))
        operands.push_back(i == index ? input
                                      : pieceOperand(rewriter, loc, v, rank,
                                                     axis, start, size));
      OperationState state(loc, op->getName(), operands, TypeRange{inType},
                           op->getAttrs());
      pieces.push_back(rewriter.create(state)->getResult(0));
      start += size;
    }
    rewriter.replaceOpWithNewOp<ConcatOp>(op, type, pieces,
                                          concat.getAxisAttr());
    ++sunk;
    return success();
  }
};

struct SinkIntoConcatPass
    : tessera::impl::SinkIntoConcatBase<SinkIntoConcatPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    int64_t sunk = 0;
    RewritePatternSet patterns(ctx);
    patterns.add<SinkIntoConcat>(ctx, sunk);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
    fusion::recordCounts(getOperation(), "tessera-sink-into-concat",
                         {{"sunk", sunk}});
    numSunk += sunk;
  }
};

} // namespace
