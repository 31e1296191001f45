#include "policies/guardrails/guardrails.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "guardrails/injection.hpp"
#include "policies/guardrails/external.hpp"
#include "policies/guardrails/texts.hpp"

namespace sluice::policies {

struct ParallelCheck {
  explicit ParallelCheck(const boost::asio::any_io_executor& ex)
      : wake(ex, boost::asio::steady_timer::time_point::max()) {}
  const config::GuardrailSpec* guardrail = nullptr;
  std::optional<Result<std::vector<Hit>>> result;
  boost::asio::steady_timer wake;  // cancelled when `result` is in
};

namespace json = boost::json;
using config::GuardrailSpec;
using pipeline::EventVerdict;
using pipeline::RequestContext;
using pipeline::Step;
using Action = GuardrailSpec::Action;
using Type = GuardrailSpec::Type;
using guardrail_texts::Source;

namespace {

GuardrailsState& st_of(void* state) { return *static_cast<GuardrailsState*>(state); }

// What `g` finds in `text`, by position. Entity findings keep their entity for masking.
void find(const GuardrailSpec& g, std::string_view text, std::vector<Hit>& out,
          std::vector<guardrails::Finding>* findings = nullptr) {
  switch (g.type) {
    case Type::kPii:
    case Type::kSecrets: {
      auto found = g.detector->scan(text);
      for (const auto& f : found)
        out.push_back({f.begin, f.end, guardrails::entity_name(f.entity)});
      if (findings != nullptr) *findings = std::move(found);
      return;
    }
    case Type::kDeny:
      for (const auto& m : g.deny->find(text)) out.push_back({m.begin, m.end, "deny"});
      return;
    case Type::kPromptInjection:
      for (const auto& s : guardrails::injection_signals(text))
        out.push_back({s.begin, s.end, s.kind});
      return;
    case Type::kHttp:
      return;  // asked over the network, in the async hooks
  }
}

Finder finder_of(const GuardrailSpec& g) {
  return [&g](std::string_view text, std::vector<Hit>& out) { find(g, text, out); };
}

// Counts `hits` on the request, one event per entity.
void note(RequestContext& ctx, const GuardrailSpec& g, const std::vector<Hit>& hits, bool output) {
  const std::string_view action = config::guardrail_action_name(g.action);
  for (const auto& h : hits) {
    auto it = std::find_if(ctx.guardrail_events.begin(), ctx.guardrail_events.end(),
                           [&](const pipeline::GuardrailEvent& e) {
                             return e.guardrail == g.name && e.entity == h.label &&
                                    e.output == output && e.action == action;
                           });
    if (it == ctx.guardrail_events.end()) {
      ctx.guardrail_events.push_back({g.name, action, h.label, output, 1});
    } else {
      ++it->count;
    }
  }
}

// The kinds of thing found, for an error message: names only, never the text.
std::string kinds(const std::vector<Hit>& hits) {
  std::vector<std::string_view> names;
  for (const auto& h : hits) {
    if (std::find(names.begin(), names.end(), h.label) == names.end()) names.push_back(h.label);
  }
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += ", ";
    out += n == "deny" ? "a denied term" : n;
  }
  return out;
}

Error blocked_error(const GuardrailSpec& g, const std::vector<Hit>& hits, bool output) {
  Error e =
      Error::invalid(std::string(output ? "The answer" : "The request") +
                     " was blocked by guardrail '" + g.name + "' (found: " + kinds(hits) + ").");
  e.error_code = "guardrail_blocked";
  return e;
}

// `text` with each finding replaced by its placeholder.
std::string masked(std::string_view text, const std::vector<guardrails::Finding>& findings,
                   guardrails::MaskTable& table) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  for (const auto& f : findings) {
    out.append(text.substr(at, f.begin - at));
    out += table.placeholder(f.entity, text.substr(f.begin, f.end - f.begin));
    at = f.end;
  }
  out.append(text.substr(at));
  return out;
}

