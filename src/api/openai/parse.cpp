#include "api/openai/parse.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <set>

#include "providers/anthropic_fields.hpp"
#include "util/json_numbers.hpp"
#include "util/json_parse.hpp"

namespace sluice::api::openai {
namespace json = boost::json;

namespace {

Error missing(const std::string& param) { return missing_parameter(param); }

Error out_of_range(const std::string& param, std::string_view range) {
  Error e = Error::invalid("Invalid value for '" + param + "': must be " + std::string(range) + ".",
                           param);
  e.error_code = "invalid_value";
  return e;
}

// Checks an optional number field against [min, max].
Result<void> check_number(const json::object& body, const char* name, double min, double max) {
  const auto* v = body.if_contains(name);
  if (v == nullptr || v->is_null()) return {};
  if (!v->is_number()) return invalid_type(name, "a number");
  double d = v->to_number<double>();
  if (d < min || d > max) {
    return out_of_range(name, "between " + json::serialize(json::value(min)) + " and " +
                                  json::serialize(json::value(max)));
  }
  return {};
}

// Checks an optional integer field is >= min.
Result<void> check_integer(const json::object& body, const char* name, std::int64_t min) {
  const auto* v = body.if_contains(name);
  if (v == nullptr || v->is_null()) return {};
  // A double is integral when it has no fraction; it is compared with trunc(), not cast to an
  // integer type, which is undefined beyond that type's range (1e19, 1e300: found by fuzzing).
  bool integral = v->is_int64() || v->is_uint64() ||
                  (v->is_double() && std::isfinite(v->get_double()) &&
                   v->get_double() == std::trunc(v->get_double()));
  if (!integral) return invalid_type(name, "an integer");
  if (v->is_int64() && v->get_int64() < min) return out_of_range(name, ">= " + std::to_string(min));
  if (v->is_double() && v->get_double() < static_cast<double>(min))
    return out_of_range(name, ">= " + std::to_string(min));
  return {};
}

Result<void> check_stop(const json::object& body) {
  const auto* v = body.if_contains("stop");
  if (v == nullptr || v->is_null() || v->is_string()) return {};
  if (!v->is_array()) return invalid_type("stop", "a string or an array of strings");
  if (v->get_array().size() > 4) return out_of_range("stop", "at most 4 sequences");
  for (const auto& s : v->get_array()) {
    if (!s.is_string()) return invalid_type("stop", "a string or an array of strings");
  }
  return {};
}

Result<void> check_content_parts(const json::array& parts, const std::string& param) {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string p = param + "[" + std::to_string(i) + "]";
    if (!parts[i].is_object()) return invalid_type(p, "an object");
    const auto* type = parts[i].get_object().if_contains("type");
    if (type == nullptr) return missing(p + ".type");
    if (!type->is_string()) return invalid_type(p + ".type", "a string");
    if (*type == "anthropic_block") {
      // An Anthropic block carried as it is (providers/anthropic_fields.hpp): it needs a type.
      const auto* block = parts[i].get_object().if_contains("block");
      const auto* t = block != nullptr && block->is_object()
                          ? block->get_object().if_contains("type")
                          : nullptr;
      if (t == nullptr || !t->is_string()) return invalid_type(p + ".block.type", "a string");
    }
  }
  return {};
}

// The Anthropic-only fields an OpenAI-shaped message may carry back (docs/providers.md): the
// anthropic provider sends them on verbatim, so they are checked as Anthropic would check them
// rather than dropped on the way.
Result<void> check_anthropic_extras(const json::object& m, const std::string& p) {
  if (const auto* e = m.if_contains("is_error"); e && !e->is_null() && !e->is_bool())
    return invalid_type(p + ".is_error", "a boolean");
  if (const auto* r = m.if_contains("reasoning_content"); r && !r->is_null() && !r->is_string())
    return invalid_type(p + ".reasoning_content", "a string");
  const auto* blocks = m.if_contains("thinking_blocks");
  if (blocks == nullptr || blocks->is_null()) return {};
  if (!blocks->is_array()) return invalid_type(p + ".thinking_blocks", "an array");
  for (std::size_t i = 0; i < blocks->get_array().size(); ++i) {
    const std::string q = p + ".thinking_blocks[" + std::to_string(i) + "]";
    const json::object* b = blocks->get_array()[i].if_object();
    if (b == nullptr) return invalid_type(q, "an object");
    const auto* type = b->if_contains("type");
    auto is_string = [&](const char* key) {
      const auto* v = b->if_contains(key);
      return v != nullptr && v->is_string();
    };
    if (type != nullptr && *type == "thinking") {
      if (!is_string("thinking")) return invalid_type(q + ".thinking", "a string");
      const auto* sig = b->if_contains("signature");
      if (sig != nullptr && !sig->is_null() && !sig->is_string())
        return invalid_type(q + ".signature", "a string");
    } else if (type != nullptr && *type == "redacted_thinking") {
      if (!is_string("data")) return invalid_type(q + ".data", "a string");
    } else {
      return out_of_range(q + ".type", "'thinking' or 'redacted_thinking'");
    }
  }
  return {};
}

Result<void> check_messages(const json::object& body) {
  const auto* v = body.if_contains("messages");
  if (v == nullptr) return missing("messages");
  if (!v->is_array()) return invalid_type("messages", "an array");
  const auto& messages = v->get_array();
  if (messages.empty()) {
    return Error::invalid(
        "Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages");
  }
  static const std::set<std::string_view> kRoles = {"system", "user",      "assistant",
                                                    "tool",   "developer", "function"};
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const std::string p = "messages[" + std::to_string(i) + "]";
    if (!messages[i].is_object()) return invalid_type(p, "an object");
    const auto& m = messages[i].get_object();
    const auto* role = m.if_contains("role");
    if (role == nullptr) return missing(p + ".role");
    if (!role->is_string() || !kRoles.contains(role->get_string())) {
      return out_of_range(p + ".role",
                          "one of 'system', 'user', 'assistant', 'tool', 'developer', 'function'");
    }
    const auto* content = m.if_contains("content");
    bool assistant = role->get_string() == "assistant";
    if (auto r = check_anthropic_extras(m, p); !r) return r;
    if (content == nullptr || content->is_null()) {
      if (assistant && (m.contains("tool_calls") || m.contains("function_call"))) continue;
      if (assistant && content != nullptr) continue;  // assistant content: null is allowed
      return missing(p + ".content");
    }
    if (content->is_array()) {
      if (auto r = check_content_parts(content->get_array(), p + ".content"); !r) return r;
    } else if (!content->is_string()) {
      return invalid_type(p + ".content", "a string or an array of content parts");
    }
    if (role->get_string() == "tool") {
      const auto* id = m.if_contains("tool_call_id");
      if (id == nullptr) return missing(p + ".tool_call_id");
      if (!id->is_string()) return invalid_type(p + ".tool_call_id", "a string");
    }
  }
  return {};
}

