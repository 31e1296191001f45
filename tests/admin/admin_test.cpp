// The admin API through the handler: its own key, keys' whole life (create, use, list, disable,
// rotate, revoke), store budgets, teams, and its errors.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>

#include "support/handler_harness.hpp"

namespace sluice::admin {
namespace {

namespace json = boost::json;
using testing_support::FakeResponder;
using testing_support::HandlerHarness;

constexpr const char* kAdmin = "admin-key-for-unit-tests-0123456789";
constexpr const char* kChat = R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})";

class AdminApi : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/sluice-admin-XXXXXX";
    const char* made = mkdtemp(dir);
    ASSERT_NE(made, nullptr);
    dir_ = made;
    yaml_ = std::string(R"(
auth:
  mode: keys
  admin_key: ${{ secrets.ADMIN }}
  pepper: test-pepper-0123456789abcdef0123
stores: {sqlite: )") +
            dir_ + R"(/sluice.db}
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-chat}
)";
    h_ = std::make_unique<HandlerHarness>(yaml_.c_str(), nullptr,
                                          std::map<std::string, std::string>{{"ADMIN", kAdmin}});
  }
  void TearDown() override {
    h_.reset();
    std::filesystem::remove_all(dir_);
  }

  FakeResponder admin(std::string method, std::string path, std::string body = {}) {
    return h_->send(std::move(method), std::move(path), std::move(body),
                    {{"authorization", std::string("Bearer ") + kAdmin}});
  }
  unsigned chat_with(const std::string& key) {
    return h_->send("POST", "/v1/chat/completions", kChat, {{"authorization", "Bearer " + key}})
        .status;
  }

  std::string dir_;
  std::string yaml_;
  std::unique_ptr<HandlerHarness> h_;
};

}  // namespace

TEST_F(AdminApi, KeysLiveCreateUseDisableRotateRevoke) {
  FakeResponder created = admin("POST", "/admin/keys", R"({"name":"app","team":"search"})");
  ASSERT_EQ(created.status, 201u) << created.body;
  auto key = json::parse(created.body).as_object();
  const std::string id(key.at("id").as_string());
  const std::string secret(key.at("key").as_string());
  EXPECT_TRUE(secret.starts_with("sk-sluice-"));
  EXPECT_EQ(chat_with(secret), 200u);

  FakeResponder listed = admin("GET", "/admin/keys");
  EXPECT_EQ(listed.status, 200u);
  EXPECT_NE(listed.body.find(id), std::string::npos);
  EXPECT_EQ(listed.body.find(secret), std::string::npos);  // the secret is shown once only

  EXPECT_EQ(admin("PATCH", "/admin/keys/" + id, R"({"disabled":true})").status, 200u);
  EXPECT_EQ(chat_with(secret), 401u);
  EXPECT_EQ(admin("PATCH", "/admin/keys/" + id, R"({"disabled":false})").status, 200u);

  FakeResponder rotated = admin("POST", "/admin/keys/" + id + "/rotate");
  ASSERT_EQ(rotated.status, 200u);
  const std::string fresh(json::parse(rotated.body).at("key").as_string());
  EXPECT_EQ(chat_with(secret), 401u);
  EXPECT_EQ(chat_with(fresh), 200u);

  EXPECT_EQ(admin("DELETE", "/admin/keys/" + id).status, 200u);
  EXPECT_EQ(chat_with(fresh), 401u);
  EXPECT_EQ(admin("GET", "/admin/keys/" + id).status, 404u);
}

TEST_F(AdminApi, BudgetsAndTeams) {
  FakeResponder made =
      admin("POST", "/admin/budgets", R"({"scope":"team","match":"search","usd":10,"per":"day"})");
  ASSERT_EQ(made.status, 201u) << made.body;
  const std::string id(json::parse(made.body).at("id").as_string());
  FakeResponder listed = admin("GET", "/admin/budgets");
  EXPECT_NE(listed.body.find(id), std::string::npos);
  FakeResponder team = admin("GET", "/admin/teams/search");
  EXPECT_EQ(team.status, 200u);
  EXPECT_EQ(json::parse(team.body).at("budgets").as_array().size(), 1u);
  EXPECT_EQ(admin("PATCH", "/admin/budgets/" + id, R"({"usd":20})").status, 200u);
  EXPECT_EQ(admin("DELETE", "/admin/budgets/" + id).status, 200u);
  EXPECT_EQ(admin("GET", "/admin/budgets/" + id).status, 404u);
  EXPECT_EQ(admin("GET", "/admin/teams/nobody").status, 404u);
}

TEST_F(AdminApi, ErrorsInOpenAisShape) {
  // No admin key, or a gateway key instead: 401.
  EXPECT_EQ(h_->send("GET", "/admin/keys").status, 401u);
  FakeResponder created = admin("POST", "/admin/keys", R"({"name":"x"})");
  const std::string secret(json::parse(created.body).at("key").as_string());
  EXPECT_EQ(h_->send("GET", "/admin/keys", {}, {{"authorization", "Bearer " + secret}}).status,
            401u);
  FakeResponder bad = admin("POST", "/admin/keys", "[1,2]");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_TRUE(json::parse(bad.body).at("error").is_object());
  EXPECT_EQ(admin("PUT", "/admin/keys").status, 405u);
  EXPECT_EQ(admin("GET", "/admin/spend?by=colour").status, 400u);
  EXPECT_EQ(admin("GET", "/admin/routes").status, 200u);
  FakeResponder wrong_method = admin("GET", "/admin/reload");
  EXPECT_EQ(wrong_method.status, 405u);
  EXPECT_EQ(wrong_method.header("Allow"), "POST");
  EXPECT_EQ(admin("GET", "/admin/unknown").status, 404u);
}

}  // namespace sluice::admin
