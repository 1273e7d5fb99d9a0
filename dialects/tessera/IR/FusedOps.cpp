// Fused ops (attention, norms, rotary, linear, glu) and the kernel call op:
// verifiers that state every shape rule.
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/InterleavedRange.h"

using namespace mlir;
using namespace mlir::tessera;

bool mlir::tessera::isKnownActivation(StringRef act, bool allowNone) {
  return (allowNone && act == "none") ||
         llvm::is_contained({"relu", "gelu", "gelu_tanh", "silu", "sigmoid",
                             "tanh", "hardswish"},
                            act);
}

bool mlir::tessera::broadcastsTo(ArrayRef<int64_t> from,
                                 ArrayRef<int64_t> to) {
  if (from.size() > to.size())
    return false;
  size_t off = to.size() - from.size();
  for (auto [i, d] : llvm::enumerate(from))
    if (d != 1 && d != to[off + i])
      return false;
  return true;
}

LogicalResult AttentionOp::verify() {
  auto q = getQuery().getType(), k = getKey().getType(),
       v = getValue().getType();
  auto out = getType();
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4)
    return emitOpError("query, key and value must be [B, H, S, D] (rank 4), "
                       "found ranks ")
           << q.getRank() << ", " << k.getRank() << ", " << v.getRank();
  if (k.getElementType() != q.getElementType() ||
      v.getElementType() != q.getElementType() ||
      out.getElementType() != q.getElementType())
    return emitOpError("query, key, value and result element types differ");
  ArrayRef<int64_t> qs = q.getShape(), ks = k.getShape(), vs = v.getShape();
  if (ks[0] != qs[0] || vs[0] != qs[0])
    return emitOpError("batch sizes differ: query ")
           << qs[0] << ", key " << ks[0] << ", value " << vs[0];
  if (ks[1] != vs[1] || ks[2] != vs[2])
    return emitOpError("key [B, Hkv, Skv, D] and value [B, Hkv, Skv, Dv] "
                       "disagree on Hkv or Skv: ")
           << k << " vs " << v;
  if (ks[1] == 0 || qs[1] % ks[1] != 0)
    return emitOpError("query heads (")
           << qs[1] << ") must be a multiple of key/value heads (" << ks[1]
           << ")";
  if (ks[3] != qs[3])
    return emitOpError("query and key head sizes differ: ")
           << qs[3] << " vs " << ks[3];
  SmallVector<int64_t> expected = {qs[0], qs[1], qs[2], vs[3]};
  if (out.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result type must be ")
           << RankedTensorType::get(expected, q.getElementType())
           << ", found " << out;
  StringRef kind = getMaskKind();
  if (getPaddingQueries()) {
    auto m = getMask() ? cast<RankedTensorType>(getMask().getType())
                       : RankedTensorType();
    if (!m || m.getRank() != 4 || m.getDimSize(1) != 1 ||
        m.getDimSize(2) != 1 || m.getDimSize(3) != ks[2] || qs[2] != ks[2])
      return emitOpError("padding_queries needs self-attention (S == Skv) "
                         "and a key-padding mask [B, 1, 1, Skv]");
  }
  if (kind != "none" && kind != "additive" && kind != "boolean")
    return emitOpError("mask_kind must be none, additive or boolean, found '")
           << kind << "'";
  if (!getMask())
    return kind == "none" ? success()
                          : emitOpError("mask_kind '")
                                << kind << "' needs a mask operand";
  auto m = cast<RankedTensorType>(getMask().getType());
  if (kind == "none")
    return emitOpError("has a mask operand but mask_kind 'none'");
  if (kind == "boolean" && !m.getElementType().isInteger(1))
    return emitOpError("boolean mask must be i1, found ") << m.getElementType();
  if (kind == "additive" && m.getElementType() != q.getElementType())
    return emitOpError("additive mask must have the query's element type, "
                       "found ")
           << m.getElementType();
  SmallVector<int64_t> scores = {qs[0], qs[1], qs[2], ks[2]};
  if (!broadcastsTo(m.getShape(), scores))
    return emitOpError("mask ")
           << m << " does not broadcast to the scores [B, H, S, Skv] = "
           << RankedTensorType::get(scores, m.getElementType());
  return success();
}

LogicalResult RmsNormOp::verify() {
  auto x = getInput().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= x.getRank())
    return emitOpError("axis ") << axis << " out of range for rank "
                                << x.getRank();
  if (getType() != x)
    return emitOpError("result type must equal the input type ") << x;
  if (getScale().getType().getElementType() != x.getElementType())
    return emitOpError("scale element type differs from the input's");
  if (!broadcastsTo(getScale().getType().getShape(),
                    x.getShape().drop_front(axis)))
    return emitOpError("scale ") << getScale().getType()
                                 << " does not broadcast to the normalized "
                                    "dimensions";
  return success();
}

