// Shared analyses of the SSM recognitions (see Recurrence.h).
#include "Recurrence.h"

#include "passes/fusion/FusionUtils.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::ssm;
using fusion::defOf;

namespace {
RankedTensorType typeOf(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// The dims of `x` when it broadcasts (numpy, right-aligned) into a value
/// whose dims run along `vDims`.
SmallVector<int64_t> alignedDims(Value x, ArrayRef<int64_t> vDims) {
  ArrayRef<int64_t> shape = typeOf(x).getShape();
  SmallVector<int64_t> dims;
  int64_t off = int64_t(vDims.size()) - int64_t(shape.size());
  for (auto [i, s] : llvm::enumerate(shape))
    dims.push_back(s == 1 || off + int64_t(i) < 0 ? -1 : vDims[off + i]);
  return dims;
}

/// The positions of the non-unit dims of `shape`.
SmallVector<int64_t> nonUnitDims(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> dims;
  for (auto [i, s] : llvm::enumerate(shape))
    if (s != 1)
      dims.push_back(i);
  return dims;
}

Value reshape(PatternRewriter &rewriter, Location loc, Value v,
              ArrayRef<int64_t> shape) {
  return fusion::reshapeTo(rewriter, loc, v, shape);
}

Value transpose(PatternRewriter &rewriter, Location loc, Value v,
                ArrayRef<int64_t> perm) {
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(perm))
    identity &= int64_t(i) == p;
  if (identity)
    return v;
  auto t = typeOf(v);
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(t.getDimSize(p));
  return TransposeOp::create(rewriter, loc,
                             RankedTensorType::get(shape, t.getElementType()),
                             v, rewriter.getDenseI64ArrayAttr(perm));
}

Value multiply(PatternRewriter &rewriter, Location loc, Value x, Value y) {
  SmallVector<int64_t> shape;
  (void)broadcastShapes(typeOf(x).getShape(), typeOf(y).getShape(), shape);
  return MulOp::create(rewriter, loc,
                       RankedTensorType::get(shape, typeOf(x).getElementType()),
                       x, y);
}
} // namespace

std::optional<TimeSlice> mlir::tessera::ssm::matchTimeSlice(Value v) {
  if (auto gather = defOf<GatherOp>(v)) {
    auto idx = fusion::getConstantValues(gather.getIndices(), 1);
    auto it = typeOf(gather.getIndices());
    if (!idx || it.getRank() != 0)
      return std::nullopt;
    auto st = typeOf(gather.getInput());
    int64_t axis = gather.getAxis();
    if (axis < 0)
      axis += st.getRank();
    int64_t index = int64_t((*idx)[0]);
    if (index < 0)
      index += st.getDimSize(axis);
    return TimeSlice{gather.getInput(), axis, index, false};
  }
  auto sliceOf = [](Value s) -> std::optional<TimeSlice> {
    auto slice = defOf<SliceOp>(s);
    if (!slice)
      return std::nullopt;
    ArrayRef<int64_t> in = typeOf(slice.getInput()).getShape(),
                      out = typeOf(s).getShape();
    std::optional<TimeSlice> found;
    for (int64_t i = 0, e = in.size(); i < e; ++i) {
      if (in[i] == out[i])
        continue;
      if (found || out[i] != 1 || slice.getSteps()[i] != 1)
        return std::nullopt;
      found = TimeSlice{slice.getInput(), i, slice.getStarts()[i], true};
    }
    return found;
  };
  if (std::optional<TimeSlice> ts = sliceOf(v))
    return ts;
  // A reshape that drops the sliced unit axis.
  if (auto r = defOf<ReshapeOp>(v)) {
    std::optional<TimeSlice> ts = sliceOf(r.getInput());
    if (!ts)
      return std::nullopt;
    SmallVector<int64_t> dropped(typeOf(r.getInput()).getShape());
    dropped.erase(dropped.begin() + ts->axis);
    if (ArrayRef<int64_t>(dropped) != typeOf(v).getShape())
      return std::nullopt;
    ts->keepsAxis = false;
    return ts;
  }
  return std::nullopt;
}