bool reads(const GuardrailSpec& g, Source source) {
  if (g.type != Type::kPromptInjection) return true;
  return source == Source::kUser || (source == Source::kTool && g.include_tool_outputs);
}

// The guardrails this request gets: default_on, the endpoint's, the route's, the key's.
std::vector<const GuardrailSpec*> active(const RequestContext& ctx) {
  std::vector<const GuardrailSpec*> out;
  const auto add = [&out](const GuardrailSpec* g) {
    if (g != nullptr && std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  };
  const auto& defined = ctx.snapshot->guardrails;
  for (const auto* g : defined.default_on) add(g);
  if (ctx.endpoint != nullptr) {
    for (const auto* g : ctx.endpoint->guardrails) add(g);
  }
  if (ctx.route != nullptr) {
    for (const auto* g : ctx.route->guardrails) add(g);
  }
  if (ctx.key) {
    for (const auto& name : ctx.key->guardrails) add(defined.find(name));
  }
  return out;
}

// Runs the input guardrails over `body`; with `count`, their findings are counted and a block
// decided (the client's body kept for another destination is masked alike, uncounted).
std::optional<Error> check_input(RequestContext& ctx, GuardrailsState& st,
                                 const std::vector<const GuardrailSpec*>& guards,
                                 json::object& body, bool count) {
  std::optional<Error> error;
  std::vector<Hit> hits;
  std::vector<guardrails::Finding> findings;
  guardrail_texts::each_request_text(
      body, ctx.request.operation, [&](json::string& text, Source source) {
        for (const GuardrailSpec* g : guards) {
          if (!g->input || g->type == Type::kHttp || !reads(*g, source)) continue;
          if (!count && g->action != Action::kMask) continue;
          hits.clear();
          findings.clear();
          find(*g, text, hits, &findings);
          if (hits.empty()) continue;
          if (count) note(ctx, *g, hits, false);
          if (g->action == Action::kBlock) {
            error = blocked_error(*g, hits, false);
            return false;
          }
          if (g->action == Action::kMask) {
            text = masked(text, findings, st.table);
            ctx.guarded = true;
          }
        }
        return true;
      });
  return error;
}

// --- streams -------------------------------------------------------------------------------

json::object* first_choice(model::StreamEvent& event) {
  auto* choices = event.chunk.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->get_array().empty()) return nullptr;
  return choices->get_array()[0].if_object();
}

// A chunk like `like` (id, model, created, object) with one choice of `index`.
model::StreamEvent chunk_like(const model::StreamEvent& like, json::object choice) {
  model::StreamEvent e;
  for (const auto& kv : like.chunk) {
    if (kv.key() != "choices" && kv.key() != "usage") e.chunk.emplace(kv.key(), kv.value());
  }
  json::array choices;
  choices.emplace_back(std::move(choice));
  e.chunk["choices"] = std::move(choices);
  return e;
}

model::StreamEvent text_chunk(const model::StreamEvent& like, std::int64_t index, bool completion,
                              std::string_view text) {
  json::object c{{"index", index}};
  if (completion) {
    c["text"] = text;
  } else {
    c["delta"] = json::object{{"content", text}};
  }
  c["finish_reason"] = nullptr;
  return chunk_like(like, std::move(c));
}

model::StreamEvent filtered_chunk(const model::StreamEvent& like, std::int64_t index,
                                  bool completion) {
  json::object c{{"index", index}};
  if (completion) {
    c["text"] = "";
  } else {
    c["delta"] = json::object();
  }
  c["finish_reason"] = "content_filter";
  return chunk_like(like, std::move(c));
}

