#include "providers/huggingface/adapter.hpp"

#include <boost/json.hpp>
#include <ctime>

#include "providers/common/sse_parser.hpp"
#include "providers/openai/adapter.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::huggingface {
namespace json = boost::json;

namespace {

constexpr const char* kProvider = "huggingface-text-generation-inference";

Error fail(ErrorCode code, std::string message) {
  Error e = Error::make(code, std::move(message));
  e.provider = kProvider;
  return e;
}

std::optional<std::uint64_t> count(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v != nullptr && v->is_uint64()) return v->get_uint64();
  if (v != nullptr && v->is_int64() && v->get_int64() >= 0)
    return static_cast<std::uint64_t>(v->get_int64());
  return std::nullopt;
}

json::object completion_chunk(const std::string& model, std::time_t created, std::string_view text,
                              json::value finish) {
  return json::object{{"id", "tgi"},
                      {"object", "text_completion"},
                      {"created", static_cast<std::int64_t>(created)},
                      {"model", model},
                      {"choices", json::array{json::object{{"index", 0},
                                                           {"text", text},
                                                           {"finish_reason", std::move(finish)},
                                                           {"logprobs", nullptr}}}}};
}

// /generate_stream: `data: {"token": {"text": …}, "generated_text": null, "details": null}`
// per token; the last has the whole text and `details` with the finish reason.
class GenerateStreamTranslator : public StreamTranslator {
 public:
  explicit GenerateStreamTranslator(std::string model)
      : model_(std::move(model)), created_(std::time(nullptr)) {}

  Result<void> feed(std::string_view bytes, std::vector<model::StreamEvent>& out) override {
    std::optional<Error> failure;
    parser_.feed(bytes, [&](common::SseEvent& event) {
      if (done_ || event.data.empty()) return true;
      boost::system::error_code ec;
      json::value parsed = util::parse_json(event.data, ec);
      if (ec || !parsed.is_object()) {
        failure =
            fail(ErrorCode::kUpstreamUnavailable, "provider sent a stream event that is not JSON");
        return false;
      }
      const json::object& e = parsed.get_object();
      if (const auto* err = e.if_contains("error"); err && err->is_string()) {
        failure = fail(ErrorCode::kUpstreamServerError, std::string(err->get_string()));
        return false;
      }
      const json::value* token = e.if_contains("token");
      const json::value* text =
          token && token->is_object() ? token->get_object().if_contains("text") : nullptr;
      const bool special = token && token->is_object() && token->get_object().contains("special") &&
                           token->get_object().at("special") == true;
      json::value finish = nullptr;
      const json::value* details = e.if_contains("details");
      if (details != nullptr && details->is_object()) {
        const auto& d = details->get_object();
        if (const auto* f = d.if_contains("finish_reason"); f && f->is_string())
          finish = finish_reason(f->get_string());
        usage_.completion_tokens = count(d, "generated_tokens");
        if (usage_.completion_tokens) usage_.total_tokens = usage_.completion_tokens;
        done_ = true;
      }
      model::StreamEvent ev;
      ev.chunk = completion_chunk(
          model_, created_,
          text && text->is_string() && !special ? std::string_view(text->get_string()) : "",
          std::move(finish));
      out.push_back(std::move(ev));
      if (done_ && !usage_.empty()) {
        model::StreamEvent u;
        u.kind = model::StreamEvent::Kind::kUsage;
        u.usage = usage_;
        u.chunk = completion_chunk(model_, created_, "", nullptr);
        u.chunk["choices"] = json::array{};
        u.chunk["usage"] = model::usage_to_openai(usage_);
        out.push_back(std::move(u));
      }
      return true;
    });
    if (parser_.overflowed())
      return fail(ErrorCode::kUpstreamUnavailable, std::string(common::SseParser::kTooLarge));
    if (failure) return *failure;
    return {};
  }

  Result<void> finish(std::vector<model::StreamEvent>&) override {
    if (!done_)
      return fail(ErrorCode::kUpstreamUnavailable, "provider stream ended before it was complete");
    return {};
  }

