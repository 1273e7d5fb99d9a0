// Per-kernel profile: with TESSERA_PROFILE=FILE.json set, compiled models
// record one event per kernel call (generated kernels, runtime GEMMs,
// attention, ...; tessera-profile-kernels instruments the calls) and, at
// exit, write a Chrome-trace file (chrome://tracing, ui.perfetto.dev) and
// print the kernels with the most total time on stderr. Without the variable
// each call costs one predictable branch.
#include "tessera_runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Event {
  const char *label; // "KERNEL|onnx node,onnx node"
  int64_t startNs, durNs;
  uint64_t thread;
};

const char *tracePath() {
  const char *path = getenv("TESSERA_PROFILE");
  return path && *path ? path : nullptr;
}

const bool enabled = tracePath() != nullptr;
constexpr size_t maxEvents = 1 << 22;

std::mutex eventsMutex;
std::vector<Event> *events = nullptr;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void writeJsonString(FILE *out, const char *s, size_t n) {
  fputc('"', out);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = s[i];
    if (c == '"' || c == '\\')
      fprintf(out, "\\%c", c);
    else if (c < 0x20)
      fprintf(out, "\\u%04x", c);
    else
      fputc(c, out);
  }
  fputc('"', out);
}

void writeTrace() {
  std::lock_guard<std::mutex> lock(eventsMutex);
  if (!events || events->empty())
    return;
  const char *path = tracePath();
  FILE *out = fopen(path, "w");
  if (!out) {
    fprintf(stderr, "tessera: cannot write the profile '%s'\n", path);
    return;
  }
  int64_t origin = events->front().startNs;
  std::map<uint64_t, int> tids;
  std::map<std::string, std::pair<int64_t, int64_t>> totals; // ns, calls
  int64_t all = 0;
  fprintf(out, "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n");
  for (size_t i = 0; i < events->size(); ++i) {
    const Event &e = (*events)[i];
    const char *bar = strchr(e.label, '|');
    size_t nameLen = bar ? size_t(bar - e.label) : strlen(e.label);
    int tid = tids.emplace(e.thread, (int)tids.size() + 1).first->second;
    fprintf(out, "%s{\"name\": ", i ? ",\n" : "");
    writeJsonString(out, e.label, nameLen);
    fprintf(out,
            ", \"cat\": \"kernel\", \"ph\": \"X\", \"ts\": %.3f, \"dur\": %.3f, "
            "\"pid\": 1, \"tid\": %d, \"args\": {\"onnx_nodes\": ",
            (e.startNs - origin) / 1e3, e.durNs / 1e3, tid);
    writeJsonString(out, bar ? bar + 1 : "", bar ? strlen(bar + 1) : 0);
    fprintf(out, "}}");
    auto &t = totals[std::string(e.label, nameLen)];
    t.first += e.durNs;
    t.second += 1;
    all += e.durNs;
  }
  fprintf(out, "\n]}\n");
  fclose(out);

  std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> top(
      totals.begin(), totals.end());
  std::sort(top.begin(), top.end(), [](const auto &a, const auto &b) {
    return a.second.first > b.second.first;
  });
  fprintf(stderr,
          "tessera: profile of %zu kernel calls written to %s; top kernels "
          "by total time:\n",
          events->size(), path);
  for (size_t i = 0; i < top.size() && i < 10; ++i)
    fprintf(stderr, "  %6.2f%% %10.3f ms %7lld calls  %s\n",
            all ? 100.0 * top[i].second.first / all : 0.0,
            top[i].second.first / 1e6, (long long)top[i].second.second,
            top[i].first.c_str());
}

} // namespace

extern "C" {

int64_t tessera_profile_begin(const char *label) {
  (void)label;
  return enabled ? nowNs() : 0;
}

void tessera_profile_end(const char *label, int64_t start) {
  if (!enabled)
    return;
  int64_t end = nowNs();
  std::lock_guard<std::mutex> lock(eventsMutex);
  if (!events) {
    events = new std::vector<Event>();
    atexit(writeTrace);
  }
  if (events->size() < maxEvents)
    events->push_back(
        {label, start, end - start,
         std::hash<std::thread::id>()(std::this_thread::get_id())});
}

} // extern "C"
