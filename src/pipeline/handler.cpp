#include "pipeline/handler.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <cstdio>
#include <iostream>

#include "api/anthropic/anthropic_api.hpp"
#include "api/gemini/gemini_errors.hpp"
#include "api/mlflow/catalog.hpp"
#include "api/mlflow/mlflow_api.hpp"
#include "api/openai/openai_api.hpp"
#include "api/openai/render.hpp"
#include "governance/admin_api.hpp"
#include "observability/metrics.hpp"
#include "pipeline/policies/accounting.hpp"
#include "pipeline/policies/auth.hpp"
#include "pipeline/policies/budget.hpp"
#include "pipeline/policies/prompt.hpp"
#include "pipeline/policies/quota.hpp"
#include "pipeline/policies/rate_limit.hpp"
#include "pipeline/tokenize.hpp"
#include "routing/describe.hpp"
#include "tokenizer/chat_tokens.hpp"
#include "util/constant_time.hpp"
#include "util/json_numbers.hpp"
#include "util/json_parse.hpp"
#include "util/redact.hpp"
#include "util/request_id.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;
namespace json = boost::json;

// What was sent back, for the access log and metrics.
struct Handler::Answer {
  unsigned status = 0;
  bool stream = false;
  bool client_gone = false;
  std::string error;  // redacted message, when the request failed
};

namespace {

const api::openai::OpenAiApi kOpenAi;
const api::mlflow::MlflowApi kMlflow;
const api::anthropic::AnthropicApi kAnthropic;
const api::gemini::GeminiErrors kGeminiErrors;

const api::InboundApi& api_for(PathMatch::Dialect d) {
  switch (d) {
    case PathMatch::Dialect::kOpenAi:
      return kOpenAi;
    case PathMatch::Dialect::kAnthropic:
      return kAnthropic;
    case PathMatch::Dialect::kMlflow:
      break;
  }
  return kMlflow;
}

double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string overhead_header(const RequestContext& ctx) {
  double overhead = millis(Clock::now() - ctx.started - ctx.upstream_time);
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, overhead < 0 ? 0.0 : overhead,
                                        std::chars_format::fixed, 3)
                              .ptr);
}

// "seed, service_tier": the parameters the provider adapter left out.
std::string dropped_list(const RequestContext& ctx) {
  std::string list;
  for (const auto& p : ctx.dropped_params) {
    if (!list.empty()) list += ", ";
    list += p;
  }
  return list;
}

// OpenAI's "6m0s" / "1.5s" / "20ms" durations for x-ratelimit-reset-* (integer arithmetic: this
// runs twice per governed response).
std::string reset_duration(double seconds) {
  const auto ms = static_cast<long long>(seconds * 1000);
  if (ms < 1000) return std::to_string(ms < 0 ? 0 : ms) + "ms";
  if (ms < 60'000) {
    std::string out = std::to_string(ms / 1000);
    if (long long frac = ms % 1000; frac != 0) {
      char digits[4] = {static_cast<char>('0' + frac / 100),
                        static_cast<char>('0' + frac / 10 % 10), static_cast<char>('0' + frac % 10),
                        0};
      std::size_t n = 3;
      while (digits[n - 1] == '0') --n;
      out += '.';
      out.append(digits, n);
    }
    return out + "s";
  }
  return std::to_string(ms / 60'000) + "m" + std::to_string(ms % 60'000 / 1000) + "s";
}

// x-ratelimit-{limit,remaining,reset}-{requests,tokens}: the tightest limit of each kind
// (fewest remaining), and x-sluice-cost-usd when the config asks for it.
void add_governance_headers(const RequestContext& ctx, HeaderList& h) {
  for (const bool tokens : {false, true}) {
    const governance::LimitState* tightest = nullptr;
    for (const auto& s : ctx.limit_states) {
      if (s.tokens == tokens && (tightest == nullptr || s.remaining < tightest->remaining))
        tightest = &s;
    }
    if (tightest == nullptr) continue;
    const std::string kind = tokens ? "tokens" : "requests";
    h.emplace_back("x-ratelimit-limit-" + kind, std::to_string(tightest->limit));
    h.emplace_back("x-ratelimit-remaining-" + kind, std::to_string(tightest->remaining));
    h.emplace_back("x-ratelimit-reset-" + kind, reset_duration(tightest->reset_s));
  }
  if (ctx.cost_usd && ctx.snapshot && ctx.snapshot->governance.cost_header) {
    char buf[40];
    const auto end =
        std::to_chars(buf, buf + sizeof buf, *ctx.cost_usd, std::chars_format::fixed, 8);
    h.emplace_back("x-sluice-cost-usd", std::string(buf, end.ptr));
  }
}

HeaderList json_headers(const RequestContext& ctx) {
  HeaderList h{{"Content-Type", "application/json"},
               {"x-request-id", ctx.request_id},
               {"x-sluice-overhead-ms", overhead_header(ctx)}};
  if (ctx.endpoint != nullptr) h.emplace_back("x-sluice-destination", ctx.endpoint->name);
  if (!ctx.attempts.empty())
    h.emplace_back("x-sluice-attempts", std::to_string(ctx.attempts.size()));
  if (!ctx.dropped_params.empty()) h.emplace_back("x-sluice-dropped-params", dropped_list(ctx));
  if (!ctx.prompt_version.empty()) h.emplace_back("x-sluice-prompt-version", ctx.prompt_version);
  add_governance_headers(ctx, h);
  return h;
}

