#include "pipeline/observers/trace_observer.hpp"

#include <boost/json.hpp>

#include "pipeline/http_exchange.hpp"
#include "util/utf8.hpp"

namespace sluice::pipeline {
namespace {

using observability::Span;
using observability::SpanKind;
using observability::StatusCode;

// tracestate is at most 32 list members of at most 256 characters (W3C §3.3.1.1): 512 is what
// a vendor must at least pass on; a longer one is dropped rather than cut.
constexpr std::size_t kMaxTraceState = 512;

// tracestate's grammar (W3C Trace Context §3.3.1): up to 32 comma-separated members, each
// key=value; keys of lower-case letters, digits and _-*/ (with one @ for a tenant), values of
// printable ASCII but comma and '='. A header that breaks it is dropped, not passed on: it would
// otherwise reach providers and could make a collector refuse every span of the batch.
bool valid_trace_state(std::string_view state) {
  if (state.empty() || state.size() > kMaxTraceState) return false;
  int members = 0;
  std::string_view keys[32];  // a key given twice makes the header invalid (§3.3.1.4)
  while (!state.empty()) {
    const auto comma = state.find(',');
    std::string_view member = state.substr(0, comma);
    state = comma == std::string_view::npos ? std::string_view() : state.substr(comma + 1);
    while (!member.empty() && (member.front() == ' ' || member.front() == '\t'))
      member.remove_prefix(1);
    while (!member.empty() && (member.back() == ' ' || member.back() == '\t'))
      member.remove_suffix(1);
    if (member.empty()) continue;  // empty list members are allowed and ignored
    if (++members > 32) return false;
    const auto eq = member.find('=');
    if (eq == 0 || eq == std::string_view::npos || eq > 256) return false;
    for (char c : member.substr(0, eq)) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                      c == '*' || c == '/' || c == '@';
      if (!ok) return false;
    }
    const std::string_view key = member.substr(0, eq);
    for (int k = 0; k + 1 < members; ++k) {
      if (keys[k] == key) return false;
    }
    keys[members - 1] = key;
    const std::string_view value = member.substr(eq + 1);
    if (value.empty() || value.size() > 256) return false;
    for (char c : value) {
      if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
    }
  }
  return members > 0;
}

// At most `max` bytes of `text`, cut at a UTF-8 sequence boundary (client text is unbounded up
// to the body limit; a span is not the place for megabytes).
constexpr std::size_t kMaxName = 256;
constexpr std::size_t kMaxContent = 64 * 1024;
std::string bounded(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut));
}

std::uint64_t unix_nano(Clock::time_point t) {
  // Steady times are turned into wall-clock ones by their distance from now.
  const auto wall = std::chrono::system_clock::now().time_since_epoch() - (Clock::now() - t);
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count());
}

std::string_view operation_name(model::Operation op) {
  switch (op) {
    case model::Operation::kChat:
      return "chat";
    case model::Operation::kCompletions:
      return "text_completion";
    case model::Operation::kEmbeddings:
      return "embeddings";
    case model::Operation::kCustom:
      return "predict";
  }
  return "chat";
}

// gen_ai.provider.name's well-known values for the providers that have one; others as named in
// the config.
std::string provider_name(std::string_view provider) {
  if (provider == "azure" || provider == "azure_openai") return "azure.ai.openai";
  if (provider == "gemini") return "gcp.gemini";
  if (provider == "vertex" || provider == "vertex_ai") return "gcp.vertex_ai";
  if (provider == "bedrock") return "aws.bedrock";
  if (provider == "mistral") return "mistral_ai";
  return std::string(provider);
}

void gen_ai(Span& span, const config::OtelSpec& otel, model::Operation op,
            std::string_view provider) {
  span.set("gen_ai.operation.name", std::string(operation_name(op)));
  if (provider.empty()) return;  // the request reached no endpoint
  span.set("gen_ai.provider.name", provider_name(provider));
  // The name before the conventions renamed it, until a collector opts in to the new ones only.
  if (!otel.latest_semconv_only) span.set("gen_ai.system", provider_name(provider));
}

void usage(Span& span, const model::Usage& u) {
  auto count = [&](const char* key, const std::optional<std::uint64_t>& n) {
    if (n) span.set(key, static_cast<std::int64_t>(*n));
  };
  count("gen_ai.usage.input_tokens", u.prompt_tokens);
  count("gen_ai.usage.output_tokens", u.completion_tokens);
  count("gen_ai.usage.cache_read.input_tokens", u.cached_tokens);
  count("gen_ai.usage.cache_creation.input_tokens", u.cache_write_tokens);
  count("gen_ai.usage.reasoning.output_tokens", u.reasoning_tokens);
}

