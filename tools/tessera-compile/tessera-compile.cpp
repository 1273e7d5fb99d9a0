// tessera-compile: ONNX model -> executable, library, object or IR.
#include "compiler/Driver.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

/// A model's weights are copied several times on their way into the
/// executable (the ONNX protobuf, MLIR's resource blobs, LLVM's constants,
/// the object file, the linker's output). With 4 KiB pages the kernel's page
/// faults took half of a large model's compile time (wav2vec2-base, 380 MB:
/// 4.5 s of 8.2 s in the kernel). glibc's malloc asks for transparent huge
/// pages with the tunable glibc.malloc.hugetlb=1, which it reads at start:
/// so the compiler runs itself again once with it (the linker it starts
/// inherits it). TESSERA_NO_HUGEPAGES=1 keeps the process as it is.
static void runWithHugePages(char **argv) {
  const char *tunables = getenv("GLIBC_TUNABLES");
  if (getenv("TESSERA_NO_HUGEPAGES") ||
      (tunables && strstr(tunables, "glibc.malloc.hugetlb")))
    return;
  std::string value = tunables && *tunables
                          ? std::string(tunables) + ":glibc.malloc.hugetlb=1"
                          : std::string("glibc.malloc.hugetlb=1");
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0)
    return;
  execv("/proc/self/exe", argv); // returns only on failure: carry on
}

int main(int argc, char **argv) {
  runWithHugePages(argv);
  return mlir::tessera::compileMain(argc, argv);
}