// Bodies up to this size are tokenized on the event loop (well under a millisecond's work for
// ordinary text); larger ones go to the CPU pool.
constexpr std::size_t kInlineTokenizeBytes = 64 * 1024;
// A stream's text is kept for a usage estimate only up to this size; beyond it, the text up to
// the last word boundary is counted and dropped, so memory stays bounded however long it runs.
constexpr std::size_t kStreamTextKeptBytes = 64 * 1024;

void fold_streamed_text(RequestContext& ctx) {
  std::string& text = ctx.streamed_text;
  if (text.size() <= kStreamTextKeptBytes || ctx.endpoint == nullptr) return;
  // Cut before a space or newline, where a new piece of the tokenizer starts anyway; without
  // one, at the end, backed off to the start of a UTF-8 character.
  std::size_t cut = text.find_last_of(" \n", text.size() - 1);
  if (cut == std::string::npos || cut == 0) {
    cut = text.size();
    while (cut > 0 && (static_cast<unsigned char>(text[cut - 1]) & 0xC0) == 0x80) --cut;
    if (cut > 0) --cut;
    if (cut == 0) cut = text.size();
  }
  const auto& encoding = tokenizer::Encoding::for_model(ctx.endpoint->model_name);
  ctx.streamed_tokens += encoding.count(std::string_view(text).substr(0, cut));
  text.erase(0, cut);
}

// A provider that streams without reporting usage: count both sides with the tokenizer, so
// limits settle and cost is known; marked as an estimate in the access log.
void estimate_stream_usage(RequestContext& ctx) {
  if (ctx.endpoint == nullptr) return;
  const auto& encoding = tokenizer::Encoding::for_model(ctx.endpoint->model_name);
  model::Usage u;
  u.prompt_tokens =
      tokenizer::count_prompt_tokens(encoding, ctx.request.operation, ctx.request.body);
  u.completion_tokens = ctx.streamed_tokens + encoding.count(ctx.streamed_text);
  u.total_tokens = *u.prompt_tokens + *u.completion_tokens;
  ctx.usage = u;
  ctx.usage_estimated = true;
}

// Whether the request's gateway key (if any) may call this endpoint.
bool visible_to_key(const RequestContext& ctx, const config::Endpoint& e) {
  return !ctx.key ||
         (key_allows_endpoint(*ctx.key, e.name) && key_allows_model(*ctx.key, e.model_name));
}

bool needs_gateway_key(PathMatch::Kind kind) {
  using Kind = PathMatch::Kind;
  switch (kind) {
    case Kind::kNotFound:
    case Kind::kMethodNotAllowed:
    case Kind::kMetrics:
    case Kind::kHealth:
    case Kind::kAdminReload:
    case Kind::kAdminRoutes:
    case Kind::kAdminGovernance:
      return false;
    default:
      return true;
  }
}

HeaderList estimate_headers(const RequestContext& ctx) {
  HeaderList h = json_headers(ctx);
  h.emplace_back("x-sluice-token-count", "estimate");
  return h;
}

// True unless the request names a media type other than JSON.
bool is_json_media_type(std::string_view content_type) {
  if (content_type.empty()) return true;
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  std::string lower(type);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json";
}