// String, array of strings, array of token ids, or array of token-id arrays; never empty.
Result<void> check_text_input(const json::object& body, const char* name, bool required) {
  const auto* v = body.if_contains(name);
  if (v == nullptr) return required ? Result<void>(missing(name)) : Result<void>();
  const char* expected = "a string, an array of strings, or an array of token arrays";
  if (v->is_string()) return {};
  if (!v->is_array()) return invalid_type(name, expected);
  const auto& arr = v->get_array();
  if (arr.empty()) {
    return Error::invalid(
        "Invalid '" + std::string(name) + "': empty array. Expected at least one input.", name);
  }
  bool tokens = arr[0].is_int64() || arr[0].is_uint64();
  for (const auto& e : arr) {
    if (tokens ? !(e.is_int64() || e.is_uint64()) : !(e.is_string() || e.is_array())) {
      return invalid_type(name, expected);
    }
    if (e.is_array()) {
      for (const auto& t : e.get_array()) {
        if (!t.is_int64() && !t.is_uint64()) return invalid_type(name, expected);
      }
    }
  }
  return {};
}

}  // namespace

Error missing_parameter(const std::string& param) {
  Error e = Error::invalid("Missing required parameter: '" + param + "'.", param);
  e.error_code = "missing_required_parameter";
  return e;
}