LogicalResult RotaryOp::verify() {
  auto x = getInput().getType();
  if (x.getRank() < 2)
    return emitOpError("input must have rank >= 2, found ") << x.getRank();
  int64_t d = x.getShape().back();
  if (d % 2 != 0)
    return emitOpError("last dimension must be even, found ") << d;
  if (getType() != x)
    return emitOpError("result type must equal the input type ") << x;
  for (Value t : {getCos(), getSin()}) {
    auto tt = cast<RankedTensorType>(t.getType());
    if (tt.getElementType() != x.getElementType())
      return emitOpError("cos/sin element type differs from the input's");
    if (!broadcastsTo(tt.getShape(), x.getShape()) ||
        tt.getShape().back() != d)
      return emitOpError("cos/sin ")
             << tt << " must have last dimension " << d
             << " and broadcast to the input " << x;
  }
  return success();
}

LogicalResult mlir::tessera::verifyLinearEpilogue(
    Operation *op, RankedTensorType x, RankedTensorType out, int64_t n,
    Value bias, Value residual, StringRef activation) {
  SmallVector<int64_t> shape(x.getShape().drop_back());
  shape.push_back(n);
  if (out.getShape() != ArrayRef<int64_t>(shape))
    return op->emitOpError("result type must be ")
           << RankedTensorType::get(shape, x.getElementType()) << ", found "
           << out;
  if (bias) {
    auto b = cast<RankedTensorType>(bias.getType());
    if (b.getRank() != 1 || b.getDimSize(0) != n ||
        b.getElementType() != x.getElementType())
      return op->emitOpError("bias must be ")
             << RankedTensorType::get({n}, x.getElementType()) << ", found "
             << b;
  }
  if (residual && residual.getType() != out)
    return op->emitOpError("residual must have the result type ")
           << out << ", found " << residual.getType();
  if (!isKnownActivation(activation, /*allowNone=*/true))
    return op->emitOpError("unknown activation '") << activation << "'";
  return success();
}

LogicalResult LinearOp::verify() {
  auto x = getInput().getType(), w = getWeight().getType();
  auto out = getType();
  if (x.getRank() < 1 || w.getRank() != 2)
    return emitOpError("input must have rank >= 1 and weight rank 2, found ")
           << x.getRank() << " and " << w.getRank();
  int64_t k = x.getShape().back();
  int64_t wk = w.getShape()[getTransposeWeight() ? 1 : 0];
  int64_t n = w.getShape()[getTransposeWeight() ? 0 : 1];
  if (k != wk)
    return emitOpError("contraction sizes differ: input has K = ")
           << k << ", weight has K = " << wk;
  if (w.getElementType() != x.getElementType() ||
      out.getElementType() != x.getElementType())
    return emitOpError("input, weight and result element types differ");
  if (std::optional<StringRef> sparsity = getSparsity()) {
    FailureOr<SparsityPattern> pattern = parseSparsityPattern(*sparsity);
    if (failed(pattern))
      return emitOpError("sparsity must be 'block:RxC' or 'N:M' (N < M), "
                         "found '")
             << *sparsity << "'";
    if (!ShapedType::isDynamic(n) && !ShapedType::isDynamic(k) &&
        !pattern->fits(n, k))
      return emitOpError("sparsity '")
             << *sparsity << "' does not tile the [N, K] = [" << n << ", " << k
             << "] weight";
    if (!x.getElementType().isF32())
      return emitOpError("sparsity applies to f32 weights only");
  }
  if (Value mask = getTokenMask()) {
    auto type = cast<RankedTensorType>(mask.getType());
    if (type.getShape() != x.getShape().drop_back())
      return emitOpError("token_mask must have the input's leading shape [")
             << llvm::interleaved(x.getShape().drop_back(), ", ") << "], found "
             << type;
    if (getSparsity())
      return emitOpError("token_mask and sparsity are not supported together");
  }
  return verifyLinearEpilogue(getOperation(), x, out, n, getBias(),
                              getResidual(), getActivation());
}

std::string SparsityPattern::str() const {
  return nm ? std::to_string(rows) + ":" + std::to_string(cols)
            : "block:" + std::to_string(rows) + "x" + std::to_string(cols);
}

FailureOr<SparsityPattern> mlir::tessera::parseSparsityPattern(StringRef text) {
  SparsityPattern p;
  auto positive = [](StringRef s, int64_t &v) {
    return !s.getAsInteger(10, v) && v >= 1 && v <= (int64_t(1) << 20);
  };
  if (text.consume_front("block:")) {
    auto [r, c] = text.split('x');
    if (!positive(r, p.rows) || !positive(c, p.cols))
      return failure();
    return p;
  }
  auto [n, m] = text.split(':');
  p.nm = true;
  if (!positive(n, p.rows) || !positive(m, p.cols) || p.rows >= p.cols)
    return failure();
  return p;
}

