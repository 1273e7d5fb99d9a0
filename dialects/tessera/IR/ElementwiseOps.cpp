// Constants and elementwise ops: verifiers and folders.
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <vector>

using namespace mlir;
using namespace mlir::tessera;

#define GET_OP_CLASSES
#include "tessera/TesseraOps.cpp.inc"

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

/// True if `v` is a splat constant equal to `x` (integer or float).
static bool isSplatOf(Attribute attr, double x) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  Type elt = splat.getElementType();
  if (isa<FloatType>(elt))
    return splat.getSplatValue<APFloat>().convertToDouble() == x;
  if (elt.isInteger(1))
    return false;
  return splat.getSplatValue<APInt>().getSExtValue() == static_cast<int64_t>(x);
}

/// `x op c` folds to `x` when `c` is the identity and broadcasting changes
/// nothing.
template <typename Op>
static OpFoldResult foldIdentity(Op op, Attribute rhs, double identity) {
  if (op.getLhs().getType() == op.getType() && isSplatOf(rhs, identity))
    return op.getLhs();
  return {};
}

/// Folded f32 results up to this many elements (4 MiB): masks that the
/// graph level builds from constants (a shifted-window attention's relative
/// position bias plus its window mask, [windows, heads, 49, 49]) become
/// constants instead of a kernel on every run.
constexpr int64_t kFoldElements = int64_t(1) << 20;

namespace {
/// The f32 elements of a constant operand: dense (one element when splat)
/// or dense_resource (the importer's form above a few elements).
struct F32Elements {
  const float *data = nullptr;
  std::vector<float> owned; // dense attributes, read out
  bool splat = false;
};
} // namespace

static std::optional<F32Elements> f32Elements(Attribute attr) {
  auto elements = dyn_cast_or_null<ElementsAttr>(attr);
  if (!elements || !elements.getElementType().isF32())
    return std::nullopt;
  F32Elements out;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || int64_t(blob->getData().size()) !=
                     4 * resource.getType().getNumElements())
      return std::nullopt;
    out.data = reinterpret_cast<const float *>(blob->getData().data());
    return out;
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  out.splat = dense.isSplat();
  if (out.splat)
    out.owned.push_back(dense.getSplatValue<float>());
  else
    out.owned.assign(dense.getValues<float>().begin(),
                     dense.getValues<float>().end());
  out.data = out.owned.data();
  return out;
}

/// fn(lhs, rhs) elementwise with numpy broadcasting, for two f32 constants
/// and a static result of at most kFoldElements elements: dense when small
/// or a splat, else dense_resource. Null if it does not fold.
template <typename Fn>
static Attribute foldF32(Attribute lhs, Attribute rhs, Type resultType, Fn fn) {
  auto type = dyn_cast<RankedTensorType>(resultType);
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32() ||
      type.getNumElements() > kFoldElements)
    return {};
  std::optional<F32Elements> a = f32Elements(lhs), b = f32Elements(rhs);
  if (!a || !b)
    return {};
  if (a->splat && b->splat)
    return DenseElementsAttr::get(type, fn(a->data[0], b->data[0]));
  // Each operand's stride per result dimension (0 where it broadcasts).
  int64_t rank = type.getRank();
  auto stridesOf = [&](Attribute attr, bool splat) {
    SmallVector<int64_t> strides(rank, 0);
    if (splat)
      return strides;
    ArrayRef<int64_t> shape =
        cast<ShapedType>(cast<TypedAttr>(attr).getType()).getShape();
    int64_t stride = 1;
    for (int64_t i = int64_t(shape.size()) - 1; i >= 0; --i) {
      int64_t d = rank - int64_t(shape.size()) + i;
      strides[d] = shape[i] == 1 ? 0 : stride;
      stride *= shape[i];
    }
    return strides;
  };
  SmallVector<int64_t> sa = stridesOf(lhs, a->splat),
                       sb = stridesOf(rhs, b->splat);
  ArrayRef<int64_t> shape = type.getShape();
  std::vector<float> out(size_t(type.getNumElements()));
  SmallVector<int64_t> idx(rank, 0);
  int64_t ia = 0, ib = 0;
  for (float &v : out) {
    v = fn(a->data[ia], b->data[ib]);
    for (int64_t d = rank - 1; d >= 0; --d) {
      ia += sa[d];
      ib += sb[d];
      if (++idx[d] < shape[d])
        break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
  if (out.size() <= 64)
    return DenseElementsAttr::get(type, ArrayRef<float>(out));
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(reinterpret_cast<const char *>(out.data()),
                     out.size() * sizeof(float)),
      alignof(uint64_t), /*dataIsMutable=*/false);
  return DenseResourceElementsAttr::get(type, "folded", std::move(blob));
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult r = foldIdentity(*this, adaptor.getRhs(), 0.0))
    return r;
  if (getRhs().getType() == getType() && isSplatOf(adaptor.getLhs(), 0.0))
    return getRhs();
  return foldF32(adaptor.getLhs(), adaptor.getRhs(), getType(),
                 [](float x, float y) { return x + y; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult r = foldIdentity(*this, adaptor.getRhs(), 1.0))
    return r;
  if (getRhs().getType() == getType() && isSplatOf(adaptor.getLhs(), 1.0))
    return getRhs();
  return foldF32(adaptor.getLhs(), adaptor.getRhs(), getType(),
                 [](float x, float y) { return x * y; });
}

LogicalResult CastOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  if (in.getShape() != out.getShape())
    return emitOpError("result shape must equal the operand shape, found ")
           << out << " for operand " << in;
  return success();
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}
