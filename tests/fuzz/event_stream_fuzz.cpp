// AWS event-stream decoder (src/providers/bedrock/event_stream.hpp). Fed in one piece, split at a
// point derived from the input, or one byte at a time, the decoder must give the same messages,
// the same verdict and the same error; decoded messages re-encode and decode to themselves; and
// the input itself, framed by encode_event, decodes back to itself.
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "providers/bedrock/event_stream.hpp"

namespace {

using sluice::providers::bedrock::encode_event;
using sluice::providers::bedrock::EventMessage;
using sluice::providers::bedrock::EventStreamDecoder;

struct Outcome {
  std::vector<EventMessage> messages;
  bool ok = true;
  bool idle = true;
  std::string error;
};

Outcome decode(std::string_view in, const std::vector<std::size_t>& cuts) {
  Outcome out;
  EventStreamDecoder decoder;
  std::size_t from = 0;
  auto feed = [&](std::size_t to) {
    if (out.ok) out.ok = decoder.feed(in.substr(from, to - from), out.messages);
    from = to;
  };
  for (std::size_t cut : cuts) feed(cut);
  feed(in.size());
  out.idle = decoder.idle();
  out.error = decoder.error();
  return out;
}

bool same(const Outcome& a, const Outcome& b) {
  if (a.ok != b.ok || a.error != b.error || a.messages.size() != b.messages.size()) return false;
  if (a.ok && a.idle != b.idle) return false;
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    if (a.messages[i].headers != b.messages[i].headers ||
        a.messages[i].payload != b.messages[i].payload)
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = sluice::fuzz::as_text(data, size);

  const Outcome whole = decode(in, {});
  SLUICE_FUZZ_CHECK(whole.ok == whole.error.empty(), "false exactly when error() is set");
  std::size_t reported = 0;
  for (const auto& m : whole.messages) {
    reported += m.payload.size() + 16;  // every message has a 12-byte prelude and a 4-byte CRC
    for (const auto& [name, value] : m.headers) reported += name.size() + value.size();
  }
  SLUICE_FUZZ_CHECK(reported <= size, "messages hold more bytes than were fed");

  SLUICE_FUZZ_CHECK(
      same(whole, decode(in, {sluice::fuzz::split_point(in)})),
      "a split at " + std::to_string(sluice::fuzz::split_point(in)) + " changes the outcome");
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < size; ++i) every.push_back(i);
  SLUICE_FUZZ_CHECK(same(whole, decode(in, every)), "byte-at-a-time changes the outcome");

  // Round trip: each decoded message (string headers only are kept) encodes and decodes to itself.
  for (const auto& m : whole.messages) {
    const Outcome again = decode(encode_event(m.headers, m.payload), {});
    SLUICE_FUZZ_CHECK(again.ok && again.idle && again.messages.size() == 1 &&
                          again.messages[0].headers == m.headers &&
                          again.messages[0].payload == m.payload,
                      "a decoded message re-encodes to itself");
  }
  // And any payload survives framing.
  const Outcome framed = decode(encode_event({{":event-type", "chunk"}}, in), {});
  SLUICE_FUZZ_CHECK(framed.ok && framed.idle && framed.messages.size() == 1 &&
                        framed.messages[0].payload == in &&
                        framed.messages[0].headers.at(":event-type") == "chunk",
                    "encode_event(payload) decodes to the payload");
  return 0;
}
