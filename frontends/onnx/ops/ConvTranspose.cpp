// ConvTranspose: of one group, no dilation and a stride above 1, linear
// layers and col2im (matmulCol2Im); otherwise a convolution over the
// zero-stuffed input with the flipped, transposed kernel.
#include "frontends/onnx/Importer.h"

#include "llvm/Support/CommandLine.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

static llvm::cl::opt<bool> convTransposeCol2Im(
    "conv-transpose-col2im",
    llvm::cl::desc("Import strided one-group ConvTranspose nodes as linear "
                   "layers and col2im (default); =false: as a conv over the "
                   "zero-stuffed input"),
    llvm::cl::init(true), llvm::cl::Hidden);

/// Reads a per-spatial-dimension attribute, defaulting every entry to `dflt`.
static FailureOr<SmallVector<int64_t>>
spatialAttr(Importer &im, StringRef name, int64_t count, int64_t dflt) {
  auto v = im.attrInts(name);
  if (!v)
    return SmallVector<int64_t>(count, dflt);
  if (int64_t(v->size()) != count)
    return im.fail("attribute '" + name + "' needs " + Twine(count) +
                   " entries");
  return *v;
}

/// Pads `x` with zeros (negative amounts crop); `pads` is begins then ends.
static Value padZeros(Importer &im, Value x, ArrayRef<int64_t> pads) {
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return x;
  return im.pad(x, pads, 0.0);
}

/// Inserts `s - 1` zeros after every spatial element of `x` (strides `s`),
/// the last element included: [.., D, ..] -> [.., D * s, ..].
static Value zeroStuff(Importer &im, Value x, ArrayRef<int64_t> strides) {
  if (llvm::all_of(strides, [](int64_t s) { return s == 1; }))
    return x;
  auto t = Importer::typeOf(x);
  int64_t k = t.getRank() - 2;
  int64_t rank = 2 + 2 * k;
  SmallVector<int64_t> split(t.getShape().take_front(2)), stuffed(split);
  SmallVector<int64_t> pads(2 * rank, 0);
  for (int64_t i = 0; i < k; ++i) {
    split.append({t.getDimSize(i + 2), 1});
    stuffed.push_back(t.getDimSize(i + 2) * strides[i]);
    pads[rank + 3 + 2 * i] = strides[i] - 1;
  }
  Value y = padZeros(im, im.reshape(x, split), pads);
  return im.reshape(y, stuffed);
}

/// W [Cin, Cout/g, K..] -> [Cout, Cin/g, K..] per group, spatially flipped.
static Value convWeight(Importer &im, Value w, int64_t group) {
  auto t = Importer::typeOf(w);
  int64_t rank = t.getRank(), cin = t.getDimSize(0), coutG = t.getDimSize(1);
  ArrayRef<int64_t> kernel = t.getShape().drop_front(2);
  if (group == 1) {
    SmallVector<int64_t> perm = {1, 0};
    for (int64_t d = 2; d < rank; ++d)
      perm.push_back(d);
    w = im.transpose(w, perm);
  } else {
    SmallVector<int64_t> grouped = {group, cin / group, coutG};
    grouped.append(kernel.begin(), kernel.end());
    SmallVector<int64_t> perm = {0, 2, 1};
    for (int64_t d = 3; d <= rank; ++d)
      perm.push_back(d);
    SmallVector<int64_t> shape = {group * coutG, cin / group};
    shape.append(kernel.begin(), kernel.end());
    w = im.reshape(im.transpose(im.reshape(w, grouped), perm), shape);
  }
  if (llvm::all_of(kernel, [](int64_t n) { return n == 1; }))
    return w;
  SmallVector<int64_t> starts = {0, 0}, steps = {1, 1};
  for (int64_t n : kernel) {
    starts.push_back(n - 1);
    steps.push_back(-1);
  }
  return SliceOp::create(im.builder, im.loc, w.getType(), w,
                         im.builder.getDenseI64ArrayAttr(starts),
                         im.builder.getDenseI64ArrayAttr(steps))
      .getResult();
}

