// Elementwise ONNX ops: unary math, broadcasting binary arithmetic, logic and
// comparisons, Where, Clip. Folded when every input is a known constant.
#include "frontends/onnx/Importer.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

namespace {
using FoldF = std::function<double(ArrayRef<double>)>;
using FoldI = std::function<int64_t(ArrayRef<int64_t>)>;
} // namespace

static bool isFloatTensor(RankedTensorType t) {
  return isa<FloatType>(t.getElementType());
}

/// Shared by unary ops: type checks, then fold or emit `OpTy`.
template <typename OpTy>
static LogicalResult importUnary(Importer &im, bool floatOnly, FoldF foldF,
                                 FoldI foldI) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  if (floatOnly && !isFloatTensor(x->type))
    return im.fail("unsupported element type for this op (float expected)");
  if (x->constant && (foldF || foldI) &&
      (x->constant->isFloat() ? bool(foldF) : bool(foldI))) {
    auto fi = foldI ? foldI : FoldI([](ArrayRef<int64_t> a) { return a[0]; });
    auto ff = foldF ? foldF : FoldF([](ArrayRef<double> a) { return a[0]; });
    im.setConst(0, mapConst({&*x->constant}, x->type, ff, fi));
    return success();
  }
  im.setOutput(0, im.create<OpTy>(x->type, im.materialize(*x)));
  return success();
}

/// The numpy broadcast of the inputs' shapes; reports an error if none.
static FailureOr<SmallVector<int64_t>>
broadcastInputs(Importer &im, ArrayRef<TensorInfo *> ins) {
  SmallVector<int64_t> shape;
  for (TensorInfo *t : ins) {
    SmallVector<int64_t> next;
    if (failed(broadcastShapes(shape, t->type.getShape(), next)))
      return im.fail("input shapes do not broadcast");
    shape = next;
  }
  return shape;
}

/// Before opset 7, `broadcast = 1` aligns the second operand's dimensions with
/// the first's starting at `axis` (default: the trailing ones). Appending
/// size-1 dimensions to `b` turns that into numpy broadcasting.
static LogicalResult alignLegacyBroadcast(Importer &im, TensorInfo &a,
                                          TensorInfo &b, TensorInfo &out) {
  int64_t ra = a.type.getRank(), rb = b.type.getRank();
  int64_t axis = im.attrInt("axis", ra - rb);
  if (axis < 0)
    axis += ra;
  if (axis < 0 || axis + rb > ra)
    return im.fail("legacy broadcast axis " + Twine(axis) +
                   " does not fit a rank-" + Twine(rb) + " operand into rank " +
                   Twine(ra));
  SmallVector<int64_t> shape(b.type.getShape());
  shape.append(ra - axis - rb, 1);
  out.type = RankedTensorType::get(shape, b.type.getElementType());
  if (b.constant) {
    out.constant = *b.constant;
    out.constant->type = out.type;
  } else {
    out.value = im.reshape(im.materialize(b), shape);
  }
  return success();
}

/// Shared by binary ops: comparisons produce i1, the rest the operand type.
/// Folds when both operands are known and the fold functions are given.
template <typename OpTy>
static LogicalResult importBinary(Importer &im, bool floatOnly, bool boolOnly,
                                  bool compare, FoldF foldF, FoldI foldI) {
  TensorInfo *a = im.input(0), *b = im.input(1);
  if (!a || !b)
    return failure();
  Type et = a->type.getElementType();
  if (b->type.getElementType() != et)
    return im.fail("operand element types differ");
  if ((floatOnly && !isa<FloatType>(et)) || (boolOnly && !et.isInteger(1)))
    return im.fail("unsupported element type for this op");
  TensorInfo aligned;
  if (im.opset < 7 && im.attrInt("broadcast", 0) == 1) {
    if (failed(alignLegacyBroadcast(im, *a, *b, aligned)))
      return failure();
    b = &aligned;
  }
  FailureOr<SmallVector<int64_t>> shape = broadcastInputs(im, {a, b});
  if (failed(shape))
    return failure();
  auto type = RankedTensorType::get(
      *shape, compare ? IntegerType::get(&im.ctx, 1) : et);
  if (a->constant && b->constant && foldF && foldI &&
      type.getNumElements() <= kElementwiseFoldLimit) {
    im.setConst(0,
                mapConst({&*a->constant, &*b->constant}, type, foldF, foldI));
    return success();
  }
  im.setOutput(0,
               im.create<OpTy>(type, im.materialize(*a), im.materialize(*b)));
  return success();
}

