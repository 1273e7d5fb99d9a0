// Recurrent layers (ONNX RNN, GRU, LSTM): per direction, one X·W^T matmul
// over the whole sequence, then an scf.for over time whose body is one step
// (the H·R^T matmul and the gates' elementwise ops on the step's slice),
// each step's output inserted into Y. A loop rather
// than the steps unrolled: compile time and code size stay those of one
// step at any sequence length (a 2-layer bidirectional GRU over 100 steps
// took 101 s to compile unrolled).
#include "frontends/onnx/Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

namespace {
enum class Cell { RNN, GRU, LSTM };

enum class ActKind {
  Relu,
  Tanh,
  Sigmoid,
  Affine,
  LeakyRelu,
  ThresholdedRelu,
  ScaledTanh,
  HardSigmoid,
  Elu,
  Softsign,
  Softplus,
  Unknown
};

/// One of the cell's activation functions with its alpha and beta.
struct Activation {
  ActKind kind;
  double alpha = 0, beta = 0;
};

/// What the node's attributes and operand shapes fix.
struct Spec {
  Cell cell;
  int64_t gates = 1, numActs = 1;
  int64_t seq = 0, batch = 0, inputSize = 0, hidden = 0, dirs = 1;
  bool reverse = false, batchFirst = false;
  bool linearBeforeReset = false, inputForget = false;
  std::optional<double> clip;
  /// `numActs` per direction, forward first.
  SmallVector<Activation> acts;
};

/// One direction's operands and carried state.
struct Direction {
  bool reverse = false;
  Value xw;         // [seq, batch, gates*hidden]: X·W^T plus the biases
  Value rT;         // [hidden, gates*hidden]
  Value rTzr, rTh;  // GRU without linear_before_reset: rT split
  Value rb;         // GRU with linear_before_reset: Rb, added to H·R^T
  Value pi, po, pf; // LSTM peepholes [hidden], or null
  Value h, c;       // state [batch, hidden]
  ArrayRef<Activation> acts;
  Value y; // [seq, batch, hidden]: every step's output, in time order
};
} // namespace

/// The activation named `name` (any case), one of those the spec lists.
static ActKind activationKind(StringRef name) {
  return llvm::StringSwitch<ActKind>(name.lower())
      .Case("relu", ActKind::Relu)
      .Case("tanh", ActKind::Tanh)
      .Case("sigmoid", ActKind::Sigmoid)
      .Case("affine", ActKind::Affine)
      .Case("leakyrelu", ActKind::LeakyRelu)
      .Case("thresholdedrelu", ActKind::ThresholdedRelu)
      .Case("scaledtanh", ActKind::ScaledTanh)
      .Case("hardsigmoid", ActKind::HardSigmoid)
      .Case("elu", ActKind::Elu)
      .Case("softsign", ActKind::Softsign)
      .Case("softplus", ActKind::Softplus)
      .Default(ActKind::Unknown);
}

/// Whether an activation takes alpha and beta, and their defaults.
struct ActParams {
  bool alpha, beta;
  double alphaDefault, betaDefault;
};
static ActParams activationParams(ActKind k) {
  switch (k) {
  case ActKind::Affine:
    return {true, true, 1.0, 0.0};
  case ActKind::LeakyRelu:
    return {true, false, 0.01, 0};
  case ActKind::ThresholdedRelu:
  case ActKind::Elu:
    return {true, false, 1.0, 0};
  case ActKind::ScaledTanh:
    return {true, true, 1.0, 1.0};
  case ActKind::HardSigmoid:
    return {true, true, 0.2, 0.5};
  default:
    return {false, false, 0, 0};
  }
}

