// tessera-run LIB.so [--input NAME=FILE.npy]... [--output-dir DIR] [--bench N]
// [--threads N]: runs a model compiled with --emit=lib, like the executable.
#include "tessera_runtime.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <string>

namespace {

// The library carries its own copy of the runtime. This program exports its
// runtime symbols (ENABLE_EXPORTS), so the library's kernels normally bind to
// ours; if the library resolved them itself, set its pool size too.
void forwardThreads(void *lib, int argc, char **argv) {
  using SetThreads = void (*)(int);
  auto theirs = reinterpret_cast<SetThreads>(
      dlsym(lib, "tessera_set_num_threads"));
  if (!theirs || theirs == &tessera_set_num_threads)
    return;
  for (int i = 1; i < argc; ++i) {
    const char *value = nullptr;
    if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      value = argv[i + 1];
    else if (!strncmp(argv[i], "--threads=", 10))
      value = argv[i] + 10;
    if (value && atoi(value) > 0)
      theirs(atoi(value));
  }
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2 || argv[1][0] == '-') {
    fprintf(stderr,
            "usage: tessera-run LIB.so [--input NAME=FILE.npy]... "
            "[--output-dir DIR] [--bench N] [--threads N]\n");
    return 1;
  }
  // A bare name would make dlopen search the system library path.
  std::string path = argv[1];
  if (path.find('/') == std::string::npos)
    path = "./" + path;
  void *lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "error: cannot load '%s': %s\n", argv[1], dlerror());
    return 1;
  }
  auto *model =
      static_cast<const tessera_model_info *>(dlsym(lib, "tessera_model"));
  if (!model) {
    fprintf(stderr,
            "error: '%s' has no 'tessera_model' symbol; was it compiled with "
            "tessera-compile --emit=lib?\n",
            argv[1]);
    return 1;
  }
  forwardThreads(lib, argc - 1, argv + 1);
  // argv[1] (the library) stands in for the program name.
  return tessera_main(model, argc - 1, argv + 1);
}
