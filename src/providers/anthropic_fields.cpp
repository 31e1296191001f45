#include "providers/anthropic_fields.hpp"

#include <algorithm>
#include <boost/json.hpp>

namespace sluice::providers {
namespace json = boost::json;

namespace {

void note(std::vector<std::string>& dropped, std::string_view name) {
  if (std::find(dropped.begin(), dropped.end(), name) == dropped.end()) dropped.emplace_back(name);
}

void erase(json::object& o, std::string_view key, std::vector<std::string>& dropped) {
  if (o.erase(key) > 0) note(dropped, key);
}

}  // namespace

model::Request without_anthropic_fields(const model::Request& request,
                                        std::vector<std::string>& dropped) {
  model::Request out = request;
  out.anthropic_fields = false;
  if (auto* messages = out.body.if_contains("messages"); messages && messages->is_array()) {
    for (auto& m : messages->get_array()) {
      json::object* msg = m.if_object();
      if (msg == nullptr) continue;
      erase(*msg, "cache_control", dropped);
      erase(*msg, "thinking_blocks", dropped);
      erase(*msg, "reasoning_content", dropped);
      erase(*msg, "is_error", dropped);
      if (auto* content = msg->if_contains("content"); content && content->is_array()) {
        for (auto& p : content->get_array()) {
          if (auto* part = p.if_object()) erase(*part, "cache_control", dropped);
        }
      }
      if (auto* calls = msg->if_contains("tool_calls"); calls && calls->is_array()) {
        for (auto& c : calls->get_array()) {
          if (auto* call = c.if_object()) erase(*call, "cache_control", dropped);
        }
      }
    }
  }
  if (auto* tools = out.body.if_contains("tools"); tools && tools->is_array()) {
    for (auto& t : tools->get_array()) {
      if (auto* tool = t.if_object()) erase(*tool, "cache_control", dropped);
    }
  }
  return out;
}

}  // namespace sluice::providers