std::string_view query_param(std::string_view target, std::string_view key) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (pair.starts_with(key) && pair.size() > key.size() && pair[key.size()] == '=') {
      return pair.substr(key.size() + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

// Undoes %XX escapes (a base64 page token arrives with '=' as %3D).
std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

// Errors on a passthrough path come in that provider's own shape.
const api::InboundApi& passthrough_api(const PathMatch& match) {
  if (match.family == "anthropic") return kAnthropic;
  if (match.family == "gemini") return kGeminiErrors;
  return kOpenAi;
}

}  // namespace

Handler::Handler(HandlerEnv env, upstream::Client& client)
    : env_(env),
      router_(client, [](RequestContext& ctx) { return PromptPolicy::apply(ctx); }),
      // Who, then may they (budget before limits, so a refused request takes no limit slot),
      // then MLflow's limit, the prompt template, and accounting last (so its on_complete,
      // run in reverse order, prices the request before the limits settle).
      chain_({std::make_shared<AuthPolicy>(), std::make_shared<BudgetPolicy>(env.governance),
              std::make_shared<QuotaPolicy>(env.governance),
              std::make_shared<RateLimitPolicy>(env.counters), std::make_shared<PromptPolicy>(),
              std::make_shared<AccountingPolicy>(env.governance)}),
      planner_(std::random_device{}()) {}

bool Handler::resolve(RequestContext& ctx, std::string_view name) {
  if (const config::Endpoint* endpoint = ctx.snapshot->find(name)) {
    ctx.endpoint = endpoint;
    ctx.route = endpoint->routing.get();
    if (ctx.route == nullptr) {
      // One endpoint, one destination: a pin can only name it.
      if (!ctx.choice.pin.empty() && ctx.choice.pin != endpoint->name) {
        ctx.plan_error = Error::invalid("x-sluice-destination '" + std::string(ctx.choice.pin) +
                                        "' is not a destination of '" + endpoint->name + "'.");
      }
      return true;
    }
  } else {
    ctx.route = ctx.snapshot->find_route(name);
    if (ctx.route == nullptr) return false;
  }
  // Validation guarantees every destination names an endpoint of this snapshot.
  auto planned = planner_.plan(*ctx.route, *ctx.snapshot, ctx.choice, Clock::now(), ctx.plan);
  const auto& first = ctx.route->destinations[planned ? ctx.plan.front() : 0];
  ctx.endpoint = &ctx.snapshot->endpoints[first.endpoint];
  ctx.prompt_version = first.prompt_version;
  if (!planned) ctx.plan_error = planned.error();
  return true;
}

asio::awaitable<void> Handler::handle(const HttpRequest& http, Responder& out) {
  auto& metrics = observability::Metrics::global();
  metrics.in_flight.fetch_add(1, std::memory_order_relaxed);
  struct Settle {
    ~Settle() {
      observability::Metrics::global().in_flight.fetch_sub(1, std::memory_order_relaxed);
    }
  } settle;
  std::string_view client_id = http.header("x-request-id");
  std::string request_id =
      util::is_acceptable_request_id(client_id) ? std::string(client_id) : util::new_request_id();
  std::string cause;
  try {
    co_await handle_request(http, out, request_id);
    co_return;
  } catch (const std::exception& e) {
    cause = e.what();
  } catch (...) {
    cause = "unknown exception";
  }
  std::cerr << "sluice: request " << request_id << " (" << http.method << " "
            << std::string(http.path()) << ") failed inside the gateway: " << cause << std::endl;
  if (out.responded()) {
    out.abort();  // the response is cut: the client must not take it for a whole one
    co_return;
  }
  HttpRequest answered;
  answered.method = http.method;
  answered.target = http.target;
  answered.headers.emplace_back("x-request-id", request_id);
  co_await reject(answered,
                  Error::make(ErrorCode::kInternal,
                              "The gateway failed while handling this request (request id " +
                                  request_id + "); the cause is in its log."),
                  out);
}

asio::awaitable<void> Handler::handle_request(const HttpRequest& http, Responder& out,
                                              std::string request_id) {
  auto& metrics = observability::Metrics::global();
  RequestContext ctx;
  ctx.snapshot = env_.config.get();
  ctx.client_address = http.remote_address;
  ctx.request_id = std::move(request_id);
  ctx.choice.pin = http.header("x-sluice-destination");
  const std::string_view no_fallback = http.header("x-sluice-no-fallback");
  ctx.choice.no_fallback = !no_fallback.empty() && no_fallback != "0" && no_fallback != "false";
  Answer answer;

  PathMatch match = match_path(http.method, http.path());
  const api::InboundApi& api = api_for(match.dialect);
  using Kind = PathMatch::Kind;
  if (const std::string_view bearer = http.header("authorization"); bearer.starts_with("Bearer ")) {
    ctx.presented_key = bearer.substr(7);
  } else {
    ctx.presented_key = http.header("x-api-key");
  }
  // With gateway keys on, everything that reaches or describes a model needs a valid key; the
  // operational paths (health, metrics, admin with its own key) do not.
  if (ctx.snapshot->governance.keys_required && needs_gateway_key(match.kind)) {
    if (auto denied = authenticate(ctx, env_.governance)) {
      co_await send_error(match.kind == Kind::kPassthrough ? passthrough_api(match) : api, *denied,
                          ctx, out, answer);
      record(http, ctx, answer);
      co_return;
    }
  }
  if (match.kind == Kind::kNotFound) {
    if (const auto* named = ctx.snapshot->find_path(http.path())) {
      match = http.method == "POST" ? PathMatch{Kind::kNamedInvoke,
                                                PathMatch::Dialect::kOpenAi,
                                                std::nullopt,
                                                named->name,
                                                {},
                                                {},
                                                {}}
                                    : PathMatch{Kind::kMethodNotAllowed,
                                                PathMatch::Dialect::kOpenAi,
                                                std::nullopt,
                                                {},
                                                "POST",
                                                {},
                                                {}};
    }
  }
  switch (match.kind) {
    case Kind::kNotFound: {
      Error e = Error::make(ErrorCode::kNotFound, "Not Found");
      if (match.dialect == PathMatch::Dialect::kOpenAi) {
        e.message = "Unknown request URL: " + http.method + " " + std::string(http.path()) +
                    ". Please check the URL for typos.";
      }
      co_await send_error(api, e, ctx, out, answer);
      break;
    }
    case Kind::kMethodNotAllowed: {
      Error e = Error::make(ErrorCode::kMethodNotAllowed, "Method Not Allowed");
      if (match.dialect == PathMatch::Dialect::kOpenAi) {
        e.message = "Method " + http.method + " is not allowed on " + std::string(http.path()) +
                    "; use " + std::string(match.allow) + ".";
      }
      answer.status = http_status(e);
      answer.error = e.message;
      HeaderList headers = json_headers(ctx);
      headers.emplace_back("Allow", std::string(match.allow));
      answer.client_gone =
          !co_await out.send(answer.status, std::move(headers), api.render_error(e));
      break;
    }
    case Kind::kOpenAiInvoke:
    case Kind::kMlflowInvoke:
    case Kind::kNamedInvoke:
      co_await invoke(match, api_for(match.dialect), http, ctx, out, answer);
      break;
    case Kind::kOpenAiModels: {
      // With a gateway key, the list shows what that key may call.
      std::function<bool(const config::Endpoint&)> visible;
      if (ctx.key) visible = [&ctx](const config::Endpoint& e) { return visible_to_key(ctx, e); };
      co_await send_json(200, api::openai::render_models(*ctx.snapshot, visible), ctx, out, answer);
      break;
    }
    case Kind::kOpenAiModel:
      if (const auto* e = ctx.snapshot->find(match.name); e && visible_to_key(ctx, *e)) {
        json::object o{
            {"id", e->name}, {"object", "model"}, {"created", 0}, {"owned_by", e->provider}};
        co_await send_json(200, json::serialize(o), ctx, out, answer);
      } else {
        Error err = Error::make(ErrorCode::kNotFound,
                                "The model '" + std::string(match.name) + "' does not exist.");
        err.param = "model";
        err.error_code = "model_not_found";
        co_await send_error(api, err, ctx, out, answer);
      }
      break;
    case Kind::kMlflowList:
    case Kind::kMlflowListRoutes:
    case Kind::kMlflowGet:
    case Kind::kMlflowGetRoute:
    case Kind::kMlflowTrafficRoute: {
      Result<std::string> body =
          match.kind == Kind::kMlflowTrafficRoute
              ? api::mlflow::get_traffic_route(*ctx.snapshot, match.name)
          : match.kind == Kind::kMlflowGet || match.kind == Kind::kMlflowGetRoute
              ? api::mlflow::get_endpoint(*ctx.snapshot, match.name,
                                          match.kind == Kind::kMlflowGetRoute)
              : api::mlflow::list_endpoints(*ctx.snapshot,
                                            percent_decode(query_param(http.target, "page_token")),
                                            match.kind == Kind::kMlflowListRoutes);
      if (body) {
        co_await send_json(200, std::move(*body), ctx, out, answer);
      } else {
        co_await send_error(api, body.error(), ctx, out, answer);
      }
      break;
    }
    case Kind::kMlflowLimits:
      co_await send_error(
          api,
          Error::make(ErrorCode::kNotImplemented, http.method == "GET"
                                                      ? "The get_limits API is not available yet."
                                                      : "The set_limits API is not available yet."),
          ctx, out, answer);
      break;
    case Kind::kMetrics: {
      answer.status = 200;
      HeaderList headers{{"Content-Type", "text/plain; version=0.0.4"},
                         {"x-request-id", ctx.request_id}};
      std::string text = metrics.render();
      routing::render_metrics(*ctx.snapshot, routing::Clock::now(), text);
      answer.client_gone = !co_await out.send(200, std::move(headers), std::move(text));
      break;
    }
    case Kind::kHealth:
      co_await send_json(200, std::string(R"({"status":"OK"})"), ctx, out, answer);
      break;
    case Kind::kAdminReload:
      co_await admin_reload(http, ctx, out, answer);
      break;
    case Kind::kAdminRoutes:
      co_await admin_routes(http, ctx, out, answer);
      break;
    case Kind::kAdminGovernance:
      co_await admin_governance(http, ctx, out, answer);
      break;
    case Kind::kTokenize: {
      // A large input is tokenized on the CPU pool, so this event loop keeps serving others.
      // GCC 12 may destroy a temporary of a co_await expression twice (a ?: around it, a lambda
      // argument): no co_await in ?:, and the lambda captures only plain pointers (ctx, and so
      // its snapshot, outlives the call).
      Result<std::string> body = Error::invalid("");
      if (http.body.size() <= kInlineTokenizeBytes) {
        body = tokenize(http.body, *ctx.snapshot);
      } else {
        const config::Snapshot* snapshot = ctx.snapshot.get();
        body = co_await asio::co_spawn(
            env_.cpu,
            [&http, snapshot]() -> asio::awaitable<Result<std::string>> {
              co_return tokenize(http.body, *snapshot);
            },
            asio::use_awaitable);
      }
      if (body) {
        co_await send_json(200, std::move(*body), ctx, out, answer);
      } else {
        co_await send_error(api, body.error(), ctx, out, answer);
      }
      break;
    }
    case Kind::kPassthrough:
      co_await passthrough(match, http, ctx, out, answer);
      break;
    case Kind::kAnthropicCountTokens: {
      Result<std::uint64_t> tokens = Error::invalid("");
      if (http.body.size() <= kInlineTokenizeBytes) {
        tokens = api::anthropic::estimate_input_tokens(http.body);
      } else {
        tokens = co_await asio::co_spawn(
            env_.cpu,
            [&http]() -> asio::awaitable<Result<std::uint64_t>> {
              co_return api::anthropic::estimate_input_tokens(http.body);
            },
            asio::use_awaitable);
      }
      if (tokens) {
        // An estimate until exact tokenizers exist: said so in a header, not hidden.
        answer.status = 200;
        HeaderList headers = estimate_headers(ctx);
        std::string body = "{\"input_tokens\":" + std::to_string(*tokens) + "}";
        answer.client_gone = !co_await out.send(200, std::move(headers), std::move(body));
      } else {
        co_await send_error(api, tokens.error(), ctx, out, answer);
      }
      break;
    }
  }
  record(http, ctx, answer);
}

std::optional<Error> Handler::admin_check(const HttpRequest& http, const RequestContext& ctx) {
  const std::string& key = ctx.snapshot->admin_key;
  if (key.empty()) {  // no admin key configured: the admin API does not exist
    return Error::make(ErrorCode::kNotFound, "Not Found");
  }
  std::string_view auth = http.header("authorization");
  std::string_view given = auth.starts_with("Bearer ") ? auth.substr(7) : std::string_view{};
  if (!util::constant_time_equal(given, key)) {
    return Error::make(ErrorCode::kUnauthorized, "A valid admin key is required.");
  }
  return std::nullopt;
}

asio::awaitable<void> Handler::passthrough(const PathMatch& match, const HttpRequest& http,
                                           RequestContext& ctx, Responder& out, Answer& answer) {
  const api::InboundApi& api = passthrough_api(match);
  if (!is_json_media_type(http.header("content-type"))) {
    co_await send_error(api,
                        Error::make(ErrorCode::kUnsupportedMediaType, "Send application/json."),
                        ctx, out, answer);
    co_return;
  }
  boost::system::error_code ec;
  json::value parsed = util::parse_json_keeping_numbers(http.body, ec, ctx.request.body.storage());
  if (ec || !parsed.is_object()) {
    co_await send_error(api, Error::invalid("The request body must be a JSON object."), ctx, out,
                        answer);
    co_return;
  }
  ctx.request.body = std::move(parsed.get_object());
  std::string name(match.name);
  if (match.family != "gemini") {
    const json::value* m = ctx.request.body.if_contains("model");
    if (m == nullptr || !m->is_string()) {
      co_await send_error(api,
                          Error::invalid("'model' is required: it names the endpoint.", "model"),
                          ctx, out, answer);
      co_return;
    }
    name = m->get_string();
  }
  ctx.endpoint = ctx.snapshot->find(name);
  if (ctx.endpoint == nullptr) {
    Error e = Error::make(ErrorCode::kNotFound,
                          "The model '" + name + "' is not an endpoint of this gateway.");
    e.param = "model";
    co_await send_error(api, e, ctx, out, answer);
    co_return;
  }
  const std::string_view dialect = ctx.endpoint->adapter->native_dialect();
  if (dialect != match.family || ctx.endpoint->operation != *match.operation) {
    std::string message = "Endpoint '" + name + "' is a " +
                          std::string(model::endpoint_type_name(ctx.endpoint->operation)) +
                          " endpoint of provider '" +
                          std::string(ctx.endpoint->adapter->provider()) + "'; ";
    message += dialect.empty()
                   ? std::string("it has no native passthrough.")
                   : "its passthrough path is under /gateway/" + std::string(dialect) + "/.";
    co_await send_error(api, Error::invalid(std::move(message), "model"), ctx, out, answer);
    co_return;
  }
  ctx.passthrough = true;
  ctx.request.operation = *match.operation;
  ctx.request.endpoint = name;
  const json::value* s = ctx.request.body.if_contains("stream");
  ctx.request.stream = match.family == "gemini" ? match.native == ":streamGenerateContent"
                                                : (s != nullptr && s->is_bool() && s->get_bool());
  answer.stream = ctx.request.stream;

  Chain::Run run(chain_);
  if (co_await run.request(ctx) == Verdict::kStop) {
    if (ctx.error) co_await send_error(api, *ctx.error, ctx, out, answer);
    run.complete(ctx,
                 Outcome{answer.status, answer.client_gone, ctx.error ? &*ctx.error : nullptr});
    co_return;
  }
  auto wire = ctx.endpoint->adapter->passthrough_request(match.native, ctx.request.body,
                                                         ctx.request.stream);
  std::optional<Error> failure;
  if (!wire) failure = wire.error();
  std::unique_ptr<upstream::Exchange> exchange;
  if (!failure) {
    auto started = co_await router_.passthrough(ctx, *wire);
    if (started) {
      exchange = std::move(*started);
    } else {
      failure = started.error();
    }
  }
  if (failure) {
    co_await send_error(api, *failure, ctx, out, answer);
    run.complete(ctx, Outcome{answer.status, answer.client_gone, &*failure});
    co_return;
  }
  const unsigned status = exchange->head().status;
  HeaderList headers{{"x-request-id", ctx.request_id},
                     {"x-sluice-destination", ctx.endpoint->name},
                     {"x-sluice-attempts", std::to_string(ctx.attempts.size())}};
  for (const auto& [k, v] : exchange->head().headers) {
    std::string lower(k);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool ours = lower.starts_with("x-ratelimit-") && !ctx.limit_states.empty();
    if (!ours && (lower == "content-type" || lower == "retry-after" ||
                  lower.starts_with("x-ratelimit-") || lower.starts_with("anthropic-ratelimit-"))) {
      headers.emplace_back(k, v);
    }
  }
  add_governance_headers(ctx, headers);
  const bool ok = status >= 200 && status < 300;
  if (ctx.request.stream && ok) {
    // Relayed byte for byte; the provider's own stream translator reads along for the usage.
    auto reader = ctx.endpoint->adapter->open_stream(ctx.request);
    // A provider that echoes the key it was given must not hand it to the client.
    util::StreamRedactor redactor(ctx.endpoint->adapter->secrets());
    std::vector<model::StreamEvent> events;
    bool readable = true;
    answer.status = status;
    if (!co_await out.start_stream(status, std::move(headers))) {
      answer.client_gone = true;
    } else {
      for (;;) {
        const auto t0 = Clock::now();
        auto piece = co_await exchange->read_some();
        ctx.upstream_time += Clock::now() - t0;
        if (!piece) {
          answer.error = "stream failed: " + piece.error().message;
          // The client sees the provider's stream end early, as the provider sent it: no final
          // chunk, the connection closed, never a whole-looking answer.
          out.abort();
          break;
        }
        if (piece->empty()) {
          if (readable) (void)reader->finish(events);
          if (std::string rest = redactor.finish();
              !rest.empty() && !co_await out.send_chunk(std::move(rest))) {
            answer.client_gone = true;
            break;
          }
          answer.client_gone = !co_await out.end_stream();
          break;
        }
        if (readable) readable = static_cast<bool>(reader->feed(*piece, events));
        if (!co_await out.send_chunk(redactor.feed(*piece))) {
          answer.client_gone = true;
          break;
        }
      }
      for (const auto& e : events) {
        if (!e.usage.empty()) ctx.usage = e.usage;
      }
    }
  } else {
    auto body = co_await exchange->read_all(ctx.snapshot->server.upstream_max_body_bytes);
    if (!body) {
      const Error read_error = body.error();
      co_await send_error(api, read_error, ctx, out, answer);
      run.complete(ctx, Outcome{answer.status, answer.client_gone, &read_error});
      co_return;
    }
    if (ok) {
      ctx.usage = ctx.endpoint->adapter->passthrough_usage(*body);
      run.usage(ctx);
    }
    if (!ok) answer.error = "provider answered HTTP " + std::to_string(status);
    answer.status = status;
    answer.client_gone = !co_await out.send(
        status, std::move(headers), util::redact_exact(*body, ctx.endpoint->adapter->secrets()));
  }
  run.complete(ctx, Outcome{answer.status, answer.client_gone, nullptr});
}

asio::awaitable<void> Handler::admin_routes(const HttpRequest& http, RequestContext& ctx,
                                            Responder& out, Answer& answer) {
  if (auto denied = admin_check(http, ctx)) {
    co_await send_error(kOpenAi, *denied, ctx, out, answer);
    co_return;
  }
  co_await send_json(200, routing::describe_routes(*ctx.snapshot, routing::Clock::now()), ctx, out,
                     answer);
}

asio::awaitable<void> Handler::admin_governance(const HttpRequest& http, RequestContext& ctx,
                                                Responder& out, Answer& answer) {
  if (auto denied = admin_check(http, ctx)) {
    co_await send_error(kOpenAi, *denied, ctx, out, answer);
    co_return;
  }
  // Store reads and writes block: done on the blocking pool, then resumed here.
  const std::string_view target = http.target;
  const auto q = target.find('?');
  governance::AdminRequest request{
      http.method, http.path(),
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1), http.body};
  auto* runtime = &env_.governance;
  const config::Snapshot* snapshot = ctx.snapshot.get();
  governance::AdminAnswer result = co_await asio::co_spawn(
      env_.blocking,
      [request, runtime, snapshot]() -> asio::awaitable<governance::AdminAnswer> {
        co_return governance::handle_admin(request, *runtime, *snapshot);
      },
      asio::use_awaitable);
  if (result.error) {
    co_await send_error(kOpenAi, *result.error, ctx, out, answer);
    co_return;
  }
  answer.status = result.status;
  HeaderList headers = json_headers(ctx);
  headers.front().second = result.content_type;
  answer.client_gone =
      !co_await out.send(result.status, std::move(headers), std::move(result.body));
}