 private:
  std::string model_;
  std::time_t created_;
  common::SseParser parser_;
  model::Usage usage_;
  bool done_ = false;
};

}  // namespace

std::string_view finish_reason(std::string_view r) {
  return r == "length" ? "length" : "stop";  // eos_token, stop_sequence
}

std::unique_ptr<StreamTranslator> make_generate_stream_translator(std::string model) {
  return std::make_unique<GenerateStreamTranslator>(std::move(model));
}

TgiAdapter::TgiAdapter(std::string model, Upstream upstream, std::string token,
                       std::shared_ptr<const ProviderAdapter> chat)
    : model_(std::move(model)),
      upstream_(std::move(upstream)),
      token_(std::move(token)),
      chat_(std::move(chat)) {
  if (!token_.empty()) secrets_.push_back(token_);
}

Result<UpstreamRequest> TgiAdapter::translate_request(const model::Request& request) const {
  if (request.operation == model::Operation::kChat) return chat_->translate_request(request);
  const json::object& in = request.body;
  const json::value* prompt = in.if_contains("prompt");
  if (prompt != nullptr && prompt->is_array() && prompt->get_array().size() == 1)
    prompt = &prompt->get_array()[0];
  if (prompt == nullptr || !prompt->is_string())
    return Error::invalid("This provider takes one prompt string.", "prompt");
  json::object parameters;
  for (const auto& kv : in) {
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "model" || key == "prompt" || key == "stream" || key == "stream_options" ||
        v.is_null())
      continue;
    if (key == "n") {
      if (!(v.is_number() && v.to_number<double>() == 1)) {
        // MLflow's words for the same refusal.
        return Error::make(
            ErrorCode::kUnprocessable,
            "'n' must be '1' for the Text Generation Inference provider. Received value: '" +
                json::serialize(v) + "'.");
      }
    } else if (key == "max_tokens") {
      parameters["max_new_tokens"] = v;
    } else if (key == "temperature") {
      // TGI samples only with a positive temperature; 0 means greedy decoding.
      if (v.is_number() && v.to_number<double>() > 0) {
        parameters["temperature"] = v;
        parameters["do_sample"] = true;
      }
    } else if (key == "stop") {
      parameters["stop"] = v.is_string() ? json::value(json::array{v}) : v;
    } else if (key == "top_p" || key == "top_k" || key == "seed" || key == "repetition_penalty" ||
               key == "frequency_penalty" || key == "typical_p" || key == "do_sample" ||
               key == "watermark" || key == "truncate" || key == "return_full_text") {
      parameters[key] = v;
    } else {
      return Error::invalid(
          "'" + std::string(key) + "' is not supported by the Text Generation Inference provider.",
          std::string(key));
    }
  }
  if (!request.stream) {
    parameters["details"] = true;
    parameters["decoder_input_details"] = true;  // the prompt's tokens, to count them
  }
  UpstreamRequest out;
  out.target = upstream_.url.path + (request.stream ? "/generate_stream" : "/generate");
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("Accept", request.stream ? "text/event-stream" : "application/json");
  if (!token_.empty()) out.headers.emplace_back("Authorization", "Bearer " + token_);
  out.body =
      json::serialize(json::object{{"inputs", *prompt}, {"parameters", std::move(parameters)}});
  return out;
}

