// Shared matchers of the fusion patterns.
#include "FusionUtils.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;

std::optional<std::vector<float>> fusion::constantF32Values(Value v) {
  auto cst = defOf<ConstantOp>(v);
  auto type = cst ? cast<RankedTensorType>(cst.getType()) : RankedTensorType();
  if (!cst || !type.getElementType().isF32())
    return std::nullopt;
  size_t n = size_t(type.getNumElements());
  if (auto r = dyn_cast<DenseResourceElementsAttr>(cst.getValue())) {
    AsmResourceBlob *blob = r.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != n * sizeof(float))
      return std::nullopt;
    const float *data = reinterpret_cast<const float *>(blob->getData().data());
    return std::vector<float>(data, data + n);
  }
  auto dense = dyn_cast<DenseElementsAttr>(cst.getValue());
  if (!dense)
    return std::nullopt;
  auto values = dense.getValues<float>();
  return std::vector<float>(values.begin(), values.end());
}

std::optional<SmallVector<double>>
fusion::getConstantValues(Value v, int64_t limit) {
  auto cst = defOf<ConstantOp>(v);
  if (!cst)
    return std::nullopt;
  auto type = cast<RankedTensorType>(cst.getType());
  int64_t n = type.getNumElements();
  if (n > limit)
    return std::nullopt;
  Type elt = type.getElementType();
  SmallVector<double> out;
  out.reserve(n);
  Attribute value = cst.getValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (isa<FloatType>(elt)) {
      for (APFloat f : dense.getValues<APFloat>())
        out.push_back(f.convertToDouble());
    } else if (elt.isInteger(1)) {
      for (bool b : dense.getValues<bool>())
        out.push_back(b ? 1.0 : 0.0);
    } else if (isa<IntegerType>(elt)) {
      for (APInt i : dense.getValues<APInt>())
        out.push_back(double(i.getSExtValue()));
    } else {
      return std::nullopt;
    }
    return out;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(value);
  if (!resource || !resource.getRawHandle().getBlob())
    return std::nullopt;
  ArrayRef<char> bytes = resource.getRawHandle().getBlob()->getData();
  if (elt.isF32() && int64_t(bytes.size()) == 4 * n) {
    const float *p = reinterpret_cast<const float *>(bytes.data());
    out.assign(p, p + n);
    return out;
  }
  if (elt.isF64() && int64_t(bytes.size()) == 8 * n) {
    const double *p = reinterpret_cast<const double *>(bytes.data());
    out.assign(p, p + n);
    return out;
  }
  if (elt.isInteger(8) && int64_t(bytes.size()) == n) {
    const int8_t *p = reinterpret_cast<const int8_t *>(bytes.data());
    out.assign(p, p + n);
    return out;
  }
  return std::nullopt;
}

std::optional<double> fusion::getSplatValue(Value v) {
  auto cst = defOf<ConstantOp>(v);
  if (!cst)
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue())) {
    if (!dense.isSplat())
      return std::nullopt;
    Type elt = dense.getElementType();
    if (isa<FloatType>(elt))
      return dense.getSplatValue<APFloat>().convertToDouble();
    if (elt.isInteger(1))
      return dense.getSplatValue<bool>() ? 1.0 : 0.0;
    if (isa<IntegerType>(elt))
      return double(dense.getSplatValue<APInt>().getSExtValue());
    return std::nullopt;
  }
  std::optional<SmallVector<double>> values = getConstantValues(v, 1 << 16);
  if (!values || values->empty())
    return std::nullopt;
  for (double d : *values)
    if (d != values->front() && !(std::isnan(d) && std::isnan(values->front())))
      return std::nullopt;
  return values->front();
}

bool fusion::isSplatNear(Value v, double expected, double relTol) {
  std::optional<double> s = getSplatValue(v);
  return s && std::abs(*s - expected) <= relTol * std::abs(expected);
}

bool fusion::isLastTwoTranspose(TransposeOp op) {
  ArrayRef<int64_t> perm = op.getPerm();
  int64_t r = perm.size();
  if (r < 2)
    return false;
  for (int64_t i = 0; i < r - 2; ++i)
    if (perm[i] != i)
      return false;
  return perm[r - 2] == r - 1 && perm[r - 1] == r - 2;
}