asio::awaitable<void> Handler::admin_reload(const HttpRequest& http, RequestContext& ctx,
                                            Responder& out, Answer& answer) {
  if (auto denied = admin_check(http, ctx)) {
    co_await send_error(kOpenAi, *denied, ctx, out, answer);
    co_return;
  }
  // Parsing and validating the file is blocking work: done on the blocking pool, then resumed here.
  const auto* reload = &env_.reload;  // a plain pointer: see the GCC 12 note in handle_request
  Result<void> result = co_await asio::co_spawn(
      env_.blocking, [reload]() -> asio::awaitable<Result<void>> { co_return (*reload)(); },
      asio::use_awaitable);
  if (!result) {
    co_await send_error(kOpenAi, result.error(), ctx, out, answer);
    co_return;
  }
  auto now = env_.config.get();
  json::object body{
      {"status", "reloaded"}, {"endpoints", now->endpoints.size()}, {"routes", now->routes.size()}};
  co_await send_json(200, json::serialize(body), ctx, out, answer);
}

asio::awaitable<void> Handler::reject(const HttpRequest& http, const Error& error, Responder& out) {
  RequestContext ctx;
  std::string_view client_id = http.header("x-request-id");
  ctx.request_id =
      util::is_acceptable_request_id(client_id) ? std::string(client_id) : util::new_request_id();
  Answer answer;
  // What was read may not even name a path; OpenAI's shape unless it is one of MLflow's paths.
  const PathMatch match = match_path(http.method, http.path());
  const auto dialect =
      match.kind != PathMatch::Kind::kNotFound ? match.dialect : PathMatch::Dialect::kOpenAi;
  co_await send_error(api_for(dialect), error, ctx, out, answer);
  record(http, ctx, answer);
}

