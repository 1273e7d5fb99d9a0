// Generates the C stub (model description + entry wrapper) and links the
// model object with the runtime through the system C compiler.
#include "compiler/Link.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InterleavedRange.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"

#include <optional>

#ifndef TESSERA_RUNTIME_INCLUDE_DIR
#define TESSERA_RUNTIME_INCLUDE_DIR ""
#endif

using namespace mlir;
using namespace mlir::tessera;

/// `isUnsigned` comes from the `tessera.unsigned` argument/result attribute:
/// tensors are signless, the importer marks ONNX uint inputs and outputs.
static LogicalResult describeType(Type type, bool isUnsigned,
                                  TensorSignature &sig) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape() || tensor.getRank() > 32)
    return failure();
  sig.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  Type elt = tensor.getElementType();
  auto set = [&](const char *dtype, const char *cType) {
    sig.dtype = dtype;
    sig.cType = cType;
    return success();
  };
  if (elt.isF32())
    return set("TESSERA_F32", "float");
  if (elt.isF16())
    return set("TESSERA_F16", "uint16_t");
  if (elt.isBF16())
    return set("TESSERA_BF16", "uint16_t");
  if (elt.isF64())
    return set("TESSERA_F64", "double");
  if (elt.isInteger(1))
    return set("TESSERA_BOOL", "uint8_t");
  if (isUnsigned) {
    if (elt.isInteger(8))
      return set("TESSERA_U8", "uint8_t");
    if (elt.isInteger(16))
      return set("TESSERA_U16", "uint16_t");
    if (elt.isInteger(32))
      return set("TESSERA_U32", "uint32_t");
    if (elt.isInteger(64))
      return set("TESSERA_U64", "uint64_t");
    return failure();
  }
  if (elt.isInteger(8))
    return set("TESSERA_I8", "int8_t");
  if (elt.isInteger(16))
    return set("TESSERA_I16", "int16_t");
  if (elt.isInteger(32))
    return set("TESSERA_I32", "int32_t");
  if (elt.isInteger(64))
    return set("TESSERA_I64", "int64_t");
  return failure();
}

FailureOr<ModelSignature> mlir::tessera::getModelSignature(ModuleOp module) {
  auto fn = module.lookupSymbol<func::FuncOp>("main_graph");
  if (!fn || fn.isExternal())
    return module.emitError("expected a func.func @main_graph with a body"),
           failure();
  ModelSignature sig;
  auto describe = [&](Type type, DictionaryAttr attrs, StringRef kind,
                      unsigned i,
                      SmallVectorImpl<TensorSignature> &into) -> LogicalResult {
    TensorSignature t;
    auto name = attrs ? attrs.getAs<StringAttr>("tessera.name") : StringAttr();
    t.name = name ? name.str() : (kind + Twine(i)).str();
    bool isUnsigned = attrs && attrs.get("tessera.unsigned");
    if (failed(describeType(type, isUnsigned, t)))
      return fn.emitError()
             << kind << " " << i << " of @main_graph has type " << type
             << "; expected a statically shaped tensor of "
                "f32/f16/bf16/f64/i1/i8/i16/i32/i64";
    into.push_back(std::move(t));
    return success();
  };
  for (auto [i, type] : llvm::enumerate(fn.getArgumentTypes()))
    if (failed(describe(type, fn.getArgAttrDict(i), "input", i, sig.inputs)))
      return failure();
  for (auto [i, type] : llvm::enumerate(fn.getResultTypes()))
    if (failed(
            describe(type, fn.getResultAttrDict(i), "output", i, sig.outputs)))
      return failure();
  return sig;
}

bool mlir::tessera::isValidModelName(StringRef name) {
  return !name.empty() && !llvm::isDigit(name.front()) &&
         llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

std::string mlir::tessera::defaultModelName(StringRef outputPath) {
  StringRef stem = llvm::sys::path::stem(outputPath);
  if (llvm::sys::path::extension(outputPath) == ".so" && stem.size() > 3 &&
      stem.starts_with("lib"))
    stem = stem.drop_front(3);
  std::string name;
  for (char c : stem)
    name += llvm::isAlnum(c) ? c : '_';
  if (name.empty() || llvm::isDigit(name.front()))
    name = "model_" + name;
  return name;
}

static std::string cString(StringRef s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (llvm::isPrint(c))
      out += c;
    else
      out += llvm::formatv("\\{0:o3}", (unsigned char)c).str();
  }
  return out + "\"";
}

