// The server's request reading (src/server/session.cpp): Beast's request parser with the
// session's limits, fed through a read buffer capped as the session caps it (header limit +
// 1 KiB), then check_request_head() on the head. Arbitrary bytes, split at a point derived from
// the input. No exception may escape (Beast's field store throws past 65,533 bytes; the cap must
// keep every field below that), the body never exceeds the body limit, and a head the check
// accepts has an unambiguous length: chunked last and alone, or Content-Length, or none.
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "capped_reader.hpp"
#include "fuzz_support.hpp"
#include "server/request_framing.hpp"

namespace {

namespace http = boost::beast::http;

constexpr std::size_t kHeaderLimit = 4096;
constexpr std::size_t kBodyLimit = 64 * 1024;

void read_requests(std::string_view in) {
  sluice::fuzz::CappedReader socket(in, kHeaderLimit + 1024);
  auto& buffer = socket.buffer();
  // Up to 4 pipelined requests from one connection, as the session reads them.
  for (int request = 0; request < 4; ++request) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kBodyLimit);
    bool checked = false;
    for (;;) {
      boost::beast::error_code ec;
      if (buffer.size() > 0) {
        const std::size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec && ec != http::error::need_more) return;  // a 4xx for the client, then close
        if (parser.is_header_done() && !checked) {
          checked = true;
          if (sluice::server::check_request_head(parser.get().base(), 100)) return;
          const auto& head = parser.get();
          const bool te = head.find(http::field::transfer_encoding) != head.end();
          const bool cl = head.find(http::field::content_length) != head.end();
          SLUICE_FUZZ_CHECK(!(te && cl), "accepted a head with both framings");
          SLUICE_FUZZ_CHECK(!te || parser.chunked(),
                            "accepted Transfer-Encoding that is not chunked");
        }
        if (parser.is_done()) break;
        if (used > 0 || ec != http::error::need_more) continue;
      }
      if (socket.exhausted()) {
        if (parser.need_eof()) {
          boost::beast::error_code eof;
          parser.put_eof(eof);
        }
        return;
      }
      // The buffer's cap is what bounds each line the parser must hold whole.
      if (!socket.read()) return;  // buffer_overflow: 431 or 400, then close
    }
    SLUICE_FUZZ_CHECK(parser.get().body().size() <= kBodyLimit, "body past the limit");
    (void)sluice::server::origin_form(parser.get().target());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sluice::fuzz::no_throw("request parsing",
                         [&] { read_requests(sluice::fuzz::as_text(data, size)); });
  return 0;
}