namespace {
/// Strides, dilations, and per spatial dimension the output size and the
/// number of leading elements of the full result that are cut off, as the
/// ONNX spec derives them from pads, output_shape and auto_pad.
struct Plan {
  SmallVector<int64_t> strides, dilations, out, begin;
};
} // namespace

static FailureOr<Plan> planSpatial(Importer &im, RankedTensorType xt,
                                   RankedTensorType wt) {
  int64_t k = xt.getRank() - 2;
  auto strides = spatialAttr(im, "strides", k, 1);
  auto dilations = spatialAttr(im, "dilations", k, 1);
  auto pads = spatialAttr(im, "pads", 2 * k, 0);
  auto outPad = spatialAttr(im, "output_padding", k, 0);
  if (failed(strides) || failed(dilations) || failed(pads) || failed(outPad))
    return failure();
  Plan plan{*strides, *dilations, {}, {}};
  // output_shape may also list the batch and channel dims; they are ignored.
  std::optional<SmallVector<int64_t>> outShape = im.attrInts("output_shape");
  if (outShape && int64_t(outShape->size()) == k + 2)
    outShape->erase(outShape->begin(), outShape->begin() + 2);
  if (outShape && int64_t(outShape->size()) != k)
    return im.fail("attribute 'output_shape' needs " + Twine(k) + " entries");
  std::string autoPad = im.attrString("auto_pad", "NOTSET");
  bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  if (!same && autoPad != "VALID" && autoPad != "NOTSET")
    return im.fail("unsupported auto_pad '" + autoPad + "'");
  for (int64_t i = 0; i < k; ++i) {
    int64_t in = xt.getDimSize(i + 2), s = (*strides)[i], d = (*dilations)[i];
    if (s < 1 || d < 1)
      return im.fail("strides and dilations must be positive");
    if ((*outPad)[i] < 0 || (*pads)[i] < 0 || (*pads)[i + k] < 0)
      return im.fail("pads and output_padding must not be negative");
    int64_t full =
        s * (in - 1) + (*outPad)[i] + d * (wt.getDimSize(i + 2) - 1) + 1;
    int64_t out = full - (*pads)[i] - (*pads)[i + k], begin = (*pads)[i];
    if (outShape || same) {
      // Pads derived from the requested size (in * s for auto_pad). A
      // requested output_shape beyond the full result extends it with zeros
      // at the end; auto_pad never grows it (as ONNX shape inference and
      // ONNX Runtime).
      int64_t target = outShape ? (*outShape)[i] : in * s;
      int64_t total = std::max<int64_t>(0, full - target);
      begin = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      out = outShape ? target : full - total;
    } else if (autoPad == "VALID") {
      out = full;
      begin = 0;
    }
    if (out < 1)
      return im.fail("output size of spatial dimension " + Twine(i) +
                     " is not positive");
    plan.out.push_back(out);
    plan.begin.push_back(begin);
  }
  return plan;
}

/// The col2im sum [N, M1, .., Mk, Cout, s1, .., sk] (M = D + J - 1) as the
/// ONNX output: phases interleaved, [N, Cout, M1, s1, .., Mk, sk] -> [N,
/// Cout, M1*s1, ..], then from `begin` on, `out` long (zeros past the
/// products: output_padding, a larger output_shape), plus the bias.
static Value interleaveAndCrop(Importer &im, Value sum, Value bias,
                               const Plan &plan, ArrayRef<int64_t> dims,
                               ArrayRef<int64_t> J, int64_t cout) {
  int64_t k = dims.size(), n = Importer::typeOf(sum).getDimSize(0);
  SmallVector<int64_t> interleave = {0, k + 1}, full = {n, cout};
  for (int64_t i = 0; i < k; ++i) {
    interleave.append({1 + i, k + 2 + i});
    full.push_back((dims[i] + J[i] - 1) * plan.strides[i]);
  }
  Value y = im.reshape(im.transpose(sum, interleave), full);
  SmallVector<int64_t> crop(2 * (k + 2), 0);
  for (int64_t i = 0; i < k; ++i) {
    crop[2 + i] = -plan.begin[i];
    crop[k + 4 + i] = plan.out[i] + plan.begin[i] - full[2 + i];
  }
  y = padZeros(im, y, crop);
  if (bias) {
    SmallVector<int64_t> perChannel(k + 2, 1);
    perChannel[1] = cout;
    y = im.create<AddOp>(y.getType(), y, im.reshape(bias, perChannel));
  }
  return y;
}

