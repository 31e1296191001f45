#include "providers/mlflow_serving/adapter.hpp"

#include <boost/json.hpp>
#include <ctime>

#include "providers/common/support.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::mlflow_serving {
namespace json = boost::json;

namespace {

Error bad_answer(std::string message) {
  return common::bad_answer("mlflow-model-serving", std::move(message));
}

// MLflow's reading of "predictions" for text: a list of strings, or a dict with one key (its
// value), or a dict with "choices".
Result<std::vector<std::string>> texts_of(const json::value* predictions) {
  const json::value* p = predictions;
  if (p != nullptr && p->is_object()) {
    const auto& o = p->get_object();
    if (o.size() == 1) {
      p = &o.begin()->value();
    } else if (o.contains("choices")) {
      p = &o.at("choices");
    } else {
      return bad_answer(
          "The dict format is invalid for this route type. Ensure the served model returns a "
          "dict key containing 'choices'");
    }
  }
  if (p == nullptr || !p->is_array() || p->get_array().empty())
    return bad_answer("The served model returned no predictions.");
  std::vector<std::string> out;
  for (const auto& v : p->get_array()) {
    if (!v.is_string()) return bad_answer("The served model's predictions must be strings.");
    out.emplace_back(v.get_string());
  }
  return out;
}

}  // namespace

Result<UpstreamRequest> MlflowServingAdapter::translate_request(
    const model::Request& request) const {
  if (request.stream) {
    return Error::invalid("The mlflow-model-serving provider does not stream; send stream: false.",
                          "stream");
  }
  const json::object& in = request.body;
  const char* key = request.operation == model::Operation::kChat          ? "messages"
                    : request.operation == model::Operation::kCompletions ? "prompt"
                                                                          : "input";
  json::array inputs;
  if (const json::value* given = in.if_contains(key); given && given->is_array()) {
    inputs = given->get_array();
  } else if (given != nullptr && !given->is_null()) {
    inputs.push_back(*given);
  }
  if (request.operation == model::Operation::kChat) {
    // MLflow's rule: one query at a time, sent as its text.
    if (inputs.size() != 1) {
      return Error::make(ErrorCode::kUnprocessable,
                         "MLflow chat models are only capable of processing a single query at a "
                         "time. The request submitted consists of " +
                             std::to_string(inputs.size()) + " queries.");
    }
    const json::value* content =
        inputs[0].is_object() ? inputs[0].get_object().if_contains("content") : nullptr;
    if (content == nullptr || !content->is_string())
      return Error::invalid("The message content must be a string for this provider.", "messages");
    inputs = json::array{*content};
  }
  json::object params;
  for (const auto& kv : in) {
    if (kv.key() == key || kv.key() == "model" || kv.key() == "stream" ||
        kv.key() == "stream_options" || kv.value().is_null()) {
      continue;
    }
    params[kv.key()] = kv.value();
  }
  json::object body{{"inputs", std::move(inputs)}};
  if (!params.empty()) body["params"] = std::move(params);
  UpstreamRequest out;
  out.target = upstream_.url.path + "/invocations";
  out.headers.emplace_back("Content-Type", "application/json");
  out.body = json::serialize(body);
  return out;
}

Result<model::Response> MlflowServingAdapter::translate_response(const model::Request& request,
                                                                 const UpstreamHead&,
                                                                 std::string_view text) const {
  auto parsed = common::parse_answer("mlflow-model-serving", text, request.body.storage());
  if (!parsed) return parsed.error();
  const json::value* predictions = parsed->if_contains("predictions");
  if (predictions == nullptr)
    return bad_answer("The response is missing the required key: predictions.");
  model::Response response;
  json::object out(request.body.storage());
  out["model"] = model_;
  if (request.operation == model::Operation::kEmbeddings) {
    if (!predictions->is_array() || predictions->get_array().empty())
      return bad_answer("The served model returned no embeddings.");
    json::array vectors;
    const auto& list = predictions->get_array();
    if (list[0].is_number()) {
      vectors.push_back(list);  // one flat vector
    } else {
      vectors = list;
    }
    json::array data;
    std::int64_t i = 0;
    for (auto& v : vectors) {
      if (!v.is_array() || v.get_array().empty())
        return bad_answer("One or more lists in the returned prediction response are empty");
      data.push_back(json::object{{"object", "embedding"}, {"index", i++}, {"embedding", v}});
    }
    out["object"] = "list";
    out["data"] = std::move(data);
    response.body = std::move(out);
    return response;
  }
  auto texts = texts_of(predictions);
  if (!texts) return texts.error();
  const bool chat = request.operation == model::Operation::kChat;
  out["id"] = "mlflow-serving";
  out["object"] = chat ? "chat.completion" : "text_completion";
  out["created"] = static_cast<std::int64_t>(std::time(nullptr));
  json::array choices;
  std::int64_t i = 0;
  for (auto& t : *texts) {
    if (chat) {
      choices.push_back(json::object{{"index", i++},
                                     {"message", {{"role", "assistant"}, {"content", t}}},
                                     {"finish_reason", nullptr}});
    } else {
      choices.push_back(json::object{
          {"index", i++}, {"text", t}, {"finish_reason", nullptr}, {"logprobs", nullptr}});
    }
  }
  out["choices"] = std::move(choices);
  response.body = std::move(out);
  return response;
}

std::unique_ptr<StreamTranslator> MlflowServingAdapter::open_stream(const model::Request&) const {
  return nullptr;  // never called: translate_request refuses streams
}

Error MlflowServingAdapter::map_error(const UpstreamHead& head, std::string_view body) const {
  // MLflow's scoring server: {"error_code": "BAD_REQUEST", "message": "…"}
  std::string message, code;
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (!ec && parsed.is_object()) {
    const auto& o = parsed.get_object();
    if (const auto* m = o.if_contains("message"); m && m->is_string()) message = m->get_string();
    if (const auto* c = o.if_contains("error_code"); c && c->is_string()) code = c->get_string();
  }
  Error error =
      common::upstream_error("mlflow-model-serving", head.status, std::move(message), body);
  error.error_code = std::move(code);
  return error;
}

Result<std::shared_ptr<const ProviderAdapter>> make_mlflow_serving_adapter(
    const AdapterSpec& spec) {
  const ConfigMap& config = *spec.config;
  auto url_text = config.string("model_server_url");
  if (!url_text) return url_text.error();
  if (!*url_text) return config.fail_section("model_server_url is required");
  std::string why;
  auto url = util::parse_base_url(**url_text, why);
  if (!url) return config.fail("model_server_url", "'" + **url_text + "' " + why);
  if (auto r = config.reject_unknown(); !r) return r.error();
  Upstream upstream;
  upstream.url = *url;
  return std::shared_ptr<const ProviderAdapter>(
      std::make_shared<MlflowServingAdapter>(spec.model_name, std::move(upstream)));
}

}  // namespace sluice::providers::mlflow_serving
