#include "config/guardrails.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "config/reader.hpp"

namespace sluice::config {
namespace {

using Type = GuardrailSpec::Type;
using Action = GuardrailSpec::Action;

constexpr std::size_t kMaxWordsFileBytes = 4 * 1024 * 1024;

std::vector<std::string> string_list(const Reader& r, const YAML::Node& node,
                                     const std::string& path) {
  if (!node.IsSequence()) r.fail(node, path, "must be a list");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node.size(); ++i)
    out.push_back(r.string(node[i], path + "[" + std::to_string(i) + "]"));
  return out;
}

// One word or phrase per line; blank lines and lines starting with '#' are skipped.
std::vector<std::string> read_words_file(const Reader& r, const YAML::Node& node,
                                         const std::string& path, const std::string& config_dir) {
  std::string file = r.string(node, path);
  if (!file.starts_with('/') && !config_dir.empty()) file = config_dir + "/" + file;
  std::ifstream in(file, std::ios::binary);
  if (!in) r.fail(node, path, "cannot read '" + file + "'");
  std::string line;
  std::vector<std::string> words;
  std::size_t bytes = 0;
  while (std::getline(in, line)) {
    bytes += line.size() + 1;
    if (bytes > kMaxWordsFileBytes) r.fail(node, path, "'" + file + "' is larger than 4 MiB");
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    words.push_back(line.substr(start));
  }
  return words;
}

std::vector<guardrails::Entity> read_entities(const Reader& r, const YAML::Node& node,
                                              const std::string& path, Type type) {
  std::vector<guardrails::Entity> out;
  const auto names = string_list(r, node, path);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto e = guardrails::entity_named(names[i]);
    if (!e)
      r.fail(node[i], path + "[" + std::to_string(i) + "]",
             "unknown entity '" + names[i] + "' (docs/guardrails.md lists them)");
    if (type == Type::kSecrets && !guardrails::is_secret(*e))
      r.fail(node[i], path + "[" + std::to_string(i) + "]",
             "'" + names[i] + "' is not a secret; list it on a guardrail of type pii");
    if (std::find(out.begin(), out.end(), *e) == out.end()) out.push_back(*e);
  }
  if (out.empty()) r.fail(node, path, "must name at least one entity");
  return out;
}

