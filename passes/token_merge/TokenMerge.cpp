// Token Merging (ToMe, Bolya et al. 2023) on fused encoders: after the
// attention of every layer, tessera.token_merge merges the r most similar
// token pairs of the residual stream (similarity: the layer's head-averaged
// keys), and every op after it takes the smaller token count. Later
// attention adds log(size) to its logits (proportional attention); a mean
// over the tokens becomes the size-weighted mean. Opt-in, accuracy-changing.
//
// One forward sweep over the function, from the residual stream entering the
// first attention block: each value derived from it carries where its tokens
// are (a dimension, possibly folded with others) and where its batch is,
// mapped through every op by its semantics (reshapes by strides), and is
// given the merged token count. Whatever the merged tokens cannot flow
// through (a causal mask, a token-indexed constant, an output with one row
// per token) is refused with the op that stops it.
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"
#include "passes/token_merge/TokenAxes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <deque>
#include <optional>

namespace mlir::tessera {
#define GEN_PASS_DEF_TOKENMERGE
#define GEN_PASS_DEF_TOKENPRUNE
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::token_merge;

namespace {

/// The token count of a stretch of the sweep: `n` now, `original` before
/// any reduction, `size` ([B, n], null before the first reduction: every
/// token stands for one), and whether the sizes differ (after a merge:
/// attention then weighs keys by their size).
struct Frame {
  int64_t n, original;
  Value size;
  bool proportional = false;
  bool reduced() const { return size != nullptr; }
};

/// What the sweep knows of a value: its tokens, their count in the original
/// IR (`n0`, what the value's type said before the sweep), its batch (when
/// it could be followed) and the frame.
struct Tokens {
  Axis axis;
  int64_t n0;
  std::optional<Axis> batch;
  const Frame *frame;
};

struct Site {
  AttentionOp attention;
  Operation *residual; // defines the residual stream after the attention
};

/// A linear layer that adds the residual stream as rows: its residual a
/// reshape of the stream, its result (with one use) reshaped back
/// (tessera-fuse-linear's fold of torch's output projection on [S*B, E]).
/// Returns the reshape back, which then defines the stream.
ReshapeOp rowsResidualView(LinearOp linear) {
  Value y = linear.getResult();
  if (!linear.getResidual() ||
      !linear.getResidual().getDefiningOp<ReshapeOp>() || !y.hasOneUse())
    return nullptr;
  return dyn_cast<ReshapeOp>(*y.getUsers().begin());
}

/// The op that adds the attention's branch back to the residual stream: the
/// result flows through single-use reshapes, transposes and linear layers
/// (the output projection) into an add, or into a linear's residual.
Operation *residualAdd(AttentionOp attention) {
  Value v = attention.getResult();
  for (int steps = 0; steps < 16; ++steps) {
    if (!v.hasOneUse())
      return nullptr;
    Operation *user = *v.getUsers().begin();
    if (isa<AddOp>(user))
      return user;
    if (auto linear = dyn_cast<LinearOp>(user)) {
      if (linear.getInput() != v)
        return nullptr;
      if (ReshapeOp back = rowsResidualView(linear))
        return back;
      if (linear.getResidual())
        return user;
    } else if (!isa<ReshapeOp, TransposeOp>(user)) {
      return nullptr;
    }
    v = user->getResult(0);
  }
  return nullptr;
}

/// The residual stream entering the block of `site`: the other addend.
Value blockInput(const Site &site) {
  Operation *op = site.residual;
  if (auto linear = dyn_cast<LinearOp>(op))
    return linear.getResidual();
  if (auto back = dyn_cast<ReshapeOp>(op))
    return back.getInput()
        .getDefiningOp<LinearOp>()
        .getResidual()
        .getDefiningOp<ReshapeOp>()
        .getInput();
  for (Value operand : op->getOperands()) {
    Operation *def = operand.getDefiningOp();
    bool branch = false;
    for (Operation *o = def; o && !branch; ) {
      if (o == site.attention)
        branch = true;
      else if (o->getNumOperands() == 0)
        break;
      else
        o = o->getOperand(0).getDefiningOp();
    }
    if (!branch)
      return operand;
  }
  return nullptr;
}

/// What the sweep does after the attention of encoder layers.
struct Reduction {
  enum Kind { Merge, Prune } kind = Merge;
  /// Merge: token pairs merged per layer; token 0 never merged.
  int64_t r = 0;
  bool protectFirst = false;
  /// Prune: the fraction of tokens (besides token 0) kept, after the
  /// attention of layer `layer` (-1: a quarter of the depth).
  double keep = 1;
  int64_t layer = -1;
  /// Whether token 0 stays token 0.
  bool keepsFirst() const { return kind == Prune || protectFirst; }
  StringRef what() const {
    return kind == Merge ? "token merging" : "token pruning";
  }
};

/// The forward sweep over one function.
class Sweep {
public:
  explicit Sweep(const Reduction &reduction) : reduction(reduction) {}
  LogicalResult run(func::FuncOp func);

