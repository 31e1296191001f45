#pragma once
// Any HTTP model service that is not an LLM API (sentiment, classification, embeddings on your
// own server), for `custom/v1/predict` endpoints: the request body is built from a JSON template
// filled with the client's fields, the answer is picked out with JSON pointers.
//
//   model:
//     provider: custom
//     config:
//       url: https://ml.internal/sentiment/v2/predict
//       method: POST                                   # or PUT
//       headers: {Authorization: "Bearer ${{ secrets.ML_TOKEN }}"}
//       request_template: '{"instances": [{"text": {{ text }}}], "lang": {{ lang }}}'
//       response_fields: {label: /predictions/0/label, score: /predictions/0/score}
//       # or response_path: /predictions   (answered as {"predictions": …})

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace sluice::providers::custom {

struct CustomSettings {
  std::string name;  // model.name, for logs
  Upstream upstream;
  std::string target;  // path and query
  std::string method = "POST";
  Headers headers;
  std::string request_template;                             // empty: the client's body as it is
  std::vector<std::pair<std::string, std::string>> fields;  // answer field → JSON pointer
  std::string response_path;                                // one pointer, answered as predictions
};

class CustomAdapter : public ProviderAdapter {
 public:
  explicit CustomAdapter(CustomSettings settings);

  std::string_view provider() const override { return "custom"; }
  const std::string& provider_model() const override { return settings_.name; }
  Capabilities capabilities() const override { return {.custom = true}; }
  const Upstream& upstream() const override { return settings_.upstream; }
  const std::vector<std::string>& secrets() const override { return secrets_; }

  Result<UpstreamRequest> translate_request(const model::Request& request) const override;
  Result<model::Response> translate_response(const model::Request& request,
                                             const UpstreamHead& head,
                                             std::string_view body) const override;
  std::unique_ptr<StreamTranslator> open_stream(const model::Request& request) const override;
  Error map_error(const UpstreamHead& head, std::string_view body) const override;

 private:
  CustomSettings settings_;
  std::vector<std::string> secrets_;
};

// `{{ name }}` placeholders of `tpl` replaced by `value_of(name)`; false with the name that
// `value_of` could not give.
bool fill_template(std::string_view tpl,
                   const std::function<std::optional<std::string>(std::string_view)>& value_of,
                   std::string& out, std::string& missing);

Result<std::shared_ptr<const ProviderAdapter>> make_custom_adapter(const AdapterSpec& spec);

}  // namespace sluice::providers::custom