ChoiceStream& stream_of(GuardrailsState& st, std::int64_t index) {
  for (auto& cs : st.streams) {
    if (cs.index == index) return cs;
  }
  ChoiceStream cs;
  cs.index = index;
  for (const GuardrailSpec* g : st.output) {
    GuardrailStage stage;
    stage.spec = g;
    if (g->action == Action::kMask) {
      stage.masker =
          std::make_unique<guardrails::StreamMasker>(*g->detector, st.table, g->window_bytes);
    } else {
      stage.scan.emplace(g->window_bytes, g->action == Action::kBlock);
    }
    cs.stages.push_back(std::move(stage));
  }
  if (st.restore) cs.restorer.emplace(*st.restore);
  st.streams.push_back(std::move(cs));
  return st.streams.back();
}

// Passes `in` through the choice's stages (all held text too when `finish`): what may go to the
// client now, or the guardrail that blocks.
const GuardrailSpec* pass_text(RequestContext& ctx, ChoiceStream& cs, std::string_view in,
                               bool finish, std::string& out, std::vector<Hit>& blocked_hits) {
  std::string cur(in);
  for (auto& stage : cs.stages) {
    const GuardrailSpec& g = *stage.spec;
    std::string next;
    if (stage.masker) {
      next = stage.masker->feed(cur);
      if (finish) next += stage.masker->finish();
      const auto& found = stage.masker->found();
      std::vector<Hit> hits;
      for (std::size_t i = stage.noted; i < found.size(); ++i)
        hits.push_back({found[i].begin, found[i].end, guardrails::entity_name(found[i].entity)});
      stage.noted = found.size();
      note(ctx, g, hits, true);
    } else {
      const Finder f = finder_of(g);
      std::vector<Hit> hits;
      next = stage.scan->feed(cur, f, hits);
      if (finish) next += stage.scan->finish(f, hits);
      note(ctx, g, hits, true);
      if (!hits.empty() && g.action == Action::kBlock) {
        blocked_hits = std::move(hits);
        return &g;
      }
    }
    cur = std::move(next);
  }
  if (cs.restorer) {
    std::string restored = cs.restorer->feed(cur);
    if (finish) restored += cs.restorer->finish();
    cur = std::move(restored);
  }
  out = std::move(cur);
  return nullptr;
}

// Checks a whole text against the output guardrails (masking, restoring): nullptr, or the one
// that blocks.
const GuardrailSpec* check_output_text(RequestContext& ctx, GuardrailsState& st, json::string& text,
                                       bool& changed, std::vector<Hit>& blocked_hits,
                                       bool restore = true) {
  std::vector<Hit> hits;
  std::vector<guardrails::Finding> findings;
  for (const GuardrailSpec* g : st.output) {
    hits.clear();
    findings.clear();
    find(*g, text, hits, &findings);
    if (hits.empty()) continue;
    note(ctx, *g, hits, true);
    if (g->action == Action::kBlock) {
      blocked_hits = std::move(hits);
      return g;
    }
    if (g->action == Action::kMask) {
      text = masked(text, findings, st.table);
      changed = true;
    }
  }
  if (restore && st.restore && st.restore->size() != 0 && text.find('<') != json::string::npos) {
    std::string restored = guardrails::restore(text, *st.restore);
    if (restored != std::string_view(text)) {
      text = restored;
      changed = true;
    }
  }
  return nullptr;
}