namespace mlir::tessera::ssm {
/// The layout-equivalent values seen while looking through layout ops.
struct LayoutViews {
  SmallVector<std::pair<Value, SmallVector<int64_t>>, 2> list;
};
} // namespace mlir::tessera::ssm

llvm::SmallDenseSet<int64_t> Product::touched() const {
  llvm::SmallDenseSet<int64_t> dims;
  for (const Factor &f : factors)
    for (int64_t d : f.dims)
      if (d >= 0)
        dims.insert(d);
  return dims;
}

bool mlir::tessera::ssm::factorize(Value v, ArrayRef<int64_t> vDims,
                                   std::optional<int64_t> step,
                                   int64_t timeDim, Product &out, Value origin,
                                   ArrayRef<int64_t> originDims,
                                   LayoutViews *views) {
  auto type = typeOf(v);
  SmallVector<int64_t> dims(vDims);
  for (auto [i, s] : llvm::enumerate(type.getShape()))
    if (s == 1)
      dims[i] = -1;
  if (std::optional<double> c = fusion::getSplatValue(v)) {
    out.coefficient *= *c;
    return true;
  }
  Operation *def = v.getDefiningOp();
  if (auto mul = dyn_cast_or_null<MulOp>(def))
    return factorize(mul.getLhs(), alignedDims(mul.getLhs(), dims), step,
                     timeDim, out) &&
           factorize(mul.getRhs(), alignedDims(mul.getRhs(), dims), step,
                     timeDim, out);
  // Elementwise unary functions of a single factor stay with it.
  if (def && isa<SoftplusOp, SigmoidOp, ExpOp, SiluOp>(def)) {
    Product inner;
    if (factorize(def->getOperand(0), dims, step, timeDim, inner) &&
        inner.factors.size() == 1 && inner.coefficient == 1.0) {
      Factor f = inner.factors.front();
      f.fns.push_back(def->getName());
      out.factors.push_back(std::move(f));
      return true;
    }
  }
  // A matmul over a contraction of size 1 is an outer product:
  // [.., M, 1]·[.., 1, N].
  if (auto mm = dyn_cast_or_null<MatmulOp>(def)) {
    auto lt = typeOf(mm.getLhs()), rt = typeOf(mm.getRhs());
    int64_t rank = dims.size();
    if (lt.getRank() >= 2 && rt.getRank() >= 2 && rank >= 2 &&
        lt.getShape().back() == 1 && rt.getDimSize(rt.getRank() - 2) == 1) {
      SmallVector<int64_t> batch(dims.begin(), dims.end() - 2);
      SmallVector<int64_t> ld(batch), rd(batch);
      ld.append({dims[rank - 2], -1});
      rd.append({-1, dims[rank - 1]});
      return factorize(mm.getLhs(), alignedDims(mm.getLhs(), ld), step,
                       timeDim, out) &&
             factorize(mm.getRhs(), alignedDims(mm.getRhs(), rd), step,
                       timeDim, out);
    }
  }
  if (auto neg = dyn_cast_or_null<NegOp>(def)) {
    out.coefficient = -out.coefficient;
    return factorize(neg.getInput(), dims, step, timeDim, out);
  }
  // Looking through a transpose keeps the transposed value as the factor's
  // origin (unit reshapes need none: materialize redoes them).
  LayoutViews localViews;
  if (!views)
    views = &localViews;
  if (auto tr = dyn_cast_or_null<TransposeOp>(def)) {
    if (!origin) {
      origin = v;
      originDims = dims;
    }
    views->list.push_back({v, dims});
    SmallVector<int64_t> in(dims.size());
    for (auto [i, p] : llvm::enumerate(tr.getPerm()))
      in[p] = dims[i];
    return factorize(tr.getInput(), in, step, timeDim, out, origin,
                     originDims, views);
  }
  if (auto r = dyn_cast_or_null<ReshapeOp>(def)) {
    ArrayRef<int64_t> inShape = typeOf(r.getInput()).getShape();
    SmallVector<int64_t> inKept = nonUnitDims(inShape),
                         outKept = nonUnitDims(type.getShape());
    bool unitOnly = inKept.size() == outKept.size();
    for (size_t i = 0; unitOnly && i < inKept.size(); ++i)
      unitOnly = inShape[inKept[i]] == type.getDimSize(outKept[i]);
    if (unitOnly) {
      SmallVector<int64_t> in(inShape.size(), -1);
      for (auto [i, o] : llvm::zip(inKept, outKept))
        in[i] = dims[o];
      views->list.push_back({v, dims});
      return factorize(r.getInput(), in, step, timeDim, out, origin,
                       originDims, views);
    }
  }
  if (auto e = dyn_cast_or_null<EinsumOp>(def)) {
    // A product without summed labels: every operand label is an output one.
    StringRef eq = e.getEquation();
    auto arrow = eq.find("->");
    SmallVector<StringRef> ins;
    if (arrow != StringRef::npos)
      eq.substr(0, arrow).split(ins, ',');
    StringRef res =
        arrow == StringRef::npos ? StringRef() : eq.substr(arrow + 2);
    bool product = ins.size() == e.getInputs().size() && !res.empty();
    for (StringRef in : ins)
      for (auto [i, c] : llvm::enumerate(in))
        product &= res.contains(c) && in.find(c) == i;
    if (product) {
      for (auto [in, x] : llvm::zip(ins, e.getInputs())) {
        SmallVector<int64_t> xd;
        for (char c : in)
          xd.push_back(dims[res.find(c)]);
        if (!factorize(x, xd, step, timeDim, out))
          return false;
      }
      return true;
    }
  }
  if (step) {
    if (std::optional<TimeSlice> ts = matchTimeSlice(v)) {
      if (ts->index != *step)
        return false;
      int64_t srcRank = typeOf(ts->src).getRank();
      SmallVector<int64_t> src(srcRank, -1);
      for (int64_t j = 0; j < srcRank; ++j) {
        if (j == ts->axis)
          src[j] = timeDim;
        else
          src[j] = dims[ts->keepsAxis || j < ts->axis ? j : j - 1];
      }
      if (typeOf(ts->src).getDimSize(ts->axis) == 1)
        src[ts->axis] = -1;
      return factorize(ts->src, src, std::nullopt, timeDim, out);
    }
  }
  // A leaf: each frame dim at most once.
  llvm::SmallDenseSet<int64_t> seen;
  for (int64_t d : dims)
    if (d >= 0 && !seen.insert(d).second)
      return false;
  Factor f = origin ? Factor{v, dims, origin, SmallVector<int64_t>(originDims)}
                    : Factor{v, dims, v, dims};
  f.views.assign(views->list.begin(), views->list.end());
  f.views.push_back({v, dims});
  out.factors.push_back(std::move(f));
  return true;
}

