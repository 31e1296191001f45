#pragma once
// Delivers alert webhooks (config/alerts.hpp, docs/governance.md "Alerts") from a thread of its
// own, so no event loop waits on a receiver (one after another: a slow receiver delays the
// next alerts, never a request): submit() queues (never blocks; past kMaxQueue the
// delivery is dropped and counted), the thread POSTs each JSON body to its URL with
//   Content-Type: application/json
//   X-Sluice-Event: budget.exceeded
//   X-Sluice-Timestamp: <unix seconds>
//   X-Sluice-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>   (with a secret)
// through an upstream::Client of its own. An answer other than 2xx, or none within kTimeout, is
// tried once more after kRetryDelay, then dropped, logged and counted
// (sluice_alert_webhooks_total{outcome}).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "util/url.hpp"

namespace boost::asio {
class io_context;
}

namespace sluice::upstream {

class Client;

struct WebhookDelivery {
  util::BaseUrl url;
  std::string target;  // the path (and query) POSTed to
  std::string secret;  // HMAC-SHA256 signing key; empty: unsigned
  std::string event;
  std::string body;  // JSON
};

class WebhookSender {
 public:
  static constexpr std::size_t kMaxQueue = 1024;
  static constexpr std::chrono::milliseconds kTimeout{10'000};
  static constexpr std::chrono::milliseconds kRetryDelay{2'000};

  WebhookSender();
  // Sends what is queued (no retries; after a first failure the rest is dropped, so a stop waits
  // for one unanswered receiver at most), then stops.
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Any thread; never blocks.
  void submit(WebhookDelivery delivery);

 private:
  void run();
  // `why`: what failed, for the log (never the body or the secret).
  bool send(Client& client, boost::asio::io_context& io, const WebhookDelivery& delivery,
            std::string& why);

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<WebhookDelivery> queue_;
  bool stopping_ = false;
  std::thread sender_;
};

}  // namespace sluice::upstream