static void writeTensorTable(llvm::raw_ostream &os, StringRef kind,
                             ArrayRef<TensorSignature> tensors) {
  for (auto [i, t] : llvm::enumerate(tensors))
    if (!t.shape.empty())
      os << "static const int64_t " << kind << "_shape" << i << "[] = {"
         << llvm::interleaved(t.shape) << "};\n";
  if (tensors.empty())
    return;
  os << "static const tessera_tensor_info " << kind << "_infos[] = {\n";
  for (auto [i, t] : llvm::enumerate(tensors)) {
    os << "  {" << cString(t.name) << ", " << t.dtype << ", " << t.shape.size()
       << ", ";
    if (t.shape.empty())
      os << "NULL},\n";
    else
      os << kind << "_shape" << i << "},\n";
  }
  os << "};\n";
}

void mlir::tessera::writeModelStub(const ModelSignature &sig,
                                   const StubOptions &opts,
                                   llvm::raw_ostream &os) {
  size_t numIn = sig.inputs.size(), numArgs = numIn + sig.outputs.size();
  StringRef name = opts.name;
  os << "/* Generated by tessera-compile: the model as the runtime sees it. "
        "*/\n"
     << "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n"
     << "#include \"tessera_runtime.h\"\n\n";
  writeTensorTable(os, "input", sig.inputs);
  writeTensorTable(os, "output", sig.outputs);

  // The generated code's only global symbol (see CpuTarget's
  // exportOnlyEntry).
  os << "\nvoid " << name << "_main_graph(";
  for (size_t i = 0; i < numArgs; ++i)
    os << (i ? ", " : "") << "void *";
  os << (numArgs ? "" : "void") << ");\n\n"
     << "static void entry(void **descs) {\n  (void)descs;\n"
     << "  " << name << "_main_graph(";
  for (size_t i = 0; i < numArgs; ++i)
    os << (i ? ", " : "") << "descs[" << i << "]";
  os << ");\n}\n\n";

  std::string prepare = "NULL", finish = "NULL";
  if (opts.cuda) {
    // The CUDA runtime opens the device before a run (a clear error
    // without one) and reports a failed kernel after it.
    prepare = "tessera_cuda_prepare";
    finish = "tessera_cuda_finish";
    os << "tessera_status tessera_cuda_prepare(void);\n"
       << "tessera_status tessera_cuda_finish(void);\n\n";
  } else if (opts.weightsBytes) {
    // --weights=external: the code reads every weight at an offset from
    // NAME_weights, the mapped side file.
    prepare = "prepare";
    os << "__attribute__((visibility(\"hidden\"))) const void *" << name
       << "_weights;\n"
       << "static tessera_status map_weights(const char *path) {\n"
       << "  return tessera_map_weights(&" << name << "_weights, path, "
       << cString(opts.weightsFile) << ", " << opts.weightsBytes
       << "ull, (const void *)&entry);\n}\n\n"
       << "static tessera_status prepare(void) {\n"
       << "  return map_weights(NULL);\n}\n\n"
       << "tessera_status " << name << "_set_weights_path(const char *path) "
       << "{\n  return map_weights(path);\n}\n\n";
  }
  os << "static const tessera_model_info model = {" << numIn << ", "
     << sig.outputs.size() << ", " << (numIn ? "input_infos" : "NULL") << ", "
     << (sig.outputs.empty() ? "NULL" : "output_infos") << ", entry, "
     << prepare << ", " << finish << "};\n\n";

  // The API: every symbol carries the model's name.
  os << "const tessera_model_info *" << name
     << "_model_info(void) {\n  return &model;\n}\n\n"
     << "tessera_status " << name
     << "_run(const void *const *inputs, void *const *outputs) {\n"
     << "  return tessera_run(&model, inputs, outputs);\n}\n\n"
     << "int " << name << "_main(int argc, char **argv) {\n"
     << "  return tessera_main(&model, argc, argv);\n}\n\n"
     << "const char *" << name << "_status_message(void) {\n"
     << "  return tessera_status_message();\n}\n\n"
     << "void " << name << "_set_num_threads(int n) {\n"
     << "  tessera_set_num_threads(n);\n}\n\n"
     << "int " << name << "_get_num_threads(void) {\n"
     << "  return tessera_get_num_threads();\n}\n";

  if (opts.withMain)
    os << "\nint main(int argc, char **argv) {\n"
       << "  return " << name << "_main(argc, argv);\n}\n";
}

