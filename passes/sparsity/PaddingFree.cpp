// Padding-free linear layers: in a batch padded to a common length, the
// rows of padding tokens do not need the token-wise work (the linear
// layers are most of an encoder's time). A linear whose padding rows no
// valid token can see gets the padding mask as `token_mask`; its kernel then
// computes the valid rows only.
//
// The mask is recognised by what it does, not by its name: a function
// argument [B, S] from which an attention's mask is computed elementwise,
// such that 0 removes the key (a score of at most -1e4, -inf or false) and 1
// keeps it. Whether padding rows stay invisible is checked by following
// every use of the linear's result with the positions of its token dims.
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <optional>
#include <set>
#include <tuple>

namespace mlir::tessera {
#define GEN_PASS_DEF_PADDINGFREE
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {

/// Shapes equal once their size-1 dims are dropped.
bool sameWithoutUnitDims(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  auto nonUnit = [](ArrayRef<int64_t> s) {
    SmallVector<int64_t> out;
    for (int64_t d : s)
      if (d != 1)
        out.push_back(d);
    return out;
  };
  return nonUnit(a) == nonUnit(b);
}

/// The scalar value of `v` when the argument `arg` is the scalar `x`: `v` must
/// be computed from `arg` and splat constants by elementwise ops and
/// reshapes that only add or drop unit dims. Nothing otherwise.
std::optional<double> evaluate(Value v, BlockArgument arg, double x,
                               int depth = 0) {
  if (v == arg)
    return x;
  Operation *op = v.getDefiningOp();
  if (!op || depth > 32)
    return std::nullopt;
  auto eval = [&](Value operand) {
    return evaluate(operand, arg, x, depth + 1);
  };
  if (auto constant = dyn_cast<ConstantOp>(op)) {
    auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
    if (!dense || !dense.isSplat())
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
  if (auto reshape = dyn_cast<ReshapeOp>(op)) {
    if (!sameWithoutUnitDims(reshape.getInput().getType().getShape(),
                             reshape.getType().getShape()))
      return std::nullopt;
    return eval(reshape.getInput());
  }
  if (auto cast = dyn_cast<CastOp>(op)) {
    std::optional<double> in = eval(cast.getInput());
    Type to = cast.getType().getElementType();
    if (!in || isa<FloatType>(to))
      return in;
    if (to.isInteger(1))
      return *in != 0.0 ? 1.0 : 0.0;
    return std::trunc(*in);
  }
  if (isa<NegOp, NotOp>(op) && op->getNumOperands() == 1) {
    std::optional<double> in = eval(op->getOperand(0));
    if (!in)
      return std::nullopt;
    return isa<NegOp>(op) ? -*in : (*in == 0.0 ? 1.0 : 0.0);
  }
  if (auto where = dyn_cast<WhereOp>(op)) {
    std::optional<double> c = eval(where.getCond());
    if (!c)
      return std::nullopt;
    return eval(*c != 0.0 ? where.getX() : where.getY());
  }
  if (op->getNumOperands() != 2 || op->getNumResults() != 1)
    return std::nullopt;
  std::optional<double> a = eval(op->getOperand(0)),
                        b = eval(op->getOperand(1));
  if (!a || !b)
    return std::nullopt;
  return TypeSwitch<Operation *, std::optional<double>>(op)
      .Case([&](AddOp) { return *a + *b; })
      .Case([&](SubOp) { return *a - *b; })
      .Case([&](MulOp) { return *a * *b; })
      .Case([&](DivOp) { return *a / *b; })
      .Case([&](MaxOp) { return std::max(*a, *b); })
      .Case([&](MinOp) { return std::min(*a, *b); })
      .Case([&](EqualOp) { return double(*a == *b); })
      .Case([&](LessOp) { return double(*a < *b); })
      .Case([&](LessEqualOp) { return double(*a <= *b); })
      .Case([&](GreaterOp) { return double(*a > *b); })
      .Case([&](GreaterEqualOp) { return double(*a >= *b); })
      .Case([&](AndOp) { return double(*a != 0.0 && *b != 0.0); })
      .Case([&](OrOp) { return double(*a != 0.0 || *b != 0.0); })
      .Default([](Operation *) { return std::nullopt; });
}

/// The function arguments that `v` is computed from.
void argumentsOf(Value v, SmallVectorImpl<BlockArgument> &args, int depth = 0) {
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (!llvm::is_contained(args, arg))
      args.push_back(arg);
    return;
  }
  if (Operation *op = v.getDefiningOp(); op && depth < 32)
    for (Value operand : op->getOperands())
      argumentsOf(operand, args, depth + 1);
}

/// The key-padding mask argument `m` [B, S] of `attention`, if its mask is
/// one: 0 removes key s of batch item b, 1 keeps it.
BlockArgument keyPaddingMask(AttentionOp attention) {
  Value mask = attention.getMask();
  if (!mask)
    return {};
  SmallVector<BlockArgument> args;
  argumentsOf(mask, args);
  if (args.size() != 1)
    return {};
  BlockArgument m = args.front();
  auto mt = dyn_cast<RankedTensorType>(m.getType());
  auto kt = attention.getKey().getType();
  auto maskType = cast<RankedTensorType>(mask.getType());
  // [B, S] against the keys' [B, H, S, D]; the mask broadcasts over heads
  // and queries ([B, 1, 1, S]).
  if (!mt || mt.getRank() != 2 || mt.getDimSize(0) != kt.getDimSize(0) ||
      mt.getDimSize(1) != kt.getDimSize(2) || maskType.getRank() != 4 ||
      maskType.getDimSize(0) != mt.getDimSize(0) ||
      maskType.getDimSize(1) != 1 || maskType.getDimSize(2) != 1 ||
      maskType.getDimSize(3) != mt.getDimSize(1))
    return {};
  std::optional<double> kept = evaluate(mask, m, 1.0),
                        removed = evaluate(mask, m, 0.0);
  if (!kept || !removed)
    return {};
  if (attention.getMaskKind() == "boolean")
    return *kept != 0.0 && *removed == 0.0 ? m : BlockArgument();
  // exp(-1e4) is 0 in f32 next to any score within 1e4 of the row's max.
  bool keeps = std::isfinite(*kept) && *kept > -100.0;
  return keeps && *removed <= -1e4 ? m : BlockArgument();
}

/// Where the batch and token dims of a value are.
struct TokenDims {
  int64_t batch, token;
};

class RowAnalysis {
public:
  RowAnalysis(BlockArgument mask,
              const llvm::DenseMap<Operation *, BlockArgument> &masks)
      : mask(mask), masks(masks) {}

  /// Whether no valid row of any result can depend on the padding rows of
  /// `v`; `reason` names the first use that could.
  bool invisible(Value v, TokenDims dims) {
    auto key = std::make_tuple(v.getAsOpaquePointer(), dims.batch, dims.token);
    if (!visited.insert(key).second)
      return true;
    for (OpOperand &use : v.getUses())
      if (!useKeepsRows(use, dims))
        return false;
    return true;
  }

  std::string reason;
  llvm::SmallDenseSet<unsigned> results; // function results reached

private:
  bool fail(Operation *op, StringRef why) {
    if (reason.empty())
      reason = (op->getName().getStringRef() + ": " + why).str();
    return false;
  }

  bool useKeepsRows(OpOperand &use, TokenDims dims) {
    Operation *user = use.getOwner();
    unsigned index = use.getOperandNumber();
    int64_t lastToken = std::max(dims.batch, dims.token);
    if (isa<func::ReturnOp>(user)) {
      results.insert(index);
      return true;
    }
    if (auto linear = dyn_cast<LinearOp>(user)) {
      if (use.get() != linear.getInput() && use.get() != linear.getResidual())
        return fail(user, "padding rows reach a weight, bias or mask");
      if (lastToken >= linear.getType().getRank() - 1)
        return fail(user, "the token dims are contracted");
      return invisible(linear.getResult(), dims);
    }
    if (auto norm = dyn_cast<LayerNormOp>(user)) {
      if (index != 0 || norm.getAxis() <= lastToken)
        return fail(user, "normalizes over the token dims");
      return invisible(norm.getResult(), dims);
    }
    if (auto norm = dyn_cast<RmsNormOp>(user)) {
      if (index != 0 || norm.getAxis() <= lastToken)
        return fail(user, "normalizes over the token dims");
      return invisible(norm.getResult(), dims);
    }
    if (isa<SoftmaxOp, LogSoftmaxOp>(user)) {
      auto axis = user->getAttrOfType<IntegerAttr>("axis");
      int64_t rank = cast<RankedTensorType>(use.get().getType()).getRank();
      int64_t a = axis ? (axis.getInt() + rank) % rank : rank - 1;
      if (a == dims.batch || a == dims.token)
        return fail(user, "a softmax over the token dims");
      return invisible(user->getResult(0), dims);
    }
    if (auto glu = dyn_cast<GluOp>(user)) {
      if (lastToken >= glu.getType().getRank() - 1)
        return fail(user, "splits a token dim");
      return invisible(glu.getResult(), dims);
    }
    if (auto reshape = dyn_cast<ReshapeOp>(user)) {
      ArrayRef<int64_t> in = reshape.getInput().getType().getShape(),
                        out = reshape.getType().getShape();
      // The leading [B, S] stays.
      if (dims.batch != 0 || dims.token != 1 || out.size() < 2 ||
          out[0] != in[0] || out[1] != in[1])
        return fail(user, "reshapes the token dims");
      return invisible(reshape.getResult(), dims);
    }
    if (auto transpose = dyn_cast<TransposeOp>(user)) {
      ArrayRef<int64_t> perm = transpose.getPerm();
      TokenDims moved{-1, -1};
      for (auto [to, from] : llvm::enumerate(perm)) {
        if (from == dims.batch)
          moved.batch = to;
        if (from == dims.token)
          moved.token = to;
      }
      return invisible(transpose.getResult(), moved);
    }
    if (auto slice = dyn_cast<SliceOp>(user)) {
      ArrayRef<int64_t> in = slice.getInput().getType().getShape(),
                        out = slice.getType().getShape();
      for (int64_t d : {dims.batch, dims.token})
        if (in[d] != out[d])
          return fail(user, "selects tokens");
      return invisible(slice.getResult(), dims);
    }
    if (auto attention = dyn_cast<AttentionOp>(user)) {
      if (use.get() == attention.getMask())
        return fail(user, "padding rows reach the mask");
      auto it = masks.find(user);
      if (it == masks.end() || it->second != mask)
        return fail(user, "its mask does not remove the padding keys");
      if (dims.batch != 0 || dims.token != 2)
        return fail(user, "the tokens are not the [B, H, S, D] sequence dim");
      return invisible(attention.getResult(), dims);
    }
    if (isElementwise(user)) {
      int64_t rank =
          cast<RankedTensorType>(user->getResult(0).getType()).getRank();
      int64_t shift =
          rank - cast<RankedTensorType>(use.get().getType()).getRank();
      return invisible(user->getResult(0),
                       {dims.batch + shift, dims.token + shift});
    }
    return fail(user, "mixes tokens or is not known to keep them apart");
  }

  static bool isElementwise(Operation *op) {
    if (op->getNumResults() != 1 || op->getNumRegions() != 0 ||
        !isa<TesseraDialect>(op->getDialect()) || op->hasAttr("axis"))
      return false;
    return op->hasTrait<tessera::OpTrait::NumpyBroadcast>() ||
           isa<CastOp, ClampOp, GeluTanhOp>(op) ||
           (op->getNumOperands() == 1 &&
            op->hasTrait<mlir::OpTrait::SameOperandsAndResultType>());
  }

  BlockArgument mask;
  const llvm::DenseMap<Operation *, BlockArgument> &masks;
  std::set<std::tuple<const void *, int64_t, int64_t>> visited;
};

struct PaddingFreePass : tessera::impl::PaddingFreeBase<PaddingFreePass> {
  void runOnOperation() override {
    int64_t done = 0, unsafe = 0, noMask = 0;
    getOperation()->walk([&](func::FuncOp fn) {
      llvm::DenseMap<Operation *, BlockArgument> masks;
      SmallVector<BlockArgument> found;
      fn.walk([&](AttentionOp attention) {
        if (BlockArgument m = keyPaddingMask(attention)) {
          masks[attention] = m;
          if (!llvm::is_contained(found, m))
            found.push_back(m);
        }
      });
      SmallVector<std::pair<LinearOp, BlockArgument>> chosen;
      fn.walk([&](LinearOp linear) {
        auto x = linear.getInput().getType();
        if (linear.getTokenMask() || linear.getSparsity() ||
            !x.getElementType().isF32() || x.getRank() != 3)
          return;
        // The mask whose [B, S] the input's leading dims are; none when
        // several masks would fit (an encoder and a decoder of one shape).
        BlockArgument mask;
        int64_t fits = 0;
        for (BlockArgument m : found) {
          auto mt = cast<RankedTensorType>(m.getType());
          if (mt.getShape() == x.getShape().drop_back()) {
            mask = m;
            ++fits;
          }
        }
        if (fits != 1) {
          noMask += fits == 0 && !found.empty();
          return;
        }
        RowAnalysis rows(mask, masks);
        if (!rows.invisible(linear.getResult(), {0, 1})) {
          ++unsafe;
          linear->emitRemark("tessera-padding-free: computes padding rows: ")
              << rows.reason;
          return;
        }
        chosen.push_back({linear, mask});
        for (unsigned r : rows.results)
          fn.setResultAttr(r, "tessera.padding_differs",
                           StringAttr::get(&getContext(), argName(fn, mask)));
      });
      for (auto [linear, mask] : chosen)
        linear.getTokenMaskMutable().assign(mask);
      done += chosen.size();
    });
    fusion::recordCounts(getOperation(), "tessera-padding-free",
                         {{"padding-free-linears", done},
                          {"skipped-padding-visible", unsafe},
                          {"skipped-no-mask", noMask}});
    numLinears += done;
  }

  static std::string argName(func::FuncOp fn, BlockArgument arg) {
    if (auto name =
            fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "tessera.name"))
      return name.str();
    return "#" + std::to_string(arg.getArgNumber());
  }
};

} // namespace
