// Compute ops: contractions, reductions, normalization, convolution, scans.
#include "tessera/IR/Layout.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::tessera;

LogicalResult MatmulOp::verify() {
  auto a = getLhs().getType(), b = getRhs().getType(), c = getType();
  if (a.getRank() < 2 || b.getRank() < 2)
    return emitOpError("operands must have rank >= 2, found ")
           << a.getRank() << " and " << b.getRank();
  int64_t k = a.getShape().back(), kb = b.getShape()[b.getRank() - 2];
  if (k != kb)
    return emitOpError("contraction sizes differ: lhs has K = ")
           << k << ", rhs has K = " << kb;
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(a.getShape().drop_back(2),
                             b.getShape().drop_back(2), shape)))
    return emitOpError("batch dimensions do not broadcast");
  shape.push_back(a.getShape()[a.getRank() - 2]);
  shape.push_back(b.getShape().back());
  if (c.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result type must be ")
           << RankedTensorType::get(shape, c.getElementType()) << ", found "
           << c;
  return success();
}

FailureOr<EinsumSpec> mlir::tessera::parseEinsum(StringRef equation) {
  auto [lhs, out] = equation.split("->");
  if (out.size() == equation.size() || !equation.contains("->"))
    return failure();
  EinsumSpec spec;
  SmallVector<StringRef> parts;
  lhs.split(parts, ',');
  auto isLetters = [](StringRef s) {
    return llvm::all_of(s, [](char c) { return c >= 'a' && c <= 'z'; });
  };
  for (StringRef p : parts) {
    p = p.trim();
    if (!isLetters(p))
      return failure();
    spec.inputs.push_back(p.str());
  }
  out = out.trim();
  if (!isLetters(out))
    return failure();
  spec.output = out.str();
  return spec;
}

LogicalResult EinsumOp::verify() {
  FailureOr<EinsumSpec> spec = parseEinsum(getEquation());
  if (failed(spec))
    return emitOpError("equation '")
           << getEquation()
           << "' is not an explicit einsum over lower-case letters";
  if (spec->inputs.size() != getInputs().size())
    return emitOpError("equation names ")
           << spec->inputs.size() << " operands, found " << getInputs().size();
  int64_t sizes[26];
  std::fill(std::begin(sizes), std::end(sizes), -1);
  for (auto [i, v] : llvm::enumerate(getInputs())) {
    auto t = cast<RankedTensorType>(v.getType());
    const std::string &sub = spec->inputs[i];
    if (static_cast<int64_t>(sub.size()) != t.getRank())
      return emitOpError("operand ") << i << " has rank " << t.getRank()
                                     << " but subscripts '" << sub << "'";
    if (t.getElementType() != getType().getElementType())
      return emitOpError("operand ") << i << " element type differs from the result's";
    for (auto [d, c] : llvm::enumerate(sub)) {
      int64_t &s = sizes[c - 'a'];
      if (s != -1 && s != t.getDimSize(d))
        return emitOpError("letter '") << c << "' has sizes " << s << " and "
                                       << t.getDimSize(d);
      s = t.getDimSize(d);
    }
  }
  if (static_cast<int64_t>(spec->output.size()) != getType().getRank())
    return emitOpError("output subscripts '")
           << spec->output << "' do not match result rank "
           << getType().getRank();
  for (auto [d, c] : llvm::enumerate(spec->output)) {
    if (sizes[c - 'a'] == -1)
      return emitOpError("output letter '") << c << "' names no input dimension";
    if (sizes[c - 'a'] != getType().getDimSize(d))
      return emitOpError("result dimension ")
             << d << " must be " << sizes[c - 'a'];
  }
  return success();
}

/// Shared by every reduction: axes sorted, unique and in range; the result
/// shape drops (or keeps as 1) exactly those axes.
static LogicalResult verifyReduction(Operation *op, RankedTensorType in,
                                     RankedTensorType out,
                                     ArrayRef<int64_t> axes, bool keepdims) {
  for (auto [i, a] : llvm::enumerate(axes)) {
    if (a < 0 || a >= in.getRank())
      return op->emitOpError("axis ") << a << " is out of range for rank "
                                      << in.getRank();
    if (i > 0 && a <= axes[i - 1])
      return op->emitOpError("axes must be sorted and unique");
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < in.getRank(); ++d) {
    if (!llvm::is_contained(axes, d))
      shape.push_back(in.getDimSize(d));
    else if (keepdims)
      shape.push_back(1);
  }
  if (out.getShape() != ArrayRef<int64_t>(shape))
    return op->emitOpError("result type must be ")
           << RankedTensorType::get(shape, out.getElementType()) << ", found "
           << out;
  return success();
}

#define TESSERA_REDUCE_VERIFIER(OP)                                            \
  LogicalResult OP::verify() {                                                 \
    return verifyReduction(*this, getInput().getType(), getType(), getAxes(),  \
                           getKeepdims());                                     \
  }
