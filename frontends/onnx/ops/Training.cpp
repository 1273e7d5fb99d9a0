// The optimizer steps of ONNX's 'ai.onnx.preview.training' domain: Adagrad,
// Momentum (standard and Nesterov) and Adam, decomposed into elementwise
// tessera ops. Each updates n tensors at once: the inputs are the learning
// rate R, the update count T (scalars), then n tensors X, n gradients G and
// n of each optimizer state, grouped by kind; the outputs are the new X and
// the new states, grouped the same way.
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

namespace {
enum class Optimizer { Adagrad, Momentum, Adam };

/// The scalars one optimizer step shares across its tensors, as rank-0
/// f64 tensors: the learning rate R and the update count T.
struct StepScalars {
  Value rate, count;
  /// T > 0, as a rank-0 i1 tensor.
  Value started;
};

/// Builds elementwise math on tensors of one type, with rank-0 scalars of
/// its element type broadcast. Callers build one op per statement where
/// several arguments would create ops: the IR's order must not depend on
/// the C++ compiler's order of evaluating arguments.
struct Elementwise {
  Importer &im;
  RankedTensorType type;

  Value scalar(double v) { return im.scalar(type.getElementType(), v); }
  Value add(Value a, Value b) { return im.create<AddOp>(type, a, b); }
  Value sub(Value a, Value b) { return im.create<SubOp>(type, a, b); }
  Value mul(Value a, Value b) { return im.create<MulOp>(type, a, b); }
  Value div(Value a, Value b) { return im.create<DivOp>(type, a, b); }
  Value sqrt(Value a) { return im.create<SqrtOp>(type, a); }
  /// c * a.
  Value scale(double c, Value a) {
    Value cv = scalar(c);
    return mul(cv, a);
  }
  /// a + c.
  Value addConst(Value a, double c) {
    Value cv = scalar(c);
    return add(a, cv);
  }
  /// c * a + b (b when c is 0).
  Value axpy(double c, Value a, Value b) {
    if (c == 0)
      return b;
    Value ca = scale(c, a);
    return add(ca, b);
  }
};
} // namespace

/// Reads R (a float) and T (an int64), each of one element, as rank-0 f64
/// tensors.
static FailureOr<StepScalars> readStepScalars(Importer &im) {
  TensorInfo *r = im.input(0);
  TensorInfo *t = im.input(1);
  if (!r || !t)
    return failure();
  if (!isa<FloatType>(r->type.getElementType()) ||
      r->type.getNumElements() != 1)
    return im.fail("input 0 (R, the learning rate) must be a float scalar");
  if (!t->type.getElementType().isInteger(64) || t->type.getNumElements() != 1)
    return im.fail("input 1 (T, the update count) must be an int64 scalar");
  Type f64 = im.builder.getF64Type();
  auto scalarType = RankedTensorType::get({}, f64);
  StepScalars s;
  s.rate = im.create<CastOp>(scalarType, im.reshape(im.materialize(*r), {}));
  Value count = im.reshape(im.materialize(*t), {});
  s.count = im.create<CastOp>(scalarType, count);
  s.started =
      im.create<GreaterOp>(RankedTensorType::get({}, im.builder.getI1Type()),
                           count, im.scalar(im.builder.getI64Type(), 0));
  return s;
}

/// A rank-0 f64 value cast to the element type of `type`.
static Value castScalar(Importer &im, Value v, RankedTensorType type) {
  auto to = RankedTensorType::get({}, type.getElementType());
  return to == Importer::typeOf(v) ? v : im.create<CastOp>(to, v);
}

