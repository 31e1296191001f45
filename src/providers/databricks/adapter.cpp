#include "providers/databricks/adapter.hpp"

#include "providers/custom/adapter.hpp"
#include "providers/openai/adapter.hpp"

namespace sluice::providers::databricks {

Result<std::shared_ptr<const ProviderAdapter>> make_databricks_adapter(const AdapterSpec& spec) {
  const ConfigMap& config = *spec.config;
  auto workspace = config.string("databricks_workspace_url");
  auto host = config.string("databricks_host");
  auto token = config.string("databricks_token");
  for (auto* r : {&workspace, &host, &token}) {
    if (!*r) return r->error();
  }
  if (*workspace && *host)
    return config.fail("databricks_host",
                       "give databricks_workspace_url or databricks_host, not both");
  if (!*workspace && !*host) return config.fail_section("databricks_workspace_url is required");
  if (!*token) return config.fail_section("databricks_token is required");
  if (spec.model_name.empty())
    return config.fail_section("model.name must be the serving endpoint's name");
  std::string url_text = *workspace ? **workspace : **host;
  if (!url_text.starts_with("http://") && !url_text.starts_with("https://"))
    url_text = "https://" + url_text;
  while (url_text.ends_with("/")) url_text.pop_back();
  std::string why;
  auto url = util::parse_base_url(url_text + "/serving-endpoints", why);
  if (!url)
    return config.fail(*workspace ? "databricks_workspace_url" : "databricks_host",
                       "'" + url_text + "' " + why);
  if (auto r = config.reject_unknown(); !r) return r.error();

  if (spec.operation == model::Operation::kCustom) {
    custom::CustomSettings s;
    s.name = spec.model_name;
    s.upstream.url = *url;
    s.target = url->path + "/" + spec.model_name + "/invocations";
    s.headers.emplace_back("Authorization", "Bearer " + **token);
    return std::shared_ptr<const ProviderAdapter>(
        std::make_shared<custom::CustomAdapter>(std::move(s)));
  }
  openai::OpenAiSettings s;
  s.provider_name = "databricks";
  s.model = spec.model_name;
  s.upstream.url = *url;
  s.api_key = **token;
  return std::shared_ptr<const ProviderAdapter>(
      std::make_shared<openai::OpenAiAdapter>(std::move(s)));
}

}  // namespace sluice::providers::databricks