TESSERA_REDUCE_VERIFIER(ReduceSumOp)
TESSERA_REDUCE_VERIFIER(ReduceMeanOp)
TESSERA_REDUCE_VERIFIER(ReduceMaxOp)
TESSERA_REDUCE_VERIFIER(ReduceMinOp)
TESSERA_REDUCE_VERIFIER(ReduceProdOp)
#undef TESSERA_REDUCE_VERIFIER

LogicalResult ArgMaxOp::verify() {
  return verifyReduction(*this, getInput().getType(), getType(),
                         {int64_t(getAxis())}, getKeepdims());
}
LogicalResult ArgMinOp::verify() {
  return verifyReduction(*this, getInput().getType(), getType(),
                         {int64_t(getAxis())}, getKeepdims());
}

static LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return op->emitOpError("axis ") << axis << " is out of range for rank "
                                    << rank;
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}
LogicalResult LogSoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}
LogicalResult CumSumOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}

LogicalResult TriluOp::verify() {
  if (getType().getRank() < 2)
    return emitOpError("operand must have rank >= 2, found ")
           << getType().getRank();
  return success();
}

LogicalResult LayerNormOp::verify() {
  auto in = getInput().getType();
  if (getType() != in)
    return emitOpError("result type must equal the input type ") << in;
  if (failed(verifyAxis(*this, getAxis(), in.getRank())))
    return failure();
  ArrayRef<int64_t> normShape = in.getShape().drop_front(getAxis());
  for (Value param : {getScale(), getBias()}) {
    if (!param)
      continue;
    auto t = cast<RankedTensorType>(param.getType());
    SmallVector<int64_t> shape;
    if (t.getElementType() != in.getElementType() ||
        t.getRank() > static_cast<int64_t>(normShape.size()) ||
        failed(broadcastShapes(t.getShape(), normShape, shape)) ||
        ArrayRef<int64_t>(shape) != normShape)
      return emitOpError("scale and bias must broadcast to the normalized "
                         "shape, found ")
             << t;
  }
  return success();
}

LogicalResult ConvOp::verify() {
  auto x = getInput().getType(), w = getWeight().getType(), y = getType();
  int64_t k = x.getRank() - 2, group = getGroup();
  if (k < 1 || w.getRank() != x.getRank() || y.getRank() != x.getRank())
    return emitOpError("input, weight and result must share a rank >= 3");
  // The checks below on the channel-first dims; the residual has the
  // result's type either way.
  RankedTensorType declared = y;
  if (getChannelsLast()) {
    x = channelsFirstType(x);
    y = channelsFirstType(y);
  }
  if (static_cast<int64_t>(getStrides().size()) != k ||
      static_cast<int64_t>(getDilations().size()) != k ||
      static_cast<int64_t>(getPads().size()) != 2 * k)
    return emitOpError("strides and dilations need ")
           << k << " entries and pads " << 2 * k;
  int64_t c = x.getDimSize(1), f = w.getDimSize(0);
  if (group < 1 || c % group != 0 || f % group != 0)
    return emitOpError("group ") << group << " must divide the " << c
                                 << " input and " << f << " output channels";
  if (w.getDimSize(1) != c / group)
    return emitOpError("weight dimension 1 must be ")
           << c / group << " (channels / group), found " << w.getDimSize(1);
  if (getBias()) {
    auto b = cast<RankedTensorType>(getBias().getType());
    if (b.getRank() != 1 || b.getDimSize(0) != f)
      return emitOpError("bias must be tensor<") << f << "x...>, found " << b;
  }
  SmallVector<int64_t> shape = {x.getDimSize(0), f};
  for (int64_t i = 0; i < k; ++i) {
    int64_t s = getStrides()[i], d = getDilations()[i];
    if (s < 1 || d < 1)
      return emitOpError("strides and dilations must be positive");
    int64_t span = x.getDimSize(i + 2) + getPads()[i] + getPads()[i + k] -
                   d * (w.getDimSize(i + 2) - 1) - 1;
    if (span < 0)
      return emitOpError("kernel is larger than the padded input in spatial "
                         "dimension ")
             << i;
    shape.push_back(span / s + 1);
  }
  auto expected = RankedTensorType::get(shape, y.getElementType());
  if (getChannelsLast())
    expected = permuted(expected, toChannelsLast(expected.getRank()));
  if (declared != expected)
    return emitOpError("result type must be ")
           << expected << ", found " << declared;
  if (getResidual() && getResidual().getType() != declared)
    return emitOpError("residual must have the result type ")
           << declared << ", found " << getResidual().getType();
  if (!isKnownActivation(getActivation(), /*allowNone=*/true))
    return emitOpError("unknown activation '")
           << getActivation()
           << "' (none, relu, gelu, gelu_tanh, silu, sigmoid, tanh or "
              "hardswish)";
  return success();
}
