#include "providers/mock/adapter.hpp"

#include "providers/mock/responder.hpp"
#include "providers/openai/adapter.hpp"

namespace sluice::providers::mock {

Result<std::shared_ptr<const ProviderAdapter>> make_mock_adapter(const AdapterSpec& spec) {
  const ConfigMap& config = *spec.config;
  MockSettings s;
  auto text = config.string("text");
  if (!text) return text.error();
  if (*text) s.text = **text;
  auto echo = config.boolean("echo");
  auto usage = config.boolean("usage");
  for (auto* r : {&echo, &usage}) {
    if (!*r) return r->error();
  }
  s.echo = echo->value_or(false);
  s.report_usage = usage->value_or(true);

  constexpr long long kHour = 3'600'000;
  auto latency = config.integer("latency_ms", 0, kHour);
  auto delay = config.integer("chunk_delay_ms", 0, kHour);
  auto chunks = config.integer("stream_chunks", 1, 100000);
  auto prompt = config.integer("prompt_tokens", 0, 1LL << 40);
  auto completion = config.integer("completion_tokens", 0, 1LL << 40);
  auto dims = config.integer("embedding_dims", 1, 65536);
  auto fail = config.integer("fail_status", 400, 599);
  for (auto* r : {&latency, &delay, &chunks, &prompt, &completion, &dims, &fail}) {
    if (!*r) return r->error();
  }
  s.latency = std::chrono::milliseconds(latency->value_or(0));
  s.chunk_delay = std::chrono::milliseconds(delay->value_or(0));
  if (*chunks) s.stream_chunks = static_cast<unsigned>(**chunks);
  if (*prompt) s.prompt_tokens = static_cast<std::uint64_t>(**prompt);
  if (*completion) s.completion_tokens = static_cast<std::uint64_t>(**completion);
  if (*dims) s.embedding_dims = static_cast<unsigned>(**dims);
  if (*fail) s.fail_status = static_cast<unsigned>(**fail);
  if (auto r = config.reject_unknown(); !r) return r.error();

  openai::OpenAiSettings settings;
  settings.provider_name = "mock";
  settings.model = spec.model_name.empty() ? "mock" : spec.model_name;
  settings.upstream.url = util::BaseUrl{"mock", "local", 0, "/v1"};
  settings.upstream.local = std::make_shared<MockResponder>(std::move(s));
  return std::shared_ptr<const ProviderAdapter>(
      std::make_shared<openai::OpenAiAdapter>(std::move(settings)));
}

}  // namespace sluice::providers::mock
