// Elementwise tessera ops (unary, binary with numpy broadcasting, compare,
// where, cast, clamp) -> one linalg.generic each with arith/math bodies.
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

template <typename FOp, typename IOp>
Value floatOrInt(OpBuilder &b, Location loc, Value x, Value y) {
  if (isFloat(x.getType()))
    return FOp::create(b, loc, x, y);
  return IOp::create(b, loc, x, y);
}

Value cmp(OpBuilder &b, Location loc, arith::CmpFPredicate fp,
          arith::CmpIPredicate sp, arith::CmpIPredicate up, Value x, Value y) {
  if (isFloat(x.getType()))
    return arith::CmpFOp::create(b, loc, fp, x, y);
  return arith::CmpIOp::create(b, loc, isBool(x.getType()) ? up : sp, x, y);
}

Value zeroOf(OpBuilder &b, Location loc, Value like) {
  return scalarConstant(b, loc, like.getType(), 0.0);
}

/// 1 / (1 + e^-|x|) mirrored for negative x: never overflows.
Value stableSigmoid(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value one = scalarConstant(b, loc, t, 1.0);
  Value e = math::ExpOp::create(
      b, loc, arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x)));
  Value denom = arith::AddFOp::create(b, loc, one, e);
  Value pos = arith::DivFOp::create(b, loc, one, denom);
  Value neg = arith::DivFOp::create(b, loc, e, denom);
  Value isPos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, x,
                                      zeroOf(b, loc, x));
  return arith::SelectOp::create(b, loc, isPos, pos, neg);
}

/// Converts one scalar to `dst`: float->int truncates toward zero, anything
/// -> i1 is `x != 0`, i1 -> number is 0/1.
Value convertScalar(OpBuilder &b, Location loc, Value x, Type dst) {
  Type src = x.getType();
  if (src == dst)
    return x;
  if (isBool(dst)) {
    if (isFloat(src))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x,
                                   zeroOf(b, loc, x));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x,
                                 zeroOf(b, loc, x));
  }
  if (isFloat(src) && isFloat(dst)) {
    if (src.getIntOrFloatBitWidth() < dst.getIntOrFloatBitWidth())
      return arith::ExtFOp::create(b, loc, dst, x);
    if (src.getIntOrFloatBitWidth() > dst.getIntOrFloatBitWidth())
      return arith::TruncFOp::create(b, loc, dst, x);
    // f16 <-> bf16: go through f32.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), x);
    return arith::TruncFOp::create(b, loc, dst, wide);
  }
  if (isFloat(src))
    return arith::FPToSIOp::create(b, loc, dst, x);
  if (isFloat(dst)) {
    if (isBool(src))
      return arith::UIToFPOp::create(b, loc, dst, x);
    return arith::SIToFPOp::create(b, loc, dst, x);
  }
  if (src.getIntOrFloatBitWidth() > dst.getIntOrFloatBitWidth())
    return arith::TruncIOp::create(b, loc, dst, x);
  if (isBool(src))
    return arith::ExtUIOp::create(b, loc, dst, x);
  return arith::ExtSIOp::create(b, loc, dst, x);
}

// One scalar body per op; the pattern below picks it by overload.
using VR = ValueRange;

