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
Result<config::SnapshotPtr> load_with_overrides(const ServeOptions& options,
                                                const config::StoredConfig* stored) {
  auto loaded =
      config::load_file(options.config, config::process_env, pipeline::is_reserved_path, stored);
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
  // The file is read once to find the store, then again with what the store keeps (endpoints,
  // routes and secrets made through the admin API): that second snapshot is the one served.
  config::StoredConfig placeholders;
  placeholders.placeholder_secrets = true;
  auto boot = load_with_overrides(options, &placeholders);
  if (!boot) {
    std::cerr << "sluice: " << boot.error().message << "\n";
    return 1;
  }
  try {
    governance::Runtime governance((*boot)->governance);
    auto load = [options, &governance] {
      return load_with_overrides(options, governance.stored_config().get());
    };
    auto snapshot = load();
    if (!snapshot) {
      std::cerr << "sluice: " << snapshot.error().message << "\n";
      return 1;
    }
    observability::AccessLog access_log((*snapshot)->server.access_log);
    const bool watch = (*snapshot)->server.watch_config;
    config::SnapshotHolder holder(std::move(*snapshot));
    server::Reloader reloader{options.config, load, watch};
    server::Server server(holder, access_log, governance, std::move(reloader));
    governance.set_control_hooks({[options](const config::StoredConfig& stored) {
                                    return load_with_overrides(options, &stored);
                                  },
                                  [&server] { server.reload("store changed"); }});
    const int code = server.run();
    governance.set_control_hooks({});  // the watcher must not reach the server once it is gone
    return code;
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
