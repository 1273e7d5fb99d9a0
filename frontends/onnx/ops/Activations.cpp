// Activations decomposed into tessera elementwise ops (LeakyRelu, Elu, Selu,
// Celu, HardSigmoid, HardSwish, Mish, ThresholdedRelu, PRelu, Softsign), the
// trigonometric/hyperbolic functions, and IsNaN/IsInf.
#include "frontends/onnx/Importer.h"

#include <limits>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

namespace {
/// Builds elementwise expressions over values of one float tensor type;
/// scalars broadcast.
struct Expr {
  Importer &im;
  RankedTensorType t;

  Type et() const { return t.getElementType(); }
  Value s(double v) { return im.scalar(et(), v); }
  RankedTensorType typeFor(Value a, Value b, Type elt) {
    SmallVector<int64_t> shape;
    (void)broadcastShapes(Importer::typeOf(a).getShape(),
                          Importer::typeOf(b).getShape(), shape);
    return RankedTensorType::get(shape, elt);
  }
  template <typename OpTy> Value bin(Value a, Value b) {
    return im.create<OpTy>(typeFor(a, b, et()), a, b);
  }
  template <typename OpTy> Value cmp(Value a, Value b) {
    return im.create<OpTy>(typeFor(a, b, im.builder.getI1Type()), a, b);
  }
  // With a scalar operand the constant is created after `a`.
  template <typename OpTy> Value bin(Value a, double b) {
    return bin<OpTy>(a, s(b));
  }
  template <typename OpTy> Value cmp(Value a, double b) {
    return cmp<OpTy>(a, s(b));
  }
  template <typename OpTy> Value un(Value a) {
    return im.create<OpTy>(Importer::typeOf(a), a);
  }
  Value where(Value c, Value a, Value b) {
    SmallVector<int64_t> ab, shape;
    (void)broadcastShapes(Importer::typeOf(a).getShape(),
                          Importer::typeOf(b).getShape(), ab);
    (void)broadcastShapes(Importer::typeOf(c).getShape(), ab, shape);
    return im.create<WhereOp>(RankedTensorType::get(shape, et()), c, a, b);
  }
  Value clamp(Value a, double lo, double hi) {
    return ClampOp::create(im.builder, im.loc, Importer::typeOf(a), a,
                           im.builder.getF64FloatAttr(lo),
                           im.builder.getF64FloatAttr(hi))
        .getResult();
  }
};
} // namespace

/// Runs `build` on the float input 0 and sets output 0.
static LogicalResult
importActivation(Importer &im, function_ref<Value(Expr &, Value)> build) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto t = Importer::typeOf(x);
  if (!isa<FloatType>(t.getElementType()))
    return im.fail("unsupported element type (float expected)");
  Expr e{im, t};
  im.setOutput(0, build(e, x));
  return success();
}

// Each step is its own statement so the IR order does not depend on the
// compiler's argument evaluation order.
static void registerRectifiers(OpTable &t) {
  t["LeakyRelu"] = [](Importer &im) {
    double alpha = im.attrFloat("alpha", 0.01f);
    return importActivation(im, [&](Expr &e, Value x) {
      Value neg = e.cmp<LessOp>(x, 0.0);
      Value scaled = e.bin<MulOp>(x, alpha);
      return e.where(neg, scaled, x);
    });
  };
  t["Elu"] = [](Importer &im) {
    double alpha = im.attrFloat("alpha", 1.0f);
    return importActivation(im, [&](Expr &e, Value x) {
      Value neg = e.cmp<LessOp>(x, 0.0);
      Value em1 = e.bin<SubOp>(e.un<ExpOp>(x), 1.0);
      return e.where(neg, e.bin<MulOp>(em1, alpha), x);
    });
  };
  t["Selu"] = [](Importer &im) {
    double alpha = im.attrFloat("alpha", 1.67326319217681884765625f);
    double gamma = im.attrFloat("gamma", 1.05070102214813232421875f);
    return importActivation(im, [&](Expr &e, Value x) {
      Value neg = e.cmp<LessEqualOp>(x, 0.0);
      Value ea = e.bin<MulOp>(e.un<ExpOp>(x), alpha);
      Value y = e.where(neg, e.bin<SubOp>(ea, alpha), x);
      return e.bin<MulOp>(y, gamma);
    });
  };
  t["Celu"] = [](Importer &im) {
    double alpha = im.attrFloat("alpha", 1.0f);
    return importActivation(im, [&](Expr &e, Value x) {
      Value pos = e.bin<MaxOp>(x, 0.0);
      Value ex = e.un<ExpOp>(e.bin<DivOp>(x, alpha));
      Value neg = e.bin<MulOp>(e.bin<SubOp>(ex, 1.0), alpha);
      return e.bin<AddOp>(pos, e.bin<MinOp>(neg, 0.0));
    });
  };
  t["ThresholdedRelu"] = [](Importer &im) {
    double alpha = im.attrFloat("alpha", 1.0f);
    return importActivation(im, [&](Expr &e, Value x) {
      Value keep = e.cmp<GreaterOp>(x, alpha);
      return e.where(keep, x, e.s(0));
    });
  };
  t["PRelu"] = [](Importer &im) -> LogicalResult {
    Value x = im.operand(0), slope = im.operand(1);
    if (!x || !slope)
      return failure();
    auto xt = Importer::typeOf(x), st = Importer::typeOf(slope);
    // Before opset 7 a 1-D slope of size C applies along the channel axis.
    if (im.opset < 7 && st.getRank() == 1 && xt.getRank() > 2 &&
        st.getDimSize(0) == xt.getDimSize(1) && st.getDimSize(0) != 1) {
      SmallVector<int64_t> perChannel(xt.getRank() - 1, 1);
      perChannel[0] = st.getDimSize(0);
      slope = im.reshape(slope, perChannel);
      st = Importer::typeOf(slope);
    }
    SmallVector<int64_t> shape;
    if (st.getElementType() != xt.getElementType() ||
        failed(broadcastShapes(xt.getShape(), st.getShape(), shape)) ||
        ArrayRef<int64_t>(shape) != xt.getShape())
      return im.fail("slope must broadcast to the input's shape and type");
    return importActivation(im, [&](Expr &e, Value x) {
      Value neg = e.cmp<LessOp>(x, 0.0);
      return e.where(neg, e.bin<MulOp>(x, slope), x);
    });
  };
}

