#pragma once
// Bedrock's Converse API
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html) and the
// embedding models' InvokeModel bodies ⇄ the internal (OpenAI-dialect) model.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "model/error.hpp"
#include "model/request.hpp"
#include "model/response.hpp"

namespace sluice::providers::bedrock {

struct ConverseRequest {
  boost::json::object body;
  std::vector<std::string> dropped;
};

// `model` (the Bedrock model id) decides whether cache_control markers become cachePoint
// blocks: Bedrock caches prompts for Claude and Nova models only.
Result<ConverseRequest> to_converse(const model::Request& request, bool reject_unsupported,
                                    std::string_view model);
Result<model::Response> from_converse(const model::Request& request, boost::json::object body,
                                      const std::string& model);

// Embeddings through InvokeModel: Amazon Titan (one text) and Cohere Embed (a list).
Result<boost::json::object> to_embed(const model::Request& request, const std::string& model);
Result<model::Response> from_embed(const model::Request& request, boost::json::object body,
                                   const std::string& model);

std::string_view finish_reason(std::string_view stop_reason);
model::Usage usage_from_converse(const boost::json::object& usage);

}  // namespace sluice::providers::bedrock