// The held tool-call deltas of a choice, checked whole, as one event (or the guardrail that
// blocks).
const GuardrailSpec* release_tools(RequestContext& ctx, GuardrailsState& st, ChoiceStream& cs,
                                   pipeline::StreamOut& out, std::vector<Hit>& blocked_hits) {
  if (cs.held_tools.empty()) return nullptr;
  // Merge the deltas per tool-call index: the first carries id, type and name.
  json::array calls;
  std::vector<std::int64_t> indexes;
  json::value role;
  for (auto& e : cs.held_tools) {
    json::object* choice = first_choice(e);
    auto* delta = choice != nullptr ? choice->if_contains("delta") : nullptr;
    if (delta == nullptr || !delta->is_object()) continue;
    if (const auto* r = delta->get_object().if_contains("role")) role = *r;
    const auto* tc = delta->get_object().if_contains("tool_calls");
    if (tc == nullptr || !tc->is_array()) continue;
    for (const auto& c : tc->get_array()) {
      const auto* call = c.if_object();
      if (call == nullptr) continue;
      const auto* ix = call->if_contains("index");
      const std::int64_t i = ix != nullptr && ix->is_int64() ? ix->get_int64() : 0;
      auto at = std::find(indexes.begin(), indexes.end(), i);
      if (at == indexes.end()) {
        indexes.push_back(i);
        json::object first = *call;
        json::object fn;
        if (const auto* f = call->if_contains("function"); f != nullptr && f->is_object())
          fn = f->get_object();
        if (!fn.contains("arguments") || !fn["arguments"].is_string()) fn["arguments"] = "";
        first["function"] = std::move(fn);
        calls.emplace_back(std::move(first));
        continue;
      }
      const auto* f = call->if_contains("function");
      const auto* more =
          f != nullptr && f->is_object() ? f->get_object().if_contains("arguments") : nullptr;
      if (more != nullptr && more->is_string()) {
        auto& args = calls[static_cast<std::size_t>(at - indexes.begin())]
                         .get_object()["function"]
                         .get_object()["arguments"]
                         .get_string();
        args.append(more->get_string());
      }
    }
  }
  for (auto& c : calls) {
    bool changed = false;
    auto& args = c.get_object()["function"].get_object()["arguments"].get_string();
    if (const GuardrailSpec* g = check_output_text(ctx, st, args, changed, blocked_hits)) return g;
  }
  json::object delta;
  if (!role.is_null()) delta["role"] = role;
  delta["tool_calls"] = std::move(calls);
  json::object choice{{"index", cs.index}, {"delta", std::move(delta)}, {"finish_reason", nullptr}};
  out.emit(chunk_like(cs.held_tools.front(), std::move(choice)));
  cs.held_tools.clear();
  return nullptr;
}

// Ends every choice not yet ended as filtered; the stream's later events carry usage only.
EventVerdict block_stream(RequestContext& ctx, GuardrailsState& st, const GuardrailSpec& g,
                          const std::vector<Hit>& hits, const model::StreamEvent& like,
                          pipeline::StreamOut& out) {
  st.blocked = true;
  if (ctx.api == "mlflow") return out.stop(blocked_error(g, hits, true));
  const bool completion = ctx.request.operation == model::Operation::kCompletions;
  if (st.streams.empty()) out.emit(filtered_chunk(like, 0, completion));
  for (auto& cs : st.streams) {
    if (cs.done) continue;
    cs.done = true;
    cs.held_tools.clear();
    out.emit(filtered_chunk(like, cs.index, completion));
  }
  return EventVerdict::kDrop;
}

// After a block: usage still goes on (accounting), nothing else.
EventVerdict after_block(model::StreamEvent& event) {
  if (event.kind == model::StreamEvent::Kind::kUsage) return EventVerdict::kPass;
  if (event.usage.empty()) return EventVerdict::kDrop;
  event.kind = model::StreamEvent::Kind::kUsage;
  event.chunk["choices"] = json::array();
  return EventVerdict::kPass;
}

// Flushes a choice at its end: held text, then held tool calls.
const GuardrailSpec* end_choice(RequestContext& ctx, GuardrailsState& st, ChoiceStream& cs,
                                const model::StreamEvent& like, pipeline::StreamOut& out,
                                std::vector<Hit>& blocked_hits) {
  std::string rest;
  if (const GuardrailSpec* g = pass_text(ctx, cs, "", true, rest, blocked_hits)) return g;
  const bool completion = ctx.request.operation == model::Operation::kCompletions;
  if (!rest.empty()) out.emit(text_chunk(like, cs.index, completion, rest));
  if (const GuardrailSpec* g = release_tools(ctx, st, cs, out, blocked_hits)) return g;
  cs.done = true;
  return nullptr;
}

