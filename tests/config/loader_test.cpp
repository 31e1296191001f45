#include "config/loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "pipeline/paths.hpp"

namespace sluice::config {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::optional<std::string> env(const std::string& name) {
  if (name == "OPENAI_API_KEY") return std::string("sk-from-env-1234567890");
  if (name == "SECRET_BASE") return std::string("not a url sk-from-env-base");
  return std::nullopt;
}

Result<SnapshotPtr> load(const std::string& yaml) {
  return load_string(yaml, "cfg.yaml", env, pipeline::is_reserved_path);
}

std::string error_of(const std::string& yaml) {
  auto r = load(yaml);
  if (r) return "<loaded>";
  return r.error().message;
}

constexpr const char* kValid = R"(
server:
  host: 0.0.0.0
  port: 9000
  workers: 3
  max_body_bytes: 2048
  access_log: ""
  upstream_timeout: {connect_ms: 100, first_byte_ms: 200, total_ms: 300, stream_idle_ms: 400}
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config:
        openai_api_key: $OPENAI_API_KEY
        openai_organization: org-1
    limit:
      renewal_period: minute
      calls: 10
  - name: local.vllm_1
    endpoint_type: llm/v1/completions
    model:
      provider: openai
      name: meta-llama/Llama-3-8B
      config: {openai_api_base: "http://127.0.0.1:8000/v1"}
    timeout: {first_byte_ms: 5}
  - name: emb
    endpoint_type: llm/v1/embeddings
    model: {provider: mock}
)";

}  // namespace

TEST(ConfigLoader, ReadsMlflowEndpointsAndServerSection) {
  auto r = load(kValid);
  ASSERT_TRUE(r) << r.error().message;
  const Snapshot& s = **r;
  EXPECT_EQ(s.server.host, "0.0.0.0");
  EXPECT_EQ(s.server.port, 9000);
  EXPECT_EQ(s.server.workers, 3u);
  EXPECT_EQ(s.server.max_body_bytes, 2048u);
  EXPECT_EQ(s.server.access_log, "");
  EXPECT_EQ(s.server.upstream_timeout.stream_idle, Millis(400));
  ASSERT_EQ(s.endpoints.size(), 3u);
  const Endpoint* chat = s.find("chat");
  ASSERT_NE(chat, nullptr);
  EXPECT_EQ(chat->operation, model::Operation::kChat);
  EXPECT_EQ(chat->provider, "openai");
  EXPECT_EQ(chat->adapter->provider_model(), "gpt-4o-mini");
  EXPECT_EQ(chat->adapter->upstream().url.host, "api.openai.com");
  EXPECT_THAT(chat->adapter->secrets(), ::testing::ElementsAre("sk-from-env-1234567890"));
  ASSERT_TRUE(chat->limit);
  EXPECT_EQ(chat->limit->calls, 10u);
  EXPECT_EQ(chat->limit->renewal_period, "minute");
  EXPECT_EQ(chat->timeout.connect, Millis(100));
  const Endpoint* local = s.find("local.vllm_1");
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->adapter->upstream().url.port, 8000);
  EXPECT_EQ(local->timeout.first_byte, Millis(5));
  EXPECT_EQ(local->timeout.total, Millis(300));  // the rest from server.upstream_timeout
  EXPECT_TRUE(local->adapter->secrets().empty());
  EXPECT_EQ(s.find("emb")->adapter->provider(), "mock");
  EXPECT_EQ(s.find("nope"), nullptr);
}

