// Calibration runs: both builds of a model on the same inputs, their outputs
// compared (relative L2, cosine, SQNR, top-1 agreement).
#include "compiler/Calibration.h"

#include "tessera_runtime.h"

#include "tessera/IR/TesseraOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cmath>
#include <limits>
#include <map>
#include <random>

using namespace mlir;
using namespace mlir::tessera;

namespace {

std::optional<tessera_dtype> dtypeOf(StringRef name) {
  static const std::map<std::string, tessera_dtype, std::less<>> table = {
      {"TESSERA_F32", TESSERA_F32},   {"TESSERA_F16", TESSERA_F16},
      {"TESSERA_BF16", TESSERA_BF16}, {"TESSERA_F64", TESSERA_F64},
      {"TESSERA_I8", TESSERA_I8},     {"TESSERA_I16", TESSERA_I16},
      {"TESSERA_I32", TESSERA_I32},   {"TESSERA_I64", TESSERA_I64},
      {"TESSERA_U8", TESSERA_U8},     {"TESSERA_U16", TESSERA_U16},
      {"TESSERA_U32", TESSERA_U32},   {"TESSERA_U64", TESSERA_U64},
      {"TESSERA_BOOL", TESSERA_BOOL}};
  auto it = table.find(name);
  if (it == table.end())
    return std::nullopt;
  return it->second;
}

/// Random inputs: floats N(0, 1) with a fixed seed, everything else zero
/// (an index or a mask with no known range: 0 is always in it).
LogicalResult writeRandomInputs(const ModelSignature &sig, StringRef dir,
                                std::string &error) {
  std::mt19937 gen(0);
  std::normal_distribution<double> normal;
  for (const TensorSignature &in : sig.inputs) {
    std::optional<tessera_dtype> dtype = dtypeOf(in.dtype);
    int64_t n = 1;
    for (int64_t d : in.shape)
      n *= d;
    std::vector<char> bytes(n * tessera_dtype_size(*dtype));
    if (*dtype == TESSERA_F32)
      for (int64_t i = 0; i < n; ++i)
        reinterpret_cast<float *>(bytes.data())[i] = float(normal(gen));
    else if (*dtype == TESSERA_F64)
      for (int64_t i = 0; i < n; ++i)
        reinterpret_cast<double *>(bytes.data())[i] = normal(gen);
    SmallString<128> path(dir);
    llvm::sys::path::append(path, in.name + ".npy");
    if (tessera_npy_write(path.c_str(), *dtype, int32_t(in.shape.size()),
                          in.shape.data(), bytes.data()) != TESSERA_OK) {
      error = "cannot write calibration input '" + std::string(path) +
              "': " + tessera_status_message();
      return failure();
    }
  }
  return success();
}

/// The sample directories of `dir`: itself when it holds NAME.npy for the
/// first input, else its sub-directories, in name order.
FailureOr<std::vector<std::string>> sampleDirs(const ModelSignature &sig,
                                               StringRef dir,
                                               std::string &error) {
  auto holdsSample = [&](StringRef d) {
    SmallString<128> p(d);
    llvm::sys::path::append(p, sig.inputs.front().name + ".npy");
    return llvm::sys::fs::exists(p);
  };
  if (sig.inputs.empty() || holdsSample(dir))
    return std::vector<std::string>{dir.str()};
  std::vector<std::string> dirs;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::fs::is_directory(it->path()) && holdsSample(it->path()))
      dirs.push_back(it->path());
  llvm::sort(dirs);
  if (ec || dirs.empty()) {
    error = "--calibration=" + dir.str() + ": no '" +
            sig.inputs.front().name +
            ".npy' there or in a sub-directory (one .npy per graph input, "
            "named after it)";
    return failure();
  }
  return dirs;
}

/// The sample directories to run: those of `calibrationDir`, or, when it is
/// empty, one set of random inputs written under `work`.
FailureOr<std::vector<std::string>>
calibrationSamples(const ModelSignature &sig, StringRef calibrationDir,
                   StringRef work, std::string &error) {
  if (!calibrationDir.empty())
    return sampleDirs(sig, calibrationDir, error);
  SmallString<128> dir(work);
  llvm::sys::path::append(dir, "random");
  llvm::sys::fs::create_directories(dir);
  if (failed(writeRandomInputs(sig, dir, error)))
    return failure();
  return std::vector<std::string>{std::string(dir)};
}

