#include "cli/commands.hpp"

#include <iostream>

#include "config/loader.hpp"
#include "governance/runtime.hpp"
#include "observability/access_log.hpp"
#include "pipeline/paths.hpp"
#include "providers/common/sse_parser.hpp"
#include "server/server.hpp"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "0.1.0"
#endif

namespace sluice::cli {

namespace {

// The file's config with the command line's overrides on top (they win over the file, and stay
// in force across reloads).
Result<config::SnapshotPtr> load_with_overrides(const ServeOptions& options) {
  auto loaded = config::load_file(options.config, config::process_env, pipeline::is_reserved_path);
  if (!loaded) return loaded.error();
  auto snapshot = std::make_shared<config::Snapshot>(**loaded);
  if (options.host) snapshot->server.host = *options.host;
  if (options.port) snapshot->server.port = *options.port;
  if (options.workers) snapshot->server.workers = *options.workers;
  // Stream parsers created from now on hold at most this much of one event.
  providers::common::set_max_event_bytes(snapshot->server.upstream_max_event_bytes);
  return config::SnapshotPtr(std::move(snapshot));
}

}  // namespace

int serve(const ServeOptions& options) {
  auto snapshot = load_with_overrides(options);
  if (!snapshot) {
    std::cerr << "sluice: " << snapshot.error().message << "\n";
    return 1;
  }
  try {
    observability::AccessLog access_log((*snapshot)->server.access_log);
    const bool watch = (*snapshot)->server.watch_config;
    governance::Runtime governance((*snapshot)->governance);
    config::SnapshotHolder holder(std::move(*snapshot));
    server::Reloader reloader{options.config, [options] { return load_with_overrides(options); },
                              watch};
    server::Server server(holder, access_log, governance, std::move(reloader));
    return server.run();
  } catch (const std::exception& e) {
    std::cerr << "sluice: " << e.what() << "\n";
    return 1;
  }
}

int check_config(const std::string& path) {
  auto loaded = config::load_file(path, config::process_env, pipeline::is_reserved_path);
  if (!loaded) {
    std::cerr << "sluice: " << loaded.error().message << "\n";
    return 1;
  }
  std::cout << config::describe(**loaded);
  return 0;
}

int version() {
  std::cout << "sluice " << SLUICE_VERSION << "\n";
  return 0;
}

}  // namespace sluice::cli