// MLflow 3's raw proxy is opened per endpoint, never by default.
TEST(ConfigLoader, RawProxyIsPerEndpointAndOffByDefault) {
  auto r = load(
      "endpoints:\n"
      "  - {name: open, endpoint_type: llm/v1/chat, raw_proxy: true, model: {provider: mock}}\n"
      "  - {name: shut, endpoint_type: llm/v1/chat, model: {provider: mock}}\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE((*r)->find("open")->raw_proxy);
  EXPECT_FALSE((*r)->find("shut")->raw_proxy);
}

// Refused at load where it could never work: a provider without one, an endpoint with
// guardrails (they cannot read the raw body).
TEST(ConfigLoader, RawProxyNeedsAProxyingProviderAndNoGuardrails) {
  EXPECT_THAT(error_of("endpoints:\n"
                       "  - {name: c, endpoint_type: llm/v1/chat, raw_proxy: true,\n"
                       "     model: {provider: cohere, name: command, config: {cohere_api_key: "
                       "sk-cohere-0000000000}}}\n"),
              HasSubstr("provider 'cohere' has no raw proxy"));
  EXPECT_THAT(
      error_of("guardrails:\n  - {name: pii, type: pii, action: block}\n"
               "endpoints:\n"
               "  - {name: g, endpoint_type: llm/v1/chat, raw_proxy: true, guardrails: [pii],\n"
               "     model: {provider: mock}}\n"),
      HasSubstr("an endpoint with guardrails cannot take the raw proxy"));
}

TEST(ConfigLoader, DefaultsWhenServerSectionIsAbsent) {
  auto r = load("endpoints: []");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)->server.port, 8080);
  EXPECT_EQ((*r)->server.max_body_bytes, 10u * 1024 * 1024);
  EXPECT_EQ((*r)->server.access_log, "-");
}

struct BadConfig {
  const char* name;
  const char* yaml;
  const char* where;    // expected "cfg.yaml:L:C"
  const char* message;  // expected substring
};

class ConfigLoaderRejects : public ::testing::TestWithParam<BadConfig> {};

TEST_P(ConfigLoaderRejects, WithPositionAndReason) {
  const auto& c = GetParam();
  std::string e = error_of(c.yaml);
  EXPECT_THAT(e, StartsWith(std::string(c.where) + ": ")) << e;
  EXPECT_THAT(e, HasSubstr(c.message)) << e;
  EXPECT_THAT(e, ::testing::Not(HasSubstr("sk-from-env"))) << "secret leaked: " << e;
}

constexpr const char* kEndpointHead = "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n";

