#include "pipeline/observers/request_log_observer.hpp"

#include <boost/json.hpp>

#include "pipeline/http_exchange.hpp"
#include "util/unix_time.hpp"
#include "util/utf8.hpp"

namespace sluice::pipeline {
namespace {

// At most `max` bytes of `text`, cut at a character boundary; `cut` set when it was cut.
std::string bounded(std::string text, std::uint64_t max, bool& cut) {
  if (text.size() <= max) return text;
  std::size_t at = max;
  while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
  text.resize(at);
  cut = true;
  return text;
}

}  // namespace

void RequestLogObserver::on_complete(const RequestContext& ctx, const HttpRequest& http,
                                     const Answered& answered) {
  // Requests that reached an endpoint only (past the key check): unknown paths and models,
  // refused keys and floods of them are in the access log, not here.
  if (log_ == nullptr || !ctx.logged || ctx.endpoint == nullptr) return;
  // Model traffic only: the admin API, scrapes and catalogue reads are not payloads.
  const std::string_view path = http.path();
  if (http.method != "POST" || path.starts_with("/admin/")) return;
  const config::RequestLogSpec& spec = log_->spec();
  stores::RequestRecord r;
  r.ts_ms = util::unix_now_ms();
  r.request_id = ctx.request_id;
  r.api = std::string(ctx.api);
  r.method = http.method;
  r.path = util::valid_utf8(path.substr(0, 2048));
  {
    r.endpoint = ctx.endpoint->name;
    r.provider = ctx.endpoint->provider;
    r.model = ctx.model_name();
  }
  if (ctx.route != nullptr) r.route = ctx.route->name;
  if (ctx.key) {
    r.key_id = ctx.key->id;
    r.team = ctx.key->team;
    r.user = ctx.key->user;
  }
  r.workspace = ctx.workspace;
  r.status = answered.client_gone && answered.status == 0 ? 499 : answered.status;
  r.stream = answered.stream;
  r.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - ctx.started).count();
  if (ctx.first_token_at)
    r.ttft_ms =
        std::chrono::duration<double, std::milli>(*ctx.first_token_at - ctx.started).count();
  r.prompt_tokens = ctx.usage.prompt_tokens.value_or(0);
  r.completion_tokens = ctx.usage.completion_tokens.value_or(0);
  r.cost_usd = ctx.cost_usd.value_or(0);
  r.cache_hit = ctx.cache.hit;
  r.error = answered.error;
  boost::json::array attempts;
  for (const auto& a : ctx.attempts) {
    attempts.push_back(boost::json::object{
        {"destination", a.endpoint != nullptr ? a.endpoint->name : std::string()},
        {"status", a.status},
        {"ms", a.latency_ms},
        {"outcome", routing::outcome_name(a.outcome)}});
  }
  r.attempts = boost::json::serialize(attempts);
  if (!ctx.guardrail_events.empty()) {
    boost::json::array acted;
    for (const auto& g : ctx.guardrail_events)
      acted.emplace_back(boost::json::object{{"name", g.guardrail},
                                             {"action", g.action},
                                             {"entity", g.entity},
                                             {"on", g.output ? "output" : "input"},
                                             {"count", g.count}});
    r.guardrails = boost::json::serialize(acted);
  }
  if (ctx.trace.sampled) r.trace_id = observability::to_hex(ctx.trace.trace_id);
  // A prompt a guardrail blocked on the way in is not kept: it may hold what was refused.
  bool blocked = false;
  for (const auto& g : ctx.guardrail_events)
    blocked = blocked || (g.action == "block" && !g.output);
  // The prompt as it was sent on (after the guardrails' masking): its messages, input or prompt.
  // Kept to max_bytes + kCutMargin here; the writer masks, then cuts (`truncated` tells it).
  const std::uint64_t keep = spec.max_bytes + governance::kCutMargin;
  if (spec.capture_prompt && !blocked) {
    const auto& body = ctx.request.body;
    const boost::json::value* prompt = nullptr;
    for (const char* field : {"messages", "input", "prompt"}) {
      if ((prompt = body.if_contains(field)) != nullptr) break;
    }
    r.prompt = prompt == nullptr ? std::string() : boost::json::serialize(*prompt);
    r.prompt = bounded(std::move(*r.prompt), keep, r.truncated);
  }
  if (spec.capture_answer && ctx.answer_logged) {
    r.answer = ctx.logged_answer;
    r.truncated = r.truncated || ctx.answer_truncated;
  }
  log_->record(std::move(r));
}

}  // namespace sluice::pipeline
