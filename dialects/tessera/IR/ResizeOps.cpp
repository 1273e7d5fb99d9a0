// Verifier of tessera.resize.
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::tessera;

LogicalResult ResizeOp::verify() {
  auto in = getInput().getType();
  int64_t rank = in.getRank();
  if (getType().getRank() != rank ||
      static_cast<int64_t>(getScales().size()) != rank)
    return emitOpError("result and scales must have the input's rank ") << rank;
  for (double s : getScales())
    if (!(s > 0))
      return emitOpError("scales must be positive, found ") << s;
  if (getMode() != "nearest" && getMode() != "linear")
    return emitOpError("mode must be nearest or linear, found '")
           << getMode() << "'";
  StringRef t = getCoordinateTransformationMode();
  if (t != "half_pixel" && t != "pytorch_half_pixel" && t != "align_corners" &&
      t != "asymmetric" && t != "tf_half_pixel_for_nn")
    return emitOpError("unsupported coordinate_transformation_mode '")
           << t << "'";
  StringRef n = getNearestMode();
  if (n != "round_prefer_floor" && n != "round_prefer_ceil" && n != "floor" &&
      n != "ceil")
    return emitOpError("unsupported nearest_mode '") << n << "'";
  for (int64_t d = 0; d < rank; ++d)
    if (getType().getDimSize(d) < 1 || in.getDimSize(d) < 1)
      return emitOpError("dimension ") << d << " must not be empty";
  return success();
}
