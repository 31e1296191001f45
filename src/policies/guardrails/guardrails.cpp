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
// A value cut across two text parts of one message ("mail ann@exa" + "mple.com") is one value to
// the model: the parts are read joined too. What crosses a boundary blocks, is counted, or is
// masked with the parts it spans merged into the first.
std::optional<Error> check_across_parts(RequestContext& ctx, GuardrailsState& st,
                                        const std::vector<const GuardrailSpec*>& data,
                                        json::object& body) {
  auto* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) return std::nullopt;
  for (auto& m : messages->get_array()) {
    auto* content = m.is_object() ? m.get_object().if_contains("content") : nullptr;
    if (content == nullptr || !content->is_array() || content->get_array().size() < 2) continue;
    json::array& parts = content->get_array();
    for (std::size_t round = 0; round < parts.size(); ++round) {
      // The plain text parts, joined; where each starts.
      std::string joined;
      std::vector<std::pair<std::size_t, std::size_t>> at;  // part index, offset in joined
      for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto* p = parts[i].if_object();
        const auto* type = p != nullptr ? p->if_contains("type") : nullptr;
        const auto* text = p != nullptr ? p->if_contains("text") : nullptr;
        if (type == nullptr || !type->is_string() || type->get_string() != "text" ||
            text == nullptr || !text->is_string())
          continue;
        at.emplace_back(i, joined.size());
        joined.append(text->get_string().data(), text->get_string().size());
      }
      if (at.size() < 2) break;
      const auto part_at = [&](std::size_t offset) {
        std::size_t k = 0;
        while (k + 1 < at.size() && at[k + 1].second <= offset) ++k;
        return k;
      };
      bool merged = false;
      for (const GuardrailSpec* g : data) {
        std::vector<Hit> hits;
        find(*g, joined, hits);
        std::vector<Hit> crossing;
        for (const auto& h : hits) {
          if (part_at(h.begin) != part_at(h.end - 1)) crossing.push_back(h);
        }
        if (crossing.empty()) continue;
        note(ctx, *g, crossing, false);
        if (g->action == Action::kBlock) return blocked_error(*g, crossing, false);
        if (g->action != Action::kMask) continue;
        // Merge the parts the first crossing value spans, then mask the merged text.
        const std::size_t a = part_at(crossing[0].begin);
        const std::size_t b = part_at(crossing[0].end - 1);
        const std::size_t end = b + 1 < at.size() ? at[b + 1].second : joined.size();
        std::string text = joined.substr(at[a].second, end - at[a].second);
        std::vector<Hit> inside;
        std::vector<guardrails::Finding> findings;
        find(*g, text, inside, &findings);
        parts[at[a].first].get_object()["text"] =
            guardrails::mask_findings(text, findings, st.table);
        for (std::size_t k = b; k > a; --k)
          parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(at[k].first));
        ctx.guarded = true;
        merged = true;
        break;
      }
      if (!merged) break;
    }
  }
  return std::nullopt;
}

std::optional<Error> check_input(RequestContext& ctx, GuardrailsState& st,
                                 const std::vector<const GuardrailSpec*>& guards,
                                 json::object& body, bool count) {
  std::optional<Error> error;
  std::vector<Hit> hits;
  std::vector<guardrails::Finding> findings;
  const auto visit = [&](json::string& text, Source source,
                         const std::vector<const GuardrailSpec*>& these) {
    for (const GuardrailSpec* g : these) {
      if (!g->input || g->type == Type::kHttp || !reads(*g, source)) continue;
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
        text = guardrails::mask_findings(text, findings, st.table);
        ctx.guarded = true;
      }
    }
    return true;
  };
  // Prompt injection reads the turns by who wrote them; the data guardrails read every string
  // that goes to the provider (the client's body kept for another destination included: its
  // template variables may sit anywhere).
  std::vector<const GuardrailSpec*> by_source;
  std::vector<const GuardrailSpec*> data;
  for (const GuardrailSpec* g : guards)
    (g->type == Type::kPromptInjection ? by_source : data).push_back(g);
  if (!by_source.empty() && count)
    guardrail_texts::each_request_text(
        body, ctx.request.operation,
        [&](json::string& text, Source source) { return visit(text, source, by_source); });
  if (!error && !data.empty())
    guardrail_texts::each_request_string(
        body, [&](json::string& text, Source source) { return visit(text, source, data); });
  if (!error && !data.empty() && count) error = check_across_parts(ctx, st, data, body);
  return error;
}