asio::awaitable<void> Handler::invoke(const PathMatch& match, const api::InboundApi& api,
                                      const HttpRequest& http, RequestContext& ctx, Responder& out,
                                      Answer& answer) {
  if (!is_json_media_type(http.header("content-type"))) {
    co_await send_error(
        api,
        Error::make(ErrorCode::kUnsupportedMediaType, "Unsupported Content-Type '" +
                                                          std::string(http.header("content-type")) +
                                                          "'; send application/json."),
        ctx, out, answer);
    co_return;
  }
  if (match.kind == PathMatch::Kind::kNamedInvoke) {
    // A named route's own path: the body holds template variables and parameters.
    resolve(ctx, match.name);
    boost::system::error_code ec;
    json::value parsed =
        util::parse_json_keeping_numbers(http.body, ec, ctx.request.body.storage());
    if (ec || !parsed.is_object()) {
      co_await send_error(api, Error::invalid("The request body must be a JSON object."), ctx, out,
                          answer);
      co_return;
    }
    ctx.request.body = std::move(parsed.get_object());
    ctx.request.operation = ctx.endpoint->operation;
    ctx.request.endpoint = ctx.endpoint->name;
    ctx.request.templated = true;
    ctx.named_path = true;
    if (const auto* s = ctx.request.body.if_contains("stream"); s && s->is_bool())
      ctx.request.stream = s->get_bool();
  } else if (match.operation) {
    // OpenAI: the path says what to do, the body's `model` names the endpoint or route.
    auto parsed = api.parse(*match.operation, http.body, ctx.request);
    if (!parsed && (parsed.error().param == "messages" || parsed.error().param == "prompt") &&
        ctx.request.body.contains("model")) {
      // Without messages/prompt the body may be template variables for a templated endpoint.
      const auto* m = ctx.request.body.if_contains("model");
      if (m->is_string() && resolve(ctx, m->get_string()) && ctx.endpoint->prompt &&
          !ctx.endpoint->prompt->versions.empty()) {
        ctx.request.templated = true;
        parsed = api.parse(*match.operation, http.body, ctx.request);
      }
    }
    if (!parsed) {
      co_await send_error(api, parsed.error(), ctx, out, answer);
      co_return;
    }
    // (already resolved above when the body turned out to be template variables)
    if (ctx.endpoint == nullptr && !resolve(ctx, ctx.request.endpoint)) {
      Error e = Error::make(
          ErrorCode::kNotFound,
          "The model '" + ctx.request.endpoint +
              "' does not exist: it is not an endpoint or route in the gateway's configuration.");
      e.param = "model";
      e.error_code = "model_not_found";
      co_await send_error(api, e, ctx, out, answer);
      co_return;
    }
    if (ctx.endpoint->operation != *match.operation) {
      Error e = Error::invalid("Endpoint '" + ctx.request.endpoint + "' is a " +
                                   std::string(model::endpoint_type_name(ctx.endpoint->operation)) +
                                   " endpoint; it cannot serve " + std::string(http.path()) + ".",
                               "model");
      co_await send_error(api, e, ctx, out, answer);
      co_return;
    }
  } else {
    // MLflow: the path names the endpoint or route, whose type says how to read the body.
    if (!resolve(ctx, match.name)) {
      co_await send_error(api, Error::make(ErrorCode::kNotFound, "Not Found"), ctx, out, answer);
      co_return;
    }
    ctx.request.templated = ctx.endpoint->prompt && !ctx.endpoint->prompt->versions.empty();
    if (auto parsed = api.parse(ctx.endpoint->operation, http.body, ctx.request); !parsed) {
      co_await send_error(api, parsed.error(), ctx, out, answer);
      co_return;
    }
    ctx.request.endpoint = match.name;
    if (auto native = api::mlflow::check_native_parameters(ctx.endpoint->provider, ctx.request);
        !native) {
      co_await send_error(api, native.error(), ctx, out, answer);
      co_return;
    }
  }

  if (ctx.plan_error) {
    co_await send_error(api, *ctx.plan_error, ctx, out, answer);
    co_return;
  }
  // Another destination may need the request prepared its own way: keep the client's version.
  if (ctx.route != nullptr && ctx.route->reprepare && ctx.plan.size() > 1)
    ctx.pristine_body.emplace(ctx.request.body, ctx.request.body.storage());

  Chain::Run run(chain_);
  if (co_await run.request(ctx) == Verdict::kStop) {
    if (ctx.error) {
      co_await send_error(api, *ctx.error, ctx, out, answer);
    } else if (ctx.reply) {
      co_await send_json(200, api.render_response(ctx.request, *ctx.reply), ctx, out, answer);
    }
  } else if (ctx.request.stream) {
    co_await stream(api, ctx, run, out, answer);
  } else {
    auto response = co_await router_.call(ctx);
    if (response) {
      ctx.usage = response->usage;
      price_request(ctx);
      co_await run.response(ctx, *response);
      run.usage(ctx);
    }
    if (!response) {
      co_await send_error(api, response.error(), ctx, out, answer);
    } else {
      co_await send_json(200, api.render_response(ctx.request, *response), ctx, out, answer);
    }
  }
  run.complete(ctx, Outcome{answer.status, answer.client_gone, ctx.error ? &*ctx.error : nullptr});
}

