#include "server/server.hpp"

#include <sys/resource.h>
#include <sys/stat.h>

#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <iostream>
#include <thread>

#include "observability/metrics.hpp"
#include "pipeline/handler/handler.hpp"
#include "server/session.hpp"
#include "stores/memory/memory_counter_store.hpp"
#include "upstream/client.hpp"
#include "upstream/span_exporter.hpp"
#include "upstream/webhook_sender.hpp"
#include "util/url.hpp"

namespace sluice::server {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

// Everything one event-loop thread owns. Members are destroyed in reverse order: the acceptor
// and handler first, the upstream pool next, and the io_context (with any suspended
// coroutines) last.
struct Worker {
  asio::io_context io{1};
  upstream::Client client{io};
  pipeline::Handler handler;
  tcp::acceptor acceptor{io};
  std::thread thread;

  explicit Worker(pipeline::HandlerEnv env) : handler(env, client) {}
};

// What identifies a version of the config file, to notice edits without inotify.
struct FileStamp {
  std::int64_t mtime_ns = 0;
  std::int64_t size = -1;
  std::uint64_t inode = 0;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return FileStamp{
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
      static_cast<std::int64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino)};
}

void log_escape(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::cerr << "sluice: connection task failed: " << ex.what() << "\n";
  } catch (...) {
    std::cerr << "sluice: connection task failed\n";
  }
}

asio::awaitable<void> accept_loop(Worker& worker, const std::atomic<bool>& draining,
                                  const config::ServerConfig& limits) {
  for (;;) {
    auto [ec, socket] = co_await worker.acceptor.async_accept(use_nothrow);
    if (ec) {
      if (!worker.acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
      // Out of file descriptors or similar: back off instead of spinning.
      asio::steady_timer pause(worker.io, std::chrono::milliseconds(50));
      co_await pause.async_wait(use_nothrow);
      continue;
    }
    asio::co_spawn(worker.io,
                   run_session(std::move(socket), SessionEnv{worker.handler, draining}, limits),
                   log_escape);
  }
}

void open_acceptor(tcp::acceptor& acceptor, const tcp::endpoint& endpoint) {
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  int one = 1;
  if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    throw std::runtime_error("cannot set SO_REUSEPORT");
  }
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
}

// The workers share the port through SO_REUSEPORT, which would just as well let a second
// sluice (a botched restart) join it and take half the connections with another config. A
// socket bound without SO_REUSEPORT fails with "address in use" while anyone serves the port,
// so one is bound first and closed before the workers bind. Port 0 becomes the port it got.
tcp::endpoint claim_port(tcp::endpoint endpoint) {
  tcp::acceptor probe(asio::system_executor{});
  probe.open(endpoint.protocol());
  probe.set_option(tcp::acceptor::reuse_address(true));  // TIME_WAIT from our own last run is fine
  boost::system::error_code ec;
  probe.bind(endpoint, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + endpoint.address().to_string() + ":" +
                             std::to_string(endpoint.port()) + ": " + ec.message() +
                             " (another process serves this port; server.reuse_port: true "
                             "shares it deliberately)");
  }
  return probe.local_endpoint();
}

// Each connection costs a descriptor, plus one per upstream connection; the usual soft limit
// of 1024 would refuse clients long before memory runs short. Raised to the hard limit.
void raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    std::cerr << "sluice: cannot raise the open-files limit above " << before << std::endl;
  }
}

// An exception that escapes a handler unwinds io_context::run(); the loop is entered again so
// one broken connection cannot take the worker (and every other connection on it) down.
void run_loop(asio::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      std::cerr << "sluice: event loop caught an exception and goes on: " << e.what() << std::endl;
    } catch (...) {
      std::cerr << "sluice: event loop caught an unknown exception and goes on" << std::endl;
    }
  }
}

// The OTLP exporter `otel` asks for, or null when tracing is off.
std::unique_ptr<upstream::SpanExporter> make_span_exporter(const config::OtelSpec& otel) {
  if (!otel.enabled) return nullptr;
  std::string why;
  auto url = util::parse_base_url(otel.traces_url, why);
  if (!url) throw std::runtime_error("otel endpoint '" + otel.traces_url + "': " + why);
  upstream::SpanExporter::Options options;
  options.url = *url;
  options.json = otel.json;
  options.max_queue = otel.max_queue;
  for (const auto& h : otel.headers) options.headers.push_back(h);
  options.resource = {{"service.name", otel.service_name},
                      {"telemetry.sdk.name", "sluice"},
                      {"telemetry.sdk.language", "cpp"}};
  for (const auto& kv : otel.resource) options.resource.push_back(kv);
  return std::make_unique<upstream::SpanExporter>(std::move(options));
}

}  // namespace

Server::Server(config::SnapshotHolder& config, observability::AccessLog& access_log,
               governance::Runtime& governance, Reloader reloader)
    : config_(config),
      access_log_(access_log),
      governance_(governance),
      cache_(config.get()->cache.memory_bytes, governance.redis(),
             config.get()->cache.semantic_memory_bytes),
      reloader_(std::move(reloader)) {}