void mlir::tessera::writeModelHeader(const ModelSignature &sig,
                                     const StubOptions &opts,
                                     llvm::raw_ostream &os) {
  StringRef name = opts.name;
  std::string upper = StringRef(opts.name).upper();
  std::string guard = "TESSERA_MODEL_" + upper + "_H";
  os << "/* Generated by tessera-compile: the API of the compiled model '"
     << name << "'. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include \"tessera_runtime.h\"\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  auto list = [&](StringRef title, ArrayRef<TensorSignature> tensors) {
    os << "/* " << title << " (in this order):\n";
    for (auto [i, t] : llvm::enumerate(tensors))
      os << " *   [" << i << "] " << t.name << ": " << t.cType << "["
         << llvm::interleaved(t.shape) << "]\n";
    os << " */\n";
  };
  list("Inputs", sig.inputs);
  list("Outputs", sig.outputs);
  os << "#define " << upper << "_NUM_INPUTS " << sig.inputs.size() << "\n"
     << "#define " << upper << "_NUM_OUTPUTS " << sig.outputs.size() << "\n\n"
     << "/* Names, dtypes, shapes and the memref-descriptor entry point. */\n"
     << "const tessera_model_info *" << name << "_model_info(void);\n\n"
     << "/* Runs the model once on dense row-major buffers in the order "
        "above;\n"
     << "   outputs are allocated by the caller. Thread-safe. */\n"
     << "tessera_status " << name
     << "_run(const void *const *inputs, void *const *outputs);\n\n"
     << "/* The last error of a call on this thread, as a message. */\n"
     << "const char *" << name << "_status_message(void);\n\n"
     << "/* The size of this model's thread pool (default: "
        "$TESSERA_NUM_THREADS,\n"
     << "   else the hardware concurrency); not while a run is going on. */\n"
     << "void " << name << "_set_num_threads(int n);\n"
     << "int " << name << "_get_num_threads(void);\n\n"
     << "/* The command line of a compiled executable (--input NAME=FILE.npy "
        "...). */\n"
     << "int " << name << "_main(int argc, char **argv);\n";
  if (opts.weightsBytes)
    os << "\n/* --weights=external: maps the weights file (" << opts.weightsFile
       << ", " << opts.weightsBytes
       << " bytes).\n"
          "   Without this call the first run maps it from the directory of "
          "the\n"
          "   binary that holds the model. */\n"
       << "tessera_status " << name << "_set_weights_path(const char *path);\n";
  os << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
}

/// One CMake LINK_LIBRARIES entry of the runtime as a linker argument.
static std::string toLinkFlag(StringRef item) {
  if (item == "Threads::Threads")
    return "-lpthread";
  if (item.starts_with("OpenMP::"))
    return "-fopenmp";
  if (item.starts_with("-") || llvm::sys::path::is_absolute(item))
    return item.str();
  size_t sep = item.rfind("::");
  StringRef lib = sep == StringRef::npos ? item : item.drop_front(sep + 2);
  return ("-l" + lib.lower());
}

FailureOr<RuntimeLocation> mlir::tessera::findRuntime(const char *argv0,
                                                      std::string &error) {
  RuntimeLocation loc;
  SmallVector<std::string> libDirs, includeDirs;
  if (std::optional<std::string> dir =
          llvm::sys::Process::GetEnv("TESSERA_RUNTIME_DIR")) {
    libDirs = {*dir, *dir + "/lib"};
    includeDirs = {*dir + "/include", *dir};
  } else {
    static int anchor;
    std::string exe = llvm::sys::fs::getMainExecutable(argv0, &anchor);
    StringRef binDir = llvm::sys::path::parent_path(exe);
    StringRef prefix = llvm::sys::path::parent_path(binDir);
    // The build tree (the header in the sources), or an installed prefix.
    libDirs = {(prefix + "/lib").str()};
    includeDirs = {(prefix + "/include").str(), TESSERA_RUNTIME_INCLUDE_DIR};
  }
  for (const std::string &dir : libDirs)
    if (llvm::sys::fs::exists(dir + "/libtessera_runtime.a")) {
      loc.library = dir + "/libtessera_runtime.a";
      if (llvm::sys::fs::exists(dir + "/libtessera_cuda_runtime.a"))
        loc.cudaLibrary = dir + "/libtessera_cuda_runtime.a";
      if (auto deps =
              llvm::MemoryBuffer::getFile(dir + "/tessera_runtime.link")) {
        SmallVector<StringRef> items;
        (*deps)->getBuffer().trim().split(items, ';', -1, false);
        for (StringRef item : items)
          loc.linkFlags.push_back(toLinkFlag(item.trim()));
      }
      break;
    }
  for (const std::string &dir : includeDirs)
    if (!dir.empty() && llvm::sys::fs::exists(dir + "/tessera_runtime.h")) {
      loc.includeDir = dir;
      break;
    }
  if (loc.library.empty() || loc.includeDir.empty()) {
    error = "cannot find the Tessera runtime (libtessera_runtime.a in " +
            llvm::join(libDirs, " or ") + ", tessera_runtime.h in " +
            llvm::join(includeDirs, " or ") + "); set TESSERA_RUNTIME_DIR";
    return failure();
  }
  return loc;
}

