#pragma once
// The request handler on one io_context, answering through a fake responder: for unit tests of
// whole requests (paths, policies, governance, the admin API) without sockets. Endpoints use the
// in-process mock provider. The config is YAML, with `${{ secrets.X }}` read from `env`.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <string>

#include "config/loader.hpp"
#include "pipeline/handler/handler.hpp"
#include "pipeline/paths.hpp"
#include "stores/memory/memory_counter_store.hpp"

namespace sluice::testing_support {

// Records what the handler sends.
class FakeResponder : public pipeline::Responder {
 public:
  unsigned status = 0;
  pipeline::HeaderList headers;
  std::string body;  // a whole answer, or the stream's chunks joined
  bool streamed = false;
  bool ended = false;
  bool aborted = false;

  boost::asio::awaitable<bool> send(unsigned s, pipeline::HeaderList h, std::string b) override {
    status = s;
    headers = std::move(h);
    body = std::move(b);
    co_return true;
  }
  boost::asio::awaitable<bool> start_stream(unsigned s, pipeline::HeaderList h) override {
    status = s;
    headers = std::move(h);
    streamed = true;
    co_return true;
  }
  boost::asio::awaitable<bool> send_chunk(std::string data) override {
    body += data;
    co_return true;
  }
  boost::asio::awaitable<bool> end_stream() override {
    ended = true;
    co_return true;
  }
  bool responded() const override { return status != 0; }
  void abort() override { aborted = true; }

  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return {};
  }
};

// A handler with the standard policies, plus `extra` on every endpoint (last in the chain).
class HandlerHarness {
 public:
  // `external`: run on this io_context (one a loopback upstream also serves on) instead of its own.
  explicit HandlerHarness(const char* yaml, std::shared_ptr<const pipeline::Policy> extra = nullptr,
                          std::map<std::string, std::string> env = {},
                          boost::asio::io_context* external = nullptr)
      : env_(std::move(env)),
        io(external != nullptr ? *external : own_io_),
        snapshot(config::load_string(
                     yaml, "test.yaml",
                     [this](const std::string& name) -> std::optional<std::string> {
                       auto it = env_.find(name);
                       return it == env_.end() ? std::nullopt : std::optional(it->second);
                     },
                     pipeline::is_reserved_path)
                     .value()),
        holder(snapshot),
        runtime(snapshot->governance) {
    for (const auto& row : policies::policy_rows()) rows.push_back(row);
    if (extra) {
      rows.push_back({"extra",
                      [extra](const policies::Site& site,
                              policies::Services&) -> std::shared_ptr<const pipeline::Policy> {
                        return site.endpoint != nullptr ? extra : nullptr;
                      }});
    }
    handler = std::make_unique<pipeline::Handler>(
        pipeline::HandlerEnv{holder, access_log, counters, runtime, blocking.get_executor(),
                             blocking.get_executor(), [] { return Result<void>(); }, rows},
        client);
  }

  FakeResponder send(std::string method, std::string target, std::string body = {},
                     pipeline::HeaderList headers = {}) {
    pipeline::HttpRequest http;
    http.method = std::move(method);
    http.target = std::move(target);
    http.body = std::move(body);
    http.headers = std::move(headers);
    http.remote_address = "127.0.0.1";
    FakeResponder out;
    auto done = boost::asio::co_spawn(io, handler->handle(http, out), boost::asio::use_future);
    // Until this request is answered (a loopback upstream keeps the io_context busy forever).
    io.restart();
    while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
    done.get();
    return out;
  }

 private:
  std::map<std::string, std::string> env_;
  boost::asio::io_context own_io_;

 public:
  boost::asio::io_context& io;
  config::SnapshotPtr snapshot;
  config::SnapshotHolder holder;
  observability::AccessLog access_log{""};
  stores::MemoryCounterStore counters;
  governance::Runtime runtime;
  boost::asio::thread_pool blocking{1};
  upstream::Client client{io};
  std::vector<policies::PolicyRow> rows;
  std::unique_ptr<pipeline::Handler> handler;
};

}  // namespace sluice::testing_support
