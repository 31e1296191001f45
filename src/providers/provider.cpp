#include "providers/provider.hpp"

namespace sluice::providers {

Result<UpstreamRequest> ProviderAdapter::passthrough_request(std::string_view,
                                                             const boost::json::object&,
                                                             bool) const {
  return Error::invalid("This endpoint's provider has no native passthrough.");
}

model::Usage ProviderAdapter::passthrough_usage(std::string_view) const { return {}; }

}  // namespace sluice::providers