/// One group, no dilation and a stride above 1: the products of every
/// input element with every kernel tap as linear layers, then each output
/// element the sum of the few that land on it (col2im). With the taps
/// zero-padded to Kp = J * s per spatial dimension (J taps per output
/// phase p < s), full output element (d + j) * s + p takes the product of
/// input position d with tap j * s + p. Part j = (j1, .., jk), [N, D..,
/// Cout, s..] = X^T [N, D, Cin] . W_j [Cin, Cout*s..] with W_j the weight's
/// taps j * s + p (a constant built here; a weight that is no initializer:
/// one linear layer over all taps, sliced), padded by j in front along D;
/// the parts summed and their phases interleaved (interleaveAndCrop). The
/// zero-stuffed conv multiplied s1*..*sk times as many zeros as products
/// (Conv-TasNet's decoder, 128 -> 1 channel, kernel 16, stride 8: 3.4 ms
/// of an 8.3 ms model).
static Value matmulCol2Im(Importer &im, Value x, Value w, Value bias,
                          const Plan &plan, int64_t cout) {
  auto xt = Importer::typeOf(x), wt = Importer::typeOf(w);
  int64_t k = xt.getRank() - 2, n = xt.getDimSize(0), cin = xt.getDimSize(1);
  ArrayRef<int64_t> dims = xt.getShape().drop_front(2),
                    kernel = wt.getShape().drop_front(2);
  SmallVector<int64_t> J;
  int64_t taps = 1, positions = 1;
  for (int64_t i = 0; i < k; ++i) {
    J.push_back((kernel[i] + plan.strides[i] - 1) / plan.strides[i]);
    taps *= kernel[i];
    positions *= dims[i];
  }
  // X [N, Cin, D..] -> [N, D.., Cin] -> [N, D, Cin].
  SmallVector<int64_t> lastC = {0};
  for (int64_t i = 0; i < k; ++i)
    lastC.push_back(i + 2);
  lastC.push_back(1);
  Value rows = im.reshape(im.transpose(x, lastC), {n, positions, cin});
  // rows . weight [Cin, columns] -> [N, D, columns].
  auto linear = [&](Value weight, int64_t columns) -> Value {
    return LinearOp::create(im.builder, im.loc,
                            RankedTensorType::get({n, positions, columns},
                                                  xt.getElementType()),
                            rows, weight, Value(), Value(), Value(),
                            /*transpose_weight=*/false, "none",
                            /*sparsity=*/StringAttr())
        .getResult();
  };
  // [N, D.., Cout, s..]: one output phase block of each input position.
  SmallVector<int64_t> phases = {n};
  phases.append(dims.begin(), dims.end());
  phases.push_back(cout);
  int64_t phaseCount = 1;
  for (int64_t i = 0; i < k; ++i) {
    phases.push_back(plan.strides[i]);
    phaseCount *= plan.strides[i];
  }
  // Part j (padded by j in front along D, J - 1 - j behind) summed into
  // `sum`; false after the last j.
  Value sum;
  SmallVector<int64_t> j(k, 0);
  auto accumulate = [&](Value part) {
    SmallVector<int64_t> pads(2 * phases.size(), 0);
    for (int64_t i = 0; i < k; ++i) {
      pads[1 + i] = j[i];
      pads[phases.size() + 1 + i] = J[i] - 1 - j[i];
    }
    part = padZeros(im, im.reshape(part, phases), pads);
    sum = sum ? im.create<AddOp>(part.getType(), sum, part) : part;
    int64_t i = k - 1;
    while (i >= 0 && ++j[i] == J[i])
      j[i--] = 0;
    return i >= 0;
  };
  // A constant weight: per j its own [Cin, Cout*s..] weight, the taps j * s
  // + p (zero past the kernel), built here, so that each part is a linear
  // layer's whole result rather than a strided slice of one (copied before
  // it was padded: DCGAN's 4 x 4 kernels of stride 2 spent as long on those
  // copies as on the products).
  auto wv = initializerDoubles(im, 1);
  if (wv && xt.getElementType().isF32()) {
    SmallVector<int64_t> wStrides = stridesOf(wt.getShape());
    int part = 0;
    do {
      std::vector<float> wj(cin * cout * phaseCount, 0.0f);
      for (int64_t ci = 0; ci < cin; ++ci)
        for (int64_t co = 0; co < cout; ++co)
          for (int64_t ph = 0; ph < phaseCount; ++ph) {
            // Phase ph as (p1, .., pk), row-major over the strides.
            int64_t src = ci * wStrides[0] + co * wStrides[1], rest = ph;
            bool inside = true;
            for (int64_t i = k - 1; i >= 0; --i) {
              int64_t p = rest % plan.strides[i],
                      tap = j[i] * plan.strides[i] + p;
              rest /= plan.strides[i];
              inside = inside && tap < kernel[i];
              src += tap * wStrides[2 + i];
            }
            if (inside)
              wj[(ci * cout + co) * phaseCount + ph] = float((*wv)[src]);
          }
      std::string name =
          im.node->input(1) + "_col2im_" + std::to_string(part++);
      Value w = blobConstant<float>(
          im,
          RankedTensorType::get({cin, cout * phaseCount}, xt.getElementType()),
          name, wj);
      if (!accumulate(linear(w, cout * phaseCount)))
        break;
    } while (true);
    return interleaveAndCrop(im, sum, bias, plan, dims, J, cout);
  }
  Value cols = linear(im.reshape(w, {cin, cout * taps}), cout * taps);
  // [N, D.., Cout, K..], the taps padded to Kp, split [.., Cout, J1, s1, ..].
  SmallVector<int64_t> unpacked = {n}, tapPads;
  unpacked.append(dims.begin(), dims.end());
  unpacked.push_back(cout);
  unpacked.append(kernel.begin(), kernel.end());
  tapPads.assign(2 * unpacked.size(), 0);
  SmallVector<int64_t> split = {n};
  split.append(dims.begin(), dims.end());
  split.push_back(cout);
  for (int64_t i = 0; i < k; ++i) {
    tapPads[unpacked.size() + k + 2 + i] = J[i] * plan.strides[i] - kernel[i];
    split.append({J[i], plan.strides[i]});
  }
  cols = im.reshape(padZeros(im, im.reshape(cols, unpacked), tapPads), split);
  // Otherwise the slice of one (j1, .., jk) of one linear layer's result.
  while (true) {
    SmallVector<int64_t> starts(split.size(), 0), steps(split.size(), 1);
    SmallVector<int64_t> sliced(split);
    for (int64_t i = 0; i < k; ++i) {
      starts[k + 2 + 2 * i] = j[i];
      sliced[k + 2 + 2 * i] = 1;
    }
    Value part = cols;
    if (llvm::any_of(J, [](int64_t taps) { return taps > 1; }))
      part = SliceOp::create(im.builder, im.loc,
                             RankedTensorType::get(sliced, xt.getElementType()),
                             cols, im.builder.getDenseI64ArrayAttr(starts),
                             im.builder.getDenseI64ArrayAttr(steps))
                 .getResult();
    if (!accumulate(part))
      break;
  }
  return interleaveAndCrop(im, sum, bias, plan, dims, J, cout);
}