LogicalResult runModel(StringRef exe, const ModelSignature &sig,
                       StringRef inputs, StringRef outputs,
                       std::string &error) {
  std::vector<std::string> args = {exe.str(), "--output-dir", outputs.str()};
  for (const TensorSignature &in : sig.inputs) {
    SmallString<128> path(inputs);
    llvm::sys::path::append(path, in.name + ".npy");
    if (!llvm::sys::fs::exists(path)) {
      error = "calibration input '" + in.name + "' is missing: no " +
              std::string(path);
      return failure();
    }
    args.push_back("--input");
    args.push_back(in.name + "=" + std::string(path));
  }
  SmallVector<StringRef> argv(args.begin(), args.end());
  std::string message;
  if (llvm::sys::ExecuteAndWait(exe, argv, std::nullopt, {}, 0, 0,
                                &message) != 0) {
    error = "calibration run '" + llvm::join(argv, " ") + "' failed" +
            (message.empty() ? "" : ": " + message);
    return failure();
  }
  return success();
}

/// An output as doubles (float and integer dtypes), or nothing.
std::optional<std::vector<double>> readValues(StringRef path,
                                              std::vector<int64_t> &shape) {
  tessera_npy npy;
  if (tessera_npy_read(std::string(path).c_str(), &npy) != TESSERA_OK)
    return std::nullopt;
  size_t n = npy.nbytes / std::max<size_t>(1, tessera_dtype_size(npy.dtype));
  std::vector<double> out(n);
  bool known = true;
  for (size_t i = 0; i < n && known; ++i) {
    switch (npy.dtype) {
    case TESSERA_F32: out[i] = static_cast<float *>(npy.data)[i]; break;
    case TESSERA_F64: out[i] = static_cast<double *>(npy.data)[i]; break;
    case TESSERA_I32: out[i] = static_cast<int32_t *>(npy.data)[i]; break;
    case TESSERA_I64: out[i] = double(static_cast<int64_t *>(npy.data)[i]); break;
    case TESSERA_I8: out[i] = static_cast<int8_t *>(npy.data)[i]; break;
    case TESSERA_U8:
    case TESSERA_BOOL: out[i] = static_cast<uint8_t *>(npy.data)[i]; break;
    default: known = false;
    }
  }
  shape.assign(npy.shape, npy.shape + npy.rank);
  tessera_npy_free(&npy);
  return known ? std::optional(std::move(out)) : std::nullopt;
}

/// Sums over every sample of one output.
struct Sums {
  double diff2 = 0, ref2 = 0, got2 = 0, dot = 0;
  int64_t rows = 0, agree = 0;
  bool nonFinite = false, classifier = false;

  void add(ArrayRef<double> ref, ArrayRef<double> got, int64_t last) {
    for (size_t i = 0; i < ref.size(); ++i) {
      nonFinite |= !std::isfinite(ref[i]) || !std::isfinite(got[i]);
      diff2 += (got[i] - ref[i]) * (got[i] - ref[i]);
      ref2 += ref[i] * ref[i];
      got2 += got[i] * got[i];
      dot += ref[i] * got[i];
    }
    if (!classifier || last < 2)
      return;
    for (size_t r = 0; r + last <= ref.size(); r += last) {
      auto argmax = [&](ArrayRef<double> v) {
        return std::max_element(v.begin() + r, v.begin() + r + last) -
               v.begin();
      };
      agree += argmax(ref) == argmax(got);
      ++rows;
    }
  }

  OutputAccuracy result(const std::string &name) const {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    OutputAccuracy a;
    a.name = name;
    if (nonFinite) {
      a.relL2 = a.cosine = a.sqnrDb = nan;
      return a;
    }
    a.relL2 = ref2 > 0 ? std::sqrt(diff2 / ref2) : std::sqrt(diff2);
    a.cosine = ref2 > 0 && got2 > 0 ? dot / std::sqrt(ref2 * got2)
                                    : (ref2 == got2 ? 1.0 : 0.0);
    a.sqnrDb = diff2 > 0 ? 10 * std::log10(ref2 / diff2)
                         : std::numeric_limits<double>::infinity();
    if (rows > 0)
      a.top1Agreement = double(agree) / double(rows);
    return a;
  }
};

} // namespace

