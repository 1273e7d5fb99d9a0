// Initializers and Constant tensors: raw/typed/external data into either a
// known constant (small) or a dense_resource blob (weights), never copied
// element by element into the IR.
#include "frontends/onnx/Importer.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace mlir;
using namespace mlir::tessera::onnx_import;

/// Bytes per element in the little-endian layout ONNX raw_data and MLIR
/// resource blobs share.
static int64_t byteWidth(Type et) {
  return et.isInteger(1) ? 1 : (et.getIntOrFloatBitWidth() + 7) / 8;
}

std::string mlir::tessera::onnx_import::checkTensorSize(ArrayRef<int64_t> shape,
                                                        Type elementType) {
  uint64_t bytes = elementType.isIntOrFloat() ? byteWidth(elementType) : 8;
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d) || d < 0)
      continue;
    if (__builtin_mul_overflow(bytes, uint64_t(d), &bytes) ||
        bytes > kMaxTensorBytes) {
      std::string dims;
      for (int64_t e : shape)
        dims +=
            (dims.empty() ? "" : "x") +
            (ShapedType::isDynamic(e) ? std::string("?") : std::to_string(e));
      return "a tensor of shape [" + dims +
             "] is larger than the limit of 16 GiB";
    }
  }
  return "";
}

static bool readExternal(const onnx::TensorProto &t, StringRef modelDir,
                         std::string &bytes, std::string &error) {
  std::string location;
  uint64_t offset = 0;
  int64_t length = -1;
  for (const auto &kv : t.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset")
      offset = std::strtoull(kv.value().c_str(), nullptr, 10);
    else if (kv.key() == "length")
      length = std::strtoll(kv.value().c_str(), nullptr, 10);
  }
  if (location.empty()) {
    error = "external data has no location";
    return false;
  }
  SmallString<256> path(modelDir);
  llvm::sys::path::append(path, location);
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    error = "cannot read external data file '" + std::string(path) +
            "': " + buf.getError().message();
    return false;
  }
  uint64_t size = (*buf)->getBufferSize();
  uint64_t len = length < 0 ? size - std::min(offset, size) : uint64_t(length);
  if (offset > size || len > size - offset) {
    error = "external data file '" + std::string(path) +
            "' is too short for offset " + std::to_string(offset) +
            " and length " + std::to_string(len);
    return false;
  }
  bytes.assign((*buf)->getBufferStart() + offset, len);
  return true;
}

template <typename T, typename Field>
static std::string packField(const Field &field, int64_t width) {
  std::string bytes(field.size() * width, '\0');
  for (int i = 0; i < field.size(); ++i) {
    T v = static_cast<T>(field.Get(i));
    std::memcpy(&bytes[i * width], &v, width);
  }
  return bytes;
}

/// The tensor's contents as little-endian bytes, `width` bytes per element.
static bool tensorBytes(const onnx::TensorProto &t, Type et, StringRef modelDir,
                        std::string &bytes, std::string &error) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return readExternal(t, modelDir, bytes, error);
  if (t.has_raw_data()) {
    bytes = t.raw_data();
    return true;
  }
  int64_t w = byteWidth(et);
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    bytes = packField<float>(t.float_data(), 4);
    return true;
  case onnx::TensorProto::DOUBLE:
    bytes = packField<double>(t.double_data(), 8);
    return true;
  case onnx::TensorProto::INT64:
    bytes = packField<int64_t>(t.int64_data(), 8);
    return true;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    // uint64_data holds both, one element per entry.
    bytes = packField<uint64_t>(t.uint64_data(), w);
    return true;
  default:
    // int32_data holds every narrower type (bool, int8, float16 bits, ...).
    bytes = packField<int32_t>(t.int32_data(), w);
    return true;
  }
}

static ConstTensor decodeConst(RankedTensorType type,
                               const std::string &bytes) {
  Type et = type.getElementType();
  int64_t n = type.getNumElements(), w = byteWidth(et);
  ConstTensor c;
  c.type = type;
  for (int64_t i = 0; i < n; ++i) {
    const char *p = bytes.data() + i * w;
    if (et.isF32()) {
      float v;
      std::memcpy(&v, p, 4);
      c.floats.push_back(v);
    } else if (et.isF64()) {
      double v;
      std::memcpy(&v, p, 8);
      c.floats.push_back(v);
    } else if (auto ft = dyn_cast<FloatType>(et)) {
      uint16_t bits;
      std::memcpy(&bits, p, 2);
      c.floats.push_back(
          APFloat(ft.getFloatSemantics(), APInt(16, bits)).convertToDouble());
    } else {
      int64_t v = 0;
      std::memcpy(&v, p, w);
      c.ints.push_back(wrapInt(et, v));
    }
  }
  return c;
}

static bool isSplat(const std::string &bytes, int64_t width) {
  for (size_t i = width; i < bytes.size(); i += width)
    if (std::memcmp(bytes.data(), bytes.data() + i, width) != 0)
      return false;
  return true;
}

static std::string blobName(StringRef tensorName) {
  std::string name;
  for (char ch : tensorName)
    name += llvm::isAlnum(ch) || ch == '_' || ch == '.' ? ch : '_';
  if (name.empty() || llvm::isDigit(name[0]))
    name = "w_" + name;
  return name;
}

std::optional<TensorInfo> mlir::tessera::onnx_import::loadTensor(
    MLIRContext &ctx, const onnx::TensorProto &t, StringRef name,
    StringRef modelDir, std::string &error) {
  FailureOr<Type> et = elementTypeFor(ctx, t.data_type());
  if (failed(et)) {
    error = "unsupported data type " + onnxTypeName(t.data_type());
    return std::nullopt;
  }
  SmallVector<int64_t> shape;
  for (int64_t d : t.dims()) {
    if (d < 0) {
      error = "negative dimension";
      return std::nullopt;
    }
    shape.push_back(d);
  }
  if (error = checkTensorSize(shape, *et); !error.empty())
    return std::nullopt;
  auto type = RankedTensorType::get(shape, *et);
  std::string bytes;
  if (!tensorBytes(t, *et, modelDir, bytes, error))
    return std::nullopt;
  int64_t n = type.getNumElements(), expected = n * byteWidth(*et);
  if (int64_t(bytes.size()) != expected) {
    error = "holds " + std::to_string(bytes.size()) + " bytes of data, " +
            std::to_string(expected) + " expected for its shape";
    return std::nullopt;
  }
  TensorInfo info;
  info.type = type;
  bool isFloat = isa<FloatType>(*et);
  if (n <= (isFloat ? kInlineLimit : kFoldLimit))
    info.constant = decodeConst(type, bytes);
  if (n <= kInlineLimit)
    return info;
  if (isSplat(bytes, byteWidth(*et))) { // torch's full()/ones() masks
    info.constant = decodeConst(RankedTensorType::get({}, *et), bytes);
    info.constant->type = type;
    info.constant->splat = true;
    return info;
  }
  if (et->isInteger(1)) {
    if (!info.constant)
      info.constant = decodeConst(type, bytes);
    info.weight = info.constant->toAttr();
    return info;
  }
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(bytes.data(), bytes.size()), alignof(uint64_t),
      /*dataIsMutable=*/false);
  info.weight =
      DenseResourceElementsAttr::get(type, blobName(name), std::move(blob));
  return info;
}
