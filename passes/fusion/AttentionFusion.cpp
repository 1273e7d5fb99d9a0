// softmax(Q·Kᵀ·scale + mask)·V -> tessera.attention, recognised by meaning:
// the scale may sit on Q, on K, on the scores or be a division; masks are
// additive tensors, boolean Where selects or constant causal triangles; K/V
// repeated for grouped-query attention (Expand/Reshape, Gather) are taken
// un-repeated.
#include "FusionUtils.h"
#include "passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <functional>

namespace mlir::tessera {
#define GEN_PASS_DEF_ATTENTIONFUSION
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::fusion;

namespace {

/// Scores below this count as "masked out" in constant masks and fills.
constexpr double kMaskedThreshold = -1e4;

/// One additive term of the scores: a tensor, or a Where select
/// `where(cond, scores, fill)` (fill where `cond` is false) or
/// `where(cond, fill, scores)` (fill where it is true).
struct Mask {
  Value value;
  double factor = 1.0; // scales applied to the scores after this term
  WhereOp where;
  bool fillWhenTrue = false;
  double fill = 0.0;
  /// Groups of `value`'s dims (after padding to groups' total rank) that
  /// merge into one scores dim, when it was added in a reshaped view.
  SmallVector<SmallVector<int64_t, 2>> groups;
  SmallVector<int64_t> view; // the shape of that view
};

/// How the dims of `from` merge into those of `to` (row-major, each group's
/// product equal to one dim of `to`), or nothing.
std::optional<SmallVector<SmallVector<int64_t, 2>>>
mergeGroups(ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
  SmallVector<SmallVector<int64_t, 2>> groups;
  size_t i = 0;
  for (int64_t d : to) {
    SmallVector<int64_t, 2> g;
    int64_t p = 1;
    while (i < from.size() && (g.empty() || p < d || from[i] == 1) &&
           p * from[i] <= d) {
      if (p == d && from[i] == 1 && &d != &to.back())
        break;
      p *= from[i];
      g.push_back(i++);
    }
    if (p != d || g.empty())
      return std::nullopt;
    groups.push_back(g);
  }
  if (i != from.size())
    return std::nullopt;
  return groups;
}

/// scores = scale * qk + sum(masks)
struct ScoreTerms {
  MatmulOp qk;
  double scale = 1.0;
  SmallVector<Mask> masks;
};

/// Multiplies `terms` by a scalar `c` applied after everything peeled so far.
void scaleTerms(ScoreTerms &t, double c) {
  t.scale *= c;
  for (Mask &m : t.masks)
    m.factor *= c;
}

LogicalResult peelScores(Value s, ArrayRef<int64_t> shape, ScoreTerms &t,
                         int depth = 0) {
  if (depth > 8 || cast<RankedTensorType>(s.getType()).getShape() != shape)
    return failure();
  if (auto mm = defOf<MatmulOp>(s)) {
    t.qk = mm;
    return success();
  }
  if (auto mul = defOf<MulOp>(s)) {
    for (auto [x, c] : {std::pair(mul.getLhs(), mul.getRhs()),
                        std::pair(mul.getRhs(), mul.getLhs())}) {
      std::optional<double> v = getSplatValue(c);
      if (v && *v > 0 && succeeded(peelScores(x, shape, t, depth + 1))) {
        scaleTerms(t, *v);
        return success();
      }
    }
    return failure();
  }
  if (auto div = defOf<DivOp>(s)) {
    std::optional<double> v = getSplatValue(div.getRhs());
    if (!v || *v <= 0 || failed(peelScores(div.getLhs(), shape, t, depth + 1)))
      return failure();
    scaleTerms(t, 1.0 / *v);
    return success();
  }
  if (auto add = defOf<AddOp>(s)) {
    for (auto [x, m] : {std::pair(add.getLhs(), add.getRhs()),
                        std::pair(add.getRhs(), add.getLhs())}) {
      ScoreTerms inner = t;
      if (!isa<FloatType>(getElementTypeOrSelf(m.getType())) ||
          failed(peelScores(x, shape, inner, depth + 1)))
        continue;
      if (dependsOn(m, inner.qk))
        return failure();
      inner.masks.push_back({m});
      t = inner;
      return success();
    }
    return failure();
  }
  if (auto sub = defOf<SubOp>(s)) {
    // x - max(x) along the keys (torchaudio's wav2vec2 stabilises by hand):
    // softmax does not change when each row is shifted.
    auto max = defOf<ReduceMaxOp>(sub.getRhs());
    int64_t last = int64_t(shape.size()) - 1;
    if (!max || max.getInput() != sub.getLhs() || !max.getKeepdims() ||
        max.getAxes() != ArrayRef<int64_t>{last})
      return failure();
    return peelScores(sub.getLhs(), shape, t, depth + 1);
  }
  if (auto outer = defOf<ReshapeOp>(s)) {
    // A mask added in a view that splits the batch (Swin's shifted windows:
    // scores viewed as [B/nW, nW, H, N, N] + mask, viewed back).
    auto add = defOf<AddOp>(outer.getInput());
    if (!add)
      return failure();
    ArrayRef<int64_t> mid = add.getType().getShape();
    auto groups = mergeGroups(mid, shape);
    if (!groups || mid.take_back(2) != shape.take_back(2))
      return failure();
    for (auto [x, m] : {std::pair(add.getLhs(), add.getRhs()),
                        std::pair(add.getRhs(), add.getLhs())}) {
      auto inner = defOf<ReshapeOp>(x);
      auto mt = dyn_cast<RankedTensorType>(m.getType());
      if (!inner || inner.getInput().getType().getShape() != shape ||
          x.getType() != add.getType() || !mt ||
          !isa<FloatType>(mt.getElementType()))
        continue;
      ScoreTerms in = t;
      if (failed(peelScores(inner.getInput(), shape, in, depth + 1)) ||
          dependsOn(m, in.qk))
        continue;
      Mask mask;
      mask.value = m;
      mask.groups = *groups;
      mask.view.assign(mid.begin(), mid.end());
      in.masks.push_back(mask);
      t = in;
      return success();
    }
    return failure();
  }
  if (auto where = defOf<WhereOp>(s)) {
    // The fill must be -inf or so negative that adding it to a score gives
    // the fill itself: then the select is an additive mask.
    for (bool fillWhenTrue : {false, true}) {
      Value x = fillWhenTrue ? where.getY() : where.getX();
      Value fill = fillWhenTrue ? where.getX() : where.getY();
      std::optional<double> f = getSplatValue(fill);
      if (!f || !(*f < -1e30))
        continue;
      ScoreTerms inner = t;
      if (failed(peelScores(x, shape, inner, depth + 1)) ||
          dependsOn(where.getCond(), inner.qk))
        continue;
      Mask m;
      m.where = where;
      m.fillWhenTrue = fillWhenTrue;
      m.fill = *f;
      inner.masks.push_back(m);
      t = inner;
      return success();
    }
    return failure();
  }
  return failure();
}

/// A mask added in a split view (`view`), brought to the scores' dims: a
/// group of dims that merges into one must be all 1 or full, so a group
/// where the mask varies along only some dims is broadcast to the view's
/// sizes first.
Value mergeMaskDims(PatternRewriter &rewriter, Location loc, Value m,
                    ArrayRef<SmallVector<int64_t, 2>> groups,
                    ArrayRef<int64_t> view) {
  auto mt = cast<RankedTensorType>(m.getType());
  SmallVector<int64_t> padded(view.size() - mt.getRank(), 1);
  llvm::append_range(padded, mt.getShape());
  m = reshapeTo(rewriter, loc, m, padded);
  SmallVector<int64_t> full(padded), merged;
  for (const auto &g : groups) {
    int64_t p = 1, v = 1;
    for (int64_t d : g) {
      p *= padded[d];
      v *= view[d];
    }
    if (p != 1 && p != v)
      for (int64_t d : g)
        full[d] = view[d];
    merged.push_back(p != 1 ? v : 1);
  }
  if (full != padded)
    m = BroadcastToOp::create(
        rewriter, loc, RankedTensorType::get(full, mt.getElementType()), m);
  return reshapeTo(rewriter, loc, m, merged);
}

/// Strips scalar multiplications/divisions from `v`, folding them into `scale`.
Value peelScale(Value v, double &scale) {
  for (int i = 0; i < 4; ++i) {
    if (auto mul = defOf<MulOp>(v)) {
      auto vt = cast<RankedTensorType>(v.getType());
      if (auto c = getSplatValue(mul.getRhs());
          c && *c > 0 && mul.getLhs().getType() == vt) {
        scale *= *c;
        v = mul.getLhs();
        continue;
      }
      if (auto c = getSplatValue(mul.getLhs());
          c && *c > 0 && mul.getRhs().getType() == vt) {
        scale *= *c;
        v = mul.getRhs();
        continue;
      }
    }
    if (auto div = defOf<DivOp>(v)) {
      if (auto c = getSplatValue(div.getRhs());
          c && *c > 0 && div.getLhs().getType() == v.getType()) {
        scale /= *c;
        v = div.getLhs();
        continue;
      }
    }
    break;
  }
  return v;
}

/// K/V as [B, Hkv, S, D] before a grouped-query repeat to `heads` heads, or
/// nothing when `v` is not such a repeat. Repeats map head h to h / rep, or
/// to h % Hkv (`tiled`: whole copies concatenated, ONNX Tile).
Value peelRepeat(Value v, bool &tiled) {
  auto type = cast<RankedTensorType>(v.getType());
  ArrayRef<int64_t> s = type.getShape();
  tiled = false;
  if (auto concat = defOf<ConcatOp>(v)) {
    Value first = concat.getInputs().front();
    if (concat.getAxis() != 1 || concat.getInputs().size() < 2 ||
        !llvm::all_equal(concat.getInputs()))
      return {};
    tiled = true;
    return first;
  }
  // reshape(broadcast_to(reshape(K0) : [B,Hkv,1,S,D]) : [B,Hkv,rep,S,D])
  if (auto outer = defOf<ReshapeOp>(v)) {
    auto bc = defOf<BroadcastToOp>(outer.getInput());
    if (!bc)
      return {};
    ArrayRef<int64_t> x = bc.getType().getShape(),
                      y = bc.getInput().getType().getShape();
    if (x.size() != 5 || y.size() != 5 || x[0] != s[0] || x[3] != s[2] ||
        x[4] != s[3] || x[1] * x[2] != s[1] || y[2] != 1 || y[0] != x[0] ||
        y[1] != x[1] || y[3] != x[3] || y[4] != x[4])
      return {};
    Value k0 = bc.getInput();
    if (auto inner = defOf<ReshapeOp>(k0))
      if (inner.getInput().getType().getShape() ==
          ArrayRef<int64_t>{x[0], x[1], x[3], x[4]})
        return inner.getInput();
    return {}; // the caller would need a reshape; rare enough to skip
  }
  // broadcast_to(K0 : [B,1,S,D]) : one shared head (multi-query).
  if (auto bc = defOf<BroadcastToOp>(v)) {
    ArrayRef<int64_t> y = bc.getInput().getType().getShape();
    if (y.size() == 4 && y[0] == s[0] && y[1] == 1 && y[2] == s[2] &&
        y[3] == s[3])
      return bc.getInput();
    return {};
  }
  // gather(K0, [0,..,0,1,..,1,...], axis = 1)
  if (auto g = defOf<GatherOp>(v)) {
    ArrayRef<int64_t> y = g.getInput().getType().getShape();
    if (g.getAxis() != 1 || y.size() != 4 || y[1] == 0 || s[1] % y[1] != 0)
      return {};
    std::optional<SmallVector<double>> idx = getConstantValues(g.getIndices());
    int64_t rep = s[1] / y[1];
    if (!idx || int64_t(idx->size()) != s[1] ||
        g.getIndices().getType().getRank() != 1)
      return {};
    bool interleaved = true, whole = true;
    for (auto [h, i] : llvm::enumerate(*idx)) {
      interleaved &= int64_t(i) == int64_t(h) / rep;
      whole &= int64_t(i) == int64_t(h) % y[1];
    }
    if (!interleaved && !whole)
      return {};
    tiled = !interleaved;
    return g.getInput();
  }
  return {};
}

/// Whether the constant `mask` ([1.., S, Skv]) is exactly a causal triangle:
/// kept where j <= i (0 or true), masked above.
bool isCausalConstant(Value mask, bool boolean) {
  // Reshapes that only add or drop leading 1s (an unsqueezed mask).
  while (auto reshape = defOf<ReshapeOp>(mask)) {
    auto in = reshape.getInput().getType();
    if (in.getRank() < 2 || in.getShape().take_back(2) !=
                                reshape.getType().getShape().take_back(2))
      break;
    mask = reshape.getInput();
  }
  auto type = cast<RankedTensorType>(mask.getType());
  int64_t r = type.getRank();
  if (r < 2)
    return false;
  for (int64_t d : type.getShape().drop_back(2))
    if (d != 1)
      return false;
  int64_t rows = type.getDimSize(r - 2), cols = type.getDimSize(r - 1);
  if (rows < 2 || cols < 2)
    return false;
  // The mask's value at (i, j): a constant, or a triangle of a splat
  // (Trilu of full(-inf), which stays unfolded when large).
  std::function<double(int64_t, int64_t)> at;
  std::optional<SmallVector<double>> v;
  if (auto trilu = defOf<TriluOp>(mask)) {
    std::optional<double> c = getSplatValue(trilu.getInput());
    if (!c)
      return false;
    bool upper = trilu.getUpper();
    int64_t k = trilu.getK();
    double fill = *c;
    at = [=](int64_t i, int64_t j) {
      return (upper ? j - i >= k : j - i <= k) ? fill : 0.0;
    };
  } else if ((v = getConstantValues(mask))) {
    at = [&](int64_t i, int64_t j) { return (*v)[i * cols + j]; };
  } else {
    return false;
  }
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      double x = at(i, j);
      bool kept = boolean ? x != 0.0 : x == 0.0;
      bool masked = boolean ? x == 0.0 : x <= kMaskedThreshold;
      if (j <= i ? !kept : !masked)
        return false;
    }
  return true;
}

bool isZeroConstant(Value v) {
  std::optional<double> s = getSplatValue(v);
  return s && *s == 0.0;
}

struct FuseAttention : OpRewritePattern<MatmulOp> {
  FuseAttention(MLIRContext *ctx, AttentionFusionStats &stats)
      : OpRewritePattern(ctx), stats(stats) {}