/// Max/Min/Sum/Mean take any number of inputs: fold them pairwise.
template <typename OpTy>
static LogicalResult importVariadic(Importer &im, bool mean) {
  if (im.node->input_size() < 1)
    return im.fail("needs at least one input");
  Value acc = im.operand(0);
  if (!acc)
    return failure();
  for (int i = 1; i < im.node->input_size(); ++i) {
    Value next = im.operand(i);
    if (!next)
      return failure();
    if (Importer::typeOf(next).getElementType() !=
        Importer::typeOf(acc).getElementType())
      return im.fail("operand element types differ");
    SmallVector<int64_t> shape;
    if (failed(broadcastShapes(Importer::typeOf(acc).getShape(),
                               Importer::typeOf(next).getShape(), shape)))
      return im.fail("input shapes do not broadcast");
    acc = im.create<OpTy>(
        RankedTensorType::get(shape, Importer::typeOf(acc).getElementType()),
        acc, next);
  }
  if (mean) {
    auto t = Importer::typeOf(acc);
    acc = im.create<DivOp>(
        t, acc, im.scalar(t.getElementType(), im.node->input_size()));
  }
  im.setOutput(0, acc);
  return success();
}

// Folded integer arithmetic wraps around like the int64 tensors it stands
// for (two's complement, as numpy and ONNX Runtime compute), instead of the
// undefined behaviour of signed overflow in C++; INT64_MIN / -1 wraps too.
static int64_t wrapAdd(int64_t a, int64_t b) {
  return int64_t(uint64_t(a) + uint64_t(b));
}
static int64_t wrapSub(int64_t a, int64_t b) {
  return int64_t(uint64_t(a) - uint64_t(b));
}
static int64_t wrapMul(int64_t a, int64_t b) {
  return int64_t(uint64_t(a) * uint64_t(b));
}
static int64_t idiv(int64_t a, int64_t b) {
  if (b == -1)
    return wrapSub(0, a);
  return b == 0 ? 0 : a / b;
}
static int64_t imod(int64_t a, int64_t b) {
  if (b == 0 || b == -1)
    return 0;
  int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

/// BitShift on unsigned integers (which arrive zero-extended to i64): a
/// multiply or divide by 2^min(y, 62); truncation to the ONNX type then drops
/// the bits shifted out.
static LogicalResult importBitShift(Importer &im) {
  std::string dir = im.attrString("direction", "");
  if (dir != "LEFT" && dir != "RIGHT")
    return im.fail("direction must be LEFT or RIGHT, got '" + dir + "'");
  Value x = im.operand(0), y = im.operand(1);
  if (!x || !y)
    return failure();
  auto xt = Importer::typeOf(x), yt = Importer::typeOf(y);
  Type et = xt.getElementType();
  if (!isa<IntegerType>(et) || et.isInteger(1) || yt.getElementType() != et)
    return im.fail("operands must be unsigned integers of one type");
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(xt.getShape(), yt.getShape(), shape)))
    return im.fail("input shapes do not broadcast");
  Type f64 = im.builder.getF64Type();
  auto yf64 = yt.clone(f64);
  Value amount = im.create<MinOp>(yf64, im.create<CastOp>(yf64, y),
                                  im.scalar(f64, 62));
  Value factor = im.create<CastOp>(
      yt, im.create<PowOp>(yf64, im.scalar(f64, 2), amount));
  auto type = RankedTensorType::get(shape, et);
  im.setOutput(0, dir == "LEFT" ? im.create<MulOp>(type, x, factor)
                                : im.create<DivOp>(type, x, factor));
  return success();
}