// Every value `table` has masked, replaced by its placeholder in every string of `body` (the
// kept client body: what an external check found in the request must not reach another
// destination either).
void mask_known(json::object& body, const guardrails::MaskTable& table) {
  if (table.size() == 0) return;
  std::vector<std::pair<std::string_view, std::string_view>> known;  // value, placeholder
  table.each([&](const std::string& placeholder, const std::string& value) {
    if (!value.empty()) known.emplace_back(value, placeholder);
  });
  std::sort(known.begin(), known.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  guardrail_texts::each_request_string(body, [&](json::string& text, Source) {
    std::string s(text.data(), text.size());
    bool changed = false;
    for (const auto& [value, placeholder] : known) {
      for (std::size_t at = s.find(value); at != std::string::npos;
           at = s.find(value, at + placeholder.size())) {
        s.replace(at, value.size(), placeholder);
        changed = true;
      }
    }
    if (changed) text = s;
    return true;
  });
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
                              std::string_view text, std::string_view field = "content") {
  json::object c{{"index", index}};
  if (completion) {
    c["text"] = text;
  } else {
    c["delta"] = json::object{{field, text}};
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

ChoiceStream new_stream(GuardrailsState& st, std::int64_t index) {
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
  return cs;
}

ChoiceStream& stream_of(GuardrailsState& st, std::int64_t index) {
  for (auto& cs : st.streams) {
    if (cs.index == index) return cs;
  }
  st.streams.push_back(new_stream(st, index));
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
      text = guardrails::mask_findings(text, findings, st.table);
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

// Tool-call arguments checked as JSON: each string inside them decoded (so "\u0040" is read as
// '@'), re-encoded when one was masked or restored.
const GuardrailSpec* check_output_json(RequestContext& ctx, GuardrailsState& st, json::string& args,
                                       std::vector<Hit>& blocked_hits) {
  const GuardrailSpec* blocked = nullptr;
  guardrail_texts::visit_json_or_text(args, Source::kAssistant, [&](json::string& s, Source) {
    bool changed = false;
    blocked = check_output_text(ctx, st, s, changed, blocked_hits);
    return blocked == nullptr;
  });
  return blocked;
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
  std::optional<json::object> function_call;  // the legacy single call, merged alike
  for (auto& e : cs.held_tools) {
    json::object* choice = first_choice(e);
    auto* delta = choice != nullptr ? choice->if_contains("delta") : nullptr;
    if (delta == nullptr || !delta->is_object()) continue;
    if (const auto* r = delta->get_object().if_contains("role")) role = *r;
    if (const auto* fc = delta->get_object().if_contains("function_call"); fc && fc->is_object()) {
      if (!function_call) function_call.emplace();
      for (const auto& kv : fc->get_object()) {
        auto* have = function_call->if_contains(kv.key());
        if (kv.key() == "arguments" && have != nullptr && have->is_string() &&
            kv.value().is_string()) {
          have->get_string().append(kv.value().get_string());
        } else if (have == nullptr) {
          function_call->emplace(kv.key(), kv.value());
        }
      }
    }
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
    auto& args = c.get_object()["function"].get_object()["arguments"].get_string();
    if (const GuardrailSpec* g = check_output_json(ctx, st, args, blocked_hits)) return g;
  }
  if (function_call) {
    if (auto* args = function_call->if_contains("arguments"); args && args->is_string()) {
      if (const GuardrailSpec* g = check_output_json(ctx, st, args->get_string(), blocked_hits))
        return g;
    }
  }
  json::object delta;
  if (!role.is_null()) delta["role"] = role;
  if (!calls.empty()) delta["tool_calls"] = std::move(calls);
  if (function_call) delta["function_call"] = std::move(*function_call);
  json::object choice{{"index", cs.index}, {"delta", std::move(delta)}, {"finish_reason", nullptr}};
  out.emit(chunk_like(cs.held_tools.front(), std::move(choice)));
  cs.held_tools.clear();
  return nullptr;
}

// Ends every choice not yet ended as filtered; the stream's later events carry usage only.
EventVerdict after_block(model::StreamEvent& event);

// `event` (the one being handled) keeps only its usage, if it has any.
EventVerdict block_stream(RequestContext& ctx, GuardrailsState& st, const GuardrailSpec& g,
                          const std::vector<Hit>& hits, model::StreamEvent& event,
                          pipeline::StreamOut& out) {
  const model::StreamEvent& like = st.like.chunk.empty() ? event : st.like;
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
  return after_block(event);
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
  const bool completion = ctx.request.operation == model::Operation::kCompletions;
  if (cs.reasoning) {
    if (const GuardrailSpec* g = pass_text(ctx, *cs.reasoning, "", true, rest, blocked_hits))
      return g;
    if (!rest.empty()) out.emit(text_chunk(like, cs.index, false, rest, "reasoning_content"));
    rest.clear();
  }
  if (const GuardrailSpec* g = pass_text(ctx, cs, "", true, rest, blocked_hits)) return g;
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

// Token log probabilities spell the answer out token by token, around any guardrail: an answer
// that output guardrails read goes without them.
void drop_logprobs(json::object& chunk_or_answer, bool& changed) {
  auto* choices = chunk_or_answer.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) return;
  for (auto& c : choices->get_array()) {
    if (auto* choice = c.if_object(); choice != nullptr && choice->erase("logprobs") != 0)
      changed = true;
  }
}

// The local output guardrails over a whole answer: nullptr, or the one that blocks.
const GuardrailSpec* local_output(RequestContext& ctx, GuardrailsState& st, model::Response& answer,
                                  bool& changed, std::vector<Hit>& hits) {
  const GuardrailSpec* blocked = nullptr;
  if (st.output.empty() && st.http_output.empty()) return nullptr;
  drop_logprobs(answer.body, changed);
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
        for (const char* said : {"tool_calls", "function_call", "reasoning_content",
                                 "thinking_blocks", "refusal", "annotations", "audio"})
          message.erase(said);
      }
      (*choice)["finish_reason"] = "content_filter";
    }
  }
  answer.raw.clear();
  return Step::next();
}

}  // namespace