asio::awaitable<void> Handler::stream(const api::InboundApi& api, RequestContext& ctx,
                                      Chain::Run& run, Responder& out, Answer& answer) {
  answer.stream = true;
  // The router hands the stream over only once content has arrived, so a provider that fails
  // before that is retried or replaced, or its error goes out with its real status, not a 200.
  auto opened = co_await router_.open_stream(ctx);
  if (!opened) {
    co_await send_error(api, opened.error(), ctx, out, answer);
    co_return;
  }
  answer.status = 200;
  HeaderList headers{{"Content-Type", "text/event-stream"},
                     {"Cache-Control", "no-cache"},
                     {"x-request-id", ctx.request_id},
                     {"x-sluice-destination", ctx.endpoint->name},
                     {"x-sluice-attempts", std::to_string(ctx.attempts.size())}};
  if (!ctx.prompt_version.empty())
    headers.emplace_back("x-sluice-prompt-version", ctx.prompt_version);
  if (!ctx.dropped_params.empty())
    headers.emplace_back("x-sluice-dropped-params", dropped_list(ctx));
  add_governance_headers(ctx, headers);
  if (!co_await out.start_stream(200, std::move(headers))) {
    answer.client_gone = true;
    router_.stream_finished(ctx, nullptr);
    co_return;
  }
  std::unique_ptr<api::StreamWriter> writer = api.stream_writer(ctx.request);
  std::vector<model::StreamEvent> events = std::move(opened->first_events);
  bool at_end = opened->ended;
  std::optional<Error> failure;
  for (;;) {
    std::string frames;
    for (auto& event : events) {
      if (!event.usage.empty()) ctx.usage = event.usage;
      if (event.kind == model::StreamEvent::Kind::kChunk) {
        tokenizer::append_streamed_text(event.chunk, ctx.streamed_text);
        fold_streamed_text(ctx);
      }
      run.stream_event(ctx, event);
      frames += writer->event(event);
    }
    if (at_end && !failure) {
      // The provider's last word is in: usage is final before the client sees the end.
      if (ctx.usage.empty()) estimate_stream_usage(ctx);
      run.usage(ctx);
      frames += writer->end();
    }
    if (!frames.empty() && !co_await out.send_chunk(std::move(frames))) {
      answer.client_gone = true;  // dropping the exchange closes the upstream connection
      break;
    }
    if (failure) break;
    if (at_end) {
      answer.client_gone = !co_await out.end_stream();
      break;
    }
    events.clear();
    const auto t0 = Clock::now();
    auto piece = co_await opened->exchange->read_some();
    ctx.upstream_time += Clock::now() - t0;
    if (!piece) {
      failure = piece.error();
      continue;
    }
    at_end = piece->empty();
    auto fed =
        at_end ? opened->translator->finish(events) : opened->translator->feed(*piece, events);
    if (!fed) failure = fed.error();
  }
  if (failure) {
    // Content has reached the client: end the stream with an error event, never a silent cut.
    failure->message = util::redact(failure->message, ctx.endpoint->adapter->secrets());
    answer.error = "stream failed: " + failure->message;
    ctx.error = *failure;
    if (!answer.client_gone) {
      answer.client_gone = !co_await out.send_chunk(writer->error(*failure));
      if (!answer.client_gone) answer.client_gone = !co_await out.end_stream();
    }
  }
  if (ctx.usage.empty()) estimate_stream_usage(ctx);
  router_.stream_finished(ctx, failure ? &*failure : nullptr);
}