static void registerArithmetic(OpTable &t) {
  t["Add"] = [](Importer &im) {
    return importBinary<AddOp>(
        im, false, false, false, [](auto v) { return v[0] + v[1]; },
        [](auto v) { return wrapAdd(v[0], v[1]); });
  };
  t["Sub"] = [](Importer &im) {
    return importBinary<SubOp>(
        im, false, false, false, [](auto v) { return v[0] - v[1]; },
        [](auto v) { return wrapSub(v[0], v[1]); });
  };
  t["Mul"] = [](Importer &im) {
    return importBinary<MulOp>(
        im, false, false, false, [](auto v) { return v[0] * v[1]; },
        [](auto v) { return wrapMul(v[0], v[1]); });
  };
  t["Div"] = [](Importer &im) {
    return importBinary<DivOp>(
        im, false, false, false, [](auto v) { return v[0] / v[1]; },
        [](auto v) { return idiv(v[0], v[1]); });
  };
  t["Mod"] = [](Importer &im) -> LogicalResult {
    bool fmod = im.attrInt("fmod", 0) != 0;
    TensorInfo *a = im.input(0), *b = im.input(1);
    if (!a || !b)
      return failure();
    if (isFloatTensor(a->type) && !fmod)
      return im.fail("Mod of floats needs fmod = 1");
    if (b->type.getElementType() != a->type.getElementType())
      return im.fail("operand element types differ");
    FailureOr<SmallVector<int64_t>> shape = broadcastInputs(im, {a, b});
    if (failed(shape))
      return failure();
    auto type = RankedTensorType::get(*shape, a->type.getElementType());
    if (a->constant && b->constant) {
      im.setConst(0, mapConst(
                         {&*a->constant, &*b->constant}, type,
                         [](auto v) { return std::fmod(v[0], v[1]); },
                         [fmod](auto v) {
                           return fmod ? (v[1] ? v[0] % v[1] : 0)
                                       : imod(v[0], v[1]);
                         }));
      return success();
    }
    im.setOutput(0, ModOp::create(im.builder, im.loc, type, im.materialize(*a),
                                  im.materialize(*b), fmod)
                        .getResult());
    return success();
  };
  t["Pow"] = [](Importer &im) -> LogicalResult {
    TensorInfo *a = im.input(0), *b = im.input(1);
    if (!a || !b)
      return failure();
    if (a->type.getElementType().isInteger(1))
      return im.fail("Pow needs a numeric base");
    FailureOr<SmallVector<int64_t>> shape = broadcastInputs(im, {a, b});
    if (failed(shape))
      return failure();
    Type et = a->type.getElementType();
    if (!isFloatTensor(a->type)) {
      // An integer base: computed in f64 (exact while |result| < 2^53) and
      // truncated back to the base's type, as the ONNX reference does.
      Type f64 = im.builder.getF64Type();
      auto toF64 = [&](TensorInfo *v) {
        return im.create<CastOp>(v->type.clone(f64), im.materialize(*v));
      };
      Value base = toF64(a), exponent = toF64(b);
      Value p = im.create<PowOp>(RankedTensorType::get(*shape, f64), base,
                                 exponent);
      im.setOutput(0, im.create<CastOp>(RankedTensorType::get(*shape, et), p));
      return success();
    }
    // Both known (an attention's head_dim ** -0.5 from the shapes): folded,
    // so that the scale is a constant the attention fusion takes in.
    if (a->constant && b->constant &&
        ShapedType::getNumElements(*shape) <= kElementwiseFoldLimit) {
      im.setConst(0, mapConst(
                         {&*a->constant, &*b->constant},
                         RankedTensorType::get(*shape, et),
                         [](auto v) { return std::pow(v[0], v[1]); }, nullptr));
      return success();
    }
    // A known uniform exponent of small integer or +-0.5 becomes
    // multiplications / sqrt (GELU's x^3, RMSNorm's x^2) instead of powf.
    if (b->constant && b->constant->numElements() > 0) {
      double e = b->constant->getDouble(0);
      bool uniform = true;
      for (int64_t i = 1; i < b->constant->numElements() && uniform; ++i)
        uniform = b->constant->getDouble(i) == e;
      auto type = RankedTensorType::get(*shape, et);
      auto xt = a->type;
      if (uniform && ArrayRef<int64_t>(*shape) == xt.getShape()) {
        Value x = im.materialize(*a), y;
        double mag = std::fabs(e);
        if (mag == 0.5) {
          y = im.create<SqrtOp>(type, x);
        } else if (mag == std::floor(mag) && mag >= 1 && mag <= 4) {
          y = x;
          for (int i = 1; i < int(mag); ++i)
            y = im.create<MulOp>(type, y, x);
        }
        if (y) {
          if (e < 0)
            y = im.create<ReciprocalOp>(type, y);
          im.setOutput(0, y);
          return success();
        }
      }
    }
    // ONNX allows an exponent of another type; tessera.pow does not.
    Value exp;
    if (b->type.getElementType() == et)
      exp = im.materialize(*b);
    else if (b->constant)
      exp = im.constant(castConst(*b->constant, et));
    else
      exp = im.create<CastOp>(RankedTensorType::get(b->type.getShape(), et),
                              im.materialize(*b));
    im.setOutput(0, im.create<PowOp>(RankedTensorType::get(*shape, et),
                                     im.materialize(*a), exp));
    return success();
  };
  t["BitShift"] = importBitShift;
  t["Max"] = [](Importer &im) { return importVariadic<MaxOp>(im, false); };
  t["Min"] = [](Importer &im) { return importVariadic<MinOp>(im, false); };
  t["Sum"] = [](Importer &im) { return importVariadic<AddOp>(im, false); };
  t["Mean"] = [](Importer &im) { return importVariadic<AddOp>(im, true); };
}

