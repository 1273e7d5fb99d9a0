// Loss ops decomposed into tessera ops: NegativeLogLikelihoodLoss and
// SoftmaxCrossEntropyLoss (opsets 12 and 13).
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

namespace {
/// The attributes both losses share.
struct LossSpec {
  std::string reduction;
  std::optional<int64_t> ignoreIndex;
};

/// Input (scores or log-probabilities), target, optional weight, attributes.
struct LossOperands {
  Value x, target, weight;
  LossSpec spec;
};
} // namespace

static FailureOr<LossSpec> readLossSpec(Importer &im) {
  LossSpec s;
  s.reduction = im.attrString("reduction", "mean");
  if (s.reduction != "none" && s.reduction != "sum" && s.reduction != "mean")
    return im.fail("unsupported reduction '" + s.reduction +
                   "' (expected none, sum or mean)");
  if (im.attr("ignore_index"))
    s.ignoreIndex = im.attrInt("ignore_index", 0);
  return s;
}

/// Checks input [N, C, d...] (float), target [N, d...] (int32/int64) and the
/// optional weight [C] (the input's element type).
static LogicalResult checkOperands(Importer &im, Value x, Value target,
                                   Value weight) {
  auto xt = Importer::typeOf(x), tt = Importer::typeOf(target);
  if (!isa<FloatType>(xt.getElementType()))
    return im.fail("input must have a float element type");
  if (!tt.getElementType().isInteger(32) && !tt.getElementType().isInteger(64))
    return im.fail("target must be int32 or int64");
  if (xt.getRank() < 2)
    return im.fail("input must have rank >= 2 ([N, C, d1, ...])");
  SmallVector<int64_t> want(xt.getShape());
  want.erase(want.begin() + 1);
  if (tt.getShape() != ArrayRef<int64_t>(want))
    return im.fail("target shape must be the input shape without dimension 1");
  if (!weight)
    return success();
  auto wt = Importer::typeOf(weight);
  if (wt.getElementType() != xt.getElementType())
    return im.fail("weight must have the input's element type");
  if (wt.getRank() != 1 || wt.getDimSize(0) != xt.getDimSize(1))
    return im.fail("weight must have shape [C] with C = " +
                   Twine(xt.getDimSize(1)));
  return success();
}

/// Sum or mean over every axis of `v`, as a rank-0 tensor.
template <typename OpTy> static Value reduceAll(Importer &im, Value v) {
  auto t = Importer::typeOf(v);
  SmallVector<int64_t> axes;
  for (int64_t d = 0; d < t.getRank(); ++d)
    axes.push_back(d);
  return im.create<OpTy>(RankedTensorType::get({}, t.getElementType()), v,
                         im.builder.getDenseI64ArrayAttr(axes),
                         im.builder.getBoolAttr(false));
}

/// NLL of log-probabilities `x` [N, C, d...] at `target` [N, d...]:
/// -x[n, target, d...] * weight[target], zero where target == ignore_index.
/// 'mean' divides the sum by the sum of the weights applied.
static Value nllLoss(Importer &im, Value x, Value target, Value weight,
                     const LossSpec &s) {
  auto tt = Importer::typeOf(target);
  Type et = Importer::typeOf(x).getElementType(), it = tt.getElementType();
  auto lossType = RankedTensorType::get(tt.getShape(), et);
  std::optional<int64_t> ii = s.ignoreIndex;
  // An ignore_index that int32 targets cannot hold matches none of them.
  if (ii && it.isInteger(32) && *ii != int64_t(int32_t(*ii)))
    ii.reset();
  Value mask;
  if (ii) {
    // Ignored targets may be out of range: gather at 0 there instead.
    mask = im.create<EqualOp>(
        RankedTensorType::get(tt.getShape(), im.builder.getI1Type()), target,
        im.scalar(it, double(*ii)));
    target = im.create<WhereOp>(tt, mask, im.scalar(it, 0), target);
  }
  SmallVector<int64_t> idxShape(tt.getShape());
  idxShape.insert(idxShape.begin() + 1, 1);
  Value picked =
      im.create<GatherElementsOp>(RankedTensorType::get(idxShape, et), x,
                                  im.reshape(target, idxShape), int64_t(1));
  Value loss = im.create<NegOp>(lossType, im.reshape(picked, tt.getShape()));
  // The per-element weights applied; null when they are all 1.
  Value w;
  if (weight) {
    w = im.create<GatherOp>(lossType, weight, target, int64_t(0));
    loss = im.create<MulOp>(lossType, loss, w);
  }
  Value zero = mask ? im.scalar(et, 0) : Value();
  if (mask)
    loss = im.create<WhereOp>(lossType, mask, zero, loss);
  if (s.reduction == "none")
    return loss;
  if (s.reduction == "mean" && !w && !mask)
    return reduceAll<ReduceMeanOp>(im, loss);
  Value sum = reduceAll<ReduceSumOp>(im, loss);
  if (s.reduction == "sum")
    return sum;
  if (mask)
    w = im.create<WhereOp>(lossType, mask, zero, w ? w : im.scalar(et, 1));
  return im.create<DivOp>(Importer::typeOf(sum), sum,
                          reduceAll<ReduceSumOp>(im, w));
}

/// Reads and checks the operands and attributes both losses share.
static FailureOr<LossOperands> readLoss(Importer &im) {
  LossOperands l;
  l.x = im.operand(0);
  l.target = l.x ? im.operand(1) : Value();
  if (!l.target)
    return failure();
  if (im.hasInput(2)) {
    l.weight = im.operand(2);
    if (!l.weight)
      return failure();
  }
  FailureOr<LossSpec> s = readLossSpec(im);
  if (failed(s) || failed(checkOperands(im, l.x, l.target, l.weight)))
    return failure();
  l.spec = *s;
  return l;
}

static LogicalResult importNLLLoss(Importer &im) {
  FailureOr<LossOperands> l = readLoss(im);
  if (failed(l))
    return failure();
  im.setOutput(0, nllLoss(im, l->x, l->target, l->weight, l->spec));
  return success();
}

/// SoftmaxCrossEntropyLoss: NLL of log_softmax(scores, axis 1); the optional
/// second output is that log-probability.
static LogicalResult importSoftmaxCrossEntropy(Importer &im) {
  FailureOr<LossOperands> l = readLoss(im);
  if (failed(l))
    return failure();
  Value logProb = im.create<LogSoftmaxOp>(l->x.getType(), l->x, int64_t(1));
  im.setOutput(0, nllLoss(im, logProb, l->target, l->weight, l->spec));
  im.setOutput(1, logProb);
  return success();
}

void mlir::tessera::onnx_import::registerLossOps(OpTable &t) {
  t["NegativeLogLikelihoodLoss"] = importNLLLoss;
  t["SoftmaxCrossEntropyLoss"] = importSoftmaxCrossEntropy;
}
