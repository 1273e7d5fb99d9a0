// Runs a compiled model: memref descriptors for tessera_run, and the command
// line of compiled executables (tessera_main: .npy in, .npy out, --bench).
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <vector>

using tessera::setError;

namespace {

// A memref descriptor {allocated, aligned, offset, sizes[rank], strides[rank]}
// laid out as 64-bit words (pointers are 64-bit on every target we build).
static_assert(sizeof(void *) == sizeof(int64_t), "64-bit targets only");

std::vector<int64_t> makeDescriptor(const void *data,
                                    const tessera_tensor_info &info) {
  std::vector<int64_t> desc(3 + 2 * (size_t)info.rank);
  memcpy(&desc[0], &data, sizeof(void *));
  memcpy(&desc[1], &data, sizeof(void *));
  desc[2] = 0;
  int64_t stride = 1;
  for (int32_t i = info.rank - 1; i >= 0; --i) {
    desc[3 + i] = info.shape[i];
    desc[3 + info.rank + i] = stride;
    stride *= info.shape[i];
  }
  return desc;
}

double nowMs() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch())
      .count();
}

bool profiling() { return tessera::envSwitch("TESSERA_PROFILE", false); }

std::string describe(const tessera_tensor_info &info) {
  char shape[512];
  tessera::formatShape(shape, sizeof(shape), info.rank, info.shape);
  return std::string(info.name) + " " + shape + " " +
         tessera_dtype_name(info.dtype);
}

} // namespace

extern "C" tessera_status tessera_run(const tessera_model_info *model,
                                      const void *const *inputs,
                                      void *const *outputs) {
  if (!model || !model->entry)
    return setError(TESSERA_ERR_INVALID_ARGUMENT, "tessera_run: null model");
  if (model->prepare)
    if (tessera_status status = model->prepare(); status != TESSERA_OK)
      return status;
  int total = model->num_inputs + model->num_outputs;
  std::vector<std::vector<int64_t>> descs;
  descs.reserve(total);
  for (int i = 0; i < model->num_inputs; ++i) {
    if (!inputs || !inputs[i])
      return setError(TESSERA_ERR_INVALID_ARGUMENT,
                      "tessera_run: input '%s' is null",
                      model->inputs[i].name);
    descs.push_back(makeDescriptor(inputs[i], model->inputs[i]));
  }
  for (int i = 0; i < model->num_outputs; ++i) {
    if (!outputs || !outputs[i])
      return setError(TESSERA_ERR_INVALID_ARGUMENT,
                      "tessera_run: output '%s' is null",
                      model->outputs[i].name);
    descs.push_back(makeDescriptor(outputs[i], model->outputs[i]));
  }
  std::vector<void *> ptrs;
  for (std::vector<int64_t> &desc : descs)
    ptrs.push_back(desc.data());
  static const bool profile = profiling();
  static std::atomic<int> runs{0};
  double start = profile ? nowMs() : 0;
  model->entry(ptrs.data());
  if (model->finish)
    if (tessera_status status = model->finish(); status != TESSERA_OK)
      return status;
  if (profile)
    fprintf(stderr, "tessera: run %d: %.3f ms (%d threads)\n", runs++,
            nowMs() - start, tessera::numThreads());
  return TESSERA_OK;
}

namespace {

struct Options {
  std::vector<std::pair<std::string, std::string>> inputs; // name, file
  std::string outputDir = ".";
  long bench = 0;
  long threads = 0;
};

int fail(const char *fmt, const char *a = "", const char *b = "",
         const char *c = "") {
  fprintf(stderr, "error: ");
  fprintf(stderr, fmt, a, b, c);
  fputc('\n', stderr);
  return 1;
}

void printModel(FILE *out, const tessera_model_info *model) {
  fprintf(out, "inputs:\n");
  for (int i = 0; i < model->num_inputs; ++i)
    fprintf(out, "  %s\n", describe(model->inputs[i]).c_str());
  fprintf(out, "outputs:\n");
  for (int i = 0; i < model->num_outputs; ++i)
    fprintf(out, "  %s\n", describe(model->outputs[i]).c_str());
}

void usage(FILE *out, const char *prog, const tessera_model_info *model) {
  fprintf(out,
          "usage: %s [--input NAME=FILE.npy]... [--output-dir DIR] "
          "[--bench N] [--threads N]\n",
          prog);
  printModel(out, model);
}

bool parsePositive(const char *text, long *value) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end || v <= 0)
    return false;
  *value = v;
  return true;
}