  int64_t reductions = 0, tokensBefore = 0, tokensAfter = 0;

private:
  LogicalResult visit(Operation *op, const Frame &frame,
                      ArrayRef<unsigned> carriers);
  LogicalResult visitAttention(AttentionOp op, const Frame &frame);
  /// Slices and gathers of token 0, means over the tokens: true when `op`
  /// was one (its result then no longer has tokens).
  FailureOr<bool> visitTokenReads(Operation *op, const Frame &frame);
  /// Inserts the merge or pruning after the residual add of `site`.
  LogicalResult reduceAfter(Site site);
  /// The [B, n, M] metric of ToMe: the keys averaged over the heads.
  Value mergeMetric(OpBuilder &b, Location loc, AttentionOp attention,
                    Axis keyBatch, int64_t n);
  /// The [B, n] scores of pruning: token 0's attention to each token,
  /// averaged over the heads.
  FailureOr<Value> pruneScores(OpBuilder &b, Location loc,
                               AttentionOp attention, int64_t n);
  /// Where the batch of `t` is, for a tensor with its tokens in `tokenDim`:
  /// as followed, or anywhere but the tokens for a batch of one (whose
  /// dimensions of size 1 reshapes move freely).
  std::optional<Axis> batchOf(const Tokens &t, int64_t tokenDim) const {
    if (batchSize == 1)
      return Axis{tokenDim == 0 ? 1 : 0, 1, 1};
    return t.batch;
  }

