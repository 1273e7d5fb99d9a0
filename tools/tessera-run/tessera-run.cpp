// tessera-run LIB.so [--input NAME=FILE.npy]... [--output-dir DIR] [--bench N]
// [--threads N]: runs a model compiled with --emit=lib, like the executable.
//
// The library exports NAME_main, NAME_model_info, ... for the NAME it was
// compiled with (--name); the name is found in its dynamic symbol table.
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

/// The NAMEs of the defined global `NAME_model_info` symbols in the ELF
/// file at `path` (empty if none or not a 64-bit ELF file).
std::vector<std::string> modelNames(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  std::vector<std::string> names;
  auto fits = [&](uint64_t offset, uint64_t size) {
    return offset <= bytes.size() && size <= bytes.size() - offset;
  };
  if (!fits(0, sizeof(Elf64_Ehdr)) || memcmp(bytes.data(), ELFMAG, SELFMAG) ||
      bytes[EI_CLASS] != ELFCLASS64)
    return names;
  Elf64_Ehdr header;
  memcpy(&header, bytes.data(), sizeof header);
  if (header.e_shentsize != sizeof(Elf64_Shdr) ||
      !fits(header.e_shoff, uint64_t(header.e_shnum) * sizeof(Elf64_Shdr)))
    return names;
  std::vector<Elf64_Shdr> sections(header.e_shnum);
  memcpy(sections.data(), bytes.data() + header.e_shoff,
         sections.size() * sizeof(Elf64_Shdr));
  const std::string suffix = "_model_info";
  for (const Elf64_Shdr &section : sections) {
    if (section.sh_type != SHT_DYNSYM || section.sh_link >= sections.size() ||
        section.sh_entsize != sizeof(Elf64_Sym) ||
        !fits(section.sh_offset, section.sh_size))
      continue;
    const Elf64_Shdr &strings = sections[section.sh_link];
    if (!fits(strings.sh_offset, strings.sh_size))
      continue;
    for (uint64_t i = 0; i < section.sh_size / sizeof(Elf64_Sym); ++i) {
      Elf64_Sym sym;
      memcpy(&sym, bytes.data() + section.sh_offset + i * sizeof sym,
             sizeof sym);
      if (sym.st_shndx == SHN_UNDEF ||
          ELF64_ST_BIND(sym.st_info) == STB_LOCAL ||
          sym.st_name >= strings.sh_size)
        continue;
      const char *start = bytes.data() + strings.sh_offset + sym.st_name;
      std::string name(start, strnlen(start, strings.sh_size - sym.st_name));
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        names.push_back(name.substr(0, name.size() - suffix.size()));
    }
  }
  return names;
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
  using Main = int (*)(int, char **);
  std::vector<std::string> names = modelNames(path);
  std::vector<Main> mains;
  for (const std::string &name : names)
    if (void *fn = dlsym(lib, (name + "_main").c_str()))
      mains.push_back(reinterpret_cast<Main>(fn));
  if (mains.size() != 1) {
    std::string found;
    for (const std::string &name : names)
      found += (found.empty() ? "" : ", ") + name;
    fprintf(stderr,
            "error: '%s' %s; was it compiled with tessera-compile "
            "--emit=lib?\n",
            argv[1],
            mains.empty() ? "has no NAME_model_info and NAME_main symbols"
                          : ("holds several models (" + found + ")").c_str());
    return 1;
  }
  // argv[1] (the library) stands in for the program name.
  return mains.front()(argc - 1, argv + 1);
}
