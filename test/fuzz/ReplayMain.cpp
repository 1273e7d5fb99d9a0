// A deterministic stand-in for libFuzzer's main, for builds without it (the
// `make check` run): runs LLVMFuzzerTestOneInput on every file given (or in
// the directories given), then on -runs=N inputs mutated from them with a
// fixed -seed. On a crash, the input being run is written to
// `-artifact_prefix` + "crash" so that it can be replayed.
//
//   FUZZER [-runs=N] [-seed=S] [-max_len=L] [-artifact_prefix=P] FILE|DIR...
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

std::string current;
std::string artifactPath = "crash";

void onCrash(int sig) {
  int fd = open(artifactPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    ssize_t written = write(fd, current.data(), current.size());
    (void)written;
    close(fd);
  }
  const char msg[] = "fuzz replay: crash; the input is in the artifact\n";
  ssize_t written = write(2, msg, sizeof msg - 1);
  (void)written;
  signal(sig, SIG_DFL);
  raise(sig);
}

void run(const std::string &input) {
  current = input;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(current.data()),
                         current.size());
}

/// One to four of libFuzzer's simpler mutations.
std::string mutate(std::string s, std::mt19937_64 &rng, size_t maxLen) {
  auto pick = [&](size_t n) { return n ? size_t(rng() % n) : 0; };
  static const uint8_t interesting[] = {0, 1, 0x7f, 0x80, 0xff, 0x40, 0x10};
  int count = 1 + int(rng() % 4);
  for (int i = 0; i < count; ++i) {
    switch (rng() % 7) {
    case 0: // flip a bit
      if (!s.empty())
        s[pick(s.size())] ^= char(1u << (rng() % 8));
      break;
    case 1: // a random byte
      if (!s.empty())
        s[pick(s.size())] = char(rng());
      break;
    case 2: // an interesting byte (varint edges, sign bits)
      if (!s.empty())
        s[pick(s.size())] = char(interesting[rng() % sizeof interesting]);
      break;
    case 3: // insert a byte
      s.insert(s.begin() + pick(s.size() + 1), char(rng()));
      break;
    case 4: { // erase a range
      if (s.empty())
        break;
      size_t at = pick(s.size());
      s.erase(at, 1 + pick(std::min<size_t>(16, s.size() - at)));
      break;
    }
    case 5: { // copy a chunk elsewhere
      if (s.size() < 2)
        break;
      size_t from = pick(s.size()),
             len = 1 + pick(std::min<size_t>(32, s.size() - from));
      std::string chunk = s.substr(from, len);
      s.insert(pick(s.size() + 1), chunk);
      break;
    }
    default: // truncate
      if (!s.empty())
        s.resize(pick(s.size()));
      break;
    }
  }
  if (s.size() > maxLen)
    s.resize(maxLen);
  return s;
}

} // namespace

int main(int argc, char **argv) {
  long runs = 0;
  uint64_t seed = 1;
  size_t maxLen = 1 << 20;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char *flag) -> const char * {
      size_t n = strlen(flag);
      return arg.compare(0, n, flag) == 0 ? argv[i] + n : nullptr;
    };
    if (const char *v = value("-runs="))
      runs = atol(v);
    else if (const char *v = value("-seed="))
      seed = strtoull(v, nullptr, 10);
    else if (const char *v = value("-max_len="))
      maxLen = strtoull(v, nullptr, 10);
    else if (const char *v = value("-artifact_prefix="))
      artifactPath = std::string(v) + "crash";
    else if (arg[0] == '-')
      fprintf(stderr, "fuzz replay: ignoring %s\n", arg.c_str());
    else if (std::filesystem::is_directory(arg)) {
      std::vector<std::string> inDir;
      for (const auto &entry : std::filesystem::directory_iterator(arg))
        if (entry.is_regular_file())
          inDir.push_back(entry.path().string());
      std::sort(inDir.begin(), inDir.end()); // a fixed order
      files.insert(files.end(), inDir.begin(), inDir.end());
    } else {
      files.push_back(arg);
    }
  }
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL})
    signal(sig, onCrash);
  std::vector<std::string> corpus;
  for (const std::string &file : files) {
    std::ifstream in(file, std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in),
                        std::istreambuf_iterator<char>());
    run(corpus.back());
  }
  std::mt19937_64 rng(seed);
  for (long i = 0; i < runs && !corpus.empty(); ++i)
    run(mutate(corpus[rng() % corpus.size()], rng, maxLen));
  printf("fuzz replay: %zu inputs and %ld mutations (seed %llu) ran without "
         "a crash\n",
         corpus.size(), corpus.empty() ? 0 : runs, (unsigned long long)seed);
  return 0;
}