// Parses argv into opts; returns -1 to go on, else an exit code.
int parseArgs(const tessera_model_info *model, int argc, char **argv,
              Options &opts) {
  const char *prog = argc > 0 ? argv[0] : "tessera-model";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      usage(stdout, prog, model);
      return 0;
    }
    std::string flag = arg, value;
    bool hasValue = false;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 &&
                                   eq != std::string::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      hasValue = true;
    }
    if (flag != "--input" && flag != "--output-dir" && flag != "--bench" &&
        flag != "--threads") {
      usage(stderr, prog, model);
      return fail("unknown argument '%s'", arg.c_str());
    }
    if (!hasValue) {
      if (i + 1 >= argc)
        return fail("%s needs a value", flag.c_str());
      value = argv[++i];
    }
    if (flag == "--input") {
      size_t eq = value.find('=');
      if (eq == std::string::npos || eq == 0)
        return fail("--input expects NAME=FILE.npy, got '%s'", value.c_str());
      opts.inputs.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else if (flag == "--output-dir") {
      opts.outputDir = value;
    } else if (!parsePositive(value.c_str(), flag == "--bench"
                                                 ? &opts.bench
                                                 : &opts.threads)) {
      return fail("%s expects a positive integer, got '%s'", flag.c_str(),
                  value.c_str());
    }
  }
  return -1;
}

std::string modelInputsList(const tessera_model_info *model) {
  std::string list;
  for (int i = 0; i < model->num_inputs; ++i)
    list += (i ? ", " : "") + describe(model->inputs[i]);
  return list.empty() ? "(none)" : list;
}

// Reads and checks every input; returns -1 on success, else the exit code.
int loadInputs(const tessera_model_info *model, const Options &opts,
               std::vector<tessera_npy> &loaded) {
  std::vector<const char *> files(model->num_inputs, nullptr);
  for (const auto &[name, file] : opts.inputs) {
    int index = -1;
    for (int i = 0; i < model->num_inputs; ++i)
      if (name == model->inputs[i].name)
        index = i;
    if (index < 0)
      return fail("unknown input '%s' (--input %s=...); the model's inputs "
                  "are: %s",
                  name.c_str(), name.c_str(), modelInputsList(model).c_str());
    if (files[index])
      return fail("input '%s' given twice", name.c_str());
    files[index] = file.c_str();
  }
  for (int i = 0; i < model->num_inputs; ++i) {
    const tessera_tensor_info &info = model->inputs[i];
    if (!files[i])
      return fail("input '%s' not given (expected %s; pass --input %s=FILE.npy)",
                  info.name, describe(info).c_str(), info.name);
    tessera_npy &npy = loaded[i];
    if (tessera_npy_read(files[i], &npy) != TESSERA_OK)
      return fail("input '%s': %s", info.name, tessera_status_message());
    char expected[512], found[512];
    tessera::formatShape(expected, sizeof(expected), info.rank, info.shape);
    tessera::formatShape(found, sizeof(found), npy.rank, npy.shape);
    if (info.dtype == TESSERA_BF16 && npy.dtype == TESSERA_U16)
      npy.dtype = TESSERA_BF16; // bfloat16 bits travel as <u2
    if (npy.dtype != info.dtype) {
      fprintf(stderr,
              "error: input '%s': expected dtype %s, found %s in '%s'\n",
              info.name, tessera_dtype_name(info.dtype),
              tessera_dtype_name(npy.dtype), files[i]);
      return 1;
    }
    bool sameShape = npy.rank == info.rank &&
                     std::equal(info.shape, info.shape + info.rank, npy.shape);
    if (!sameShape) {
      fprintf(stderr,
              "error: input '%s': expected shape %s, found %s in '%s'\n",
              info.name, expected, found, files[i]);
      return 1;
    }
  }
  return -1;
}