/// Reads `activations` (one set, or one per direction) and hands out
/// activation_alpha/beta in order to the functions that take them.
static LogicalResult readActivations(Importer &im, Spec &s) {
  SmallVector<std::string> names;
  if (const auto *a =
          im.attrOfType("activations", onnx::AttributeProto::STRINGS))
    names.assign(a->strings().begin(), a->strings().end());
  if (names.empty()) {
    static const char *defaults[3][3] = {
        {"Tanh", "", ""}, {"Sigmoid", "Tanh", ""}, {"Sigmoid", "Tanh", "Tanh"}};
    for (int64_t i = 0; i < s.numActs; ++i)
      names.push_back(defaults[int(s.cell)][i]);
  }
  if (int64_t(names.size()) != s.numActs &&
      int64_t(names.size()) != s.numActs * s.dirs)
    return im.fail("expected " + Twine(s.numActs) + " activations" +
                   (s.dirs > 1 ? " (or that many per direction)" : "") +
                   ", found " + Twine(names.size()));
  SmallVector<float> alphas, betas;
  if (const auto *a =
          im.attrOfType("activation_alpha", onnx::AttributeProto::FLOATS))
    alphas.assign(a->floats().begin(), a->floats().end());
  if (const auto *a =
          im.attrOfType("activation_beta", onnx::AttributeProto::FLOATS))
    betas.assign(a->floats().begin(), a->floats().end());
  size_t nextAlpha = 0, nextBeta = 0;
  for (const std::string &name : names) {
    Activation act{activationKind(name)};
    if (act.kind == ActKind::Unknown)
      return im.fail("unsupported activation '" + name +
                     "' (expected Relu, Tanh, Sigmoid, Affine, LeakyRelu, "
                     "ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, "
                     "Softsign or Softplus)");
    ActParams p = activationParams(act.kind);
    act.alpha = p.alphaDefault;
    act.beta = p.betaDefault;
    if (p.alpha && nextAlpha < alphas.size())
      act.alpha = alphas[nextAlpha++];
    if (p.beta && nextBeta < betas.size())
      act.beta = betas[nextBeta++];
    s.acts.push_back(act);
  }
  if (int64_t(s.acts.size()) != s.numActs * s.dirs) {
    SmallVector<Activation> once = s.acts;
    s.acts.append(once);
  }
  return success();
}

/// Reads the attributes and checks every operand's shape and type.
static FailureOr<Spec> readSpec(Importer &im, Cell cell) {
  Spec s;
  s.cell = cell;
  s.gates = cell == Cell::RNN ? 1 : cell == Cell::GRU ? 3 : 4;
  s.numActs = cell == Cell::RNN ? 1 : cell == Cell::GRU ? 2 : 3;
  std::string dir = im.attrString("direction", "forward");
  if (dir == "bidirectional")
    s.dirs = 2;
  else if (dir == "reverse")
    s.reverse = true;
  else if (dir != "forward")
    return im.fail("unsupported direction '" + dir +
                   "' (expected forward, reverse or bidirectional)");
  int64_t layout = im.attrInt("layout", 0);
  if (layout != 0 && layout != 1)
    return im.fail("layout must be 0 or 1, found " + Twine(layout));
  s.batchFirst = layout == 1;
  s.linearBeforeReset = im.attrInt("linear_before_reset", 0) != 0;
  s.inputForget = im.attrInt("input_forget", 0) != 0;
  if (const auto *a = im.attrOfType("clip", onnx::AttributeProto::FLOAT)) {
    if (!(a->f() > 0))
      return im.fail("clip must be positive, found " + std::to_string(a->f()));
    s.clip = a->f();
  }

  TensorInfo *x = im.input(0), *w = x ? im.input(1) : nullptr,
             *r = w ? im.input(2) : nullptr;
  if (!r)
    return failure();
  Type et = x->type.getElementType();
  if (!isa<FloatType>(et))
    return im.fail("unsupported element type (float expected)");
  if (x->type.getRank() != 3 || w->type.getRank() != 3 ||
      r->type.getRank() != 3)
    return im.fail("X, W and R must be 3-D");
  s.seq = x->type.getDimSize(s.batchFirst ? 1 : 0);
  s.batch = x->type.getDimSize(s.batchFirst ? 0 : 1);
  s.inputSize = x->type.getDimSize(2);
  if (s.seq < 1 || s.batch < 1)
    return im.fail("empty sequences or batches are not supported");
  s.hidden = im.attrInt("hidden_size", r->type.getDimSize(2));
  if (s.hidden < 1)
    return im.fail("hidden_size must be positive, found " + Twine(s.hidden));
  int64_t gh = s.gates * s.hidden;
  auto expect = [&](unsigned i, ArrayRef<int64_t> shape) -> LogicalResult {
    if (!im.hasInput(i))
      return success();
    TensorInfo *info = im.input(i);
    if (!info)
      return failure();
    if (info->type.getShape() == shape && info->type.getElementType() == et)
      return success();
    std::string msg;
    llvm::raw_string_ostream os(msg);
    os << "input " << i << " '" << im.node->input(i) << "' must be "
       << RankedTensorType::get(shape, et) << ", found " << info->type;
    return im.fail(msg);
  };
  SmallVector<int64_t> stateShape =
      s.batchFirst ? SmallVector<int64_t>{s.batch, s.dirs, s.hidden}
                   : SmallVector<int64_t>{s.dirs, s.batch, s.hidden};
  if (failed(expect(1, {s.dirs, gh, s.inputSize})) ||
      failed(expect(2, {s.dirs, gh, s.hidden})) ||
      failed(expect(3, {s.dirs, 2 * gh})) || failed(expect(5, stateShape)))
    return failure();
  if (cell == Cell::LSTM && (failed(expect(6, stateShape)) ||
                             failed(expect(7, {s.dirs, 3 * s.hidden}))))
    return failure();
  if (failed(readActivations(im, s)))
    return failure();
  return s;
}