INSTANTIATE_TEST_SUITE_P(
    Validation, ConfigLoaderRejects,
    ::testing::Values(
        BadConfig{"EmptyFile", "", "cfg.yaml", "the file is empty"},
        BadConfig{"BadYaml", "endpoints: [\n", "cfg.yaml:2:1", "invalid YAML"},
        BadConfig{"UnknownTopLevelKey", "endpoint: []\n", "cfg.yaml:1:1", "unknown key 'endpoint'"},
        BadConfig{"RawProxyNotABoolean",
                  "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    raw_proxy: yes\n"
                  "    model: {provider: mock}\n",
                  "cfg.yaml:4:16", "raw_proxy: must be true or false"},
        BadConfig{"EndpointsNotAList", "endpoints: {a: 1}\n", "cfg.yaml:1:12", "must be a list"},
        BadConfig{"MissingName",
                  "endpoints:\n  - endpoint_type: llm/v1/chat\n    model: {provider: mock}\n",
                  "cfg.yaml:2:5", "name is required"},
        BadConfig{"BadName",
                  "endpoints:\n  - name: a/b\n    endpoint_type: llm/v1/chat\n    model: "
                  "{provider: mock}\n",
                  "cfg.yaml:2:11", "may only contain"},
        BadConfig{"UnknownEndpointType",
                  "endpoints:\n  - name: a\n    endpoint_type: llm/v2/chat\n    model: {provider: "
                  "mock}\n",
                  "cfg.yaml:3:20", "unknown endpoint type 'llm/v2/chat'"},
        BadConfig{"UnknownEndpointKey",
                  "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model: {provider: "
                  "mock}\n    temperature: 1\n",
                  "cfg.yaml:5:5", "unknown key 'temperature'"},
        BadConfig{
            "DuplicateName",
            "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model: {provider: mock}\n"
            "  - name: a\n    endpoint_type: llm/v1/chat\n    model: {provider: mock}\n",
            "cfg.yaml:5:11", "endpoint name 'a' is used twice"},
        BadConfig{"DuplicateKey",
                  "endpoints:\n  - name: a\n    name: b\n    endpoint_type: llm/v1/chat\n    "
                  "model: {provider: mock}\n",
                  "cfg.yaml:3:5", "key 'name' is given twice"},
        BadConfig{"UnknownProvider",
                  "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model: {provider: "
                  "skynet, config: {}}\n",
                  "cfg.yaml:4:23", "unknown provider 'skynet'"},
        BadConfig{"ConfigRequired",
                  "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model: {provider: "
                  "openai, name: g}\n",
                  "cfg.yaml:4:12", "config is required for provider 'openai'"},
        BadConfig{"MissingApiKey",
                  "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model:\n      "
                  "provider: openai\n      name: g\n      config: {openai_organization: o}\n",
                  "cfg.yaml:7:15", "openai_api_key is required"},
        BadConfig{"MissingEnvVar",
                  "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model:\n      "
                  "provider: openai\n      name: g\n      config:\n        openai_api_key: ${{ "
                  "secrets.NOT_SET }}\n",
                  "cfg.yaml:8:25", "environment variable 'NOT_SET' is not set"},
        BadConfig{"UnknownProviderKey",
                  "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model:\n      "
                  "provider: openai\n      name: g\n      config:\n        openai_api_key: "
                  "$OPENAI_API_KEY\n        openai_api_bse: http://x\n",
                  "cfg.yaml:9:25", "openai_api_bse: unknown key for this provider"},
        BadConfig{"BadBaseUrl",
                  "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model:\n      "
                  "provider: openai\n      name: g\n      config: {openai_api_key: k, "
                  "openai_api_base: localhost:8000}\n",
                  "cfg.yaml:7:52", "'localhost:8000' must start with http://"},
        BadConfig{
            "AzureBaseNotAUrl",
            "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model:\n      provider: "
            "openai\n      name: g\n      config: {openai_api_key: k, openai_api_type: azure, "
            "openai_api_base: 'x.azure.com', openai_deployment_name: d, openai_api_version: v}\n",
            "cfg.yaml:7:76", "'x.azure.com' is not an absolute URL"},
        BadConfig{
            "AzureMissingVersion",
            "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model:\n      provider: "
            "openai\n      name: g\n      config: {openai_api_key: k, openai_api_type: azuread, "
            "openai_api_base: 'https://x', openai_deployment_name: d}\n",
            "cfg.yaml:7:15", "openai_api_version is required when openai_api_type is azuread"},
        BadConfig{
            "DeploymentForOpenAi",
            "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model:\n      provider: "
            "openai\n      name: g\n      config: {openai_api_key: k, openai_deployment_name: d}\n",
            "cfg.yaml:7:59", "only allowed when openai_api_type is azure"},
        BadConfig{"BadLimitPeriod",
                  "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model: {provider: "
                  "mock}\n    limit: {renewal_period: fortnight, calls: 2}\n",
                  "cfg.yaml:5:29", "must be one of second, minute"},
        BadConfig{"BadLimitCalls",
                  "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model: {provider: "
                  "mock}\n    limit: {renewal_period: minute, calls: many}\n",
                  "cfg.yaml:5:44", "must be an integer, got 'many'"},
        BadConfig{"MockBadNumber",
                  "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model: {provider: "
                  "mock, config: {latency_ms: -1}}\n",
                  "cfg.yaml:4:50", "latency_ms: must be between 0"},
        BadConfig{"PortOutOfRange", "server: {port: 70000}\nendpoints: []\n", "cfg.yaml:1:16",
                  "must be between 0 and 65535"},
        BadConfig{"QuotedPort", "server: {port: '80'}\nendpoints: []\n", "cfg.yaml:1:16",
                  "must be an integer"},
        BadConfig{"UnknownServerKey", "server: {prot: 80}\nendpoints: []\n", "cfg.yaml:1:10",
                  "unknown key 'prot'"},
        BadConfig{"NamedRouteWithoutModel", "routes:\n  - name: r\n    path: /chat\n",
                  "cfg.yaml:2:5", "a route with a path needs a model"},
        BadConfig{"NamedRouteShadowsBuiltin",
                  "routes:\n  - name: r\n    path: /v1/chat/completions\n    type: llm/v1/chat\n   "
                  " model: {provider: mock}\n",
                  "cfg.yaml:3:11", "would shadow one of sluice's own paths"},
        BadConfig{"NamedRouteDuplicatePath",
                  "routes:\n  - {name: a, path: /x, type: llm/v1/chat, model: {provider: mock}}\n"
                  "  - {name: b, path: /x, type: llm/v1/chat, model: {provider: mock}}\n",
                  "cfg.yaml:3:21", "path '/x' is used twice"},
        BadConfig{"TemplateBadVariable",
                  "routes:\n  - name: r\n    path: /p\n    type: llm/v1/chat\n    model: "
                  "{provider: mock}\n    prompt_template: 'Hi {{ 1x }}'\n",
                  "cfg.yaml:6:22", "is not a variable name"},
        BadConfig{"TemplateVersionsNeedDefault",
                  "routes:\n  - name: r\n    path: /p\n    type: llm/v1/chat\n    model: "
                  "{provider: mock}\n    prompt_template: {v1: 'a'}\n",
                  "cfg.yaml:6:22", "needs 'default: <version>'"},
        BadConfig{"LimitsMode",
                  "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model: {provider: "
                  "mock}\n    limits: {max_tokens: 5, on_exceed: truncate}\n",
                  "cfg.yaml:5:40", "must be clamp or reject"},
        BadConfig{
            "RouteTypeInEndpoints",
            "endpoints:\n  - name: a\n    route_type: llm/v1/chat\n    model: {provider: mock}\n",
            "cfg.yaml:3:17", "Use 'endpoint_type' instead"},
        BadConfig{
            "RouteUnknownDestination",
            "endpoints: []\nroutes:\n  - name: r\n    task_type: llm/v1/chat\n    destinations:\n"
            "      - {name: ghost, traffic_percentage: 100}\n",
            "cfg.yaml:6:16", "'ghost' is not an endpoint"},
        BadConfig{"RouteSumNot100",
                  "endpoints:\n  - {name: a, endpoint_type: llm/v1/chat, model: {provider: mock}}\n"
                  "  - {name: b, endpoint_type: llm/v1/chat, model: {provider: mock}}\nroutes:\n"
                  "  - name: r\n    task_type: llm/v1/chat\n    destinations:\n"
                  "      - {name: a, traffic_percentage: 60}\n      - {name: b, "
                  "traffic_percentage: 30}\n",
                  "cfg.yaml:8:7", "must sum to 100, not 90"},
        BadConfig{"RouteTypeMismatch",
                  "endpoints:\n  - {name: a, endpoint_type: llm/v1/embeddings, model: {provider: "
                  "mock}}\nroutes:\n"
                  "  - name: r\n    task_type: llm/v1/chat\n    destinations:\n      - {name: a, "
                  "traffic_percentage: 100}\n",
                  "cfg.yaml:7:16", "is llm/v1/embeddings, not the route's task_type llm/v1/chat"},
        BadConfig{"RouteNameCollision",
                  "endpoints:\n  - {name: a, endpoint_type: llm/v1/chat, model: {provider: "
                  "mock}}\nroutes:\n"
                  "  - name: a\n    task_type: llm/v1/chat\n    destinations:\n      - {name: a, "
                  "traffic_percentage: 100}\n",
                  "cfg.yaml:4:11", "already used by an endpoint or route"},
        BadConfig{"RouteBadStrategy",
                  "endpoints:\n  - {name: a, endpoint_type: llm/v1/chat, model: {provider: "
                  "mock}}\nroutes:\n"
                  "  - name: r\n    task_type: llm/v1/chat\n    routing_strategy: ROUND_ROBIN\n"
                  "    destinations:\n      - {name: a, traffic_percentage: 100}\n",
                  "cfg.yaml:6:23", "must be TRAFFIC_SPLIT"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ConfigLoader, TrafficRoutesAndLegacyRoutes) {
  auto r = load(R"(
routes:
  - name: old-style
    route_type: llm/v1/chat
    model: {provider: mock, name: m}
  - name: ab
    task_type: llm/v1/chat
    destinations:
      - {name: old-style, traffic_percentage: 70}
      - {name: other, traffic_percentage: 30}
  - name: other
    endpoint_type: llm/v1/chat
    model: {provider: mock}
)");
  ASSERT_TRUE(r) << r.error().message;
  const Snapshot& s = **r;
  ASSERT_EQ(s.endpoints.size(), 2u);
  EXPECT_EQ(s.find("old-style")->operation, model::Operation::kChat);
  const Route* ab = s.find_route("ab");
  ASSERT_NE(ab, nullptr);
  EXPECT_EQ(ab->strategy, Strategy::kSplit);  // MLflow's traffic route is the split strategy
  ASSERT_EQ(ab->destinations.size(), 2u);
  EXPECT_EQ(ab->destinations[0].name, "old-style");
  EXPECT_EQ(ab->destinations[0].weight, 70u);
  EXPECT_EQ(ab->destinations[1].name, "other");
  EXPECT_EQ(s.endpoints[ab->destinations[1].endpoint].name, "other");
  EXPECT_EQ(s.find("ab"), nullptr);  // a route is not an endpoint
}

TEST(ConfigLoader, ApiKeyMayBeAPathToAFile) {
  auto path = std::filesystem::temp_directory_path() / ("sluice-key-" + std::to_string(::getpid()));
  { std::ofstream(path) << "sk-from-file-0123456789\n"; }
  auto r = load(
      "endpoints:\n  - name: a\n    endpoint_type: llm/v1/chat\n    model:\n      provider: "
      "openai\n"
      "      name: g\n      config: {openai_api_key: " +
      path.string() + "}\n");
  std::filesystem::remove(path);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_THAT((*r)->find("a")->adapter->secrets(),
              ::testing::ElementsAre("sk-from-file-0123456789"));
}

// A config may come from a less trusted hand: aliases that repeat each other, deep nesting and
// header limits the HTTP parser cannot hold are refused quickly, with a clear error.
TEST(ConfigLoader, BoundedWhateverTheFileHolds) {
  std::string bomb =
      "x:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    const char p = static_cast<char>(c - 1);
    bomb += std::string("  ") + c + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) bomb += std::string(i ? "," : "") + "*" + p;
    bomb += "]\n";
  }
  bomb += std::string(kEndpointHead) + "    model: {provider: mock}\n    parameters: {stop: *j}\n";
  EXPECT_THAT(error_of(bomb), HasSubstr("expands to more than"));

  std::string deep =
      std::string(kEndpointHead) + "    model: {provider: mock}\n    parameters: {stop: ";
  for (int i = 0; i < 200; ++i) deep += "[";
  EXPECT_THAT(error_of(deep), HasSubstr("nests deeper than"));

  std::string nested_blocks =
      std::string(kEndpointHead) + "    model: {provider: mock}\n    parameters:\n";
  std::string indent = "      ";
  for (int i = 0; i < 80; ++i) {
    nested_blocks += indent + "k" + std::to_string(i) + ":\n";
    indent += "  ";
  }
  nested_blocks += indent + "v\n";
  EXPECT_THAT(error_of(nested_blocks), HasSubstr("nests deeper than"));

  EXPECT_THAT(error_of("server: {max_header_bytes: 70000}\n" + std::string(kEndpointHead) +
                       "    model: {provider: mock}\n"),
              HasSubstr("max_header_bytes"));
  EXPECT_THAT(error_of(std::string(5 * 1024 * 1024, '#')), HasSubstr("larger than"));
}