static void registerSmoothActivations(OpTable &t) {
  t["HardSigmoid"] = [](Importer &im) {
    double alpha = im.attrFloat("alpha", 0.2f),
           beta = im.attrFloat("beta", 0.5f);
    return importActivation(im, [&](Expr &e, Value x) {
      Value ax = e.bin<MulOp>(x, alpha);
      return e.clamp(e.bin<AddOp>(ax, beta), 0, 1.0);
    });
  };
  t["HardSwish"] = [](Importer &im) {
    return importActivation(
        im, [&](Expr &e, Value x) { return e.un<HardSwishOp>(x); });
  };
  t["Mish"] = [](Importer &im) {
    return importActivation(im, [&](Expr &e, Value x) {
      return e.bin<MulOp>(x, e.un<TanhOp>(e.un<SoftplusOp>(x)));
    });
  };
  t["Softsign"] = [](Importer &im) {
    return importActivation(im, [&](Expr &e, Value x) {
      Value abs = e.un<AbsOp>(x);
      return e.bin<DivOp>(x, e.bin<AddOp>(abs, 1.0));
    });
  };
}

static void registerTrigonometry(OpTable &t) {
  auto unary = [&t](StringRef name, auto tag) {
    using OpTy = decltype(tag);
    t[name] = [](Importer &im) {
      return importActivation(im,
                              [](Expr &e, Value x) { return e.un<OpTy>(x); });
    };
  };
  unary("Tan", TanOp());
  unary("Asin", AsinOp());
  unary("Acos", AcosOp());
  unary("Atan", AtanOp());
  unary("Sinh", SinhOp());
  unary("Cosh", CoshOp());
  unary("Asinh", AsinhOp());
  unary("Acosh", AcoshOp());
  unary("Atanh", AtanhOp());
}

static void registerFloatClasses(OpTable &t) {
  t["IsNaN"] = [](Importer &im) {
    return importActivation(im, [](Expr &e, Value x) {
      Value same = e.cmp<EqualOp>(x, x);
      return e.im.create<NotOp>(Importer::typeOf(same), same);
    });
  };
  t["IsInf"] = [](Importer &im) {
    bool pos = im.attrInt("detect_positive", 1) != 0;
    bool neg = im.attrInt("detect_negative", 1) != 0;
    return importActivation(im, [&](Expr &e, Value x) -> Value {
      double inf = std::numeric_limits<double>::infinity();
      Value isPos = pos ? e.cmp<EqualOp>(x, e.s(inf)) : Value();
      Value isNeg = neg ? e.cmp<EqualOp>(x, e.s(-inf)) : Value();
      if (isPos && isNeg)
        return e.im.create<OrOp>(Importer::typeOf(isPos), isPos, isNeg);
      if (isPos || isNeg)
        return isPos ? isPos : isNeg;
      return e.im.constant(makeSplat(
          RankedTensorType::get(e.t.getShape(), e.im.builder.getI1Type()), 0));
    });
  };
}

void mlir::tessera::onnx_import::registerActivationOps(OpTable &t) {
  registerRectifiers(t);
  registerSmoothActivations(t);
  registerTrigonometry(t);
  registerFloatClasses(t);
}