  Reduction reduction;
  int64_t batchSize = 0;
  /// The layer to prune after (-1 when merging: every layer).
  int64_t pruneLayer = -1;
  std::deque<Frame> frames;
  DenseMap<Value, Tokens> known;
};

LogicalResult Sweep::run(func::FuncOp func) {
  if (func.isExternal() || !llvm::hasSingleElement(func.getBody()))
    return success();
  Block &body = func.getBody().front();
  SmallVector<Site> sites;
  for (Operation &op : body) {
    auto attention = dyn_cast<AttentionOp>(op);
    if (!attention)
      continue;
    if (attention.getCausal())
      return attention.emitError()
             << reduction.what()
             << " is not defined for causal attention (a decoder): "
                "a reduced token would stand for its future";
    Operation *residual = residualAdd(attention);
    if (!residual)
      return attention.emitError()
             << reduction.what()
             << " needs each attention's output added back to a "
                "residual stream, and this one is not";
    sites.push_back({attention, residual});
  }
  if (sites.empty())
    return success();

  // The residual stream entering the first block: [B, T, D] or [T, B, D],
  // the tokens where the first attention's query length is.
  AttentionOp first = sites.front().attention;
  Value stream = blockInput(sites.front());
  auto streamType = stream ? dyn_cast<RankedTensorType>(stream.getType())
                           : RankedTensorType();
  if (!streamType || streamType.getRank() != 3 || !streamType.hasStaticShape())
    return first.emitError() << reduction.what()
                             << " needs a [batch, tokens, channels] "
                                "residual stream before the first attention";
  int64_t tokens = first.getType().getDimSize(2);
  int64_t tokenDim = streamType.getDimSize(1) == tokens   ? 1
                     : streamType.getDimSize(0) == tokens ? 0
                                                          : -1;
  if (tokenDim < 0)
    return first.emitError()
           << reduction.what() << ": the residual stream " << streamType
           << " has no dimension of the attention's " << tokens << " tokens";
  batchSize = streamType.getDimSize(1 - tokenDim);
  frames.push_back({tokens, tokens, nullptr});
  known[stream] = {Axis{tokenDim, 1, 1}, tokens, Axis{1 - tokenDim, 1, 1},
                   &frames.back()};
  tokensBefore = tokensAfter = tokens;

  // Merging happens after every layer, pruning after one.
  pruneLayer = -1;
  if (reduction.kind == Reduction::Prune) {
    pruneLayer =
        reduction.layer < 0 ? (int64_t)sites.size() / 4 : reduction.layer;
    if (pruneLayer >= (int64_t)sites.size())
      return first.emitError("token pruning after layer ")
             << pruneLayer << ": the model has " << sites.size()
             << " attention layers";
  }

  // The ops of the original IR after the stream's definition, in order.
  SmallVector<Operation *> ops;
  bool started = isa<BlockArgument>(stream);
  for (Operation &op : body) {
    if (started)
      ops.push_back(&op);
    else if (llvm::is_contained(op.getResults(), stream))
      started = true;
  }
  for (Operation *op : ops) {
    // The operands that carry tokens, and their frame.
    const Frame *frame = nullptr;
    SmallVector<unsigned> carriers;
    for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
      auto it = known.find(operand);
      if (it == known.end())
        continue;
      if (frame && frame != it->second.frame)
        return op->emitError() << reduction.what()
                               << ": this op mixes tokens from "
                                  "before and after a merge";
      frame = it->second.frame;
      carriers.push_back(i);
    }
    if (!frame)
      continue;
    if (failed(visit(op, *frame, carriers)))
      return failure();
    for (auto [i, site] : llvm::enumerate(sites))
      if (site.residual == op &&
          (reduction.kind == Reduction::Merge || (int64_t)i == pruneLayer))
        if (failed(reduceAfter(site)))
          return failure();
  }
  return success();
}

LogicalResult Sweep::visit(Operation *op, const Frame &frame,
                           ArrayRef<unsigned> carriers) {
  bool merged = frame.reduced();
  auto stop = [&](const Twine &why) -> LogicalResult {
    // Before the first merge the types stay as they are: the op only ends
    // what the sweep follows.
    if (!merged)
      return success();
    return op->emitError() << reduction.what() << ": " << why;
  };
  if (auto attention = dyn_cast<AttentionOp>(op))
    if (failed(visitAttention(attention, frame)))
      return failure();
  FailureOr<bool> read = visitTokenReads(op, frame);
  if (failed(read))
    return failure();
  if (*read)
    return success();

  std::optional<Axis> out, outBatch;
  int64_t n0 = 0;
  bool batchLost = false;
  for (unsigned i : carriers) {
    if (isa<AttentionOp>(op) && i != 0)
      continue; // keys and values: checked above
    const Tokens &in = known.find(op->getOperand(i))->second;
    SmallVector<int64_t> shape =
        withCount(shapeOf(op->getOperand(i)), in.axis, in.n0);
    std::optional<Axis> a = mapAxis(op, i, in.axis, in.n0, shape);
    if (!a)
      return stop("'" + op->getName().getStringRef() +
                  "' cannot take a changed token count here");
    if (out && !(*a == *out))
      return stop("the operands of this op hold their tokens differently");
    out = a;
    n0 = in.n0;
    std::optional<Axis> b;
    if (in.batch)
      b = mapAxis(op, i, *in.batch,
                  shape[in.batch->dim] / (in.batch->outer * in.batch->inner),
                  shape);
    if (!b || (outBatch && !(*b == *outBatch)))
      batchLost = true;
    outBatch = b;
  }
  if (!out)
    return success();
  Value result = op->getResult(0);
  auto type = cast<RankedTensorType>(result.getType());
  // Operands without tokens must broadcast along them.
  if (op->hasTrait<tessera::OpTrait::NumpyBroadcast>())
    for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
      if (llvm::is_contained(carriers, i))
        continue;
      ArrayRef<int64_t> shape = shapeOf(operand);
      int64_t d = out->dim - (type.getRank() - (int64_t)shape.size());
      if (d >= 0 && shape[d] != 1)
        return stop("an operand of this op has one value per token, not "
                    "merged with them");
    }
  if (merged)
    result.setType(RankedTensorType::get(
        withCount(type.getShape(), *out, frame.n), type.getElementType()));
  known[result] = {*out, n0, batchLost ? std::nullopt : outBatch, &frame};
  return success();
}