std::string mlir::tessera::layerName(Operation *op, StringRef prefix,
                                     int64_t n) {
  std::string name = (prefix + Twine(n)).str();
  op->getLoc()->walk([&](Location loc) {
    if (auto named = dyn_cast<NameLoc>(loc)) {
      name += " " + named.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

namespace {
/// The results of @main_graph and their attributes, to which outputs are
/// added (`commit` writes them back).
struct GraphOutputs {
  func::FuncOp fn;
  func::ReturnOp ret;
  SmallVector<Value> results;
  SmallVector<Attribute> attrs;

  explicit GraphOutputs(func::FuncOp fn)
      : fn(fn), ret(cast<func::ReturnOp>(fn.getBody().back().getTerminator())),
        results(ret.getOperands()) {
    Builder b(fn.getContext());
    for (unsigned i = 0; i < fn.getNumResults(); ++i)
      attrs.push_back(fn.getResultAttrDict(i)
                          ? Attribute(fn.getResultAttrDict(i))
                          : b.getDictionaryAttr({}));
  }
  std::string name(unsigned i) const {
    auto name =
        cast<DictionaryAttr>(attrs[i]).getAs<StringAttr>("tessera.name");
    return name ? name.str() : "output" + std::to_string(i);
  }
  /// `v` as an output named `name`, unless it is one already (returning one
  /// value twice would alias two output buffers): the output's name.
  std::string add(Value v, const std::string &name) {
    auto *it = llvm::find(results, v);
    if (it != results.end())
      return this->name(it - results.begin());
    Builder b(fn.getContext());
    results.push_back(v);
    attrs.push_back(b.getDictionaryAttr(
        b.getNamedAttr("tessera.name", b.getStringAttr(name))));
    return name;
  }
  void commit() {
    ret->setOperands(results);
    fn.setType(FunctionType::get(fn.getContext(), fn.getArgumentTypes(),
                                 ValueRange(results).getTypes()));
    fn.setAllResultAttrs(attrs);
  }
};

/// The ops of @main_graph numbered by `numbering`, in number order.
SmallVector<std::pair<int64_t, Operation *>>
numberedLayers(func::FuncOp fn, LayerNumbering numbering) {
  SmallVector<std::pair<int64_t, Operation *>> layers;
  fn.walk([&](Operation *op) {
    if (auto n = op->getAttrOfType<IntegerAttr>(numbering.attr))
      layers.push_back({n.getInt(), op});
  });
  llvm::sort(layers, llvm::less_first());
  return layers;
}
} // namespace

std::vector<LayerProbe> mlir::tessera::probeLayers(ModuleOp module,
                                                   LayerNumbering numbering) {
  auto fn = module.lookupSymbol<func::FuncOp>("main_graph");
  std::vector<LayerProbe> probes;
  if (!fn || fn.isExternal())
    return probes;
  GraphOutputs outputs(fn);
  for (auto [n, op] : numberedLayers(fn, numbering)) {
    LayerProbe probe;
    probe.name = layerName(op, numbering.prefix, n);
    probe.output =
        outputs.add(op->getResult(0), (numbering.prefix + Twine(n)).str());
    probes.push_back(std::move(probe));
  }
  outputs.commit();
  return probes;
}

std::vector<RangeProbe>
mlir::tessera::probeLayerInputRanges(ModuleOp module,
                                     LayerNumbering numbering) {
  auto fn = module.lookupSymbol<func::FuncOp>("main_graph");
  std::vector<RangeProbe> probes;
  if (!fn || fn.isExternal())
    return probes;
  GraphOutputs outputs(fn);
  for (auto [n, op] : numberedLayers(fn, numbering)) {
    Value x = op->getOperand(0);
    auto type = cast<RankedTensorType>(x.getType());
    OpBuilder b(op);
    auto scalar = RankedTensorType::get({}, type.getElementType());
    auto axes = b.getDenseI64ArrayAttr(
        llvm::to_vector(llvm::seq<int64_t>(0, type.getRank())));
    Value lo = ReduceMinOp::create(b, op->getLoc(), scalar, x, axes,
                                   b.getBoolAttr(false));
    Value hi = ReduceMaxOp::create(b, op->getLoc(), scalar, x, axes,
                                   b.getBoolAttr(false));
    std::string base = (numbering.prefix + Twine(n) + "_input_").str();
    probes.push_back(
        {outputs.add(lo, base + "min"), outputs.add(hi, base + "max")});
  }
  outputs.commit();
  return probes;
}

FailureOr<AccuracyReport> mlir::tessera::measureAccuracy(
    StringRef reference, StringRef changed, const ModelSignature &sig,
    size_t modelOutputs, ArrayRef<LayerProbe> layers, StringRef calibrationDir,
    std::string &error) {
  SmallString<128> work;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("tessera-calibration", work)) {
    error = "cannot create a temporary directory: " + ec.message();
    return failure();
  }
  llvm::scope_exit cleanup(
      [&] { llvm::sys::fs::remove_directories(work); });
  AccuracyReport report;
  report.calibrationDir = calibrationDir.str();
  FailureOr<std::vector<std::string>> sampled =
      calibrationSamples(sig, calibrationDir, work, error);
  if (failed(sampled))
    return failure();
  std::vector<std::string> samples = std::move(*sampled);
  std::vector<Sums> sums(sig.outputs.size());
  for (auto [i, out] : llvm::enumerate(sig.outputs))
    sums[i].classifier = i < modelOutputs && (out.dtype == "TESSERA_F32" ||
                                              out.dtype == "TESSERA_F64");
  for (auto [s, inputs] : llvm::enumerate(samples)) {
    SmallString<128> refDir(work), gotDir(work);
    llvm::sys::path::append(refDir, "reference" + std::to_string(s));
    llvm::sys::path::append(gotDir, "changed" + std::to_string(s));
    if (failed(runModel(reference, sig, inputs, refDir, error)) ||
        failed(runModel(changed, sig, inputs, gotDir, error)))
      return failure();
    for (auto [i, out] : llvm::enumerate(sig.outputs)) {
      SmallString<128> refPath(refDir), gotPath(gotDir);
      llvm::sys::path::append(refPath, out.name + ".npy");
      llvm::sys::path::append(gotPath, out.name + ".npy");
      std::vector<int64_t> shape, gotShape;
      auto ref = readValues(refPath, shape), got = readValues(gotPath, gotShape);
      if (!ref || !got || shape != gotShape)
        continue; // an output of a dtype with no metric
      sums[i].add(*ref, *got, shape.empty() ? 1 : shape.back());
    }
  }
  report.samples = int64_t(samples.size());
  for (auto [i, out] : llvm::enumerate(sig.outputs))
    if (i < modelOutputs)
      report.outputs.push_back(sums[i].result(out.name));
  for (const LayerProbe &layer : layers)
    for (auto [i, out] : llvm::enumerate(sig.outputs))
      if (out.name == layer.output)
        report.layers.push_back(sums[i].result(layer.name));
  return report;
}

namespace {
/// Runs `exe` on every sample of `calibrationDir` (random inputs when it is
/// empty) and hands each run's output directory to `read`. Returns the
/// number of samples.
FailureOr<int64_t>
forEachSample(StringRef exe, const ModelSignature &sig,
              StringRef calibrationDir, std::string &error,
              function_ref<LogicalResult(StringRef outDir)> read) {
  SmallString<128> work;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("tessera-calibration", work)) {
    error = "cannot create a temporary directory: " + ec.message();
    return failure();
  }
  llvm::scope_exit cleanup([&] { llvm::sys::fs::remove_directories(work); });
  FailureOr<std::vector<std::string>> samples =
      calibrationSamples(sig, calibrationDir, work, error);
  if (failed(samples))
    return failure();
  for (auto [s, inputs] : llvm::enumerate(*samples)) {
    SmallString<128> outDir(work);
    llvm::sys::path::append(outDir, "sample" + std::to_string(s));
    if (failed(runModel(exe, sig, inputs, outDir, error)) ||
        failed(read(outDir)))
      return failure();
  }
  return int64_t(samples->size());
}

/// The one value of the output `name` under `outDir`.
std::optional<double> scalarOutput(StringRef outDir, StringRef name) {
  SmallString<128> path(outDir);
  llvm::sys::path::append(path, name + ".npy");
  std::vector<int64_t> shape;
  auto values = readValues(path, shape);
  if (!values || values->size() != 1)
    return std::nullopt;
  return values->front();
}
} // namespace

FailureOr<int64_t> mlir::tessera::measureSublayers(
    StringRef exe, const ModelSignature &sig, StringRef calibrationDir,
    std::vector<SublayerSimilarity> &sublayers, std::string &error) {
  std::vector<double> sums(sublayers.size(), 0.0);
  FailureOr<int64_t> samples =
      forEachSample(exe, sig, calibrationDir, error, [&](StringRef outDir) {
        for (auto [i, sublayer] : llvm::enumerate(sublayers)) {
          std::optional<double> v = scalarOutput(outDir, sublayer.output);
          if (!v) {
            error = "the measuring build wrote no similarity '" +
                    sublayer.output + "'";
            return failure();
          }
          sums[i] += *v;
        }
        return success();
      });
  if (failed(samples))
    return failure();
  for (auto [i, sublayer] : llvm::enumerate(sublayers))
    sublayer.similarity = sums[i] / double(*samples);
  return samples;
}

FailureOr<int64_t> mlir::tessera::measureRanges(StringRef exe,
                                                const ModelSignature &sig,
                                                StringRef calibrationDir,
                                                ArrayRef<RangeProbe> probes,
                                                std::vector<double> &ranges,
                                                std::string &error) {
  ranges.assign(2 * probes.size(), 0.0);
  return forEachSample(exe, sig, calibrationDir, error, [&](StringRef outDir) {
    for (auto [i, probe] : llvm::enumerate(probes)) {
      std::optional<double> lo = scalarOutput(outDir, probe.low),
                            hi = scalarOutput(outDir, probe.high);
      if (!lo || !hi) {
        error = "the measuring build wrote no range '" + probe.low + "'";
        return failure();
      }
      ranges[2 * i] = std::min(ranges[2 * i], *lo);
      ranges[2 * i + 1] = std::max(ranges[2 * i + 1], *hi);
    }
    return success();
  });
}