static LogicalResult importOptimizer(Importer &im, Optimizer kind) {
  // X, G and the states (Adagrad: H; Momentum: V; Adam: V, H).
  int groups = kind == Optimizer::Adam ? 4 : 3;
  int inputs = im.node->input_size();
  if (inputs < 2 + groups || (inputs - 2) % groups != 0)
    return im.fail("expects R, T and " + Twine(groups) +
                   " lists of tensors of equal length, found " + Twine(inputs) +
                   " inputs");
  int n = (inputs - 2) / groups;
  if (int(im.numOutputs()) > (groups - 1) * n)
    return im.fail("expects at most " + Twine((groups - 1) * n) +
                   " outputs (the new tensors and states), found " +
                   Twine(im.numOutputs()));
  for (StringRef required : {"alpha", "beta", "mode", "norm_coefficient"})
    if (kind == Optimizer::Momentum && !im.attr(required))
      return im.fail("missing required attribute '" + required + "'");
  FailureOr<StepScalars> step = readStepScalars(im);
  if (failed(step))
    return failure();
  std::string mode = im.attrString("mode", "");
  if (kind == Optimizer::Momentum && mode != "standard" && mode != "nesterov")
    return im.fail("mode '" + mode + "' is not 'standard' or 'nesterov'");
  double normCoefficient = im.attrFloat("norm_coefficient", 0);

  // The per-step scalar every tensor shares, in f64.
  auto f64Type = RankedTensorType::get({}, im.builder.getF64Type());
  Elementwise s{im, f64Type};
  Value stepScalar;
  if (kind == Optimizer::Adagrad) {
    // R / (1 + T * decay_factor)
    double decay = im.attrFloat("decay_factor", 0);
    Value one = s.scalar(1);
    Value decayed = s.mul(step->count, s.scalar(decay));
    Value denom = s.add(one, decayed);
    stepScalar = s.div(step->rate, denom);
  } else if (kind == Optimizer::Momentum) {
    // The gradient's weight: beta once updates have started, else 1.
    Value beta = s.scalar(im.attrFloat("beta", 0));
    Value one = s.scalar(1);
    stepScalar = im.create<WhereOp>(f64Type, step->started, beta, one);
  } else {
    // Bias correction once updates have started:
    // R * sqrt(1 - beta^T) / (1 - alpha^T).
    double alpha = im.attrFloat("alpha", 0.9f),
           beta = im.attrFloat("beta", 0.999f);
    auto power = [&](double base) {
      return im.create<PowOp>(f64Type, s.scalar(base), step->count);
    };
    Value one = s.scalar(1);
    Value betaT = power(beta);
    Value root = s.sqrt(s.sub(one, betaT));
    Value numer = s.mul(step->rate, root);
    Value oneAgain = s.scalar(1);
    Value alphaT = power(alpha);
    Value denom = s.sub(oneAgain, alphaT);
    Value corrected = s.div(numer, denom);
    stepScalar =
        im.create<WhereOp>(f64Type, step->started, corrected, step->rate);
  }

  for (int i = 0; i < n; ++i) {
    TensorInfo *xi = im.input(2 + i);
    if (!xi)
      return failure();
    auto type = xi->type;
    if (!isa<FloatType>(type.getElementType()))
      return im.fail("input " + Twine(2 + i) + " (X) must be a float tensor");
    SmallVector<Value> state;
    for (int g = 1; g < groups; ++g) {
      TensorInfo *info = im.input(2 + g * n + i);
      if (!info)
        return failure();
      if (info->type != type)
        return im.fail("input " + Twine(2 + g * n + i) + " has type " +
                       typeStr(info->type) + ", expected that of input " +
                       Twine(2 + i) + " (" + typeStr(type) + ")");
      state.push_back(im.materialize(*info));
    }
    Elementwise e{im, type};
    Value x = im.materialize(*xi);
    // The gradient with the L2 regularization term's.
    Value g = e.axpy(normCoefficient, x, state[0]);
    Value scalar = castScalar(im, stepScalar, type);
    SmallVector<Value> outs;
    if (kind == Optimizer::Adagrad) {
      double epsilon = im.attrFloat("epsilon", 1e-6f);
      Value h = e.add(state[1], e.mul(g, g));
      Value denom = e.addConst(e.sqrt(h), epsilon);
      Value scaled = e.mul(scalar, g);
      outs = {e.sub(x, e.div(scaled, denom)), h};
    } else if (kind == Optimizer::Momentum) {
      double alpha = im.attrFloat("alpha", 0);
      Value kept = e.scale(alpha, state[1]);
      Value added = e.mul(scalar, g);
      Value v = e.add(kept, added);
      Value r = castScalar(im, step->rate, type);
      Value dir = mode == "standard" ? v : e.axpy(alpha, v, g);
      outs = {e.sub(x, e.mul(r, dir)), v};
    } else {
      double alpha = im.attrFloat("alpha", 0.9f),
             beta = im.attrFloat("beta", 0.999f);
      double epsilon = im.attrFloat("epsilon", 1e-6f);
      double post = im.attrFloat("norm_coefficient_post", 0);
      Value keptV = e.scale(alpha, state[1]);
      Value addedV = e.scale(1 - alpha, g);
      Value v = e.add(keptV, addedV);
      Value keptH = e.scale(beta, state[2]);
      Value addedH = e.scale(1 - beta, e.mul(g, g));
      Value h = e.add(keptH, addedH);
      Value denom = e.addConst(e.sqrt(h), epsilon);
      Value xNew = e.sub(x, e.mul(scalar, e.div(v, denom)));
      if (post != 0)
        xNew = e.scale(1 - post, xNew);
      outs = {xNew, v, h};
    }
    for (auto [g2, v] : llvm::enumerate(outs))
      if (im.hasOutput(g2 * n + i))
        im.setOutput(g2 * n + i, v);
  }
  return success();
}

void mlir::tessera::onnx_import::registerTrainingOps(OpTable &t) {
  t["Adagrad"] = [](Importer &im) {
    return importOptimizer(im, Optimizer::Adagrad);
  };
  t["Momentum"] = [](Importer &im) {
    return importOptimizer(im, Optimizer::Momentum);
  };
  t["Adam"] = [](Importer &im) { return importOptimizer(im, Optimizer::Adam); };
}