std::shared_ptr<const ExternalCheck> read_external(const Reader& r, const YAML::Node& node,
                                                   const std::string& path) {
  using Shape = ExternalCheck::Shape;
  auto x = std::make_shared<ExternalCheck>();
  if (!node["url"]) r.fail(node, path, "a guardrail of type http needs 'url'");
  bool secret = false;
  const std::string url = r.resolved(node["url"], path + ".url", secret);
  std::string why;
  auto parsed = util::parse_base_url(url, why);
  if (!parsed) r.fail(node["url"], path + ".url", why);
  x->url = *parsed;
  x->target = parsed->path.empty() ? "/" : parsed->path;
  if (const auto q = url.find('?'); q != std::string::npos) x->target += url.substr(q);
  if (!node["shape"]) r.fail(node, path, "a guardrail of type http needs 'shape'");
  x->shape = r.choice<Shape>(node["shape"], path + ".shape",
                             {{"openai_moderation", Shape::kOpenAiModeration},
                              {"webhook", Shape::kWebhook},
                              {"presidio", Shape::kPresidio}});
  if (const YAML::Node h = node["headers"]) {
    if (!h.IsMap()) r.fail(h, path + ".headers", "must be a mapping of header names to values");
    for (auto it = h.begin(); it != h.end(); ++it) {
      const std::string name = it->first.as<std::string>();
      bool was_secret = false;
      x->headers.emplace_back(name, r.resolved(it->second, path + ".headers." + name, was_secret));
    }
  }
  if (const YAML::Node t = node["timeout_ms"])
    x->timeout = std::chrono::milliseconds(r.integer(t, path + ".timeout_ms", 1, 600'000));
  if (const YAML::Node f = node["on_failure"])
    x->fail_open = r.choice<bool>(f, path + ".on_failure", {{"open", true}, {"closed", false}});
  if (const YAML::Node m = node["mode"])
    x->parallel = r.choice<bool>(m, path + ".mode", {{"before", false}, {"parallel", true}});
  if (const YAML::Node m = node["model"]) {
    if (x->shape != Shape::kOpenAiModeration)
      r.fail(m, path + ".model", "is for shape openai_moderation");
    x->model = r.string(m, path + ".model");
  }
  for (const char* key : {"language", "score_threshold"}) {
    if (node[key] && x->shape != Shape::kPresidio)
      r.fail(node[key], path + "." + key, "is for shape presidio");
  }
  if (const YAML::Node l = node["language"]) x->language = r.string(l, path + ".language");
  if (const YAML::Node s = node["score_threshold"]) {
    x->score_threshold = r.number(s, path + ".score_threshold");
    if (*x->score_threshold > 1) r.fail(s, path + ".score_threshold", "must be between 0 and 1");
  }
  return x;
}

GuardrailSpec read_one(const Reader& r, const YAML::Node& node, const std::string& path,
                       const std::string& config_dir) {
  r.expect_map(node, path,
               {"name",
                "type",
                "entities",
                "on",
                "action",
                "restore_in_answer",
                "patterns",
                "words",
                "words_file",
                "include_tool_outputs",
                "default_on",
                "window_bytes",
                "url",
                "shape",
                "headers",
                "timeout_ms",
                "on_failure",
                "mode",
                "model",
                "language",
                "score_threshold"});
  GuardrailSpec g;
  if (!node["name"]) r.fail(node, path, "'name' is required");
  g.name = r.string(node["name"], path + ".name");
  if (g.name.empty() || g.name.size() > 64 ||
      g.name.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != std::string::npos)
    r.fail(node["name"], path + ".name",
           "must be 1 to 64 letters, digits, '_', '-' or '.' (it names the guardrail in errors, "
           "logs and metrics)");
  if (!node["type"]) r.fail(node, path, "'type' is required");
  g.type = r.choice<Type>(node["type"], path + ".type",
                          {{"pii", Type::kPii},
                           {"secrets", Type::kSecrets},
                           {"deny", Type::kDeny},
                           {"prompt_injection", Type::kPromptInjection},
                           {"http", Type::kHttp}});
  if (const YAML::Node on = node["on"]) {
    const auto sides = on.IsSequence() ? string_list(r, on, path + ".on")
                                       : std::vector<std::string>{r.string(on, path + ".on")};
    g.input = g.output = false;
    for (const auto& s : sides) {
      if (s == "input") {
        g.input = true;
      } else if (s == "output") {
        g.output = true;
      } else if (s == "both") {
        g.input = g.output = true;
      } else {
        r.fail(on, path + ".on",
               "must be input, output or both (or a list of them), got '" + s + "'");
      }
    }
    if (!g.input && !g.output) r.fail(on, path + ".on", "must name input, output or both");
  }
  if (const YAML::Node a = node["action"]) {
    g.action = r.choice<Action>(
        a, path + ".action",
        {{"block", Action::kBlock}, {"mask", Action::kMask}, {"monitor", Action::kMonitor}});
  }
  const bool finds_entities = g.type == Type::kPii || g.type == Type::kSecrets;
  if (g.type == Type::kHttp) g.external = read_external(r, node, path);
  const bool presidio = g.external && g.external->shape == ExternalCheck::Shape::kPresidio;
  if (g.action == Action::kMask && !finds_entities && !presidio)
    r.fail(node["action"], path + ".action",
           "mask is for pii, secrets and http with shape presidio (what they find has a type to "
           "name the placeholder); use block or monitor");
  if (g.type != Type::kHttp) {
    for (const char* key : {"url", "shape", "headers", "timeout_ms", "on_failure", "mode", "model",
                            "language", "score_threshold"}) {
      if (node[key]) r.fail(node[key], path + "." + key, "is for guardrails of type http");
    }
  }
  if (g.external && g.external->parallel && g.action == Action::kMask)
    r.fail(node["mode"], path + ".mode",
           "parallel cannot mask (the request has gone by the time the check answers)");
  if (g.type == Type::kPromptInjection && g.output)
    r.fail(node["on"], path + ".on",
           "prompt_injection checks the input (user turns and, with include_tool_outputs, tool "
           "results)");
  if (const YAML::Node v = node["restore_in_answer"]) {
    g.restore_in_answer = r.boolean(v, path + ".restore_in_answer");
    if (g.restore_in_answer && !(g.action == Action::kMask && g.input))
      r.fail(v, path + ".restore_in_answer", "needs action mask on the input");
  }
  if (const YAML::Node v = node["include_tool_outputs"]) {
    if (g.type != Type::kPromptInjection)
      r.fail(v, path + ".include_tool_outputs",
             "is for prompt_injection (the other types always check tool results)");
    g.include_tool_outputs = r.boolean(v, path + ".include_tool_outputs");
  }
  if (const YAML::Node v = node["default_on"]) g.default_on = r.boolean(v, path + ".default_on");
  if (const YAML::Node v = node["window_bytes"])
    g.window_bytes = static_cast<std::size_t>(r.integer(v, path + ".window_bytes", 16, 65536));

  if (node["entities"] && presidio) {
    auto copy = std::make_shared<ExternalCheck>(*g.external);
    copy->entities = string_list(r, node["entities"], path + ".entities");
    g.external = std::move(copy);
  }
  for (const char* key : {"patterns", "words", "words_file"}) {
    if (node[key] && g.type != Type::kDeny)
      r.fail(node[key], path + "." + key, "is for guardrails of type deny");
  }
  if (node["entities"] && !finds_entities && !presidio)
    r.fail(node["entities"], path + ".entities",
           "is for guardrails of type pii or secrets, or http with shape presidio");

  if (finds_entities) {
    std::vector<guardrails::Entity> entities;
    if (node["entities"]) {
      entities = read_entities(r, node["entities"], path + ".entities", g.type);
    } else {
      for (std::size_t i = 0; i < guardrails::kEntityCount; ++i) {
        const auto e = static_cast<guardrails::Entity>(i);
        // pii without a list: personal data (URLs are data too often to be on by default);
        // secrets: every credential.
        if (g.type == Type::kSecrets ? guardrails::is_secret(e)
                                     : !guardrails::is_secret(e) && e != guardrails::Entity::kUrl)
          entities.push_back(e);
      }
    }
    g.detector = std::make_shared<guardrails::Detector>(entities);
  } else if (g.type == Type::kDeny) {
    std::vector<std::string> patterns;
    std::vector<std::string> words;
    if (node["patterns"]) patterns = string_list(r, node["patterns"], path + ".patterns");
    if (node["words"]) words = string_list(r, node["words"], path + ".words");
    if (node["words_file"]) {
      auto more = read_words_file(r, node["words_file"], path + ".words_file", config_dir);
      words.insert(words.end(), more.begin(), more.end());
    }
    if (patterns.empty() && words.empty())
      r.fail(node, path, "a deny guardrail needs patterns, words or words_file");
    try {
      g.deny = std::make_shared<guardrails::DenyList>(patterns, words);
    } catch (const std::invalid_argument& e) {
      r.fail(node, path, std::string("cannot compile the deny list: ") + e.what());
    }
  }
  return g;
}

}  // namespace

std::string_view guardrail_action_name(Action action) {
  switch (action) {
    case Action::kBlock:
      return "block";
    case Action::kMask:
      return "mask";
    case Action::kMonitor:
      return "monitor";
  }
  return "";
}

GuardrailsConfig read_guardrails(const Reader& r, const YAML::Node& node,
                                 const std::string& config_dir) {
  GuardrailsConfig out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) r.fail(node, "guardrails", "must be a list");
  std::set<std::string> names;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string path = "guardrails[" + std::to_string(i) + "]";
    auto g = std::make_shared<const GuardrailSpec>(read_one(r, node[i], path, config_dir));
    if (!names.insert(g->name).second)
      r.fail(node[i]["name"], path + ".name", "'" + g->name + "' is defined twice");
    if (g->default_on) out.default_on.push_back(g.get());
    out.all.push_back(std::move(g));
  }
  return out;
}

std::vector<const GuardrailSpec*> read_guardrail_refs(const Reader& r, const YAML::Node& node,
                                                      const std::string& path,
                                                      const GuardrailsConfig& defined) {
  std::vector<const GuardrailSpec*> out;
  if (!node || node.IsNull()) return out;
  const auto names = string_list(r, node, path);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const GuardrailSpec* g = defined.find(names[i]);
    if (g == nullptr)
      r.fail(node[i], path + "[" + std::to_string(i) + "]",
             "no guardrail named '" + names[i] + "' (define it under guardrails:)");
    if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  }
  return out;
}

}  // namespace sluice::config
