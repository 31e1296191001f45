#pragma once
// The upstream HTTP client: one per worker thread (so its connection pool needs no lock).
// Keeps idle keep-alive connections per origin (scheme, host, port), verifies TLS certificates
// against the system CA store, and bounds every phase with a deadline: connect, first byte,
// stream idle, and the total. In-process upstreams (mock) are played back through the same
// interface with the same deadlines.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string_view>

#include "model/error.hpp"
#include "providers/provider.hpp"
#include "upstream/timeouts.hpp"

namespace boost::asio {
class io_context;
}

namespace sluice::upstream {

// One upstream response being read. Destroying it before the body has been read to the end
// closes the connection instead of returning it to the pool (that is how a client disconnect
// cancels the upstream call).
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const providers::UpstreamHead& head() const = 0;
  // The next piece of the body; an empty view at the end. Valid until the next call.
  virtual boost::asio::awaitable<Result<std::string_view>> read_some() = 0;
  // Reads must also finish by `until` (the router's stream warm-up: first content within the
  // first-byte timeout); time_point::max() lifts it. A read that runs past it fails as a timeout.
  void set_read_deadline(std::chrono::steady_clock::time_point until) { read_deadline_ = until; }
  // The rest of the body, at most `limit` bytes.
  boost::asio::awaitable<Result<std::string>> read_all(std::size_t limit);

 protected:
  std::chrono::steady_clock::time_point read_deadline_ =
      std::chrono::steady_clock::time_point::max();
};

class Client {
 public:
  explicit Client(boost::asio::io_context& io);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends the request and reads the response head. `provider` names the provider in errors.
  boost::asio::awaitable<Result<std::unique_ptr<Exchange>>> start(
      const providers::Upstream& upstream, const providers::UpstreamRequest& request,
      const UpstreamTimeouts& timeouts, std::string_view provider);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;  // shared so exchanges can tell when it is gone
};

}  // namespace sluice::upstream
