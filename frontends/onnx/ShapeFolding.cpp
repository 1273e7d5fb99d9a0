// Import-time constants: small known tensors (mostly int64 shape data) and
// the folds that turn torch's Shape/Gather/Concat/Reshape chains into them.
#include "frontends/onnx/Importer.h"

#include "llvm/ADT/APFloat.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera::onnx_import;

double mlir::tessera::onnx_import::roundTo(Type elementType, double x) {
  auto ft = dyn_cast<FloatType>(elementType);
  if (!ft || ft.isF64())
    return x;
  if (ft.isF32())
    return double(float(x));
  bool lost;
  llvm::APFloat v(x);
  v.convert(ft.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven, &lost);
  return v.convertToDouble();
}

int64_t mlir::tessera::onnx_import::wrapInt(Type elementType, int64_t x) {
  unsigned width = elementType.getIntOrFloatBitWidth();
  if (width == 1)
    return x != 0;
  if (width >= 64)
    return x;
  return llvm::SignExtend64(uint64_t(x), width);
}

ConstTensor mlir::tessera::onnx_import::makeConst(RankedTensorType type,
                                                  ArrayRef<int64_t> ints) {
  ConstTensor c;
  c.type = type;
  Type et = type.getElementType();
  if (isa<FloatType>(et)) {
    for (int64_t v : ints)
      c.floats.push_back(roundTo(et, double(v)));
  } else {
    for (int64_t v : ints)
      c.ints.push_back(wrapInt(et, v));
  }
  return c;
}

ConstTensor mlir::tessera::onnx_import::makeConstF(RankedTensorType type,
                                                   ArrayRef<double> floats) {
  ConstTensor c;
  c.type = type;
  Type et = type.getElementType();
  if (isa<FloatType>(et)) {
    for (double v : floats)
      c.floats.push_back(roundTo(et, v));
  } else {
    for (double v : floats)
      c.ints.push_back(wrapInt(et, et.isInteger(1) ? v != 0 : int64_t(v)));
  }
  return c;
}

ConstTensor mlir::tessera::onnx_import::makeSplat(RankedTensorType type,
                                                  double value) {
  ConstTensor c = makeConstF(type, {value});
  c.splat = true;
  return c;
}

SmallVector<int64_t> ConstTensor::toInts() const {
  SmallVector<int64_t> out;
  for (int64_t i = 0, e = numElements(); i < e; ++i)
    out.push_back(isFloat() ? int64_t(getDouble(i)) : getInt(i));
  return out;
}

DenseElementsAttr ConstTensor::toAttr() const {
  Type et = type.getElementType();
  int64_t n = splat ? 1 : numElements();
  RankedTensorType storage = splat ? RankedTensorType::get({}, et) : type;
  DenseElementsAttr attr;
  if (auto ft = dyn_cast<FloatType>(et)) {
    SmallVector<APFloat> vals;
    for (int64_t i = 0; i < n; ++i) {
      bool lost;
      APFloat v(floats[i]);
      v.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      vals.push_back(v);
    }
    attr = DenseElementsAttr::get(storage, vals);
  } else {
    unsigned width = et.getIntOrFloatBitWidth();
    SmallVector<APInt> vals;
    for (int64_t i = 0; i < n; ++i)
      vals.push_back(APInt(width, uint64_t(ints[i]), /*isSigned=*/width > 1,
                           /*implicitTrunc=*/true));
    attr = DenseElementsAttr::get(storage, vals);
  }
  return splat ? DenseElementsAttr::get(type, attr.getSplatValue<Attribute>())
               : attr;
}

std::optional<ConstTensor>
mlir::tessera::onnx_import::constFromAttr(DenseElementsAttr attr) {
  auto type = cast<RankedTensorType>(attr.getType());
  ConstTensor c;
  c.type = type;
  c.splat = attr.isSplat();
  if (isa<FloatType>(type.getElementType())) {
    for (const APFloat &v : attr.getValues<APFloat>()) {
      c.floats.push_back(v.convertToDouble());
      if (c.splat)
        break;
    }
  } else if (type.getElementType().isInteger(1)) {
    for (bool v : attr.getValues<bool>()) {
      c.ints.push_back(v);
      if (c.splat)
        break;
    }
  } else {
    for (const APInt &v : attr.getValues<APInt>()) {
      c.ints.push_back(v.getSExtValue());
      if (c.splat)
        break;
    }
  }
  return c;
}