LogicalResult Sweep::visitAttention(AttentionOp op, const Frame &frame) {
  auto key = known.find(op.getKey());
  auto value = known.find(op.getValue());
  bool kv = key != known.end();
  Axis rows{2, 1, 1};
  if (kv != (value != known.end()) ||
      (kv && (!(key->second.axis == rows) || !(value->second.axis == rows))))
    return op.emitError() << reduction.what()
                          << ": the keys and values of this "
                             "attention do not hold the tokens as whole rows";
  if (auto q = known.find(op.getQuery());
      q != known.end() && !(q->second.axis == rows))
    return op.emitError() << reduction.what()
                          << ": the queries of this attention do "
                             "not hold the tokens as whole rows";
  if (known.count(op.getMask()))
    return op.emitError() << reduction.what()
                          << ": this attention's mask is computed "
                             "from the tokens";
  if (!frame.proportional || !kv)
    return success();
  std::optional<Axis> keyBatch = batchOf(key->second, 2);
  if (!keyBatch)
    return op.emitError() << reduction.what()
                          << ": cannot tell the batch in this attention's keys";
  Value mask = op.getMask();
  if (mask && (op.getMaskKind() != "additive" || shapeOf(mask).back() != 1))
    return op.emitError() << reduction.what()
                          << ": this attention has a mask per key, "
                             "and merged keys have none";
  // Proportional attention: log(size) added to every logit of a key.
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value logSize = LogOp::create(b, loc, frame.size);
  Value bias = layOut(b, loc, logSize, 4, *keyBatch, 3);
  if (mask) {
    // [.., .., S or 1, 1] + [B', Hk', 1, n]
    ArrayRef<int64_t> m = shapeOf(mask), s = shapeOf(bias);
    SmallVector<int64_t> shape(s);
    for (int64_t d = 0; d < 3; ++d) {
      int64_t md = d - (4 - (int64_t)m.size());
      if (md >= 0 && m[md] != 1)
        shape[d] = m[md];
    }
    bias = AddOp::create(b, loc,
                         RankedTensorType::get(shape, b.getF32Type()), bias,
                         mask);
  }
  op.getMaskMutable().assign(bias);
  op.setMaskKind("additive");
  return success();
}