static void registerLogic(OpTable &t) {
  t["Equal"] = [](Importer &im) {
    return importBinary<EqualOp>(
        im, false, false, true, [](auto v) { return double(v[0] == v[1]); },
        [](auto v) { return int64_t(v[0] == v[1]); });
  };
  t["Less"] = [](Importer &im) {
    return importBinary<LessOp>(
        im, false, false, true, [](auto v) { return double(v[0] < v[1]); },
        [](auto v) { return int64_t(v[0] < v[1]); });
  };
  t["LessOrEqual"] = [](Importer &im) {
    return importBinary<LessEqualOp>(
        im, false, false, true, [](auto v) { return double(v[0] <= v[1]); },
        [](auto v) { return int64_t(v[0] <= v[1]); });
  };
  t["Greater"] = [](Importer &im) {
    return importBinary<GreaterOp>(
        im, false, false, true, [](auto v) { return double(v[0] > v[1]); },
        [](auto v) { return int64_t(v[0] > v[1]); });
  };
  t["GreaterOrEqual"] = [](Importer &im) {
    return importBinary<GreaterEqualOp>(
        im, false, false, true, [](auto v) { return double(v[0] >= v[1]); },
        [](auto v) { return int64_t(v[0] >= v[1]); });
  };
  t["And"] = [](Importer &im) {
    return importBinary<AndOp>(im, false, true, false, nullptr,
                               [](auto v) { return v[0] & v[1]; });
  };
  t["Or"] = [](Importer &im) {
    return importBinary<OrOp>(im, false, true, false, nullptr,
                              [](auto v) { return v[0] | v[1]; });
  };
  t["Xor"] = [](Importer &im) {
    return importBinary<XorOp>(im, false, true, false, nullptr,
                               [](auto v) { return v[0] ^ v[1]; });
  };
  t["Not"] = [](Importer &im) -> LogicalResult {
    TensorInfo *x = im.input(0);
    if (!x)
      return failure();
    if (!x->type.getElementType().isInteger(1))
      return im.fail("Not needs a bool input");
    return importUnary<NotOp>(im, false, nullptr,
                              [](auto v) { return int64_t(!v[0]); });
  };
  t["Where"] = [](Importer &im) -> LogicalResult {
    TensorInfo *c = im.input(0), *x = im.input(1), *y = im.input(2);
    if (!c || !x || !y)
      return failure();
    if (!c->type.getElementType().isInteger(1))
      return im.fail("condition must be bool");
    if (x->type.getElementType() != y->type.getElementType())
      return im.fail("operand element types differ");
    FailureOr<SmallVector<int64_t>> shape = broadcastInputs(im, {c, x, y});
    if (failed(shape))
      return failure();
    auto type = RankedTensorType::get(*shape, x->type.getElementType());
    if (c->constant && x->constant && y->constant &&
        type.getNumElements() <= kElementwiseFoldLimit) {
      im.setConst(0, mapConst(
                         {&*c->constant, &*x->constant, &*y->constant}, type,
                         [](auto v) { return v[0] != 0 ? v[1] : v[2]; },
                         [](auto v) { return v[0] != 0 ? v[1] : v[2]; }));
      return success();
    }
    im.setOutput(0, im.create<WhereOp>(type, im.materialize(*c),
                                       im.materialize(*x), im.materialize(*y)));
    return success();
  };
}

