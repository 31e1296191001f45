#include "api/mlflow/catalog.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "config/workspace.hpp"
#include "util/base64.hpp"

namespace sluice::api::mlflow {
namespace json = boost::json;

namespace {

json::object describe(const config::Endpoint& e, bool legacy) {
  json::object o;
  o["name"] = e.name;
  o[legacy ? "route_type" : "endpoint_type"] = model::endpoint_type_name(e.operation);
  o["model"] = {{"name", e.model_name.empty() ? json::value(nullptr) : json::value(e.model_name)},
                {"provider", e.provider}};
  o[legacy ? "route_url" : "endpoint_url"] = "/gateway/" + e.name + "/invocations";
  if (e.limit) {
    o["limit"] = {{"calls", e.limit->calls},
                  {"key", e.limit->key.empty() ? json::value(nullptr) : json::value(e.limit->key)},
                  {"renewal_period", e.limit->renewal_period}};
  } else {
    o["limit"] = nullptr;
  }
  return o;
}

Error bad_token(std::string_view token, std::string_view why) {
  return Error::invalid("Invalid SearchRoutes token: " + std::string(token) + ". " +
                        std::string(why));
}

}  // namespace

Result<std::string> list_endpoints(const config::Snapshot& snapshot, std::string_view page_token,
                                   bool legacy, std::string_view workspace, std::size_t page_size) {
  std::size_t start = 0;
  if (!page_token.empty()) {
    auto decoded = util::base64_decode(page_token);
    boost::system::error_code ec;
    json::value token = decoded ? json::parse(*decoded, ec) : json::value();
    const json::value* index =
        !ec && token.is_object() ? token.get_object().if_contains("index") : nullptr;
    if (index == nullptr || !(index->is_int64() || index->is_uint64())) {
      return bad_token(
          page_token,
          "The index is not defined as a value that can be represented as a positive integer.");
    }
    if (index->is_int64() && index->get_int64() < 0)
      return bad_token(page_token, "The index cannot be negative.");
    start = static_cast<std::size_t>(index->to_number<std::uint64_t>());
  }
  json::array items;
  std::vector<const config::Endpoint*> all;
  for (const auto& e : snapshot.endpoints) {
    if (config::workspace_visible(workspace, e.workspace)) all.push_back(&e);
  }
  const std::size_t end = std::min(all.size(), start + page_size);
  for (std::size_t i = start; i < end; ++i) items.push_back(describe(*all[i], legacy));
  json::object out{{legacy ? "routes" : "endpoints", std::move(items)}};
  if (end < all.size()) {
    out["next_page_token"] = util::base64_encode(json::serialize(json::object{{"index", end}}));
  }
  return json::serialize(out);
}

Result<std::string> get_endpoint(const config::Snapshot& snapshot, std::string_view name,
                                 bool legacy, std::string_view workspace) {
  const auto* e = snapshot.find(name);
  if (e != nullptr && !config::workspace_visible(workspace, e->workspace)) e = nullptr;
  if (e == nullptr) {
    return Error::make(ErrorCode::kNotFound,
                       std::string(legacy ? "The route '" : "The endpoint '") + std::string(name) +
                           "' is not present or active on the server. Please verify the " +
                           (legacy ? "route" : "endpoint") + " name.");
  }
  return json::serialize(describe(*e, legacy));
}

Result<std::string> get_traffic_route(const config::Snapshot& snapshot, std::string_view name,
                                      std::string_view workspace) {
  const auto* r = snapshot.find_route(name);
  if (r != nullptr && !config::workspace_visible(workspace, r->workspace)) r = nullptr;
  if (r == nullptr) {
    return Error::make(
        ErrorCode::kNotFound,
        "The route '" + std::string(name) +
            "' is not present or active on the server. Please verify the route name.");
  }
  json::array destinations;
  for (const auto& d : r->destinations) {
    json::object o{{"name", d.name}};
    if (r->strategy == config::Strategy::kSplit) {
      o["traffic_percentage"] = d.weight;
    } else if (d.weighted) {
      o["weight"] = d.weight;
    }
    destinations.push_back(std::move(o));
  }
  json::object out{{"name", r->name},
                   {"task_type", model::endpoint_type_name(r->operation)},
                   {"destinations", std::move(destinations)}};
  // MLflow knows only the traffic split; sluice's other strategies are named as sluice calls them.
  if (r->strategy == config::Strategy::kSplit) {
    out["routing_strategy"] = "TRAFFIC_SPLIT";
  } else {
    out["strategy"] = config::strategy_name(r->strategy);
  }
  return json::serialize(out);
}

}  // namespace sluice::api::mlflow
