#pragma once
// The HTTP server: one io_context and one acceptor (SO_REUSEPORT) per worker thread, so the
// kernel spreads connections and a connection never changes thread. SIGTERM/SIGINT stop
// accepting, let requests in flight finish (bounded by server.shutdown_timeout_ms), then exit.

#include <cstdint>
#include <memory>

#include "config/snapshot_holder.hpp"
#include "observability/access_log.hpp"

namespace sluice::server {

class Server {
 public:
  Server(config::SnapshotHolder& config, observability::AccessLog& access_log);
  ~Server();

  // Binds, serves until a stop signal and the drain that follows; returns the exit code.
  // Throws if the address cannot be bound.
  int run();

 private:
  config::SnapshotHolder& config_;
  observability::AccessLog& access_log_;
};

}  // namespace sluice::server
