// The input-token counters clients call before they send: Anthropic's POST
// /v1/messages/count_tokens ({"input_tokens": N}) and the Responses API's POST
// /v1/responses/input_tokens ({"object": "response.input_tokens", "input_tokens": N}). The count
// comes from where the tokens are counted for billing, when that is known:
//   - an anthropic endpoint: Anthropic's own count_tokens (the client's body as it is, on
//     /v1/messages/count_tokens; the translated request on /v1/responses/input_tokens);
//   - an openai endpoint on /v1/responses/input_tokens: OpenAI's own, the client's body as it is;
//   - a gemini endpoint: Gemini's countTokens on the translated request;
//   - an OpenAI model on an openai or azure endpoint: the model's tiktoken encoding, exact for text
//     messages (tools and images are not counted locally, so with them it is an estimate);
//   - anything else: an estimate.
// `x-sluice-token-count: exact | estimate` says which. The endpoint is the one the request would
// go to (a route's first destination); the gateway key must be allowed to call it. A provider's
// refusal (4xx) is the client's answer; a provider that cannot be reached gives way to the
// estimate, so a count is never the reason a client stops.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "api/anthropic/anthropic_api.hpp"
#include "pipeline/handler/handler.hpp"
#include "pipeline/handler/response_headers.hpp"
#include "pipeline/tokenize.hpp"
#include "policies/auth/auth.hpp"
#include "policies/guardrails/guardrails.hpp"
#include "providers/anthropic_fields.hpp"
#include "tokenizer/chat_tokens.hpp"
#include "tokenizer/encoding.hpp"
#include "util/json_parse.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Bodies up to this size are tokenized on the event loop; larger ones go to the CPU pool.
constexpr std::size_t kInlineTokenizeBytes = 64 * 1024;

// What Anthropic's count_tokens takes of a Messages body (it refuses the rest, max_tokens
// included).
constexpr std::string_view kAnthropicCountFields[] = {
    "model", "messages", "system", "tools", "tool_choice", "thinking", "mcp_servers"};

// Whether a chat body holds only what the local counter counts: text messages, no tools.
bool text_only(const json::object& body) {
  if (const auto* tools = body.if_contains("tools");
      tools && tools->is_array() && !tools->get_array().empty())
    return false;
  const auto* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) return false;
  for (const auto& m : messages->get_array()) {
    const auto* content = m.is_object() ? m.get_object().if_contains("content") : nullptr;
    if (content == nullptr || !content->is_array()) continue;
    for (const auto& part : content->get_array()) {
      const auto* type = part.is_object() ? part.get_object().if_contains("type") : nullptr;
      if (type == nullptr || *type != "text") return false;
    }
  }
  return true;
}

// The whole count: tokens of the messages by the model's encoding, plus about a token per four
// characters of the tool definitions the encoder does not see.
std::uint64_t local_count(const model::Request& request, std::string_view model) {
  std::uint64_t n = tokenizer::count_prompt_tokens(tokenizer::Encoding::for_model(model),
                                                   model::Operation::kChat, request.body);
  if (const auto* tools = request.body.if_contains("tools"))
    n += (json::serialize(*tools).size() + 3) / 4;
  return n;
}

// The provider's count from its answer: Anthropic's input_tokens, Gemini's totalTokens.
std::optional<std::uint64_t> provider_count(std::string_view body, std::string_view field) {
  boost::system::error_code ec;
  json::value v = util::parse_json(body, ec);
  const json::value* n = !ec && v.is_object() ? v.get_object().if_contains(field) : nullptr;
  if (n != nullptr && n->is_uint64()) return n->get_uint64();
  if (n != nullptr && n->is_int64() && n->get_int64() >= 0)
    return static_cast<std::uint64_t>(n->get_int64());
  return std::nullopt;
}

}  // namespace