FailureOr<bool> Sweep::visitTokenReads(Operation *op, const Frame &frame) {
  if (op->getNumOperands() == 0)
    return false;
  auto it = known.find(op->getOperand(0));
  if (it == known.end())
    return false;
  const Tokens &in = it->second;
  int64_t dim = in.axis.dim;
  SmallVector<int64_t> shape = withCount(shapeOf(op->getOperand(0)), in.axis, in.n0);
  // Which token a slice or gather along the tokens keeps: 0, or none.
  std::optional<bool> firstOnly;
  if (auto s = dyn_cast<SliceOp>(op)) {
    ArrayRef<int64_t> result = shapeOf(s.getResult());
    if (s.getStarts()[dim] != 0 || s.getSteps()[dim] != 1 ||
        result[dim] != shape[dim])
      firstOnly = s.getStarts()[dim] == 0 && result[dim] == 1;
  } else if (auto g = dyn_cast<GatherOp>(op)) {
    int64_t axis = g.getAxis() < 0 ? g.getAxis() + shape.size() : g.getAxis();
    if (axis == dim) {
      DenseElementsAttr indices;
      if (auto c = fusion::defOf<ConstantOp>(g.getIndices()))
        indices = dyn_cast<DenseElementsAttr>(c.getValue());
      firstOnly = indices && llvm::all_of(indices.getValues<APInt>(),
                                          [](const APInt &v) { return v.isZero(); });
    }
  }
  if (firstOnly) {
    if (!frame.reduced())
      return true;
    if (!*firstOnly || !in.axis.plain())
      return op->emitError() << reduction.what()
                             << ": this op picks tokens by "
                                "position, which merging changes",
             failure();
    if (!reduction.keepsFirst())
      return op->emitError() << reduction.what()
                             << ": this op reads token 0 (a class "
                                "token), which stays in place only with "
                                "protect-first",
             failure();
    return true;
  }
  auto mean = dyn_cast<ReduceMeanOp>(op);
  std::optional<ArrayRef<int64_t>> axes = reduceAxes(op);
  bool overTokens = axes && llvm::is_contained(*axes, dim);
  if (!overTokens)
    return false;
  // Unmerged tokens (none yet, or only pruned ones) all have size 1.
  if (!frame.proportional)
    return true;
  std::optional<Axis> batch = batchOf(in, dim);
  if (!mean || !in.axis.plain() || !batch || shape.size() < 2)
    return op->emitError() << reduction.what()
                           << ": this op reduces over the merged "
                              "tokens (only a mean has a size-weighted form)",
           failure();
  // mean_t x_t -> sum_t x_t size_t / sum_t size_t
  //             = mean_t x_t (size_t n / sum_t size_t)
  OpBuilder b(op);
  Location loc = op->getLoc();
  Type f32 = b.getF32Type();
  auto sizeType = cast<RankedTensorType>(frame.size.getType());
  Value total = ReduceSumOp::create(
      b, loc, RankedTensorType::get({sizeType.getDimSize(0), 1}, f32),
      frame.size, b.getDenseI64ArrayAttr({1}), b.getBoolAttr(true));
  Value count = ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get({}, f32), (float)frame.n));
  Value share = DivOp::create(b, loc, sizeType, frame.size, total);
  Value weight = MulOp::create(b, loc, sizeType, share, count);
  Value x = op->getOperand(0);
  Value laid = layOut(b, loc, weight, shapeOf(x).size(), *batch, dim);
  Value weighted = MulOp::create(b, loc, x.getType(), x, laid);
  op->setOperand(0, weighted);
  return true;
}

Value Sweep::mergeMetric(OpBuilder &b, Location loc, AttentionOp attention,
                         Axis keyBatch, int64_t n) {
  // Keys [B', Hk, n, D], the batch somewhere in B' x Hk: split out as
  // [outer, B, inner, n, D] and averaged over outer and inner.
  Value k = attention.getKey();
  ArrayRef<int64_t> ks = shapeOf(k);
  int64_t flat = ks[0] * ks[1];
  int64_t inner = keyBatch.inner * (keyBatch.dim == 0 ? ks[1] : 1);
  int64_t outer = flat / (batchSize * inner);
  Value split = reshape(b, loc, k, {outer, batchSize, inner, n, ks[3]});
  return ReduceMeanOp::create(
      b, loc, RankedTensorType::get({batchSize, n, ks[3]}, b.getF32Type()),
      split, b.getDenseI64ArrayAttr({0, 2}), b.getBoolAttr(false));
}