namespace {
/// Emits the recurrence of one node.
class Recurrence {
public:
  Recurrence(Importer &im, const Spec &s, Type et) : im(im), s(s), et(et) {}

  Value slice(Value v, ArrayRef<int64_t> starts, ArrayRef<int64_t> shape) {
    if (Importer::typeOf(v).getShape() == shape)
      return v;
    SmallVector<int64_t> steps(starts.size(), 1);
    return im.create<SliceOp>(RankedTensorType::get(shape, et), v,
                              im.builder.getDenseI64ArrayAttr(starts),
                              im.builder.getDenseI64ArrayAttr(steps));
  }
  /// Slice `index` of dimension `axis` of `v`, with that dimension dropped.
  Value pick(Value v, int64_t axis, int64_t index) {
    auto t = Importer::typeOf(v);
    SmallVector<int64_t> starts(t.getRank(), 0), shape(t.getShape()), out;
    starts[axis] = index;
    shape[axis] = 1;
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (d != axis)
        out.push_back(t.getDimSize(d));
    return im.reshape(slice(v, starts, shape), out);
  }
  /// Columns [k*hidden, (k+n)*hidden) of a [rows, gates*hidden] value.
  Value gate(Value v, int64_t k, int64_t n = 1) {
    int64_t rows = Importer::typeOf(v).getDimSize(0);
    return slice(v, {0, k * s.hidden}, {rows, n * s.hidden});
  }
  template <typename OpTy> Value bin(Value a, Value b) {
    SmallVector<int64_t> shape;
    (void)broadcastShapes(Importer::typeOf(a).getShape(),
                          Importer::typeOf(b).getShape(), shape);
    return im.create<OpTy>(RankedTensorType::get(shape, et), a, b);
  }
  Value scalar(double v) { return im.scalar(et, v); }
  Value matmul(Value a, Value b) {
    int64_t m = Importer::typeOf(a).getDimSize(0),
            n = Importer::typeOf(b).getDimSize(1);
    return im.create<MatmulOp>(RankedTensorType::get({m, n}, et), a, b);
  }
  Value clamp(Value x, double lo, double hi) {
    return im.create<ClampOp>(Importer::typeOf(x), x,
                              im.builder.getF64FloatAttr(lo),
                              im.builder.getF64FloatAttr(hi));
  }
  Value act(const Activation &a, Value x);

