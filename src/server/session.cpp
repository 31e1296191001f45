#include "server/session.hpp"

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sluice::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr auto kWriteTimeout = std::chrono::seconds(30);

class Session : public pipeline::Responder {
 public:
  Session(asio::ip::tcp::socket socket, SessionEnv env, config::ServerConfig limits)
      : stream_(std::move(socket)), env_(env), limits_(std::move(limits)) {
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
      auto [hec, hn] = co_await http::async_read_header(stream_, buffer_, parser, use_nothrow);
      if (hec) {
        co_await on_read_error(hec, parser, hn > 0 || buffer_.size() > 0);
        co_return;
      }
      keep_alive_ = parser.get().keep_alive() && !env_.draining.load(std::memory_order_relaxed);
      http10_ = parser.get().version() == 10;
      if (auto length = parser.content_length(); length && *length > limits_.max_body_bytes) {
        keep_alive_ = false;
        co_await reject(parser, too_large());
        co_return;
      }
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        stream_.expires_after(kWriteTimeout);
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
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
      pipeline::HttpRequest request = to_request(parser.release());
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
    head.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
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
    char size[20];
    int len = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::array<asio::const_buffer, 4> buffers{asio::buffer(pending_head_), asio::buffer(size, len),
                                              asio::buffer(data), asio::buffer("\r\n", 2)};
    co_return co_await write(buffers);
  }

  asio::awaitable<bool> end_stream() override {
    std::array<asio::const_buffer, 2> buffers{asio::buffer(pending_head_),
                                              asio::buffer("0\r\n\r\n", 5)};
    co_return co_await write(buffers);
  }

 private:
  template <class Buffers>
  asio::awaitable<bool> write(const Buffers& buffers) {
    stream_.expires_after(kWriteTimeout);
    auto [ec, n] = co_await asio::async_write(stream_, buffers, use_nothrow);
    pending_head_.clear();
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

  static pipeline::HttpRequest to_request(http::request<http::string_body>&& msg) {
    pipeline::HttpRequest request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    request.headers.reserve(8);
    for (const auto& field : msg) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(msg.body());
    return request;
  }

  static Error too_large() {
    return Error::make(ErrorCode::kPayloadTooLarge,
                       "Request body is larger than the gateway accepts.");
  }

  asio::awaitable<void> reject(http::request_parser<http::string_body>& parser, Error error) {
    keep_alive_ = false;
    pipeline::HttpRequest partial;
    if (parser.is_header_done()) {
      const auto& msg = parser.get();
      partial.method = std::string(msg.method_string());
      partial.target = std::string(msg.target());
      if (auto id = msg["x-request-id"]; !id.empty())
        partial.headers.emplace_back("x-request-id", std::string(id));
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
    while (discarded < 16 * 1024 * 1024) {
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
      co_await reject(parser, too_large());
    } else if (ec == http::error::header_limit) {
      Error e = Error::make(ErrorCode::kHeadersTooLarge,
                            "Request headers are larger than the gateway accepts.");
      co_await reject(parser, e);
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
  bool client_gone_ = false;
};

}  // namespace

asio::awaitable<void> run_session(asio::ip::tcp::socket socket, SessionEnv env,
                                  config::ServerConfig limits) {
  socket.set_option(asio::ip::tcp::no_delay(true));
  Session session(std::move(socket), env, std::move(limits));
  co_await session.run();
}

}  // namespace sluice::server