Value scalarOp(AbsOp, OpBuilder &b, Location l, VR a) {
  if (isFloat(a[0].getType()))
    return math::AbsFOp::create(b, l, a[0]);
  if (isBool(a[0].getType()))
    return a[0];
  return math::AbsIOp::create(b, l, a[0]);
}
Value scalarOp(NegOp, OpBuilder &b, Location l, VR a) {
  if (isFloat(a[0].getType()))
    return arith::NegFOp::create(b, l, a[0]);
  return arith::SubIOp::create(b, l, zeroOf(b, l, a[0]), a[0]);
}
Value scalarOp(SignOp, OpBuilder &b, Location l, VR a) {
  Value x = a[0];
  Type t = x.getType();
  if (isBool(t))
    return x;
  Value zero = zeroOf(b, l, x);
  Value gt = cmp(b, l, arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt,
                 arith::CmpIPredicate::ugt, x, zero);
  Value lt = cmp(b, l, arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt,
                 arith::CmpIPredicate::ult, x, zero);
  // Zero and NaN map to themselves.
  Value rest = arith::SelectOp::create(b, l, lt, scalarConstant(b, l, t, -1.0),
                                       isFloat(t) ? x : zero);
  return arith::SelectOp::create(b, l, gt, scalarConstant(b, l, t, 1.0), rest);
}
Value scalarOp(ExpOp, OpBuilder &b, Location l, VR a) {
  return math::ExpOp::create(b, l, a[0]);
}
Value scalarOp(LogOp, OpBuilder &b, Location l, VR a) {
  return math::LogOp::create(b, l, a[0]);
}
Value scalarOp(SqrtOp, OpBuilder &b, Location l, VR a) {
  return math::SqrtOp::create(b, l, a[0]);
}
Value scalarOp(RsqrtOp, OpBuilder &b, Location l, VR a) {
  return math::RsqrtOp::create(b, l, a[0]);
}
Value scalarOp(ReciprocalOp, OpBuilder &b, Location l, VR a) {
  return arith::DivFOp::create(b, l, scalarConstant(b, l, a[0].getType(), 1.0),
                               a[0]);
}
Value scalarOp(TanhOp, OpBuilder &b, Location l, VR a) {
  return math::TanhOp::create(b, l, a[0]);
}
Value scalarOp(SigmoidOp, OpBuilder &b, Location l, VR a) {
  return stableSigmoid(b, l, a[0]);
}
Value scalarOp(ReluOp, OpBuilder &b, Location l, VR a) {
  if (isBool(a[0].getType()))
    return a[0];
  return floatOrInt<arith::MaximumFOp, arith::MaxSIOp>(b, l, a[0],
                                                       zeroOf(b, l, a[0]));
}
Value scalarOp(ErfOp, OpBuilder &b, Location l, VR a) {
  return math::ErfOp::create(b, l, a[0]);
}
Value scalarOp(SinOp, OpBuilder &b, Location l, VR a) {
  return math::SinOp::create(b, l, a[0]);
}
Value scalarOp(CosOp, OpBuilder &b, Location l, VR a) {
  return math::CosOp::create(b, l, a[0]);
}
/// max(x, 0) + log1p(e^-|x|): exact for large |x|, no overflow.
Value scalarOp(SoftplusOp, OpBuilder &b, Location l, VR a) {
  Value x = a[0];
  Value e = math::ExpOp::create(
      b, l, arith::NegFOp::create(b, l, math::AbsFOp::create(b, l, x)));
  Value relu = arith::MaximumFOp::create(b, l, x, zeroOf(b, l, x));
  return arith::AddFOp::create(b, l, relu, math::Log1pOp::create(b, l, e));
}
Value scalarOp(FloorOp, OpBuilder &b, Location l, VR a) {
  return math::FloorOp::create(b, l, a[0]);
}
Value scalarOp(CeilOp, OpBuilder &b, Location l, VR a) {
  return math::CeilOp::create(b, l, a[0]);
}
Value scalarOp(RoundOp, OpBuilder &b, Location l, VR a) {
  return math::RoundEvenOp::create(b, l, a[0]);
}
Value scalarOp(GeluOp, OpBuilder &b, Location l, VR a) {
  Value x = a[0];
  Type t = x.getType();
  Value scaled =
      arith::MulFOp::create(b, l, x, scalarConstant(b, l, t, M_SQRT1_2));
  Value erf = math::ErfOp::create(b, l, scaled);
  Value onePlus =
      arith::AddFOp::create(b, l, scalarConstant(b, l, t, 1.0), erf);
  Value half = arith::MulFOp::create(b, l, x, scalarConstant(b, l, t, 0.5));
  return arith::MulFOp::create(b, l, half, onePlus);
}
Value scalarOp(SiluOp, OpBuilder &b, Location l, VR a) {
  return arith::MulFOp::create(b, l, a[0], stableSigmoid(b, l, a[0]));
}
Value scalarOp(HardSwishOp, OpBuilder &b, Location l, VR a) {
  // x * min(max(x + 3, 0), 6) / 6; NaN stays NaN (maximumf/minimumf
  // propagate it).
  Type t = a[0].getType();
  Value shifted =
      arith::AddFOp::create(b, l, a[0], scalarConstant(b, l, t, 3.0));
  Value lo =
      arith::MaximumFOp::create(b, l, shifted, scalarConstant(b, l, t, 0.0));
  Value hi = arith::MinimumFOp::create(b, l, lo, scalarConstant(b, l, t, 6.0));
  return arith::DivFOp::create(b, l, arith::MulFOp::create(b, l, a[0], hi),
                               scalarConstant(b, l, t, 6.0));
}
Value scalarOp(NotOp, OpBuilder &b, Location l, VR a) {
  return arith::XOrIOp::create(b, l, a[0],
                               scalarConstant(b, l, a[0].getType(), 1.0));
}