// --- external checks ------------------------------------------------------------------------

// The texts an external check reads, joined by blank lines into one call, and put back masked.
struct Texts {
  std::string joined;
  std::vector<std::pair<json::string*, std::size_t>> parts;  // each text, its offset in joined

  void add(json::string& t) {
    if (!parts.empty()) joined += "\n\n";
    parts.emplace_back(&t, joined.size());
    joined.append(t.data(), t.size());
  }
  // Each text with the hits inside it (offsets into joined) replaced by placeholders.
  void mask(const std::vector<Hit>& hits, guardrails::MaskTable& table) {
    for (auto& [text, at] : parts) {
      const std::size_t end = at + text->size();
      std::string out;
      std::size_t pos = at;
      for (const auto& h : hits) {
        const std::size_t b = std::max(h.begin, at);
        const std::size_t e = std::min(h.end, end);
        if (b >= e || b < pos) continue;
        out.append(joined, pos, b - pos);
        out += table.placeholder(h.label, std::string_view(joined).substr(b, e - b));
        pos = e;
      }
      if (pos == at) continue;
      out.append(joined, pos, end - pos);
      *text = out;
    }
  }
};

struct RequestTexts : Texts {
  RequestTexts(json::object& body, model::Operation operation) {
    guardrail_texts::each_request_text(body, operation, [this](json::string& t, Source) {
      add(t);
      return true;
    });
  }
};

struct AnswerTexts : Texts {
  explicit AnswerTexts(json::object& body) {
    guardrail_texts::each_answer_text(body, [this](json::string& t, Source) {
      add(t);
      return true;
    });
  }
};

// Counts what an external check found, or that it could not answer: then nullopt when it fails
// open, the client's error when it fails closed.
std::optional<Error> settle_external(RequestContext& ctx, const GuardrailSpec& g,
                                     const Result<std::vector<Hit>>& found, bool output) {
  if (found) {
    note(ctx, g, *found, output);
    return std::nullopt;
  }
  const bool open = g.external->fail_open;
  ctx.guardrail_events.push_back(
      {g.name, open ? "failed_open" : "failed_closed", "unavailable", output, 1});
  if (open) return std::nullopt;
  Error e = Error::make(ErrorCode::kServiceUnavailable,
                        "Guardrail '" + g.name + "' could not check the " +
                            (output ? "answer" : "request") + " (" + found.error().message +
                            "), and it fails closed.");
  e.error_code = "guardrail_unavailable";
  return e;
}

// Starts `g`'s check of `text` now; the answer hook waits for it. The task keeps the snapshot
// (which owns `g`) alive, as it may outlive the request.
std::shared_ptr<ParallelCheck> start_parallel(const boost::asio::any_io_executor& ex,
                                              RequestContext& ctx, const GuardrailSpec& g,
                                              std::string text) {
  auto p = std::make_shared<ParallelCheck>(ex);
  p->guardrail = &g;
  boost::asio::co_spawn(
      ex,
      [p, client = ctx.upstream_client, snapshot = ctx.snapshot, &g,
       text = std::move(text)]() mutable -> boost::asio::awaitable<void> {
        auto found = co_await external::check(*client, g, std::move(text));
        p->result = std::move(found);
        p->wake.cancel();
      },
      boost::asio::detached);
  return p;
}

// --- answers -------------------------------------------------------------------------------

// The local output guardrails over a whole answer: nullptr, or the one that blocks.
const GuardrailSpec* local_output(RequestContext& ctx, GuardrailsState& st, model::Response& answer,
                                  bool& changed, std::vector<Hit>& hits) {
  const GuardrailSpec* blocked = nullptr;
  if (st.output.empty()) return nullptr;
  guardrail_texts::each_answer_text(answer.body, [&](json::string& text, Source) {
    blocked = check_output_text(ctx, st, text, changed, hits, false);
    return blocked == nullptr;
  });
  return blocked;
}

