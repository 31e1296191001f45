#pragma once
// The boundary between the HTTP server and the request pipeline, free of Beast types so the
// pipeline compiles without network headers. The server parses a request into HttpRequest and
// implements Responder on its connection; the pipeline answers through it, once per request.

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::pipeline {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", …
  std::string target;  // as sent: path + query
  HeaderList headers;  // names lower-cased by the server
  std::string body;
  std::string remote_address;  // the client's IP address

  std::string_view path() const {
    std::string_view t = target;
    return t.substr(0, t.find('?'));
  }
  // The query string, without its '?' ("" when there is none).
  std::string_view query() const {
    std::string_view t = target;
    const auto q = t.find('?');
    return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
  }
  // First value of a header (name in lower case), or "".
  std::string_view header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return {};
  }
  // Every line of a list-valued header joined with ", ", as RFC 9110 §5.3 combines them (a
  // client may send anthropic-beta once per beta), or "".
  std::string header_list(std::string_view name) const {
    std::string out;
    for (const auto& [k, v] : headers) {
      if (k != name || v.empty()) continue;
      if (!out.empty()) out += ", ";
      out += v;
    }
    return out;
  }
};

// Implemented by the server's connection. Each call returns false when the client is gone, after
// which the pipeline stops producing output (and cancels the upstream call).
class Responder {
 public:
  virtual ~Responder() = default;
  // A complete response with a body.
  virtual boost::asio::awaitable<bool> send(unsigned status, HeaderList headers,
                                            std::string body) = 0;
  // A streamed response: head first (chunked), then pieces, each flushed at once, then the end.
  virtual boost::asio::awaitable<bool> start_stream(unsigned status, HeaderList headers) = 0;
  virtual boost::asio::awaitable<bool> send_chunk(std::string data) = 0;
  virtual boost::asio::awaitable<bool> end_stream() = 0;
  // Whether any part of this request's response has been written (so an error found later can
  // no longer be sent as a response of its own).
  virtual bool responded() const = 0;
  // The response begun cannot be completed: close the connection after what was written, so
  // the client sees a cut response (no final chunk), never a whole-looking one.
  virtual void abort() = 0;
};

}  // namespace sluice::pipeline
