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
  if (isa<ConstantOp>(op))
    return fusion::getSplatValue(v);
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
  bool operator==(const TokenDims &o) const {
    return batch == o.batch && token == o.token;
  }
};

bool isElementwise(Operation *op) {
  if (op->getNumResults() != 1 || op->getNumRegions() != 0 ||
      !isa<TesseraDialect>(op->getDialect()) || op->hasAttr("axis"))
    return false;
  return op->hasTrait<tessera::OpTrait::NumpyBroadcast>() ||
         isa<CastOp, ClampOp, GeluTanhOp>(op) ||
         (op->getNumOperands() == 1 &&
          op->hasTrait<mlir::OpTrait::SameOperandsAndResultType>());
}

int64_t rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

/// A value and the positions of its token dims.
using Rows = std::pair<Value, TokenDims>;

/// Where row r of `use`'s operand (token dims `dims`) goes in the user's
/// result, when the user keeps rows apart and row r of its result depends
/// on row r of the operand only: token-wise ops, and an attention's query.
/// Sets `why` when it does not; nothing and no reason for the uses that end
/// a path (a function result, an attention's key or value).
std::optional<Rows> forward(OpOperand &use, TokenDims dims, std::string &why) {
  Operation *user = use.getOwner();
  Value v = use.get();
  int64_t lastToken = std::max(dims.batch, dims.token);
  auto fail = [&](StringRef reason) -> std::optional<Rows> {
    why = (user->getName().getStringRef() + ": " + reason).str();
    return std::nullopt;
  };
  if (auto linear = dyn_cast<LinearOp>(user)) {
    if (v != linear.getInput() && v != linear.getResidual())
      return fail("padding rows reach a weight, bias or mask");
    if (lastToken >= rankOf(linear.getResult()) - 1)
      return fail("the token dims are contracted");
    return Rows{linear.getResult(), dims};
  }
  if (isa<LayerNormOp, RmsNormOp>(user)) {
    int64_t axis = user->getAttrOfType<IntegerAttr>("axis").getInt();
    if (use.getOperandNumber() != 0 || axis <= lastToken)
      return fail("normalizes over the token dims");
    return Rows{user->getResult(0), dims};
  }
  if (isa<SoftmaxOp, LogSoftmaxOp>(user)) {
    auto axis = user->getAttrOfType<IntegerAttr>("axis");
    int64_t rank = rankOf(v);
    int64_t a = axis ? (axis.getInt() + rank) % rank : rank - 1;
    if (a == dims.batch || a == dims.token)
      return fail("a softmax over the token dims");
    return Rows{user->getResult(0), dims};
  }
  if (auto glu = dyn_cast<GluOp>(user)) {
    if (lastToken >= rankOf(glu.getResult()) - 1)
      return fail("splits a token dim");
    return Rows{glu.getResult(), dims};
  }
  if (auto reshape = dyn_cast<ReshapeOp>(user)) {
    ArrayRef<int64_t> in = reshape.getInput().getType().getShape(),
                      out = reshape.getType().getShape();
    // The leading [B, S] stays.
    if (dims.batch != 0 || dims.token != 1 || out.size() < 2 ||
        out[0] != in[0] || out[1] != in[1])
      return fail("reshapes the token dims");
    return Rows{reshape.getResult(), dims};
  }
  if (auto transpose = dyn_cast<TransposeOp>(user)) {
    TokenDims moved{-1, -1};
    for (auto [to, from] : llvm::enumerate(transpose.getPerm())) {
      if (from == dims.batch)
        moved.batch = to;
      if (from == dims.token)
        moved.token = to;
    }
    return Rows{transpose.getResult(), moved};
  }
  if (auto slice = dyn_cast<SliceOp>(user)) {
    ArrayRef<int64_t> in = slice.getInput().getType().getShape(),
                      out = slice.getType().getShape();
    for (int64_t d : {dims.batch, dims.token})
      if (in[d] != out[d])
        return fail("selects tokens");
    return Rows{slice.getResult(), dims};
  }
  if (auto attention = dyn_cast<AttentionOp>(user)) {
    if (v == attention.getMask())
      return fail("padding rows reach the mask");
    if (dims.batch != 0 || dims.token != 2)
      return fail("the tokens are not the [B, H, S, D] sequence dim");
    if (v == attention.getQuery())
      return Rows{attention.getResult(), dims};
    return std::nullopt; // a key or value: no row of the result follows it
  }
  if (isElementwise(user)) {
    int64_t shift = rankOf(user->getResult(0)) - rankOf(v);
    return Rows{user->getResult(0), {dims.batch + shift, dims.token + shift}};
  }
  if (isa<func::ReturnOp>(user))
    return std::nullopt;
  return fail("mixes tokens or is not known to keep them apart");
}

