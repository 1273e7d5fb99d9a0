// Verifier of tessera.resize.
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

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
  if (getMode() != "nearest" && getMode() != "linear" && getMode() != "cubic")
    return emitOpError("mode must be nearest, linear or cubic, found '")
           << getMode() << "'";
  StringRef t = getCoordinateTransformationMode();
  if (t != "half_pixel" && t != "pytorch_half_pixel" && t != "align_corners" &&
      t != "asymmetric" && t != "tf_half_pixel_for_nn" &&
      t != "tf_crop_and_resize")
    return emitOpError("unsupported coordinate_transformation_mode '")
           << t << "'";
  std::optional<ArrayRef<double>> roi = getRoi();
  if (t == "tf_crop_and_resize") {
    if (!roi || static_cast<int64_t>(roi->size()) != 2 * rank)
      return emitOpError("tf_crop_and_resize needs a roi of 2 * rank = ")
             << 2 * rank << " entries";
    for (double v : *roi)
      if (!std::isfinite(v))
        return emitOpError("roi entries must be finite");
  } else if (roi) {
    return emitOpError("roi is only allowed with tf_crop_and_resize");
  }
  StringRef n = getNearestMode();
  if (n != "round_prefer_floor" && n != "round_prefer_ceil" && n != "floor" &&
      n != "ceil")
    return emitOpError("unsupported nearest_mode '") << n << "'";
  for (int64_t d = 0; d < rank; ++d)
    if (getType().getDimSize(d) < 1 || in.getDimSize(d) < 1)
      return emitOpError("dimension ") << d << " must not be empty";
  return success();
}
