// The Responses API's stored responses, when the gateway keeps them (`stores.responses`; the
// store: stores/response_store.hpp). OpenAI's rules (https://platform.openai.com/docs/api-
// reference/responses/create):
//   - `store` defaults to true: an answer is kept unless the client says store: false;
//   - `previous_response_id` continues a kept response: its conversation (input and output, but
//     not its instructions) goes ahead of the new input;
//   - GET /v1/responses/{id} returns a kept response, DELETE /v1/responses/{id} removes it.
// A response belongs to the gateway key that made it: another key is told it does not exist, as
// an unknown id is. Without a store, store: true and previous_response_id are 400s saying so.
// Requests sent natively to OpenAI (native_responses, /gateway/openai/v1/responses) are kept by
// OpenAI under the gateway's one OpenAI key, which every gateway key shares: with gateway keys
// on, the gateway records which key made each (an id, no content) and lets only that key
// continue it; without a response store it cannot, and refuses previous_response_id there.
#include <openssl/rand.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <iostream>

#include "pipeline/handler/handler.hpp"
#include "providers/anthropic_fields.hpp"
#include "util/digest.hpp"
#include "util/json_parse.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "resp_" + 128 random bits: ids are handed to clients, so one must not lead to another.
std::string new_response_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return "resp_" + util::hex_lower(bytes, sizeof bytes);
}

std::string owner_of(const RequestContext& ctx) { return ctx.key ? ctx.key->id : std::string(); }

Error unknown_response(std::string_view id, std::string param) {
  ErrorCode code = param.empty() ? ErrorCode::kNotFound : ErrorCode::kInvalidRequest;
  Error e =
      Error::make(code, (param.empty() ? "Response with id '" : "Previous response with id '") +
                            std::string(id) + "' not found.");
  e.param = std::move(param);
  if (!e.param.empty()) e.error_code = "previous_response_not_found";
  return e;
}

Error store_unavailable() {
  return Error::make(ErrorCode::kServiceUnavailable,
                     "The gateway's response store cannot be reached; try again shortly.");
}

// What a store call gave: `failed` when it threw (logged here).
struct Loaded {
  bool failed = false;
  std::optional<stores::StoredResponse> response;
};

// Reads response `*id` on the blocking pool (pointers into the caller's frame, which outlives
// the wait: see the GCC 12 note in catalog_paths.cpp).
asio::awaitable<Loaded> load(asio::any_io_executor blocking, stores::ResponseStore* store,
                             const std::string* id, const std::int64_t* at) {
  co_return co_await asio::co_spawn(
      blocking,
      [store, id, at]() -> asio::awaitable<Loaded> {
        try {
          co_return Loaded{false, store->get_response(*id, *at)};
        } catch (const std::exception& e) {
          std::cerr << "sluice: reading a stored response failed: " << e.what() << "\n";
          co_return Loaded{true, std::nullopt};
        }
      },
      asio::use_awaitable);
}

}  // namespace

asio::awaitable<std::optional<stores::StoredResponse>> Handler::owned_response(
    Call& call, stores::ResponseStore* store, const std::string& id, std::string param) {
  const std::int64_t now = now_s();
  Loaded loaded = co_await load(env_.blocking, store, &id, &now);
  if (loaded.failed) {
    co_await send_error(call, store_unavailable());
    co_return std::nullopt;
  }
  // Another key's response does not exist for this one, as an unknown id does not.
  if (!loaded.response || loaded.response->owner != owner_of(call.ctx)) {
    co_await send_error(call, unknown_response(id, std::move(param)));
    co_return std::nullopt;
  }
  co_return std::move(loaded.response);
}

