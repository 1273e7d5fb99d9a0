// Two-operand einsums that are batched matrix products become transposes,
// reshapes and tessera.matmul: the runtime's GEMM instead of a loop nest, and
// the form the attention fusion recognises ('bhqd,bhkd->bhqk').
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mlir::tessera;

namespace {

Value transposed(PatternRewriter &rewriter, Location loc, Value v,
                 ArrayRef<int64_t> perm) {
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return v;
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(t.getDimSize(p));
  return TransposeOp::create(rewriter, loc,
                             RankedTensorType::get(shape, t.getElementType()), v,
                             rewriter.getDenseI64ArrayAttr(perm));
}

Value reshaped(PatternRewriter &rewriter, Location loc, Value v,
               ArrayRef<int64_t> shape) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getShape() == shape)
    return v;
  return ReshapeOp::create(rewriter, loc,
                           RankedTensorType::get(shape, t.getElementType()), v);
}

/// 'batch m k, batch k n -> batch m n' up to the order of letters: batch
/// letters in both operands and the output, m (n) letters in the lhs (rhs)
/// and the output only, k letters in both operands only. Every letter appears
/// once per operand; the product's M, N and K must each exceed 1 (smaller
/// ones are matrix-vector work the loop nest does as well).
struct EinsumToMatmul : OpRewritePattern<EinsumOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(EinsumOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getInputs().size() != 2)
      return failure();
    FailureOr<EinsumSpec> spec = parseEinsum(op.getEquation());
    if (failed(spec))
      return failure();
    const std::string &a = spec->inputs[0], &b = spec->inputs[1],
                      &out = spec->output;
    auto unique = [](const std::string &s) {
      return llvm::SmallSet<char, 8>(s.begin(), s.end()).size() == s.size();
    };
    if (!unique(a) || !unique(b) || !unique(out))
      return failure();
    auto lhsT = cast<RankedTensorType>(op.getInputs()[0].getType()),
         rhsT = cast<RankedTensorType>(op.getInputs()[1].getType());
    std::string batch, m, n, k;
    SmallVector<int64_t> size(26, 0);
    for (auto [i, c] : llvm::enumerate(a))
      size[c - 'a'] = lhsT.getDimSize(i);
    for (auto [i, c] : llvm::enumerate(b)) {
      if (size[c - 'a'] && size[c - 'a'] != rhsT.getDimSize(i))
        return failure(); // broadcast in an einsum: leave it to the loops
      size[c - 'a'] = rhsT.getDimSize(i);
    }
    for (char c : a) {
      bool inB = b.find(c) != std::string::npos,
           inOut = out.find(c) != std::string::npos;
      if (inB && inOut)
        batch += c;
      else if (inOut)
        m += c;
      else if (inB)
        k += c;
      else
        return failure(); // summed over one operand alone
    }
    for (char c : b)
      if (a.find(c) == std::string::npos) {
        if (out.find(c) == std::string::npos)
          return failure();
        n += c;
      }
    auto product = [&](const std::string &s) {
      int64_t p = 1;
      for (char c : s)
        p *= size[c - 'a'];
      return p;
    };
    int64_t M = product(m), N = product(n), K = product(k);
    if (M < 2 || N < 2 || K < 2)
      return failure();
    auto positions = [](const std::string &of, const std::string &order) {
      SmallVector<int64_t> perm;
      for (char c : order)
        perm.push_back(of.find(c));
      return perm;
    };
    SmallVector<int64_t> batchShape;
    for (char c : batch)
      batchShape.push_back(size[c - 'a']);
    auto with = [&](int64_t x, int64_t y) {
      SmallVector<int64_t> s(batchShape);
      s.push_back(x);
      s.push_back(y);
      return s;
    };
    Location loc = op.getLoc();
    Value lhs = transposed(rewriter, loc, op.getInputs()[0],
                           positions(a, batch + m + k));
    lhs = reshaped(rewriter, loc, lhs, with(M, K));
    Value rhs = transposed(rewriter, loc, op.getInputs()[1],
                           positions(b, batch + k + n));
    rhs = reshaped(rewriter, loc, rhs, with(K, N));
    Type elt = op.getType().getElementType();
    Value prod = MatmulOp::create(
        rewriter, loc, RankedTensorType::get(with(M, N), elt), lhs, rhs);
    std::string order = batch + m + n;
    SmallVector<int64_t> full;
    for (char c : order)
      full.push_back(size[c - 'a']);
    prod = reshaped(rewriter, loc, prod, full);
    rewriter.replaceOp(op, transposed(rewriter, loc, prod,
                                      positions(order, out)));
    return success();
  }
};
} // namespace

void EinsumOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<EinsumToMatmul>(context);
}