Value mlir::tessera::ssm::materialize(PatternRewriter &rewriter, Location loc,
                                      const Product &part,
                                      ArrayRef<int64_t> want,
                                      ArrayRef<int64_t> frameSizes,
                                      Type elementType) {
  SmallVector<int64_t> full;
  for (int64_t w : want)
    full.push_back(w < 0 ? 1 : frameSizes[w]);
  Value acc;
  for (const Factor &f : part.factors) {
    // Drop unit dims, put the rest in `want` order, then add unit dims.
    // A view whose dims already run in `want` order needs no transpose.
    auto pos = [&](int64_t d) { return llvm::find(want, d) - want.begin(); };
    auto inWantOrder = [&](ArrayRef<int64_t> dims) {
      int64_t last = -1;
      for (int64_t d : dims) {
        if (d < 0)
          continue;
        if (pos(d) < last)
          return false;
        last = pos(d);
      }
      return true;
    };
    Value origin = f.origin;
    ArrayRef<int64_t> originDims = f.originDims;
    for (auto &[view, dims] : f.views)
      if (inWantOrder(dims)) {
        origin = view;
        originDims = dims;
        break;
      }
    SmallVector<int64_t> kept, keptShape;
    for (auto [i, d] : llvm::enumerate(originDims))
      if (d >= 0) {
        kept.push_back(d);
        keptShape.push_back(frameSizes[d]);
      }
    SmallVector<int64_t> perm(kept.size());
    for (size_t i = 0; i < kept.size(); ++i)
      perm[i] = i;
    llvm::stable_sort(perm, [&](int64_t a, int64_t b) {
      return pos(kept[a]) < pos(kept[b]);
    });
    SmallVector<int64_t> shape;
    for (int64_t w : want)
      shape.push_back(w >= 0 && llvm::is_contained(kept, w) ? frameSizes[w]
                                                            : 1);
    bool inOrder = llvm::is_sorted(perm);
    Value x = origin;
    if (!inOrder) {
      x = reshape(rewriter, loc, x, keptShape);
      x = transpose(rewriter, loc, x, perm);
    }
    x = reshape(rewriter, loc, x, shape);
    for (OperationName fn : f.fns) {
      OperationState state(loc, fn);
      state.addOperands(x);
      state.addTypes(x.getType());
      x = rewriter.create(state)->getResult(0);
    }
    acc = acc ? multiply(rewriter, loc, acc, x) : x;
  }
  if (part.coefficient != 1.0 || !acc) {
    auto scalarType = RankedTensorType::get({}, elementType);
    Value c = ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(scalarType, rewriter.getFloatAttr(
                                               elementType, part.coefficient)));
    acc = acc ? multiply(rewriter, loc, acc, c) : c;
  }
  if (typeOf(acc).getShape() != ArrayRef<int64_t>(full)) {
    ArrayRef<int64_t> have = typeOf(acc).getShape();
    SmallVector<int64_t> padded(full.size() - have.size(), 1);
    padded.append(have.begin(), have.end());
    acc = BroadcastToOp::create(rewriter, loc,
                                RankedTensorType::get(full, elementType),
                                reshape(rewriter, loc, acc, padded));
  }
  return acc;
}