Value scalarOp(AddOp, OpBuilder &b, Location l, VR a) {
  return floatOrInt<arith::AddFOp, arith::AddIOp>(b, l, a[0], a[1]);
}
Value scalarOp(SubOp, OpBuilder &b, Location l, VR a) {
  return floatOrInt<arith::SubFOp, arith::SubIOp>(b, l, a[0], a[1]);
}
Value scalarOp(MulOp, OpBuilder &b, Location l, VR a) {
  return floatOrInt<arith::MulFOp, arith::MulIOp>(b, l, a[0], a[1]);
}
/// Integer division never traps: divisors 0 and -1 become 1, then x / 0 is 0
/// (numpy) and x / -1 is -x (wrapping at the minimum).
struct SafeDivisor {
  Value divisor, isZero, isMinusOne;
};
SafeDivisor safeDivisor(OpBuilder &b, Location l, Value y) {
  Type t = y.getType();
  Value isZero =
      arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, y, zeroOf(b, l, y));
  Value isMinusOne = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, y,
                                           scalarConstant(b, l, t, -1.0));
  Value trap = arith::OrIOp::create(b, l, isZero, isMinusOne);
  Value divisor =
      arith::SelectOp::create(b, l, trap, scalarConstant(b, l, t, 1.0), y);
  return {divisor, isZero, isMinusOne};
}
Value scalarOp(DivOp, OpBuilder &b, Location l, VR a) {
  Value x = a[0], y = a[1];
  if (isFloat(x.getType()))
    return arith::DivFOp::create(b, l, x, y);
  SafeDivisor s = safeDivisor(b, l, y);
  Value zero = zeroOf(b, l, x);
  Value q = arith::DivSIOp::create(b, l, x, s.divisor);
  q = arith::SelectOp::create(b, l, s.isMinusOne,
                              arith::SubIOp::create(b, l, zero, x), q);
  return arith::SelectOp::create(b, l, s.isZero, zero, q);
}
Value scalarOp(PowOp, OpBuilder &b, Location l, VR a) {
  return math::PowFOp::create(b, l, a[0], a[1]);
}
// NaN propagates, as in ONNX Max/Min.
Value scalarOp(MaxOp, OpBuilder &b, Location l, VR a) {
  if (isBool(a[0].getType()))
    return arith::OrIOp::create(b, l, a[0], a[1]);
  return floatOrInt<arith::MaximumFOp, arith::MaxSIOp>(b, l, a[0], a[1]);
}
Value scalarOp(MinOp, OpBuilder &b, Location l, VR a) {
  if (isBool(a[0].getType()))
    return arith::AndIOp::create(b, l, a[0], a[1]);
  return floatOrInt<arith::MinimumFOp, arith::MinSIOp>(b, l, a[0], a[1]);
}
Value scalarOp(AndOp, OpBuilder &b, Location l, VR a) {
  return arith::AndIOp::create(b, l, a[0], a[1]);
}
Value scalarOp(OrOp, OpBuilder &b, Location l, VR a) {
  return arith::OrIOp::create(b, l, a[0], a[1]);
}
Value scalarOp(XorOp, OpBuilder &b, Location l, VR a) {
  return arith::XOrIOp::create(b, l, a[0], a[1]);
}
/// fmod: sign of the dividend (C). Otherwise Python: a non-zero remainder
/// whose sign differs from the divisor's gets the divisor added.
Value scalarOp(ModOp op, OpBuilder &b, Location l, VR a) {
  Value x = a[0], y = a[1];
  // x % 0 is 0 (numpy) and x % -1 is 0: both are x % 1.
  Value rem =
      isFloat(x.getType())
          ? arith::RemFOp::create(b, l, x, y).getResult()
          : arith::RemSIOp::create(b, l, x, safeDivisor(b, l, y).divisor)
                .getResult();
  if (op.getFmod() || isBool(x.getType()))
    return rem;
  Value zero = zeroOf(b, l, x);
  Value nonZero = cmp(b, l, arith::CmpFPredicate::ONE, arith::CmpIPredicate::ne,
                      arith::CmpIPredicate::ne, rem, zero);
  Value remNeg = cmp(b, l, arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt,
                     arith::CmpIPredicate::ult, rem, zero);
  Value divNeg = cmp(b, l, arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt,
                     arith::CmpIPredicate::ult, y, zero);
  Value differ = arith::XOrIOp::create(b, l, remNeg, divNeg);
  Value fix = arith::AndIOp::create(b, l, nonZero, differ);
  Value adjusted = floatOrInt<arith::AddFOp, arith::AddIOp>(b, l, rem, y);
  return arith::SelectOp::create(b, l, fix, adjusted, rem);
}

