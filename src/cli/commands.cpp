#include "cli/commands.hpp"

#include <iostream>

#include "config/loader.hpp"
#include "observability/access_log.hpp"
#include "server/server.hpp"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "0.1.0"
#endif

namespace sluice::cli {

int serve(const ServeOptions& options) {
  auto loaded = config::load_file(options.config);
  if (!loaded) {
    std::cerr << "sluice: " << loaded.error().message << "\n";
    return 1;
  }
  // Command-line flags win over the file's server section.
  auto snapshot = std::make_shared<config::Snapshot>(**loaded);
  if (options.host) snapshot->server.host = *options.host;
  if (options.port) snapshot->server.port = *options.port;
  if (options.workers) snapshot->server.workers = *options.workers;
  try {
    observability::AccessLog access_log(snapshot->server.access_log);
    config::SnapshotHolder holder(std::move(snapshot));
    server::Server server(holder, access_log);
    return server.run();
  } catch (const std::exception& e) {
    std::cerr << "sluice: " << e.what() << "\n";
    return 1;
  }
}

int check_config(const std::string& path) {
  auto loaded = config::load_file(path);
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
