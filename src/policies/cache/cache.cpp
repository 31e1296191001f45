#include "policies/cache/cache.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <charconv>

#include "cache/cache_key.hpp"
#include "cache/replay.hpp"
#include "cache/semantic_prompt.hpp"
#include "model/stream_assembly.hpp"
#include "observability/metrics.hpp"
#include "pipeline/http_exchange.hpp"
#include "pipeline/sub_request.hpp"
#include "policies/accounting/accounting.hpp"
#include "util/text.hpp"
#include "util/unix_time.hpp"

namespace sluice::policies {
namespace json = boost::json;
using pipeline::RequestContext;
using pipeline::Step;
using Outcome = CacheState::Outcome;

namespace {

observability::Metrics& metrics() { return observability::Metrics::global(); }

// The cache settings for what the client named: a route's own, else the endpoint's (an
// endpoint's fallback chain is its endpoint's).
const config::CacheSpec& spec_for(const RequestContext& ctx) {
  if (ctx.route != nullptr && !ctx.route->implicit && ctx.route->cache) return *ctx.route->cache;
  if (ctx.route != nullptr && ctx.route->implicit) {
    if (const auto* named = ctx.snapshot->find(ctx.route->name)) return *named->cache;
  }
  return *ctx.endpoint->cache;
}

// Delta-seconds (RFC 9111 §1.2.2): digits only; a value too large to hold is taken as 2^31.
std::optional<std::int64_t> seconds(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range || v > (std::int64_t{1} << 31))
    return std::int64_t{1} << 31;
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

using util::trim;

std::string_view header(const RequestContext& ctx, std::string_view name) {
  return ctx.http != nullptr ? ctx.http->header(name) : std::string_view();
}

// The client's Cache-Control (RFC 9111 §5.2.1; every line of it, joined as RFC 9110 §5.3
// combines them) and x-sluice-cache-ttl, into `st`.
std::optional<Error> read_client_controls(const RequestContext& ctx, CacheState& st,
                                          bool& refresh) {
  const std::string lines = ctx.http != nullptr ? ctx.http->header_list("cache-control") : "";
  std::string_view rest = lines;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view d = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (util::ascii_iequals(d, "no-cache")) {
      refresh = true;
    } else if (util::ascii_iequals(d, "no-store")) {
      st.store = false;
    } else if (util::ascii_iequals(d, "only-if-cached")) {
      st.only_if_cached = true;
    } else if (util::ascii_iequals(d.substr(0, 7), "max-age") && (d.size() == 7 || d[7] == '=')) {
      std::string_view arg = d.size() > 8 ? d.substr(8) : std::string_view();
      // The quoted form is accepted too (RFC 9111 §5.2: recipients should).
      if (arg.size() >= 2 && arg.front() == '"' && arg.back() == '"')
        arg = arg.substr(1, arg.size() - 2);
      auto v = seconds(arg);
      if (!v)
        return Error::invalid("Cache-Control max-age must be a whole number of seconds, got '" +
                              std::string(arg) + "'.");
      st.max_age_s = *v;
      if (*v == 0) refresh = true;
    }
  }
  if (const std::string_view ttl = header(ctx, "x-sluice-cache-ttl"); !ttl.empty()) {
    auto v = seconds(trim(ttl));
    if (!v || *v == 0)
      return Error::invalid("x-sluice-cache-ttl must be a whole number of seconds above 0, got '" +
                            std::string(ttl) + "'.");
    st.ttl = std::min(st.ttl, std::chrono::milliseconds(*v * 1000));
  }
  return std::nullopt;
}

// The bytes of the strings in `v`, keys included: a cheap bound on its JSON's size.
std::size_t string_bytes(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return v.get_string().size();
    case json::kind::object: {
      std::size_t n = 0;
      for (const auto& kv : v.get_object()) n += kv.key().size() + string_bytes(kv.value());
      return n;
    }
    case json::kind::array: {
      std::size_t n = 0;
      for (const auto& x : v.get_array()) n += string_bytes(x);
      return n;
    }
    default:
      return 8;
  }
}
std::size_t string_bytes(const json::object& o) {
  std::size_t n = 0;
  for (const auto& kv : o) n += kv.key().size() + string_bytes(kv.value());
  return n;
}

