#pragma once
// The HTTP server: one io_context and one acceptor (SO_REUSEPORT) per worker thread, so the
// kernel spreads connections and a connection never changes thread. SIGTERM/SIGINT stop
// accepting, let requests in flight finish (bounded by server.shutdown_timeout_ms), then exit.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "cache/response_cache.hpp"
#include "config/snapshot_holder.hpp"
#include "governance/runtime.hpp"
#include "observability/access_log.hpp"

namespace sluice::server {

// How to reload the config: SIGHUP, and (when `watch`) a change of the file at `path`.
struct Reloader {
  std::string path;
  std::function<Result<config::SnapshotPtr>()> load;
  bool watch = true;
};

class Server {
 public:
  Server(config::SnapshotHolder& config, observability::AccessLog& access_log,
         governance::Runtime& governance, Reloader reloader = {});
  ~Server();

  // Binds, serves until a stop signal and the drain that follows; returns the exit code.
  // Throws if the address cannot be bound.
  int run();

  // Loads and validates the file (and the store's objects) again; swaps it in, or keeps the old
  // config and says why. Any thread; reloads are serialised.
  Result<void> reload(const char* why);

 private:
  config::SnapshotHolder& config_;
  observability::AccessLog& access_log_;
  governance::Runtime& governance_;
  cache::ResponseCache cache_;  // the response cache's stores, across reloads
  Reloader reloader_;
  std::mutex reload_mutex_;
};

}  // namespace sluice::server
