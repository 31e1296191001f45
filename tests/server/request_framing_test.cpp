#include "server/request_framing.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace sluice::server {
namespace {

namespace http = boost::beast::http;

// Parses `head` as Beast would from the socket; the check's verdict (nullopt: acceptable).
std::optional<Error> check(const std::string& head, std::size_t max_fields = 100) {
  http::request_parser<http::string_body> parser;
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(head), ec);
  if (ec && ec != http::error::need_more) {
    return Error::invalid("beast: " + ec.message());  // refused before our check
  }
  EXPECT_TRUE(parser.is_header_done()) << head;
  return check_request_head(parser.get().base(), max_fields);
}

unsigned status_of(const std::string& head) {
  auto e = check(head);
  return e ? http_status(*e) : 200;
}

TEST(RequestFraming, TransferEncodingMustEndInChunkedAlone) {
  const std::string start = "POST / HTTP/1.1\r\nHost: a\r\n";
  EXPECT_EQ(status_of(start + "Transfer-Encoding: chunked\r\n\r\n"), 200u);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: CHUNKED\r\n\r\n"), 200u);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: xchunked\r\n\r\n"), 400u);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: chunked, identity\r\n\r\n"), 400u);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: gzip\r\n\r\n"), 400u);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: gzip, chunked\r\n\r\n"), 501u);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"),
            501u);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400u);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: \r\n\r\n"), 400u);
  EXPECT_EQ(status_of(start + "Transfer-Encoding: xchunked\r\nContent-Length: 3\r\n\r\n"), 400u);
  EXPECT_EQ(status_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400u);
}

TEST(RequestFraming, HostExactlyOnceInHttp11) {
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\n\r\n"), 400u);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"), 400u);
  EXPECT_EQ(status_of("GET / HTTP/1.0\r\n\r\n"), 200u);
  EXPECT_EQ(status_of("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), 400u);
}

TEST(RequestFraming, FieldCountIsBounded) {
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 10; ++i) head += "x-" + std::to_string(i) + ": v\r\n";
  head += "\r\n";
  EXPECT_FALSE(check(head, 11));
  auto e = check(head, 10);
  ASSERT_TRUE(e);
  EXPECT_EQ(http_status(*e), 431u);
}

TEST(RequestFraming, TargetForms) {
  EXPECT_EQ(origin_form("/v1/models?x=1"), "/v1/models?x=1");
  EXPECT_EQ(origin_form("http://gw:8080/v1/models?x=1"), "/v1/models?x=1");
  EXPECT_EQ(origin_form("HTTPS://gw"), "/");
  EXPECT_EQ(origin_form("http://gw?x"), "/?x");
  EXPECT_EQ(origin_form("http:///path"), "");
  // The authority that stands for Host (RFC 9112 §3.2.2).
  EXPECT_EQ(absolute_form_authority("http://ml.example.com:8080/v1/models?x"),
            "ml.example.com:8080");
  EXPECT_EQ(absolute_form_authority("HTTPS://gw?x"), "gw");
  EXPECT_EQ(absolute_form_authority("/v1/models"), "");
  EXPECT_EQ(absolute_form_authority("http:///path"), "");
  EXPECT_EQ(origin_form("ftp://gw/x"), "");
  EXPECT_EQ(origin_form("v1/models"), "");
  EXPECT_EQ(status_of("GET v1/models HTTP/1.1\r\nHost: a\r\n\r\n"), 400u);
  EXPECT_EQ(status_of("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), 200u);
}

}  // namespace
}  // namespace sluice::server
