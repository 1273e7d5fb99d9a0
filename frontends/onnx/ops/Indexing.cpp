// GatherElements, GatherND, ScatterElements (and its opset-9 name Scatter)
// and ScatterND with reductions; negative indices are normalized by the ops.
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

static bool isIndexType(RankedTensorType t) {
  return t.getElementType().isInteger(32) || t.getElementType().isInteger(64);
}

static LogicalResult importGatherElements(Importer &im) {
  Value x = im.operand(0), idx = im.operand(1);
  if (!x || !idx)
    return failure();
  auto xt = Importer::typeOf(x), it = Importer::typeOf(idx);
  if (!isIndexType(it))
    return im.fail("indices must be int32 or int64");
  FailureOr<int64_t> axis = im.normAxis(im.attrInt("axis", 0), xt.getRank());
  if (failed(axis))
    return failure();
  if (it.getRank() != xt.getRank())
    return im.fail("indices must have the rank of the data");
  for (int64_t d = 0; d < xt.getRank(); ++d)
    if (d != *axis && it.getDimSize(d) > xt.getDimSize(d))
      return im.fail("indices dimension " + Twine(d) + " exceeds the data's");
  auto type = RankedTensorType::get(it.getShape(), xt.getElementType());
  im.setOutput(0,
               GatherElementsOp::create(im.builder, im.loc, type, x, idx, *axis)
                   .getResult());
  return success();
}

static LogicalResult importGatherND(Importer &im) {
  Value x = im.operand(0), idx = im.operand(1);
  if (!x || !idx)
    return failure();
  auto xt = Importer::typeOf(x), it = Importer::typeOf(idx);
  if (!isIndexType(it))
    return im.fail("indices must be int32 or int64");
  int64_t batch = im.attrInt("batch_dims", 0);
  if (it.getRank() < 1)
    return im.fail("indices must have rank >= 1");
  int64_t q = it.getShape().back();
  if (batch < 0 || batch >= it.getRank() || batch + q > xt.getRank())
    return im.fail("index tuples of length " + Twine(q) + " after " +
                   Twine(batch) + " batch dims do not fit data rank " +
                   Twine(xt.getRank()));
  for (int64_t d = 0; d < batch; ++d)
    if (it.getDimSize(d) != xt.getDimSize(d))
      return im.fail("batch dimensions of data and indices differ");
  SmallVector<int64_t> shape(it.getShape().drop_back());
  llvm::append_range(shape, xt.getShape().drop_front(batch + q));
  auto type = RankedTensorType::get(shape, xt.getElementType());
  im.setOutput(
      0,
      GatherNDOp::create(im.builder, im.loc, type, x, idx, batch).getResult());
  return success();
}

/// The reduction attribute, checked against what the element type allows.
static FailureOr<std::string> scatterReduction(Importer &im, Type et) {
  std::string r = im.attrString("reduction", "none");
  if (r != "none" && r != "add" && r != "mul" && r != "max" && r != "min")
    return im.fail("unsupported reduction '" + r + "'");
  if (r != "none" && et.isInteger(1))
    return im.fail("reduction '" + r + "' on bool data is not supported");
  return r;
}

static LogicalResult importScatterElements(Importer &im) {
  Value x = im.operand(0), idx = im.operand(1), upd = im.operand(2);
  if (!x || !idx || !upd)
    return failure();
  auto xt = Importer::typeOf(x), it = Importer::typeOf(idx),
       ut = Importer::typeOf(upd);
  if (!isIndexType(it))
    return im.fail("indices must be int32 or int64");
  if (ut.getElementType() != xt.getElementType())
    return im.fail("updates and data element types differ");
  if (ut.getShape() != it.getShape() || it.getRank() != xt.getRank())
    return im.fail("indices and updates must share a shape of the data's rank");
  FailureOr<int64_t> axis = im.normAxis(im.attrInt("axis", 0), xt.getRank());
  if (failed(axis))
    return failure();
  for (int64_t d = 0; d < xt.getRank(); ++d)
    if (d != *axis && it.getDimSize(d) > xt.getDimSize(d))
      return im.fail("indices dimension " + Twine(d) + " exceeds the data's");
  FailureOr<std::string> r = scatterReduction(im, xt.getElementType());
  if (failed(r))
    return failure();
  im.setOutput(0, ScatterElementsOp::create(im.builder, im.loc, xt, x, idx, upd,
                                            *axis, *r)
                      .getResult());
  return success();
}

static LogicalResult importScatterND(Importer &im) {
  Value x = im.operand(0), idx = im.operand(1), upd = im.operand(2);
  if (!x || !idx || !upd)
    return failure();
  auto xt = Importer::typeOf(x), it = Importer::typeOf(idx),
       ut = Importer::typeOf(upd);
  if (!isIndexType(it))
    return im.fail("indices must be int32 or int64");
  if (ut.getElementType() != xt.getElementType())
    return im.fail("updates and data element types differ");
  if (it.getRank() < 1 || it.getShape().back() > xt.getRank())
    return im.fail("indices must have rank >= 1 and at most " +
                   Twine(xt.getRank()) + " entries per index");
  SmallVector<int64_t> shape(it.getShape().drop_back());
  llvm::append_range(shape, xt.getShape().drop_front(it.getShape().back()));
  if (ut.getShape() != ArrayRef<int64_t>(shape))
    return im.fail("updates shape must be indices.shape[:-1] + "
                   "data.shape[q:]");
  FailureOr<std::string> r = scatterReduction(im, xt.getElementType());
  if (failed(r))
    return failure();
  im.setOutput(
      0,
      ScatterNDOp::create(im.builder, im.loc, xt, x, idx, upd, *r).getResult());
  return success();
}

void mlir::tessera::onnx_import::registerIndexingOps(OpTable &t) {
  t["GatherElements"] = importGatherElements;
  t["GatherND"] = importGatherND;
  t["ScatterElements"] = importScatterElements;
  t["Scatter"] = importScatterElements;
  // An earlier handler folds ScatterND on known constants (torch's masks);
  // keep that and emit tessera.scatter_nd for everything else.
  OpHandler fold = t.lookup("ScatterND");
  t["ScatterND"] = [fold](Importer &im) -> LogicalResult {
    TensorInfo *x = im.input(0), *idx = im.input(1), *upd = im.input(2);
    if (!x || !idx || !upd)
      return failure();
    if (fold && x->constant && idx->constant && upd->constant &&
        x->type.getNumElements() <= kFoldLimit &&
        im.attrString("reduction", "none") == "none")
      return fold(im);
    return importScatterND(im);
  };
}
