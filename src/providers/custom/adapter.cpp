#include "providers/custom/adapter.hpp"

#include <boost/json.hpp>

#include "providers/common/support.hpp"
#include "util/json_parse.hpp"

namespace sluice::providers::custom {
namespace json = boost::json;

namespace {

Error bad_answer(std::string message) { return common::bad_answer("custom", std::move(message)); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

bool fill_template(std::string_view tpl,
                   const std::function<std::optional<std::string>(std::string_view)>& value_of,
                   std::string& out, std::string& missing) {
  out.clear();
  while (!tpl.empty()) {
    const auto open = tpl.find("{{");
    if (open == std::string_view::npos) break;
    const auto close = tpl.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(tpl.substr(0, open));
    const std::string_view name = trim(tpl.substr(open + 2, close - open - 2));
    auto value = value_of(name);
    if (!value) {
      missing = name;
      return false;
    }
    out += *value;
    tpl.remove_prefix(close + 2);
  }
  out.append(tpl);
  return true;
}

CustomAdapter::CustomAdapter(CustomSettings settings) : settings_(std::move(settings)) {
  for (const auto& [name, value] : settings_.headers) secrets_.push_back(value);
}

Result<UpstreamRequest> CustomAdapter::translate_request(const model::Request& request) const {
  if (request.stream) return Error::invalid("custom/v1/predict endpoints do not stream.", "stream");
  UpstreamRequest out;
  out.method = settings_.method;
  out.target = settings_.target;
  out.headers.emplace_back("Content-Type", "application/json");
  out.headers.emplace_back("Accept", "application/json");
  for (const auto& h : settings_.headers) out.headers.push_back(h);
  if (settings_.request_template.empty()) {
    out.body = json::serialize(request.body);
    return out;
  }
  std::string missing;
  const bool filled = fill_template(
      settings_.request_template,
      [&](std::string_view name) -> std::optional<std::string> {
        const json::value* v = request.body.if_contains(name);
        if (v == nullptr) return std::nullopt;
        return json::serialize(*v);  // values go in as JSON, never as raw text
      },
      out.body, missing);
  if (!filled) {
    return Error::invalid(
        "The field '" + missing + "' is required by this endpoint's request template.", missing);
  }
  return out;
}

Result<model::Response> CustomAdapter::translate_response(const model::Request& request,
                                                          const UpstreamHead&,
                                                          std::string_view body) const {
  boost::system::error_code ec;
  json::value parsed = util::parse_json(body, ec, request.body.storage());
  if (ec) return bad_answer("the service returned a response that is not JSON");
  model::Response response;
  if (!settings_.fields.empty()) {
    json::object picked(request.body.storage());
    for (const auto& [name, pointer] : settings_.fields) {
      boost::system::error_code pe;
      const json::value* v = parsed.find_pointer(pointer, pe);
      if (v == nullptr)
        return bad_answer("the service's answer has nothing at " + pointer + " (field '" + name +
                          "')");
      picked[name] = *v;
    }
    response.body = std::move(picked);
  } else if (!settings_.response_path.empty()) {
    boost::system::error_code pe;
    const json::value* v = parsed.find_pointer(settings_.response_path, pe);
    if (v == nullptr)
      return bad_answer("the service's answer has nothing at " + settings_.response_path);
    response.body = json::object(request.body.storage());
    response.body["predictions"] = *v;
  } else if (parsed.is_object()) {
    response.body = std::move(parsed.get_object());
  } else {
    response.body = json::object(request.body.storage());
    response.body["predictions"] = std::move(parsed);
  }
  return response;
}

std::unique_ptr<StreamTranslator> CustomAdapter::open_stream(const model::Request&) const {
  return nullptr;  // never called: translate_request refuses streams
}

Error CustomAdapter::map_error(const UpstreamHead& head, std::string_view body) const {
  // Common shapes: {"error": "…"}, {"error": {"message": "…"}}, {"message": "…"}, {"detail": "…"}.
  std::string message;
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (!ec && parsed.is_object()) {
    const auto& o = parsed.get_object();
    for (const char* key : {"error", "message", "detail"}) {
      const json::value* v = o.if_contains(key);
      if (v != nullptr && v->is_object() && v->get_object().contains("message"))
        v = &v->get_object().at("message");
      if (v != nullptr && v->is_string() && message.empty()) message = v->get_string();
    }
  }
  return common::upstream_error("custom", head.status, std::move(message), body);
}

Result<std::shared_ptr<const ProviderAdapter>> make_custom_adapter(const AdapterSpec& spec) {
  const ConfigMap& config = *spec.config;
  if (spec.operation != model::Operation::kCustom)
    return config.fail_section("the custom provider serves custom/v1/predict endpoints only");
  CustomSettings s;
  s.name = spec.model_name.empty() ? spec.endpoint_name : spec.model_name;
  auto url = config.string("url");
  auto method = config.string("method");
  auto tpl = config.string("request_template");
  auto path = config.string("response_path");
  for (auto* r : {&url, &method, &tpl, &path}) {
    if (!*r) return r->error();
  }
  if (!*url) return config.fail_section("url is required");
  std::string_view text = **url;
  const auto q = text.find('?');
  std::string why;
  auto base = util::parse_base_url(text.substr(0, q), why);
  if (!base) return config.fail("url", "'" + **url + "' " + why);
  s.upstream.url = *base;
  s.target = base->path.empty() ? "/" : base->path;
  if (q != std::string_view::npos) s.target += text.substr(q);
  s.method = method->value_or("POST");
  if (s.method != "POST" && s.method != "PUT") return config.fail("method", "must be POST or PUT");
  s.request_template = tpl->value_or("");
  if (!s.request_template.empty()) {
    // Checked now: with every placeholder a JSON value, the template must be JSON.
    std::string probe, missing;
    fill_template(
        s.request_template, [](std::string_view) { return std::optional<std::string>("null"); },
        probe, missing);
    boost::system::error_code ec;
    (void)json::parse(probe, ec);
    if (ec) {
      return config.fail("request_template",
                         "is not JSON once its {{ placeholders }} are filled (write them where a "
                         "JSON value goes, unquoted)");
    }
  }
  s.response_path = path->value_or("");
  for (const auto& key : config.keys_with_prefix("headers.")) {
    auto v = config.string(key);
    if (!v) return v.error();
    s.headers.emplace_back(key.substr(8), **v);
  }
  for (const auto& key : config.keys_with_prefix("response_fields.")) {
    auto v = config.string(key);
    if (!v) return v.error();
    if (!(*v)->empty() && (**v)[0] != '/')
      return config.fail(key, "must be a JSON pointer such as /predictions/0");
    s.fields.emplace_back(key.substr(16), **v);
  }
  if (!s.fields.empty() && !s.response_path.empty())
    return config.fail("response_path", "give response_path or response_fields, not both");
  if (!s.response_path.empty() && s.response_path[0] != '/')
    return config.fail("response_path", "must be a JSON pointer such as /predictions");
  if (auto r = config.reject_unknown(); !r) return r.error();
  return std::shared_ptr<const ProviderAdapter>(std::make_shared<CustomAdapter>(std::move(s)));
}

}  // namespace sluice::providers::custom