static LogicalResult importConvTranspose(Importer &im) {
  Value x = im.operand(0), w = im.operand(1);
  if (!x || !w)
    return failure();
  auto xt = Importer::typeOf(x), wt = Importer::typeOf(w);
  int64_t k = xt.getRank() - 2;
  if (k < 1 || wt.getRank() != xt.getRank())
    return im.fail("input and weight must share a rank >= 3");
  if (!isa<FloatType>(xt.getElementType()) ||
      wt.getElementType() != xt.getElementType())
    return im.fail("unsupported element types (matching floats expected)");
  if (auto ks = im.attrInts("kernel_shape"))
    if (ArrayRef<int64_t>(*ks) != wt.getShape().drop_front(2))
      return im.fail("kernel_shape disagrees with the weight shape");
  int64_t group = im.attrInt("group", 1), cin = xt.getDimSize(1);
  if (group < 1 || cin % group || wt.getDimSize(0) != cin)
    return im.fail("group " + Twine(group) + " does not fit " + Twine(cin) +
                   " input channels and weight dimension 0 of " +
                   Twine(wt.getDimSize(0)));
  int64_t cout = wt.getDimSize(1) * group;
  FailureOr<Plan> plan = planSpatial(im, xt, wt);
  if (failed(plan))
    return failure();
  Value bias;
  if (im.hasInput(2)) {
    if (!(bias = im.operand(2)))
      return failure();
    auto bt = Importer::typeOf(bias);
    if (bt.getRank() != 1 || bt.getDimSize(0) != cout)
      return im.fail("bias must have one entry per output channel");
  }
  if (convTransposeCol2Im && group == 1 &&
      llvm::all_of(plan->dilations, [](int64_t d) { return d == 1; }) &&
      llvm::any_of(plan->strides, [](int64_t s) { return s > 1; })) {
    im.setOutput(0, matmulCol2Im(im, x, w, bias, *plan, cout));
    return success();
  }
  // A stride-1 conv over the stuffed input padded by (span - 1 - begin) in
  // front and whatever makes the size `out` at the end; negative amounts
  // crop first, positive ones become the conv's pads.
  SmallVector<int64_t> crop(2 * (k + 2), 0), convPads(2 * k, 0);
  SmallVector<int64_t> shape = {xt.getDimSize(0), cout};
  for (int64_t i = 0; i < k; ++i) {
    int64_t span = plan->dilations[i] * (wt.getDimSize(i + 2) - 1) + 1;
    int64_t stuffed = xt.getDimSize(i + 2) * plan->strides[i];
    int64_t front = span - 1 - plan->begin[i];
    int64_t back = plan->out[i] + plan->begin[i] - stuffed;
    crop[i + 2] = std::min<int64_t>(front, 0);
    crop[i + 2 + k + 2] = std::min<int64_t>(back, 0);
    if (stuffed + crop[i + 2] + crop[i + 2 + k + 2] < 1)
      return im.fail("pads crop away all of spatial dimension " + Twine(i));
    convPads[i] = std::max<int64_t>(front, 0);
    convPads[i + k] = std::max<int64_t>(back, 0);
    shape.push_back(plan->out[i]);
  }
  Value input = padZeros(im, zeroStuff(im, x, plan->strides), crop);
  auto type = RankedTensorType::get(shape, xt.getElementType());
  im.setOutput(0,
               ConvOp::create(
                   im.builder, im.loc, type, input, convWeight(im, w, group),
                   bias, Value(),
                   im.builder.getDenseI64ArrayAttr(SmallVector<int64_t>(k, 1)),
                   im.builder.getDenseI64ArrayAttr(convPads),
                   im.builder.getDenseI64ArrayAttr(plan->dilations), group,
                   FloatAttr(), FloatAttr())
                   .getResult());
  return success();
}

void mlir::tessera::onnx_import::registerConvTransposeOps(OpTable &t) {
  t["ConvTranspose"] = importConvTranspose;
}