Value mlir::tessera::ssm::relayout(PatternRewriter &rewriter, Location loc,
                                   Value v, ArrayRef<int64_t> from,
                                   ArrayRef<int64_t> to,
                                   ArrayRef<int64_t> frameSizes) {
  SmallVector<int64_t> kept, keptShape;
  for (int64_t d : from)
    if (d >= 0 && frameSizes[d] != 1) {
      kept.push_back(d);
      keptShape.push_back(frameSizes[d]);
    }
  SmallVector<int64_t> order;
  for (int64_t d : to)
    if (d >= 0 && frameSizes[d] != 1)
      order.push_back(d);
  SmallVector<int64_t> perm;
  for (int64_t d : order)
    perm.push_back(llvm::find(kept, d) - kept.begin());
  SmallVector<int64_t> shape;
  for (int64_t d : to)
    shape.push_back(d < 0 ? 1 : frameSizes[d]);
  if (order == kept)
    return reshape(rewriter, loc, v, shape);
  // Same rank with as many unit dims: one transpose, unit dims matched in
  // order (so it can cancel against the graph's own transposes).
  if (from.size() == to.size() &&
      typeOf(v).getRank() == int64_t(from.size())) {
    auto isUnit = [&](int64_t d) { return d < 0 || frameSizes[d] == 1; };
    SmallVector<int64_t> fromUnits, full;
    for (auto [i, d] : llvm::enumerate(from))
      if (isUnit(d))
        fromUnits.push_back(i);
    size_t nextUnit = 0;
    bool ok = true;
    for (int64_t d : to) {
      if (isUnit(d)) {
        if (nextUnit == fromUnits.size()) {
          ok = false;
          break;
        }
        full.push_back(fromUnits[nextUnit++]);
      } else {
        full.push_back(llvm::find(from, d) - from.begin());
      }
    }
    if (ok && nextUnit == fromUnits.size())
      return transpose(rewriter, loc, v, full);
  }
  Value x = reshape(rewriter, loc, v, keptShape);
  x = transpose(rewriter, loc, x, perm);
  return reshape(rewriter, loc, x, shape);
}