Value fusion::transposeLastTwo(PatternRewriter &rewriter, Location loc,
                               Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t r = type.getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, r));
  std::swap(perm[r - 2], perm[r - 1]);
  Value src = v;
  if (auto t = defOf<TransposeOp>(v)) {
    // Compose: (x^p)^q[i] = x[p[q[i]]].
    SmallVector<int64_t> composed;
    for (int64_t i : perm)
      composed.push_back(t.getPerm()[i]);
    perm = composed;
    src = t.getInput();
  }
  auto srcType = cast<RankedTensorType>(src.getType());
  if (llvm::equal(perm, llvm::seq<int64_t>(0, r)))
    return src;
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(srcType.getDimSize(p));
  return TransposeOp::create(
      rewriter, loc, RankedTensorType::get(shape, srcType.getElementType()),
      src, rewriter.getDenseI64ArrayAttr(perm));
}

Value fusion::reshapeTo(PatternRewriter &rewriter, Location loc, Value v,
                        ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getShape() == shape)
    return v;
  return ReshapeOp::create(rewriter, loc,
                           RankedTensorType::get(shape, type.getElementType()),
                           v);
}

bool fusion::isElementwise(Operation *op) {
  if (op->getNumResults() != 1 || op->getNumRegions() != 0 ||
      op->getDialect() != op->getContext()->getLoadedDialect<TesseraDialect>())
    return false;
  if (op->hasTrait<::mlir::OpTrait::SameOperandsAndResultType>() &&
      op->getNumOperands() == 1)
    return isa<ClampOp>(op) || op->getAttrs().empty();
  return isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp>(op);
}

StringRef fusion::activationName(Operation *op) {
  return llvm::TypeSwitch<Operation *, StringRef>(op)
      .Case([](ReluOp) { return "relu"; })
      .Case([](GeluOp) { return "gelu"; })
      .Case([](GeluTanhOp) { return "gelu_tanh"; })
      .Case([](SiluOp) { return "silu"; })
      .Case([](SigmoidOp) { return "sigmoid"; })
      .Case([](TanhOp) { return "tanh"; })
      .Case([](HardSwishOp) { return "hardswish"; })
      .Default([](Operation *) { return ""; });
}

bool fusion::dependsOn(Value v, Operation *root, int depthLimit) {
  SmallVector<std::pair<Value, int>> work = {{v, 0}};
  llvm::SmallPtrSet<Operation *, 16> seen;
  while (!work.empty()) {
    auto [cur, depth] = work.pop_back_val();
    Operation *def = cur.getDefiningOp();
    if (!def || !seen.insert(def).second)
      continue;
    if (def == root)
      return true;
    if (depth >= depthLimit)
      return true; // too deep to tell: assume the worst
    for (Value operand : def->getOperands())
      work.push_back({operand, depth + 1});
  }
  return false;
}

std::optional<std::vector<float>> fusion::linearWeightNK(LinearOp op) {
  auto wt = op.getWeight().getType();
  bool transposed = op.getTransposeWeight();
  int64_t n = wt.getDimSize(transposed ? 0 : 1),
          k = wt.getDimSize(transposed ? 1 : 0);
  std::optional<SmallVector<double>> values = getConstantValues(op.getWeight());
  if (!wt.hasStaticShape() || !values)
    return std::nullopt;
  std::vector<float> w(n * k);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c)
      w[r * k + c] =
          float(transposed ? (*values)[r * k + c] : (*values)[c * n + r]);
  return w;
}

void fusion::recordCounts(Operation *op, StringRef pass,
                          ArrayRef<std::pair<StringRef, int64_t>> counts) {
  auto *dialect = op->getContext()->getOrLoadDialect<TesseraDialect>();
  for (auto [what, n] : counts)
    dialect->addCount(pass, what, n);
}

/// Whether `prefix`'s inputs are a strict prefix of `concat`'s, along the
/// same axis, and `prefix` comes first in the same block.
static bool isStrictPrefix(ConcatOp prefix, ConcatOp concat) {
  OperandRange p = prefix.getInputs(), c = concat.getInputs();
  return prefix != concat && prefix->getBlock() == concat->getBlock() &&
         prefix.getAxis() == concat.getAxis() && p.size() < c.size() &&
         prefix->isBeforeInBlock(concat) &&
         std::equal(p.begin(), p.end(), c.begin());
}

ConcatOp fusion::concatPrefix(ConcatOp concat) {
  if (concat.getInputs().empty())
    return {};
  ConcatOp best;
  for (Operation *user : concat.getInputs().front().getUsers())
    if (auto c = dyn_cast<ConcatOp>(user);
        c && isStrictPrefix(c, concat) &&
        (!best || c.getInputs().size() > best.getInputs().size()))
      best = c;
  return best;
}

bool fusion::inConcatChain(ConcatOp concat) {
  if (concat.getInputs().empty())
    return false;
  return llvm::any_of(
      concat.getInputs().front().getUsers(), [&](Operation *user) {
        auto c = dyn_cast<ConcatOp>(user);
        return c && (isStrictPrefix(c, concat) || isStrictPrefix(concat, c));
      });
}
