#include "upstream/client.hpp"

#include <openssl/ssl.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <optional>
#include <unordered_map>

#include "observability/metrics.hpp"
#include "upstream/response_head.hpp"
#include "util/json_numbers.hpp"

namespace sluice::upstream {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

asio::awaitable<Result<std::string>> Exchange::read_all(std::size_t limit) {
  std::string body;
  for (;;) {
    auto piece = co_await read_some();
    if (!piece) co_return piece.error();
    if (piece->empty()) co_return body;
    if (body.size() + piece->size() > limit) {
      co_return Error::make(ErrorCode::kUpstreamUnavailable,
                            "provider response is larger than the gateway accepts");
    }
    body.append(*piece);
  }
}

namespace {

constexpr std::size_t kMaxIdlePerOrigin = 64;

constexpr auto kMaxIdleAge = std::chrono::seconds(30);  // below common server keep-alive timeouts

Error failure(ErrorCode code, std::string message, std::string_view provider) {
  Error e = Error::make(code, std::move(message));
  e.provider = provider;
  return e;
}

// A pooled connection: plain TCP or TLS over TCP.
struct Connection {
  std::string origin;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer{kMaxReadBuffer};
  std::array<char, 16384> body_buffer;  // body pieces land here; reused for the connection's life
  Clock::time_point idle_since;

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Runs `f(stream)` on whichever stream this connection has.
  template <class F>
  auto with_stream(F&& f) {
    return tls ? f(*tls) : f(*plain);
  }
};

// The request line and headers, written by hand: one string and one write, rather than Beast's
// per-field allocations. Header values come from config and adapters; a CR or LF in one would
// split the request, so it is refused (naming the header, never the value).
Result<std::string> serialize_head(const providers::UpstreamRequest& request,
                                   const util::BaseUrl& url, std::size_t body_size) {
  std::string head;
  head.reserve(256);
  head.append(request.method).append(" ").append(request.target).append(" HTTP/1.1\r\nHost: ");
  const bool ipv6 = url.host.find(':') != std::string::npos;
  if (ipv6) head += '[';
  head += url.host;
  if (ipv6) head += ']';
  if (url.port != (url.tls() ? 443 : 80)) head.append(":").append(std::to_string(url.port));
  head += "\r\nUser-Agent: sluice/0.1\r\n";
  for (const auto& [name, value] : request.headers) {
    if (name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return Error::make(ErrorCode::kInternal,
                         "provider request header '" + name + "' has an invalid value");
    }
    head.append(name).append(": ").append(value).append("\r\n");
  }
  head.append("Content-Length: ").append(std::to_string(body_size)).append("\r\n\r\n");
  return head;
}

// Remaining time until `deadline`, capped at `phase`.
Clock::duration bounded(Clock::duration phase, Clock::time_point deadline) {
  auto left = deadline - Clock::now();
  if (left < Clock::duration::zero()) left = Clock::duration::zero();
  return std::min(phase, left);
}

}  // namespace

struct Client::Impl {
  asio::io_context& io;
  // Built on first use: loading the system CA store costs memory a plain-HTTP gateway never needs.
  std::optional<asio::ssl::context> tls_context;
  tcp::resolver resolver{io};
  std::unordered_map<std::string, std::deque<std::unique_ptr<Connection>>> idle;

  explicit Impl(asio::io_context& ctx) : io(ctx) {}

  asio::ssl::context& tls() {
    if (!tls_context) {
      tls_context.emplace(asio::ssl::context::tls_client);
      tls_context->set_verify_mode(asio::ssl::verify_peer);
      tls_context->set_default_verify_paths();
    }
    return *tls_context;
  }

  std::unique_ptr<Connection> take_idle(const std::string& origin) {
    auto it = idle.find(origin);
    if (it == idle.end()) return nullptr;
    auto& list = it->second;
    while (!list.empty()) {
      auto conn = std::move(list.back());
      list.pop_back();
      // Bytes that arrived while it sat idle (a late stray body, an unasked-for answer) would
      // become the next caller's answer: such a connection is closed instead.
      boost::system::error_code ec;
      const bool quiet = conn->tcp().socket().available(ec) == 0 && !ec &&
                         (!conn->tls || SSL_pending(conn->tls->native_handle()) == 0);
      if (Clock::now() - conn->idle_since < kMaxIdleAge && conn->tcp().socket().is_open() && quiet)
        return conn;
    }
    return nullptr;
  }