LogicalResult GluOp::verify() {
  auto x = getInput().getType();
  if (x.getRank() < 1 || x.getShape().back() % 2 != 0)
    return emitOpError("last input dimension must be even, found ") << x;
  SmallVector<int64_t> shape(x.getShape());
  shape.back() /= 2;
  if (getType().getShape() != ArrayRef<int64_t>(shape) ||
      getType().getElementType() != x.getElementType())
    return emitOpError("result type must be ")
           << RankedTensorType::get(shape, x.getElementType()) << ", found "
           << getType();
  if (!isKnownActivation(getActivation(), /*allowNone=*/false) ||
      getActivation() == "tanh")
    return emitOpError("unknown gate activation '") << getActivation() << "'";
  return success();
}

LogicalResult TokenMergeOp::verify() {
  auto x = cast<RankedTensorType>(getInput().getType());
  auto metric = cast<RankedTensorType>(getMetric().getType());
  auto size = cast<RankedTensorType>(getSize().getType());
  if (x.getRank() != 3 || !x.hasStaticShape())
    return emitOpError("input must be a static [B, T, C] tensor, found ") << x;
  int64_t b = x.getDimSize(0), t = x.getDimSize(1);
  if (metric.getRank() != 3 || metric.getDimSize(0) != b ||
      metric.getDimSize(1) != t)
    return emitOpError("metric must be [") << b << ", " << t
                                            << ", M], found " << metric;
  if (size.getShape() != ArrayRef<int64_t>{b, t})
    return emitOpError("size must be [") << b << ", " << t << "], found "
                                          << size;
  int64_t protect = getProtectFirst() ? 1 : 0;
  if (getR() < 0 || getR() > (t - protect) / 2)
    return emitOpError("r must be in [0, ")
           << (t - protect) / 2 << "] for " << t << " tokens"
           << (protect ? " (token 0 protected)" : "") << ", found " << getR();
  int64_t left = t - getR();
  auto want = RankedTensorType::get({b, left, x.getDimSize(2)}, x.getElementType());
  if (getResult().getType() != want)
    return emitOpError("result must be ") << want << ", found "
                                          << getResult().getType();
  auto wantSize = RankedTensorType::get({b, left}, x.getElementType());
  if (getResultSize().getType() != wantSize)
    return emitOpError("result size must be ") << wantSize << ", found "
                                               << getResultSize().getType();
  return success();
}

LogicalResult TokenPruneOp::verify() {
  auto x = cast<RankedTensorType>(getInput().getType());
  if (x.getRank() != 3 || !x.hasStaticShape())
    return emitOpError("input must be a static [B, T, C] tensor, found ") << x;
  int64_t b = x.getDimSize(0), t = x.getDimSize(1);
  for (auto [name, v] : {std::pair<StringRef, Value>{"scores", getScores()},
                         {"size", getSize()}})
    if (cast<RankedTensorType>(v.getType()).getShape() !=
        ArrayRef<int64_t>{b, t})
      return emitOpError() << name << " must be [" << b << ", " << t
                           << "], found " << v.getType();
  if (getKeep() < 1 || getKeep() > t)
    return emitOpError("keep must be in [1, ") << t << "], found " << getKeep();
  auto want = RankedTensorType::get({b, int64_t(getKeep()), x.getDimSize(2)},
                                    x.getElementType());
  if (getResult().getType() != want)
    return emitOpError("result must be ")
           << want << ", found " << getResult().getType();
  auto wantSize =
      RankedTensorType::get({b, int64_t(getKeep())}, x.getElementType());
  if (getResultSize().getType() != wantSize)
    return emitOpError("result size must be ")
           << wantSize << ", found " << getResultSize().getType();
  return success();
}

LogicalResult CallKernelOp::verify() {
  bool tensors = !getResults().empty();
  if (tensors && getResults().size() != getOutputs().size())
    return emitOpError("has ") << getResults().size() << " results for "
                               << getOutputs().size() << " outputs";
  for (auto [i, out] : llvm::enumerate(getOutputs())) {
    bool isTensor = isa<RankedTensorType>(out.getType());
    if (isTensor != tensors)
      return emitOpError("outputs must all be tensors (with results) or all "
                         "buffers (without)");
    if (tensors && getResult(i).getType() != out.getType())
      return emitOpError("result ") << i << " type differs from its output";
  }
  for (Attribute a : getScalars()) {
    auto typed = dyn_cast<TypedAttr>(a);
    if (!typed || !(isa<FloatAttr>(a) || isa<IntegerAttr>(a)))
      return emitOpError("scalars must be float or integer attributes");
  }
  return success();
}

void CallKernelOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &operand : getOperation()->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    effects.emplace_back(MemoryEffects::Read::get(), &operand,
                         SideEffects::DefaultResource::get());
    if (isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}