SmallVector<SmallVector<Step>>
mlir::tessera::ssm::findRecurrenceChains(Operation *root) {
  // Every add of a product and a value of its own type is a candidate; the
  // product's operand of the add's type that is another candidate's result
  // is the previous state.
  SmallVector<SmallVector<Step, 2>> candidates;
  DenseMap<Value, unsigned> byResult;
  root->walk([&](AddOp add) {
    SmallVector<Step, 2> forms;
    Value h = add.getResult();
    for (int i = 0; i < 2; ++i) {
      auto mul = defOf<MulOp>(add->getOperand(i));
      Value b = add->getOperand(1 - i);
      if (!mul || !mul->hasOneUse() || b.getType() != add.getType())
        continue;
      for (int j = 0; j < 2; ++j) {
        Value prev = mul->getOperand(j);
        if (prev.getType() == add.getType())
          forms.push_back(Step{add, mul, mul->getOperand(1 - j), b, prev, h});
      }
    }
    // Without a decay: h = prev + b.
    if (add.getLhs().getType() == add.getType() &&
        add.getRhs().getType() == add.getType())
      for (int i = 0; i < 2; ++i)
        forms.push_back(Step{add, MulOp(), Value(), add->getOperand(1 - i),
                             add->getOperand(i), h});
    if (!forms.empty()) {
      byResult[add.getResult()] = candidates.size();
      candidates.push_back(std::move(forms));
    }
  });
  // Resolve each candidate to one form: linked to a previous candidate when
  // exactly one form is; otherwise a head whose state starts elsewhere.
  SmallVector<Step> steps;
  SmallVector<int64_t> prevStep;
  for (auto &forms : candidates) {
    const Step *linked = nullptr;
    int numLinked = 0;
    for (const Step &s : forms)
      if (byResult.count(s.prev)) {
        linked = &s;
        ++numLinked;
      }
    if (numLinked == 1) {
      steps.push_back(*linked);
      prevStep.push_back(byResult.lookup(linked->prev));
      continue;
    }
    // A head: prefer the form whose factor `a` is a time slice or whose
    // previous state is a constant (the usual zero initial state).
    const Step *head = &forms.front();
    for (const Step &s : forms)
      if (fusion::getSplatValue(s.prev) || matchTimeSlice(s.a)) {
        head = &s;
        break;
      }
    steps.push_back(*head);
    prevStep.push_back(-1);
  }
  SmallVector<SmallVector<unsigned, 1>> next(steps.size());
  for (auto [i, p] : llvm::enumerate(prevStep))
    if (p >= 0)
      next[p].push_back(i);
  SmallVector<SmallVector<Step>> chains;
  for (auto [i, p] : llvm::enumerate(prevStep)) {
    if (p >= 0)
      continue;
    SmallVector<Step> chain;
    if (!fusion::getSplatValue(steps[i].prev))
      chain.push_back(Step{AddOp(), MulOp(), Value(), steps[i].prev, Value(),
                           steps[i].prev});
    chain.push_back(steps[i]);
    unsigned cur = i;
    while (next[cur].size() == 1) {
      cur = next[cur].front();
      chain.push_back(steps[cur]);
    }
    chains.push_back(std::move(chain));
  }
  return chains;
}

namespace {
/// Records the ops a rewriter erases.
struct ErasedOps : RewriterBase::Listener {
  llvm::DenseSet<Operation *> erased;
  void notifyOperationErased(Operation *op) override { erased.insert(op); }
};
} // namespace