// Found by fuzzing: a provider's message quoted a bad base URL that came from a secret.
TEST(ConfigLoader, ErrorsNeverQuoteASecretValue) {
  const std::string e =
      error_of(std::string(kEndpointHead) +
               "    model:\n      provider: openai\n      name: g\n"
               "      config: {openai_api_key: k, openai_api_base: $SECRET_BASE}\n");
  EXPECT_THAT(e, HasSubstr("not an absolute URL"));
  EXPECT_THAT(e, ::testing::Not(HasSubstr("sk-from-env-base"))) << e;
}

// auth.keys[].cache: a key's own settings over its endpoint's (config/cache.hpp KeyCache).
TEST(ConfigLoader, KeyCacheSettingsNarrowNeverWiden) {
  const std::string head = std::string(kEndpointHead) +
                           "    model: {provider: mock}\n"
                           "    cache: {scope: team, ttl_s: 600}\n"
                           "auth:\n  pepper: pepper-for-loader-tests-0123\n  keys:\n"
                           "    - name: k\n      key_hash: " +
                           std::string(64, 'a') + "\n";
  auto r = load(head + "      cache: {ttl_s: 30, scope: key, client_controls: false}\n");
  ASSERT_TRUE(r) << r.error().message;
  const auto& key = *(*r)->governance.keys.at(0);
  ASSERT_TRUE(key.cache);
  const CacheSpec& endpoint = *(*r)->find("a")->cache;
  CacheSpec mine = with_key_cache(endpoint, *key.cache);
  EXPECT_EQ(mine.mode, CacheSpec::Mode::kExact) << "the endpoint's mode stays";
  EXPECT_EQ(mine.ttl, std::chrono::seconds(30));
  EXPECT_EQ(mine.scope, CacheSpec::Scope::kKey) << "narrower: taken";
  EXPECT_FALSE(mine.client_controls);

  r = load(head + "      cache: {scope: global}\n");
  ASSERT_TRUE(r) << r.error().message;
  mine = with_key_cache(*(*r)->find("a")->cache, *(*r)->governance.keys.at(0)->cache);
  EXPECT_EQ(mine.scope, CacheSpec::Scope::kTeam) << "wider: the endpoint's";

  r = load(head + "      cache: off\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(with_key_cache(*(*r)->find("a")->cache, *(*r)->governance.keys.at(0)->cache).mode,
            CacheSpec::Mode::kOff);

  EXPECT_THAT(error_of(head + "      cache: {mode: semantic}\n"),
              HasSubstr("auth.keys[0].cache.mode: semantic is set on an endpoint"));
  EXPECT_THAT(error_of(head + "      cache: {threshold: 0.9}\n"),
              HasSubstr("auth.keys[0].cache: unknown key 'threshold'"));
  EXPECT_THAT(error_of(head + "      cache: on\n"), HasSubstr("must be a mapping, or off"));
}

TEST(ConfigLoader, MissingFileIsAClearError) {
  auto r = load_file("/nonexistent/sluice.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "/nonexistent/sluice.yaml: cannot read the file");
}

TEST(ConfigLoader, DescribeListsEndpoints) {
  auto r = load(kValid);
  ASSERT_TRUE(r);
  std::string text = describe(**r);
  EXPECT_THAT(text, HasSubstr("3 endpoints"));
  EXPECT_THAT(text, HasSubstr("chat  llm/v1/chat  openai/gpt-4o-mini  limit 10/minute"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("sk-from-env")));
}

}  // namespace sluice::config