FailureOr<Value> Sweep::pruneScores(OpBuilder &b, Location loc,
                                    AttentionOp attention, int64_t n) {
  Value q = attention.getQuery(), k = attention.getKey();
  ArrayRef<int64_t> qs = shapeOf(q), ks = shapeOf(k);
  auto query = known.find(q);
  std::optional<Axis> batch =
      query == known.end() ? std::nullopt : batchOf(query->second, 2);
  if (!batch)
    return attention.emitError("token pruning: cannot follow the tokens "
                               "into this attention's queries"),
           failure();
  if (attention.getKvTiled() || qs[0] != ks[0] || qs[1] != ks[1])
    return attention.emitError("token pruning: the class token's attention "
                               "is not computed for grouped-query "
                               "attention"),
           failure();
  Type f32 = b.getF32Type();
  int64_t heads = qs[1];
  auto type = [&](ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, f32);
  };
  // softmax_j(scale * q[.., .., 0, :] . k[.., .., j, :] + mask[.., .., 0, j])
  Value row = SliceOp::create(b, loc, type({qs[0], heads, 1, qs[3]}), q,
                              b.getDenseI64ArrayAttr({0, 0, 0, 0}),
                              b.getDenseI64ArrayAttr({1, 1, 1, 1}));
  // k [.., n, D] times the row as a column [.., D, 1] (a reshape): no
  // transposed copy of the keys.
  Value column = reshape(b, loc, row, {qs[0], heads, qs[3], 1});
  Value dots = MatmulOp::create(b, loc, type({qs[0], heads, n, 1}), k, column);
  auto logitsType = type({qs[0], heads, 1, n});
  Value logits = reshape(b, loc, dots, {qs[0], heads, 1, n});
  Value scale = ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(type({}),
                             (float)attention.getScale().convertToDouble()));
  logits = MulOp::create(b, loc, logitsType, logits, scale);
  if (Value mask = attention.getMask()) {
    if (attention.getMaskKind() != "additive")
      return attention.emitError("token pruning: a boolean attention mask"),
             failure();
    // The class token's row of a per-query mask.
    SmallVector<int64_t> ms(shapeOf(mask));
    if (ms.size() >= 2 && ms[ms.size() - 2] != 1) {
      SmallVector<int64_t> zeros(ms.size(), 0), ones(ms.size(), 1);
      ms[ms.size() - 2] = 1;
      mask = SliceOp::create(b, loc, type(ms), mask,
                             b.getDenseI64ArrayAttr(zeros),
                             b.getDenseI64ArrayAttr(ones));
    }
    logits = AddOp::create(b, loc, logitsType, logits, mask);
  }
  Value probs =
      SoftmaxOp::create(b, loc, logitsType, logits, b.getI64IntegerAttr(3));
  int64_t flat = qs[0] * heads;
  int64_t inner = batch->inner * (batch->dim == 0 ? heads : 1);
  int64_t outer = flat / (batchSize * inner);
  Value split = reshape(b, loc, probs, {outer, batchSize, inner, n});
  return Value(ReduceMeanOp::create(b, loc, type({batchSize, n}), split,
                                    b.getDenseI64ArrayAttr({0, 2}),
                                    b.getBoolAttr(false)));
}