  void give_back(std::unique_ptr<Connection> conn) {
    auto& list = idle[conn->origin];
    if (list.size() >= kMaxIdlePerOrigin) return;  // dropping it closes it
    conn->idle_since = Clock::now();
    list.push_back(std::move(conn));
  }

  asio::awaitable<Result<std::unique_ptr<Connection>>> connect(const util::BaseUrl& url,
                                                               Clock::duration timeout,
                                                               std::string_view provider) {
    auto conn = std::make_unique<Connection>();
    conn->origin = url.origin();
    // Beast reads 512 bytes at a time into an empty buffer, splitting a typical answer's head
    // and body over two reads (two syscalls, measured); room for a whole small answer avoids it.
    conn->buffer.reserve(8192);
    const auto deadline = Clock::now() + timeout;
    auto [rec, results] =
        co_await resolver.async_resolve(url.host, std::to_string(url.port), use_nothrow);
    if (rec) {
      co_return failure(ErrorCode::kUpstreamUnavailable,
                        "cannot resolve provider host '" + url.host + "': " + rec.message(),
                        provider);
    }
    if (url.tls()) {
      conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io, tls());
    } else {
      conn->plain = std::make_unique<beast::tcp_stream>(io);
    }
    auto& tcp = conn->tcp();
    tcp.expires_after(bounded(timeout, deadline));
    auto [cec, ep] = co_await tcp.async_connect(results, use_nothrow);
    if (cec == beast::error::timeout) {
      co_return failure(ErrorCode::kUpstreamTimeout, "timed out connecting to the provider",
                        provider);
    }
    if (cec) {
      co_return failure(ErrorCode::kUpstreamUnavailable,
                        "cannot connect to the provider at " + url.host + ":" +
                            std::to_string(url.port) + ": " + cec.message(),
                        provider);
    }
    tcp.socket().set_option(tcp::no_delay(true));
    if (conn->tls) {
      if (!SSL_set_tlsext_host_name(conn->tls->native_handle(), url.host.c_str())) {
        co_return failure(ErrorCode::kUpstreamUnavailable, "cannot set TLS server name", provider);
      }
      conn->tls->set_verify_callback(asio::ssl::host_name_verification(url.host));
      tcp.expires_after(bounded(timeout, deadline));
      auto [hec] = co_await conn->tls->async_handshake(asio::ssl::stream_base::client, use_nothrow);
      if (hec == beast::error::timeout) {
        co_return failure(ErrorCode::kUpstreamTimeout,
                          "timed out in the TLS handshake with the provider", provider);
      }
      if (hec) {
        co_return failure(ErrorCode::kUpstreamUnavailable,
                          "TLS handshake with the provider failed: " + hec.message(), provider);
      }
    }
    observability::Metrics::global().upstream_connections_opened.fetch_add(
        1, std::memory_order_relaxed);
    co_return conn;
  }
};

namespace {

class NetworkExchange : public Exchange {
 public:
  NetworkExchange(std::weak_ptr<Client::Impl> client, std::unique_ptr<Connection> conn,
                  std::unique_ptr<http::response_parser<http::buffer_body>> parser,
                  providers::UpstreamHead head, const UpstreamTimeouts& timeouts,
                  Clock::time_point deadline, std::string provider)
      : client_(client),
        conn_(std::move(conn)),
        parser_(std::move(parser)),
        head_(std::move(head)),
        timeouts_(timeouts),
        deadline_(deadline),
        provider_(std::move(provider)) {}

  ~NetworkExchange() override {
    // Only a response read exactly to its end, on a keep-alive connection with no byte after
    // it, leaves the connection reusable: a stray byte would start the next caller's answer.
    // The client may be gone already when a worker shuts down with this exchange suspended.
    auto client = client_.lock();
    if (client && conn_ && finished_ && parser_->keep_alive() && conn_->buffer.size() == 0) {
      conn_->tcp().expires_never();
      client->give_back(std::move(conn_));
    }
  }

  const providers::UpstreamHead& head() const override { return head_; }