Error invalid_type(const std::string& param, std::string_view expected) {
  Error e = Error::invalid(
      "Invalid type for '" + param + "': expected " + std::string(expected) + ".", param);
  e.error_code = "invalid_type";
  return e;
}

Result<model::Request> parse_request(model::Operation operation, std::string_view body) {
  model::Request request;
  if (auto r = parse_request_into(operation, body, request); !r) return r.error();
  return request;
}

Result<void> parse_request_into(model::Operation operation, std::string_view body,
                                model::Request& request) {
  boost::system::error_code ec;
  json::value parsed = util::parse_json_keeping_numbers(body, ec, request.body.storage());
  if (util::too_deep(ec)) return Error::invalid(std::string(util::kTooDeepMessage));
  if (ec) {
    return Error::invalid(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
        "using your HTTP library correctly. The OpenAI API expects a JSON payload.)");
  }
  if (!parsed.is_object()) return Error::invalid("The request body must be a JSON object.");
  request.operation = operation;
  request.body = std::move(parsed.get_object());
  const json::object& b = request.body;

  const auto* model = b.if_contains("model");
  if (model == nullptr) return missing("model");
  if (!model->is_string() || model->get_string().empty())
    return invalid_type("model", "a non-empty string");
  request.endpoint = model->get_string();

  if (const auto* stream = b.if_contains("stream"); stream && !stream->is_null()) {
    if (!stream->is_bool()) return invalid_type("stream", "a boolean");
    request.stream = stream->get_bool();
  }
  if (const auto* options = b.if_contains("stream_options"); options && !options->is_null()) {
    if (!options->is_object()) return invalid_type("stream_options", "an object");
    if (!request.stream) {
      return Error::invalid(
          "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
          "stream_options");
    }
    if (const auto* inc = options->get_object().if_contains("include_usage");
        inc && !inc->is_null()) {
      if (!inc->is_bool()) return invalid_type("stream_options.include_usage", "a boolean");
      request.include_usage = inc->get_bool();
    }
  }

  switch (operation) {
    case model::Operation::kChat:
      if (!request.templated || b.contains("messages")) {
        if (auto r = check_messages(b); !r) return r.error();
      }
      // cache_control as other gateways take it, or an Anthropic answer's thinking sent back.
      request.anthropic_fields = providers::carries_anthropic_fields(b);
      break;
    case model::Operation::kCompletions:
      if (auto r = check_text_input(b, "prompt", !request.templated); !r) return r.error();
      break;
    case model::Operation::kEmbeddings: {
      if (request.stream) return Error::invalid("Embeddings cannot be streamed.", "stream");
      if (auto r = check_text_input(b, "input", true); !r) return r.error();
      if (const auto* f = b.if_contains("encoding_format"); f && !f->is_null()) {
        if (!f->is_string() || (f->get_string() != "float" && f->get_string() != "base64")) {
          return out_of_range("encoding_format", "'float' or 'base64'");
        }
        request.embeddings_base64 = f->get_string() == "base64";
      }
      if (auto r = check_integer(b, "dimensions", 1); !r) return r.error();
      return {};
    }
    case model::Operation::kCustom:
      return {};  // no OpenAI path serves custom/v1/predict; the handler refuses it first
  }
  for (auto [name, min, max] :
       {std::tuple{"temperature", 0.0, 2.0}, std::tuple{"top_p", 0.0, 1.0},
        std::tuple{"presence_penalty", -2.0, 2.0}, std::tuple{"frequency_penalty", -2.0, 2.0}}) {
    if (auto r = check_number(b, name, min, max); !r) return r.error();
  }
  for (auto [name, min] :
       {std::pair{"n", 1}, std::pair{"max_tokens", 1}, std::pair{"max_completion_tokens", 1}}) {
    if (auto r = check_integer(b, name, min); !r) return r.error();
  }
  if (auto r = check_stop(b); !r) return r.error();
  return {};
}

}  // namespace sluice::api::openai
