#pragma once
// What the fixture tests of translating providers share: reading a case folder
// (tests/fixtures/<provider>/<case>/: case.json, request.json, upstream_*.json/.sse, expected*),
// running a stream through a fresh translator in given pieces, and comparing answers with the
// parts a provider does not fix (the `created` time sluice stamps) set aside.

#include <gtest/gtest.h>

#include <functional>

#include "api/openai/parse.hpp"
#include "api/openai/render.hpp"
#include "providers/provider.hpp"
#include "support/fixtures.hpp"

namespace sluice::testing {

inline model::Operation operation_of(const boost::json::object& c) {
  std::string_view op = c.at("operation").as_string();
  if (op == "completions") return model::Operation::kCompletions;
  if (op == "embeddings") return model::Operation::kEmbeddings;
  return model::Operation::kChat;
}

struct ProviderCase {
  std::filesystem::path dir;
  boost::json::object meta;
  model::Request request;
  std::shared_ptr<const providers::ProviderAdapter> adapter;
};

using AdapterMaker =
    std::function<std::shared_ptr<const providers::ProviderAdapter>(const boost::json::object&)>;

inline ProviderCase load_provider_case(const std::filesystem::path& dir, const AdapterMaker& make) {
  ProviderCase c;
  c.dir = dir;
  c.meta = read_json(dir / "case.json").as_object();
  const auto op = operation_of(c.meta);
  if (std::filesystem::exists(dir / "request.json")) {
    c.request = api::openai::parse_request(op, read_text(dir / "request.json")).value();
  } else {
    c.request.operation = op;
  }
  c.adapter = make(c.meta);
  return c;
}

inline std::vector<std::filesystem::path> cases_with(const std::string& provider,
                                                     const char* file) {
  std::vector<std::filesystem::path> out;
  for (auto& dir : cases(provider)) {
    if (std::filesystem::exists(dir / file)) out.push_back(dir);
  }
  return out;
}

// Providers that send no creation time get sluice's; fixtures hold it as 0.
inline boost::json::value without_time(boost::json::value v) {
  if (auto* o = v.if_object(); o && o->contains("created")) (*o)["created"] = 0;
  return v;
}

// Client SSE text for the upstream stream fed in `pieces`; `usage` gets the last usage seen.
inline std::string translate_stream(const ProviderCase& c,
                                    const std::vector<std::string_view>& pieces,
                                    model::Usage& usage) {
  auto translator = c.adapter->open_stream(c.request);
  std::vector<model::StreamEvent> events;
  for (auto piece : pieces) {
    auto r = translator->feed(piece, events);
    EXPECT_TRUE(r) << r.error().message;
  }
  EXPECT_TRUE(translator->finish(events));
  std::string out;
  for (auto& e : events) {
    if (!e.usage.empty()) usage = e.usage;
    out += api::openai::render_stream_event(c.request, e);
  }
  return out + std::string(api::openai::kStreamDone);
}

inline void expect_same_sse(const std::string& actual, const std::string& expected) {
  auto a = sse_data(actual), e = sse_data(expected);
  ASSERT_EQ(a.size(), e.size()) << actual;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (e[i] == "[DONE]") {
      EXPECT_EQ(a[i], "[DONE]");
    } else {
      EXPECT_EQ(without_time(boost::json::parse(a[i])), boost::json::parse(e[i])) << "event " << i;
    }
  }
}

// The whole stream in one piece matches expected.sse; split in two at every byte it gives the
// same events and usage.
inline void check_stream_fixture(const ProviderCase& c) {
  const std::string raw = read_text(c.dir / "upstream_stream.sse");
  const std::string expected = read_text(c.dir / "expected.sse");
  model::Usage usage;
  expect_same_sse(translate_stream(c, {raw}, usage), expected);
  EXPECT_EQ(usage.total_tokens, c.meta.at("usage").at("total_tokens").to_number<std::uint64_t>());
  for (std::size_t cut = 1; cut < raw.size(); ++cut) {
    std::string_view v = raw;
    model::Usage u;
    std::string out = translate_stream(c, {v.substr(0, cut), v.substr(cut)}, u);
    ASSERT_EQ(sse_data(out).size(), sse_data(expected).size()) << "cut at " << cut;
    ASSERT_EQ(u.total_tokens, usage.total_tokens) << "cut at " << cut;
  }
}

// The wire request: path, JSON-equal body, dropped parameters and, when given, one header.
inline void check_request_fixture(const ProviderCase& c,
                                  const std::pair<std::string, std::string>* header = nullptr) {
  auto wire = c.adapter->translate_request(c.request);
  ASSERT_TRUE(wire) << wire.error().message;
  EXPECT_EQ(wire->target, c.meta.at("path").as_string());
  EXPECT_EQ(boost::json::parse(wire->body), read_json(c.dir / "upstream_request.json"));
  std::vector<std::string> dropped;
  for (const auto& d : c.meta.at("dropped").as_array()) dropped.emplace_back(d.as_string());
  EXPECT_EQ(wire->dropped, dropped);
  if (header != nullptr) {
    bool found = false;
    for (const auto& h : wire->headers) found = found || h == *header;
    EXPECT_TRUE(found) << header->first;
  }
}

// The provider's answer rendered for an OpenAI client equals expected.json.
inline void check_response_fixture(const ProviderCase& c) {
  auto response = c.adapter->translate_response(c.request, providers::UpstreamHead{200, {}},
                                                read_text(c.dir / "upstream_response.json"));
  ASSERT_TRUE(response) << response.error().message;
  std::string out = api::openai::render_response(c.request, *response);
  EXPECT_EQ(without_time(boost::json::parse(out)), read_json(c.dir / "expected.json"));
}

// The provider's error keeps its status and renders as expected_error.json.
inline void check_error_fixture(const ProviderCase& c) {
  unsigned status = static_cast<unsigned>(c.meta.at("status").to_number<int>());
  Error e = c.adapter->map_error(providers::UpstreamHead{status, {}},
                                 read_text(c.dir / "upstream_response.json"));
  EXPECT_EQ(model::http_status(e), status);
  EXPECT_EQ(boost::json::parse(api::openai::render_error(e)),
            read_json(c.dir / "expected_error.json"));
}

inline std::string case_name(const ::testing::TestParamInfo<std::filesystem::path>& info) {
  return info.param.filename().string();
}

}  // namespace sluice::testing
