// Reads a .npy file (format 1.0-3.0, little-endian, C order) into an ONNX
// TensorProto, so that `--const-input` values go through the same loader as
// initializers.
#include "frontends/onnx/Importer.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::tessera::onnx_import;

/// ONNX data type for a numpy dtype string such as "<f4" or "|b1".
static int32_t onnxTypeForDescr(StringRef descr) {
  if (descr.size() != 3 || descr[0] == '>')
    return onnx::TensorProto::UNDEFINED;
  StringRef kind = descr.drop_front();
  return llvm::StringSwitch<int32_t>(kind)
      .Case("f2", onnx::TensorProto::FLOAT16)
      .Case("f4", onnx::TensorProto::FLOAT)
      .Case("f8", onnx::TensorProto::DOUBLE)
      .Case("i1", onnx::TensorProto::INT8)
      .Case("i2", onnx::TensorProto::INT16)
      .Case("i4", onnx::TensorProto::INT32)
      .Case("i8", onnx::TensorProto::INT64)
      .Case("u1", onnx::TensorProto::UINT8)
      .Case("u2", onnx::TensorProto::UINT16)
      .Case("u4", onnx::TensorProto::UINT32)
      .Case("u8", onnx::TensorProto::UINT64)
      .Case("b1", onnx::TensorProto::BOOL)
      .Default(onnx::TensorProto::UNDEFINED);
}

/// The value of `'key': ...` in the header dict, up to `end` (exclusive).
static StringRef headerField(StringRef header, StringRef key, char end) {
  size_t at = header.find(("'" + key + "'").str());
  if (at == StringRef::npos)
    return {};
  StringRef rest = header.drop_front(at + key.size() + 2).ltrim(" :");
  return rest.take_until([&](char c) { return c == end; });
}

bool mlir::tessera::onnx_import::readNpyTensor(StringRef path,
                                               onnx::TensorProto &out,
                                               std::string &error) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    error = "cannot read '" + path.str() + "': " + buf.getError().message();
    return false;
  }
  StringRef data = (*buf)->getBuffer();
  if (!data.starts_with("\x93NUMPY") || data.size() < 10) {
    error = "'" + path.str() + "' is not a .npy file";
    return false;
  }
  uint8_t major = data[6];
  size_t headerLen, start;
  if (major == 1) {
    headerLen = uint8_t(data[8]) | uint8_t(data[9]) << 8;
    start = 10;
  } else {
    if (data.size() < 12) {
      error = "'" + path.str() + "' has a truncated header";
      return false;
    }
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = headerLen << 8 | uint8_t(data[8 + i]);
    start = 12;
  }
  if (start + headerLen > data.size()) {
    error = "'" + path.str() + "' has a truncated header";
    return false;
  }
  StringRef header = data.substr(start, headerLen);
  StringRef descr = headerField(header, "descr", ',').trim(" '\"");
  StringRef fortran = headerField(header, "fortran_order", ',').trim();
  StringRef shape = headerField(header, "shape", ')').ltrim(" (");
  int32_t type = onnxTypeForDescr(descr);
  if (type == onnx::TensorProto::UNDEFINED) {
    error = "'" + path.str() + "' has unsupported dtype '" + descr.str() + "'";
    return false;
  }
  if (fortran != "False") {
    error = "'" + path.str() + "' is not in C order";
    return false;
  }
  out.Clear();
  out.set_data_type(type);
  int64_t count = 1;
  SmallVector<StringRef> dims;
  shape.split(dims, ',', -1, /*KeepEmpty=*/false);
  for (StringRef d : dims) {
    int64_t v;
    if (d.trim().getAsInteger(10, v) || v < 0) {
      error = "'" + path.str() + "' has a malformed shape";
      return false;
    }
    out.add_dims(v);
    count *= v;
  }
  size_t width = descr.back() - '0';
  StringRef payload = data.drop_front(start + headerLen);
  if (payload.size() != size_t(count) * width) {
    error = "'" + path.str() + "' holds " + std::to_string(payload.size()) +
            " bytes of data, " + std::to_string(count * width) +
            " expected for its shape";
    return false;
  }
  out.set_raw_data(payload.str());
  return true;
}
