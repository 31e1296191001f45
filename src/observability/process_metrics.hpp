#pragma once
// The process's own metrics in the names Prometheus client libraries use for them
// (process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds, …; see
// prometheus.io/docs/instrumenting/writing_clientlibs/#process-metrics), read from Linux's
// /proc/self at scrape time. Anything /proc cannot give is left out rather than reported as 0.

#include <string>

namespace sluice::observability {

// Appends the process metrics, with HELP and TYPE lines, to `out`. Any thread; a few syscalls.
void render_process_metrics(std::string& out);

}  // namespace sluice::observability
