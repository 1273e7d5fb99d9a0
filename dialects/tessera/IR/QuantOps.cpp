// Quantized ops: verifiers that state every shape and range rule.
#include "tessera/IR/TesseraOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;

LogicalResult QLinearOp::verify() {
  auto x = getInput().getType(), w = getWeight().getType(),
       s = getScale().getType();
  auto out = getType();
  if (!x.getElementType().isF32() || out.getElementType() != x.getElementType())
    return emitOpError("input and result must be f32, found ")
           << x.getElementType() << " and " << out.getElementType();
  if (x.getRank() < 1 || w.getRank() != 2 || s.getRank() != 2)
    return emitOpError("input must have rank >= 1, weight and scale rank 2, "
                       "found ")
           << x.getRank() << ", " << w.getRank() << " and " << s.getRank();
  int64_t n = w.getDimSize(0), k = w.getDimSize(1), groups = s.getDimSize(1);
  if (x.getShape().back() != k)
    return emitOpError("contraction sizes differ: input has K = ")
           << x.getShape().back() << ", weight [N, K] has K = " << k;
  if (s.getDimSize(0) != n || groups < 1 || k % groups != 0 ||
      !s.getElementType().isF32())
    return emitOpError("scale must be f32 [N = ")
           << n << ", G] with G >= 1 dividing K = " << k << ", found " << s;
  if (getBits() != 8 && getBits() != 4)
    return emitOpError("bits must be 8 or 4, found ") << getBits();
  bool isStatic = getMode() == "static";
  if (getMode() == "dynamic" || getMode() == "dynamic_tensor" || isStatic) {
    if (getBits() != 8 || groups != 1)
      return emitOpError()
             << getMode()
             << " mode needs 8-bit weights with one scale per output channel, "
                "found "
             << getBits() << " bits and " << groups << " groups";
  } else if (getMode() != "weight_only") {
    return emitOpError("mode must be 'dynamic', 'dynamic_tensor', 'static' or "
                       "'weight_only', found '")
           << getMode() << "'";
  }
  bool hasScale = getInputScale().has_value(),
       hasZeroPoint = getInputZeroPoint().has_value();
  if (isStatic ? !(hasScale && hasZeroPoint) : (hasScale || hasZeroPoint))
    return emitOpError("input_scale and input_zero_point go with static mode "
                       "only, and static mode needs both");
  if (isStatic) {
    float scale = getInputScale()->convertToFloat();
    int64_t zp = *getInputZeroPoint();
    if (!(scale > 0.0f) || !std::isfinite(scale) || zp < 0 || zp > 255)
      return emitOpError("static mode needs a finite input_scale > 0 and an "
                         "input_zero_point in [0, 255], found ")
             << scale << " and " << zp;
  }
  return verifyLinearEpilogue(getOperation(), x, out, n, getBias(),
                              getResidual(), getActivation());
}
