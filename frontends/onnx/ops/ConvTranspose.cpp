// ConvTranspose as a convolution over the zero-stuffed input with the
// flipped, transposed kernel.
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

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