asio::awaitable<bool> Handler::prepare_stored_response(Call& call) {
  RequestContext& ctx = call.ctx;
  model::StoredResponseAsk& ask = ctx.request.responses;
  stores::ResponseStore* store =
      ctx.snapshot->governance.store.responses_ttl_s > 0 ? env_.governance.responses() : nullptr;
  // Every answer gets an id of its own, kept or not (a provider's may repeat).
  ask.id = new_response_id();
  if (store == nullptr) {
    if (ask.store.value_or(false) || !ask.previous_id.empty()) {
      const bool previous = !ask.previous_id.empty();
      Error e = Error::invalid(
          std::string(previous ? "'previous_response_id'" : "'store: true'") +
              " needs stored responses, which this gateway does not keep (its operator can turn "
              "them on with stores.responses); send store: false with the whole conversation as "
              "input each turn.",
          previous ? "previous_response_id" : "store");
      e.error_code = "unsupported_parameter";
      co_await send_error(call, e);
      co_return false;
    }
    co_return true;
  }
  if (!ask.previous_id.empty()) {
    std::optional<stores::StoredResponse> loaded =
        co_await owned_response(call, store, ask.previous_id, "previous_response_id");
    if (!loaded) co_return false;
    // The joined request is held to the same size limit as a request sent whole, so a chain of
    // turns cannot grow past what one client could send.
    const std::uint64_t joined_bytes = loaded->conversation.size() + call.http.body.size();
    if (joined_bytes > ctx.snapshot->server.max_body_bytes) {
      Error e = Error::make(
          ErrorCode::kPayloadTooLarge,
          "The conversation continued by previous_response_id has grown to about " +
              std::to_string(joined_bytes) +
              " bytes with this input, past the gateway's limit of " +
              std::to_string(ctx.snapshot->server.max_body_bytes) +
              " bytes for one request; start a new conversation with what matters of this one.");
      e.param = "previous_response_id";
      co_await send_error(call, e);
      co_return false;
    }
    boost::system::error_code ec;
    json::value history = util::parse_json(loaded->conversation, ec, ctx.request.body.storage());
    json::value* messages = ctx.request.body.if_contains("messages");
    if (loaded->conversation.empty()) {
      // OpenAI answered it natively (keep_native_response) and keeps its content.
      co_await send_error(
          call, Error::invalid("Response '" + ask.previous_id +
                                   "' was answered by OpenAI's own Responses API "
                                   "(endpoint '" +
                                   loaded->endpoint + "'), which keeps it: continue it there.",
                               "previous_response_id"));
      co_return false;
    }
    if (ec || !history.is_array() || messages == nullptr || !messages->is_array()) {
      // Written by keep_response from a parsed request: only a hand-edited row gets here.
      co_await send_error(call, unknown_response(ask.previous_id, "previous_response_id"));
      co_return false;
    }
    // [instructions] + the previous conversation + this input.
    json::array& now_messages = messages->get_array();
    json::array& joined = history.get_array();
    if (ask.instructions && !now_messages.empty()) {
      joined.insert(joined.begin(), std::move(now_messages[0]));
      now_messages.erase(now_messages.begin());
    }
    for (auto& m : now_messages) joined.push_back(std::move(m));
    *messages = std::move(history);
    // The history may hold Anthropic's thinking blocks: for the anthropic provider to send, and
    // for the others to drop.
    ctx.request.anthropic_fields = providers::carries_anthropic_fields(ctx.request.body);
  }
  ask.stored = ask.store.value_or(true);
  co_return true;
}