Value scalarOp(EqualOp, OpBuilder &b, Location l, VR a) {
  return cmp(b, l, arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq,
             arith::CmpIPredicate::eq, a[0], a[1]);
}
Value scalarOp(LessOp, OpBuilder &b, Location l, VR a) {
  return cmp(b, l, arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt,
             arith::CmpIPredicate::ult, a[0], a[1]);
}
Value scalarOp(LessEqualOp, OpBuilder &b, Location l, VR a) {
  return cmp(b, l, arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle,
             arith::CmpIPredicate::ule, a[0], a[1]);
}
Value scalarOp(GreaterOp, OpBuilder &b, Location l, VR a) {
  return cmp(b, l, arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt,
             arith::CmpIPredicate::ugt, a[0], a[1]);
}
Value scalarOp(GreaterEqualOp, OpBuilder &b, Location l, VR a) {
  return cmp(b, l, arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge,
             arith::CmpIPredicate::uge, a[0], a[1]);
}
Value scalarOp(WhereOp, OpBuilder &b, Location l, VR a) {
  return arith::SelectOp::create(b, l, a[0], a[1], a[2]);
}
Value scalarOp(CastOp op, OpBuilder &b, Location l, VR a) {
  return convertScalar(b, l, a[0], op.getType().getElementType());
}

/// A bound of `clamp` as a constant of `t`, saturated to t's range.
Value clampBound(OpBuilder &b, Location l, Type t, double v) {
  if (isFloat(t))
    return scalarConstant(b, l, t, v);
  unsigned w = t.getIntOrFloatBitWidth();
  double lo = w == 1 ? 0.0 : -std::ldexp(1.0, w - 1);
  double hi = w == 1 ? 1.0 : std::ldexp(1.0, w - 1) - 1.0;
  if (v <= lo)
    return lowestValue(b, l, t);
  if (v >= hi)
    return highestValue(b, l, t);
  return scalarConstant(b, l, t, std::trunc(v));
}
Value scalarOp(ClampOp op, OpBuilder &b, Location l, VR a) {
  Value x = a[0];
  Type t = x.getType();
  bool isUnsigned = isBool(t);
  if (FloatAttr lo = op.getMinAttr()) {
    Value bound = clampBound(b, l, t, lo.getValueAsDouble());
    x = isFloat(t)   ? arith::MaximumFOp::create(b, l, x, bound).getResult()
        : isUnsigned ? arith::MaxUIOp::create(b, l, x, bound).getResult()
                     : arith::MaxSIOp::create(b, l, x, bound).getResult();
  }
  if (FloatAttr hi = op.getMaxAttr()) {
    Value bound = clampBound(b, l, t, hi.getValueAsDouble());
    x = isFloat(t)   ? arith::MinimumFOp::create(b, l, x, bound).getResult()
        : isUnsigned ? arith::MinUIOp::create(b, l, x, bound).getResult()
                     : arith::MinSIOp::create(b, l, x, bound).getResult();
  }
  return x;
}

template <typename OpTy>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return scalarOp(op, b, loc, args);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

template <typename... Ops> void addElementwise(RewritePatternSet &patterns) {
  patterns.add<ElementwiseLowering<Ops>...>(patterns.getContext());
}

} // namespace

void mlir::tessera::populateTesseraElementwiseLoweringPatterns(
    RewritePatternSet &patterns) {
  addElementwise<AbsOp, NegOp, SignOp, ExpOp, LogOp, SqrtOp, RsqrtOp,
                 ReciprocalOp, TanhOp, SigmoidOp, ReluOp, ErfOp, SinOp, CosOp,
                 SoftplusOp, FloorOp, CeilOp, RoundOp, GeluOp, SiluOp,
                 HardSwishOp, NotOp>(patterns);
  addElementwise<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, AndOp, OrOp,
                 XorOp, ModOp, EqualOp, LessOp, LessEqualOp, GreaterOp,
                 GreaterEqualOp, WhereOp, CastOp, ClampOp>(patterns);
}
