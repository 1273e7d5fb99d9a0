// Error reporting for the ONNX importer: every message names the model file
// and, inside a node, the node name, op type and opset.
#include "frontends/onnx/Importer.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::tessera::onnx_import;

LogicalResult Importer::fail(const Twine &message) {
  std::string opType = node ? node->op_type() : "";
  std::string where = domain.empty() ? "" : "domain '" + domain + "', ";
  emitError(loc) << modelPath << ": node '" << nodeName << "' (op type '"
                 << opType << "', " << where << "opset " << opset
                 << "): " << message;
  return failure();
}

LogicalResult Importer::failGraph(const Twine &message) {
  emitError(FileLineColLoc::get(&ctx, modelPath, 0, 0))
      << modelPath << ": " << message;
  return failure();
}

bool mlir::tessera::onnx_import::isUnsignedOnnxType(int32_t onnxType) {
  return onnxType == onnx::TensorProto::UINT8 ||
         onnxType == onnx::TensorProto::UINT16 ||
         onnxType == onnx::TensorProto::UINT32 ||
         onnxType == onnx::TensorProto::UINT64;
}

std::string mlir::tessera::onnx_import::onnxTypeName(int32_t onnxType) {
  if (!onnx::TensorProto_DataType_IsValid(onnxType))
    return "invalid type " + std::to_string(onnxType);
  return onnx::TensorProto_DataType_Name(
      static_cast<onnx::TensorProto_DataType>(onnxType));
}

FailureOr<Type> mlir::tessera::onnx_import::elementTypeFor(MLIRContext &ctx,
                                                           int32_t onnxType) {
  Builder b(&ctx);
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::UINT32:
    return b.getI32Type();
  case onnx::TensorProto::UINT64:
    return b.getI64Type();
  case onnx::TensorProto::INT32:
    return b.getI32Type();
  case onnx::TensorProto::INT64:
    return b.getI64Type();
  default:
    return failure();
  }
}