int64_t mlir::tessera::ssm::fuseRecurrenceChains(
    Operation *root,
    function_ref<LogicalResult(ArrayRef<Step>, PatternRewriter &)> fuse) {
  ErasedOps listener;
  PatternRewriter rewriter(root->getContext());
  rewriter.setListener(&listener);
  int64_t fused = 0;
  for (ArrayRef<Step> chain : findRecurrenceChains(root)) {
    // Still there, and still wired as found (a fusion rewires the uses of
    // the last state it replaces).
    bool alive = llvm::all_of(chain, [&](Step s) {
      if (!s.add)
        return true;
      if (listener.erased.contains(s.add) ||
          !llvm::is_contained(s.add->getOperands(), s.b))
        return false;
      if (!s.mul)
        return llvm::is_contained(s.add->getOperands(), s.prev);
      return !listener.erased.contains(s.mul) &&
             llvm::is_contained(s.add->getOperands(), s.mul.getResult()) &&
             llvm::is_contained(s.mul->getOperands(), s.prev) &&
             llvm::is_contained(s.mul->getOperands(), s.a);
    });
    if (!alive)
      continue;
    if (succeeded(fuse(chain, rewriter)) ||
        (!chain.front().add && chain.size() > 1 &&
         succeeded(fuse(chain.drop_front(), rewriter))))
      ++fused;
  }
  return fused;
}

std::optional<Stack> mlir::tessera::ssm::matchStack(ArrayRef<Value> ys) {
  Stack stack;
  for (auto [t, y] : llvm::enumerate(ys)) {
    if (!y.hasOneUse())
      return std::nullopt;
    Operation *user = *y.getUsers().begin();
    Value part = y;
    bool inserted = false;
    if (auto r = dyn_cast<ReshapeOp>(user)) {
      if (!r->hasOneUse())
        return std::nullopt;
      part = r.getResult();
      user = *r->getUsers().begin();
      inserted = true;
    }
    auto c = dyn_cast<ConcatOp>(user);
    if (!c || (stack.concat && (c != stack.concat || inserted != stack.inserted)) ||
        c->getNumOperands() != ys.size() || c->getOperand(t) != part)
      return std::nullopt;
    stack.concat = c;
    stack.axis = c.getAxis();
    stack.inserted = inserted;
    SmallVector<int64_t> expect(typeOf(y).getShape());
    if (inserted) {
      if (stack.axis < 0 || stack.axis > int64_t(expect.size()))
        return std::nullopt;
      expect.insert(expect.begin() + stack.axis, 1);
    } else if (stack.axis < 0 || stack.axis >= int64_t(expect.size()) ||
               expect[stack.axis] != 1) {
      return std::nullopt;
    }
    if (typeOf(part).getShape() != ArrayRef<int64_t>(expect))
      return std::nullopt;
  }
  if (!stack.concat)
    return std::nullopt;
  return stack;
}

std::optional<EinsumLabels> mlir::tessera::ssm::parseEinsum(EinsumOp op) {
  StringRef eq = op.getEquation();
  auto arrow = eq.find("->");
  if (arrow == StringRef::npos || op.getInputs().size() != 2)
    return std::nullopt;
  auto [lhs, rhs] = eq.substr(0, arrow).split(',');
  return EinsumLabels{lhs.str(), rhs.str(), eq.substr(arrow + 2).str()};
}

void mlir::tessera::ssm::eraseDeadProducers(PatternRewriter &rewriter,
                                            ArrayRef<Value> roots) {
  SmallVector<Operation *> worklist;
  for (Value v : roots)
    if (Operation *op = v.getDefiningOp())
      worklist.push_back(op);
  llvm::SmallPtrSet<Operation *, 16> erased;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (erased.count(op) || !op->use_empty() || !isPure(op))
      continue;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        worklist.push_back(def);
    erased.insert(op);
    rewriter.eraseOp(op);
  }
}

/// The state's dims as frame dims (unit dims -1).
SmallVector<int64_t> mlir::tessera::ssm::frameDimsOf(Value v) {
  SmallVector<int64_t> dims;
  for (auto [i, s] : llvm::enumerate(typeOf(v).getShape()))
    dims.push_back(s == 1 ? -1 : int64_t(i));
  return dims;
}

