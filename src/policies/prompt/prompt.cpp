#include "policies/prompt/prompt.hpp"

#include <boost/json.hpp>

namespace sluice::policies {

using pipeline::RequestContext;
namespace json = boost::json;

namespace {

std::optional<Error> fill_template(routing::RouteCall& ctx, const prompts::PromptTemplate& tpl,
                                   const prompts::PromptSpec& spec) {
  json::object& body = ctx.request.body;
  if (ctx.named_path) {
    // A named route's body holds the template's variables and the route's parameters; anything
    // else is most likely a typo, so it is refused rather than silently ignored.
    for (const auto& kv : body) {
      std::string_view key = kv.key();
      bool known = key == "stream" || key == "stream_options" || spec.parameters.contains(key);
      for (const auto& v : tpl.variables()) known = known || v == key;
      if (!known) {
        return Error::invalid(
            "Unexpected field '" + std::string(key) +
                "': it is neither a template variable nor one of the route's parameters.",
            std::string(key));
      }
    }
  }
  auto filled = tpl.render(body);
  if (!filled) return filled.error();
  for (const auto& v : tpl.variables()) body.erase(v);
  if (ctx.request.operation == model::Operation::kChat) {
    auto [system, user] = prompts::split_system(*filled);
    json::array messages;
    if (!system.empty()) messages.push_back(json::object{{"role", "system"}, {"content", system}});
    messages.push_back(json::object{{"role", "user"}, {"content", user}});
    body["messages"] = std::move(messages);
  } else {
    body["prompt"] = *filled;
  }
  return std::nullopt;
}

std::optional<Error> limit_max_tokens(json::object& body, const prompts::PromptSpec& spec) {
  if (!spec.max_tokens) return std::nullopt;
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    auto* v = body.if_contains(key);
    if (v == nullptr || !(v->is_int64() || v->is_uint64())) continue;
    if (v->is_int64() && v->get_int64() < 0) {
      std::string message = "'";
      message.append(key).append("' must not be negative.");
      return Error::invalid(std::move(message), key);
    }
    if (v->to_number<std::uint64_t>() <= *spec.max_tokens) continue;
    if (spec.clamp_max_tokens) {
      *v = *spec.max_tokens;
    } else {
      std::string message =
          "'";  // built by appending: GCC 12 misreports chained + here (-Wrestrict)
      message.append(key).append("' may be at most ").append(std::to_string(*spec.max_tokens));
      message.append(" on this endpoint.");
      return Error::invalid(std::move(message), key);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Error> PromptPolicy::apply(routing::RouteCall& ctx) {
  if (ctx.endpoint == nullptr || !ctx.endpoint->prompt) return std::nullopt;
  const prompts::PromptSpec& spec = *ctx.endpoint->prompt;
  json::object& body = ctx.request.body;

  // The client's prompt_version wins over the one a traffic route picked.
  if (const auto* v = body.if_contains("prompt_version")) {
    if (!v->is_string())
      return Error::invalid("'prompt_version' must be a string.", "prompt_version");
    ctx.prompt_version = v->get_string();
    body.erase("prompt_version");
  }
  if (!ctx.prompt_version.empty() && spec.version(ctx.prompt_version) == nullptr) {
    return Error::invalid("Unknown prompt version '" + ctx.prompt_version + "'.", "prompt_version");
  }
  const char* own = ctx.request.operation == model::Operation::kChat ? "messages" : "prompt";
  if (!spec.versions.empty() && ctx.request.operation != model::Operation::kEmbeddings &&
      !body.contains(own)) {
    if (ctx.prompt_version.empty()) ctx.prompt_version = spec.default_version;
    if (auto e = fill_template(ctx, *spec.version(ctx.prompt_version), spec)) return e;
  } else if (!spec.versions.empty()) {
    ctx.prompt_version.clear();  // the client brought its own messages: no template was used
  }
  for (const auto& kv : spec.parameters) {
    if (!body.contains(kv.key())) body[kv.key()] = kv.value();
  }
  for (const auto& kv : spec.overrides) body[kv.key()] = kv.value();
  if (auto e = limit_max_tokens(body, spec)) return e;
  if (const auto* s = body.if_contains("stream"); s && s->is_bool()) {
    ctx.request.stream = s->get_bool() && ctx.request.operation != model::Operation::kEmbeddings;
  }
  return std::nullopt;
}

pipeline::Step PromptPolicy::on_request(RequestContext& ctx, void* /*state*/) const {
  if (ctx.endpoint == nullptr || ctx.endpoint->prompt == nullptr || ctx.passthrough)
    return pipeline::Step::skip();
  if (auto e = apply(ctx)) return pipeline::Step::fail(std::move(*e));
  return pipeline::Step::next();
}

}  // namespace sluice::policies