asio::awaitable<void> Handler::count_tokens(Call& call) {
  RequestContext& ctx = call.ctx;
  const HttpRequest& http = call.http;
  const bool responses = call.match.api == "responses";
  // The client's request as the internal (chat) request. Anthropic's count_tokens body has no
  // max_tokens, which its Messages parser requires: one is added for the parse only.
  boost::system::error_code ec;
  json::value client = util::parse_json(http.body, ec);
  if (!responses && !ec && client.is_object() && !client.get_object().contains("max_tokens"))
    client.get_object()["max_tokens"] = 1;
  // A Responses request for an OpenAI endpoint is counted by OpenAI as it is (native_responses:
  // hosted tools and all), not read as chat first.
  const bool native = responses && native_responses(call);
  if (native) {
    ctx.request.endpoint = client.get_object().at("model").get_string();
  } else if (auto parsed = call.api->api->parse(
                 model::Operation::kChat,
                 responses || ec ? std::string(http.body) : json::serialize(client), ctx.request);
             !parsed) {
    co_await send_error(call, parsed.error());
    co_return;
  }
  // A Responses request continuing a kept one is counted with the conversation it continues; one
  // OpenAI keeps may be counted only by the key that made it.
  // (Nested ifs: GCC 12 mishandles co_await in a short-circuit operand.)
  if (responses && !native) {
    if (!co_await prepare_stored_response(call)) co_return;
  } else if (native) {
    ctx.request.body = client.get_object();
    if (!co_await check_native_previous(call)) co_return;
  }
  ctx.request.anthropic_beta = http.header_list("anthropic-beta");  // as on the model call
  if (!responses) {
    if (auto bad = client_anthropic_version(http, ctx.request.anthropic_version)) {
      co_await send_error(call, *bad);
      co_return;
    }
  }
  if (!resolve(ctx, ctx.request.endpoint) || ctx.endpoint->operation != model::Operation::kChat) {
    Error e = Error::make(ErrorCode::kNotFound, "The model '" + ctx.request.endpoint +
                                                    "' is not a chat endpoint or route of this "
                                                    "gateway.");
    e.param = "model";
    e.error_code = "model_not_found";
    co_await send_error(call, e);
    co_return;
  }
  if (ctx.key && (!policies::key_allows_endpoint(*ctx.key, ctx.request.endpoint) ||
                  !policies::key_allows_model(*ctx.key, ctx.endpoint->model_name))) {
    co_await send_error(call, Error::make(ErrorCode::kForbidden, "This gateway key may not use '" +
                                                                     ctx.request.endpoint + "'."));
    co_return;
  }

  const providers::ProviderAdapter& adapter = *ctx.endpoint->adapter;
  const std::string_view provider = adapter.provider();
  // As the router does: a provider that does not read Anthropic-only fields gets them stripped.
  std::vector<std::string> stripped_fields;
  auto stripped = providers::request_for(ctx.request, adapter, stripped_fields);
  if (!stripped) {
    co_await send_error(call, stripped.error());
    co_return;
  }
  const model::Request& request = *stripped ? **stripped : ctx.request;
  std::optional<std::uint64_t> tokens;
  bool exact = false;
  // Anthropic's and Gemini's own counters: one request to the provider.
  std::optional<providers::UpstreamRequest> wire;
  std::optional<Error> refused;  // the provider's translation refused the request
  std::string_view field;
  if (provider == "anthropic") {
    field = "input_tokens";
    if (!responses && client.is_object()) {
      json::object body = std::move(client.get_object());
      body.erase("max_tokens");  // (added above for the parse)
      auto w = adapter.passthrough_request("/messages/count_tokens", body, false);
      if (w) wire = std::move(*w);
    } else if (auto w = adapter.translate_request(ctx.request); !w) {
      refused = w.error();
    } else {
      json::value sent = util::parse_json(w->body, ec);
      if (!ec && sent.is_object()) {
        json::object kept;
        for (std::string_view f : kAnthropicCountFields) {
          if (const auto* v = sent.get_object().if_contains(f)) kept[f] = *v;
        }
        w->body = json::serialize(kept);
        w->target += "/count_tokens";
        wire = std::move(*w);
      }
    }
    if (wire && !responses) {
      // (translate_request has set it on the Responses path)
      std::string beta = adapter.anthropic_beta(ctx.request.anthropic_beta, wire->dropped);
      if (!beta.empty()) wire->headers.emplace_back("anthropic-beta", std::move(beta));
      providers::use_client_anthropic_version(*wire, ctx.request.anthropic_version);
    }
  } else if (native) {
    // OpenAI counts a Responses request itself, tools and images included.
    field = "input_tokens";
    auto w = adapter.passthrough_request("/responses/input_tokens", client.get_object(), false);
    if (w) wire = std::move(*w);
  } else if (provider == "gemini") {
    field = "totalTokens";
    if (auto w = adapter.translate_request(request); !w) {
      refused = w.error();
    } else {
      json::value sent = util::parse_json(w->body, ec);
      const auto colon = w->target.rfind(':');
      if (!ec && sent.is_object() && colon != std::string::npos) {
        json::object request = std::move(sent.get_object());
        request["model"] = "models/" + ctx.endpoint->model_name;
        w->body = json::serialize(json::object{{"generateContentRequest", std::move(request)}});
        w->target = w->target.substr(0, colon) + ":countTokens";
        wire = std::move(*w);
      }
    }
  }
  // Guardrails would check or mask the text before a provider sees it; the counter does not run
  // them, so it counts here instead of sending the text out.
  if (wire && policies::GuardrailsPolicy::applies(ctx)) wire.reset();
  if (refused) {
    // The request itself would be refused: the count says so rather than guess.
    co_await send_error(call, *refused);
    co_return;
  }
  if (wire) {
    auto started = co_await router_.passthrough(ctx, *wire);
    if (started) {
      std::unique_ptr<upstream::Exchange> exchange = std::move(*started);
      auto body = co_await exchange->read_all(64 * 1024);
      const unsigned status = exchange->head().status;
      if (body && status >= 200 && status < 300) {
        tokens = provider_count(*body, field);
        exact = tokens.has_value();
      } else if (body && status >= 400 && status < 500) {
        // The provider refused the request: the client learns why, in its own API's shape.
        Error e = adapter.map_error(exchange->head(), *body);
        co_await send_error(call, e);
        co_return;
      }
    }
  }
  const bool openai_model =
      (provider == "openai" || provider == "azure") && is_openai_model(ctx.endpoint->model_name);
  if (!tokens && native) {
    // OpenAI could not be asked: about four characters a token of what would have been sent.
    tokens = (http.body.size() + 3) / 4;
  }
  if (!tokens && (openai_model || responses)) {
    // A large conversation is tokenized on the CPU pool, so this event loop keeps serving others.
    // (No co_await in ?: under GCC 12; the lambda captures plain pointers, as in tokenize.)
    const model::Request* counted = &request;
    const std::string* model = &ctx.endpoint->model_name;
    if (http.body.size() <= kInlineTokenizeBytes) {
      tokens = local_count(*counted, *model);
    } else {
      tokens = co_await asio::co_spawn(
          env_.cpu,
          [counted, model]() -> asio::awaitable<std::uint64_t> {
            co_return local_count(*counted, *model);
          },
          asio::use_awaitable);
    }
    exact = openai_model && text_only(request.body);
  }
  if (!tokens) {
    if (auto estimate = api::anthropic::estimate_input_tokens(http.body)) {
      tokens = *estimate;
    } else {
      co_await send_error(call, estimate.error());
      co_return;
    }
  }
  // What was left out on the way (betas the endpoint does not allow, fields the provider cannot
  // take) is said, as on the model call itself.
  ctx.dropped_params = std::move(stripped_fields);
  if (wire)
    ctx.dropped_params.insert(ctx.dropped_params.end(), wire->dropped.begin(), wire->dropped.end());
  call.answer.status = 200;
  HeaderList headers = response_headers(ctx, nullptr, Body::kJson);
  headers.emplace_back("x-sluice-token-count", exact ? "exact" : "estimate");
  json::object out;
  if (responses) out["object"] = "response.input_tokens";
  out["input_tokens"] = *tokens;
  call.answer.client_gone = !co_await call.out.send(200, std::move(headers), json::serialize(out));
}

}  // namespace sluice::pipeline
