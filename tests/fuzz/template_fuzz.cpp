// Prompt templates (src/prompts/template.hpp). Input: template text, optionally followed by a NUL
// byte and a JSON object of values. Checks: parse and render never throw; variables are unique
// identifiers; text without "{{" renders to itself; rendering with nothing names the first
// variable; rendering each variable as its own placeholder and parsing that gives the same
// template back (round trip); rendering is single-pass; split_system keeps both halves in order.
#include <boost/json.hpp>
#include <string>

#include "fuzz_support.hpp"
#include "prompts/template.hpp"
#include "util/text.hpp"

namespace {

using namespace sluice;
namespace json = boost::json;

void check(std::string_view text, const json::object* given) {
  auto parsed = prompts::PromptTemplate::parse(text);
  if (!parsed) {
    SLUICE_FUZZ_CHECK(text.find("{{") != std::string_view::npos,
                      "only text with '{{' can fail to parse");
    SLUICE_FUZZ_CHECK(!parsed.error().message.empty(), "a parse error has a message");
    return;
  }
  const auto& t = *parsed;
  const auto& vars = t.variables();
  for (std::size_t i = 0; i < vars.size(); ++i) {
    SLUICE_FUZZ_CHECK(util::is_identifier(vars[i]), "variable '" + vars[i] + "' is a name");
    for (std::size_t j = 0; j < i; ++j) SLUICE_FUZZ_CHECK(vars[i] != vars[j], "unique variables");
  }

  auto empty = t.render(json::object{});
  if (vars.empty()) {
    SLUICE_FUZZ_CHECK(empty.has_value(), "a template without variables renders");
    if (text.find("{{") == std::string_view::npos)
      SLUICE_FUZZ_CHECK(*empty == text, "text without placeholders renders to itself");
  } else {
    SLUICE_FUZZ_CHECK(!empty && empty.error().param == vars.front(),
                      "a missing variable is an error naming the first one");
  }

  // Round trip: each variable rendered as "{{name}}" gives a template with the same variables,
  // and with values that contain no braces both render alike. Values holding "{{x}}" are
  // inserted literally (single pass).
  json::object self, plain, tricky;
  for (const auto& v : vars) {
    self[v] = "{{" + v + "}}";
    plain[v] = "<" + v + ">";
  }
  auto selfish = t.render(self);
  SLUICE_FUZZ_CHECK(selfish.has_value(), "renders with every variable given");
  auto reparsed = prompts::PromptTemplate::parse(*selfish);
  if (reparsed) {
    SLUICE_FUZZ_CHECK(reparsed->variables() == vars, "round trip keeps the variables");
    auto a = t.render(plain), b = reparsed->render(plain);
    SLUICE_FUZZ_CHECK(a && b && *a == *b, "round trip renders alike");
  }
  if (!vars.empty()) {
    // Placeholders filled with "" and with "#" give the literal length and the placeholder count;
    // filled with "{{ first }}", the output must be exactly that much longer (nothing expanded
    // twice).
    json::object none, hash;
    for (const auto& v : vars) {
      none[v] = "";
      hash[v] = "#";
      tricky[v] = "{{ " + vars.front() + " }}";
    }
    auto l0 = t.render(none), l1 = t.render(hash), literal = t.render(tricky);
    SLUICE_FUZZ_CHECK(l0 && l1 && literal, "renders with every variable given");
    const std::size_t count = l1->size() - l0->size();
    SLUICE_FUZZ_CHECK(count >= vars.size(), "each variable appears at least once");
    SLUICE_FUZZ_CHECK(literal->size() == l0->size() + count * (vars.front().size() + 6),
                      "single pass: a value that looks like a placeholder is inserted as is");
  }

  if (given != nullptr) {
    auto out = t.render(*given);
    if (out) {
      auto [system, user] = prompts::split_system(*out);
      SLUICE_FUZZ_CHECK(system.size() + user.size() <= out->size(), "split_system adds nothing");
      SLUICE_FUZZ_CHECK(out->ends_with(user) && out->starts_with(system),
                        "split_system keeps both halves in order");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::as_text(data, size);
  const std::size_t nul = in.find('\0');
  const std::string_view text = in.substr(0, nul);
  json::value values;
  if (nul != std::string_view::npos) {
    boost::system::error_code ec;
    values = json::parse(in.substr(nul + 1), ec);
  }
  fuzz::no_throw("PromptTemplate", [&] { check(text, values.if_object()); });
  return 0;
}