LogicalResult Sweep::reduceAfter(Site site) {
  StringRef what = reduction.what();
  Value stream = site.residual->getResult(0);
  auto it = known.find(stream);
  if (it == known.end())
    return site.residual->emitError()
           << what << ": cannot follow the tokens into this residual stream";
  Tokens x = it->second;
  auto keys = known.find(site.attention.getKey());
  auto type = cast<RankedTensorType>(stream.getType());
  std::optional<Axis> batch = batchOf(x, x.axis.dim);
  std::optional<Axis> keyBatch =
      keys == known.end() ? std::nullopt : batchOf(keys->second, 2);
  if (type.getRank() != 3 || !x.axis.plain() || x.axis.dim > 1 || !batch ||
      !batch->plain() || batch->dim != 1 - x.axis.dim || !keyBatch)
    return site.residual->emitError()
           << what
           << ": the residual stream after this attention is not "
              "[batch, tokens, channels]";
  const Frame &frame = *x.frame;
  int64_t n = frame.n, left;
  if (reduction.kind == Reduction::Merge) {
    int64_t protect = reduction.protectFirst ? 1 : 0;
    left = n - std::min<int64_t>(reduction.r, (n - protect) / 2);
  } else {
    int64_t others = llround(reduction.keep * (n - 1));
    left = 1 + std::clamp<int64_t>(others, 1, std::max<int64_t>(n - 1, 1));
  }
  if (left >= n)
    return success();
  OpBuilder b(site.residual->getContext());
  b.setInsertionPointAfter(site.residual);
  Location loc = site.residual->getLoc();
  Type f32 = b.getF32Type();

  Value size = frame.size;
  if (!size)
    size = ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get({batchSize, n}, f32),
                               1.0f));
  Value in = stream;
  if (x.axis.dim == 0)
    in = transpose(b, loc, stream, {1, 0, 2});
  Operation *firstUse = in != stream ? in.getDefiningOp() : nullptr;
  int64_t channels = type.getDimSize(2);
  // The types live in an array: a TypeRange over a braced list would point
  // at a temporary that is gone by the time the ops are built.
  Type resultTypes[] = {RankedTensorType::get({batchSize, left, channels}, f32),
                        RankedTensorType::get({batchSize, left}, f32)};
  TypeRange types(resultTypes);
  Operation *reduced;
  if (reduction.kind == Reduction::Merge) {
    Value metric = mergeMetric(b, loc, site.attention, *keyBatch, n);
    reduced = TokenMergeOp::create(b, loc, types, in, metric, size,
                                   b.getI64IntegerAttr(n - left),
                                   b.getBoolAttr(reduction.protectFirst));
  } else {
    FailureOr<Value> scores = pruneScores(b, loc, site.attention, n);
    if (failed(scores))
      return failure();
    reduced = TokenPruneOp::create(b, loc, types, in, *scores, size,
                                   b.getI64IntegerAttr(left));
  }
  if (!firstUse)
    firstUse = reduced;
  Value out = reduced->getResult(0);
  if (x.axis.dim == 0)
    out = transpose(b, loc, out, {1, 0, 2});
  stream.replaceAllUsesExcept(out, firstUse);
  frames.push_back({left, frame.original, reduced->getResult(1),
                    frame.proportional || reduction.kind == Reduction::Merge});
  known[out] = {x.axis, x.n0, x.batch, &frames.back()};
  ++reductions;
  tokensAfter = left;
  return success();
}

/// Runs `reduction` on every function of `module`; records the counts
/// under `pass` for --report.
LogicalResult runSweeps(ModuleOp module, const Reduction &reduction,
                        StringRef pass, StringRef counted,
                        int64_t &reductions) {
  int64_t before = 0, after = 0;
  WalkResult result = module.walk([&](func::FuncOp func) {
    Sweep sweep(reduction);
    if (failed(sweep.run(func)))
      return WalkResult::interrupt();
    reductions += sweep.reductions;
    before = std::max(before, sweep.tokensBefore);
    after = std::max(after, sweep.tokensAfter);
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return failure();
  fusion::recordCounts(module, pass,
                       {{counted, reductions},
                        {"tokens-before", before},
                        {"tokens-after", after}});
  return success();
}

struct TokenMergePass : public tessera::impl::TokenMergeBase<TokenMergePass> {
  using TokenMergeBase::TokenMergeBase;

  void runOnOperation() override {
    if (r < 1) {
      emitError(getOperation()->getLoc(),
                "tessera-token-merge: r must be at least 1");
      return signalPassFailure();
    }
    if (tagOnly)
      return;
    Reduction reduction;
    reduction.r = r;
    reduction.protectFirst = protectFirst;
    int64_t merges = 0;
    if (failed(runSweeps(getOperation(), reduction, "tessera-token-merge",
                         "merges", merges)))
      return signalPassFailure();
    numMerges += merges;
  }
};

struct TokenPrunePass : public tessera::impl::TokenPruneBase<TokenPrunePass> {
  using TokenPruneBase::TokenPruneBase;

  void runOnOperation() override {
    if (!(keep > 0 && keep <= 1)) {
      emitError(getOperation()->getLoc(),
                "tessera-token-prune: keep must be in (0, 1]");
      return signalPassFailure();
    }
    if (tagOnly)
      return;
    Reduction reduction;
    reduction.kind = Reduction::Prune;
    reduction.keep = keep;
    reduction.layer = layer;
    int64_t prunes = 0;
    if (failed(runSweeps(getOperation(), reduction, "tessera-token-prune",
                         "prunes", prunes)))
      return signalPassFailure();
    numPrunes += prunes;
  }
};

} // namespace