  LogicalResult matchAndRewrite(MatmulOp root,
                                PatternRewriter &rewriter) const override {
    auto softmax = defOf<SoftmaxOp>(root.getLhs());
    if (!softmax)
      return failure();
    auto sType = softmax.getType();
    int64_t r = sType.getRank();
    if (softmax.getAxis() != r - 1 || r < 3)
      return rewriter.notifyMatchFailure(root, "softmax not over the keys");
    ScoreTerms t;
    if (failed(peelScores(softmax.getInput(), sType.getShape(), t)))
      return rewriter.notifyMatchFailure(root, "scores are not Q·Kᵀ + mask");
    Location loc = root.getLoc();
    double scale = t.scale;
    Value q = peelScale(t.qk.getLhs(), scale);
    Value kt = peelScale(t.qk.getRhs(), scale);
    Value v = root.getRhs();
    auto qt = cast<RankedTensorType>(q.getType()),
         ktt = cast<RankedTensorType>(kt.getType()),
         vt = cast<RankedTensorType>(v.getType());
    if (qt.getRank() != r || ktt.getRank() != r || vt.getRank() != r)
      return rewriter.notifyMatchFailure(root, "operands of mixed rank");
    // Map [N, S, D] to [1, N, S, D], and [B1, ..., Bn, H, S, D] (MaxViT's
    // [B, G, H, S, D] of grids or windows) to [B1·...·Bn, H, S, D]: the op
    // wants rank 4. Past rank 4, masks added in a split view are not taken.
    if (r > 4 &&
        llvm::any_of(t.masks, [](const Mask &m) { return !m.groups.empty(); }))
      return rewriter.notifyMatchFailure(root, "split-view mask past rank 4");
    auto to4 = [&](ArrayRef<int64_t> s) {
      SmallVector<int64_t> out(s);
      if (r == 3)
        out.insert(out.begin(), 1);
      while (out.size() > 4) {
        out[1] *= out[0];
        out.erase(out.begin());
      }
      return out;
    };
    SmallVector<int64_t> qs = to4(qt.getShape()), ks = to4(ktt.getShape()),
                         vs = to4(vt.getShape()),
                         os = to4(root.getType().getShape());
    std::swap(ks[2], ks[3]);
    int64_t B = os[0], H = os[1], S = qs[2], D = qs[3], Skv = ks[2];
    if (qs[0] != B || qs[1] != H)
      return rewriter.notifyMatchFailure(root, "query is broadcast");
    if (ks[1] != vs[1] || (ks[1] != H && ks[1] != 1) || vs[2] != Skv ||
        ks[3] != D)
      return rewriter.notifyMatchFailure(root, "key/value heads disagree");

    // A scale on K before its transpose (MaxViT's k * scale_factor) too.
    Value k = peelScale(transposeLastTwo(rewriter, loc, kt), scale);
    k = reshapeTo(rewriter, loc, k, ks);
    v = reshapeTo(rewriter, loc, v, vs);
    q = reshapeTo(rewriter, loc, q, qs);
    // Grouped-query: use K/V before their repeat to H heads.
    bool kvTiled = false;
    if (r == 4 && ks[1] == H) {
      bool kTiled, vTiled;
      Value k0 = peelRepeat(k, kTiled), v0 = peelRepeat(v, vTiled);
      if (k0 && v0 && kTiled == vTiled &&
          cast<RankedTensorType>(k0.getType()).getDimSize(1) ==
              cast<RankedTensorType>(v0.getType()).getDimSize(1)) {
        k = k0;
        v = v0;
        kvTiled = kTiled;
      }
    }
    // Batch-broadcast K/V are expanded (rare: shared memory across a batch).
    auto expandBatch = [&](Value x) {
      auto xt = cast<RankedTensorType>(x.getType());
      if (xt.getDimSize(0) == B)
        return x;
      SmallVector<int64_t> shape(xt.getShape());
      shape[0] = B;
      return Value(BroadcastToOp::create(
          rewriter, loc, RankedTensorType::get(shape, xt.getElementType()),
          x));
    };
    k = expandBatch(k);
    v = expandBatch(v);

    // One mask: a single -inf select stays boolean, anything else becomes
    // the sum of additive terms; a constant causal triangle becomes `causal`.
    Type elt = sType.getElementType();
    auto scalar = [&](double c) {
      auto type = RankedTensorType::get({}, elt);
      return ConstantOp::create(
                 rewriter, loc,
                 DenseElementsAttr::get(type, rewriter.getFloatAttr(elt, c)))
          .getResult();
    };
    auto toRank4 = [&](Value x) {
      SmallVector<int64_t> ms(cast<RankedTensorType>(x.getType()).getShape());
      if (r > 4) {
        // The leading dims merge into the batch: as a mask added in a view
        // of the scores split into them.
        SmallVector<SmallVector<int64_t, 2>> groups(1);
        for (int64_t d = 0; d < r - 3; ++d)
          groups[0].push_back(d);
        for (int64_t d = r - 3; d < r; ++d)
          groups.push_back({d});
        return mergeMaskDims(rewriter, loc, x, groups, sType.getShape());
      }
      if (r == 3 || ms.size() < 4)
        ms.insert(ms.begin(), 4 - ms.size(), 1);
      return reshapeTo(rewriter, loc, x, ms);
    };
    Value mask;
    StringRef kind = "none";
    bool causal = false;
    SmallVector<Mask> masks;
    for (Mask &m : t.masks)
      if (m.where || !isZeroConstant(m.value))
        masks.push_back(m);
    if (masks.size() == 1 && masks[0].where && std::isinf(masks[0].fill)) {
      Value keep = masks[0].where.getCond();
      if (masks[0].fillWhenTrue)
        keep = NotOp::create(rewriter, loc, keep);
      mask = toRank4(keep);
      kind = "boolean";
      if (isCausalConstant(masks[0].where.getCond(), true) &&
          !masks[0].fillWhenTrue) {
        mask = Value();
        kind = "none";
        causal = true;
      }
    } else {
      for (Mask &m : masks) {
        Value term = m.value;
        if (m.where) {
          auto ct = m.where.getCond().getType();
          Value zero = scalar(0.0), fill = scalar(m.fill);
          term = WhereOp::create(rewriter, loc,
                                 RankedTensorType::get(ct.getShape(), elt),
                                 m.where.getCond(), m.fillWhenTrue ? fill : zero,
                                 m.fillWhenTrue ? zero : fill);
        }
        if (!m.groups.empty())
          term = mergeMaskDims(rewriter, loc, term, m.groups, m.view);
        if (m.factor != 1.0)
          term = MulOp::create(rewriter, loc, term.getType(), term,
                               scalar(m.factor));
        term = toRank4(term);
        if (!mask) {
          mask = term;
          continue;
        }
        // Each term broadcasts to the scores (peelScores checked the adds).
        SmallVector<int64_t> sum;
        (void)broadcastShapes(cast<RankedTensorType>(mask.getType()).getShape(),
                              cast<RankedTensorType>(term.getType()).getShape(),
                              sum);
        mask = AddOp::create(rewriter, loc, RankedTensorType::get(sum, elt),
                             mask, term);
      }
      if (mask) {
        kind = "additive";
        if (masks.size() == 1 && !masks[0].where &&
            isCausalConstant(masks[0].value, false)) {
          mask = Value();
          kind = "none";
          causal = true;
        }
      }
    }
    auto outType = RankedTensorType::get({B, H, S, vs[3]}, elt);
    auto attn = AttentionOp::create(
        rewriter, loc, outType, q, k, v, mask, rewriter.getF64FloatAttr(scale),
        rewriter.getBoolAttr(causal), rewriter.getStringAttr(kind),
        rewriter.getBoolAttr(kvTiled));
    rewriter.replaceOp(root, reshapeTo(rewriter, loc, attn,
                                       root.getType().getShape()));
    ++stats.fused;
    if (causal)
      ++stats.causal;
    if (cast<RankedTensorType>(k.getType()).getDimSize(1) != H)
      ++stats.grouped;
    if (mask)
      ++stats.masked;
    return success();
  }

  AttentionFusionStats &stats;
};

struct AttentionFusionPass
    : tessera::impl::AttentionFusionBase<AttentionFusionPass> {
  void runOnOperation() override {
    AttentionFusionStats stats;
    RewritePatternSet patterns(&getContext());
    populateAttentionFusionPatterns(patterns, stats);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    recordCounts(getOperation(), "tessera-fuse-attention",
                 {{"attention", stats.fused}, {"causal", stats.causal}, {"grouped-query", stats.grouped}, {"masked", stats.masked}});
    numFused += stats.fused;
    numCausal += stats.causal;
    numGrouped += stats.grouped;
    numMasked += stats.masked;
  }
};
} // namespace

void mlir::tessera::populateAttentionFusionPatterns(
    RewritePatternSet &patterns, AttentionFusionStats &stats) {
  patterns.add<FuseAttention>(patterns.getContext(), stats);
}
