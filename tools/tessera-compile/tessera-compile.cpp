// tessera-compile: ONNX model -> executable, library, object or IR.
#include "compiler/Driver.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

/// Whether every argument naming an .onnx file names one under 16 MiB
/// without external data (a TensorProto's external_data names its
/// "location"; a false match only costs the restart), or none does (--help,
/// --version).
static bool smallModel(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    size_t len = strlen(argv[i]);
    if (argv[i][0] == '-' || len < 5 || strcmp(argv[i] + len - 5, ".onnx"))
      continue;
    struct stat st;
    if (stat(argv[i], &st) != 0)
      continue;
    if (st.st_size >= (16 << 20))
      return false;
    std::ifstream file(argv[i], std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)),
                      std::istreambuf_iterator<char>());
    if (bytes.find("location") != std::string::npos)
      return false;
  }
  return true;
}

/// A model's weights are copied several times on their way into the
/// executable (the ONNX protobuf, MLIR's resource blobs, LLVM's constants,
/// the object file, the linker's output). With 4 KiB pages the kernel's page
/// faults took half of a large model's compile time (wav2vec2-base, 380 MB:
/// 4.5 s of 8.2 s in the kernel). glibc's malloc asks for transparent huge
/// pages with the tunable glibc.malloc.hugetlb=1, which it reads at start:
/// so the compiler runs itself again once with it (the linker it starts
/// inherits it). TESSERA_NO_HUGEPAGES=1 keeps the process as it is, and so
/// does a small model: starting again loads libLLVM and libMLIR twice
/// (0.14 s of a tiny model's 0.3 s here; the ONNX conformance suite
/// compiles 1072 of them).
static void runWithHugePages(int argc, char **argv) {
  const char *tunables = getenv("GLIBC_TUNABLES");
  if (getenv("TESSERA_NO_HUGEPAGES") ||
      (tunables && strstr(tunables, "glibc.malloc.hugetlb")) ||
      smallModel(argc, argv))
    return;
  std::string value = tunables && *tunables
                          ? std::string(tunables) + ":glibc.malloc.hugetlb=1"
                          : std::string("glibc.malloc.hugetlb=1");
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0)
    return;
  execv("/proc/self/exe", argv); // returns only on failure: carry on
}

int main(int argc, char **argv) {
  runWithHugePages(argc, argv);
  return mlir::tessera::compileMain(argc, argv);
}
