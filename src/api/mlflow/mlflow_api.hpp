#pragma once
// MLflow AI Gateway's invocation API (POST /endpoints/{name}/invocations and the older
// /gateway/{name}/invocations): MLflow's request validation (FastAPI/pydantic 422s with a
// per-field `detail` list), MLflow's response and stream shapes (`data: {json}` chunks with no
// `[DONE]`), and MLflow's error body `{"detail": …}`. Contract: docs/mlflow-compat.md.

#include <string>
#include <string_view>

#include "api/inbound.hpp"

namespace sluice::api::mlflow {

class MlflowApi : public InboundApi {
 public:
  std::string_view name() const override { return "mlflow"; }
  Result<void> parse(model::Operation operation, std::string_view body,
                     model::Request& out) const override;
  std::string render_response(const model::Request& request,
                              model::Response& response) const override;
  std::string render_stream_event(const model::Request& request,
                                  model::StreamEvent& event) const override;
  std::string_view stream_end() const override { return {}; }
  std::string render_error(const Error& error) const override;
  std::string render_stream_error(const Error& error) const override;
};

// MLflow rejects a provider's native parameter names with "Invalid parameter X. Use Y instead."
// (BaseProvider.check_keys_against_mapping). Returns that error for `provider`, if one applies.
Result<void> check_native_parameters(std::string_view provider, const model::Request& request);

}  // namespace sluice::api::mlflow
