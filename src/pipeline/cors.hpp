#pragma once
// The CORS protocol's two halves for one request (Fetch standard §3.2,
// https://fetch.spec.whatwg.org/#http-cors-protocol), from `server.cors` (config/cors.hpp):
// the answer to a preflight, and the headers every other answer to a cross-origin request gets.
// Pure functions: the handler sends what they give.

#include <optional>
#include <string>

#include "config/cors.hpp"
#include "pipeline/http_exchange.hpp"

namespace sluice::pipeline {

struct Preflight {
  bool allowed = false;
  HeaderList headers;   // the grants (allowed) or just Vary (refused)
  std::string refused;  // why, for the 403's message: the origin, a method or a header
};

// Whether `http` is a CORS preflight: OPTIONS with Origin and Access-Control-Request-Method.
bool is_preflight(const HttpRequest& http);

// The answer to a preflight: 204 with these headers when allowed, else 403 naming what was
// refused. `spec` must be enabled.
Preflight answer_preflight(const config::CorsSpec& spec, const HttpRequest& http);

// The headers a non-preflight answer gets: Access-Control-Allow-Origin (the origin itself, or
// "*" when any origin may read and no credentials are sent), -Allow-Credentials,
// -Expose-Headers, and Vary: Origin whenever the answer depends on it. Empty when CORS is off
// or the request has no Origin.
HeaderList cors_headers(const config::CorsSpec& spec, const HttpRequest& http);

}  // namespace sluice::pipeline

namespace sluice::pipeline {

// A Responder that adds `extra` (cors_headers()) to the head of whatever is sent through it.
class CorsResponder : public Responder {
 public:
  CorsResponder(Responder& inner, HeaderList extra) : inner_(inner), extra_(std::move(extra)) {}
  boost::asio::awaitable<bool> send(unsigned status, HeaderList headers,
                                    std::string body) override {
    headers.insert(headers.end(), extra_.begin(), extra_.end());
    co_return co_await inner_.send(status, std::move(headers), std::move(body));
  }
  boost::asio::awaitable<bool> start_stream(unsigned status, HeaderList headers) override {
    headers.insert(headers.end(), extra_.begin(), extra_.end());
    co_return co_await inner_.start_stream(status, std::move(headers));
  }
  boost::asio::awaitable<bool> send_chunk(std::string data) override {
    co_return co_await inner_.send_chunk(std::move(data));
  }
  boost::asio::awaitable<bool> end_stream() override { co_return co_await inner_.end_stream(); }
  bool responded() const override { return inner_.responded(); }
  void abort() override { inner_.abort(); }

 private:
  Responder& inner_;
  HeaderList extra_;
};

}  // namespace sluice::pipeline