asio::awaitable<bool> Handler::keep_response(Call& call, const model::Response& answer,
                                             std::string rendered) {
  RequestContext& ctx = call.ctx;
  const model::StoredResponseAsk& ask = ctx.request.responses;
  stores::ResponseStore* store = env_.governance.responses();
  if (!ask.stored || store == nullptr) co_return false;
  stores::StoredResponse kept;
  kept.id = ask.id;
  kept.owner = owner_of(ctx);
  kept.endpoint = ctx.request.endpoint;
  kept.created_at = now_s();
  kept.expires_at = kept.created_at + ctx.snapshot->governance.store.responses_ttl_s;
  // The conversation a next turn continues: what was sent (without the instructions), then the
  // answer's message (its reasoning, signed thinking and tool calls included).
  json::array conversation;
  if (const json::value* m = ctx.request.body.if_contains("messages"); m && m->is_array()) {
    const json::array& sent = m->get_array();
    for (std::size_t i = ask.instructions ? 1 : 0; i < sent.size(); ++i)
      conversation.push_back(sent[i]);
  }
  const json::value* choices = answer.body.if_contains("choices");
  if (choices && choices->is_array() && !choices->get_array().empty()) {
    const json::value& choice = choices->get_array()[0];
    if (const json::value* message =
            choice.is_object() ? choice.get_object().if_contains("message") : nullptr;
        message && message->is_object()) {
      // What a chat request takes back of an answer's message (not refusal, annotations, audio).
      const json::object& said = message->get_object();
      json::object assistant{{"role", "assistant"}, {"content", nullptr}};
      for (std::string_view field :
           {"content", "tool_calls", "reasoning_content", "thinking_blocks"}) {
        if (const json::value* v = said.if_contains(field); v && !v->is_null())
          assistant[field] = *v;
      }
      conversation.push_back(std::move(assistant));
    }
  }
  kept.conversation = json::serialize(conversation);
  kept.response = std::move(rendered);
  const stores::StoredResponse* what = &kept;
  const std::int64_t now = kept.created_at;
  const std::int64_t* at = &now;
  const bool ok = co_await asio::co_spawn(
      env_.blocking,
      [store, what, at]() -> asio::awaitable<bool> {
        try {
          store->put_response(*what, *at);
          co_return true;
        } catch (const std::exception& e) {
          std::cerr << "sluice: keeping a response failed: " << e.what() << "\n";
          co_return false;
        }
      },
      asio::use_awaitable);
  if (!ok) ctx.request.responses.stored = false;
  co_return ok;
}

asio::awaitable<bool> Handler::check_native_previous(Call& call) {
  RequestContext& ctx = call.ctx;
  const json::value* previous = ctx.request.body.if_contains("previous_response_id");
  const json::value* conversation = ctx.request.body.if_contains("conversation");
  const bool continues = previous != nullptr && !previous->is_null();
  const bool tenants = ctx.snapshot->governance.keys_required || ctx.key != nullptr;
  if (!tenants || (!continues && (conversation == nullptr || conversation->is_null())))
    co_return true;
  stores::ResponseStore* store =
      ctx.snapshot->governance.store.responses_ttl_s > 0 ? env_.governance.responses() : nullptr;
  if (continues && !previous->is_string()) {
    Error e = Error::invalid("'previous_response_id' must be a string.", "previous_response_id");
    e.error_code = "invalid_type";
    co_await send_error(call, e);
    co_return false;
  }
  if (!continues || store == nullptr) {
    const char* field = continues ? "previous_response_id" : "conversation";
    Error e = Error::invalid(
        std::string("'") + field +
            "' continues state OpenAI keeps under the gateway's one OpenAI key, which every "
            "gateway key shares. " +
            (continues ? "This gateway can tie responses to keys only when it keeps them "
                         "(stores.responses in its config); ask its operator, or send the "
                         "conversation as input."
                       : "Conversations are not tied to gateway keys; send the conversation as "
                         "input, or chain responses with previous_response_id."),
        field);
    e.error_code = "unsupported_parameter";
    co_await send_error(call, e);
    co_return false;
  }
  const std::string id(previous->get_string());
  std::optional<stores::StoredResponse> loaded =
      co_await owned_response(call, store, id, "previous_response_id");
  co_return loaded.has_value();
}