  Direction prepare(int64_t d, bool reverse, Value x2);
  void loop(Direction &dir, Value lens);
  void finish(ArrayRef<Direction> dirs);

private:
  void step(Direction &dir, Value t, Value mask);
  Value rnnCell(Direction &dir, Value xt);
  Value gruCell(Direction &dir, Value xt);
  Value lstmCell(Direction &dir, Value xt, Value &cNew);

  Importer &im;
  const Spec &s;
  Type et;
};
} // namespace

/// Applies `clip` (when set) and then the activation.
Value Recurrence::act(const Activation &a, Value x) {
  if (s.clip)
    x = clamp(x, -*s.clip, *s.clip);
  auto type = Importer::typeOf(x);
  auto i1 = RankedTensorType::get(type.getShape(), im.builder.getI1Type());
  switch (a.kind) {
  case ActKind::Relu:
    return im.create<ReluOp>(type, x);
  case ActKind::Tanh:
    return im.create<TanhOp>(type, x);
  case ActKind::Sigmoid:
    return im.create<SigmoidOp>(type, x);
  case ActKind::Softplus:
    return im.create<SoftplusOp>(type, x);
  case ActKind::Affine:
  case ActKind::HardSigmoid: {
    Value ax = bin<MulOp>(x, scalar(a.alpha));
    Value y = bin<AddOp>(ax, scalar(a.beta));
    return a.kind == ActKind::Affine ? y : clamp(y, 0, 1);
  }
  case ActKind::ScaledTanh: {
    Value th = im.create<TanhOp>(type, bin<MulOp>(x, scalar(a.beta)));
    return bin<MulOp>(th, scalar(a.alpha));
  }
  case ActKind::LeakyRelu: {
    Value neg = im.create<LessOp>(i1, x, scalar(0));
    return im.create<WhereOp>(type, neg, bin<MulOp>(x, scalar(a.alpha)), x);
  }
  case ActKind::ThresholdedRelu: {
    Value keep = im.create<GreaterOp>(i1, x, scalar(a.alpha));
    return im.create<WhereOp>(type, keep, x, scalar(0));
  }
  case ActKind::Elu: {
    Value neg = im.create<LessOp>(i1, x, scalar(0));
    Value e = im.create<ExpOp>(type, x);
    Value em1 = bin<SubOp>(e, scalar(1));
    return im.create<WhereOp>(type, neg, bin<MulOp>(em1, scalar(a.alpha)), x);
  }
  case ActKind::Softsign: {
    Value abs = im.create<AbsOp>(type, x);
    Value den = bin<AddOp>(abs, scalar(1));
    return bin<DivOp>(x, den);
  }
  case ActKind::Unknown:
    break;
  }
  llvm_unreachable("activation kinds are checked when read");
}

