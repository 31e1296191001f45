#pragma once
// One client connection: HTTP/1.1 keep-alive, requests answered strictly in order (so pipelined
// requests are safe), bounded header/body sizes and read times.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "config/snapshot.hpp"
#include "pipeline/handler/handler.hpp"

namespace sluice::server {

struct SessionEnv {
  pipeline::Handler& handler;
  const std::atomic<bool>& draining;  // when set, answer the current request and close
};

boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket, SessionEnv env,
                                         config::ServerConfig limits);

}  // namespace sluice::server
