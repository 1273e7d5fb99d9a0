// tessera-drop-layers: removes whole attention or MLP sublayers of a
// residual network ("What Matters in Transformers"): a sublayer is a
// residual site y = x + f(x) (an add, or a linear layer's residual
// epilogue) whose branch f depends on the stream x and holds a linear layer;
// it is an attention sublayer when the branch holds a tessera.attention,
// else an MLP sublayer. Dropping one makes y = x; the branch dies and the
// canonicalizer erases it. With `measure`, nothing is dropped: the function
// instead returns, per sublayer, the cosine similarity of its input and
// output (per row of the last axis, averaged) as an extra result
// `sublayer<N>` (its kind, index and ONNX node in the result's attributes):
// the driver's calibration build, from which --drop-layers picks the most
// redundant sublayers.
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_DROPLAYERS
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {

/// A residual site: `site`'s result is `stream + branch`.
struct Sublayer {
  Operation *site;
  Value stream;
  bool attention;
};

/// Whether `branch` is computed from `stream` (the walk back stops at
/// `stream`); `linear` and `attention` say whether the ops on the way hold
/// a linear layer (or a matmul) and an attention.
bool dependsOn(Value branch, Value stream, bool &linear, bool &attention) {
  if (branch == stream)
    return true;
  Operation *def = branch.getDefiningOp();
  if (!def)
    return false;
  BackwardSliceOptions options;
  options.inclusive = true;
  options.filter = [&](Operation *op) {
    return !llvm::is_contained(op->getResults(), stream);
  };
  SetVector<Operation *> slice;
  if (failed(getBackwardSlice(def, &slice, options)))
    return false;
  bool reaches = false;
  for (Operation *op : slice) {
    linear |= isa<LinearOp, QLinearOp, MatmulOp>(op);
    attention |= isa<AttentionOp>(op);
    reaches |= llvm::is_contained(op->getOperands(), stream);
  }
  return reaches;
}

/// The sublayers of `func`, in order.
SmallVector<Sublayer> findSublayers(func::FuncOp func) {
  SmallVector<Sublayer> found;
  func.walk([&](Operation *op) {
    auto type = op->getNumResults() == 1
                    ? dyn_cast<RankedTensorType>(op->getResult(0).getType())
                    : RankedTensorType();
    if (!type || !isa<FloatType>(type.getElementType()))
      return;
    bool linear = false, attention = false;
    if (isa<LinearOp, QLinearOp>(op)) {
      // act(x W + b) + residual: the linear layer ends the branch.
      Value residual = isa<LinearOp>(op) ? cast<LinearOp>(op).getResidual()
                                         : cast<QLinearOp>(op).getResidual();
      if (residual && residual.getType() == type &&
          dependsOn(op->getOperand(0), residual, linear, attention))
        found.push_back({op, residual, attention});
      return;
    }
    if (!isa<AddOp>(op))
      return;
    for (int i = 0; i < 2; ++i) {
      Value stream = op->getOperand(i), branch = op->getOperand(1 - i);
      if (stream.getType() != type || branch == stream)
        continue;
      linear = attention = false;
      if (dependsOn(branch, stream, linear, attention) &&
          (linear || attention)) {
        found.push_back({op, stream, attention});
        return;
      }
    }
  });
  return found;
}

/// mean over rows of cos(x_row, y_row), the rows along the last axis.
Value meanCosine(OpBuilder &b, Location loc, Value x, Value y) {
  auto type = cast<RankedTensorType>(x.getType());
  Type f32 = b.getF32Type();
  if (type.getElementType() != f32) {
    type = type.clone(f32);
    x = CastOp::create(b, loc, type, x);
    y = CastOp::create(b, loc, type, y);
  }
  int64_t rank = type.getRank();
  SmallVector<int64_t> rows(type.getShape().drop_back());
  auto rowType = RankedTensorType::get(rows, f32);
  auto sum = [&](Value v) {
    return Value(ReduceSumOp::create(b, loc, rowType, v,
                                     b.getDenseI64ArrayAttr({rank - 1}),
                                     b.getBoolAttr(false)));
  };
  Value dot = sum(MulOp::create(b, loc, type, x, y));
  Value xx = sum(MulOp::create(b, loc, type, x, x));
  Value yy = sum(MulOp::create(b, loc, type, y, y));
  Value norms = SqrtOp::create(b, loc, rowType,
                               MulOp::create(b, loc, rowType, xx, yy));
  Value tiny = ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get({}, f32), 1e-20f));
  Value cos = DivOp::create(b, loc, rowType, dot,
                            MaxOp::create(b, loc, rowType, norms, tiny));
  SmallVector<int64_t> all = llvm::to_vector(llvm::seq<int64_t>(0, rank - 1));
  return ReduceMeanOp::create(b, loc, RankedTensorType::get({}, f32), cos,
                              b.getDenseI64ArrayAttr(all),
                              b.getBoolAttr(false));
}