/// Slices direction `d` out of the weights and precomputes X·W^T + biases
/// for every timestep; `x2` is X as [seq*batch, input].
Direction Recurrence::prepare(int64_t d, bool reverse, Value x2) {
  Direction dir;
  dir.reverse = reverse;
  dir.acts = ArrayRef<Activation>(s.acts).slice(d * s.numActs, s.numActs);
  int64_t gh = s.gates * s.hidden, h = s.hidden;
  Value wT = im.transpose(pick(im.operand(1), 0, d), {1, 0});
  Value xw = matmul(x2, wT);
  dir.rT = im.transpose(pick(im.operand(2), 0, d), {1, 0});
  if (s.cell == Cell::GRU && !s.linearBeforeReset) {
    dir.rTzr = slice(dir.rT, {0, 0}, {h, 2 * h});
    dir.rTh = slice(dir.rT, {0, 2 * h}, {h, h});
  }
  if (im.hasInput(3)) {
    Value b = pick(im.operand(3), 0, d);
    Value wb = slice(b, {0}, {gh}), rb = slice(b, {gh}, {gh});
    // Rb of GRU's h gate is scaled by r with linear_before_reset, so it
    // stays in the recurrent term.
    if (s.cell == Cell::GRU && s.linearBeforeReset)
      dir.rb = rb;
    else
      wb = bin<AddOp>(wb, rb);
    xw = bin<AddOp>(xw, wb);
  }
  dir.xw = im.reshape(xw, {s.seq, s.batch, gh});
  auto initial = [&](unsigned i) {
    if (!im.hasInput(i))
      return im.constant(makeSplat(RankedTensorType::get({s.batch, h}, et), 0));
    return pick(im.operand(i), s.batchFirst ? 1 : 0, d);
  };
  dir.h = initial(5);
  if (s.cell == Cell::LSTM) {
    dir.c = initial(6);
    if (im.hasInput(7)) {
      Value p = pick(im.operand(7), 0, d);
      dir.pi = slice(p, {0}, {h});
      dir.po = slice(p, {h}, {h});
      dir.pf = slice(p, {2 * h}, {h});
    }
  }
  return dir;
}

Value Recurrence::rnnCell(Direction &dir, Value xt) {
  Value g = bin<AddOp>(xt, matmul(dir.h, dir.rT));
  return act(dir.acts[0], g);
}

Value Recurrence::gruCell(Direction &dir, Value xt) {
  Value h = dir.h, hh;
  if (s.linearBeforeReset) {
    Value hr = matmul(h, dir.rT);
    if (dir.rb)
      hr = bin<AddOp>(hr, dir.rb);
    Value xzr = gate(xt, 0, 2);
    Value zr = bin<AddOp>(xzr, gate(hr, 0, 2));
    Value z = act(dir.acts[0], gate(zr, 0));
    Value r = act(dir.acts[0], gate(zr, 1));
    Value rh = bin<MulOp>(r, gate(hr, 2));
    hh = act(dir.acts[1], bin<AddOp>(gate(xt, 2), rh));
    return bin<AddOp>(hh, bin<MulOp>(z, bin<SubOp>(h, hh)));
  }
  Value xzr = gate(xt, 0, 2);
  Value zr = bin<AddOp>(xzr, matmul(h, dir.rTzr));
  Value z = act(dir.acts[0], gate(zr, 0));
  Value r = act(dir.acts[0], gate(zr, 1));
  Value rh = matmul(bin<MulOp>(r, h), dir.rTh);
  hh = act(dir.acts[1], bin<AddOp>(gate(xt, 2), rh));
  // (1 - z) * hh + z * h
  return bin<AddOp>(hh, bin<MulOp>(z, bin<SubOp>(h, hh)));
}

/// Gates in ONNX order i, o, f, c; peepholes P in order i, o, f.
Value Recurrence::lstmCell(Direction &dir, Value xt, Value &cNew) {
  Value g = bin<AddOp>(xt, matmul(dir.h, dir.rT));
  Value c = dir.c;
  auto peep = [&](Value pre, Value p, Value state) {
    return p ? bin<AddOp>(pre, bin<MulOp>(p, state)) : pre;
  };
  Value i = act(dir.acts[0], peep(gate(g, 0), dir.pi, c));
  Value f = s.inputForget ? bin<SubOp>(scalar(1), i)
                          : act(dir.acts[0], peep(gate(g, 2), dir.pf, c));
  Value cc = act(dir.acts[1], gate(g, 3));
  Value kept = bin<MulOp>(f, c);
  cNew = bin<AddOp>(kept, bin<MulOp>(i, cc));
  Value o = act(dir.acts[0], peep(gate(g, 1), dir.po, cNew));
  return bin<MulOp>(o, act(dir.acts[2], cNew));
}

