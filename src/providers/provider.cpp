#include "providers/provider.hpp"

namespace sluice::providers {

Result<UpstreamRequest> ProviderAdapter::passthrough_request(std::string_view,
                                                             const boost::json::object&,
                                                             bool) const {
  return Error::invalid("This endpoint's provider has no native passthrough.");
}

Result<UpstreamRequest> ProviderAdapter::proxy_request(std::string_view, std::string) const {
  return Error::make(ErrorCode::kNotImplemented,
                     "Provider '" + std::string(provider()) +
                         "' has no raw proxy in sluice; call the endpoint through its "
                         "invocation paths instead.");
}

model::Usage ProviderAdapter::passthrough_usage(std::string_view) const { return {}; }

}  // namespace sluice::providers
