#include "upstream/span_exporter.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <iostream>

#include "observability/metrics.hpp"
#include "observability/otlp.hpp"
#include "upstream/client.hpp"

namespace sluice::upstream {

namespace asio = boost::asio;
using observability::Metrics;

SpanExporter::SpanExporter(Options options) : options_(std::move(options)) {
  for (const auto& [key, value] : options_.resource) resource_.push_back({key, value});
  sender_ = std::thread([this] { run(); });
}

SpanExporter::~SpanExporter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_one();
  if (sender_.joinable()) sender_.join();
}

void SpanExporter::submit(observability::Span span) {
  auto& metrics = Metrics::global();
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.max_queue) {
      metrics.trace_spans_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(span));
    metrics.trace_queued.fetch_add(1, std::memory_order_relaxed);
    if (queue_.size() != kMaxBatch) return;  // the sender wakes on its own every kInterval
  }
  ready_.notify_one();
}

void SpanExporter::run() {
  // One loop and client for the thread's life: batches reuse the pooled connection.
  asio::io_context io;
  Client client(io);
  std::vector<observability::Span> taken;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      ready_.wait_for(lock, kInterval, [&] { return stopping_ || queue_.size() >= kMaxBatch; });
      if (queue_.empty() && stopping_) return;
      if (queue_.empty()) continue;
      taken.swap(queue_);
    }
    auto& metrics = Metrics::global();
    bool stopping = false;
    for (std::size_t done = 0; done < taken.size(); done += kMaxBatch) {
      const std::size_t n = std::min(kMaxBatch, taken.size() - done);
      std::vector<observability::Span> batch(std::make_move_iterator(taken.begin() + done),
                                             std::make_move_iterator(taken.begin() + done + n));
      // While stopping, a collector that has failed once is not waited for again: the rest is
      // dropped, so a stop takes at most one kTimeout longer.
      const bool sent = !stopping && send(client, io, batch);
      (sent ? metrics.trace_spans_exported : metrics.trace_spans_failed)
          .fetch_add(n, std::memory_order_relaxed);
      metrics.trace_queued.fetch_sub(static_cast<std::int64_t>(n), std::memory_order_relaxed);
      if (!sent) {
        std::lock_guard lock(mutex_);
        stopping = stopping_;
      }
    }
    taken.clear();
    if (stopping) {
      std::lock_guard lock(mutex_);
      metrics.trace_spans_failed.fetch_add(queue_.size(), std::memory_order_relaxed);
      metrics.trace_queued.fetch_sub(static_cast<std::int64_t>(queue_.size()),
                                     std::memory_order_relaxed);
      queue_.clear();
      return;
    }
  }
}

bool SpanExporter::send(Client& client, asio::io_context& io,
                        const std::vector<observability::Span>& batch) {
  providers::UpstreamRequest request;
  request.target = options_.url.path.empty() ? "/" : options_.url.path;
  request.body = options_.json ? observability::otlp_json(batch, resource_, "")
                               : observability::otlp_protobuf(batch, resource_, "");
  request.headers.emplace_back("Content-Type",
                               options_.json ? "application/json" : "application/x-protobuf");
  for (const auto& h : options_.headers) request.headers.push_back(h);
  providers::Upstream upstream{options_.url, nullptr};
  UpstreamTimeouts timeouts;
  timeouts.connect = kTimeout;
  timeouts.first_byte = kTimeout;
  timeouts.total = kTimeout;
  timeouts.stream_idle = kTimeout;

  unsigned status = 0;
  std::string failure;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto exchange = co_await client.start(upstream, request, timeouts, "otel");
        if (!exchange) {
          failure = exchange.error().message;
          co_return;
        }
        status = (*exchange)->head().status;
        auto body = co_await (*exchange)->read_all(64 * 1024);  // a partial-success note at most
        if (!body) failure = body.error().message;
      },
      asio::detached);
  io.restart();
  io.run();
  if (status >= 200 && status < 300) return true;
  std::cerr << "sluice: trace export to " << options_.url.origin() << " failed ("
            << (status != 0 ? "HTTP " + std::to_string(status) : failure) << "); " << batch.size()
            << " spans dropped\n";
  return false;
}

}  // namespace sluice::upstream