/// The operands of `v`'s defining op whose rows are `v`'s rows (the
/// inverse of `forward`).
SmallVector<Rows> backward(Value v, TokenDims dims) {
  Operation *op = v.getDefiningOp();
  SmallVector<Rows> out;
  if (!op)
    return out;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type)
      continue;
    // Elementwise ops broadcast lower-rank operands from the left; every
    // other op keeps the dims where they are (a transpose moves them).
    int64_t shift = isElementwise(op) ? rankOf(v) - type.getRank() : 0;
    TokenDims d{dims.batch - shift, dims.token - shift};
    if (auto transpose = dyn_cast<TransposeOp>(op)) {
      ArrayRef<int64_t> perm = transpose.getPerm();
      d = {perm[dims.batch], perm[dims.token]};
    }
    if (d.batch < 0 || d.token < 0 || d.batch >= type.getRank() ||
        d.token >= type.getRank() ||
        type.getDimSize(d.batch) !=
            cast<RankedTensorType>(v.getType()).getDimSize(dims.batch) ||
        type.getDimSize(d.token) !=
            cast<RankedTensorType>(v.getType()).getDimSize(dims.token))
      continue; // broadcast over the tokens: not row-aligned
    std::string why;
    std::optional<Rows> next = forward(operand, d, why);
    if (next && next->first == v && next->second == dims)
      out.push_back({operand.get(), d});
  }
  return out;
}

/// The values whose token rows are the tokens of the mask `m`: connected to
/// a key or value of an attention masked by `m` through ops that keep rows
/// aligned (forward and backward; across an attention only from its query
/// to its result). Only their rows are `m`'s tokens: a decoder's rows of the
/// same shape are not.
llvm::DenseMap<Value, TokenDims>
maskTokens(BlockArgument m,
           const llvm::DenseMap<Operation *, BlockArgument> &masks) {
  llvm::DenseMap<Value, TokenDims> seen;
  SmallVector<Rows> work;
  for (auto [op, mask] : masks)
    if (mask == m) {
      auto attention = cast<AttentionOp>(op);
      work.push_back({attention.getKey(), {0, 2}});
      work.push_back({attention.getValue(), {0, 2}});
    }
  while (!work.empty()) {
    auto [v, dims] = work.pop_back_val();
    if (!seen.try_emplace(v, dims).second)
      continue;
    std::string why;
    for (OpOperand &use : v.getUses())
      if (std::optional<Rows> next = forward(use, dims, why))
        work.push_back(*next);
    for (Rows prev : backward(v, dims))
      work.push_back(prev);
  }
  return seen;
}

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
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<func::ReturnOp>(user)) {
        results.insert(use.getOperandNumber());
        continue;
      }
      if (isa<AttentionOp>(user) &&
          use.get() != cast<AttentionOp>(user).getMask()) {
        // Padding keys are invisible only behind this mask.
        auto it = masks.find(user);
        if (it == masks.end() || it->second != mask) {
          reason = "tessera.attention: its mask does not remove the padding "
                   "keys";
          return false;
        }
      }
      std::string why;
      std::optional<Rows> next = forward(use, dims, why);
      if (!why.empty()) {
        reason = why;
        return false;
      }
      if (next && !invisible(next->first, next->second))
        return false;
    }
    return true;
  }

  std::string reason;
  llvm::SmallDenseSet<unsigned> results; // function results reached

private:
  BlockArgument mask;
  const llvm::DenseMap<Operation *, BlockArgument> &masks;
  std::set<std::tuple<const void *, int64_t, int64_t>> visited;
};

struct PaddingFreePass : tessera::impl::PaddingFreeBase<PaddingFreePass> {
  void runOnOperation() override {
    int64_t done = 0, unsafe = 0, notTokens = 0, queries = 0;
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
      // The results that padding rows reach differ at padding positions.
      auto markResults = [&](const RowAnalysis &rows, BlockArgument mask) {
        for (unsigned r : rows.results)
          fn.setResultAttr(r, "tessera.padding_differs",
                           StringAttr::get(&getContext(), argName(fn, mask)));
      };
      for (BlockArgument mask : found) {
        llvm::DenseMap<Value, TokenDims> tokens = maskTokens(mask, masks);
        fn.walk([&](LinearOp linear) {
          auto x = linear.getInput().getType();
          if (linear.getTokenMask() || linear.getSparsity() ||
              !x.getElementType().isF32() || x.getRank() != 3 ||
              x.getShape().drop_back() !=
                  cast<RankedTensorType>(mask.getType()).getShape())
            return;
          // Its rows must be the mask's tokens, not other rows of the same
          // shape (a decoder's).
          auto it = tokens.find(linear.getInput());
          if (it == tokens.end() || !(it->second == TokenDims{0, 1})) {
            ++notTokens;
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
          markResults(rows, mask);
        });
        // Self-attention over the mask's tokens: padding queries are skipped.
        for (auto [op, m] : masks) {
          auto attention = cast<AttentionOp>(op);
          auto it = tokens.find(attention.getQuery());
          if (m != mask || attention.getPaddingQueries() ||
              it == tokens.end() || !(it->second == TokenDims{0, 2}) ||
              attention.getQuery().getType().getDimSize(2) !=
                  attention.getKey().getType().getDimSize(2))
            continue;
          RowAnalysis rows(mask, masks);
          if (!rows.invisible(attention.getResult(), {0, 2}))
            continue;
          attention.setPaddingQueries(true);
          ++queries;
          markResults(rows, mask);
        }
      }
      for (auto [linear, mask] : chosen) {
        // Rows of two masks at once: neither is known to be the one.
        LinearOp layer = linear;
        if (llvm::count_if(chosen, [&](auto &c) { return c.first == layer; }) >
            1)
          continue;
        linear.getTokenMaskMutable().assign(mask);
        ++done;
      }
    });
    fusion::recordCounts(getOperation(), "tessera-padding-free",
                         {{"padding-free-linears", done},
                          {"padding-free-attention", queries},
                          {"skipped-padding-visible", unsafe},
                          {"skipped-other-rows", notTokens}});
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