// Every choice ended for one of `reasons` (embeddings and other answers without choices: yes).
bool clean(const json::object& body, const config::CacheSpec& spec) {
  const auto* choices = body.if_contains("choices");
  if (choices == nullptr) return body.contains("data");
  if (!choices->is_array() || choices->get_array().empty()) return false;
  for (const auto& c : choices->get_array()) {
    const auto* f = c.is_object() ? c.get_object().if_contains("finish_reason") : nullptr;
    if (f == nullptr || !f->is_string()) return false;
    bool listed = false;
    for (const auto& r : spec.finish_reasons) listed = listed || f->get_string() == r;
    if (!listed) return false;
  }
  return true;
}

}  // namespace

Step CachePolicy::on_request(RequestContext& ctx, void* state) const {
  if (ctx.endpoint == nullptr || ctx.passthrough || ctx.guarded ||
      ctx.request.operation == model::Operation::kCustom)
    return Step::skip();
  CacheState& st = state_of(state);
  if (ctx.key && ctx.key->cache) st.keyed = config::with_key_cache(spec_for(ctx), *ctx.key->cache);
  const config::CacheSpec& spec = st.keyed ? *st.keyed : spec_for(ctx);
  if (spec.mode == config::CacheSpec::Mode::kOff) return Step::skip();
  st.spec = &spec;
  st.ttl = spec.ttl;
  st.store = true;
  bool refresh = false;
  if (spec.client_controls) {
    if (auto bad = read_client_controls(ctx, st, refresh)) return Step::fail(std::move(*bad));
  }
  const bool too_warm =
      spec.temperature_max && cache::temperature_of(ctx.request) > *spec.temperature_max;
  if ((ctx.request.stream && !spec.streams) || too_warm) {
    st.outcome = Outcome::kBypass;
    st.store = false;
    metrics().cache_bypasses.fetch_add(1, std::memory_order_relaxed);
    return Step::next();
  }
  // What answers: the route or endpoint the client named, and for an endpoint the model behind
  // it (not the destination planned first: a fallback's answer is the named thing's answer, and
  // a split route's destinations share one cache).
  st.endpoint = ctx.route != nullptr ? ctx.route->name : ctx.endpoint->name;
  const config::Endpoint* named = ctx.route == nullptr  ? ctx.endpoint
                                  : ctx.route->implicit ? ctx.snapshot->find(ctx.route->name)
                                                        : nullptr;
  std::string identity = named != nullptr ? "endpoint\n" : "route\n";
  identity += st.endpoint;
  if (named != nullptr) {
    identity += '\n';
    identity += named->provider;
    identity += '\n';
    identity += named->model_name;
  }
  const std::string_view key_id = ctx.key ? std::string_view(ctx.key->id) : std::string_view();
  const std::string_view team = ctx.key ? std::string_view(ctx.key->team) : std::string_view();
  st.scope = cache::scope_id(spec.scope, key_id, team);
  // Workspaces never share answers, not even on a shared ("*") endpoint.
  if (!ctx.workspace.empty()) {
    std::string scoped(1, 'w');  // (built in steps: GCC 12 misreads "w:" + s as -Wrestrict)
    scoped += ':';
    scoped += ctx.workspace;
    scoped += '/';
    scoped += st.scope;
    st.scope = std::move(scoped);
  }
  st.key = cache::ResponseCache::entry_key(st.endpoint, st.scope,
                                           cache::cache_key(ctx.request, identity, st.scope));
  if (spec.mode == config::CacheSpec::Mode::kSemantic) {
    // (Checked on every request of a semantic endpoint, looked up by similarity or not.)
    if (auto bad = read_threshold(ctx, st)) return Step::fail(std::move(*bad));
    st.semantic = cache::semantic_prompt(ctx.request, spec, identity, st.scope);
  }
  if (refresh) {
    st.outcome = Outcome::kRefresh;
    metrics().cache_refreshes.fetch_add(1, std::memory_order_relaxed);
    return Step::next();
  }
  if (spec.store == config::CacheSpec::Store::kRedis && cache_.has_redis()) return Step::wait();
  if (auto found = cache_.find_local(st.key, util::unix_now_ms()); usable(st, found))
    return answer_with(ctx, st, found);
  if (st.semantic) return Step::wait();  // its embedding is a sub-request
  if (auto step = lead_or_wait(st)) return std::move(*step);
  return Step::wait();
}