// The request's values put back into the answer's placeholders.
void restore_answer(GuardrailsState& st, model::Response& answer, bool& changed) {
  if (!st.restore || st.restore->size() == 0) return;
  guardrail_texts::each_answer_text(answer.body, [&](json::string& text, Source) {
    if (text.find('<') == json::string::npos) return true;
    std::string restored = guardrails::restore(text, *st.restore);
    if (restored != std::string_view(text)) {
      text = restored;
      changed = true;
    }
    return true;
  });
}

// A blocked answer: MLflow's error on its paths; elsewhere every choice ends as filtered, with
// nothing of what it said.
Step filtered(const RequestContext& ctx, model::Response& answer, const GuardrailSpec& g,
              const std::vector<Hit>& hits) {
  if (ctx.api == "mlflow") return Step::fail(blocked_error(g, hits, true));
  if (auto* choices = answer.body.if_contains("choices"); choices && choices->is_array()) {
    for (auto& c : choices->get_array()) {
      auto* choice = c.if_object();
      if (choice == nullptr) continue;
      if (choice->contains("text")) (*choice)["text"] = "";
      if (auto* m = choice->if_contains("message"); m != nullptr && m->is_object()) {
        auto& message = m->get_object();
        message["content"] = "";
        message.erase("tool_calls");
        message.erase("function_call");
      }
      (*choice)["finish_reason"] = "content_filter";
    }
  }
  answer.raw.clear();
  return Step::next();
}

}  // namespace

Step GuardrailsPolicy::on_request(RequestContext& ctx, void* state) const {
  if (ctx.request.operation == model::Operation::kCustom) return Step::skip();
  std::vector<const GuardrailSpec*> guards = active(ctx);
  if (guards.empty()) return Step::skip();
  if (ctx.passthrough) {
    // The provider's own API is relayed as it is, in shapes the guardrails do not read: rather
    // than let it around them, it is refused.
    Error e = Error::invalid(
        "This endpoint has guardrails, which the provider-native passthrough cannot apply; call "
        "it through the OpenAI, Anthropic or MLflow API instead.");
    e.error_code = "guardrail_blocked";
    return Step::fail(std::move(e));
  }
  GuardrailsState& st = st_of(state);
  bool restore = false;
  const bool answers_text = ctx.request.operation != model::Operation::kEmbeddings;
  for (const GuardrailSpec* g : guards) {
    restore = restore || g->restore_in_answer;
    if (g->type == Type::kHttp) {
      if (g->input) st.http_input.push_back(g);
      if (g->output && answers_text) {
        if (ctx.request.stream) {
          // An external check of a stream would hold the whole answer: streams are not sent.
          ctx.guardrail_events.push_back({g->name, "skipped", "stream", true, 1});
        } else {
          st.http_output.push_back(g);
        }
      }
      continue;
    }
    if (g->output && answers_text) st.output.push_back(g);
  }
  st.restoring = restore;
  if (auto error = check_input(ctx, st, guards, ctx.request.body, true))
    return Step::fail(std::move(*error));
  if (ctx.pristine_body && ctx.guarded) check_input(ctx, st, guards, *ctx.pristine_body, false);
  if (!st.output.empty() || !st.http_output.empty()) ctx.guarded = true;
  if (!st.http_input.empty()) return Step::wait();
  if (restore && st.table.size() != 0) st.restore = st.table;
  return Step::next();
}