Result<model::Response> TgiAdapter::translate_response(const model::Request& request,
                                                       const UpstreamHead& head,
                                                       std::string_view body) const {
  if (request.operation == model::Operation::kChat)
    return chat_->translate_response(request, head, body);
  boost::system::error_code ec;
  json::value parsed = util::parse_json(body, ec, request.body.storage());
  // /generate answers an object; some versions a one-element list of it.
  if (!ec && parsed.is_array() && parsed.get_array().size() == 1) {
    json::value first = parsed.get_array()[0];
    parsed = std::move(first);
  }
  if (ec || !parsed.is_object() || !parsed.get_object().contains("generated_text"))
    return fail(ErrorCode::kUpstreamUnavailable, "provider returned no generated_text");
  const json::object& o = parsed.get_object();
  model::Response response;
  std::string finish = "stop";
  if (const auto* d = o.if_contains("details"); d && d->is_object()) {
    const auto& details = d->get_object();
    if (const auto* f = details.if_contains("finish_reason"); f && f->is_string())
      finish = finish_reason(f->get_string());
    response.usage.completion_tokens = count(details, "generated_tokens");
    if (const auto* prefill = details.if_contains("prefill"); prefill && prefill->is_array())
      response.usage.prompt_tokens = prefill->get_array().size();
    if (response.usage.prompt_tokens || response.usage.completion_tokens)
      response.usage.total_tokens =
          response.usage.prompt_tokens.value_or(0) + response.usage.completion_tokens.value_or(0);
  }
  json::object out = completion_chunk(model_, std::time(nullptr),
                                      o.at("generated_text").is_string()
                                          ? std::string_view(o.at("generated_text").get_string())
                                          : "",
                                      json::value(finish));
  if (!response.usage.empty()) out["usage"] = model::usage_to_openai(response.usage);
  response.body = json::object(std::move(out), request.body.storage());
  return response;
}

std::unique_ptr<StreamTranslator> TgiAdapter::open_stream(const model::Request& request) const {
  if (request.operation == model::Operation::kChat) return chat_->open_stream(request);
  return make_generate_stream_translator(model_);
}

Error TgiAdapter::map_error(const UpstreamHead& head, std::string_view body) const {
  // TGI: {"error": "…", "error_type": "validation"}; its OpenAI route answers OpenAI's shape.
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (!ec && parsed.is_object()) {
    const auto& o = parsed.get_object();
    if (const auto* m = o.if_contains("error"); m && m->is_string()) {
      Error error = fail(
          head.status >= 500 ? ErrorCode::kUpstreamServerError : ErrorCode::kUpstreamClientError,
          std::string(m->get_string()));
      error.upstream_status = head.status;
      if (const auto* t = o.if_contains("error_type"); t && t->is_string())
        error.error_code = t->get_string();
      return error;
    }
  }
  Error error = chat_->map_error(head, body);
  error.provider = kProvider;
  return error;
}

Result<std::shared_ptr<const ProviderAdapter>> make_tgi_adapter(const AdapterSpec& spec) {
  const ConfigMap& config = *spec.config;
  auto server = config.string("hf_server_url");
  auto endpoint = config.string("hf_endpoint_url");
  auto token = config.string("hf_api_token");
  for (auto* r : {&server, &endpoint, &token}) {
    if (!*r) return r->error();
  }
  if (*server && *endpoint)
    return config.fail("hf_endpoint_url", "give hf_server_url or hf_endpoint_url, not both");
  if (!*server && !*endpoint) return config.fail_section("hf_server_url is required");
  const std::string field = *server ? "hf_server_url" : "hf_endpoint_url";
  const std::string url_text = *server ? **server : **endpoint;
  std::string why;
  auto url = util::parse_base_url(url_text, why);
  if (!url) return config.fail(field, "'" + url_text + "' " + why);
  if (auto r = config.reject_unknown(); !r) return r.error();
  // Chat goes to TGI's OpenAI-compatible route under the same server.
  openai::OpenAiSettings chat;
  chat.provider_name = "huggingface-text-generation-inference";
  chat.model = spec.model_name.empty() ? "tgi" : spec.model_name;
  chat.upstream.url = *url;
  chat.upstream.url.path += "/v1";
  chat.api_key = token->value_or("");
  Upstream upstream;
  upstream.url = *url;
  return std::shared_ptr<const ProviderAdapter>(std::make_shared<TgiAdapter>(
      spec.model_name.empty() ? "tgi" : spec.model_name, std::move(upstream), token->value_or(""),
      std::make_shared<openai::OpenAiAdapter>(std::move(chat))));
}

}  // namespace sluice::providers::huggingface