/// dims of `x` right-aligned against `dims`.
SmallVector<int64_t> mlir::tessera::ssm::alignTo(Value x,
                                              ArrayRef<int64_t> dims) {
  ArrayRef<int64_t> shape = typeOf(x).getShape();
  SmallVector<int64_t> out;
  int64_t off = int64_t(dims.size()) - int64_t(shape.size());
  for (auto [i, s] : llvm::enumerate(shape))
    out.push_back(s == 1 || off + int64_t(i) < 0 ? -1 : dims[off + i]);
  return out;
}

bool mlir::tessera::ssm::sameProduct(const Product &a, const Product &b) {
  return a.coefficient == b.coefficient && a.factors == b.factors;
}

bool mlir::tessera::ssm::touchesOnly(const Product &p,
                                     ArrayRef<int64_t> allowed) {
  for (int64_t d : p.touched())
    if (!llvm::is_contained(allowed, d))
      return false;
  return true;
}

std::optional<Readout> mlir::tessera::ssm::analyzeReadout(Operation *user,
                                                          Value h, int64_t t,
                                                          int64_t timeDim) {
  Readout r;
  r.op = user;
  SmallVector<int64_t> hDims = frameDimsOf(h);
  int64_t rank = hDims.size();
  if (auto e = dyn_cast<EinsumOp>(user)) {
    std::optional<EinsumLabels> labels = parseEinsum(e);
    if (!labels)
      return std::nullopt;
    int hi = e.getInputs()[0] == h ? 0 : 1;
    if (e.getInputs()[hi] != h || e.getInputs()[1 - hi] == h)
      return std::nullopt;
    StringRef hl = hi == 0 ? labels->lhs : labels->rhs;
    StringRef cl = hi == 0 ? labels->rhs : labels->lhs;
    StringRef out = labels->out;
    auto distinct = [](StringRef s) {
      for (auto [i, c] : llvm::enumerate(s))
        if (s.find(c) != i)
          return false;
      return true;
    };
    if (int64_t(hl.size()) != rank || !distinct(hl) || !distinct(cl) ||
        !distinct(out))
      return std::nullopt;
    // Exactly one summed label, in both operands; C adds no dims.
    SmallVector<char> summed;
    for (char c : hl)
      if (!out.contains(c))
        summed.push_back(c);
    if (summed.size() != 1 || !cl.contains(summed[0]))
      return std::nullopt;
    for (char c : cl)
      if (!hl.contains(c))
        return std::nullopt;
    for (char c : out)
      if (!hl.contains(c))
        return std::nullopt;
    r.n = hl.find(summed[0]);
    for (char c : out)
      r.yDims.push_back(hDims[hl.find(c)]);
    Value c = e.getInputs()[1 - hi];
    SmallVector<int64_t> cDims;
    for (char ch : cl)
      cDims.push_back(hDims[hl.find(ch)]);
    if (!factorize(c, cDims, t, timeDim, r.c))
      return std::nullopt;
    return r;
  }
  if (auto mul = dyn_cast<MulOp>(user)) {
    if (!mul->hasOneUse() || mul.getType() != h.getType())
      return std::nullopt;
    auto sum = dyn_cast<ReduceSumOp>(*mul->getUsers().begin());
    if (!sum || sum.getAxes().size() != 1)
      return std::nullopt;
    r.op = sum;
    r.n = sum.getAxes()[0];
    Value c = mul.getLhs() == h ? mul.getRhs() : mul.getLhs();
    if (c == h)
      return std::nullopt;
    for (int64_t i = 0; i < rank; ++i) {
      if (i != r.n)
        r.yDims.push_back(hDims[i]);
      else if (sum.getKeepdims())
        r.yDims.push_back(-1);
    }
    if (!factorize(c, alignTo(c, hDims), t, timeDim, r.c))
      return std::nullopt;
    return r;
  }
  if (auto mm = dyn_cast<MatmulOp>(user)) {
    // c[.., 1, K] · h[.., K, N] -> [.., 1, N]: summed over h's dim rank-2.
    Value c = mm.getLhs();
    auto ct = typeOf(c);
    if (mm.getRhs() != h || c == h || rank < 2 || ct.getRank() < 2 ||
        ct.getDimSize(ct.getRank() - 2) != 1 ||
        ct.getShape().back() != typeOf(h).getDimSize(rank - 2) ||
        typeOf(mm.getResult()).getRank() != rank)
      return std::nullopt;
    r.n = rank - 2;
    r.yDims.assign(hDims.begin(), hDims.end() - 2);
    r.yDims.append({-1, hDims[rank - 1]});
    SmallVector<int64_t> cDims(hDims.begin(), hDims.end() - 2);
    cDims.append({-1, hDims[rank - 2]});
    if (!factorize(c, alignTo(c, cDims), t, timeDim, r.c))
      return std::nullopt;
    return r;
  }
  return std::nullopt;
}


