#pragma once
// MLflow's read-only endpoint catalogue: GET /api/2.0/endpoints/ (paged),
// /api/2.0/endpoints/{name}, the older /api/2.0/gateway/routes/ forms, and the 3.x
// /api/3.0/gateway/{endpoint,route}/{name}.

#include <string>
#include <string_view>

#include "config/snapshot.hpp"
#include "model/error.hpp"

namespace sluice::api::mlflow {

inline constexpr std::size_t kPageSize = 3000;  // MLFLOW_DEPLOYMENTS_LIST_ENDPOINTS_PAGE_SIZE

// `legacy` selects the /api/2.0/gateway/routes/ shape (route_type, route_url, "routes").
// `workspace`: the caller's (its key's; "" the default): only what it may see is listed or found
// (config/workspace.hpp); another workspace's names are not found.
Result<std::string> list_endpoints(const config::Snapshot& snapshot, std::string_view page_token,
                                   bool legacy, std::string_view workspace = "",
                                   std::size_t page_size = kPageSize);
Result<std::string> get_endpoint(const config::Snapshot& snapshot, std::string_view name,
                                 bool legacy, std::string_view workspace = "");
Result<std::string> get_traffic_route(const config::Snapshot& snapshot, std::string_view name,
                                      std::string_view workspace = "");

}  // namespace sluice::api::mlflow
