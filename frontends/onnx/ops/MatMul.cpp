// Contractions: MatMul (1-D operands reshaped around tessera.matmul), Gemm
// (decomposed) and Einsum (normalized to an explicit lower-case equation).
#include "frontends/onnx/Importer.h"

#include <map>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

Value mlir::tessera::onnx_import::buildMatMul(Importer &im, Value a, Value b) {
  auto at = Importer::typeOf(a), bt = Importer::typeOf(b);
  if (at.getElementType() != bt.getElementType())
    return (void)im.fail("operand element types differ"), Value();
  if (at.getRank() < 1 || bt.getRank() < 1)
    return (void)im.fail("MatMul operands must have rank >= 1"), Value();
  bool vecA = at.getRank() == 1, vecB = bt.getRank() == 1;
  if (vecA)
    a = im.reshape(a, {1, at.getDimSize(0)});
  if (vecB)
    b = im.reshape(b, {bt.getDimSize(0), 1});
  at = Importer::typeOf(a);
  bt = Importer::typeOf(b);
  if (at.getShape().back() != bt.getDimSize(bt.getRank() - 2))
    return (void)im.fail("contraction sizes differ"), Value();
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(at.getShape().drop_back(2),
                             bt.getShape().drop_back(2), shape)))
    return (void)im.fail("batch dimensions do not broadcast"), Value();
  SmallVector<int64_t> finalShape(shape);
  shape.push_back(at.getDimSize(at.getRank() - 2));
  shape.push_back(bt.getShape().back());
  if (!vecA)
    finalShape.push_back(shape[shape.size() - 2]);
  if (!vecB)
    finalShape.push_back(shape.back());
  Value r = im.create<MatmulOp>(
      RankedTensorType::get(shape, at.getElementType()), a, b);
  return im.reshape(r, finalShape);
}

static LogicalResult importMatMul(Importer &im) {
  Value a = im.operand(0), b = im.operand(1);
  if (!a || !b)
    return failure();
  Value r = buildMatMul(im, a, b);
  if (!r)
    return failure();
  im.setOutput(0, r);
  return success();
}

/// Gemm: alpha * A' * B' + beta * C.
static LogicalResult importGemm(Importer &im) {
  Value a = im.operand(0), b = im.operand(1);
  if (!a || !b)
    return failure();
  auto at = Importer::typeOf(a), bt = Importer::typeOf(b);
  if (at.getRank() != 2 || bt.getRank() != 2)
    return im.fail("Gemm operands must be 2-D");
  Type et = at.getElementType();
  if (bt.getElementType() != et)
    return im.fail("operand element types differ");
  if (im.attrInt("transA", 0))
    a = im.transpose(a, {1, 0});
  if (im.attrInt("transB", 0))
    b = im.transpose(b, {1, 0});
  at = Importer::typeOf(a);
  bt = Importer::typeOf(b);
  if (at.getDimSize(1) != bt.getDimSize(0))
    return im.fail("contraction sizes differ");
  auto type = RankedTensorType::get({at.getDimSize(0), bt.getDimSize(1)}, et);
  Value y = im.create<MatmulOp>(type, a, b);
  float alpha = im.attrFloat("alpha", 1.0f), beta = im.attrFloat("beta", 1.0f);
  if (alpha != 1.0f)
    y = im.create<MulOp>(type, y, im.scalar(et, alpha));
  if (im.hasInput(2) && beta != 0.0f) {
    Value c = im.operand(2);
    if (!c)
      return failure();
    SmallVector<int64_t> shape;
    if (failed(broadcastShapes(type.getShape(), Importer::typeOf(c).getShape(),
                               shape)) ||
        ArrayRef<int64_t>(shape) != type.getShape())
      return im.fail("C does not broadcast to the Gemm result");
    if (beta != 1.0f)
      c = im.create<MulOp>(Importer::typeOf(c), c, im.scalar(et, beta));
    y = im.create<AddOp>(type, y, c);
  }
  im.setOutput(0, y);
  return success();
}

namespace {
/// An einsum equation rewritten to explicit form over fresh lower-case
/// letters, with `...` expanded.
struct EinsumPlan {
  SmallVector<std::string> inputs;
  std::string output;
};
} // namespace