// The request parameters the conventions name, as the client sent them.
void request_parameters(Span& span, const boost::json::object& body) {
  auto number = [&](const char* field, const char* key) {
    const auto* v = body.if_contains(field);
    if (v == nullptr) return;
    if (v->is_double()) span.set(key, v->get_double());
    if (v->is_int64()) span.set(key, static_cast<double>(v->get_int64()));
    if (v->is_uint64()) span.set(key, static_cast<double>(v->get_uint64()));
  };
  auto integer = [&](const char* field, const char* key) {
    const auto* v = body.if_contains(field);
    if (v != nullptr && v->is_int64()) span.set(key, v->get_int64());
  };
  number("temperature", "gen_ai.request.temperature");
  number("top_p", "gen_ai.request.top_p");
  number("frequency_penalty", "gen_ai.request.frequency_penalty");
  number("presence_penalty", "gen_ai.request.presence_penalty");
  if (body.contains("max_completion_tokens"))
    integer("max_completion_tokens", "gen_ai.request.max_tokens");
  else
    integer("max_tokens", "gen_ai.request.max_tokens");
  integer("seed", "gen_ai.request.seed");
  integer("n", "gen_ai.request.choice.count");
  if (const auto* s = body.if_contains("stream"); s != nullptr && s->is_bool())
    span.set("gen_ai.request.stream", s->get_bool());
}

}  // namespace

void begin_trace(RequestContext& ctx, const HttpRequest& http) {
  const config::OtelSpec& otel = ctx.snapshot->otel;
  if (!otel.enabled) return;
  ctx.trace.on = true;
  // traceparent given more than once is not one parent (§3.2): a trace of our own then.
  int parents = 0;
  for (const auto& [name, value] : http.headers) parents += name == "traceparent" ? 1 : 0;
  std::optional<observability::TraceParent> parent;
  if (parents == 1) parent = observability::parse_traceparent(http.header("traceparent"));
  if (parent) {
    // The caller's trace and its sampling decision (a parent-based sampler, the SDK default).
    ctx.trace.trace_id = parent->trace_id;
    ctx.trace.parent_id = parent->parent_id;
    ctx.trace.sampled = parent->sampled;
    // Several tracestate lines are one list (§3.3.1.1), combined as RFC 9110 combines fields.
    std::string state = http.header_list("tracestate");
    if (valid_trace_state(state)) ctx.trace.trace_state = std::move(state);
  } else {
    ctx.trace.trace_id = observability::new_trace_id();
    ctx.trace.sampled = observability::sampled_by_ratio(ctx.trace.trace_id, otel.sample_ratio);
  }
  ctx.trace.span_id = observability::new_span_id();
}

