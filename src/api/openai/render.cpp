#include "api/openai/render.hpp"

#include <boost/json.hpp>
#include <vector>

#include "util/base64.hpp"

namespace sluice::api::openai {
namespace json = boost::json;

namespace {

// Returns whether anything was converted.
bool encode_embeddings_base64(json::object& body) {
  bool changed = false;
  auto* data = body.if_contains("data");
  if (data == nullptr || !data->is_array()) return false;
  std::vector<float> values;
  for (auto& item : data->get_array()) {
    if (!item.is_object()) continue;
    auto* embedding = item.get_object().if_contains("embedding");
    if (embedding == nullptr || !embedding->is_array()) continue;  // already base64
    values.clear();
    for (const auto& v : embedding->get_array()) {
      values.push_back(v.is_number() ? static_cast<float>(v.to_number<double>()) : 0.0f);
    }
    *embedding = util::floats_to_base64(values);
    changed = true;
  }
  return changed;
}

json::object error_object(const Error& error) {
  return json::object{
      {"error",
       {{"message", error.message},
        {"type", openai_type(error)},
        {"param", error.param.empty() ? json::value(nullptr) : json::value(error.param)},
        {"code",
         error.error_code.empty() ? json::value(nullptr) : json::value(error.error_code)}}}};
}

}  // namespace

std::string named_event_frame(std::string_view type, const json::object& data) {
  std::string out = "event: ";
  out += type;
  out += "\ndata: ";
  out += json::serialize(data);
  out += "\n\n";
  return out;
}

bool strip_anthropic_extras(json::object& body) {
  json::value* choices = body.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) return false;
  bool relayed_only = false;
  for (auto& c : choices->get_array()) {
    json::object* choice = c.if_object();
    if (choice == nullptr) continue;
    choice->erase("anthropic_stop_reason");
    choice->erase("anthropic_stop_sequence");
    for (const char* key : {"message", "delta"}) {
      json::object* m = choice->contains(key) ? choice->at(key).if_object() : nullptr;
      if (m == nullptr) continue;
      m->erase("anthropic_content");
      if (m->erase("anthropic_event") > 0 && m->empty()) relayed_only = true;
    }
  }
  return relayed_only;
}

std::string render_response(const model::Request& request, model::Response& response) {
  if (request.operation == model::Operation::kEmbeddings && request.embeddings_base64 &&
      encode_embeddings_base64(response.body)) {
    response.raw.clear();
  }
  if (!response.raw.empty()) return std::move(response.raw);
  strip_anthropic_extras(response.body);
  return json::serialize(response.body);
}

std::string render_stream_event(const model::Request& request, model::StreamEvent& event) {
  if (event.kind == model::StreamEvent::Kind::kUsage && !request.include_usage) return {};
  if (strip_anthropic_extras(event.chunk)) return {};  // an Anthropic event for Anthropic clients
  // Upstream was asked for usage on the client's behalf; strip it where the client did not ask.
  if (!request.include_usage) event.chunk.erase("usage");
  std::string frame = "data: ";
  frame += json::serialize(event.chunk);
  frame += "\n\n";
  return frame;
}

std::string render_error(const Error& error) { return json::serialize(error_object(error)); }

std::string render_stream_error(const Error& error) {
  return "data: " + json::serialize(error_object(error)) + "\n\n";
}

std::string render_models(const config::Snapshot& snapshot,
                          const std::function<bool(const config::Endpoint&)>& visible) {
  json::array data;
  for (const auto& e : snapshot.endpoints) {
    if (visible && !visible(e)) continue;
    data.push_back(json::object{{"id", e.name},
                                {"object", "model"},
                                {"created", 0},
                                {"owned_by", e.provider},
                                {"endpoint_type", model::endpoint_type_name(e.operation)}});
  }
  return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

}  // namespace sluice::api::openai