static FailureOr<EinsumPlan> planEinsum(Importer &im, StringRef equation,
                                        ArrayRef<int64_t> ranks) {
  std::string eq;
  for (char c : equation)
    if (c != ' ')
      eq += c;
  StringRef lhs = eq, rhs;
  bool explicitOut = StringRef(eq).contains("->");
  if (explicitOut)
    std::tie(lhs, rhs) = StringRef(eq).split("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != ranks.size())
    return im.fail("equation has " + Twine(terms.size()) + " operands, node " +
                   Twine(ranks.size()));
  // Fresh letters: original letters map in order of appearance; ellipsis
  // dimensions get their own.
  std::map<char, char> letterMap;
  char next = 'a';
  bool overflow = false;
  auto fresh = [&]() -> char {
    overflow |= next > 'z';
    return next <= 'z' ? next++ : 'a';
  };
  int64_t ellRank = 0;
  for (auto [term, rank] : llvm::zip(terms, ranks)) {
    int64_t letters = 0;
    for (char c : term)
      letters += llvm::isAlpha(c);
    if (term.contains("...") && rank >= letters)
      ellRank = std::max(ellRank, rank - letters);
    else if (letters != rank || term.contains("..."))
      return im.fail("equation term '" + term + "' does not match rank " +
                     Twine(rank));
  }
  std::string ellLetters;
  for (int64_t i = 0; i < ellRank; ++i)
    ellLetters += fresh();
  EinsumPlan plan;
  std::map<char, int> counts;
  for (auto [term, rank] : llvm::zip(terms, ranks)) {
    std::string out;
    int64_t letters = llvm::count_if(term, llvm::isAlpha);
    for (size_t i = 0; i < term.size(); ++i) {
      char c = term[i];
      if (term.substr(i).starts_with("...")) {
        out += ellLetters.substr(ellRank - (rank - letters));
        i += 2;
        continue;
      }
      if (!llvm::isAlpha(c))
        return im.fail("unsupported character in equation '" + equation + "'");
      if (!letterMap.count(c))
        letterMap[c] = fresh();
      counts[c]++;
      out += letterMap[c];
    }
    plan.inputs.push_back(out);
  }
  if (overflow)
    return im.fail("equation uses more than 26 distinct dimensions");
  if (explicitOut) {
    for (size_t i = 0; i < rhs.size(); ++i) {
      if (rhs.substr(i).starts_with("...")) {
        plan.output += ellLetters;
        i += 2;
      } else if (!letterMap.count(rhs[i])) {
        return im.fail("output letter '" + Twine(rhs[i]) +
                       "' names no input dimension");
      } else {
        plan.output += letterMap[rhs[i]];
      }
    }
  } else {
    plan.output = ellLetters; // std::map iterates letters in sorted order
    for (auto [c, n] : counts)
      if (n == 1)
        plan.output += letterMap[c];
  }
  return plan;
}

static LogicalResult importEinsum(Importer &im) {
  SmallVector<Value> ins;
  SmallVector<int64_t> ranks;
  for (int i = 0; i < im.node->input_size(); ++i) {
    Value v = im.operand(i);
    if (!v)
      return failure();
    ins.push_back(v);
    ranks.push_back(Importer::typeOf(v).getRank());
  }
  if (ins.empty())
    return im.fail("Einsum needs inputs");
  FailureOr<EinsumPlan> plan =
      planEinsum(im, im.attrString("equation", ""), ranks);
  if (failed(plan))
    return failure();
  int64_t sizes[26];
  std::fill(std::begin(sizes), std::end(sizes), 1);
  Type et = Importer::typeOf(ins[0]).getElementType();
  for (auto [v, sub] : llvm::zip(ins, plan->inputs)) {
    auto t = Importer::typeOf(v);
    if (t.getElementType() != et)
      return im.fail("operand element types differ");
    for (auto [d, c] : llvm::enumerate(sub)) {
      int64_t &s = sizes[c - 'a'];
      if (s != 1 && t.getDimSize(d) != 1 && s != t.getDimSize(d))
        return im.fail("einsum dimension sizes disagree");
      s = std::max(s, t.getDimSize(d));
    }
  }
  // Size-1 dimensions broadcast in ONNX; tessera.einsum wants equal sizes.
  for (auto [v, sub] : llvm::zip(ins, plan->inputs)) {
    SmallVector<int64_t> full;
    for (char c : sub)
      full.push_back(sizes[c - 'a']);
    if (ArrayRef<int64_t>(full) != Importer::typeOf(v).getShape())
      v = im.create<BroadcastToOp>(RankedTensorType::get(full, et), v);
  }
  SmallVector<int64_t> shape;
  for (char c : plan->output)
    shape.push_back(sizes[c - 'a']);
  std::string eq = llvm::join(plan->inputs, ",") + "->" + plan->output;
  im.setOutput(0, EinsumOp::create(im.builder, im.loc,
                                   RankedTensorType::get(shape, et), ins,
                                   im.builder.getStringAttr(eq))
                      .getResult());
  return success();
}

void mlir::tessera::onnx_import::registerMatMulOps(OpTable &t) {
  t["MatMul"] = importMatMul;
  t["Gemm"] = importGemm;
  t["Einsum"] = importEinsum;
}
