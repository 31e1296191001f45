#pragma once
// Sends finished spans to an OTLP/HTTP collector (opentelemetry.io/docs/specs/otlp/#otlphttp)
// from a thread of its own, so no event loop ever waits on a collector: requests hand spans to a
// bounded queue (submit never blocks; a full queue drops the span and counts it), and the thread
// POSTs them in batches of at most kMaxBatch every kInterval (sooner when a batch is full),
// protobuf or JSON, through an upstream::Client of its own (pooled connections, TLS, deadlines).
// A batch the collector refuses or cannot take in time is dropped and counted, not retried.
// Counts: sluice_trace_spans_total{outcome} and sluice_queue_depth{queue="traces"}.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "observability/span.hpp"
#include "providers/provider.hpp"
#include "util/url.hpp"

namespace boost::asio {
class io_context;
}

namespace sluice::upstream {

class Client;

class SpanExporter {
 public:
  static constexpr std::size_t kMaxQueue = 8192;
  static constexpr std::size_t kMaxBatch = 512;
  static constexpr std::chrono::milliseconds kInterval{1000};
  static constexpr std::chrono::milliseconds kTimeout{10'000};

  struct Options {
    util::BaseUrl url;  // the collector's traces URL (path included)
    bool json = false;  // http/json; else http/protobuf
    providers::Headers headers;
    std::vector<std::pair<std::string, std::string>> resource;  // service.name and the rest
    std::size_t max_queue = kMaxQueue;
  };

  explicit SpanExporter(Options options);
  // Sends what is queued (each batch within kTimeout; after a failure while stopping, the rest is
  // dropped), then stops.
  ~SpanExporter();
  SpanExporter(const SpanExporter&) = delete;
  SpanExporter& operator=(const SpanExporter&) = delete;

  // Any thread; never blocks.
  void submit(observability::Span span);

 private:
  void run();
  bool send(Client& client, boost::asio::io_context& io,
            const std::vector<observability::Span>& batch);

  Options options_;
  std::vector<observability::Attribute> resource_;  // views of options_.resource
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<observability::Span> queue_;
  bool stopping_ = false;
  std::thread sender_;
};

}  // namespace sluice::upstream