std::optional<Readout> mlir::tessera::ssm::stepReadout(ArrayRef<Step> chain,
                                                       size_t t,
                                                       int64_t timeDim) {
  Value h = chain[t].h;
  Operation *consumer = nullptr;
  if (t + 1 < chain.size()) {
    Step next = chain[t + 1];
    consumer = next.mul ? next.mul.getOperation() : next.add.getOperation();
  }
  SmallVector<Operation *> users;
  for (Operation *user : h.getUsers())
    if (user != consumer)
      users.push_back(user);
  if (users.empty() || (consumer && users.size() != 1))
    return std::nullopt;
  for (Operation *user : users)
    if (std::optional<Readout> r = analyzeReadout(user, h, t, timeDim))
      return r;
  return std::nullopt;
}

FailureOr<Value> mlir::tessera::ssm::initialState(
    PatternRewriter &rewriter, Location loc, ArrayRef<Step> chain,
    Operation *before, ArrayRef<int64_t> want, ArrayRef<int64_t> frameSizes) {
  Value prev = chain.front().prev;
  std::optional<double> splat =
      prev ? fusion::getSplatValue(prev) : std::optional<double>(0.0);
  if (splat && *splat == 0.0)
    return Value();
  if (Operation *def = prev.getDefiningOp())
    if (def->getBlock() == before->getBlock() && !def->isBeforeInBlock(before))
      return failure();
  return relayout(rewriter, loc, prev, frameDimsOf(prev), want, frameSizes);
}

void mlir::tessera::ssm::replaceChainResults(
    PatternRewriter &rewriter, Location loc, ArrayRef<Step> chain,
    ArrayRef<Value> ys, const Stack &stack, ArrayRef<int64_t> readoutDims,
    Value y, ArrayRef<int64_t> yFrom, Value finalState,
    ArrayRef<int64_t> stateFrom, ArrayRef<int64_t> frameSizes,
    int64_t timeDim) {
  SmallVector<int64_t> yDims(readoutDims);
  if (stack.inserted)
    yDims.insert(yDims.begin() + stack.axis, timeDim);
  else
    yDims[stack.axis] = timeDim;
  Value out = relayout(rewriter, loc, y, yFrom, yDims, frameSizes);
  // Uses of the last state other than its own read-out take the final
  // state; the per-step read-outs and the chain die with the concat.
  Value last = chain.back().h;
  Operation *lastReadout = ys.back().getDefiningOp();
  Operation *lastProduct = lastReadout->getOperand(0).getDefiningOp();
  if (llvm::any_of(last.getUsers(), [&](Operation *user) {
        return user != lastReadout && user != lastProduct;
      })) {
    Value fin = relayout(rewriter, loc, finalState, stateFrom,
                         frameDimsOf(chain.front().h), frameSizes);
    rewriter.replaceUsesWithIf(last, fin, [&](OpOperand &use) {
      return use.getOwner() != lastReadout && use.getOwner() != lastProduct &&
             use.getOwner() != fin.getDefiningOp();
    });
  }
  SmallVector<Value> parts(stack.concat->getOperands());
  rewriter.replaceOp(stack.concat, out);
  eraseDeadProducers(rewriter, parts);
}
