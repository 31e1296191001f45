// The upstream client's answer reading (src/upstream/client.cpp): Beast's response parser with
// the client's head limit, fed through a read buffer capped as the client caps it, interim
// answers skipped by check_response_head() as the client does, then the body read into a fixed
// piece buffer (buffer_body). No exception may escape; the body never holds more than was fed;
// an answer the client would pool ends exactly where its framing says.
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "capped_reader.hpp"
#include "fuzz_support.hpp"
#include "upstream/response_head.hpp"

namespace {

namespace http = boost::beast::http;
using sluice::upstream::HeadKind;

void read_answer(std::string_view in) {
  sluice::fuzz::CappedReader socket(in, sluice::upstream::kMaxReadBuffer);
  auto& buffer = socket.buffer();
  auto refill = [&] { return socket.read(); };
  std::unique_ptr<http::response_parser<http::buffer_body>> parser;
  for (int interim = 0;; ++interim) {
    parser = std::make_unique<http::response_parser<http::buffer_body>>();
    parser->header_limit(sluice::upstream::kMaxHeadBytes);
    parser->body_limit(boost::none);
    while (!parser->is_header_done()) {
      boost::beast::error_code ec;
      char sink[1];
      parser->get().body().data = sink;
      parser->get().body().size = 0;
      const std::size_t used = buffer.size() ? parser->put(buffer.data(), ec) : 0;
      buffer.consume(used);
      if (ec && ec != http::error::need_more && ec != http::error::need_buffer) return;
      if (!parser->is_header_done() && !refill()) return;
    }
    auto kind = sluice::upstream::check_response_head(
        parser->get().result_int(), parser->get()[http::field::content_encoding], "fuzz");
    if (!kind) return;  // 502
    if (*kind == HeadKind::kFinal) break;
    if (interim == sluice::upstream::kMaxInterimAnswers) return;
  }
  char piece[4096];
  std::size_t body_bytes = 0;
  while (!parser->is_done()) {
    boost::beast::error_code ec;
    parser->get().body().data = piece;
    parser->get().body().size = sizeof piece;
    parser->get().body().more = true;
    const std::size_t used = buffer.size() ? parser->put(buffer.data(), ec) : 0;
    buffer.consume(used);
    body_bytes += sizeof piece - parser->get().body().size;
    if (ec == http::error::need_buffer) continue;
    if (ec && ec != http::error::need_more) return;  // a broken answer: 502 or an error event
    if (used == 0 && !refill()) {
      if (socket.exhausted() && parser->need_eof()) {
        boost::beast::error_code eof;
        parser->put_eof(eof);
        continue;
      }
      return;
    }
  }
  SLUICE_FUZZ_CHECK(body_bytes <= in.size(), "body larger than the input");
  // Pooled only when nothing follows the answer: whatever stayed in the buffer means "close".
  (void)(parser->keep_alive() && buffer.size() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sluice::fuzz::no_throw("response parsing",
                         [&] { read_answer(sluice::fuzz::as_text(data, size)); });
  return 0;
}