asio::awaitable<void> Handler::keep_native_response(Call& call, std::string id) {
  RequestContext& ctx = call.ctx;
  stores::ResponseStore* store =
      ctx.snapshot->governance.store.responses_ttl_s > 0 ? env_.governance.responses() : nullptr;
  const json::value* keep = ctx.request.body.if_contains("store");
  // Only gateway keys need telling apart (check_native_previous).
  const bool tenants = ctx.snapshot->governance.keys_required || ctx.key != nullptr;
  if (store == nullptr || id.empty() || !tenants ||
      (keep != nullptr && keep->is_bool() && !keep->get_bool()))
    co_return;
  stores::StoredResponse kept;
  kept.id = std::move(id);
  kept.owner = owner_of(ctx);
  kept.endpoint = ctx.request.endpoint;
  kept.created_at = now_s();
  kept.expires_at = kept.created_at + ctx.snapshot->governance.store.responses_ttl_s;
  // No conversation and no Response: OpenAI keeps those (see stored_response).
  const stores::StoredResponse* what = &kept;
  const std::int64_t* at = &kept.created_at;
  co_await asio::co_spawn(
      env_.blocking,
      [store, what, at]() -> asio::awaitable<void> {
        try {
          store->put_response(*what, *at);
        } catch (const std::exception& e) {
          std::cerr << "sluice: recording a response's key failed: " << e.what() << "\n";
        }
        co_return;
      },
      asio::use_awaitable);
}

asio::awaitable<void> Handler::stored_response(Call& call) {
  RequestContext& ctx = call.ctx;
  stores::ResponseStore* store =
      ctx.snapshot->governance.store.responses_ttl_s > 0 ? env_.governance.responses() : nullptr;
  const std::string id(call.match.name);
  // Ids this gateway makes are resp_ and hex; anything else is not one of them, and is not
  // echoed (it may not even be text).
  const bool ours = id.size() > 5 && id.size() <= 64 && id.starts_with("resp_") &&
                    std::all_of(id.begin() + 5, id.end(), [](char c) {
                      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                             (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
                    });
  if (!ours) {
    co_await send_error(call, Error::make(ErrorCode::kNotFound, "No response has that id."));
    co_return;
  }
  if (store == nullptr) {
    // Nothing is kept here, so no id is known (OpenAI's own answer to an unknown id).
    co_await send_error(call, unknown_response(id, ""));
    co_return;
  }
  const std::string* wanted = &id;
  std::optional<stores::StoredResponse> loaded = co_await owned_response(call, store, id, "");
  if (!loaded) co_return;
  if (loaded->response.empty()) {
    // The gateway has only the id (keep_native_response): neither the Response nor a way to
    // delete what OpenAI keeps. (The error is named first: GCC 12 and temporaries under
    // co_await.)
    const ErrorCode code =
        call.http.method == "GET" ? ErrorCode::kNotFound : ErrorCode::kInvalidRequest;
    const Error e = Error::make(code, "Response '" + id +
                                          "' was answered by OpenAI's own Responses API "
                                          "(endpoint '" +
                                          loaded->endpoint +
                                          "'), which keeps it; this gateway keeps only which key "
                                          "made it.");
    co_await send_error(call, e);
    co_return;
  }
  if (call.http.method == "GET") {
    co_await send_json(call, 200, std::move(loaded->response));
    co_return;
  }
  // 0: the store failed, 1: deleted, 2: gone meanwhile (expired or deleted by another request).
  const int deleted = co_await asio::co_spawn(
      env_.blocking,
      [store, wanted]() -> asio::awaitable<int> {
        try {
          co_return store->delete_response(*wanted) ? 1 : 2;
        } catch (const std::exception& e) {
          std::cerr << "sluice: deleting a stored response failed: " << e.what() << "\n";
          co_return 0;
        }
      },
      asio::use_awaitable);
  if (deleted == 0) {
    co_await send_error(call, store_unavailable());
    co_return;
  }
  if (deleted == 2) {
    co_await send_error(call, unknown_response(id, ""));
    co_return;
  }
  json::object body{{"id", id}, {"object", "response"}, {"deleted", true}};
  co_await send_json(call, 200, json::serialize(body));
}

}  // namespace sluice::pipeline