  asio::awaitable<Result<std::string_view>> read_some() override {
    while (!parser_->is_done()) {
      // Checked before each read, not only while one waits: a provider that keeps sending
      // bytes that are not content must not hold the warm-up open past its deadline.
      if (Clock::now() >= read_deadline_) {
        co_return failure(ErrorCode::kUpstreamTimeout,
                          "provider sent no content within the first-byte timeout", provider_);
      }
      auto& body = parser_->get().body();
      char* buffer = conn_->body_buffer.data();
      const std::size_t capacity = conn_->body_buffer.size();
      body.data = buffer;
      body.size = capacity;
      body.more = true;
      const auto until = std::min(deadline_, read_deadline_);
      conn_->tcp().expires_after(bounded(timeouts_.stream_idle, until));
      auto [ec, n] = co_await conn_->with_stream([&](auto& stream) {
        return http::async_read_some(stream, conn_->buffer, *parser_, use_nothrow);
      });
      if (ec == http::error::need_buffer) ec = {};
      if (ec == beast::error::timeout) {
        const auto now = Clock::now();
        co_return failure(ErrorCode::kUpstreamTimeout,
                          now >= deadline_ ? "provider did not finish within the total timeout"
                          : now >= read_deadline_
                              ? "provider sent no content within the first-byte timeout"
                              : "provider stream went idle for too long",
                          provider_);
      }
      if (ec == http::error::buffer_overflow) {
        co_return failure(ErrorCode::kUpstreamUnavailable,
                          "provider sent a chunk-size line or trailer longer than the gateway "
                          "accepts",
                          provider_);
      }
      if (ec) {
        co_return failure(ErrorCode::kUpstreamUnavailable,
                          "connection to the provider was lost: " + ec.message(), provider_);
      }
      std::size_t produced = capacity - body.size;
      if (produced > 0) co_return std::string_view(buffer, produced);
    }
    finished_ = true;
    co_return std::string_view{};
  }

 private:
  std::weak_ptr<Client::Impl> client_;
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<http::response_parser<http::buffer_body>> parser_;
  providers::UpstreamHead head_;
  UpstreamTimeouts timeouts_;
  Clock::time_point deadline_;
  std::string provider_;
  bool finished_ = false;
};

// Plays a LocalReply back with its pacing, under the same deadlines as a network upstream.
class LocalExchange : public Exchange {
 public:
  LocalExchange(asio::io_context& io, providers::LocalReply reply, const UpstreamTimeouts& timeouts,
                Clock::time_point deadline, std::string provider)
      : io_(io),
        reply_(std::move(reply)),
        timeouts_(timeouts),
        deadline_(deadline),
        provider_(std::move(provider)) {}

  const providers::UpstreamHead& head() const override { return reply_.head; }

  asio::awaitable<Result<std::string_view>> read_some() override {
    if (next_ >= reply_.parts.size()) co_return std::string_view{};
    if (next_ > 0 && reply_.part_delay.count() > 0) {
      auto limit = bounded(timeouts_.stream_idle, std::min(deadline_, read_deadline_));
      if (!co_await wait(std::min<Clock::duration>(reply_.part_delay, limit)) ||
          reply_.part_delay > limit) {
        co_return failure(ErrorCode::kUpstreamTimeout, "provider stream went idle for too long",
                          provider_);
      }
    }
    co_return std::string_view(reply_.parts[next_++]);
  }

  // Waits for the reply's first byte; false on timeout.
  asio::awaitable<bool> wait_first_byte() {
    auto limit = bounded(timeouts_.first_byte, deadline_);
    if (reply_.first_byte_delay.count() == 0) co_return true;
    co_await wait(std::min<Clock::duration>(reply_.first_byte_delay, limit));
    co_return reply_.first_byte_delay <= limit;
  }

 private:
  asio::awaitable<bool> wait(Clock::duration d) {
    asio::steady_timer timer(io_, d);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    co_return !ec;
  }

  asio::io_context& io_;
  providers::LocalReply reply_;
  UpstreamTimeouts timeouts_;
  Clock::time_point deadline_;
  std::string provider_;
  std::size_t next_ = 0;
};

}  // namespace

Client::Client(asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}
Client::~Client() = default;