bool GuardrailsPolicy::applies(const RequestContext& ctx) {
  return ctx.snapshot != nullptr && !active(ctx).empty();
}

Step GuardrailsPolicy::on_request(RequestContext& ctx, void* state) const {
  if (ctx.key) {
    // A key that names a guardrail the config no longer defines is refused rather than served
    // without it (a key may add guardrails, and nothing may take one away unseen).
    for (const auto& name : ctx.key->guardrails) {
      if (ctx.snapshot->guardrails.find(name) != nullptr) continue;
      Error e = Error::make(ErrorCode::kServiceUnavailable,
                            "This gateway key asks for guardrail '" + name.substr(0, 64) +
                                "', which the gateway's configuration does not define.");
      e.error_code = "guardrail_unavailable";
      return Step::fail(std::move(e));
    }
  }
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
  if (ctx.pristine_body) {
    if (auto error = check_input(ctx, st, guards, *ctx.pristine_body, false))
      return Step::fail(std::move(*error));
  }
  // (An external check running alongside the provider may still block its answer: that answer
  // must not be cached either.)
  if (!st.output.empty() || !st.http_output.empty() || !st.http_input.empty()) ctx.guarded = true;
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
      // The client's body kept for another destination gets the same placeholders.
      if (ctx.pristine_body) mask_known(*ctx.pristine_body, st.table);
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

namespace {

// One chunk of one choice (on_stream_event splits chunks of several).
EventVerdict on_choice_event(RequestContext& ctx, GuardrailsState& st, model::StreamEvent& event,
                             pipeline::StreamOut& out) {
  if (st.blocked) return after_block(event);
  json::object* choice = first_choice(event);
  if (choice == nullptr) return EventVerdict::kPass;
  if (!st.output.empty()) choice->erase("logprobs");
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
  json::value* reasoning = delta != nullptr ? delta->if_contains("reasoning_content") : nullptr;
  if (reasoning != nullptr && reasoning->is_string() && !reasoning->get_string().empty()) {
    if (!cs.reasoning) cs.reasoning = std::make_unique<ChoiceStream>(new_stream(st, cs.index));
    std::string text;
    if (const GuardrailSpec* g =
            pass_text(ctx, *cs.reasoning, reasoning->get_string(), false, text, hits))
      return block_stream(ctx, st, *g, hits, event, out);
    *reasoning = text;
  }
  const auto* finish = choice->if_contains("finish_reason");
  const bool ends = finish != nullptr && finish->is_string();
  const bool calls =
      delta != nullptr && (delta->contains("tool_calls") || delta->contains("function_call"));
  if (calls && !ends) {
    // Held until the choice ends, then checked whole; text of the same chunk goes on now.
    const bool has_text =
        content != nullptr && content->is_string() && !content->get_string().empty();
    if (has_text) out.emit(text_chunk(event, cs.index, false, content->get_string()));
    if (content != nullptr) *content = nullptr;
    cs.held_tools.push_back(std::move(event));
    return EventVerdict::kHold;
  }
  if (calls) {
    // A last delta that also ends the choice: held with the others, released below.
    model::StreamEvent tools = event;
    if (auto* c = first_choice(tools)) (*c)["finish_reason"] = nullptr;
    cs.held_tools.push_back(std::move(tools));
    delta->erase("tool_calls");
    delta->erase("function_call");
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

}  // namespace

EventVerdict GuardrailsPolicy::on_stream_event(RequestContext& ctx, void* state,
                                               model::StreamEvent& event,
                                               pipeline::StreamOut& out) const {
  GuardrailsState& st = st_of(state);
  if (st.output.empty() && !st.restore) return EventVerdict::kPass;
  if (st.blocked) return after_block(event);
  if (event.kind != model::StreamEvent::Kind::kChunk) return EventVerdict::kPass;
  if (st.like.chunk.empty()) {
    for (const auto& kv : event.chunk) {
      if (kv.key() != "choices" && kv.key() != "usage") st.like.chunk.emplace(kv.key(), kv.value());
    }
  }
  auto* choices = event.chunk.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->get_array().size() < 2)
    return on_choice_event(ctx, st, event, out);
  // Several choices in one chunk: each goes through on its own, in order; the chunk's usage
  // goes with the last.
  json::array all = std::move(choices->get_array());
  for (std::size_t i = 0; i < all.size(); ++i) {
    json::object choice = all[i].is_object() ? std::move(all[i].get_object()) : json::object();
    model::StreamEvent part = chunk_like(event, std::move(choice));
    if (i + 1 == all.size()) {
      part.usage = event.usage;
      if (const auto* u = event.chunk.if_contains("usage")) part.chunk["usage"] = *u;
    }
    std::vector<model::StreamEvent> emitted;
    pipeline::StreamOut sub(emitted);
    const EventVerdict v = on_choice_event(ctx, st, part, sub);
    for (auto& e : emitted) out.emit(std::move(e));
    if (v == EventVerdict::kStop) return out.stop(std::move(*sub.stopped()));
    if (v == EventVerdict::kPass) out.emit(std::move(part));
  }
  return EventVerdict::kDrop;
}

EventVerdict GuardrailsPolicy::on_stream_end(RequestContext& ctx, void* state,
                                             pipeline::StreamOut& out) const {
  GuardrailsState& st = st_of(state);
  if (st.blocked || (st.output.empty() && !st.restore)) return EventVerdict::kPass;
  std::vector<Hit> hits;
  model::StreamEvent like = st.like;
  if (like.chunk.empty())
    like.chunk["object"] = ctx.request.operation == model::Operation::kCompletions
                               ? "text_completion"
                               : "chat.completion.chunk";
  for (auto& cs : st.streams) {
    if (cs.done) continue;
    if (const GuardrailSpec* g = end_choice(ctx, st, cs, like, out, hits)) {
      // Every choice not yet ended ends filtered (or the MLflow stream with its error).
      model::StreamEvent scratch = like;
      if (block_stream(ctx, st, *g, hits, scratch, out) == EventVerdict::kStop)
        return EventVerdict::kStop;
      break;
    }
  }
  return EventVerdict::kPass;
}

}  // namespace sluice::policies
