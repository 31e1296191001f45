#include "upstream/webhook_sender.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <iostream>

#include "observability/metrics.hpp"
#include "upstream/client.hpp"
#include "util/key_secret.hpp"

namespace sluice::upstream {

namespace asio = boost::asio;
using observability::Metrics;

WebhookSender::WebhookSender() {
  sender_ = std::thread([this] { run(); });
}

WebhookSender::~WebhookSender() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_one();
  if (sender_.joinable()) sender_.join();
}

void WebhookSender::submit(WebhookDelivery delivery) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueue) {
      Metrics::global().alert_webhooks_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(delivery));
  }
  ready_.notify_one();
}

void WebhookSender::run() {
  asio::io_context io;
  Client client(io);
  bool given_up = false;  // stopping, and a receiver already failed: the rest is dropped
  for (;;) {
    WebhookDelivery next;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // (stopping, nothing left)
      next = std::move(queue_.front());
      queue_.pop_front();
      stopping = stopping_;
    }
    auto& metrics = Metrics::global();
    if (given_up) {
      metrics.alert_webhooks_failed.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    std::string why;
    bool sent = send(client, io, next, why);
    if (!sent && !stopping) {
      std::unique_lock lock(mutex_);
      // Once more after a pause (not while stopping: a stop waits for one attempt at most).
      if (!ready_.wait_for(lock, kRetryDelay, [&] { return stopping_; })) {
        lock.unlock();
        sent = send(client, io, next, why);
      }
    }
    (sent ? metrics.alert_webhooks_sent : metrics.alert_webhooks_failed)
        .fetch_add(1, std::memory_order_relaxed);
    if (!sent) {
      std::cerr << "sluice: alert webhook " << next.event << " to " << next.url.origin()
                << " was not delivered (" << why << "); dropped\n";
      std::lock_guard lock(mutex_);
      given_up = stopping_;
    }
  }
}

bool WebhookSender::send(Client& client, asio::io_context& io, const WebhookDelivery& delivery,
                         std::string& why) {
  providers::UpstreamRequest request;
  request.target = delivery.target;
  request.body = delivery.body;
  request.headers.emplace_back("Content-Type", "application/json");
  request.headers.emplace_back("X-Sluice-Event", delivery.event);
  const std::string ts = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
  request.headers.emplace_back("X-Sluice-Timestamp", ts);
  if (!delivery.secret.empty()) {
    // The timestamp is signed with the body, so a captured delivery cannot be replayed later
    // under a fresh timestamp.
    request.headers.emplace_back(
        "X-Sluice-Signature",
        "sha256=" + util::hash_secret(delivery.secret, ts + "." + delivery.body));
  }
  providers::Upstream upstream{delivery.url, nullptr};
  UpstreamTimeouts timeouts;
  timeouts.connect = kTimeout;
  timeouts.first_byte = kTimeout;
  timeouts.total = kTimeout;
  timeouts.stream_idle = kTimeout;
  unsigned status = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto exchange = co_await client.start(upstream, request, timeouts, "alert");
        if (!exchange) {
          why = exchange.error().message;
          co_return;
        }
        status = (*exchange)->head().status;
        co_await (*exchange)->read_all(64 * 1024);  // (the answer's body is not read further)
      },
      asio::detached);
  io.restart();
  io.run();
  if (status != 0 && (status < 200 || status >= 300)) why = "HTTP " + std::to_string(status);
  return status >= 200 && status < 300;
}

}  // namespace sluice::upstream