static void registerUnaryMath(OpTable &t) {
  auto unaryF = [&t](StringRef name, auto tag, double (*fn)(double)) {
    using OpTy = decltype(tag);
    t[name] = [fn](Importer &im) {
      FoldF f =
          fn ? FoldF([fn](ArrayRef<double> v) { return fn(v[0]); }) : FoldF();
      return importUnary<OpTy>(im, true, f, nullptr);
    };
  };
  unaryF("Sqrt", SqrtOp(), [](double x) { return std::sqrt(x); });
  unaryF("Reciprocal", ReciprocalOp(), [](double x) { return 1.0 / x; });
  unaryF("Exp", ExpOp(), [](double x) { return std::exp(x); });
  unaryF("Log", LogOp(), [](double x) { return std::log(x); });
  unaryF("Erf", ErfOp(), nullptr);
  unaryF("Tanh", TanhOp(), nullptr);
  unaryF("Sigmoid", SigmoidOp(), nullptr);
  unaryF("Softplus", SoftplusOp(), nullptr);
  unaryF("Sin", SinOp(), nullptr);
  unaryF("Cos", CosOp(), nullptr);
  unaryF("Floor", FloorOp(), [](double x) { return std::floor(x); });
  unaryF("Ceil", CeilOp(), [](double x) { return std::ceil(x); });
  unaryF("Round", RoundOp(), [](double x) { return std::nearbyint(x); });
  t["Neg"] = [](Importer &im) {
    return importUnary<NegOp>(
        im, false, [](auto v) { return -v[0]; },
        [](auto v) { return wrapSub(0, v[0]); });
  };
  t["Abs"] = [](Importer &im) {
    return importUnary<AbsOp>(
        im, false, [](auto v) { return std::fabs(v[0]); },
        [](auto v) { return v[0] < 0 ? wrapSub(0, v[0]) : v[0]; });
  };
  t["Sign"] = [](Importer &im) {
    return importUnary<SignOp>(
        im, false, [](auto v) { return double((v[0] > 0) - (v[0] < 0)); },
        [](auto v) { return int64_t((v[0] > 0) - (v[0] < 0)); });
  };
  t["Relu"] = [](Importer &im) {
    return importUnary<ReluOp>(
        im, false, [](auto v) { return v[0] > 0 ? v[0] : 0.0; },
        [](auto v) { return v[0] > 0 ? v[0] : int64_t(0); });
  };
}

/// Gelu (opset 20): exact form maps to tessera.gelu; the tanh form is
/// decomposed so it stays exact.
static LogicalResult importGelu(Importer &im) {
  std::string approx = im.attrString("approximate", "none");
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto t = Importer::typeOf(x);
  if (!isFloatTensor(t))
    return im.fail("Gelu needs a float input");
  if (approx == "none") {
    im.setOutput(0, im.create<GeluOp>(t, x));
    return success();
  }
  if (approx != "tanh")
    return im.fail("unsupported approximate = '" + approx + "'");
  Type et = t.getElementType();
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  Value x3 = im.create<MulOp>(t, im.create<MulOp>(t, x, x), x);
  Value inner =
      im.create<AddOp>(t, x, im.create<MulOp>(t, x3, im.scalar(et, 0.044715)));
  inner = im.create<MulOp>(t, inner, im.scalar(et, std::sqrt(2.0 / M_PI)));
  // One statement per op: the IR's order must not depend on the C++
  // compiler's order of evaluating arguments.
  Value one = im.scalar(et, 1.0);
  Value th = im.create<AddOp>(t, im.create<TanhOp>(t, inner), one);
  Value half = im.scalar(et, 0.5);
  im.setOutput(0, im.create<MulOp>(t, im.create<MulOp>(t, x, th), half));
  return success();
}

/// Clip: constant bounds become tessera.clamp, others max/min.
static LogicalResult importClip(Importer &im) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  std::optional<double> lo, hi;
  Value loV, hiV;
  if (im.opset < 11) {
    if (im.attr("min"))
      lo = im.attrFloat("min", 0);
    if (im.attr("max"))
      hi = im.attrFloat("max", 0);
  }
  for (unsigned i : {1u, 2u}) {
    if (!im.hasInput(i))
      continue;
    TensorInfo *b = im.input(i);
    if (!b)
      return failure();
    if (b->type.getRank() != 0 && b->type.getNumElements() != 1)
      return im.fail("Clip bounds must be scalars");
    if (b->constant)
      (i == 1 ? lo : hi) = b->constant->getDouble(0);
    else
      (i == 1 ? loV : hiV) = im.reshape(im.materialize(*b), {});
  }
  Value v = im.materialize(*x);
  auto f64 = [&](std::optional<double> d) {
    return d ? im.builder.getF64FloatAttr(*d) : FloatAttr();
  };
  if (lo || hi)
    v = ClampOp::create(im.builder, im.loc, x->type, v, f64(lo), f64(hi))
            .getResult();
  if (loV)
    v = im.create<MaxOp>(x->type, v, loV);
  if (hiV)
    v = im.create<MinOp>(x->type, v, hiV);
  im.setOutput(0, v);
  return success();
}

void mlir::tessera::onnx_import::registerElementwiseOps(OpTable &t) {
  registerArithmetic(t);
  registerLogic(t);
  registerUnaryMath(t);
  t["Gelu"] = importGelu;
  t["Clip"] = importClip;
}