/// The step at time `t` (an index); `mask` ([batch, 1], or null) keeps the
/// state and zeroes the output of sequences that already ended.
void Recurrence::step(Direction &dir, Value t, Value mask) {
  OpBuilder &b = im.builder;
  int64_t gh = s.gates * s.hidden;
  Value xt = tensor::ExtractSliceOp::create(
      b, im.loc, RankedTensorType::get({s.batch, gh}, et), dir.xw,
      ArrayRef<OpFoldResult>{t, b.getIndexAttr(0), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(s.batch),
                             b.getIndexAttr(gh)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                             b.getIndexAttr(1)});
  Value hNew, cNew;
  switch (s.cell) {
  case Cell::RNN:
    hNew = rnnCell(dir, xt);
    break;
  case Cell::GRU:
    hNew = gruCell(dir, xt);
    break;
  case Cell::LSTM:
    hNew = lstmCell(dir, xt, cNew);
    break;
  }
  auto type = Importer::typeOf(hNew);
  Value y = hNew;
  if (mask) {
    y = im.create<WhereOp>(type, mask, hNew, scalar(0));
    hNew = im.create<WhereOp>(type, mask, hNew, dir.h);
    if (cNew)
      cNew = im.create<WhereOp>(type, mask, cNew, dir.c);
  }
  dir.h = hNew;
  dir.c = cNew;
  if (dir.y)
    dir.y = tensor::InsertSliceOp::create(
        b, im.loc, y, dir.y,
        ArrayRef<OpFoldResult>{t, b.getIndexAttr(0), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(s.batch),
                               b.getIndexAttr(s.hidden)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                               b.getIndexAttr(1)});
}

/// The loop over time of one direction: step i runs t = i, or t = seq - 1 - i
/// for a reverse direction, carrying the state and Y (when Y is an output).
/// `lens` ([batch, 1] integers, or null when every sequence has the full
/// length) masks the steps past a sequence's end.
void Recurrence::loop(Direction &dir, Value lens) {
  OpBuilder &b = im.builder;
  Location loc = im.loc;
  bool lstm = s.cell == Cell::LSTM, wantY = im.hasOutput(0);
  // The carried values: H, then C (LSTM), then Y (when an output).
  auto carried = [&] {
    SmallVector<Value> values{dir.h};
    if (lstm)
      values.push_back(dir.c);
    if (wantY)
      values.push_back(dir.y);
    return values;
  };
  auto takeCarried = [&](ValueRange values) {
    dir.h = values[0];
    if (lstm)
      dir.c = values[1];
    if (wantY)
      dir.y = values.back();
  };
  if (wantY)
    dir.y = tensor::EmptyOp::create(b, loc, {s.seq, s.batch, s.hidden}, et);
  Value lb = arith::ConstantIndexOp::create(b, loc, 0);
  Value ub = arith::ConstantIndexOp::create(b, loc, s.seq);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value last =
      dir.reverse ? arith::ConstantIndexOp::create(b, loc, s.seq - 1) : Value();
  auto forOp = scf::ForOp::create(b, loc, lb, ub, one, carried());
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forOp.getBody());
    Value i = forOp.getInductionVar();
    takeCarried(forOp.getRegionIterArgs());
    Value t = dir.reverse ? arith::SubIOp::create(b, loc, last, i) : i;
    Value mask;
    if (lens) {
      Type it = Importer::typeOf(lens).getElementType();
      Value tv = tensor::FromElementsOp::create(
          b, loc, RankedTensorType::get({}, it),
          ValueRange{arith::IndexCastOp::create(b, loc, it, t)});
      mask = im.create<LessOp>(
          RankedTensorType::get({s.batch, 1}, b.getI1Type()), tv, lens);
    }
    step(dir, t, mask);
    scf::YieldOp::create(b, loc, carried());
  }
  takeCarried(forOp.getResults());
}

