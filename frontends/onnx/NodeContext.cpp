// The per-node view op handlers use: inputs (materialized lazily), outputs,
// attributes and a few builders for common decompositions.
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

Importer::Importer(MLIRContext &ctx, StringRef modelPath, StringRef modelDir)
    : ctx(ctx), builder(&ctx), modelPath(modelPath), modelDir(modelDir),
      loc(UnknownLoc::get(&ctx)) {}

bool Importer::hasInput(unsigned i) const {
  return int(i) < node->input_size() && !node->input(i).empty();
}

TensorInfo *Importer::anyInput(unsigned i) {
  if (!hasInput(i)) {
    (void)fail("missing input " + Twine(i));
    return nullptr;
  }
  auto it = values.find(node->input(i));
  if (it == values.end()) {
    (void)fail("input '" + node->input(i) + "' is not produced by any node, " +
               "initializer or graph input before it");
    return nullptr;
  }
  if (it->second.none) {
    (void)fail("input " + Twine(i) + " '" + node->input(i) +
               "' is an empty optional; this op needs a value there");
    return nullptr;
  }
  return &it->second;
}

TensorInfo *Importer::optionalInput(unsigned i) {
  if (!hasInput(i))
    return nullptr;
  auto it = values.find(node->input(i));
  if (it == values.end() || !it->second.none)
    return anyInput(i);
  return &it->second;
}

TensorInfo *Importer::input(unsigned i) {
  TensorInfo *info = anyInput(i);
  if (info && info->isSequence()) {
    (void)fail("input " + Twine(i) + " '" + node->input(i) +
               "' is a sequence; this op takes a tensor there");
    return nullptr;
  }
  return info;
}

const SequenceInfo *Importer::seqInput(unsigned i) {
  TensorInfo *info = anyInput(i);
  if (info && !info->isSequence()) {
    (void)fail("input " + Twine(i) + " '" + node->input(i) +
               "' is a tensor; this op takes a sequence there");
    return nullptr;
  }
  return info ? info->sequence.get() : nullptr;
}

Value Importer::materialize(TensorInfo &info) {
  if (info.value)
    return info.value;
  // Small and splat constants print inline; weights stay resources.
  assert((info.constant || info.weight) && "value with nothing to build from");
  if (info.constant &&
      (info.constant->splat || info.type.getNumElements() <= kInlineLimit ||
       !info.weight))
    info.value = constant(*info.constant);
  else
    info.value = ConstantOp::create(builder, loc, info.type, info.weight);
  return info.value;
}

Value Importer::operand(unsigned i) {
  TensorInfo *info = input(i);
  return info ? materialize(*info) : Value();
}

const ConstTensor *Importer::constInput(unsigned i, StringRef what) {
  TensorInfo *info = input(i);
  if (!info)
    return nullptr;
  if (!info->constant) {
    (void)fail(what + " (input " + Twine(i) + " '" + node->input(i) +
               "') must be a constant known at import time");
    return nullptr;
  }
  return &*info->constant;
}

FailureOr<SmallVector<int64_t>> Importer::constInts(unsigned i,
                                                    StringRef what) {
  const ConstTensor *c = constInput(i, what);
  if (!c)
    return failure();
  if (c->isFloat() || c->type.getRank() > 1) {
    (void)fail(what + " must be an integer scalar or 1-D tensor");
    return failure();
  }
  return c->toInts();
}

bool Importer::hasOutput(unsigned i) const {
  return int(i) < node->output_size() && !node->output(i).empty();
}

void Importer::setOutput(unsigned i, Value v) {
  if (!hasOutput(i))
    return;
  TensorInfo info;
  info.type = typeOf(v);
  info.value = v;
  values[node->output(i)] = std::move(info);
}

void Importer::setConst(unsigned i, ConstTensor c) {
  if (!hasOutput(i))
    return;
  TensorInfo info;
  info.type = c.type;
  info.constant = std::move(c);
  values[node->output(i)] = std::move(info);
}

void Importer::setSequence(unsigned i, SequenceInfo s) {
  if (!hasOutput(i))
    return;
  TensorInfo info;
  info.sequence = std::make_shared<const SequenceInfo>(std::move(s));
  values[node->output(i)] = std::move(info);
}

const onnx::AttributeProto *Importer::attr(StringRef name) const {
  for (const auto &a : node->attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

const onnx::AttributeProto *
Importer::attrOfType(StringRef name, onnx::AttributeProto::AttributeType type,
                     bool orInt) const {
  const auto *a = attr(name);
  if (!a || a->type() == type ||
      (orInt && a->type() == onnx::AttributeProto::INT))
    return a;
  const_cast<Importer *>(this)->badAttribute = name.str();
  return nullptr;
}

int64_t Importer::attrInt(StringRef name, int64_t dflt) const {
  const auto *a = attrOfType(name, onnx::AttributeProto::INT);
  return a ? a->i() : dflt;
}

float Importer::attrFloat(StringRef name, float dflt) const {
  const auto *a = attrOfType(name, onnx::AttributeProto::FLOAT);
  return a ? a->f() : dflt;
}

std::string Importer::attrString(StringRef name, StringRef dflt) const {
  const auto *a = attrOfType(name, onnx::AttributeProto::STRING);
  return a ? a->s() : dflt.str();
}

std::optional<SmallVector<int64_t>> Importer::attrInts(StringRef name) const {
  const auto *a = attrOfType(name, onnx::AttributeProto::INTS, /*orInt=*/true);
  if (!a)
    return std::nullopt;
  if (a->type() == onnx::AttributeProto::INT)
    return SmallVector<int64_t>{a->i()};
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

FailureOr<int64_t> Importer::normAxis(int64_t axis, int64_t rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    (void)fail("axis " + Twine(axis) + " is out of range for rank " +
               Twine(rank));
    return failure();
  }
  return a;
}

Value Importer::reshape(Value v, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, typeOf(v).getElementType());
  if (type == v.getType())
    return v;
  return create<ReshapeOp>(type, v);
}

Value Importer::pad(Value v, ArrayRef<int64_t> pads, double value) {
  auto t = typeOf(v);
  int64_t rank = t.getRank();
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(t.getDimSize(d) + pads[d] + pads[d + rank]);
  return create<PadOp>(RankedTensorType::get(shape, t.getElementType()), v,
                       builder.getDenseI64ArrayAttr(pads),
                       builder.getStringAttr("constant"),
                       builder.getF64FloatAttr(value));
}

Value Importer::transpose(Value v, ArrayRef<int64_t> perm) {
  auto in = typeOf(v);
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(in.getDimSize(p));
  return create<TransposeOp>(RankedTensorType::get(shape, in.getElementType()),
                             v, builder.getDenseI64ArrayAttr(perm));
}

Value Importer::constant(const ConstTensor &c) {
  return ConstantOp::create(builder, loc, c.type, c.toAttr()).getResult();
}

Value Importer::scalar(Type elementType, double value) {
  return constant(makeSplat(RankedTensorType::get({}, elementType), value));
}
