// tessera-compile's input and output files (compiler/DriverOptions.h).
#include "compiler/DriverOptions.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace mlir::tessera;

/// D0xD1x... (empty: rank 0) into `shape`; false unless every size is an
/// integer >= 0.
static bool parseShape(StringRef dims, SmallVectorImpl<int64_t> &shape) {
  if (dims.empty())
    return true;
  SmallVector<StringRef> parts;
  dims.split(parts, 'x', -1, /*KeepEmpty=*/true);
  bool ok = true;
  for (StringRef p : parts) {
    int64_t d;
    ok &= !p.getAsInteger(10, d) && d >= 0;
    shape.push_back(d);
  }
  return ok;
}

LogicalResult driver::parseImportOptions(const Options &opts,
                                         ImportOptions &out,
                                         std::string &error) {
  for (StringRef arg : opts.constInputs) {
    auto [name, path] = arg.split('=');
    if (name.empty() || path.empty()) {
      error = "--const-input expects NAME=FILE.npy, got '" + arg.str() + "'";
      return failure();
    }
    out.constInputs[name] = path.str();
  }
  for (StringRef arg : opts.inputShapes) {
    auto [name, dims] = arg.split('=');
    SmallVector<int64_t> shape;
    bool ok = parseShape(dims, shape) && !name.empty() && arg.contains('=');
    if (!ok) {
      error = "--input-shape expects NAME=D0xD1x... with sizes >= 0, got '" +
              arg.str() + "'";
      return failure();
    }
    out.inputShapes[name] = shape;
  }
  for (StringRef arg : opts.sequenceInputs) {
    auto [name, list] = arg.split('=');
    bool ok = !name.empty() && arg.contains('=');
    SmallVector<SmallVector<int64_t>> shapes;
    SmallVector<StringRef> elems;
    if (!list.empty())
      list.split(elems, ',', -1, /*KeepEmpty=*/true);
    for (StringRef e : elems) {
      SmallVector<int64_t> &shape = shapes.emplace_back();
      if (e != "scalar")
        ok &= !e.empty() && parseShape(e, shape);
    }
    if (!ok || out.sequenceInputs.count(name)) {
      error = "--sequence-input expects NAME=SHAPE,SHAPE,... (each "
              "D0xD1x... with sizes >= 0, or 'scalar') once per input, got '" +
              arg.str() + "'";
      return failure();
    }
    out.sequenceInputs[name] = std::move(shapes);
  }
  for (StringRef name : opts.emptyOptionals)
    out.emptyOptionals.insert(name);
  return success();
}

OwningOpRef<ModuleOp> driver::loadInput(StringRef path, MLIRContext &ctx,
                                        llvm::SourceMgr &sourceMgr,
                                        const ImportOptions &import) {
  if (!path.ends_with(".mlir"))
    return tessera::importOnnxModel(path, ctx, import);
  std::string err;
  auto file = openInputFile(path, &err);
  if (!file) {
    emitError(UnknownLoc::get(&ctx)) << err;
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  return parseSourceFile<ModuleOp>(sourceMgr, &ctx);
}

bool driver::containsTesseraOps(ModuleOp module) {
  bool found = false;
  module.walk([&](Operation *op) {
    if (isa<TesseraDialect>(op->getDialect()))
      found = true;
    return found ? WalkResult::interrupt() : WalkResult::advance();
  });
  return found;
}

LogicalResult driver::checkOutputPath(StringRef path, std::string &error) {
  SmallString<128> dir(llvm::sys::path::parent_path(path));
  if (dir.empty())
    dir = ".";
  if (llvm::sys::fs::is_directory(path)) {
    error = "cannot write output '" + path.str() + "': it is a directory";
    return failure();
  }
  if (!llvm::sys::fs::is_directory(dir) ||
      llvm::sys::fs::access(dir, llvm::sys::fs::AccessMode::Write)) {
    error = "cannot write output '" + path.str() + "': directory '" +
            std::string(dir) + "' does not exist or is not writable";
    return failure();
  }
  return success();
}

LogicalResult driver::writeText(StringRef path,
                                llvm::function_ref<void(raw_ostream &)> fn,
                                std::string &error) {
  auto out = openOutputFile(path, &error);
  if (!out)
    return failure();
  fn(out->os());
  out->keep();
  return success();
}