/// The ONNX node `op` came from (its location's name), or "".
std::string nodeName(Operation *op) {
  std::string name;
  op->getLoc()->walk([&](Location loc) {
    if (auto named = dyn_cast<NameLoc>(loc)) {
      name = named.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

/// Appends `values` to what `func` returns, with result attributes `attrs`.
void appendResults(func::FuncOp func, ArrayRef<Value> values,
                   ArrayRef<Attribute> attrs) {
  auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  SmallVector<Value> results(ret.getOperands());
  SmallVector<Attribute> all;
  Builder b(func.getContext());
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    all.push_back(func.getResultAttrDict(i)
                      ? Attribute(func.getResultAttrDict(i))
                      : b.getDictionaryAttr({}));
  results.append(values.begin(), values.end());
  all.append(attrs.begin(), attrs.end());
  ret->setOperands(results);
  func.setType(FunctionType::get(func.getContext(), func.getArgumentTypes(),
                                 ValueRange(results).getTypes()));
  func.setAllResultAttrs(all);
}

struct DropLayersPass
    : public tessera::impl::DropLayersBase<DropLayersPass> {
  using DropLayersBase::DropLayersBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>("main_graph");
    if (!func) {
      for (auto f : module.getOps<func::FuncOp>())
        if (!f.isExternal()) {
          func = f;
          break;
        }
    }
    if (!func || func.isExternal())
      return;
    SmallVector<Sublayer> sublayers = findSublayers(func);
    int64_t counts[2] = {0, 0};
    for (const Sublayer &s : sublayers)
      ++counts[s.attention];
    for (auto [kind, list] :
         {std::pair<int, ArrayRef<int64_t>>{1, attention}, {0, mlp}})
      for (int64_t i : list)
        if (i < 0 || i >= counts[kind]) {
          func.emitError("tessera-drop-layers: no ")
              << (kind ? "attention" : "MLP") << " sublayer " << i
              << ": the model has " << counts[kind];
          return signalPassFailure();
        }

    Builder attrs(module.getContext());
    int64_t index[2] = {0, 0}, dropped[2] = {0, 0};
    SmallVector<std::pair<Operation *, Value>> drops;
    SmallVector<Value> probes;
    SmallVector<Attribute> probeAttrs;
    for (auto [n, s] : llvm::enumerate(sublayers)) {
      int64_t i = index[s.attention]++;
      StringRef kind = s.attention ? "attention" : "mlp";
      if (measure) {
        OpBuilder b(s.site->getContext());
        b.setInsertionPointAfter(s.site);
        Value cos = meanCosine(b, s.site->getLoc(), s.stream,
                               s.site->getResult(0));
        std::string name = ("sublayer" + Twine(n)).str();
        probes.push_back(cos);
        probeAttrs.push_back(attrs.getDictionaryAttr({
            attrs.getNamedAttr("tessera.name", attrs.getStringAttr(name)),
            attrs.getNamedAttr("tessera.sublayer_kind",
                               attrs.getStringAttr(kind)),
            attrs.getNamedAttr("tessera.sublayer_index",
                               attrs.getI64IntegerAttr(i)),
            attrs.getNamedAttr("tessera.sublayer_node",
                               attrs.getStringAttr(nodeName(s.site))),
        }));
        continue;
      }
      ArrayRef<int64_t> list = s.attention ? ArrayRef<int64_t>(attention)
                                           : ArrayRef<int64_t>(mlp);
      if (llvm::is_contained(list, i)) {
        drops.push_back({s.site, s.stream});
        ++dropped[s.attention];
      }
    }
    if (!probes.empty())
      appendResults(func, probes, probeAttrs);
    // Later sites first: a later sublayer's stream may be an earlier
    // dropped one's result, which then forwards to its own stream.
    for (auto [site, stream] : llvm::reverse(drops))
      site->getResult(0).replaceAllUsesWith(stream);
    fusion::recordCounts(module, "tessera-drop-layers",
                         {{"attention-sublayers", counts[1]},
                          {"mlp-sublayers", counts[0]},
                          {"dropped-attention", dropped[1]},
                          {"dropped-mlp", dropped[0]}});
  }
};

} // namespace
