#include "observability/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace sluice::observability {
namespace {

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void metric(std::string& out, const char* name, const char* type, const char* help, double v) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + number(v) + "\n";
}

// Seconds since the epoch at which the machine booted (/proc/stat's btime); 0 if unknown.
double boot_time() {
  std::ifstream in("/proc/stat");
  std::string word;
  while (in >> word) {
    if (word == "btime") {
      double t = 0;
      in >> t;
      return t;
    }
  }
  return 0;
}

}  // namespace

void render_process_metrics(std::string& out) {
  // proc(5): the fields after the command name, which is in parentheses and may hold spaces.
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    // f[0] is field 3 (state): field n is f[n - 3].
    if (f.size() >= 22) {
      const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
      const double cpu = (std::stod(f[14 - 3]) + std::stod(f[15 - 3])) / ticks;
      metric(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent.", cpu);
      metric(out, "process_threads", "gauge", "Threads of the process.", std::stod(f[20 - 3]));
      if (const double boot = boot_time(); boot > 0)
        metric(out, "process_start_time_seconds", "gauge",
               "Start time of the process since the Unix epoch.",
               boot + std::stod(f[22 - 3]) / ticks);
      metric(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size.",
             std::stod(f[23 - 3]));
      metric(out, "process_resident_memory_bytes", "gauge", "Resident memory size.",
             std::stod(f[24 - 3]) * page);
    }
  }
  std::error_code ec;
  std::size_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++fds;
  if (!ec)
    metric(out, "process_open_fds", "gauge", "Open file descriptors.", static_cast<double>(fds));
  if (rlimit limit{}; getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    metric(out, "process_max_fds", "gauge", "The limit on open file descriptors.",
           static_cast<double>(limit.rlim_cur));
}

}  // namespace sluice::observability