boost::asio::awaitable<Step> GuardrailsPolicy::on_request_async(RequestContext& ctx,
                                                                void* state) const {
  GuardrailsState& st = st_of(state);
  for (const GuardrailSpec* g : st.http_input) {
    RequestTexts texts(ctx.request.body, ctx.request.operation);
    if (texts.joined.empty()) continue;
    if (g->external->parallel && !ctx.request.stream && ctx.upstream_client != nullptr) {
      const auto ex = co_await boost::asio::this_coro::executor;
      st.parallel.push_back(start_parallel(ex, ctx, *g, std::move(texts.joined)));
      continue;
    }
    // (No co_await inside ?: — GCC 12 miscompiles it.)
    Result<std::vector<Hit>> found = Error::make(ErrorCode::kInternal, "no upstream client");
    if (ctx.upstream_client != nullptr)
      found = co_await external::check(*ctx.upstream_client, *g, texts.joined);
    if (auto error = settle_external(ctx, *g, found, false))
      co_return Step::fail(std::move(*error));
    if (!found || found->empty()) continue;
    if (g->action == Action::kBlock) co_return Step::fail(blocked_error(*g, *found, false));
    if (g->action == Action::kMask) {
      texts.mask(*found, st.table);
      ctx.guarded = true;
      if (ctx.pristine_body) {
        // The client's body kept for another destination gets the same placeholders.
        RequestTexts kept(*ctx.pristine_body, ctx.request.operation);
        if (kept.joined == texts.joined) kept.mask(*found, st.table);
      }
    }
  }
  if (st.restoring && st.table.size() != 0) st.restore = st.table;
  co_return Step::next();
}

Step GuardrailsPolicy::on_answer(RequestContext& ctx, void* state, model::Response& answer) const {
  GuardrailsState& st = st_of(state);
  if (!st.parallel.empty() || !st.http_output.empty()) return Step::wait();
  if (st.output.empty() && !st.restore) return Step::next();
  bool changed = false;
  std::vector<Hit> hits;
  if (const GuardrailSpec* g = local_output(ctx, st, answer, changed, hits))
    return filtered(ctx, answer, *g, hits);
  restore_answer(st, answer, changed);
  if (changed) answer.raw.clear();
  return Step::next();
}

