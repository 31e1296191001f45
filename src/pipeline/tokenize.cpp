#include "pipeline/tokenize.hpp"

#include <boost/json.hpp>

#include "config/workspace.hpp"
#include "tokenizer/chat_tokens.hpp"
#include "tokenizer/encoding.hpp"
#include "util/json_parse.hpp"

namespace sluice::pipeline {

namespace json = boost::json;

bool is_openai_model(std::string_view model) {
  for (std::string_view p : {"gpt-", "o1", "o3", "o4", "chatgpt-", "text-embedding-", "davinci",
                             "babbage", "text-davinci", "codex"}) {
    if (model.starts_with(p)) return true;
  }
  return false;
}

Result<std::string> tokenize(std::string_view text, const config::Snapshot& snapshot,
                             std::string_view workspace) {
  boost::system::error_code ec;
  json::value parsed = util::parse_json(text, ec);
  if (ec || !parsed.is_object()) return Error::invalid("The request body must be a JSON object.");
  const json::object& body = parsed.get_object();
  for (const auto& [k, v] : body) {
    if (k != "model" && k != "encoding" && k != "input" && k != "messages" && k != "allow_special")
      return Error::invalid("Unknown field '" + std::string(k) +
                                "' (model, encoding, input, messages, allow_special).",
                            std::string(k));
  }
  const tokenizer::Encoding* encoding = nullptr;
  std::string model;
  bool exact = true;
  if (const auto* e = body.if_contains("encoding")) {
    if (!e->is_string() || (encoding = tokenizer::Encoding::named(e->get_string())) == nullptr)
      return Error::invalid("'encoding' must be o200k_base, cl100k_base, p50k_base or r50k_base.",
                            "encoding");
  } else if (const auto* m = body.if_contains("model"); m && m->is_string()) {
    model = m->get_string();
    std::string_view provider = "openai";
    if (const auto* endpoint = snapshot.find(model);
        endpoint != nullptr && config::workspace_visible(workspace, endpoint->workspace)) {
      model = endpoint->model_name;
      provider = endpoint->provider;
    }
    encoding = &tokenizer::Encoding::for_model(model);
    exact = (provider == "openai" || provider == "azure") && is_openai_model(model);
  } else {
    return Error::invalid("Give 'model' (an endpoint or OpenAI model name) or 'encoding'.",
                          "model");
  }
  const auto* allow = body.if_contains("allow_special");
  if (allow && !allow->is_bool())
    return Error::invalid("'allow_special' must be a boolean.", "allow_special");
  const bool allow_special = allow && allow->get_bool();

  json::object out{{"object", "tokenize"}, {"encoding", encoding->name()}};
  if (!model.empty()) out["model"] = model;
  const auto* input = body.if_contains("input");
  const auto* messages = body.if_contains("messages");
  if ((input == nullptr) == (messages == nullptr))
    return Error::invalid("Give exactly one of 'input' and 'messages'.", "input");
  if (messages != nullptr) {
    if (!messages->is_array()) return Error::invalid("'messages' must be a list.", "messages");
    json::object wrapper{{"messages", *messages}};
    out["count"] = tokenizer::count_prompt_tokens(*encoding, model::Operation::kChat, wrapper);
  } else {
    std::vector<std::string_view> texts;
    if (input->is_string()) {
      texts.push_back(input->get_string());
    } else if (input->is_array()) {
      for (const auto& item : input->get_array()) {
        if (!item.is_string())
          return Error::invalid("'input' must be a string or a list of strings.", "input");
        texts.push_back(item.get_string());
      }
    } else {
      return Error::invalid("'input' must be a string or a list of strings.", "input");
    }
    json::array tokens;
    std::size_t count = 0;
    std::vector<tokenizer::Rank> ids;
    for (std::string_view t : texts) {
      ids.clear();
      encoding->encode(t, ids, allow_special);
      count += ids.size();
      json::array one;
      for (auto id : ids) one.emplace_back(id);
      tokens.emplace_back(std::move(one));
    }
    out["count"] = count;
    out["tokens"] = input->is_string() ? std::move(tokens.front()) : json::value(std::move(tokens));
  }
  out["exact"] = exact;
  return json::serialize(out);
}

}  // namespace sluice::pipeline