bool makeDirs(const std::string &dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/')
      continue;
    std::string prefix = dir.substr(0, pos);
    if (mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST)
      return false;
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0)
    return false;
  errno = ENOTDIR;
  return S_ISDIR(st.st_mode);
}

// ONNX names may contain '/', which must not become a path component.
std::string outputFileName(const char *name) {
  std::string file = name;
  std::replace(file.begin(), file.end(), '/', '_');
  return file + ".npy";
}

int runAndReport(const tessera_model_info *model, const Options &opts,
                 const std::vector<tessera_npy> &loaded,
                 const std::vector<void *> &outputs) {
  std::vector<const void *> inputs;
  for (const tessera_npy &npy : loaded)
    inputs.push_back(npy.data);
  auto once = [&] {
    if (tessera_run(model, inputs.data(), outputs.data()) != TESSERA_OK) {
      fprintf(stderr, "error: %s\n", tessera_status_message());
      return false;
    }
    return true;
  };
  if (!once())
    return 1;
  if (opts.bench > 0) {
    const int warmup = 2;
    for (int i = 0; i < warmup; ++i)
      once();
    std::vector<double> times;
    for (long i = 0; i < opts.bench; ++i) {
      double start = nowMs();
      once();
      times.push_back(nowMs() - start);
    }
    double sum = 0;
    for (double t : times)
      sum += t;
    std::vector<double> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    size_t n = sorted.size();
    double median = n % 2 ? sorted[n / 2]
                          : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    printf("{\"median_ms\": %.4f, \"mean_ms\": %.4f, \"min_ms\": %.4f, "
           "\"max_ms\": %.4f, \"iters\": %ld, \"warmup\": %d, "
           "\"threads\": %d}\n",
           median, sum / n, sorted.front(), sorted.back(), opts.bench, warmup,
           tessera::numThreads());
    fflush(stdout);
  }
  if (!makeDirs(opts.outputDir))
    return fail("cannot create output directory '%s': %s",
                opts.outputDir.c_str(), strerror(errno));
  for (int i = 0; i < model->num_outputs; ++i) {
    const tessera_tensor_info &info = model->outputs[i];
    std::string path = opts.outputDir + "/" + outputFileName(info.name);
    if (tessera_npy_write(path.c_str(), info.dtype, info.rank, info.shape,
                          outputs[i]) != TESSERA_OK)
      return fail("output '%s': %s", info.name, tessera_status_message());
  }
  return 0;
}

} // namespace

extern "C" int tessera_main(const tessera_model_info *model, int argc,
                            char **argv) {
  if (!model)
    return fail("no model");
  Options opts;
  if (int code = parseArgs(model, argc, argv, opts); code >= 0)
    return code;
  if (opts.threads > 0)
    tessera_set_num_threads((int)opts.threads);
  if (model->prepare && model->prepare() != TESSERA_OK)
    return fail("%s", tessera_status_message());
  std::vector<tessera_npy> loaded(model->num_inputs);
  std::vector<void *> outputs(model->num_outputs, nullptr);
  int code = loadInputs(model, opts, loaded);
  if (code < 0) {
    for (int i = 0; i < model->num_outputs && code < 0; ++i) {
      size_t nbytes = tessera_tensor_nbytes(&model->outputs[i]);
      outputs[i] = tessera_alloc(nbytes);
      if (!outputs[i])
        code = fail("out of memory for output '%s'", model->outputs[i].name);
      else
        memset(outputs[i], 0, nbytes);
    }
  }
  if (code < 0)
    code = runAndReport(model, opts, loaded, outputs);
  for (tessera_npy &npy : loaded)
    tessera_npy_free(&npy);
  for (void *out : outputs)
    tessera_free(out);
  return code;
}