boost::asio::awaitable<Step> GuardrailsPolicy::on_answer_async(RequestContext& ctx, void* state,
                                                               model::Response& answer) const {
  GuardrailsState& st = st_of(state);
  // What was checked alongside the provider call first: its answer is held until they pass.
  for (auto& p : st.parallel) {
    if (!p->result) {
      boost::system::error_code ec;
      co_await p->wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    const Result<std::vector<Hit>> found =
        p->result ? std::move(*p->result)
                  : Result<std::vector<Hit>>(Error::make(ErrorCode::kInternal, "not answered"));
    if (auto error = settle_external(ctx, *p->guardrail, found, false))
      co_return Step::fail(std::move(*error));
    if (found && !found->empty() && p->guardrail->action == Action::kBlock)
      co_return Step::fail(blocked_error(*p->guardrail, *found, false));
  }
  bool changed = false;
  std::vector<Hit> hits;
  if (const GuardrailSpec* g = local_output(ctx, st, answer, changed, hits))
    co_return filtered(ctx, answer, *g, hits);
  for (const GuardrailSpec* g : st.http_output) {
    AnswerTexts texts(answer.body);
    if (texts.joined.empty()) continue;
    // (No co_await inside ?: — GCC 12 miscompiles it.)
    Result<std::vector<Hit>> found = Error::make(ErrorCode::kInternal, "no upstream client");
    if (ctx.upstream_client != nullptr)
      found = co_await external::check(*ctx.upstream_client, *g, texts.joined);
    if (auto error = settle_external(ctx, *g, found, true)) co_return Step::fail(std::move(*error));
    if (!found || found->empty()) continue;
    if (g->action == Action::kBlock) co_return filtered(ctx, answer, *g, *found);
    if (g->action == Action::kMask) {
      texts.mask(*found, st.table);
      changed = true;
    }
  }
  restore_answer(st, answer, changed);
  if (changed) answer.raw.clear();
  co_return Step::next();
}

EventVerdict GuardrailsPolicy::on_stream_event(RequestContext& ctx, void* state,
                                               model::StreamEvent& event,
                                               pipeline::StreamOut& out) const {
  GuardrailsState& st = st_of(state);
  if (st.output.empty() && !st.restore) return EventVerdict::kPass;
  if (st.blocked) return after_block(event);
  if (event.kind != model::StreamEvent::Kind::kChunk) return EventVerdict::kPass;
  json::object* choice = first_choice(event);
  if (choice == nullptr) return EventVerdict::kPass;
  const auto* ix = choice->if_contains("index");
  ChoiceStream& cs = stream_of(st, ix != nullptr && ix->is_int64() ? ix->get_int64() : 0);
  if (cs.done) return EventVerdict::kPass;
  const bool completion = ctx.request.operation == model::Operation::kCompletions;
  json::object* delta = nullptr;
  if (auto* d = choice->if_contains("delta"); d != nullptr && d->is_object())
    delta = &d->get_object();
  json::value* content = completion ? choice->if_contains("text")
                                    : (delta != nullptr ? delta->if_contains("content") : nullptr);
  std::vector<Hit> hits;
  if (content != nullptr && content->is_string() && !content->get_string().empty()) {
    std::string text;
    if (const GuardrailSpec* g = pass_text(ctx, cs, content->get_string(), false, text, hits))
      return block_stream(ctx, st, *g, hits, event, out);
    *content = text;
  }
  const auto* finish = choice->if_contains("finish_reason");
  const bool ends = finish != nullptr && finish->is_string();
  if (delta != nullptr && delta->contains("tool_calls") && !ends) {
    // Held until the choice ends, then checked whole; text of the same chunk goes on now.
    const bool has_text =
        content != nullptr && content->is_string() && !content->get_string().empty();
    if (has_text) out.emit(text_chunk(event, cs.index, false, content->get_string()));
    if (content != nullptr) *content = nullptr;
    cs.held_tools.push_back(std::move(event));
    return EventVerdict::kHold;
  }
  if (delta != nullptr && delta->contains("tool_calls")) {
    // A last delta that also ends the choice: held with the others, released below.
    model::StreamEvent tools = event;
    if (auto* c = first_choice(tools)) (*c)["finish_reason"] = nullptr;
    cs.held_tools.push_back(std::move(tools));
    delta->erase("tool_calls");
  }
  if (ends) {
    // What this chunk said goes out first, then what was held, then the end.
    if (content != nullptr && content->is_string() && !content->get_string().empty()) {
      out.emit(text_chunk(event, cs.index, completion, content->get_string()));
      *content = completion ? json::value("") : json::value(nullptr);
    }
    if (const GuardrailSpec* g = end_choice(ctx, st, cs, event, out, hits))
      return block_stream(ctx, st, *g, hits, event, out);
  }
  return EventVerdict::kPass;
}

EventVerdict GuardrailsPolicy::on_stream_end(RequestContext& ctx, void* state,
                                             pipeline::StreamOut& out) const {
  GuardrailsState& st = st_of(state);
  if (st.blocked || (st.output.empty() && !st.restore)) return EventVerdict::kPass;
  std::vector<Hit> hits;
  for (auto& cs : st.streams) {
    if (cs.done) continue;
    model::StreamEvent like;
    like.chunk["object"] = ctx.request.operation == model::Operation::kCompletions
                               ? "text_completion"
                               : "chat.completion.chunk";
    if (const GuardrailSpec* g = end_choice(ctx, st, cs, like, out, hits)) {
      st.blocked = true;
      if (ctx.api == "mlflow") return out.stop(blocked_error(*g, hits, true));
      const bool completion = ctx.request.operation == model::Operation::kCompletions;
      out.emit(filtered_chunk(like, cs.index, completion));
    }
  }
  return EventVerdict::kPass;
}

}  // namespace sluice::policies