void TraceObserver::on_complete(const RequestContext& ctx, const HttpRequest& http,
                                const Answered& answered) {
  if (exporter_ == nullptr || !ctx.trace.on || !ctx.trace.sampled || ctx.api.empty()) return;
  // The operational paths (a Prometheus scrape every few seconds, health checks, the admin API)
  // would bury the model traffic: they are not traced.
  const std::string_view path = http.path();
  if (path == "/metrics" || path == "/health" || path.starts_with("/admin/")) return;
  if (http.method != "POST") return;  // catalogues and unknown GETs: no model traffic
  const config::OtelSpec& otel = ctx.snapshot->otel;
  const auto now = Clock::now();
  const model::Operation op = ctx.request.operation;
  const std::string requested = bounded(ctx.request.endpoint, kMaxName);  // the model named

  Span server;
  server.attributes.reserve(40);  // all it may carry: no growth while it is filled
  server.trace_id = ctx.trace.trace_id;
  server.span_id = ctx.trace.span_id;
  server.parent_span_id = ctx.trace.parent_id;
  server.trace_state = ctx.trace.trace_state;
  server.kind = SpanKind::kServer;
  server.name = std::string(operation_name(op));
  if (!requested.empty()) server.name += " " + requested;
  server.start_unix_nano = unix_nano(ctx.started);
  server.end_unix_nano = unix_nano(now);
  gen_ai(server, otel, op, ctx.endpoint != nullptr ? ctx.endpoint->provider : "");
  if (!requested.empty()) server.set("gen_ai.request.model", requested);
  if (ctx.endpoint != nullptr) server.set("gen_ai.response.model", std::string(ctx.model_name()));
  request_parameters(server, ctx.request.body);
  usage(server, ctx.usage);
  server.set("http.request.method", http.method);
  server.set("url.path", util::valid_utf8(bounded(http.path(), 2048)));  // UTF-8, as OTLP wants
  const unsigned status = answered.client_gone && answered.status == 0 ? 499 : answered.status;
  server.set("http.response.status_code", static_cast<std::int64_t>(status));
  server.set("sluice.request_id", ctx.request_id);
  server.set("sluice.api", std::string(ctx.api));
  if (ctx.endpoint != nullptr) server.set("sluice.endpoint", ctx.endpoint->name);
  if (ctx.route != nullptr) server.set("sluice.route", ctx.route->name);
  if (ctx.key) {
    server.set("sluice.key_id", ctx.key->id);
    if (!ctx.key->team.empty()) server.set("sluice.team", ctx.key->team);
  }
  if (ctx.cost_usd) server.set("sluice.cost_usd", *ctx.cost_usd);
  server.set("sluice.cache", std::string(ctx.cache.hit ? "hit" : "miss"));
  if (ctx.usage_estimated) server.set("sluice.usage_estimated", true);
  server.set("sluice.attempts", static_cast<std::int64_t>(ctx.attempts.size()));
  if (!ctx.guardrail_events.empty()) {
    std::string acted;
    for (const auto& g : ctx.guardrail_events) {
      if (!acted.empty()) acted += ',';
      acted += std::string(g.guardrail) + ":" + std::string(g.action);
    }
    server.set("sluice.guardrails", acted);
  }
  if (ctx.first_token_at) {
    const double ttft = std::chrono::duration<double>(*ctx.first_token_at - ctx.started).count();
    server.set("gen_ai.server.time_to_first_token", ttft);
    const auto output = ctx.usage.completion_tokens.value_or(0);
    if (output > 1)
      server.set("gen_ai.server.time_per_output_token",
                 std::chrono::duration<double>(now - *ctx.first_token_at).count() /
                     static_cast<double>(output - 1));
    server.events.push_back({unix_nano(*ctx.first_token_at), "gen_ai.first_token", {}});
  }
  // Content only when asked for: the request as sent on (after the guardrails' masking). The
  // answer is not captured: what the client got after output guardrails is not kept whole.
  if (otel.capture_content) {
    if (const auto* messages = ctx.request.body.if_contains("messages"))
      server.set("gen_ai.input.messages", bounded(boost::json::serialize(*messages), kMaxContent));
    else if (const auto* input = ctx.request.body.if_contains("input"))
      server.set("gen_ai.input.messages", bounded(boost::json::serialize(*input), kMaxContent));
  }
  if (status >= 500 || (ctx.error && status >= 400)) {
    if (status >= 500) server.status = StatusCode::kError;
    server.set("error.type", std::to_string(status));
    if (ctx.error) server.status_message = ctx.error->message;
  }

  // One client span per attempt, in the order they were made.
  for (std::size_t i = 0; i < ctx.attempts.size(); ++i) {
    const AttemptRecord& a = ctx.attempts[i];
    if (a.endpoint == nullptr || observability::is_zero(a.span_id)) continue;
    Span client;
    client.attributes.reserve(16);
    client.trace_id = ctx.trace.trace_id;
    client.span_id = a.span_id;
    client.parent_span_id = ctx.trace.span_id;
    client.trace_state = ctx.trace.trace_state;
    client.kind = SpanKind::kClient;
    client.name = std::string(operation_name(op)) + " " + a.endpoint->model_name;
    client.start_unix_nano = unix_nano(a.started);
    client.end_unix_nano = client.start_unix_nano + static_cast<std::uint64_t>(a.latency_ms * 1e6);
    gen_ai(client, otel, op, a.endpoint->provider);
    client.set("gen_ai.request.model", a.endpoint->model_name);
    client.set("sluice.destination", a.endpoint->name);
    client.set("sluice.attempt", static_cast<std::int64_t>(i + 1));
    client.set("sluice.attempt.outcome", std::string(routing::outcome_name(a.outcome)));
    if (a.status != 0) client.set("http.response.status_code", static_cast<std::int64_t>(a.status));
    if (a.outcome != routing::AttemptOutcome::kSuccess) {
      client.status = StatusCode::kError;
      client.set("error.type", a.status != 0 ? std::to_string(a.status)
                                             : std::string(routing::outcome_name(a.outcome)));
    } else if (i + 1 == ctx.attempts.size()) {
      usage(client, ctx.usage);  // the answer's usage belongs to the attempt that gave it
    }
    exporter_->submit(std::move(client));
  }
  exporter_->submit(std::move(server));
}

}  // namespace sluice::pipeline