asio::awaitable<void> Handler::send_json(unsigned status, std::string body, RequestContext& ctx,
                                         Responder& out, Answer& answer) {
  answer.status = status;
  answer.client_gone = !co_await out.send(status, json_headers(ctx), std::move(body));
}

asio::awaitable<void> Handler::send_error(const api::InboundApi& api, const Error& error,
                                          RequestContext& ctx, Responder& out, Answer& answer) {
  answer.status = http_status(error);
  answer.error = error.message;
  if (!ctx.error) ctx.error = error;
  HeaderList headers = json_headers(ctx);
  if (error.retry_after_s)
    headers.emplace_back("Retry-After", std::to_string(*error.retry_after_s));
  answer.client_gone =
      !co_await out.send(answer.status, std::move(headers), api.render_error(error));
}

void Handler::record(const HttpRequest& http, const RequestContext& ctx, const Answer& answer) {
  const auto elapsed = Clock::now() - ctx.started;
  observability::AccessRecord r;
  r.request_id = ctx.request_id;
  r.method = http.method;
  r.path = std::string(http.path());
  r.status = answer.client_gone && answer.status == 0 ? 499 : answer.status;
  r.latency_ms = millis(elapsed);
  r.overhead_ms = millis(elapsed - ctx.upstream_time);
  if (r.overhead_ms < 0) r.overhead_ms = 0;
  r.stream = answer.stream;
  r.usage = ctx.usage;
  r.cost_usd = ctx.cost_usd;
  r.usage_estimated = ctx.usage_estimated;
  if (ctx.key) {
    r.key_id = ctx.key->id;
    r.team = ctx.key->team;
  }
  r.error = answer.client_gone ? (answer.error.empty() ? "client disconnected"
                                                       : answer.error + "; client disconnected")
                               : answer.error;
  auto& metrics = observability::Metrics::global();
  observability::EndpointStats* stats = &metrics.unrouted();
  if (ctx.route != nullptr && !ctx.route->implicit) r.route = ctx.route->name;
  for (const auto& a : ctx.attempts) {
    r.attempts.push_back(
        {a.endpoint->name, a.status, a.latency_ms, routing::outcome_name(a.outcome)});
  }
  r.prompt_version = ctx.prompt_version;
  if (ctx.endpoint != nullptr) {
    stats = ctx.endpoint->stats;
    r.endpoint = ctx.endpoint->name;
    r.provider = std::string(ctx.endpoint->adapter->provider());  // "azure" for Azure OpenAI
    r.provider_model = ctx.endpoint->adapter->provider_model();
    if (ctx.upstream_called) {
      r.upstream_latency_ms = millis(ctx.upstream_time);
      stats->upstream_latency.observe(std::chrono::duration<double>(ctx.upstream_time).count());
    }
    if (ctx.usage.prompt_tokens) {
      stats->prompt_tokens.fetch_add(*ctx.usage.prompt_tokens, std::memory_order_relaxed);
    }
    if (ctx.usage.completion_tokens) {
      stats->completion_tokens.fetch_add(*ctx.usage.completion_tokens, std::memory_order_relaxed);
    }
  }
  stats->count_status(r.status);
  stats->latency.observe(std::chrono::duration<double>(elapsed).count());
  env_.access_log.write(r);
}

}  // namespace sluice::pipeline
