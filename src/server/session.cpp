#include "server/session.hpp"

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <iostream>

#include "server/request_framing.hpp"

namespace sluice::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

// Room beyond the header limit in the read buffer, for the start of a body read with the head.
constexpr std::size_t kBufferSlack = 1024;

class Session : public pipeline::Responder {
 public:
  Session(asio::ip::tcp::socket socket, SessionEnv env, config::ServerConfig limits)
      : stream_(std::move(socket)),
        // The read buffer's bound is what bounds every line the parser has to hold whole: the
        // header section, a chunk-size line with its extensions, and the trailers (Beast limits
        // none of the last two). It stays below the 65,533 bytes Beast's field store can hold,
        // which would otherwise throw from inside the parser.
        buffer_(limits.max_header_bytes + kBufferSlack),
        env_(env),
        limits_(std::move(limits)) {
    beast::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = peer.address().to_string();
    buffer_.reserve(8192);  // whole typical requests in one read (Beast starts at 512 bytes)
  }

  asio::awaitable<void> run() {
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(limits_.max_header_bytes);
      parser.body_limit(limits_.max_body_bytes);
      stream_.expires_after(limits_.idle_timeout);
      responded_ = false;
      head_request_ = false;
      auto [hec, hn] = co_await http::async_read_header(stream_, buffer_, parser, use_nothrow);
      if (hec) {
        co_await on_read_error(hec, parser, hn > 0 || buffer_.size() > 0);
        co_return;
      }
      keep_alive_ = parser.get().keep_alive() && !env_.draining.load(std::memory_order_relaxed);
      http10_ = parser.get().version() == 10;
      head_request_ = parser.get().method() == http::verb::head;
      if (auto fault = check_request_head(parser.get().base(), limits_.max_header_fields)) {
        co_await reject(parser, *fault);
        co_return;
      }
      // The head is copied now: Beast files a chunked body's trailer fields into the same list
      // (a repeated name next to the first), and a trailer must not pass for a header
      // (RFC 9110 §6.5.1).
      pipeline::HttpRequest request = head_of(parser.get());
      if (auto length = parser.content_length(); length && *length > limits_.max_body_bytes) {
        co_await reject(parser, too_large());
        co_return;
      }
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        stream_.expires_after(limits_.write_timeout);
        auto [cec, cn] = co_await asio::async_write(stream_, asio::buffer(kContinue), use_nothrow);
        if (cec) co_return;
      }
      stream_.expires_after(limits_.request_timeout);
      auto [bec, bn] = co_await http::async_read(stream_, buffer_, parser, use_nothrow);
      if (bec) {
        co_await on_read_error(bec, parser, true);
        co_return;
      }
      stream_.expires_never();
      request.body = std::move(parser.release().body());
      request.remote_address = remote_address_;
      co_await env_.handler.handle(request, *this);
      if (!keep_alive_ || client_gone_) break;
    }
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<bool> send(unsigned status, pipeline::HeaderList headers,
                             std::string body) override {
    std::string head = response_head(status, headers);
    // 204 and 304 carry no content and no Content-Length (RFC 9110 §8.6).
    if (status == 204 || status == 304)
      head.append("\r\n");
    else
      head.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
    // A response to HEAD has the same head and no content (RFC 9110 §9.3.2).
    if (head_request_) body.clear();
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
    co_return co_await write(buffers);
  }

  // The head is kept and written together with the first chunk: one write, one packet.
  asio::awaitable<bool> start_stream(unsigned status, pipeline::HeaderList headers) override {
    pending_head_ = response_head(status, headers);
    pending_head_ += "Transfer-Encoding: chunked\r\n\r\n";
    co_return true;
  }

  asio::awaitable<bool> send_chunk(std::string data) override {
    if (data.empty()) co_return true;  // an empty chunk would end the body
    if (head_request_) co_return co_await write(std::array{asio::buffer(pending_head_)});
    char size[20];
    int len = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::array<asio::const_buffer, 4> buffers{asio::buffer(pending_head_), asio::buffer(size, len),
                                              asio::buffer(data), asio::buffer("\r\n", 2)};
    co_return co_await write(buffers);
  }

  asio::awaitable<bool> end_stream() override {
    if (head_request_) co_return co_await write(std::array{asio::buffer(pending_head_)});
    std::array<asio::const_buffer, 2> buffers{asio::buffer(pending_head_),
                                              asio::buffer("0\r\n\r\n", 5)};
    co_return co_await write(buffers);
  }

  bool responded() const override { return responded_; }
  void abort() override {
    keep_alive_ = false;
    client_gone_ = true;
  }

 private:
  template <class Buffers>
  asio::awaitable<bool> write(const Buffers& buffers) {
    responded_ = true;
    if (client_gone_) co_return false;
    // server.write_timeout_ms is renewed before each piece the kernel takes: it measures lack
    // of progress, not the time a large answer takes to a slow but steady reader. (One write_some
    // per piece, each a single writev of what is left.)
    beast::buffers_suffix<Buffers> rest(buffers);
    beast::error_code ec;
    while (beast::buffer_bytes(rest) > 0) {
      stream_.expires_after(limits_.write_timeout);
      auto [wec, n] = co_await stream_.async_write_some(rest, use_nothrow);
      if (wec) {
        ec = wec;
        break;
      }
      rest.consume(n);
    }
    stream_.expires_never();
    pending_head_.clear();
    if (ec == beast::error::timeout) {
      std::cerr << "sluice: client at " << remote_address_ << " read nothing for "
                << limits_.write_timeout.count() << " ms; closing the connection" << std::endl;
    }
    client_gone_ = client_gone_ || ec;
    co_return !ec;
  }

  // Status line and headers, written by hand into one string: Beast's serializer allocates per
  // field and was a visible share of the per-request CPU. Header names and values are the
  // pipeline's own (never echoed client input other than a validated request id).
  std::string response_head(unsigned status, const pipeline::HeaderList& headers) const {
    std::string head;
    head.reserve(256);
    head.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
    head.append(http::obsolete_reason(static_cast<http::status>(status)));
    head.append("\r\nServer: sluice\r\n");
    for (const auto& [name, value] : headers)
      head.append(name).append(": ").append(value).append("\r\n");
    if (!keep_alive_) head.append("Connection: close\r\n");
    if (keep_alive_ && http10_) head.append("Connection: keep-alive\r\n");
    return head;
  }

  static pipeline::HttpRequest head_of(const http::request<http::string_body>& msg) {
    pipeline::HttpRequest request;
    request.method = std::string(msg.method_string());
    request.target = origin_form(msg.target());
    if (request.target.empty()) request.target = std::string(msg.target());  // "*"
    request.headers.reserve(8);
    // RFC 9112 §3.2.2: an absolute-form target's authority stands for the Host header field
    // (server.hosts reads the workspace from it; found by a hostile probe).
    const std::string_view authority = absolute_form_authority(msg.target());
    for (const auto& field : msg) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!authority.empty() && name == "host") continue;
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    if (!authority.empty()) request.headers.emplace_back("host", std::string(authority));
    return request;
  }

  static Error too_large() {
    return Error::make(ErrorCode::kPayloadTooLarge,
                       "Request body is larger than the gateway accepts.");
  }

  // `head_read`: the header section was parsed whole even though the parser stopped (Beast
  // refuses a Content-Length above the body limit before it calls the head done).
  asio::awaitable<void> reject(http::request_parser<http::string_body>& parser, Error error,
                               bool head_read = false) {
    keep_alive_ = false;
    pipeline::HttpRequest partial;
    if (head_read || parser.is_header_done()) {
      const auto& msg = parser.get();
      partial.method = std::string(msg.method_string());
      partial.target = origin_form(msg.target());
      if (auto id = msg["x-request-id"]; !id.empty())
        partial.headers.emplace_back("x-request-id", std::string(id));
      if (auto origin = msg[http::field::origin]; !origin.empty())
        partial.headers.emplace_back("origin", std::string(origin));
    }
    co_await env_.handler.reject(partial, error, *this);
    co_await linger_close();
  }

  // Closing a socket with unread input makes the kernel send a reset, which can destroy the
  // error response before the client reads it. So: stop sending, then read and discard what the
  // client still sends, for a bounded time and size, before closing (nginx's lingering close).
  asio::awaitable<void> linger_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    std::size_t discarded = 0;
    char sink[16384];
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (discarded < 16 * 1024 * 1024 && std::chrono::steady_clock::now() < until) {
      stream_.expires_after(std::chrono::seconds(2));
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(sink), use_nothrow);
      if (ec) break;
      discarded += n;
    }
  }

  // Answers what can be answered (413, 431, 408, 400); a closed or reset connection just ends.
  asio::awaitable<void> on_read_error(beast::error_code ec,
                                      http::request_parser<http::string_body>& parser,
                                      bool got_bytes) {
    if (ec == http::error::body_limit) {
      co_await reject(parser, too_large(), true);
    } else if (ec == http::error::header_limit ||
               (ec == http::error::buffer_overflow && !parser.is_header_done())) {
      Error e = Error::make(ErrorCode::kHeadersTooLarge,
                            "Request headers are larger than the gateway accepts.");
      co_await reject(parser, e);
    } else if (ec == http::error::buffer_overflow) {
      co_await reject(parser, Error::invalid("A chunk-size line or the trailer section of the "
                                             "request body is longer than the gateway accepts."));
    } else if (ec == beast::error::timeout && parser.is_header_done()) {
      co_await reject(parser, Error::make(ErrorCode::kRequestTimeout,
                                          "Request body was not received in time."));
    } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message &&
               got_bytes) {
      co_await reject(parser, Error::invalid("Malformed HTTP request: " + ec.message() + "."));
    }
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  SessionEnv env_;
  config::ServerConfig limits_;
  std::string pending_head_;
  std::string remote_address_;
  bool keep_alive_ = true;
  bool http10_ = false;  // HTTP/1.0 keep-alive must be confirmed explicitly
  bool head_request_ = false;
  bool responded_ = false;
  bool client_gone_ = false;
};

}  // namespace

asio::awaitable<void> run_session(asio::ip::tcp::socket socket, SessionEnv env,
                                  config::ServerConfig limits) {
  beast::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);  // fails if the peer already left
  Session session(std::move(socket), env, std::move(limits));
  co_await session.run();
}

}  // namespace sluice::server