std::optional<Error> CachePolicy::read_threshold(const RequestContext& ctx, CacheState& st) const {
  st.threshold = st.spec->threshold;
  const std::string_view asked = header(ctx, "x-sluice-cache-threshold");
  if (asked.empty() || !st.spec->client_controls) return std::nullopt;
  const std::string_view text = trim(asked);
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || !(v > 0) || v > 1)
    return Error::invalid("x-sluice-cache-threshold must be a number above 0 and at most 1, got '" +
                          std::string(asked) + "'.");
  st.threshold = std::max(st.threshold, v);  // a client may only ask for closer matches
  return std::nullopt;
}

boost::asio::awaitable<std::optional<cache::AnswerPtr>> CachePolicy::look_similar(
    RequestContext& ctx, CacheState& st) const {
  model::Request asked;
  asked.operation = model::Operation::kEmbeddings;
  asked.endpoint = st.spec->embeddings_endpoint;
  asked.body = json::object{{"input", st.semantic->text}};
  auto embedded = co_await ctx.sub_requests->call(ctx, asked);
  std::vector<float> unit;
  if (embedded) {
    const auto* data = embedded->body.if_contains("data");
    const auto* first = data != nullptr && data->is_array() && !data->get_array().empty()
                            ? data->get_array()[0].if_object()
                            : nullptr;
    const auto* vector = first != nullptr ? first->if_contains("embedding") : nullptr;
    if (vector != nullptr && vector->is_array() && !vector->get_array().empty() &&
        vector->get_array().size() <= 65'536) {
      for (const auto& x : vector->get_array()) {
        if (!x.is_number()) break;
        unit.push_back(static_cast<float>(x.to_number<double>()));
      }
      if (unit.size() != vector->get_array().size()) unit.clear();
    }
  }
  if (unit.empty() || !cache::SemanticIndex::normalize(unit)) {
    // No embedding: looked up (and stored) exactly only.
    metrics().cache_semantic_errors.fetch_add(1, std::memory_order_relaxed);
    st.semantic.reset();
    co_return std::nullopt;
  }
  st.unit = std::move(unit);
  auto match = cache_.semantic().nearest(cache::SemanticIndex::index_name(st.endpoint, st.scope),
                                         st.semantic->context, st.unit, st.threshold);
  if (!match) co_return std::nullopt;
  auto found = co_await look(st, match->entry_key);
  if (!found || !usable(st, *found)) co_return std::nullopt;
  st.similarity = match->similarity;
  co_return *found;
}

std::optional<Step> CachePolicy::lead_or_wait(CacheState& st) const {
  st.lead_tried = true;
  if (st.only_if_cached) return miss(st);
  // One that will not store its answer (no-store) leads nobody: they would wait for nothing.
  st.leading = st.store && cache_.lead(st.key);
  if (!st.leading && st.store && st.spec->single_flight_wait.count() > 0) return std::nullopt;
  return miss(st);
}

Step CachePolicy::miss(CacheState& st) const {
  st.outcome = Outcome::kMiss;
  metrics().cache_misses.fetch_add(1, std::memory_order_relaxed);
  if (st.only_if_cached) {
    // RFC 9111 §5.2.1.7: a cache that cannot answer from what it holds says 504.
    if (st.leading) {
      st.leading = false;
      cache_.land(st.key);
    }
    Error e = Error::make(ErrorCode::kUpstreamTimeout,
                          "Cache-Control: only-if-cached, and the cache holds no answer for this "
                          "request.");
    e.error_code = "cache_miss";
    return Step::fail(std::move(e));
  }
  return Step::next();
}

boost::asio::awaitable<std::optional<cache::AnswerPtr>> CachePolicy::look(
    CacheState& st, const std::string& key) const {
  if (st.spec->store != config::CacheSpec::Store::kRedis || !cache_.has_redis())
    co_return cache_.find_local(key, util::unix_now_ms());
  // The bytes come on the Redis thread and are read here, on the request's own.
  std::optional<std::string> value =
      co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                           void(std::optional<std::string>)>(
          [&](auto handler) {
            auto held = std::make_shared<decltype(handler)>(std::move(handler));
            auto executor = boost::asio::get_associated_executor(*held);
            cache_.find_shared(key, [held, executor](std::optional<std::string> fetched) {
              boost::asio::post(executor, [held, fetched = std::move(fetched)]() mutable {
                (*held)(std::move(fetched));
              });
            });
          },
          boost::asio::use_awaitable);
  if (!value) co_return std::nullopt;
  co_return cache::ResponseCache::read_shared(*value, util::unix_now_ms(),
                                              st.spec->max_entry_bytes);
}

