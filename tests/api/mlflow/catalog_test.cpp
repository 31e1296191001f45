#include "api/mlflow/catalog.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/loader.hpp"
#include "util/base64.hpp"

namespace sluice::api::mlflow {
namespace json = boost::json;

namespace {
config::SnapshotPtr snapshot_with(int n) {
  std::string yaml = "endpoints:\n";
  for (int i = 0; i < n; ++i) {
    yaml += "  - {name: e" + std::to_string(i) +
            ", endpoint_type: llm/v1/chat, model: {provider: mock, name: m}}\n";
  }
  return config::load_string(yaml, "t.yaml").value();
}
}  // namespace

TEST(MlflowCatalog, PagesWithMlflowTokens) {
  auto s = snapshot_with(5);
  auto first = json::parse(list_endpoints(*s, "", false, "", 2).value()).as_object();
  ASSERT_EQ(first.at("endpoints").as_array().size(), 2u);
  std::string token(first.at("next_page_token").as_string());
  EXPECT_EQ(util::base64_decode(token).value(), R"({"index":2})");
  auto second = json::parse(list_endpoints(*s, token, false, "", 2).value()).as_object();
  EXPECT_EQ(second.at("endpoints").at(0).at("name"), "e2");
  auto last =
      json::parse(list_endpoints(*s, util::base64_encode(R"({"index": 4})"), false, "", 2).value())
          .as_object();
  EXPECT_EQ(last.at("endpoints").as_array().size(), 1u);
  EXPECT_FALSE(last.contains("next_page_token"));
}

TEST(MlflowCatalog, BadTokensAre400s) {
  auto s = snapshot_with(1);
  for (std::string bad :
       {std::string("%%%"), util::base64_encode("[1]"), util::base64_encode(R"({"index": -1})"),
        util::base64_encode(R"({"index": "x"})")}) {
    auto r = list_endpoints(*s, bad, false);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(model::http_status(r.error()), 400u);
    EXPECT_NE(r.error().message.find("Invalid SearchRoutes token"), std::string::npos);
  }
}

TEST(MlflowCatalog, LegacyShape) {
  auto s = snapshot_with(1);
  auto route = json::parse(get_endpoint(*s, "e0", true).value()).as_object();
  EXPECT_EQ(route.at("route_type"), "llm/v1/chat");
  EXPECT_EQ(route.at("route_url"), "/gateway/e0/invocations");
  EXPECT_TRUE(route.at("limit").is_null());
  auto missing = get_endpoint(*s, "x", true);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "The route 'x' is not present or active on the server. Please verify the route name.");
}

}  // namespace sluice::api::mlflow