asio::awaitable<Result<std::unique_ptr<Exchange>>> Client::start(
    const providers::Upstream& upstream, const providers::UpstreamRequest& request,
    const UpstreamTimeouts& timeouts, std::string_view provider) {
  const auto deadline = Clock::now() + timeouts.total;
  if (upstream.local) {
    auto exchange = std::make_unique<LocalExchange>(impl_->io, upstream.local->respond(request),
                                                    timeouts, deadline, std::string(provider));
    if (!co_await exchange->wait_first_byte()) {
      co_return failure(ErrorCode::kUpstreamTimeout,
                        "provider did not answer within the first-byte timeout", provider);
    }
    co_return std::unique_ptr<Exchange>(std::move(exchange));
  }

  const util::BaseUrl& url = upstream.url;
  // Numbers a double could not carry were kept as marker strings when the client's body was
  // read (util/json_numbers.hpp); here they become the client's own text again.
  std::string restored;
  const std::string* body = &request.body;
  if (util::raw_numbers_kept() && request.body.find(util::kRawNumberMarker) != std::string::npos) {
    restored = request.body;
    util::restore_raw_numbers(restored);
    body = &restored;
  }
  auto head = serialize_head(request, url, body->size());
  if (!head) co_return failure(ErrorCode::kInternal, head.error().message, provider);
  const std::array<asio::const_buffer, 2> wire{asio::buffer(*head), asio::buffer(*body)};

  // A pooled connection may have been closed by the server while idle; that shows as a failure
  // before any response byte. Then, and only then, try once more on a fresh connection.
  for (int attempt = 0;; ++attempt) {
    auto conn = attempt == 0 ? impl_->take_idle(url.origin()) : nullptr;
    const bool reused = conn != nullptr;
    if (reused) {
      observability::Metrics::global().upstream_connections_reused.fetch_add(
          1, std::memory_order_relaxed);
    } else {
      auto fresh = co_await impl_->connect(url, bounded(timeouts.connect, deadline), provider);
      if (!fresh) co_return fresh.error();
      conn = std::move(*fresh);
    }
    conn->tcp().expires_after(bounded(timeouts.first_byte, deadline));
    auto [wec, wn] = co_await conn->with_stream(
        [&](auto& stream) { return asio::async_write(stream, wire, use_nothrow); });
    std::unique_ptr<http::response_parser<http::buffer_body>> parser;
    boost::system::error_code ec = wec;
    // Interim 1xx answers come before the final one and are skipped (RFC 9110 §15.2); 101
    // would switch protocols, which no provider call asks for.
    std::optional<Error> refused;
    for (int interim = 0; !ec; ++interim) {
      parser = std::make_unique<http::response_parser<http::buffer_body>>();
      parser->header_limit(kMaxHeadBytes);
      parser->body_limit(boost::none);
      auto [rec, rn] = co_await conn->with_stream([&](auto& stream) {
        return http::async_read_header(stream, conn->buffer, *parser, use_nothrow);
      });
      ec = rec;
      if (ec) break;
      // Every Content-Encoding line counts: "identity" then "gzip" is a gzip body.
      std::string_view coding;
      for (const auto& field : parser->get()) {
        if (field.name() == http::field::content_encoding &&
            !beast::iequals(field.value(), "identity"))
          coding = field.value();
      }
      auto kind = check_response_head(parser->get().result_int(), coding, provider);
      if (!kind) {
        refused = kind.error();
        break;
      }
      if (*kind == HeadKind::kFinal) break;
      if (interim == kMaxInterimAnswers) {
        refused = failure(
            ErrorCode::kUpstreamUnavailable,
            "provider sent more than " + std::to_string(kMaxInterimAnswers) + " interim answers",
            provider);
        break;
      }
    }
    if (refused) co_return *refused;
    if (ec == beast::error::timeout) {
      co_return failure(ErrorCode::kUpstreamTimeout,
                        "provider did not answer within the first-byte timeout", provider);
    }
    if (ec) {
      const bool stale =
          reused && (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                     ec == asio::error::eof || ec == asio::error::broken_pipe);
      if (stale && attempt == 0) continue;
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        co_return failure(ErrorCode::kUpstreamUnavailable,
                          "provider's response head is larger than the gateway accepts", provider);
      }
      co_return failure(ErrorCode::kUpstreamUnavailable,
                        "provider connection failed: " + ec.message(), provider);
    }
    providers::UpstreamHead head;
    head.status = parser->get().result_int();
    for (const auto& field : parser->get()) {
      head.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    co_return std::unique_ptr<Exchange>(std::make_unique<NetworkExchange>(
        impl_, std::move(conn), std::move(parser), std::move(head), timeouts, deadline,
        std::string(provider)));
  }
}

}  // namespace sluice::upstream
