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
  placeholders.governance_only = true;
  auto boot = load_with_overrides(options, &placeholders);
  if (!boot) {
    std::cerr << "sluice: " << boot.error().message << "\n";
    return 1;
  }
  try {
    governance::Runtime governance((*boot)->governance);
    // What is served: a stored object that no longer loads is left out and said on stderr.
    auto load = [options, &governance]() -> Result<config::SnapshotPtr> {
      config::StoredConfig stored = *governance.stored_config();
      stored.skip_broken = true;
      auto loaded = load_with_overrides(options, &stored);
      if (loaded) {
        for (const auto& w : (*loaded)->warnings)
          std::cerr << "sluice: left out of the config: " << w << std::endl;
      }
      return loaded;
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
    // The watcher must not reach the server once it is gone, however run() ends.
    struct Unhook {
      governance::Runtime& g;
      ~Unhook() { g.set_control_hooks({}); }
    } unhook{governance};
    const auto served = governance.stored_config();
    governance.set_control_hooks({[options](const config::StoredConfig& stored) {
                                    return load_with_overrides(options, &stored);
                                  },
                                  [&server] { server.reload("store changed"); }});
    // A change the watcher read between the load above and the hooks: served now.
    if (governance.stored_config() != served) server.reload("store changed");
    return server.run();
  } catch (const std::exception& e) {
    std::cerr << "sluice: " << e.what() << "\n";
    return 1;
  }
}

int check_config(const std::string& path) {
  // The file alone: no store is opened, so `{secret: NAME}` references are not checked.
  config::StoredConfig none;
  none.placeholder_secrets = true;
  auto loaded = config::load_file(path, config::process_env, pipeline::is_reserved_path, &none);
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