Result<void> Server::reload(const char* why) {
  if (!reloader_.load)
    return Error::make(ErrorCode::kNotImplemented, "this server has no config file to reload");
  std::lock_guard lock(reload_mutex_);  // SIGHUP, the file watch and the admin API may race
  auto next = reloader_.load();
  if (!next) {
    std::cerr << "sluice: reload (" << why
              << ") failed, still serving the previous config: " << next.error().message
              << std::endl;
    return next.error();
  }
  cache_.set_memory_bytes((*next)->cache.memory_bytes, (*next)->cache.semantic_memory_bytes);
  if (!((*next)->governance.request_log == config_.get()->governance.request_log))
    std::cerr << "sluice: reload: changes to request_log: take effect at the next start"
              << std::endl;
  if (!((*next)->otel == config_.get()->otel))
    std::cerr << "sluice: reload: turning tracing on or off and changes to the collector, "
                 "protocol or headers take effect at the next start; sample_ratio and "
                 "capture_content now"
              << std::endl;
  config_.set(std::move(*next));
  std::cerr << "sluice: reloaded " << reloader_.path << " (" << why << ")" << std::endl;
  return {};
}

Server::~Server() = default;

int Server::run() {
  // The file as it is now is the baseline for the watch. Taken first thing: an edit made once
  // "listening" is printed must count as a change, not become the baseline.
  FileStamp last = reloader_.watch ? stamp(reloader_.path) : FileStamp{};
  // Signal handlers go in first: a SIGTERM that arrives once "listening" is printed must drain,
  // not kill the process with the default action.
  asio::io_context main_io;
  asio::signal_set signals(main_io, SIGINT, SIGTERM, SIGHUP);
  const auto snapshot = config_.get();
  const config::ServerConfig& server = snapshot->server;
  unsigned count =
      server.workers != 0 ? server.workers : std::max(1u, std::thread::hardware_concurrency());

  asio::io_context resolve_io;
  tcp::resolver resolver(resolve_io);
  auto results = resolver.resolve(server.host, std::to_string(server.port));
  tcp::endpoint endpoint = results.begin()->endpoint();
  if (!server.reuse_port) endpoint = claim_port(endpoint);
  raise_open_files_limit();

  std::atomic<bool> draining{false};
  stores::MemoryCounterStore counters;
  // Blocking work requested from a request (the admin API's reload) runs here, off the loops.
  asio::thread_pool blocking(1);
  // CPU-heavy work a request asks for (a large tokenization) runs here, so no event loop waits.
  asio::thread_pool cpu(1);
  pipeline::HandlerEnv env{config_,
                           access_log_,
                           counters,
                           governance_,
                           blocking.get_executor(),
                           cpu.get_executor(),
                           [this] { return reload("admin API"); }};
  env.cache = &cache_;
  // Traces go out from a thread of their own; declared before the workers, so it outlives them
  // and sends what they left queued when it is destroyed.
  std::unique_ptr<upstream::SpanExporter> spans = make_span_exporter(snapshot->otel);
  env.spans = spans.get();
  // Alert webhooks too (`alerts:`, read per alert from the snapshot of its request).
  upstream::WebhookSender alerts;
  env.alerts = &alerts;
  // The console's sign-ins, shared by the workers.
  admin::ConsoleSessions sessions;
  env.sessions = &sessions;
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < count; ++i) {
    auto worker = std::make_unique<Worker>(env);
    open_acceptor(worker->acceptor, endpoint);
    if (i == 0)
      endpoint = worker->acceptor.local_endpoint();  // port 0: the others share the chosen one
    workers.push_back(std::move(worker));
  }
  for (auto& worker : workers) {
    asio::co_spawn(worker->io, accept_loop(*worker, draining, server), log_escape);
    worker->thread = std::thread([w = worker.get()] { run_loop(w->io); });
  }
  std::cerr << "sluice listening on http://" << endpoint.address().to_string() << ":"
            << endpoint.port() << " (" << count << " worker" << (count == 1 ? "" : "s") << ", "
            << snapshot->endpoints.size() << " endpoint"
            << (snapshot->endpoints.size() == 1 ? "" : "s") << ")" << std::endl;

  // The main thread waits for signals and watches the config file; reloads are parsed and
  // validated here, off the event loops, then swapped in atomically.
  asio::steady_timer watch(main_io);
  int received = 0;
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        reload("SIGHUP");
        wait_signal();
        return;
      }
      received = signal;
      watch.cancel();
    });
  };
  wait_signal();
  std::function<void()> watch_file = [&] {
    watch.expires_after(std::chrono::milliseconds(500));
    watch.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      FileStamp now = stamp(reloader_.path);
      if (now != last) {
        last = now;
        if (now.size >= 0) reload("file changed");
      }
      watch_file();
    });
  };
  if (reloader_.watch) watch_file();
  main_io.run();

  std::cerr << "sluice: signal " << received << ", draining" << std::endl;
  draining.store(true);
  for (auto& worker : workers) {
    asio::post(worker->io, [w = worker.get()] {
      boost::system::error_code ignored;
      w->acceptor.close(ignored);
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + server.shutdown_timeout;
  auto& in_flight = observability::Metrics::global().in_flight;
  while (in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (in_flight.load() > 0) {
    std::cerr << "sluice: " << in_flight.load()
              << " request(s) still running at the shutdown deadline" << std::endl;
  }
  for (auto& worker : workers) worker->io.stop();
  for (auto& worker : workers) worker->thread.join();
  // The pools first: a task still running there reads from a request whose coroutine frame the
  // workers' io_contexts own, and posts its completion to them.
  blocking.join();
  cpu.join();
  workers.clear();
  std::cerr << "sluice: stopped" << std::endl;
  return 0;
}

}  // namespace sluice::server