/// Y [seq, dirs, batch, hidden], Y_h and Y_c [dirs, batch, hidden]; with
/// layout 1 the batch dimension comes first.
void Recurrence::finish(ArrayRef<Direction> dirs) {
  auto concat = [&](ArrayRef<Value> vs, int64_t axis) -> Value {
    if (vs.size() == 1)
      return vs[0];
    SmallVector<int64_t> shape(Importer::typeOf(vs[0]).getShape());
    shape[axis] = 0;
    for (Value v : vs)
      shape[axis] += Importer::typeOf(v).getDimSize(axis);
    return ConcatOp::create(im.builder, im.loc,
                            RankedTensorType::get(shape, et), vs, axis)
        .getResult();
  };
  auto state = [&](auto member) {
    SmallVector<Value> parts;
    for (const Direction &d : dirs)
      parts.push_back(im.reshape(d.*member, {1, s.batch, s.hidden}));
    Value v = concat(parts, 0);
    return s.batchFirst ? im.transpose(v, {1, 0, 2}) : v;
  };
  if (im.hasOutput(0)) {
    SmallVector<Value> perDir;
    for (const Direction &d : dirs)
      perDir.push_back(im.reshape(d.y, {s.seq, 1, s.batch, s.hidden}));
    Value y = concat(perDir, 1);
    im.setOutput(0, s.batchFirst ? im.transpose(y, {2, 0, 1, 3}) : y);
  }
  if (im.hasOutput(1))
    im.setOutput(1, state(&Direction::h));
  if (s.cell == Cell::LSTM && im.hasOutput(2))
    im.setOutput(2, state(&Direction::c));
}

/// sequence_lens as [batch, 1], the loop's masks compare it with t; null
/// when every sequence is known to have the full length.
static FailureOr<Value> sequenceLengths(Importer &im, const Spec &s) {
  if (!im.hasInput(4))
    return Value();
  TensorInfo *lens = im.input(4);
  if (!lens)
    return failure();
  Type it = lens->type.getElementType();
  if (!isa<IntegerType>(it) || it.isInteger(1) ||
      lens->type.getShape() != ArrayRef<int64_t>{s.batch})
    return im.fail("sequence_lens must be an integer tensor of shape [" +
                   Twine(s.batch) + "]");
  if (lens->constant) {
    bool full = true;
    for (int64_t b = 0; b < s.batch; ++b) {
      int64_t n = lens->constant->getInt(b);
      if (n < 0 || n > s.seq)
        return im.fail("sequence_lens[" + Twine(b) + "] = " + Twine(n) +
                       " is outside [0, " + Twine(s.seq) + "]");
      full &= n == s.seq;
    }
    if (full)
      return Value();
  }
  return im.reshape(im.materialize(*lens), {s.batch, 1});
}

static LogicalResult importRecurrent(Importer &im, Cell cell) {
  FailureOr<Spec> s = readSpec(im, cell);
  if (failed(s))
    return failure();
  FailureOr<Value> lens = sequenceLengths(im, *s);
  if (failed(lens))
    return failure();
  Value x = im.operand(0);
  Type et = Importer::typeOf(x).getElementType();
  if (s->batchFirst)
    x = im.transpose(x, {1, 0, 2});
  Value x2 = im.reshape(x, {s->seq * s->batch, s->inputSize});
  Recurrence r(im, *s, et);
  SmallVector<Direction> dirs;
  for (int64_t d = 0; d < s->dirs; ++d)
    dirs.push_back(r.prepare(d, s->reverse || d == 1, x2));
  // One loop per direction: a bidirectional layer's two recurrent weights
  // then take turns in the caches rather than sharing them at every step.
  for (Direction &dir : dirs)
    r.loop(dir, *lens);
  r.finish(dirs);
  return success();
}

void mlir::tessera::onnx_import::registerRecurrentOps(OpTable &t) {
  t["RNN"] = [](Importer &im) { return importRecurrent(im, Cell::RNN); };
  t["GRU"] = [](Importer &im) { return importRecurrent(im, Cell::GRU); };
  t["LSTM"] = [](Importer &im) { return importRecurrent(im, Cell::LSTM); };
}
