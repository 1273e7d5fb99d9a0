// Dialect registration, constant materialization and the broadcast helpers
// shared by every elementwise op.
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::tessera;

#include "tessera/TesseraDialect.cpp.inc"

void TesseraDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "tessera/TesseraOps.cpp.inc"
      >();
  attachKernelBufferization(*getContext());
}

Operation *TesseraDialect::materializeConstant(OpBuilder &builder,
                                               Attribute value, Type type,
                                               Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}

LogicalResult mlir::tessera::broadcastShapes(ArrayRef<int64_t> a,
                                             ArrayRef<int64_t> b,
                                             SmallVectorImpl<int64_t> &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return failure();
    out[i] = da == 1 ? db : da;
  }
  return success();
}

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

LogicalResult mlir::tessera::verifyNumpyBroadcast(Operation *op) {
  SmallVector<int64_t> shape;
  for (Value operand : op->getOperands()) {
    auto type = cast<ShapedType>(operand.getType());
    SmallVector<int64_t> next;
    if (failed(broadcastShapes(shape, type.getShape(), next)))
      return op->emitOpError("operand shapes ")
             << shapeStr(shape) << " and " << shapeStr(type.getShape())
             << " do not broadcast";
    shape = next;
  }
  auto resultShape = cast<ShapedType>(op->getResult(0).getType()).getShape();
  if (resultShape != ArrayRef<int64_t>(shape))
    return op->emitOpError("result shape ")
           << shapeStr(resultShape) << " differs from the broadcast shape "
           << shapeStr(shape);
  return success();
}

void TesseraDialect::addCount(StringRef pass, StringRef what, int64_t n) {
  std::string key = (pass + "/" + what).str();
  std::lock_guard<std::mutex> lock(countsMutex);
  for (auto &[k, v] : counts)
    if (k == key) {
      v += n;
      return;
    }
  counts.emplace_back(std::move(key), n);
}

std::vector<std::pair<std::string, int64_t>> TesseraDialect::takeCounts() {
  std::lock_guard<std::mutex> lock(countsMutex);
  return std::exchange(counts, {});
}