#ifndef TESSERA_LINK_CC
#define TESSERA_LINK_CC "cc"
#endif

static LogicalResult runCompiler(ArrayRef<std::string> args,
                                 std::string &error) {
  std::string cc = llvm::sys::Process::GetEnv("CC").value_or(TESSERA_LINK_CC);
  llvm::ErrorOr<std::string> program = llvm::sys::findProgramByName(cc);
  if (!program) {
    error = "cannot find the C compiler '" + cc + "' on PATH";
    return failure();
  }
  SmallVector<StringRef> argv = {*program};
  argv.append(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*program, argv, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0) {
    error = "'" + llvm::join(argv, " ") + "' failed" +
            (message.empty() ? "" : ": " + message);
    return failure();
  }
  return success();
}

/// Writes the stub for `sig` into a temporary C file (removed with
/// `remover`).
static LogicalResult writeStubFile(const ModelSignature &sig,
                                   const StubOptions &opts,
                                   SmallString<128> &stubPath,
                                   std::optional<llvm::FileRemover> &remover,
                                   std::string &error) {
  int fd;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "tessera-stub", "c", fd, stubPath)) {
    error = "cannot create a temporary file: " + ec.message();
    return failure();
  }
  remover.emplace(stubPath);
  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  writeModelStub(sig, opts, os);
  return success();
}

LogicalResult mlir::tessera::linkModel(StringRef objectPath,
                                       const ModelSignature &sig,
                                       const StubOptions &stub, bool shared,
                                       StringRef outputPath,
                                       const RuntimeLocation &runtime,
                                       std::string &error) {
  SmallString<128> stubPath;
  std::optional<llvm::FileRemover> removeStub;
  if (failed(writeStubFile(sig, stub, stubPath, removeStub, error)))
    return failure();
  SmallVector<std::string> args = {"-O2", "-fPIC", "-I" + runtime.includeDir,
                                   "-x",  "c",     stubPath.str().str(),
                                   "-x",  "none",  objectPath.str()};
  // lld, else gold, where installed: a model's object is mostly weights,
  // which ld.bfd copies slowly (ViT-B/32, 350 MB: 0.8 s with lld, 1.8 s
  // with gold, 3.1 s with bfd).
  for (const char *linker : {"lld", "gold"})
    if (llvm::sys::findProgramByName(std::string("ld.") + linker)) {
      args.insert(args.begin(), std::string("-fuse-ld=") + linker);
      break;
    }
  if (shared) {
    // The library exports the model's NAME_* API only: its copy of the
    // runtime stays private, so that libraries of several models (or
    // Tessera versions) live in one process side by side.
    args.insert(args.begin(), {"-shared", "-Wl,--exclude-libs,ALL"});
  }
  if (stub.cuda) {
    if (runtime.cudaLibrary.empty()) {
      error = "this Tessera was built without its CUDA runtime "
              "(libtessera_cuda_runtime.a; the CUDA toolkit was not found "
              "at build time): --target=cuda cannot link";
      return failure();
    }
    args.push_back(runtime.cudaLibrary);
  }
  args.push_back(runtime.library);
  args.append(runtime.linkFlags.begin(), runtime.linkFlags.end());
  args.append({"-lstdc++", "-lm", "-lpthread", "-ldl", "-o", outputPath.str()});
  return runCompiler(args, error);
}

LogicalResult
mlir::tessera::writeModelObject(StringRef objectPath, const ModelSignature &sig,
                                const StubOptions &stub, StringRef outputPath,
                                StringRef includeDir, std::string &error) {
  SmallString<128> stubPath, stubObject;
  std::optional<llvm::FileRemover> removeStub;
  if (failed(writeStubFile(sig, stub, stubPath, removeStub, error)))
    return failure();
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("tessera-stub", "o", stubObject)) {
    error = "cannot create a temporary file: " + ec.message();
    return failure();
  }
  llvm::FileRemover removeStubObject(stubObject);
  if (failed(
          runCompiler({"-O2", "-fPIC", "-I" + includeDir.str(), "-c", "-x", "c",
                       stubPath.str().str(), "-o", stubObject.str().str()},
                      error)))
    return failure();
  // One relocatable object: the stub's NAME_* functions and the code.
  return runCompiler({"-r", "-nostdlib", stubObject.str().str(),
                      objectPath.str(), "-o", outputPath.str()},
                     error);
}
