// BatchNormalization (inference and training mode) and InstanceNormalization, decomposed into
// reductions and broadcasting elementwise ops over [N, C, D1..Dk].
#include "frontends/onnx/Importer.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

/// A per-channel [C] parameter reshaped to [C, 1, ..., 1] so it broadcasts
/// against [N, C, D1..Dk]; fails unless it holds exactly C elements.
static Value channelParam(Importer &im, unsigned i, RankedTensorType xt) {
  Value p = im.operand(i);
  if (!p)
    return Value();
  auto pt = Importer::typeOf(p);
  if (pt.getElementType() != xt.getElementType() ||
      pt.getNumElements() != xt.getDimSize(1)) {
    (void)im.fail("input " + Twine(i) + " must hold one " +
                  "value per channel, of the input's type");
    return Value();
  }
  SmallVector<int64_t> shape(xt.getRank() - 1, 1);
  shape[0] = xt.getDimSize(1);
  return im.reshape(p, shape);
}

static FailureOr<RankedTensorType> normInput(Importer &im, Value x) {
  auto xt = Importer::typeOf(x);
  if (xt.getRank() < 2 || !isa<FloatType>(xt.getElementType()))
    return im.fail("input must be a float tensor of rank >= 2");
  return xt;
}

static LogicalResult importBatchNorm(Importer &im) {
  bool training = im.attrInt("training_mode", 0) != 0;
  if (!training && (im.hasOutput(1) || im.hasOutput(2)))
    return im.fail("running statistics outputs need training_mode = 1 "
                   "(opset 14+)");
  Value x = im.operand(0);
  if (!x)
    return failure();
  FailureOr<RankedTensorType> xt = normInput(im, x);
  if (failed(xt))
    return failure();
  Value scale = channelParam(im, 1, *xt), bias = channelParam(im, 2, *xt);
  Value mean = scale && bias ? channelParam(im, 3, *xt) : Value();
  Value var = mean ? channelParam(im, 4, *xt) : Value();
  if (!var)
    return failure();
  auto pt = Importer::typeOf(scale);
  Type et = xt->getElementType();
  if (training) {
    // Batch statistics over every axis but the channel one (population
    // variance); the running statistics blend in with `momentum`.
    SmallVector<int64_t> axes;
    for (int64_t d = 0; d < xt->getRank(); ++d)
      if (d != 1)
        axes.push_back(d);
    SmallVector<int64_t> kept(xt->getRank(), 1);
    kept[1] = xt->getDimSize(1);
    auto stat = [&](Value v) {
      Value m = ReduceMeanOp::create(im.builder, im.loc,
                                     RankedTensorType::get(kept, et), v,
                                     im.builder.getDenseI64ArrayAttr(axes),
                                     im.builder.getBoolAttr(true))
                    .getResult();
      return im.reshape(m, pt.getShape());
    };
    Value batchMean = stat(x);
    Value dev = im.create<SubOp>(*xt, x, batchMean);
    Value batchVar = stat(im.create<MulOp>(*xt, dev, dev));
    Value momentum = im.scalar(et, im.attrFloat("momentum", 0.9f));
    Value rest = im.scalar(et, 1.0 - double(im.attrFloat("momentum", 0.9f)));
    auto blend = [&](Value running, Value batch) {
      Value r = im.create<AddOp>(pt, im.create<MulOp>(pt, running, momentum),
                                 im.create<MulOp>(pt, batch, rest));
      return im.reshape(r, {xt->getDimSize(1)});
    };
    im.setOutput(1, blend(mean, batchMean));
    im.setOutput(2, blend(var, batchVar));
    mean = batchMean;
    var = batchVar;
  }
  // Inference with known parameters (a model's initializers): y = x *
  // factor + shift, both per channel and folded here (in double, then
  // rounded), rather than the formula below computed on every run.
  if (!training) {
    std::optional<std::vector<double>> g = initializerDoubles(im, 1),
                                       b = initializerDoubles(im, 2),
                                       m = initializerDoubles(im, 3),
                                       v = initializerDoubles(im, 4);
    int64_t channels = xt->getDimSize(1);
    auto fits = [&](const std::optional<std::vector<double>> &p) {
      return p && int64_t(p->size()) == channels;
    };
    if (fits(g) && fits(b) && fits(m) && fits(v)) {
      double epsilon = im.attrFloat("epsilon", 1e-5f);
      SmallVector<double> factor(channels), shift(channels);
      for (int64_t c = 0; c < channels; ++c) {
        factor[c] = (*g)[c] / std::sqrt((*v)[c] + epsilon);
        shift[c] = (*b)[c] - (*m)[c] * factor[c];
      }
      Value scaled =
          im.create<MulOp>(*xt, x, im.constant(makeConstF(pt, factor)));
      im.setOutput(
          0, im.create<AddOp>(*xt, scaled, im.constant(makeConstF(pt, shift))));
      return success();
    }
  }
  // y = (x - mean) * (scale / sqrt(var + eps)) + bias
  Value eps = im.scalar(et, im.attrFloat("epsilon", 1e-5f));
  Value factor = im.create<MulOp>(
      pt, scale, im.create<RsqrtOp>(pt, im.create<AddOp>(pt, var, eps)));
  Value centered = im.create<SubOp>(*xt, x, mean);
  im.setOutput(
      0, im.create<AddOp>(*xt, im.create<MulOp>(*xt, centered, factor), bias));
  return success();
}

static LogicalResult importInstanceNorm(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  FailureOr<RankedTensorType> xt = normInput(im, x);
  if (failed(xt))
    return failure();
  Value scale = channelParam(im, 1, *xt);
  Value bias = scale ? channelParam(im, 2, *xt) : Value();
  if (!bias)
    return failure();
  Type et = xt->getElementType();
  SmallVector<int64_t> axes, shape(xt->getShape());
  for (int64_t d = 2; d < xt->getRank(); ++d) {
    axes.push_back(d);
    shape[d] = 1;
  }
  auto statType = RankedTensorType::get(shape, et);
  auto reduceMean = [&](Value v) {
    return ReduceMeanOp::create(im.builder, im.loc, statType, v,
                                im.builder.getDenseI64ArrayAttr(axes),
                                im.builder.getBoolAttr(true))
        .getResult();
  };
  Value centered = im.create<SubOp>(*xt, x, reduceMean(x));
  Value var = reduceMean(im.create<MulOp>(*xt, centered, centered));
  Value eps = im.scalar(et, im.attrFloat("epsilon", 1e-5f));
  Value inv =
      im.create<RsqrtOp>(statType, im.create<AddOp>(statType, var, eps));
  Value y = im.create<MulOp>(*xt, im.create<MulOp>(*xt, centered, inv), scale);
  im.setOutput(0, im.create<AddOp>(*xt, y, bias));
  return success();
}

void mlir::tessera::onnx_import::registerNormalizationOps(OpTable &t) {
  t["BatchNormalization"] = importBatchNorm;
  t["InstanceNormalization"] = importInstanceNorm;
}