boost::asio::awaitable<Step> CachePolicy::on_request_async(RequestContext& ctx, void* state) const {
  CacheState& st = state_of(state);
  const config::CacheSpec& spec = *st.spec;
  const bool shared = spec.store == config::CacheSpec::Store::kRedis && cache_.has_redis();
  if (shared) {
    auto found = co_await look(st, st.key);
    if (!found) {
      // Redis down: the provider answers, and nothing is stored where it cannot be read.
      metrics().cache_unavailable.fetch_add(1, std::memory_order_relaxed);
      st.store = false;
      co_return miss(st);
    }
    if (usable(st, *found)) co_return answer_with(ctx, st, *found);
  }
  if (st.semantic) {
    auto similar = co_await look_similar(ctx, st);
    if (similar) {
      metrics().cache_semantic_hits.fetch_add(1, std::memory_order_relaxed);
      co_return answer_with(ctx, st, *similar);
    }
  }
  if (!st.lead_tried) {
    if (auto step = lead_or_wait(st)) co_return std::move(*step);
  }
  // An identical miss is in flight: wait for it to land (or for the bound), then look again.
  auto timer = std::make_shared<boost::asio::steady_timer>(
      co_await boost::asio::this_coro::executor, spec.single_flight_wait);
  // The wake holds the timer weakly: a waiter gone (its loop shut down) is not posted to.
  const bool in_flight = cache_.follow(st.key, [weak = std::weak_ptr(timer)] {
    if (auto t = weak.lock()) boost::asio::post(t->get_executor(), [t] { t->cancel(); });
  });
  if (in_flight) {
    metrics().cache_flight_waits.fetch_add(1, std::memory_order_relaxed);
    boost::system::error_code ec;
    co_await timer->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  auto found = co_await look(st, st.key);
  if (found && usable(st, *found)) co_return answer_with(ctx, st, *found);
  // The first one's answer was not stored (an error, an unclean finish, the wait ran out): this
  // one goes to the provider itself, and may store what it gets (not when Redis is down).
  if (found) {
    st.leading = st.store && cache_.lead(st.key);
  } else {
    metrics().cache_unavailable.fetch_add(1, std::memory_order_relaxed);
    st.store = false;
  }
  co_return miss(st);
}

bool CachePolicy::usable(const CacheState& st, const cache::AnswerPtr& found) const {
  if (!found) return false;
  const std::int64_t age_ms = util::unix_now_ms() - found->stored_ms;
  if (st.max_age_s >= 0 && age_ms > st.max_age_s * 1000) return false;
  // Never older than this request's own ttl, whoever stored it and for how long: a key with a
  // longer ttl_s (or a config since reloaded with a shorter one) makes no one else's answers
  // staler than their settings say.
  return age_ms <= st.spec->ttl.count();
}

Step CachePolicy::answer_with(RequestContext& ctx, CacheState& st,
                              const cache::AnswerPtr& found) const {
  st.outcome = Outcome::kHit;
  st.store = false;
  st.age_s = std::max<std::int64_t>(0, (util::unix_now_ms() - found->stored_ms) / 1000);
  ctx.cache.hit = true;
  ctx.cache.count_tokens = st.spec->limits_count_tokens;
  metrics().cache_hits.fetch_add(1, std::memory_order_relaxed);
  // What it saved, priced now (with or without a ledger): the answer's usage at the endpoint's
  // prices (priced as saved, not spent, since ctx.cache.hit is set).
  ctx.usage = found->response.usage;
  price_request(ctx);
  if (ctx.cache.saved_usd && *ctx.cache.saved_usd > 0) {
    metrics().cache_saved_nano_usd.fetch_add(static_cast<std::uint64_t>(*ctx.cache.saved_usd * 1e9),
                                             std::memory_order_relaxed);
  }
  pipeline::Reply reply;
  if (ctx.request.stream) {
    reply.events = cache::replay_events(found->response, ctx.request.operation);
  } else {
    reply.response.emplace();
    reply.response->body = found->response.body;
    reply.response->usage = found->response.usage;
  }
  return Step::answer(std::move(reply));
}

void CachePolicy::keep(CacheState& st, const model::Response& answer) const {
  if (!clean(answer.body, *st.spec)) return;
  auto entry = std::make_shared<cache::CachedAnswer>();
  // Out of the request's arena: the entry outlives the request.
  entry->response.body = json::object(answer.body, json::storage_ptr());
  entry->response.usage = answer.usage;
  entry->stored_ms = util::unix_now_ms();
  entry->expires_ms = entry->stored_ms + st.ttl.count();
  entry->endpoint = st.endpoint;
  entry->scope = st.scope;
  std::string encoded = cache::encode(*entry);
  entry->bytes = encoded.size();
  if (entry->bytes > st.spec->max_entry_bytes) return;
  cache_.put(st.spec->store, st.key, std::move(entry), std::move(encoded));
  metrics().cache_stored.fetch_add(1, std::memory_order_relaxed);
  if (!st.unit.empty()) {
    cache_.semantic().add(cache::SemanticIndex::index_name(st.endpoint, st.scope),
                          st.semantic->context, st.unit, st.key, st.spec->max_entries);
  }
}

Step CachePolicy::on_answer(RequestContext& ctx, void* state, model::Response& answer) const {
  CacheState& st = state_of(state);
  if (st.store && !ctx.error) keep(st, answer);
  return Step::next();
}

pipeline::EventVerdict CachePolicy::on_stream_event(RequestContext& /*ctx*/, void* state,
                                                    model::StreamEvent& event,
                                                    pipeline::StreamOut& /*out*/) const {
  CacheState& st = state_of(state);
  if (!st.store) return pipeline::EventVerdict::kPass;
  model::StreamEvent copy;
  copy.kind = event.kind;
  copy.chunk = json::object(event.chunk, json::storage_ptr());
  copy.usage = event.usage;
  // A rough size (the chunk's own JSON would cost a serialization per token): every string in
  // it (content, reasoning, tool-call arguments, …), plus a fixed share per event.
  st.recorded_bytes += 64 + string_bytes(event.chunk);
  if (st.recorded_bytes > st.spec->max_entry_bytes) {
    st.store = false;  // too big to keep: stop recording
    st.events.clear();
    st.events.shrink_to_fit();
    return pipeline::EventVerdict::kPass;
  }
  st.events.push_back(std::move(copy));
  return pipeline::EventVerdict::kPass;
}

pipeline::EventVerdict CachePolicy::on_stream_end(RequestContext& /*ctx*/, void* state,
                                                  pipeline::StreamOut& /*out*/) const {
  state_of(state).stream_ended = true;
  return pipeline::EventVerdict::kPass;
}

void CachePolicy::on_usage(RequestContext& ctx, void* state) const {
  CacheState& st = state_of(state);
  if (!st.store || !st.stream_ended || !ctx.request.stream) return;
  model::Response whole = model::assemble_response(st.events, ctx.request.operation);
  whole.usage = ctx.usage;
  st.events.clear();
  keep(st, whole);
}

void CachePolicy::on_complete(RequestContext& /*ctx*/, void* state,
                              const pipeline::Outcome& /*outcome*/) const {
  CacheState& st = state_of(state);
  if (st.leading) {
    st.leading = false;
    cache_.land(st.key);
  }
}

void CachePolicy::add_headers(const RequestContext& /*ctx*/, const void* state,
                              pipeline::HeaderList& headers) const {
  const CacheState& st = state_of(state);
  switch (st.outcome) {
    case Outcome::kNone:  // refused before the cache was asked (a bad header)
      break;
    case Outcome::kHit:
      headers.emplace_back("x-sluice-cache", "hit");
      headers.emplace_back("x-sluice-cache-age", std::to_string(st.age_s));
      if (st.similarity) {
        char buf[16];
        const auto end =
            std::to_chars(buf, buf + sizeof buf, *st.similarity, std::chars_format::fixed, 4);
        headers.emplace_back("x-sluice-cache-similarity",
                             std::string(buf, static_cast<std::size_t>(end.ptr - buf)));
      }
      break;
    case Outcome::kMiss:
      headers.emplace_back("x-sluice-cache", "miss");
      break;
    case Outcome::kBypass:
      headers.emplace_back("x-sluice-cache", "bypass");
      break;
    case Outcome::kRefresh:
      headers.emplace_back("x-sluice-cache", "refresh");
      break;
  }
}

}  // namespace sluice::policies