SmallVector<int64_t>
mlir::tessera::onnx_import::stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = int64_t(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

int64_t mlir::tessera::onnx_import::broadcastIndex(ArrayRef<int64_t> outIdx,
                                                   ArrayRef<int64_t> shape,
                                                   ArrayRef<int64_t> strides) {
  size_t offset = outIdx.size() - shape.size();
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    flat += (shape[d] == 1 ? 0 : outIdx[d + offset]) * strides[d];
  return flat;
}

/// Calls `fn` with every multi-index of `shape` in row-major order.
static void forEachIndex(ArrayRef<int64_t> shape,
                         llvm::function_ref<void(ArrayRef<int64_t>)> fn) {
  int64_t n = 1;
  for (int64_t s : shape)
    n *= s;
  SmallVector<int64_t> idx(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    fn(idx);
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
}

ConstTensor mlir::tessera::onnx_import::remapConst(
    const ConstTensor &in, RankedTensorType outType,
    llvm::function_ref<int64_t(ArrayRef<int64_t>)> srcIndex) {
  ConstTensor out;
  out.type = outType;
  if (in.splat) {
    out.splat = true;
    out.ints = in.ints;
    out.floats = in.floats;
    return out;
  }
  forEachIndex(outType.getShape(), [&](ArrayRef<int64_t> idx) {
    int64_t src = srcIndex(idx);
    if (in.isFloat())
      out.floats.push_back(in.floats[src]);
    else
      out.ints.push_back(in.ints[src]);
  });
  return out;
}

ConstTensor
mlir::tessera::onnx_import::broadcastConst(const ConstTensor &in,
                                           RankedTensorType outType) {
  SmallVector<int64_t> strides = stridesOf(in.type.getShape());
  return remapConst(in, outType, [&](ArrayRef<int64_t> idx) {
    return broadcastIndex(idx, in.type.getShape(), strides);
  });
}

ConstTensor mlir::tessera::onnx_import::castConst(const ConstTensor &in,
                                                  Type elementType) {
  auto type = RankedTensorType::get(in.type.getShape(), elementType);
  ConstTensor out;
  if (isa<FloatType>(elementType)) {
    SmallVector<double> vals;
    for (int64_t i = 0, e = in.splat ? 1 : in.numElements(); i < e; ++i)
      vals.push_back(in.getDouble(i));
    out = makeConstF(type, vals);
  } else if (in.isFloat()) {
    SmallVector<int64_t> vals;
    for (double v : in.floats)
      vals.push_back(elementType.isInteger(1) ? v != 0
                                              : int64_t(std::trunc(v)));
    out = makeConst(type, vals);
  } else {
    out = makeConst(
        type, elementType.isInteger(1)
                  ? SmallVector<int64_t>(llvm::map_range(
                        in.ints, [](int64_t v) { return int64_t(v != 0); }))
                  : in.ints);
  }
  out.splat = in.splat;
  return out;
}

ConstTensor mlir::tessera::onnx_import::mapConst(
    ArrayRef<const ConstTensor *> operands, RankedTensorType outType,
    llvm::function_ref<double(ArrayRef<double>)> fnF,
    llvm::function_ref<int64_t(ArrayRef<int64_t>)> fnI) {
  bool allSplat = llvm::all_of(operands, [](auto *c) { return c->splat; });
  bool useFloat = llvm::any_of(operands, [](auto *c) { return c->isFloat(); });
  SmallVector<SmallVector<int64_t>> strides;
  for (const ConstTensor *c : operands)
    strides.push_back(stridesOf(c->type.getShape()));
  SmallVector<double> fvals;
  SmallVector<int64_t> ivals;
  auto evalAt = [&](ArrayRef<int64_t> idx) {
    SmallVector<double> fargs;
    SmallVector<int64_t> iargs;
    for (auto [c, s] : llvm::zip(operands, strides)) {
      int64_t flat = c->splat ? 0 : broadcastIndex(idx, c->type.getShape(), s);
      if (useFloat)
        fargs.push_back(c->getDouble(flat));
      else
        iargs.push_back(c->getInt(flat));
    }
    if (useFloat)
      fvals.push_back(fnF(fargs));
    else
      ivals.push_back(fnI(iargs));
  };
  if (allSplat)
    evalAt(SmallVector<int64_t>(outType.getRank(), 0));
  else
    forEachIndex(outType.getShape(), evalAt);
  ConstTensor out;
  if (useFloat)
    out = makeConstF(outType, fvals);
  else
    out = makeConst(outType, ivals);
  out.splat = allSplat;
  return out;
}
